/* Just enough ACPI for the guests: find tables, read the MADT, and
 * find what a power-off needs (FADT PM1 control blocks, DSDT _S5_). */
#ifndef GUEST_ACPI_H
#define GUEST_ACPI_H

#include "types.h"

struct acpi_rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 0: ACPI 1.0, 2: has the XSDT */
	uint32_t rsdt;
	uint32_t length;		/* revision >= 2 from here on */
	uint64_t xsdt;
	uint8_t xchecksum;
	uint8_t reserved[3];
} PACKED;

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} PACKED;

/* NULL when not found (or its checksum is wrong). */
const struct acpi_rsdp *acpi_find_rsdp(void);
const struct acpi_header *acpi_find_table(const char signature[4]);

#define MADT_MAX_CPUS		64
#define MADT_MAX_IOAPICS	8
#define MADT_MAX_OVERRIDES	16

struct madt_info {
	uint32_t lapic_addr;
	unsigned ncpus;			/* every Processor Local APIC entry */
	struct {
		uint8_t acpi_id;
		uint8_t apic_id;
		uint8_t enabled;
	} cpu[MADT_MAX_CPUS];
	unsigned nioapics;
	struct {
		uint8_t id;
		uint32_t addr;
		uint32_t gsi_base;
	} ioapic[MADT_MAX_IOAPICS];
	unsigned noverrides;		/* Interrupt Source Overrides */
	struct {
		uint8_t irq;		/* ISA IRQ */
		uint32_t gsi;
		uint16_t flags;		/* MPS INTI flags */
	} override[MADT_MAX_OVERRIDES];
};

/* 0 on success, -1 without a MADT. Entries beyond the array sizes are
 * left out. */
int acpi_parse_madt(struct madt_info *m);
/* GSI and MPS flags of an ISA IRQ, applying the overrides. */
uint32_t madt_isa_gsi(const struct madt_info *m, uint8_t irq,
		      uint16_t *flags);

struct acpi_s5 {
	uint32_t pm1a_cnt, pm1b_cnt;	/* I/O ports; pm1b_cnt may be 0 */
	uint8_t slp_typa, slp_typb;
};

/* 0 on success; otherwise -1 and *why says what is missing. */
int acpi_find_s5(struct acpi_s5 *s5, const char **why);
/* Write SLP_TYP | SLP_EN. Returns only if the machine stays on. */
void acpi_poweroff(const struct acpi_s5 *s5);

#endif
