/* CPU benchmark: sieve of Eratosthenes below 10 million, byte per
 * number, repeated scale=N times (default 8). Prints the prime count
 * (664579), which is the same on every pass. */
#include "guest.h"

#define LIMIT 10000000u

static uint8_t composite[LIMIT] NOINIT;

static uint32_t sieve(void)
{
	uint32_t count = 0;

	for (uint32_t i = 0; i < LIMIT; i++)
		composite[i] = 0;
	for (uint32_t i = 2; (uint64_t)i * i < LIMIT; i++)
		if (!composite[i])
			for (uint32_t j = i * i; j < LIMIT; j += i)
				composite[j] = 1;
	for (uint32_t i = 2; i < LIMIT; i++)
		count += !composite[i];
	return count;
}

int guest_main(void)
{
	uint32_t passes = (uint32_t)cmdline_uint("scale", 8);
	uint32_t primes = 0;

	for (uint32_t p = 0; p < passes; p++) {
		uint32_t n = sieve();

		if (p && n != primes) {
			printf("sieve: pass %u found %u primes, pass 0 %u\n",
			       p, n, primes);
			return EXIT_FAIL;
		}
		primes = n;
	}
	printf("sieve: %u primes below %u, %u passes\n", primes, LIMIT, passes);
	printf("done\n");
	return EXIT_OK;
}
