/* Starting application processors with INIT-SIPI-SIPI. */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "types.h"

#define SMP_MAX_CPUS	32
#define AP_STACK_SIZE	8192

/* Runs on the new AP, on its own stack. When it returns, the AP reports
 * back to the boot processor and halts for good. */
typedef void (*ap_main_fn)(unsigned cpu, uint8_t apic_id);

/* Start the AP with the given APIC id; cpu (< SMP_MAX_CPUS) picks its
 * stack and is passed to fn. Waits until fn has returned on the AP, for
 * at most timeout_ms. Returns 0 if it did, -1 otherwise. One AP at a
 * time, from the boot processor only. Needs lapic_init() first. */
int smp_start_ap(uint8_t apic_id, unsigned cpu, ap_main_fn fn,
		 uint32_t timeout_ms);

#endif
