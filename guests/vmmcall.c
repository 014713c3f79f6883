/* vmmcall: BitVisor's named hypercalls. Function 0 (get_vmmcall_number)
 * turns a name into a number, RBX holding the name's address; a call by
 * that number takes its arguments in RBX and RCX and answers in RAX. 0
 * means "no such call". Both instructions are used: VMCALL (Intel) and
 * VMMCALL (AMD); jvisor answers either. */
#include "guest.h"

static unsigned long vmcall(unsigned long nr, unsigned long a1, unsigned long a2)
{
	unsigned long ret;

	asm volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory");
	return ret;
}

static unsigned long vmmcall(unsigned long nr, unsigned long a1, unsigned long a2)
{
	unsigned long ret;

	asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory");
	return ret;
}

static unsigned long number(const char *name)
{
	return vmcall(0, (unsigned long)name, 0);
}

int guest_main(void)
{
	static char version[64];
	static const char message[] = "hello from the vmmcall guest";
	unsigned long get_version = number("get_version");
	unsigned long log = number("log");
	unsigned long poweroff = number("poweroff");
	unsigned long len;

	printf("get_version=%s log=%s poweroff=%s\n", get_version ? "found" : "missing",
	       log ? "found" : "missing", poweroff ? "found" : "missing");
	if (!get_version || !log || !poweroff)
		return EXIT_FAIL;
	printf("no_such_call -> %lu\n", number("no_such_call"));
	printf("call 99999 -> %lu\n", vmcall(99999, 0, 0));
	len = vmmcall(get_version, (unsigned long)version, sizeof version);
	if (len == 0 || len >= sizeof version)
		return EXIT_FAIL;
	printf("version: %s\n", strncmp(version, "jvisor", 6) == 0 ? "jvisor ..." : version);
	printf("log -> %lu\n", vmcall(log, (unsigned long)message, sizeof message - 1));
	printf("powering off\n");
	vmmcall(poweroff, 0, 0);
	printf("still running after poweroff\n");
	return EXIT_FAIL;
}
