/* What the BIOS leaves for a kernel booted like QEMU's -kernel: the
 * PICs' masks, the ELCR, PIT counter 0's mode, a write-protected ROM,
 * and, from real mode, the BIOS's own INT 11h/12h and its timer tick
 * (INT 08h) waking HLT and counting in the BIOS data area. */
#include "guest.h"
#include "layout.h"

/* Real-mode code runs from a copy below 1 MiB, under the AP trampoline's page. */
#define RM_BASE		0x7000
#define HALTS		3

#define STR_(x)		#x
#define STR(x)		STR_(x)

extern const char rm_start[], rm_end[];
extern const char rm_int11[], rm_int12[], rm_ticks_before[], rm_ticks_after[];

#define RM_VAR(type, label) (*(volatile type *)(RM_BASE + ((label) - rm_start)))

int guest_main(void)
{
	volatile uint8_t *rom_iret = (volatile uint8_t *)0xfff53;
	uint32_t int08 = *(volatile uint32_t *)(8 * 4);
	uint8_t status, before;
	uint32_t ticks;
	int ok = 1;

	printf("PIC masks: 0x%02x 0x%02x\n", inb(0x21), inb(0xa1));
	printf("ELCR: 0x%02x 0x%02x\n", inb(0x4d0), inb(0x4d1));
	outb(0x43, 0xe2);	/* read-back: latch counter 0's status only */
	status = inb(0x40);
	printf("PIT counter 0: mode %u, access %u, %s\n", (status >> 1) & 7,
	       (status >> 4) & 3, status & 1 ? "BCD" : "binary");
	printf("INT 08h vector: segment 0x%04x\n", (unsigned)(int08 >> 16));

	before = *rom_iret;
	*rom_iret = before ^ 0xff;
	printf("F000:FF53: 0x%02x, %s\n", before,
	       *rom_iret == before ? "write-protected" : "writable");

	memcpy((void *)RM_BASE, rm_start, rm_end - rm_start);
	((void (*)(void))RM_BASE)();

	printf("INT 12h: %u KiB\n", RM_VAR(uint16_t, rm_int12));
	printf("INT 11h: FPU %s, serial ports %u\n",
	       RM_VAR(uint16_t, rm_int11) & 2 ? "yes" : "no",
	       (RM_VAR(uint16_t, rm_int11) >> 9) & 7);
	ticks = RM_VAR(uint32_t, rm_ticks_after) - RM_VAR(uint32_t, rm_ticks_before);
	if (ticks >= HALTS) {
		printf("%d halts with interrupts on: the BIOS tick count advanced with each\n", HALTS);
	} else {
		printf("%d halts with interrupts on: the BIOS tick count advanced by %u\n", HALTS, ticks);
		ok = 0;
	}
	return ok ? EXIT_OK : EXIT_FAIL;
}

/* Called from 32-bit protected mode at RM_BASE: drops to real mode
 * through a 16-bit segment, calls the BIOS there, halts with interrupts
 * on, and returns to the caller's protected mode with its GDT and IDT. */
#define AT(label)	(RM_BASE + (label) - rm_start)
__asm__(
"	.section .rodata\n"
"	.globl rm_start, rm_end, rm_int11, rm_int12, rm_ticks_before, rm_ticks_after\n"
"	.code32\n"
"rm_start:\n"
"	pushal\n"
"	movl	%esp, " STR(AT(rm_saved_esp)) "\n"
"	sgdtl	" STR(AT(rm_saved_gdtr)) "\n"
"	sidtl	" STR(AT(rm_saved_idtr)) "\n"
"	lgdtl	" STR(AT(rm_gdtr)) "\n"
"	ljmpl	$0x08, $" STR(AT(rm_16bit)) "\n"
"	.code16\n"
"rm_16bit:\n"
"	movw	$0x10, %ax\n"		/* 64 KiB limits, as real mode wants them */
"	movw	%ax, %ds\n"
"	movw	%ax, %es\n"
"	movw	%ax, %fs\n"
"	movw	%ax, %gs\n"
"	movw	%ax, %ss\n"
"	movl	%cr0, %eax\n"
"	andl	$~1, %eax\n"
"	movl	%eax, %cr0\n"
"	ljmp	$0, $" STR(AT(rm_real)) "\n"
"rm_real:\n"
"	xorw	%ax, %ax\n"
"	movw	%ax, %ds\n"
"	movw	%ax, %es\n"
"	movw	%ax, %ss\n"
"	movw	$" STR(RM_BASE) ", %sp\n"
"	lidtl	" STR(AT(rm_ivt)) "\n"
"	int	$0x12\n"
"	movw	%ax, " STR(AT(rm_int12)) "\n"
"	int	$0x11\n"
"	movw	%ax, " STR(AT(rm_int11)) "\n"
"	movl	0x46c, %eax\n"
"	movl	%eax, " STR(AT(rm_ticks_before)) "\n"
"	movw	$" STR(HALTS) ", %cx\n"
"1:	sti\n"
"	hlt\n"
"	cli\n"
"	loop	1b\n"
"	movl	0x46c, %eax\n"
"	movl	%eax, " STR(AT(rm_ticks_after)) "\n"
"	lgdtl	" STR(AT(rm_saved_gdtr)) "\n"
"	lidtl	" STR(AT(rm_saved_idtr)) "\n"
"	movl	%cr0, %eax\n"
"	orl	$1, %eax\n"
"	movl	%eax, %cr0\n"
"	ljmpl	$" STR(SEL_CODE32) ", $" STR(AT(rm_back)) "\n"
"	.code32\n"
"rm_back:\n"
"	movw	$" STR(SEL_DATA) ", %ax\n"
"	movw	%ax, %ds\n"
"	movw	%ax, %es\n"
"	movw	%ax, %fs\n"
"	movw	%ax, %gs\n"
"	movw	%ax, %ss\n"
"	movl	" STR(AT(rm_saved_esp)) ", %esp\n"
"	popal\n"
"	ret\n"
"	.balign 8\n"
"rm_gdt:\n"
"	.quad	0\n"
"	.quad	0x00009b000000ffff\n"	/* 0x08: 16-bit code, base 0, 64 KiB */
"	.quad	0x000093000000ffff\n"	/* 0x10: 16-bit data, base 0, 64 KiB */
"rm_gdtr:	.word 23\n"
"	.long	" STR(AT(rm_gdt)) "\n"
"rm_ivt:	.word 0x3ff\n"
"	.long	0\n"
"rm_saved_gdtr:	.word 0\n"
"	.long	0\n"
"rm_saved_idtr:	.word 0\n"
"	.long	0\n"
"	.balign 4\n"
"rm_saved_esp:	.long 0\n"
"rm_ticks_before:	.long 0\n"
"rm_ticks_after:	.long 0\n"
"rm_int11:	.word 0\n"
"rm_int12:	.word 0\n"
"rm_end:\n"
"	.text\n");
