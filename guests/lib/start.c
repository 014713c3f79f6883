/* First C code of the boot processor, called by boot32.S / boot64.S
 * with the multiboot registers (EAX magic, EBX info address). */
#include "guest.h"
#include "idt.h"

NORETURN void start_c(uint32_t magic, uint32_t info);

void start_c(uint32_t magic, uint32_t info)
{
	serial_init();
#ifdef __x86_64__
	/* Report CPU exceptions instead of triple-faulting silently. */
	idt_init();
#endif
	mb_init(magic, info);
	debug_exit((uint8_t)guest_main());
}
