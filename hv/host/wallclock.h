/* The time of day: the machine's CMOS clock (drivers/rtc.h), read once at
 * boot, plus what the TSC has counted since. Later reads of the CMOS
 * clock would cost two port accesses each, race its updates and give
 * whole seconds only; the TSC gives microseconds from any CPU (lucid
 * needs an invariant, synchronised TSC anyway). The guests' CMOS clocks
 * (hv/vdev/rtc.c) run from it.
 *
 * The zone is the CMOS clock's own: UTC on a machine Linux set, local
 * time on one Windows set. Host unit tests set the time themselves
 * (tests/unit/fake_hv.h). */
#ifndef HV_HOST_WALLCLOCK_H
#define HV_HOST_WALLCLOCK_H

#include "lib/types.h"

/* Reads the CMOS clock, on the boot CPU once the TSC is measured, and
 * prints the `clock:` banner line. Without a usable clock, time starts
 * at 2000-01-01 00:00:00. */
void wallclock_init(void);
/* Microseconds since 1970-01-01 00:00:00. */
u64 wallclock_us(void);

#endif
