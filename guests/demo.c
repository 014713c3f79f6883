/* The showcase guest: what the machine looks like from inside (CPU,
 * boot loader, memory map, ACPI processor and interrupt tables), then
 * every application processor started, then an ACPI power-off. */
#include "guest.h"
#include "acpi.h"
#include "apic.h"
#include "fwcfg.h"
#include "smp.h"

#define AP_TIMEOUT_MS	10000

static struct madt_info madt;

static void rule(void)
{
	printf("------------------------------------------------------------\n");
}

static void heading(const char *title)
{
	printf("\n%s\n", title);
}

/* Bytes in the largest unit that is not above them, with one decimal
 * when not whole: "639 KiB", "126.9 MiB", "12 GiB". */
static const char *size_str(char *buf, size_t n, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (u + 1 < ARRAY_SIZE(units) && bytes >> (10 * (u + 1)))
		u++;
	uint64_t unit = 1ull << (10 * u);
	uint64_t tenths = (bytes * 10 + unit / 2) / unit;
	if (bytes % unit)
		snprintf(buf, n, "%lu.%lu %s", (unsigned long)(tenths / 10),
			 (unsigned long)(tenths % 10), units[u]);
	else
		snprintf(buf, n, "%lu %s", (unsigned long)(bytes / unit), units[u]);
	return buf;
}

static void show_cpu(void)
{
	uint32_t a, b, c, d, max_ext;
	char vendor[13], brand[49];

	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';

	cpuid(1, 0, &a, &b, &c, &d);
	unsigned stepping = a & 0xf, model = (a >> 4) & 0xf;
	unsigned family = (a >> 8) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model |= ((a >> 16) & 0xf) << 4;

	brand[0] = '\0';
	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000004) {
		uint32_t *w = (uint32_t *)brand;
		for (uint32_t leaf = 0x80000002; leaf <= 0x80000004; leaf++, w += 4)
			cpuid(leaf, 0, &w[0], &w[1], &w[2], &w[3]);
		brand[48] = '\0';
	}
	const char *shown = brand;	/* brand strings may be space-padded */
	while (*shown == ' ')
		shown++;

	heading("Processor");
	printf("  vendor    %s\n", vendor);
	printf("  brand     %s\n", *shown ? shown : "(none)");
	printf("  family %u, model %u, stepping %u\n", family, model, stepping);
}

static void show_boot(void)
{
	heading("Boot");
	printf("  loader    %s\n", *mb_loader_name() ? mb_loader_name() : "(not given)");
	printf("  cmdline   %s\n", *mb_cmdline() ? mb_cmdline() : "(empty)");
}

static const char *mmap_type(uint32_t type)
{
	switch (type) {
	case 1: return "usable";
	case 2: return "reserved";
	case 3: return "ACPI reclaimable";
	case 4: return "ACPI NVS";
	case 5: return "bad memory";
	default: return "unknown";
	}
}

static void show_memory(void)
{
	const struct mb_mmap_entry *e = mb_mmap_first();
	uint64_t usable = 0;
	char len[24];

	heading("Memory map");
	if (!e) {
		printf("  (the boot loader passed none)\n");
		return;
	}
	printf("  %-18s  %-18s  %10s  %s\n", "start", "end", "size", "type");
	for (; e; e = mb_mmap_next(e)) {
		printf("  0x%016lx  0x%016lx  %10s  %s\n",
		       (unsigned long)e->addr,
		       (unsigned long)(e->addr + e->len - 1),
		       size_str(len, sizeof(len), e->len), mmap_type(e->type));
		if (e->type == MB_MMAP_USABLE)
			usable += e->len;
	}
	printf("  usable in all: %s\n", size_str(len, sizeof(len), usable));
}

static void show_madt(void)
{
	heading("ACPI MADT");
	printf("  local APIC at 0x%08x\n", madt.lapic_addr);
	for (unsigned i = 0; i < madt.ncpus; i++)
		printf("  processor %-2u  APIC id %-3u  %s\n", madt.cpu[i].acpi_id,
		       madt.cpu[i].apic_id,
		       madt.cpu[i].enabled ? "enabled" : "disabled");
	for (unsigned i = 0; i < madt.nioapics; i++)
		printf("  IOAPIC id %u at 0x%08x, GSI base %u\n", madt.ioapic[i].id,
		       madt.ioapic[i].addr, madt.ioapic[i].gsi_base);
	for (unsigned i = 0; i < madt.noverrides; i++)
		printf("  ISA IRQ %-2u -> GSI %-2u (flags 0x%x)\n",
		       madt.override[i].irq, madt.override[i].gsi,
		       madt.override[i].flags);
}

static void show_fwcfg(void)
{
	uint16_t cpus;

	if (!fwcfg_present())
		return;
	fwcfg_read(FW_CFG_NB_CPUS, &cpus, sizeof(cpus));
	heading("QEMU fw_cfg");
	printf("  %u CPUs, %u files\n", cpus, fwcfg_file_count());
}

static void ap_main(unsigned cpu, uint8_t apic_id)
{
	(void)apic_id;
	printf("  AP %u online (APIC id %u)\n", cpu, lapic_id());
}

static unsigned start_aps(void)
{
	unsigned online = 1;

	lapic_init();
	lapic_enable(0xff);
	uint8_t self = lapic_id();

	heading("Application processors");
	printf("  BSP is APIC id %u\n", self);
	for (unsigned i = 0; i < madt.ncpus; i++) {
		uint8_t id = madt.cpu[i].apic_id;

		if (!madt.cpu[i].enabled || id == self)
			continue;
		if (smp_start_ap(id, i, ap_main, AP_TIMEOUT_MS))
			printf("  AP %u (APIC id %u) did not start\n", i, id);
		else
			online++;
	}
	printf("  %u processor%s online\n", online, online == 1 ? "" : "s");
	return online;
}

int guest_main(void)
{
	struct acpi_s5 s5;
	const char *why;

	printf("\n");
	rule();
	printf("  jvisor demo guest: a multiboot kernel in 64-bit long mode\n");
	rule();
	show_cpu();
	show_boot();
	show_memory();
	if (acpi_parse_madt(&madt)) {
		printf("\nno ACPI MADT found: cannot find the processors\n");
		return EXIT_MISSING;
	}
	show_madt();
	show_fwcfg();
	start_aps();

	heading("Power");
	if (acpi_find_s5(&s5, &why)) {
		printf("  cannot power off: %s\n", why);
		return EXIT_MISSING;
	}
	printf("  ACPI S5: PM1a_CNT=0x%x, SLP_TYP=%u\n", s5.pm1a_cnt, s5.slp_typa);
	printf("  powering off. Bye!\n");
	acpi_poweroff(&s5);
	printf("  still running after the S5 write\n");
	return EXIT_FAIL;
}
