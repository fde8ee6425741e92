/* The local APIC as a guest programs it (Intel SDM vol. 3, chapter 11):
 * register offsets in the xAPIC page at 0xfee00000, the x2APIC MSRs
 * (0x800 + offset / 16) and the interrupt command register's fields. A
 * 64-bit guest maps the page before it touches it (apic_map): the
 * runtime's identity map ends at 1 GiB. */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include "guest.h"
#include "cpu.h"

#define APIC_PAGE 0xfee00000u
#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_EXTD (1u << 10)	/* x2APIC mode */
#define APIC_BASE_EN (1u << 11)

enum {
	APIC_ID = 0x20, APIC_VER = 0x30, APIC_TPR = 0x80, APIC_EOI = 0xb0, APIC_LDR = 0xd0,
	APIC_DFR = 0xe0, APIC_SVR = 0xf0, APIC_ISR = 0x100, APIC_IRR = 0x200, APIC_ICR = 0x300,
	APIC_ICR_HI = 0x310, APIC_LVT_TIMER = 0x320, APIC_TMICT = 0x380, APIC_TMCCT = 0x390,
	APIC_TDCR = 0x3e0, APIC_SELF_IPI = 0x3f0,
};
#define X2APIC_MSR(reg) (0x800u + ((reg) >> 4))

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_DEADLINE (2u << 17)

/* The ICR's low word: delivery mode, destination mode, level, shorthand. */
#define ICR_FIXED 0u
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_LOGICAL (1u << 11)
#define ICR_BUSY (1u << 12)		/* xAPIC: delivery status, send pending */
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_SELF (1u << 18)
#define ICR_ALL (2u << 18)
#define ICR_OTHERS (3u << 18)

static inline u32 xapic_read(u32 reg)
{
	return *(volatile u32 *)(uptr)(APIC_PAGE + reg);
}

static inline void xapic_write(u32 reg, u32 val)
{
	*(volatile u32 *)(uptr)(APIC_PAGE + reg) = val;
}

static inline bool x2apic_on(void)
{
	return rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD;
}

/* A register through the page or its MSR, as the APIC's mode is now. */
static inline u32 apic_read(u32 reg)
{
	return x2apic_on() ? (u32)rdmsr(X2APIC_MSR(reg)) : xapic_read(reg);
}

static inline void apic_write(u32 reg, u32 val)
{
	if (x2apic_on())
		wrmsr(X2APIC_MSR(reg), val);
	else
		xapic_write(reg, val);
}

/* Sends an IPI: ICR low word icr to destination dest (an 8-bit xAPIC ID
 * or logical mask in bits 31:24 of ICR_HI; a 32-bit x2APIC one in the
 * MSR's high half), and in xAPIC mode waits until the APIC has sent it. */
static inline void apic_send(u32 dest, u32 icr)
{
	if (x2apic_on()) {
		wrmsr(X2APIC_MSR(APIC_ICR), (u64)dest << 32 | icr);
		return;
	}
	xapic_write(APIC_ICR_HI, dest << 24);
	xapic_write(APIC_ICR, icr);
	while (xapic_read(APIC_ICR) & ICR_BUSY)
		asm volatile("pause");
}

#ifdef __x86_64__
/* Maps the xAPIC page, identity, for a 64-bit guest. */
static inline bool apic_map(void)
{
	return pt_map(APIC_PAGE, APIC_PAGE, PAGE_SIZE, PAGE_SIZE, PTE_P | PTE_W);
}
#endif

/* The TSC-deadline timer's MSR: armed with a guest TSC, 0 disarms. */
#define MSR_TSC_DEADLINE 0x6e0u

/* x2APIC mode, the APIC software-enabled, its timer in TSC-deadline mode
 * on `vector`, whose interrupts run fn (trap_set_handler; fn ends with
 * x2apic_eoi). Then wrmsr(MSR_TSC_DEADLINE, t) arms it for guest TSC t:
 * how a guest wakes itself when it chooses (the bench guests). */
static inline void x2apic_deadline_timer(u8 vector, void (*fn)(u32 vector))
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	wrmsr(X2APIC_MSR(APIC_SVR), SVR_ENABLE | 0xff);
	wrmsr(X2APIC_MSR(APIC_LVT_TIMER), vector | LVT_DEADLINE);
	trap_set_handler(vector, fn);
}

static inline void x2apic_eoi(void)
{
	wrmsr(X2APIC_MSR(APIC_EOI), 0);
}

#endif
