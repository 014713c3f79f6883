/* Start-up code of the application processors. smp.c copies the bytes
 * between tramp_start and tramp_end to TRAMP_BASE (below 1 MiB) and
 * sends a SIPI with vector TRAMP_BASE >> 12: the AP starts here in real
 * mode with CS = TRAMP_BASE >> 4, IP = 0. It switches to protected mode
 * (and, in 64-bit guests, on to long mode with the boot processor's page
 * tables), loads its own stack and calls the C entry point.
 *
 * The code runs at TRAMP_BASE, not where it was linked, so every address
 * inside it is written as AT(label). */
#include "layout.h"

#define AT(label)	(TRAMP_BASE + (label) - tramp_start)

	.section .rodata
	.globl tramp_start, tramp_end, tramp_cr3, tramp_stack, tramp_entry

	.code16
tramp_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds		/* DS = 0: AT() addresses are < 64 KiB */
	lgdtl	AT(tramp_gdtr)
	movl	%cr0, %eax
	orl	$1, %eax		/* CR0.PE */
	movl	%eax, %cr0
	ljmpl	$SEL_CODE32, $AT(tramp_protected)

	.code32
tramp_protected:
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
#ifdef __x86_64__
	movl	AT(tramp_cr3), %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$0x20, %eax		/* CR4.PAE */
	movl	%eax, %cr4
	movl	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax	/* CR0.PG: long mode is now active */
	movl	%eax, %cr0
	ljmpl	$SEL_CODE64, $AT(tramp_long)

	.code64
tramp_long:
	movq	AT(tramp_stack), %rsp
	xorl	%ebp, %ebp
	call	*AT(tramp_entry)	/* does not return */
#else
	movl	AT(tramp_stack), %esp
	xorl	%ebp, %ebp
	call	*AT(tramp_entry)	/* does not return */
#endif
1:	cli
	hlt
	jmp	1b

	/* Filled in by smp.c in the copy, before each SIPI. */
	.balign 8
tramp_gdtr:
	.word	BOOT_GDT_LIMIT
	.long	boot_gdt		/* the image's GDT, above 1 MiB */
	.balign 8
tramp_cr3:	.quad 0
tramp_stack:	.quad 0
tramp_entry:	.quad 0
tramp_end:

	.section .note.GNU-stack, "", @progbits
