/* The CPUs lucid runs on. CPU 0 is the boot CPU; the others are numbered
 * in the order the ACPI MADT lists them, skipping any that did not start,
 * so CPUs 0 .. cpus_online()-1 all run lucid. */
#ifndef HV_HOST_CPUS_H
#define HV_HOST_CPUS_H

#include "lib/types.h"

/* Starts every other CPU the firmware lists as enabled; each brings up
 * its tables, LAPIC and the virtualisation back end, then runs its own
 * scheduler loop. A CPU that does not come up is reported and left out.
 * Prints how many started. */
void cpus_start(void);
/* How many CPUs run lucid. */
u32 cpus_online(void);

#endif
