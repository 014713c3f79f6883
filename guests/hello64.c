/* hello, from long mode: proves the 32-to-64-bit switch in boot64.S. */
#include "guest.h"

int guest_main(void)
{
	printf("Hello from jvisor test guest\n");
	if (!(rdmsr(MSR_EFER) & EFER_LMA)) {
		printf("error: EFER.LMA is clear, not in long mode\n");
		return EXIT_FAIL;
	}
	printf("Hello from 64-bit long mode\n");
	return EXIT_OK;
}
