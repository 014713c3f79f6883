/* The multiboot v1 header. The linker scripts put the .multiboot section
 * first, so it lands inside the first 8 KiB of the file as the
 * specification requires. */
#include "layout.h"

	.section .multiboot, "a"
	.balign 4
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

	.section .note.GNU-stack, "", @progbits
