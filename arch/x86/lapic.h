/* The local APIC, in x2APIC mode when the CPU has it (MSR access, 32-bit
 * IDs), else xAPIC (MMIO). */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include "lib/types.h"

struct lapic_info {
	bool x2apic;
	u64 base;        /* MMIO base in xAPIC mode */
	u32 id;          /* the boot CPU's APIC id */
	u64 tsc_hz;      /* measured */
	u64 timer_hz;    /* LAPIC timer input clock after divide-by-1 */
};

/* A one-shot timer of known rate that the TSC and the LAPIC timer are
 * measured against: a device (the PIT, drivers/pit.h), so hv/ hands it in. */
struct lapic_ref_timer {
	u32 hz;			/* its input clock */
	/* Starts a count of `us` microseconds, whole ticks of hz. */
	void (*start)(u32 us);
	bool (*done)(void);	/* true once that count has run out */
};

/* On the boot CPU: picks the mode (x2APIC if `use_x2apic`, for every
 * CPU), enables its LAPIC and measures the TSC and the LAPIC timer
 * against `ref`. */
void lapic_init(bool use_x2apic, const struct lapic_ref_timer *ref);
/* On every other CPU: enables its LAPIC in that mode, local interrupts
 * masked. */
void lapic_cpu_init(void);
/* This CPU's APIC ID. */
u32 lapic_id(void);
/* Sends an interprocessor interrupt: `icr` is the ICR's low half (vector,
 * delivery mode, level, shorthand). */
void lapic_send_ipi(u32 apic_id, u32 icr);
const struct lapic_info *lapic(void);
void lapic_eoi(void);
/* Puts this CPU's timer in one-shot mode on `vector`, stopped. */
void lapic_timer_oneshot(u8 vector);
/* Starts it: it fires once, `tsc` TSC cycles from now (at least one
 * timer tick; at most what its 32-bit count holds). */
void lapic_timer_arm(u64 tsc);

#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define ICR_FIXED (0u << 8)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_PENDING (1u << 12)	/* xAPIC: not yet accepted */
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_ALL_BUT_SELF (3u << 18)	/* destination shorthand */

#endif
