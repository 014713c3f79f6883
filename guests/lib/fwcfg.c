#include "guest.h"
#include "fwcfg.h"

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511

/* Selecting a key rewinds the item to offset 0. */
void fwcfg_read(uint16_t key, void *buf, uint32_t len)
{
	uint8_t *b = buf;

	outw(FW_CFG_PORT_SEL, key);
	while (len--)
		*b++ = inb(FW_CFG_PORT_DATA);
}

int fwcfg_present(void)
{
	char sig[4];

	fwcfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	return !memcmp(sig, "QEMU", 4);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | b[2] << 8 | b[3];
}

uint32_t fwcfg_file_count(void)
{
	uint8_t count[4];

	fwcfg_read(FW_CFG_FILE_DIR, count, sizeof(count));
	return be32(count);
}

/* The directory: a big-endian u32 count, then entries of
 * { u32 size (BE), u16 key (BE), u16 reserved, char name[56] }. */
int fwcfg_find_file(const char *name, uint16_t *key, uint32_t *size)
{
	uint32_t n = fwcfg_file_count();	/* leaves the read at entry 0 */
	struct {
		uint8_t size[4];
		uint8_t select[2];
		uint8_t reserved[2];
		char name[56];
	} PACKED e;

	for (uint32_t i = 0; i < n && i < 4096; i++) {
		for (unsigned j = 0; j < sizeof(e); j++)
			((uint8_t *)&e)[j] = inb(FW_CFG_PORT_DATA);
		e.name[sizeof(e.name) - 1] = '\0';
		if (!strncmp(e.name, name, sizeof(e.name))) {
			*key = (uint16_t)(e.select[0] << 8 | e.select[1]);
			*size = be32(e.size);
			return 0;
		}
	}
	return -1;
}
