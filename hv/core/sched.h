/* The scheduler. Each physical CPU runs its own loop over the vCPUs placed
 * on it, a slice at a time: a slice ends at the next timer tick (10 ms),
 * or sooner when the vCPU halts. With nothing to run the CPU sleeps until
 * the next interrupt. The boot CPU also serves the console between
 * slices.
 *
 * The policy is a weighted fair share (docs/scheduling.md). Each vCPU's
 * virtual run time grows by the time it ran times 100 / its VM's weight
 * (lucid.cfg, 1 to 10000, default 100, as Linux's cpu.weight), and the
 * loop runs, of the vCPUs that can run, the one with the least; equal
 * ones take turns. So vCPUs of weights 1, 2 and 3 sharing a CPU get 1/6,
 * 2/6 and 3/6 of it, and equal weights get round robin. A vCPU that could
 * not run (halted, its VM paused or stopped, new) rejoins at most one
 * tick of its own behind the others: no long burst to catch up.
 *
 * A vCPU is placed on one CPU when its VM is created and runs only there:
 * its lazily switched registers (FPU, debug registers, TSC_AUX, the
 * back end's loaded state) can then only ever be live in that one CPU.
 * A VM with `cpus =` gets those CPUs to itself, vCPU n on its n-th CPU;
 * the other VMs' vCPUs share the CPUs no VM has, each on the one with
 * the fewest vCPUs. */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include "lib/types.h"

#define SCHED_HZ 100

struct vcpu;
struct vm;

/* Starts this CPU's tick (hv/core/timer.c) and takes its kick interrupts. */
void sched_init(void);
/* The tick: this CPU's slice is over. From the timer interrupt. */
void sched_tick(void);
/* Reserves CPUs (bit n: CPU n) for one VM before any VM is placed.
 * Returns 0, or -1 with the reason in err. */
int sched_dedicate(u64 cpus, char *err, size_t len);
/* Places every vCPU of vm: on `cpus` (reserved with sched_dedicate) or,
 * with cpus == 0, on the shared CPUs. Returns 0, or -1 with the reason. */
int sched_place(struct vm *vm, u64 cpus, char *err, size_t len);
/* Takes vm's vCPUs off their CPUs (they are parked). */
void sched_unplace(struct vm *vm);
/* Makes v's CPU look at it soon: out of guest mode or out of its sleep. */
void sched_kick(const struct vcpu *v);
/* Parks every vCPU on this CPU whose VM is pausing (hv/core/vm.c); a CPU
 * that waits for other CPUs calls this so that two waits never block
 * each other. */
void sched_park_here(void);
/* Runs vCPUs (and, on the boot CPU, the console) forever. */
__noreturn void sched_loop(void);

#endif
