/* Timer interrupts, counted exactly. Three phases, 200 interrupts each,
 * the CPU waiting with sti; hlt between them:
 *   1. PIT channel 0 at ~1 kHz through the 8259 PIC (LAPIC LINT0 in
 *      ExtINT mode),
 *   2. the same PIT interrupt through the IOAPIC (pin from the MADT
 *      interrupt source override for ISA IRQ 0),
 *   3. the LAPIC timer in periodic mode at ~1 kHz (calibrated against
 *      PIT channel 2).
 * Every handler checks that its interrupt is in service in the
 * interrupt controller before its EOI and retired after it, and that it
 * runs with interrupts disabled; the source is stopped by the handler at
 * the 200th interrupt, so the printed counts are exact. A watchdog on
 * the other timer turns a lost interrupt into a message instead of a
 * hang. */
#include "guest.h"
#include "acpi.h"
#include "apic.h"
#include "idt.h"

#define TICKS		200
#define WATCHDOG_MS	10000

#define VEC_PIC_BASE	0x20	/* IRQ 0-15 -> 0x20-0x2f */
#define VEC_PIT		0x30	/* PIT through the IOAPIC */
#define VEC_WATCHDOG_PIT 0x31	/* PIT at 18.2 Hz, watchdog of phase 3 */
#define VEC_LAPIC_TIMER	0x40
#define VEC_WATCHDOG	0x41	/* LAPIC one-shot, watchdog of phases 1-2 */
#define VEC_SPURIOUS	0xff

#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define PIT_1KHZ	1193	/* 1193182 Hz / 1193 = 1000.2 Hz */
#define PIT_SLOWEST	0	/* 65536: 18.2 Hz */
#define TIMER_DIV_16	0x3
#define TIMER_DIV_128	0xa

/* What the handlers saw during one phase. */
static struct phase {
	volatile uint32_t counted;	/* up to TICKS */
	volatile uint32_t extra;	/* arrived after the source was stopped */
	volatile uint32_t eois;
	volatile uint32_t not_in_service;	/* ISR bit clear before EOI */
	volatile uint32_t still_in_service;	/* ISR bit set after EOI */
	volatile uint32_t if_wrong;	/* IF=0 when interrupted, or IF=1
					 * inside the handler */
} ph;

static volatile uint32_t watchdog_fired, watchdog_ticks;
static volatile uint32_t spurious;
static uintptr_t ioapic;	/* IOAPIC base, 0 if none */
static unsigned pit_pin;	/* IOAPIC pin of ISA IRQ 0 */
static uint16_t pit_flags;
static uint8_t bsp_id;
static uint32_t lapic_per_ms;	/* LAPIC timer counts per ms, divide by 16 */

static void pit_periodic(uint16_t divisor)
{
	outb(PIT_CMD, 0x34);		/* channel 0, low/high byte, mode 2 */
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
}

static void pit_stop(void)
{
	outb(PIT_CMD, 0x30);		/* mode 0 and no count: OUT stays low */
}

static int lapic_in_service(uint8_t vec)
{
	return (lapic_read(LAPIC_ISR + 0x10 * (vec / 32)) >> (vec % 32)) & 1;
}

static int lapic_any_in_service(void)
{
	for (unsigned i = 0; i < 8; i++)
		if (lapic_read(LAPIC_ISR + 0x10 * i))
			return 1;
	return 0;
}

#define RFLAGS_IF (1u << 9)

static void count(struct isr_frame *f)
{
	uint64_t rflags;

	/* Only an interruptible CPU may take the interrupt, and an
	 * interrupt gate clears IF on the way in. */
	__asm__ volatile("pushfq; popq %0" : "=r"(rflags));
	if (!(f->rflags & RFLAGS_IF) || (rflags & RFLAGS_IF))
		ph.if_wrong++;
	if (ph.counted < TICKS)
		ph.counted++;
	else
		ph.extra++;
}

static void pit_pic_handler(struct isr_frame *f)
{
	count(f);
	if (ph.counted == TICKS)
		pic_set_mask(0xffff);	/* stop exactly at TICKS */
	if (!(pic_in_service() & 1))
		ph.not_in_service++;
	pic_eoi(0);
	ph.eois++;
	if (pic_in_service() & 1)
		ph.still_in_service++;
}

/* Handlers of interrupts delivered by the local APIC. */
static void apic_eoi_checked(uint8_t vec)
{
	if (!lapic_in_service(vec))
		ph.not_in_service++;
	lapic_eoi();
	ph.eois++;
	if (lapic_in_service(vec))
		ph.still_in_service++;
}

static void pit_ioapic_handler(struct isr_frame *f)
{
	count(f);
	if (ph.counted == TICKS)
		ioapic_mask(ioapic, pit_pin);
	apic_eoi_checked(VEC_PIT);
}

static void lapic_timer_handler(struct isr_frame *f)
{
	count(f);
	if (ph.counted == TICKS) {
		lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
		lapic_write(LAPIC_TIMER_INIT, 0);
	}
	apic_eoi_checked(VEC_LAPIC_TIMER);
}

static void watchdog_handler(struct isr_frame *f)
{
	(void)f;
	watchdog_fired = 1;
	lapic_eoi();
}

static void watchdog_pit_handler(struct isr_frame *f)
{
	(void)f;
	/* 18.2 interrupts per second */
	if (++watchdog_ticks >= WATCHDOG_MS * 182 / 10000)
		watchdog_fired = 1;
	lapic_eoi();
}

static void spurious_handler(struct isr_frame *f)
{
	(void)f;
	spurious++;		/* no EOI for spurious interrupts */
}

/* LAPIC timer counts during 10 ms of PIT channel 2. */
static int calibrate_lapic_timer(void)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	delay_ms(10);
	uint32_t elapsed = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_per_ms = elapsed / 10;
	return lapic_per_ms ? 0 : -1;
}

static void lapic_watchdog_start(void)
{
	/* Divide by 128 instead of 16: eight times fewer counts. */
	uint64_t n = (uint64_t)lapic_per_ms / 8 * WATCHDOG_MS;

	watchdog_fired = 0;
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_128);
	lapic_write(LAPIC_LVT_TIMER, VEC_WATCHDOG);	/* one-shot */
	lapic_write(LAPIC_TIMER_INIT, n > 0xffffffff ? 0xffffffff : (uint32_t)n);
}

static void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

/* Sleep in hlt until the handler has counted TICKS interrupts or the
 * watchdog fires; then let stragglers arrive and check the books. */
static int run_phase(const char *label, const char *source)
{
	cli();
	while (ph.counted < TICKS && !watchdog_fired)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	int timed_out = ph.counted < TICKS;
	sti();
	delay_ms(5);
	cli();

	int bad = ph.eois != ph.counted + ph.extra || ph.not_in_service ||
		  ph.still_in_service || ph.if_wrong || lapic_any_in_service() ||
		  pic_in_service();
	if (timed_out)
		printf("%s: only %u interrupts from the %s in %u s\n", label,
		       ph.counted, source, WATCHDOG_MS / 1000);
	else
		printf("%s: %u\n", label, ph.counted);
	if (bad)
		printf("  handler calls %u, EOIs %u, not in service before EOI %u,"
		       " in service after EOI %u, wrong IF %u,"
		       " LAPIC ISR %s, PIC ISR 0x%x\n",
		       ph.counted + ph.extra, ph.eois, ph.not_in_service,
		       ph.still_in_service, ph.if_wrong,
		       lapic_any_in_service() ? "not clear" : "clear",
		       pic_in_service());
	memset((void *)&ph, 0, sizeof(ph));
	return timed_out || bad ? -1 : 0;
}

static int phase_pic(void)
{
	printf("irqstorm: PIT at 1 kHz through the 8259 PIC\n");
	lapic_write(LAPIC_LVT_LINT0, LVT_EXTINT);
	lapic_watchdog_start();
	pit_periodic(PIT_1KHZ);
	pic_set_mask(0xfffe);		/* IRQ 0 only */
	int rc = run_phase("pit ticks", "PIT through the PIC");
	pic_set_mask(0xffff);
	pit_stop();
	lapic_timer_stop();
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED | LVT_EXTINT);
	return rc;
}

static int phase_ioapic(void)
{
	printf("irqstorm: PIT at 1 kHz through IOAPIC pin %u\n", pit_pin);
	lapic_watchdog_start();
	pit_periodic(PIT_1KHZ);
	ioapic_route(ioapic, pit_pin, VEC_PIT, bsp_id, pit_flags);
	int rc = run_phase("pit ticks", "PIT through the IOAPIC");
	ioapic_mask(ioapic, pit_pin);
	pit_stop();
	lapic_timer_stop();
	return rc;
}

static int phase_lapic(void)
{
	printf("irqstorm: LAPIC timer, periodic at 1 kHz\n");
	watchdog_fired = 0;
	watchdog_ticks = 0;
	if (ioapic) {
		pit_periodic(PIT_SLOWEST);
		ioapic_route(ioapic, pit_pin, VEC_WATCHDOG_PIT, bsp_id, pit_flags);
		idt_set_handler(VEC_WATCHDOG_PIT, watchdog_pit_handler);
	}
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, lapic_per_ms);
	int rc = run_phase("lapic ticks", "LAPIC timer");
	lapic_timer_stop();
	if (ioapic) {
		ioapic_mask(ioapic, pit_pin);
		pit_stop();
	}
	return rc;
}

int guest_main(void)
{
	struct madt_info madt;
	int failed = 0;

	if (acpi_parse_madt(&madt)) {
		printf("irqstorm: no ACPI MADT\n");
		return EXIT_MISSING;
	}

	/* Quiet platform: the PICs remapped off the exception vectors and
	 * masked, every IOAPIC pin masked, the LAPIC on with all LVTs
	 * masked. */
	cli();
	pic_remap(VEC_PIC_BASE);
	lapic_init();
	lapic_enable(VEC_SPURIOUS);
	bsp_id = lapic_id();
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED | LVT_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED | LVT_NMI);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_timer_stop();

	uint32_t gsi = madt_isa_gsi(&madt, 0, &pit_flags);
	for (unsigned i = 0; i < madt.nioapics; i++) {
		uintptr_t base = madt.ioapic[i].addr;
		unsigned pins = ioapic_pins(base);

		for (unsigned pin = 0; pin < pins; pin++)
			ioapic_mask(base, pin);
		if (gsi >= madt.ioapic[i].gsi_base &&
		    gsi < madt.ioapic[i].gsi_base + pins) {
			ioapic = base;
			pit_pin = gsi - madt.ioapic[i].gsi_base;
		}
	}

	idt_set_handler(VEC_PIC_BASE + 0, pit_pic_handler);
	idt_set_handler(VEC_PIT, pit_ioapic_handler);
	idt_set_handler(VEC_LAPIC_TIMER, lapic_timer_handler);
	idt_set_handler(VEC_WATCHDOG, watchdog_handler);
	idt_set_handler(VEC_SPURIOUS, spurious_handler);

	if (calibrate_lapic_timer()) {
		printf("irqstorm: the LAPIC timer does not count\n");
		return EXIT_FAIL;
	}

	failed |= phase_pic();
	if (ioapic)
		failed |= phase_ioapic();
	else
		printf("irqstorm: no IOAPIC for ISA IRQ 0, phase skipped\n");
	failed |= phase_lapic();

	if (failed)
		return EXIT_FAIL;
	printf("irqstorm: every interrupt was in service once and retired by one EOI\n");
	return EXIT_OK;
}
