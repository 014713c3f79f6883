/* ACPI S5 power-off: FADT for the PM1 control ports, the DSDT's _S5_
 * package for the sleep type, then SLP_TYP | SLP_EN to PM1a_CNT. */
#include "guest.h"
#include "acpi.h"

int guest_main(void)
{
	struct acpi_s5 s5;
	const char *why;

	if (acpi_find_s5(&s5, &why)) {
		printf("cannot power off: %s\n", why);
		return EXIT_MISSING;
	}
	printf("PM1a_CNT=0x%x SLP_TYP=%d\n", s5.pm1a_cnt, s5.slp_typa);
	printf("powering off\n");
	acpi_poweroff(&s5);
	printf("still running after the S5 write\n");
	return EXIT_FAIL;
}
