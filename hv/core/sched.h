/* The scheduler: each physical CPU time-shares the vCPUs given to it,
 * round robin, one timer tick (10 ms) at a time. Between slices it serves
 * the console; with nothing to run it sleeps until the next interrupt. */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include "lib/types.h"

#define SCHED_HZ 100

struct vcpu;

/* Starts this CPU's tick. */
void sched_init(void);
/* Gives v to this CPU (the boot CPU, until SMP arrives). */
void sched_add(struct vcpu *v);
/* Runs vCPUs and the console on this CPU forever. */
__noreturn void sched_loop(void);

#endif
