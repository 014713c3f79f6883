#include "guest.h"

/* QEMU's isa-debug-exit ends the emulator with status (value << 1) | 1
 * when a byte is written to its port; jvisor implements the same port. */
void debug_exit(uint8_t value)
{
	outb(DEBUG_EXIT_PORT, value);
	/* Still here: the machine has no debug-exit device. */
	printf("debug-exit port 0x%x is absent; halting (exit value %u)\n",
	       DEBUG_EXIT_PORT, value);
	halt_forever();
}
