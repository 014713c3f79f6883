/* Local APIC in xAPIC mode, reached through MMIO at the base address
 * from IA32_APIC_BASE. Paging is off (32-bit guests) or identity mapped
 * (64-bit guests), so the physical address works as a pointer. */
#include "guest.h"
#include "apic.h"

#define APIC_BASE_ENABLE	(1u << 11)
#define APIC_BASE_MASK		0xfffff000u

static uintptr_t base;

void lapic_init(void)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);

	if (!(msr & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
	base = (uintptr_t)(msr & APIC_BASE_MASK);
}

uintptr_t lapic_base(void)
{
	return base;
}

uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(base + reg);
}

void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(base + reg, v);
}

uint8_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_enable(uint8_t spurious_vector)
{
	lapic_write(LAPIC_SVR, 0x100 | spurious_vector);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

int lapic_send_ipi(uint8_t apic_id, uint32_t icr_low)
{
	lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_low);	/* this write sends it */
	for (int i = 0; i < 1000; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_BUSY))
			return 0;
		delay_us(10);
	}
	return -1;
}
