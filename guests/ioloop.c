/* Exit-latency benchmark: N writes to port 0x80 (the POST code port,
 * which nothing listens to), each one a VM exit under a hypervisor.
 * Usage: iterations=N on the command line (default 100000). */
#include "guest.h"

int guest_main(void)
{
	uint32_t n = (uint32_t)cmdline_uint("iterations", 100000);

	/* Three instructions per iteration, so the time is the exits'. */
	if (n) {
		uint32_t count = n;
		__asm__ volatile("1: outb %%al, $0x80\n\t"
				 "decl %0\n\t"
				 "jnz 1b"
				 : "+r"(count) : "a"(0) : "memory");
	}
	printf("ioloop: %u port writes done\n", n);
	return EXIT_OK;
}
