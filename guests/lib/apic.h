/* Interrupt controllers: local APIC (xAPIC, MMIO), IOAPIC, 8259 PICs. */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include "types.h"

/* Local APIC register offsets. */
#define LAPIC_ID	0x020
#define LAPIC_VERSION	0x030
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_ISR	0x100	/* 8 registers, 0x10 apart */
#define LAPIC_IRR	0x200
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERROR	0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3e0

#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define LVT_EXTINT	(7u << 8)
#define LVT_NMI		(4u << 8)

#define ICR_INIT	0x00004500	/* INIT, level assert */
#define ICR_STARTUP	0x00004600	/* SIPI; low byte is the vector */
#define ICR_BUSY	(1u << 12)	/* delivery status: send pending */

void lapic_init(void);		/* find the base, set the enable bit */
uintptr_t lapic_base(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
uint8_t lapic_id(void);
void lapic_enable(uint8_t spurious_vector);
void lapic_eoi(void);
/* Send an IPI and wait until the APIC has sent it; 0 on success. */
int lapic_send_ipi(uint8_t apic_id, uint32_t icr_low);

/* IOAPIC at a physical address from the MADT. */
uint32_t ioapic_read(uintptr_t base, uint32_t reg);
void ioapic_write(uintptr_t base, uint32_t reg, uint32_t v);
unsigned ioapic_pins(uintptr_t base);
/* Program one redirection entry: fixed delivery, physical destination.
 * flags take the MADT MPS INTI flags (polarity, trigger mode). */
void ioapic_route(uintptr_t base, unsigned pin, uint8_t vector,
		  uint8_t apic_id, uint16_t mps_flags);
void ioapic_mask(uintptr_t base, unsigned pin);

/* 8259 pair: remap IRQ 0-7 to base..base+7 and 8-15 to base+8..; all
 * masked afterwards. */
void pic_remap(uint8_t base);
void pic_set_mask(uint16_t mask);	/* bit n set = IRQ n masked */
void pic_eoi(unsigned irq);
uint16_t pic_in_service(void);

#endif
