/* Ends in a triple fault on purpose: with an empty IDT, int3 cannot be
 * delivered (#GP), neither can the #GP (#DF), nor the #DF: the CPU
 * shuts down. QEMU with -no-reboot then exits; a hypervisor should
 * report the shutdown. */
#include "guest.h"

int guest_main(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} PACKED empty_idt = { 0, 0 };

	printf("triple fault next\n");
	__asm__ volatile("lidt %0\n\t"
			 "int3" : : "m"(empty_idt));
	printf("still running after the triple fault\n");
	return EXIT_FAIL;
}
