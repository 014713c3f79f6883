/* Constants shared by the assembly start-up code and C. */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

/* Selectors of boot_gdt (gdt.S); the AP trampoline uses the same GDT. */
#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18
#define BOOT_GDT_LIMIT	(4 * 8 - 1)	/* four descriptors */

/* The AP start-up trampoline is copied to this page below 1 MiB; the
 * SIPI vector is its page number. Loaders must not leave boot
 * information in this page (QEMU puts the multiboot info at 0x9000). */
#define TRAMP_BASE	0x8000

#define BOOT_STACK_SIZE	16384

#define MB_HEADER_MAGIC	0x1badb002
/* Bit 0: page-align modules; bit 1: we want mem_* and the memory map.
 * Bit 16 is clear, so the loader takes the load layout from the ELF
 * program headers. */
#define MB_HEADER_FLAGS	0x00000003

#endif
