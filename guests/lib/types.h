/* Basic types for the freestanding guest runtime. Only gcc's own
 * freestanding headers are used: no libc exists inside a guest. */
#ifndef GUEST_TYPES_H
#define GUEST_TYPES_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define PACKED      __attribute__((packed))
#define NORETURN    __attribute__((noreturn))
#define ALIGNED(n)  __attribute__((aligned(n)))
/* Large buffers live in .noinit: the start-up code does not clear them
 * (the program fills them itself), which keeps start-up cheap. */
#define NOINIT      __attribute__((section(".noinit")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Physical address (below 4 GiB, identity mapped) to pointer. */
#define PHYS(addr)  ((void *)(uintptr_t)(addr))

#endif
