/* Interrupt descriptor table of the 64-bit guests. */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include "types.h"

/* What isr64.S saves: the caller-saved registers, the vector, the error
 * code (0 when the CPU pushes none), then the CPU's own frame. */
struct isr_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*isr_handler)(struct isr_frame *f);

/* Fill all 256 gates and load the IDT. Exceptions without a handler
 * print the frame and exit with EXIT_CRASH; other vectors without a
 * handler print and exit with EXIT_FAIL. */
void idt_init(void);
void idt_load(void);		/* on an AP: load the same IDT */
void idt_set_handler(uint8_t vector, isr_handler h);

#endif
