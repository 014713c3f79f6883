/* Entry of the 32-bit guests. A multiboot loader leaves us in 32-bit
 * protected mode, paging off, interrupts off, EAX = magic, EBX = info,
 * with segments the specification says we must not rely on. */
#include "layout.h"

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	/* Keep the multiboot registers in .data before anything else. */
	movl	%eax, boot_magic
	movl	%ebx, boot_info

	lgdt	boot_gdt_ptr
	ljmp	$SEL_CODE32, $1f
1:	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	$boot_stack + BOOT_STACK_SIZE, %esp

	/* Clear .bss: do not trust the loader to have done it. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	pushl	boot_info
	pushl	boot_magic
	call	start_c			/* does not return */
2:	cli
	hlt
	jmp	2b

	.data
	.balign 4
boot_magic:	.long 0
boot_info:	.long 0

	.section .noinit, "aw", @nobits
	.balign 16
boot_stack:	.skip BOOT_STACK_SIZE

	.section .note.GNU-stack, "", @progbits
