/* calls: a known call tree for the debugging tools. gdb breaks in
 * leaf(), steps and reads 'answer'; the call tracer must see exactly
 * guest_main -> first -> leaf, then second -> leaf twice, then third. */
#include "guest.h"

#define NOINLINE __attribute__((noinline))

volatile int answer = 40;

NOINLINE int leaf(int x)
{
	answer += x;
	return answer;
}

NOINLINE int first(void)
{
	return leaf(1);
}

NOINLINE int second(void)
{
	int a = leaf(0);
	return a + leaf(1);
}

NOINLINE int third(int v)
{
	return v * 2;
}

int guest_main(void)
{
	int r = first();
	r += second();
	r = third(r);
	printf("answer=%d r=%d\n", answer, r);
	return answer == 42 ? EXIT_OK : EXIT_FAIL;
}
