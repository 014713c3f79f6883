#include "guest.h"
#include "pci.h"

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc

static void pci_select(const struct pci_fn *f, uint8_t off)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (uint32_t)f->bus << 16 |
	     (uint32_t)f->dev << 11 | (uint32_t)f->fn << 8 | (off & 0xfc));
}

uint8_t pci_read8(const struct pci_fn *f, uint8_t off)
{
	pci_select(f, off);
	return inb(PCI_CONFIG_DATA + (off & 3));
}

uint16_t pci_read16(const struct pci_fn *f, uint8_t off)
{
	pci_select(f, off);
	return inw(PCI_CONFIG_DATA + (off & 2));
}

uint32_t pci_read32(const struct pci_fn *f, uint8_t off)
{
	pci_select(f, off);
	return inl(PCI_CONFIG_DATA);
}

void pci_write16(const struct pci_fn *f, uint8_t off, uint16_t v)
{
	pci_select(f, off);
	outw(PCI_CONFIG_DATA + (off & 2), v);
}

void pci_write32(const struct pci_fn *f, uint8_t off, uint32_t v)
{
	pci_select(f, off);
	outl(PCI_CONFIG_DATA, v);
}

int pci_find(uint16_t vendor, uint16_t device, struct pci_fn *out)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		struct pci_fn f = { 0, dev, 0 };
		uint8_t fns;

		if (pci_read16(&f, PCI_VENDOR_ID) == 0xffff)
			continue;
		/* Bit 7 of the header type: functions 1-7 may exist. */
		fns = pci_read8(&f, PCI_HEADER_TYPE) & 0x80 ? 8 : 1;
		for (f.fn = 0; f.fn < fns; f.fn++) {
			if (pci_read16(&f, PCI_VENDOR_ID) == vendor &&
			    pci_read16(&f, PCI_DEVICE_ID) == device) {
				*out = f;
				return 0;
			}
		}
	}
	return -1;
}

uint64_t pci_bar_address(const struct pci_fn *f, int bar)
{
	uint8_t off = PCI_BAR0 + 4 * bar;
	uint32_t lo = pci_read32(f, off);

	if (lo & 1)
		return 0;		/* I/O space */
	if (((lo >> 1) & 3) == 2 && bar < 5)
		return (uint64_t)pci_read32(f, off + 4) << 32 | (lo & ~0xfu);
	return lo & ~0xfu;
}

static uint8_t cap_pointer(uint8_t p)
{
	p &= 0xfc;
	return p >= 0x40 ? p : 0;
}

uint8_t pci_cap_first(const struct pci_fn *f)
{
	if (!(pci_read16(f, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	return cap_pointer(pci_read8(f, PCI_CAP_POINTER));
}

uint8_t pci_cap_next(const struct pci_fn *f, uint8_t at)
{
	return cap_pointer(pci_read8(f, at + 1));
}
