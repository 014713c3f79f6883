/* PCI configuration space through configuration mechanism #1 (an
 * address written to port 0xcf8, data at 0xcfc), as a driver reaches it
 * before it knows of ECAM: enough to find a function on bus 0, read the
 * BARs firmware assigned, walk the capability list and enable the
 * function. */
#ifndef GUEST_PCI_H
#define GUEST_PCI_H

#include "types.h"

#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION		0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_CAP_POINTER		0x34

#define PCI_COMMAND_MEMORY	(1u << 1)
#define PCI_COMMAND_MASTER	(1u << 2)
#define PCI_STATUS_CAP_LIST	(1u << 4)

#define PCI_CAP_VENDOR		0x09
#define PCI_CAP_MSIX		0x11

struct pci_fn {
	uint8_t bus, dev, fn;
};

uint8_t pci_read8(const struct pci_fn *f, uint8_t off);
uint16_t pci_read16(const struct pci_fn *f, uint8_t off);
uint32_t pci_read32(const struct pci_fn *f, uint8_t off);
void pci_write16(const struct pci_fn *f, uint8_t off, uint16_t v);
void pci_write32(const struct pci_fn *f, uint8_t off, uint32_t v);

/* The first function on bus 0 with this vendor and device ID: 0 and
 * *out filled in if there is one, -1 if not. */
int pci_find(uint16_t vendor, uint16_t device, struct pci_fn *out);

/* Memory BAR bar's base address as firmware assigned it (both halves of
 * a 64-bit BAR); 0 for an I/O BAR or one firmware left unassigned. */
uint64_t pci_bar_address(const struct pci_fn *f, int bar);

/* Capability list: the offset of the first capability, or of the one
 * after at; 0 at the end. A looping list never ends, so walk it with
 * PCI_FOR_EACH_CAP, which stops after the most that fit in 192 bytes. */
uint8_t pci_cap_first(const struct pci_fn *f);
uint8_t pci_cap_next(const struct pci_fn *f, uint8_t at);
#define PCI_MAX_CAPS	48
#define PCI_FOR_EACH_CAP(f, at, n) \
	for (at = pci_cap_first(f), n = 0; at && n < PCI_MAX_CAPS; \
	     at = pci_cap_next(f, at), n++)

#endif
