/* CPU/memory benchmark: pointer chasing through one random cycle over
 * 8 MiB of 64-bit slots (2^20 of them), scale=N million steps (default
 * 16). Every load depends on the previous one, so this measures memory
 * access latency (and an emulator's address translation). */
#include "guest.h"

#define SLOTS (1u << 20)

static uint64_t next[SLOTS] NOINIT;

/* Sattolo's algorithm: a random permutation that is a single cycle
 * through all slots, from a fixed-seed 64-bit LCG. */
static void make_cycle(void)
{
	uint64_t x = 42;

	for (uint32_t i = 0; i < SLOTS; i++)
		next[i] = i;
	for (uint32_t i = SLOTS - 1; i > 0; i--) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t j = (uint32_t)((x >> 33) % i);	/* j < i */
		uint64_t t = next[i];

		next[i] = next[j];
		next[j] = t;
	}
}

int guest_main(void)
{
	uint64_t steps = cmdline_uint("scale", 16) * 1000000;
	uint64_t idx = 0;

	make_cycle();
	for (uint64_t s = 0; s < steps; s++)
		idx = next[idx];
	printf("ptrchase: index %lu after %lu steps over 8 MiB\n",
	       (unsigned long)idx, (unsigned long)steps);
	printf("done\n");
	return EXIT_OK;
}
