/* Timers: a callback at a moment of the host's TSC, for the devices that
 * keep time (the PIT, the local APIC timer, the RTC) and the scheduler's
 * tick. Each CPU keeps its own queue, sorted by deadline, and programs its
 * one hardware timer (its LAPIC timer, one-shot) for the earlier of the
 * queue's head and the next tick.
 *
 * The interrupt only ends the tick and marks expired timers due; their
 * callbacks run in the CPU's loop after the exit the interrupt caused
 * (timer_run_expired), with interrupts off like any exit handler, so a
 * device's callback and its port handlers take the same plain lock. */
#ifndef HV_CORE_TIMER_H
#define HV_CORE_TIMER_H

#include "lib/types.h"

struct timer {
	u64 deadline;		/* host TSC */
	void (*fire)(struct timer *t);
	struct timer *next;
	s32 cpu;		/* the queue it waits on; -1: none */
};

/* An unarmed timer that will call fire. */
void timer_init(struct timer *t, void (*fire)(struct timer *t));
/* Arms t on this CPU's queue for `deadline` (host TSC; one already past
 * fires at the next look), taking it off any queue it waited on. */
void timer_arm(struct timer *t, u64 deadline);
/* Takes t off its queue, from any CPU. A callback already taken off its
 * queue by another CPU may still run once: a device checks its own
 * state in the callback. */
void timer_cancel(struct timer *t);
bool timer_armed(const struct timer *t);

/* This CPU's hardware timer and its interrupt: at each CPU's start. */
void timer_cpu_init(void);
/* Whether this CPU has timers due: one load, for the vCPU loop. */
bool timer_due(void);
/* Runs this CPU's expired timers and programs the hardware timer for
 * the next. */
void timer_run_expired(void);
/* The host TSC rate, for devices that turn guest time into deadlines. */
u64 timer_hz(void);

#endif
