/* IOAPIC: an index register at +0x00 and a data window at +0x10. */
#include "guest.h"
#include "apic.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPICVER	0x01
#define IOREDTBL(pin)	(0x10 + 2 * (pin))

#define RTE_MASKED	(1u << 16)
#define RTE_LEVEL	(1u << 15)
#define RTE_ACTIVE_LOW	(1u << 13)

uint32_t ioapic_read(uintptr_t base, uint32_t reg)
{
	mmio_write32(base + IOREGSEL, reg);
	return mmio_read32(base + IOWIN);
}

void ioapic_write(uintptr_t base, uint32_t reg, uint32_t v)
{
	mmio_write32(base + IOREGSEL, reg);
	mmio_write32(base + IOWIN, v);
}

unsigned ioapic_pins(uintptr_t base)
{
	return ((ioapic_read(base, IOAPICVER) >> 16) & 0xff) + 1;
}

void ioapic_route(uintptr_t base, unsigned pin, uint8_t vector,
		  uint8_t apic_id, uint16_t mps_flags)
{
	uint32_t lo = vector;

	/* MPS INTI flags: bits 0-1 polarity (3 = active low), bits 2-3
	 * trigger mode (3 = level); 0 means "as the bus says", which for
	 * ISA is active high, edge. */
	if ((mps_flags & 3) == 3)
		lo |= RTE_ACTIVE_LOW;
	if (((mps_flags >> 2) & 3) == 3)
		lo |= RTE_LEVEL;
	/* Destination first, while the entry is still masked. */
	ioapic_write(base, IOREDTBL(pin), RTE_MASKED);
	ioapic_write(base, IOREDTBL(pin) + 1, (uint32_t)apic_id << 24);
	ioapic_write(base, IOREDTBL(pin), lo);
}

void ioapic_mask(uintptr_t base, unsigned pin)
{
	ioapic_write(base, IOREDTBL(pin),
		     ioapic_read(base, IOREDTBL(pin)) | RTE_MASKED);
}
