/* The PC's 8254 programmable interval timer and the port beside it that
 * gates its counter 2, for a VM of the PC platform:
 *   ports 0x40-0x42  counters 0, 1 and 2 (count, latch, status reads)
 *   port  0x43       the control word: mode, counter latch, read-back
 *   port  0x61       NMI status and control: bit 0 counter 2's gate,
 *                    bit 1 speaker data, bits 2-3 kept as written,
 *                    bit 4 toggles every 15.085 us (memory refresh),
 *                    bit 5 counter 2's OUT, bits 6-7 read 0
 * The counters run at 1193182 Hz of the VM's clock (host TSC since its
 * boot): a count is computed from the time since it was loaded. Counter
 * 0's OUT drives interrupt line 0 (a pulse at each rising edge); counter
 * 1's OUT goes nowhere, counter 2's only to port 0x61. */
#ifndef HV_VDEV_PIT_H
#define HV_VDEV_PIT_H

#include "lib/types.h"

#define PIT_PORT 0x40
#define PIT_PORTS 4
#define PIT_CONTROL 0x43
#define PIT_PORT_B 0x61
#define PIT_HZ 1193182ull
/* Port 0x61's refresh bit toggles every this many input clocks. */
#define PIT_REFRESH_CLOCKS 18
/* Counter 0 pulses line 0 at most once per this many input clocks (about
 * 100 us): a periodic count below it skips edges. */
#define PIT_MIN_IRQ_CLOCKS 119

struct vm;
struct timer;

extern const struct vdev_model pit_model;

/* Counter 0's timer (exposed for tests, which fire it as a cancelled
 * timer may fire, timer.h), or NULL if vm has no PIT. */
struct timer *pit_timer(const struct vm *vm);

#endif
