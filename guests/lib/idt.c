/* IDT of the 64-bit guests: 256 interrupt gates into isr64.S, which
 * calls isr_dispatch with the saved frame. */
#include "guest.h"
#include "idt.h"
#include "layout.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;		/* 0x8e: present, ring 0, interrupt gate */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} PACKED;

extern const char isr_stubs[];

static struct idt_gate idt[256] ALIGNED(16);
static isr_handler handlers[256];

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

void isr_dispatch(struct isr_frame *f);

void isr_dispatch(struct isr_frame *f)
{
	uint8_t v = (uint8_t)f->vector;

	if (handlers[v]) {
		handlers[v](f);
		return;
	}
	if (v < 32) {
		const char *name = exception_names[v] ? exception_names[v]
						      : "reserved";
		uintptr_t cr2;

		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		printf("\nCPU exception %u (%s), error code 0x%lx\n"
		       "  rip 0x%lx  cs 0x%lx  rflags 0x%lx  rsp 0x%lx  cr2 0x%lx\n",
		       v, name, f->error, f->rip, f->cs, f->rflags, f->rsp,
		       (unsigned long)cr2);
		debug_exit(EXIT_CRASH);
	}
	printf("\nunexpected interrupt, vector %u at rip 0x%lx\n", v, f->rip);
	debug_exit(EXIT_FAIL);
}

void idt_set_handler(uint8_t vector, isr_handler h)
{
	handlers[vector] = h;
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} PACKED idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uintptr_t a = (uintptr_t)isr_stubs + 16 * v;

		idt[v] = (struct idt_gate){
			.offset_lo = (uint16_t)a,
			.selector = SEL_CODE64,
			.type = 0x8e,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
	idt_load();
}
