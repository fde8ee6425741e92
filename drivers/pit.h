/* The 8254 PIT, used once at boot as a known-frequency reference to
 * measure the TSC and the LAPIC timer. */
#ifndef DRIVERS_PIT_H
#define DRIVERS_PIT_H

#include "lib/types.h"

#define PIT_HZ 1193182u

/* Starts a one-shot count of `us` microseconds on channel 2 (the speaker
 * channel, whose output can be polled without interrupts). */
void pit_oneshot_start(u32 us);
/* True once the count started by pit_oneshot_start has run out. */
bool pit_oneshot_done(void);

#endif
