/* A vCPU's pending events: what is to be delivered to the guest, held
 * on the vCPU and decided at one point before each entry (as ACRN's
 * virq.c and KVM's inject_pending_event do), so nothing ever overwrites
 * an event another part of lucid queued.
 *
 * In order: the event the CPU was delivering when the last exit cut in
 * (it goes in again first), an exception lucid raised, an NMI, then the
 * highest external interrupt vector. Exceptions raised while another is
 * pending merge as the manuals say (Intel SDM vol. 3 table 6-5, AMD APM
 * vol. 2 8.2.9): two contributory faults, or a page fault then a
 * contributory or page fault, make a double fault; a fault while
 * delivering a double fault shuts the VM down (triple fault).
 *
 * Pure code: the vCPU's run loop asks the back end what the guest can
 * take now and applies the plan; the host unit tests drive it alone. */
#ifndef HV_CORE_EVENTS_H
#define HV_CORE_EVENTS_H

#include "arch/x86/virt.h"

/* An interrupt controller that decides a vCPU's external interrupts (the
 * 8259 pair for vCPU 0 today, each vCPU's local APIC next): the vCPU asks
 * it, at the one point where events go in, as a CPU's INTA cycle asks the
 * PIC. Called with no lock of lucid's held; the controller takes its own. */
struct intr_source {
	/* The vector it would deliver now, or -1: for windows and wake-ups. */
	int (*pending)(void *ctl);
	/* Delivers: the vector, acknowledged (IRR to ISR) in the same step,
	 * or -1 if the request went away meanwhile. */
	int (*take)(void *ctl);
	void *ctl;
};

struct vcpu_events {
	bool pending;		/* anything below; atomic */
	struct event again;	/* what the CPU was delivering at the last exit */
	struct event exc;	/* an exception lucid raised */
	bool nmi;		/* an NMI waits */
	u64 irr[4];		/* external interrupts wait, bit per vector; atomic */
	/* The vCPU's interrupt controller, or NULL: interrupts come only
	 * through irr. irr goes first: it holds what a cut-short delivery
	 * left, already acknowledged by the controller. */
	const struct intr_source *src;
};

/* What to do before the next entry. */
struct event_plan {
	struct event inject;	/* EV_NONE: nothing now */
	bool raised;		/* inject is an exception lucid raised, not one
				 * the CPU was delivering (events.again) */
	bool nmi_window;	/* ask for an exit once an NMI can be taken */
	bool intr_window;	/* ask for an exit once an interrupt can be */
};

enum { EVENTS_OK, EVENTS_TRIPLE_FAULT };

/* Clears what is pending (the vCPU is reset); the source stays. */
void events_reset(struct vcpu_events *ev);
/* The event an exit cut short (EV_NONE if none): delivered again before
 * anything else, and the first exception for merging. An NMI or
 * interrupt goes back to waiting; a software interrupt is dropped, since
 * RIP still points at its instruction. */
void events_requeue(struct vcpu_events *ev, const struct event *cut);
/* Queues an exception. Returns EVENTS_TRIPLE_FAULT when it arises while a
 * double fault is delivered: the caller shuts the VM down. */
int events_queue_exception(struct vcpu_events *ev, u8 vector, bool has_error, u32 error);
/* An interrupt or NMI arrives; safe from any CPU. The caller kicks the
 * vCPU so that it sees it. */
void events_raise_intr(struct vcpu_events *ev, u8 vector);
void events_raise_nmi(struct vcpu_events *ev);
/* The interrupt source's output may have changed: the next entry asks it.
 * Safe from any CPU; the caller kicks the vCPU. */
void events_intr_changed(struct vcpu_events *ev);
/* Whether anything waits: one load, for the run loop's fast path. */
static inline bool events_pending(const struct vcpu_events *ev)
{
	return __atomic_load_n(&ev->pending, __ATOMIC_ACQUIRE);
}
/* Whether an external interrupt waits, in irr or at the source (a halted
 * vCPU wakes if IF is set). */
bool events_intr_waiting(const struct vcpu_events *ev);
/* Picks what goes in next and takes it off the queue. nmi_ok, intr_ok:
 * whether the guest can take an NMI or an interrupt now (the back end
 * knows its interrupt shadow, RFLAGS.IF and NMI blocking). */
void events_plan(struct vcpu_events *ev, bool nmi_ok, bool intr_ok, struct event_plan *p);

#endif
