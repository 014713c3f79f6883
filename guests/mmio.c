/* Access to a physical address with nothing behind it (0xd0000000, in
 * the PCI hole below 4 GiB): shows what the platform returns for an
 * unassigned read and that a write there is dropped. Paging is off. */
#include "guest.h"

#define NOWHERE 0xd0000000u

int guest_main(void)
{
	printf("mmio read: 0x%08x\n", mmio_read32(NOWHERE));
	mmio_write32(NOWHERE, 0x12345678);
	printf("mmio read: 0x%08x\n", mmio_read32(NOWHERE));
	return EXIT_OK;
}
