/* CPU benchmark: table-driven CRC-32 (IEEE 802.3, reflected polynomial
 * 0xedb88320) over a 16 MiB buffer of pseudo-random bytes, repeated
 * scale=N times (default 20); each pass continues the previous pass's
 * CRC, so the result depends on N. */
#include "guest.h"

#define BUF_SIZE (16u << 20)

static uint64_t buf[BUF_SIZE / 8] NOINIT;
static uint32_t table[256];

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

/* Fixed-seed 64-bit LCG (Knuth's MMIX constants): the same bytes on
 * every run. */
static void fill_buffer(void)
{
	uint64_t x = 1;

	for (uint32_t i = 0; i < BUF_SIZE / 8; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = x;
	}
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, uint32_t n)
{
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

int guest_main(void)
{
	uint32_t passes = (uint32_t)cmdline_uint("scale", 20);
	uint32_t crc = 0;

	make_table();
	if (crc32_update(0, (const uint8_t *)"123456789", 9) != 0xcbf43926u) {
		printf("crc32: check value of \"123456789\" is wrong\n");
		return EXIT_FAIL;
	}
	fill_buffer();
	for (uint32_t p = 0; p < passes; p++)
		crc = crc32_update(crc, (const uint8_t *)buf, BUF_SIZE);
	printf("crc32: 0x%08x after %u passes over 16 MiB\n", crc, passes);
	printf("done\n");
	return EXIT_OK;
}
