/* Busy waits timed by channel 2 of the 8254 PIT (1.193182 MHz).
 * Channel 2 is the one software may use freely: its gate and output are
 * reached through port 0x61, and it raises no interrupt. Timing by the
 * PIT rather than by counting instructions keeps the waits right under
 * emulators of any speed. */
#include "guest.h"

#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT61		0x61
#define P61_GATE2	0x01
#define P61_SPEAKER	0x02
#define P61_OUT2	0x20

static int pit_checked, pit_works;

/* Mode 0 (interrupt on terminal count): OUT2 drops when the mode is set
 * and rises when the count runs out. */
static void pit2_start(uint16_t count)
{
	outb(PORT61, (inb(PORT61) & ~P61_SPEAKER) | P61_GATE2);
	outb(PIT_CMD, 0xb0);	/* channel 2, low then high byte, mode 0 */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
}

static void pit2_wait(void)
{
	/* Bounded, so a PIT that never fires cannot hang the guest. */
	for (uint32_t i = 0; i < 10000000; i++)
		if (inb(PORT61) & P61_OUT2)
			return;
}

/* A PIT that is absent (port 0x61 floating at 0xff) would make every
 * wait return at once; then fall back to a crude pause loop. */
static void pit_check(void)
{
	pit2_start(0xffff);	/* 55 ms: cannot elapse before the read */
	pit_works = !(inb(PORT61) & P61_OUT2);
	pit_checked = 1;
}

void delay_us(uint32_t us)
{
	if (!pit_checked)
		pit_check();
	while (us) {
		uint32_t chunk = us > 50000 ? 50000 : us;
		uint32_t count = chunk * 1193 / 1000;

		us -= chunk;
		if (!pit_works) {
			for (uint32_t i = 0; i < chunk * 100; i++)
				cpu_pause();
			continue;
		}
		pit2_start(count ? (uint16_t)count : 1);
		pit2_wait();
	}
}

void delay_ms(uint32_t ms)
{
	while (ms--)
		delay_us(1000);
}
