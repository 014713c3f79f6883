/* The guest runtime: everything a test guest needs, in one include.
 *
 * A guest provides guest_main(); the start-up code (boot32.S or boot64.S,
 * then start.c) sets up the CPU, initialises COM1, records the multiboot
 * information and calls it. Its return value becomes the debug-exit
 * value, so QEMU exits with status (value << 1) | 1. */
#ifndef GUEST_H
#define GUEST_H

#include "types.h"
#include "io.h"

int guest_main(void);

/* Debug-exit values used by all guests. */
#define EXIT_OK		0	/* the test passed */
#define EXIT_FAIL	1	/* wrong result, lost interrupt, AP missing */
#define EXIT_CRASH	2	/* unexpected CPU exception or CPU lacks a feature */
#define EXIT_MISSING	3	/* platform lacks something: ACPI, fw_cfg */

/* isa-debug-exit: QEMU's -device isa-debug-exit,iobase=0xf4,iosize=4. */
#define DEBUG_EXIT_PORT	0xf4
NORETURN void debug_exit(uint8_t value);

/* Console on COM1, polled. printf serialises whole calls with a spinlock
 * so lines from different processors never interleave. A '\n' goes out
 * as "\r\n", as serial consoles expect. Conversions: %d %i %u %x %X %c
 * %s %p %%, the l and ll modifiers, '-' and '0' flags and a width. */
void serial_init(void);
void serial_putc(char c);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* string.c: gcc may emit calls to the first four itself. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

/* multiboot.c */
#define MB_LOADER_MAGIC	0x2badb002

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;		/* flags bit 0 */
	uint32_t boot_device;			/* bit 1 */
	uint32_t cmdline;			/* bit 2 */
	uint32_t mods_count, mods_addr;		/* bit 3 */
	uint32_t syms[4];			/* bits 4, 5 */
	uint32_t mmap_length, mmap_addr;	/* bit 6 */
	uint32_t drives_length, drives_addr;	/* bit 7 */
	uint32_t config_table;			/* bit 8 */
	uint32_t boot_loader_name;		/* bit 9 */
} PACKED;

#define MB_INFO_MEM	(1u << 0)
#define MB_INFO_CMDLINE	(1u << 2)
#define MB_INFO_MMAP	(1u << 6)
#define MB_INFO_LOADER	(1u << 9)

/* One memory map entry; 'size' does not count itself. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} PACKED;

#define MB_MMAP_USABLE	1

void mb_init(uint32_t magic, uint32_t info);
const struct mb_info *mb_info(void);	/* NULL if not booted by multiboot */
const char *mb_cmdline(void);		/* "" when absent */
const char *mb_loader_name(void);	/* "" when absent */
const struct mb_mmap_entry *mb_mmap_first(void);
const struct mb_mmap_entry *mb_mmap_next(const struct mb_mmap_entry *e);
/* Value of "key=N" in the command line (decimal, or 0x hex), or def. */
uint64_t cmdline_uint(const char *key, uint64_t def);

/* delay.c: busy waits timed by PIT channel 2, so they are real time
 * whatever the speed of the (emulated) CPU. */
void delay_us(uint32_t us);
void delay_ms(uint32_t ms);

/* A test-and-test-and-set spinlock (xchg, then plain reads while held). */
typedef struct {
	volatile uint32_t locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			cpu_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
