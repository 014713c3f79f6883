/* CPU benchmark: SHA-256 of a 4 MiB buffer of pseudo-random bytes fed
 * scale=N times (default 32) into one hash, i.e. the digest of the
 * buffer repeated N times. Written like a generic C implementation (a
 * Linux kernel's module signature check runs one): 32-bit words,
 * rotates, big-endian loads, the 64 rounds unrolled from a macro. */
#include "guest.h"

#define BUF_SIZE (4u << 20)

static uint64_t buf[BUF_SIZE / 8] NOINIT;

struct sha256 {
	uint32_t state[8];
	uint64_t length;	/* bytes hashed so far */
	uint8_t block[64];	/* the bytes of an incomplete block */
};

static const uint32_t round_constants[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

/* gcc turns the four byte loads into one load and a BSWAP. */
static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

#define CH(x, y, z)	((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z)	(((x) & (y)) | ((z) & ((x) | (y))))
#define SIGMA0(x)	(ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22))
#define SIGMA1(x)	(ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25))
#define SMALL0(x)	(ror32(x, 7) ^ ror32(x, 18) ^ ((x) >> 3))
#define SMALL1(x)	(ror32(x, 17) ^ ror32(x, 19) ^ ((x) >> 10))

/* One round; the caller rotates the roles of a..h instead of moving them. */
#define ROUND(i, a, b, c, d, e, f, g, h) do {				\
	uint32_t t1 = h + SIGMA1(e) + CH(e, f, g) + round_constants[i] + w[i]; \
	uint32_t t2 = SIGMA0(a) + MAJ(a, b, c);				\
	d += t1;							\
	h = t1 + t2;							\
} while (0)

static void compress(uint32_t state[8], const uint8_t *data)
{
	uint32_t w[64];
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	uint32_t e = state[4], f = state[5], g = state[6], h = state[7];

	for (int i = 0; i < 16; i++)
		w[i] = load_be32(data + 4 * i);
	for (int i = 16; i < 64; i++)
		w[i] = SMALL1(w[i - 2]) + w[i - 7] + SMALL0(w[i - 15]) + w[i - 16];
	for (int i = 0; i < 64; i += 8) {
		ROUND(i + 0, a, b, c, d, e, f, g, h);
		ROUND(i + 1, h, a, b, c, d, e, f, g);
		ROUND(i + 2, g, h, a, b, c, d, e, f);
		ROUND(i + 3, f, g, h, a, b, c, d, e);
		ROUND(i + 4, e, f, g, h, a, b, c, d);
		ROUND(i + 5, d, e, f, g, h, a, b, c);
		ROUND(i + 6, c, d, e, f, g, h, a, b);
		ROUND(i + 7, b, c, d, e, f, g, h, a);
	}
	state[0] += a; state[1] += b; state[2] += c; state[3] += d;
	state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t initial[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	for (int i = 0; i < 8; i++)
		s->state[i] = initial[i];
	s->length = 0;
}

static void sha256_update(struct sha256 *s, const uint8_t *p, uint64_t n)
{
	unsigned used = s->length % 64;

	s->length += n;
	if (used) {
		unsigned take = 64 - used < n ? 64 - used : (unsigned)n;

		memcpy(s->block + used, p, take);
		p += take;
		n -= take;
		if (used + take < 64)
			return;
		compress(s->state, s->block);
	}
	for (; n >= 64; p += 64, n -= 64)
		compress(s->state, p);
	memcpy(s->block, p, n);
}

static void sha256_final(struct sha256 *s, uint8_t digest[32])
{
	uint64_t bits = s->length * 8;
	uint8_t pad[72] = { 0x80 };
	unsigned used = s->length % 64;
	unsigned padding = used < 56 ? 56 - used : 120 - used;

	for (int i = 0; i < 8; i++)
		pad[padding + i] = bits >> (56 - 8 * i);
	sha256_update(s, pad, padding + 8);
	for (int i = 0; i < 8; i++)
		store_be32(digest + 4 * i, s->state[i]);
}

static void hex(char out[65], const uint8_t digest[32])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 15];
	}
	out[64] = 0;
}

/* Fixed-seed 64-bit LCG (Knuth's MMIX constants), stored little-endian:
 * the same bytes on every run. */
static void fill_buffer(void)
{
	uint64_t x = 1;

	for (uint32_t i = 0; i < BUF_SIZE / 8; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = x;
	}
}

int guest_main(void)
{
	uint32_t passes = (uint32_t)cmdline_uint("scale", 32);
	struct sha256 s;
	uint8_t digest[32];
	char text[65];

	sha256_init(&s);
	sha256_update(&s, (const uint8_t *)"abc", 3);
	sha256_final(&s, digest);
	hex(text, digest);
	if (memcmp(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 64)) {
		printf("sha256: digest of \"abc\" is wrong: %s\n", text);
		return EXIT_FAIL;
	}
	fill_buffer();
	sha256_init(&s);
	for (uint32_t p = 0; p < passes; p++)
		sha256_update(&s, (const uint8_t *)buf, BUF_SIZE);
	sha256_final(&s, digest);
	hex(text, digest);
	printf("sha256: %s after %u passes over 4 MiB\n", text, passes);
	printf("done\n");
	return EXIT_OK;
}
