/* The one GDT of every guest, used by the boot processor and, through
 * the trampoline, by the application processors: flat 4 GiB segments.
 * The accessed bits are preset so the CPU never writes to the table. */
#include "layout.h"

	.section .rodata
	.balign 16
	.globl boot_gdt, boot_gdt_ptr
boot_gdt:
	.quad 0				/* null */
	.quad 0x00cf9b000000ffff	/* SEL_CODE32: 32-bit code, ring 0 */
	.quad 0x00cf93000000ffff	/* SEL_DATA: data, read/write */
	.quad 0x00af9b000000ffff	/* SEL_CODE64: 64-bit code (L=1) */

	/* lgdt reads a 32-bit base in 32-bit mode and a 64-bit one in
	 * 64-bit mode; the upper half is zero either way. */
	.balign 8
boot_gdt_ptr:
	.word BOOT_GDT_LIMIT
	.long boot_gdt, 0

	.section .note.GNU-stack, "", @progbits
