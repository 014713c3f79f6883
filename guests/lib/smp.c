/* Bringing up one AP: copy the trampoline below 1 MiB, fill in the
 * stack and entry point, then the INIT-SIPI-SIPI sequence of the
 * MultiProcessor Specification (INIT, 10 ms, SIPI, 200 us, SIPI). */
#include "guest.h"
#include "apic.h"
#include "idt.h"
#include "layout.h"
#include "smp.h"

extern const char tramp_start[], tramp_end[];
extern const char tramp_cr3[], tramp_stack[], tramp_entry[];

static uint8_t ap_stacks[SMP_MAX_CPUS][AP_STACK_SIZE] NOINIT ALIGNED(16);

/* What the AP being started should do; written by the BSP before the
 * INIT, read by the AP. Only one AP starts at a time. */
static struct {
	ap_main_fn fn;
	unsigned cpu;
	uint8_t apic_id;
	volatile uint32_t done;
} boot;

static NORETURN void ap_entry(void)
{
#ifdef __x86_64__
	idt_load();		/* exceptions on the AP get reported too */
#endif
	boot.fn(boot.cpu, boot.apic_id);
	__atomic_store_n(&boot.done, 1, __ATOMIC_RELEASE);
	halt_forever();
}

/* Write a field of the trampoline copy at TRAMP_BASE. */
static void tramp_set(const char *field, uint64_t value)
{
	void *dst = PHYS(TRAMP_BASE + (field - tramp_start));

	memcpy(dst, &value, sizeof(value));
}

int smp_start_ap(uint8_t apic_id, unsigned cpu, ap_main_fn fn,
		 uint32_t timeout_ms)
{
	if (cpu >= SMP_MAX_CPUS)
		return -1;

	boot.fn = fn;
	boot.cpu = cpu;
	boot.apic_id = apic_id;
	boot.done = 0;

	memcpy(PHYS(TRAMP_BASE), tramp_start, tramp_end - tramp_start);
	tramp_set(tramp_cr3, read_cr3());	/* unused by 32-bit guests */
	tramp_set(tramp_stack, (uintptr_t)(ap_stacks[cpu] + AP_STACK_SIZE));
	tramp_set(tramp_entry, (uintptr_t)ap_entry);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_ipi(apic_id, ICR_INIT);
	delay_ms(10);
	lapic_send_ipi(apic_id, ICR_STARTUP | (TRAMP_BASE >> 12));
	delay_us(200);
	/* A second SIPI, as the specification asks: an AP that already
	 * runs ignores it. */
	lapic_send_ipi(apic_id, ICR_STARTUP | (TRAMP_BASE >> 12));

	for (uint32_t ms = 0;; ms++) {
		if (__atomic_load_n(&boot.done, __ATOMIC_ACQUIRE))
			return 0;
		if (ms >= timeout_ms) {
			/* Park it again with an INIT, so that it cannot wake
			 * up late and run on the next AP's stack. */
			lapic_send_ipi(apic_id, ICR_INIT);
			return -1;
		}
		delay_ms(1);
	}
}
