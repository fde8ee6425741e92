/* The local APIC in x2APIC mode, through its MSRs, and its TSC-deadline
 * timer: how a guest wakes itself at a guest TSC of its choosing (the
 * bench guests of tests/bench/sched.py). */
#ifndef GUEST_X2APIC_H
#define GUEST_X2APIC_H

#include "guest.h"
#include "cpu.h"

#define APIC_BASE_MSR 0x1bu
#define APIC_BASE_EXTD (1u << 10)
#define X2APIC_EOI 0x80bu
#define X2APIC_SVR 0x80fu
#define X2APIC_LVT_TIMER 0x832u
#define TSC_DEADLINE_MSR 0x6e0u
#define LVT_TSC_DEADLINE (2u << 17)

/* x2APIC mode, the APIC software-enabled, its timer in TSC-deadline mode
 * on `vector`, whose interrupts run fn (trap_set_handler; fn ends with
 * x2apic_eoi). Then wrmsr(TSC_DEADLINE_MSR, t) arms it for guest TSC t. */
static inline void x2apic_deadline_timer(u8 vector, void (*fn)(void))
{
	wrmsr(APIC_BASE_MSR, rdmsr(APIC_BASE_MSR) | APIC_BASE_EXTD);
	wrmsr(X2APIC_SVR, 0x1ff);
	wrmsr(X2APIC_LVT_TIMER, vector | LVT_TSC_DEADLINE);
	trap_set_handler(vector, fn);
}

static inline void x2apic_eoi(void)
{
	wrmsr(X2APIC_EOI, 0);
}

#endif
