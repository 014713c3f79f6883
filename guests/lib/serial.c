/* Polled 8250/16550 output on COM1. No interrupts: the guests only
 * write, and polling keeps the device model a hypervisor needs small. */
#include "guest.h"

#define COM1		0x3f8
#define UART_THR	0	/* transmit holding register (DLAB=0) */
#define UART_IER	1	/* interrupt enable (DLAB=0) */
#define UART_DLL	0	/* divisor latch, low byte (DLAB=1) */
#define UART_DLM	1	/* divisor latch, high byte (DLAB=1) */
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_THRE	0x20	/* transmit holding register empty */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);	/* we poll */
	outb(COM1 + UART_LCR, 0x80);	/* DLAB on to reach the divisor */
	outb(COM1 + UART_DLL, 0x01);	/* 115200 baud */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0x07);	/* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS; OUT2 off: no IRQ */
}

void serial_putc(char c)
{
	/* Bounded wait: a missing or wedged UART must not hang the guest. */
	for (int i = 0; i < 1000000; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
		cpu_pause();
	}
	outb(COM1 + UART_THR, (uint8_t)c);
}
