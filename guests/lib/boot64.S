/* Entry of the 64-bit guests. The multiboot loader starts us in 32-bit
 * protected mode (the image is an ELF64 link converted to ELF32, which
 * QEMU's multiboot loader requires); we switch to long mode here.
 *
 * Paging: identity map of the first 4 GiB with 2 MiB pages, so RAM, the
 * IOAPIC (0xfec00000) and the local APIC (0xfee00000) are all reachable
 * at their physical addresses. The fourth GiB, where the devices live,
 * is mapped uncached. */
#include "layout.h"

#define PTE_P		0x001	/* present */
#define PTE_W		0x002	/* writable */
#define PTE_PWT		0x008
#define PTE_PCD		0x010	/* cache disable */
#define PTE_PS		0x080	/* 2 MiB page (in a page directory) */
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100
#define COM1		0x3f8

	.text
	.code32
	.globl _start
_start:
	cli
	cld
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

	/* Clear .bss (page tables included). */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	/* Long mode present? CPUID 0x80000001 EDX bit 29. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> the four page directories. */
	movl	$boot_pdpt + PTE_P + PTE_W, boot_pml4
	movl	$boot_pd + PTE_P + PTE_W, %eax
	xorl	%ecx, %ecx
2:	movl	%eax, boot_pdpt(,%ecx,8)
	addl	$4096, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jne	2b

	/* 2048 directory entries of 2 MiB each; entry i maps i << 21. */
	xorl	%ecx, %ecx
3:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$PTE_P + PTE_W + PTE_PS, %eax
	cmpl	$3 * 512, %ecx
	jb	4f
	orl	$PTE_PCD + PTE_PWT, %eax	/* 3..4 GiB: devices */
4:	movl	%eax, boot_pd(,%ecx,8)
	incl	%ecx
	cmpl	$4 * 512, %ecx
	jne	3b

	/* PAE, then EFER.LME, then paging: the CPU enters long mode
	 * (compatibility submode) when CR0.PG is set. */
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PG, %eax
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $long_mode

	.code64
long_mode:
	/* The upper halves of the registers are undefined after the
	 * switch: load everything afresh. */
	movl	$boot_stack + BOOT_STACK_SIZE, %esp
	movl	boot_magic, %edi
	movl	boot_info, %esi
	call	start_c			/* does not return */
5:	cli
	hlt
	jmp	5b

	.code32
	/* No C runtime is usable yet: print with a polled loop, then
	 * leave through the debug-exit port with EXIT_CRASH (2). */
no_long_mode:
	movl	$no_lm_msg, %esi
6:	movb	(%esi), %bl
	testb	%bl, %bl
	jz	8f
	movw	$COM1 + 5, %dx
7:	inb	%dx, %al
	testb	$0x20, %al
	jz	7b
	movw	$COM1, %dx
	movb	%bl, %al
	outb	%al, %dx
	incl	%esi
	jmp	6b
8:	movb	$2, %al
	outb	%al, $0xf4
9:	cli
	hlt
	jmp	9b

	.section .rodata
no_lm_msg:
	.asciz	"this guest needs a 64-bit CPU (no long mode in CPUID)\r\n"

	.data
	.balign 4
boot_magic:	.long 0
boot_info:	.long 0

	.bss
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4 * 4096

	.section .noinit, "aw", @nobits
	.balign 16
boot_stack:	.skip BOOT_STACK_SIZE

	.section .note.GNU-stack, "", @progbits
