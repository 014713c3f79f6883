/* The two cascaded 8259A PICs of the PC. */
#include "guest.h"
#include "apic.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define OCW2_EOI	0x20
#define OCW3_READ_IRR	0x0a
#define OCW3_READ_ISR	0x0b

void pic_remap(uint8_t base)
{
	outb(PIC1_CMD, 0x11);		/* ICW1: edge, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, base);		/* ICW2: vector base */
	outb(PIC2_DATA, base + 8);
	outb(PIC1_DATA, 0x04);		/* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 0x02);		/* ICW3: slave identity 2 */
	outb(PIC1_DATA, 0x01);		/* ICW4: 8086 mode, normal EOI */
	outb(PIC2_DATA, 0x01);
	pic_set_mask(0xffff);
}

void pic_set_mask(uint16_t mask)
{
	outb(PIC1_DATA, mask & 0xff);
	outb(PIC2_DATA, mask >> 8);
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

uint16_t pic_in_service(void)
{
	uint16_t isr;

	outb(PIC1_CMD, OCW3_READ_ISR);
	outb(PIC2_CMD, OCW3_READ_ISR);
	isr = inb(PIC1_CMD) | (uint16_t)inb(PIC2_CMD) << 8;
	outb(PIC1_CMD, OCW3_READ_IRR);	/* back to the reset default */
	outb(PIC2_CMD, OCW3_READ_IRR);
	return isr;
}
