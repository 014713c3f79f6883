/* Access to the multiboot v1 information structure. */
#include "guest.h"

static const struct mb_info *info;

void mb_init(uint32_t magic, uint32_t addr)
{
	if (magic == MB_LOADER_MAGIC && addr)
		info = PHYS(addr);
	else
		printf("warning: not started by a multiboot loader "
		       "(eax=0x%x)\n", magic);
}

const struct mb_info *mb_info(void)
{
	return info;
}

const char *mb_cmdline(void)
{
	if (info && (info->flags & MB_INFO_CMDLINE) && info->cmdline)
		return PHYS(info->cmdline);
	return "";
}

const char *mb_loader_name(void)
{
	if (info && (info->flags & MB_INFO_LOADER) && info->boot_loader_name)
		return PHYS(info->boot_loader_name);
	return "";
}

const struct mb_mmap_entry *mb_mmap_first(void)
{
	if (!info || !(info->flags & MB_INFO_MMAP) || !info->mmap_length)
		return NULL;
	return PHYS(info->mmap_addr);
}

const struct mb_mmap_entry *mb_mmap_next(const struct mb_mmap_entry *e)
{
	uintptr_t next = (uintptr_t)e + e->size + sizeof(e->size);
	uintptr_t end = (uintptr_t)info->mmap_addr + info->mmap_length;

	/* The next entry must lie wholly inside the advertised map. */
	if (next + sizeof(*e) > end)
		return NULL;
	return (const struct mb_mmap_entry *)next;
}

/* The command line is "word word ...". QEMU puts the kernel's file name
 * first, so a key only counts at the start of a word. */
uint64_t cmdline_uint(const char *key, uint64_t def)
{
	const char *p = mb_cmdline();
	size_t klen = strlen(key);

	for (; *p; p++) {
		if ((p != mb_cmdline() && p[-1] != ' ') || strncmp(p, key, klen))
			continue;
		p += klen;
		if (*p != '=')
			continue;
		p++;

		unsigned base = 10;
		uint64_t v = 0;
		int digits = 0;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			base = 16;
			p += 2;
		}
		for (;; p++, digits++) {
			unsigned d;
			if (*p >= '0' && *p <= '9')
				d = *p - '0';
			else if (base == 16 && *p >= 'a' && *p <= 'f')
				d = *p - 'a' + 10;
			else if (base == 16 && *p >= 'A' && *p <= 'F')
				d = *p - 'A' + 10;
			else
				break;
			v = v * base + d;
		}
		return digits ? v : def;
	}
	return def;
}
