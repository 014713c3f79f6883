/* Interrupt entry stubs of the 64-bit guests: one 16-byte stub per
 * vector at isr_stubs + 16 * vector, so idt.c can compute the gate
 * addresses. Each stub makes the stack look the same (an error code,
 * 0 when the CPU pushed none, then the vector) and joins isr_common. */

	.text
	.code64
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	/* Exceptions with an error code: #DF #TS #NP #SS #GP #PF #AC #CP
	 * #VC #SX. */
	.if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	.set vec, vec + 1
	.endr

	/* The CPU aligned RSP to 16 before pushing its 5-word frame; with
	 * 2 words from the stub and 9 here, RSP is 16-byte aligned again
	 * at the call, as the ABI wants. */
isr_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	%rsp, %rdi
	cld
	call	isr_dispatch
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
