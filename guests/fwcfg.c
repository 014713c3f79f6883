/* QEMU fw_cfg over I/O ports: signature, CPU count and RAM size. */
#include "guest.h"
#include "fwcfg.h"

int guest_main(void)
{
	char sig[5] = { 0 };
	uint16_t cpus;
	uint64_t ram;

	fwcfg_read(FW_CFG_SIGNATURE, sig, 4);
	if (memcmp(sig, "QEMU", 4)) {
		printf("fw_cfg signature wrong: %02x %02x %02x %02x\n",
		       (uint8_t)sig[0], (uint8_t)sig[1], (uint8_t)sig[2],
		       (uint8_t)sig[3]);
		return EXIT_MISSING;
	}
	/* Both items are little-endian, as is the CPU. */
	fwcfg_read(FW_CFG_NB_CPUS, &cpus, sizeof(cpus));
	fwcfg_read(FW_CFG_RAM_SIZE, &ram, sizeof(ram));
	printf("fw_cfg signature: %s\n", sig);
	printf("cpus: %u\n", cpus);
	printf("ram: %u MiB\n", (unsigned)(ram >> 20));
	return EXIT_OK;
}
