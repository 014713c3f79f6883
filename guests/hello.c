/* The smallest guest: two lines on COM1 from 32-bit protected mode. */
#include "guest.h"

int guest_main(void)
{
	uintptr_t cr0 = read_cr0();

	printf("Hello from jvisor test guest\n");
	if ((cr0 & CR0_PE) && !(cr0 & CR0_PG))
		printf("mode: 32-bit protected\n");
	else
		printf("mode: unexpected, cr0=0x%lx\n", (unsigned long)cr0);
	return EXIT_OK;
}
