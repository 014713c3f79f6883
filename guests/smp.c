/* Starts every enabled processor of the MADT, one at a time, with
 * INIT-SIPI-SIPI. Each AP prints one line (under the console lock) and
 * reports back before the next one starts, so the output is the same on
 * every run and can be compared between hypervisors. */
#include "guest.h"
#include "acpi.h"
#include "apic.h"
#include "smp.h"

/* Generous: a slow emulator may take a while to run the trampoline. */
#define AP_TIMEOUT_MS	10000

static struct madt_info madt;

static void ap_main(unsigned cpu, uint8_t apic_id)
{
	(void)cpu;
	printf("AP %u online\n", lapic_id());
	if (lapic_id() != apic_id)
		printf("AP %u: expected APIC id %u\n", lapic_id(), apic_id);
}

int guest_main(void)
{
	unsigned enabled = 0, online = 1;

	if (acpi_parse_madt(&madt)) {
		printf("no MADT: cannot find the processors\n");
		return EXIT_MISSING;
	}
	for (unsigned i = 0; i < madt.ncpus; i++)
		enabled += madt.cpu[i].enabled;
	printf("cpus in MADT: %u\n", enabled);

	lapic_init();
	lapic_enable(0xff);
	uint8_t self = lapic_id();

	for (unsigned i = 0; i < madt.ncpus; i++) {
		uint8_t id = madt.cpu[i].apic_id;

		if (!madt.cpu[i].enabled || id == self)
			continue;
		if (smp_start_ap(id, i, ap_main, AP_TIMEOUT_MS)) {
			printf("AP %u did not start\n", id);
			continue;
		}
		online++;
	}
	if (online != enabled) {
		printf("only %u of %u processors online\n", online, enabled);
		return EXIT_FAIL;
	}
	printf("all %u processors online\n", online);
	return EXIT_OK;
}
