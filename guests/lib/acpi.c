/* ACPI table discovery, MADT parsing and S5 power-off.
 *
 * Firmware tables are input we did not write: lengths are capped and
 * checksums checked before a table is used. */
#include "guest.h"
#include "acpi.h"

#define BDA_EBDA_SEGMENT	0x40e
#define BIOS_AREA_START		0xe0000
#define BIOS_AREA_END		0x100000
#define TABLE_MAX_LENGTH	(1u << 20)

static int checksum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum == 0;
}

static const struct acpi_rsdp *scan_rsdp(uintptr_t start, uintptr_t end)
{
	for (uintptr_t a = start; a + 20 <= end; a += 16) {
		const struct acpi_rsdp *r = PHYS(a);

		if (memcmp(r->signature, "RSD PTR ", 8) || !checksum_ok(r, 20))
			continue;
		if (r->revision >= 2 &&
		    (r->length < sizeof(*r) || r->length > 4096 ||
		     !checksum_ok(r, r->length)))
			continue;
		return r;
	}
	return NULL;
}

const struct acpi_rsdp *acpi_find_rsdp(void)
{
	/* First KiB of the EBDA, whose segment the BIOS data area holds,
	 * then the BIOS read-only area, both on 16-byte boundaries. */
	uintptr_t ebda = (uintptr_t)*(volatile uint16_t *)PHYS(BDA_EBDA_SEGMENT) << 4;
	const struct acpi_rsdp *r = NULL;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = scan_rsdp(ebda, ebda + 1024);
	if (!r)
		r = scan_rsdp(BIOS_AREA_START, BIOS_AREA_END);
	return r;
}

static const struct acpi_header *valid_table(uint64_t addr, const char *sig)
{
	const struct acpi_header *h;

	/* Tables above 4 GiB are out of reach: paging is off or maps
	 * only the first 4 GiB. */
	if (!addr || addr >= 0x100000000ull)
		return NULL;
	h = PHYS((uintptr_t)addr);
	if (memcmp(h->signature, sig, 4) || h->length < sizeof(*h) ||
	    h->length > TABLE_MAX_LENGTH || !checksum_ok(h, h->length))
		return NULL;
	return h;
}

const struct acpi_header *acpi_find_table(const char signature[4])
{
	const struct acpi_rsdp *rsdp = acpi_find_rsdp();
	const struct acpi_header *root = NULL;
	unsigned entry_size = 8;

	if (!rsdp)
		return NULL;
	if (rsdp->revision >= 2)
		root = valid_table(rsdp->xsdt, "XSDT");
	if (!root) {
		root = valid_table(rsdp->rsdt, "RSDT");
		entry_size = 4;
	}
	if (!root)
		return NULL;

	const uint8_t *entries = (const uint8_t *)(root + 1);
	unsigned n = (root->length - sizeof(*root)) / entry_size;
	for (unsigned i = 0; i < n; i++) {
		uint64_t addr = entry_size == 8
			? *(const uint64_t *)(entries + 8 * i)
			: *(const uint32_t *)(entries + 4 * i);
		const struct acpi_header *t = valid_table(addr, signature);
		if (t)
			return t;
	}
	return NULL;
}

/* MADT entry types */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_OVERRIDE		2

int acpi_parse_madt(struct madt_info *m)
{
	const struct acpi_header *h = acpi_find_table("APIC");

	memset(m, 0, sizeof(*m));
	if (!h || h->length < sizeof(*h) + 8)
		return -1;

	const uint8_t *p = (const uint8_t *)(h + 1);
	const uint8_t *end = (const uint8_t *)h + h->length;
	m->lapic_addr = *(const uint32_t *)p;
	p += 8;				/* local APIC address, flags */

	/* Each entry: type, length, body. A length below 2 would loop
	 * forever, so it ends the walk. */
	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		if (p[0] == MADT_LAPIC && p[1] >= 8 &&
		    m->ncpus < MADT_MAX_CPUS) {
			m->cpu[m->ncpus].acpi_id = p[2];
			m->cpu[m->ncpus].apic_id = p[3];
			m->cpu[m->ncpus].enabled = *(const uint32_t *)(p + 4) & 1;
			m->ncpus++;
		} else if (p[0] == MADT_IOAPIC && p[1] >= 12 &&
			   m->nioapics < MADT_MAX_IOAPICS) {
			m->ioapic[m->nioapics].id = p[2];
			m->ioapic[m->nioapics].addr = *(const uint32_t *)(p + 4);
			m->ioapic[m->nioapics].gsi_base = *(const uint32_t *)(p + 8);
			m->nioapics++;
		} else if (p[0] == MADT_OVERRIDE && p[1] >= 10 &&
			   m->noverrides < MADT_MAX_OVERRIDES) {
			m->override[m->noverrides].irq = p[3];
			m->override[m->noverrides].gsi = *(const uint32_t *)(p + 4);
			m->override[m->noverrides].flags = *(const uint16_t *)(p + 8);
			m->noverrides++;
		}
	}
	return 0;
}

uint32_t madt_isa_gsi(const struct madt_info *m, uint8_t irq, uint16_t *flags)
{
	for (unsigned i = 0; i < m->noverrides; i++) {
		if (m->override[i].irq == irq) {
			*flags = m->override[i].flags;
			return m->override[i].gsi;
		}
	}
	*flags = 0;			/* ISA default: edge, active high */
	return irq;
}

/* FADT fields we need (offsets from the start of the table). */
#define FADT_DSDT		40
#define FADT_PM1A_CNT		64
#define FADT_PM1B_CNT		68
#define FADT_X_DSDT		140

/* AML opcodes met on the way to the _S5_ package. */
#define AML_NAME		0x08
#define AML_ROOT_PREFIX		0x5c
#define AML_PACKAGE		0x12
#define AML_ZERO		0x00
#define AML_ONE			0x01
#define AML_BYTE_PREFIX		0x0a

/* One small integer element of a package: Zero, One or a BytePrefix
 * constant, which is what firmware uses for sleep types. */
static int aml_small_int(const uint8_t **pp, const uint8_t *end, uint8_t *v)
{
	const uint8_t *p = *pp;

	if (p >= end)
		return -1;
	if (*p == AML_ZERO || *p == AML_ONE) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	if (*p == AML_BYTE_PREFIX && p + 1 < end) {
		*v = p[1];
		*pp = p + 2;
		return 0;
	}
	return -1;
}

/* Find "Name (_S5_, Package () { SLP_TYPa, SLP_TYPb, ... })" in the AML
 * byte stream by its name, without interpreting the AML. */
static int find_s5_package(const struct acpi_header *dsdt, struct acpi_s5 *s5)
{
	const uint8_t *aml = (const uint8_t *)dsdt;
	const uint8_t *end = aml + dsdt->length;

	for (const uint8_t *p = aml + sizeof(*dsdt) + 1; p + 4 < end; p++) {
		if (memcmp(p, "_S5_", 4))
			continue;
		if (p[-1] != AML_NAME &&
		    !(p[-1] == AML_ROOT_PREFIX && p[-2] == AML_NAME))
			continue;
		const uint8_t *q = p + 4;
		if (q >= end || *q++ != AML_PACKAGE || q >= end)
			continue;
		q += 1 + (*q >> 6);	/* PkgLength: bits 7-6 = extra bytes */
		q++;			/* NumElements */
		if (aml_small_int(&q, end, &s5->slp_typa) ||
		    aml_small_int(&q, end, &s5->slp_typb))
			continue;
		return 0;
	}
	return -1;
}

int acpi_find_s5(struct acpi_s5 *s5, const char **why)
{
	const struct acpi_header *fadt;
	const struct acpi_header *dsdt = NULL;
	const uint8_t *f;

	memset(s5, 0, sizeof(*s5));
	if (!acpi_find_rsdp()) {
		*why = "no ACPI RSDP in the EBDA or at 0xe0000-0xfffff";
		return -1;
	}
	fadt = acpi_find_table("FACP");
	if (!fadt || fadt->length < FADT_PM1B_CNT + 4) {
		*why = "no valid FADT (FACP) in the RSDT/XSDT";
		return -1;
	}
	f = (const uint8_t *)fadt;
	s5->pm1a_cnt = *(const uint32_t *)(f + FADT_PM1A_CNT);
	s5->pm1b_cnt = *(const uint32_t *)(f + FADT_PM1B_CNT);
	if (!s5->pm1a_cnt || s5->pm1a_cnt > 0xffff) {
		*why = "the FADT has no PM1a control block";
		return -1;
	}
	if (fadt->length >= FADT_X_DSDT + 8)
		dsdt = valid_table(*(const uint64_t *)(f + FADT_X_DSDT), "DSDT");
	if (!dsdt)
		dsdt = valid_table(*(const uint32_t *)(f + FADT_DSDT), "DSDT");
	if (!dsdt) {
		*why = "the FADT points to no valid DSDT";
		return -1;
	}
	if (find_s5_package(dsdt, s5)) {
		*why = "no _S5_ package in the DSDT";
		return -1;
	}
	return 0;
}

#define PM1_SLP_EN	(1u << 13)

void acpi_poweroff(const struct acpi_s5 *s5)
{
	outw((uint16_t)s5->pm1a_cnt, (uint16_t)((s5->slp_typa & 7) << 10 | PM1_SLP_EN));
	if (s5->pm1b_cnt && s5->pm1b_cnt <= 0xffff)
		outw((uint16_t)s5->pm1b_cnt,
		     (uint16_t)((s5->slp_typb & 7) << 10 | PM1_SLP_EN));
	/* Give a slow machine time to go away before the caller reports
	 * that it did not. */
	delay_ms(1000);
}
