/* Each vCPU's local APIC (lapic.h), after the Intel SDM vol. 3, chapter 11.
 *
 * One state per vCPU, each with its lock: the vCPU's own exits (MMIO,
 * MSRs), its timer's callback and other vCPUs' IPIs reach it. A handler
 * finds the vCPU whose exit it serves with vcpu_current(). What an access
 * sets off beyond its own APIC (an IPI, the EOI to the IOAPIC, waking
 * the vCPU) is done after its lock is dropped, so no two APIC locks are
 * ever held.
 *
 * Choices where the SDM leaves room:
 * - The timer counts at the TSC's rate (the host's, which is the
 *   guest's), divided by the divide configuration.
 * - xAPIC MMIO: a register is the first 4 bytes of its 16-byte slot. A
 *   read of any size returns the slot's bytes (the other 12 read as 0); a
 *   write counts only as an aligned 32-bit store to the slot's start, and
 *   is dropped otherwise. While the APIC is disabled or in x2APIC mode the
 *   page reads as all ones and drops writes, as unclaimed MMIO would.
 * - IA32_APIC_BASE may not move the base from 0xfee00000 (#GP); its BSP
 *   bit is lucid's and a write leaves it. The xAPIC ID is read-only.
 * - Lowest priority goes, as fixed, to the lowest-numbered target.
 * - SMI and ExtINT messages are dropped. INIT resets the target's APIC
 *   and puts its vCPU, the BSP's too, in wait-for-SIPI; STARTUP starts a
 *   vCPU that waits (hv/core/vcpu.h).
 * - A periodic timer fires at most every 100 us. */
#include "hv/vdev/lapic.h"
#include "arch/x86/cpu.h"
#include "hv/core/timer.h"
#include "hv/core/vcpu.h"
#include "hv/core/vm.h"
#include "hv/vdev/irq.h"
#include "hv/vdev/vdev.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define MSR_TSC_DEADLINE 0x6e0u
#define MSR_X2APIC 0x800u
#define MSR_X2APIC_COUNT 0x100u
#define MSR_X2APIC_ICR (MSR_X2APIC + (R_ICR >> 4))

#define BASE_BSP (1ull << 8)
#define BASE_EXTD (1ull << 10)
#define BASE_EN (1ull << 11)

/* CPUID leaf 1 bits the device offers. */
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_EDX_APIC (1u << 9)

/* Registers: offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16. */
enum {
	R_ID = 0x20, R_VERSION = 0x30, R_TPR = 0x80, R_APR = 0x90, R_PPR = 0xa0, R_EOI = 0xb0,
	R_LDR = 0xd0, R_DFR = 0xe0, R_SVR = 0xf0, R_ISR = 0x100, R_TMR = 0x180, R_IRR = 0x200,
	R_ESR = 0x280, R_ICR = 0x300, R_ICR_HIGH = 0x310, R_LVT = 0x320, R_LVT_LAST = 0x370,
	R_TIMER_INIT = 0x380, R_TIMER_CUR = 0x390, R_TIMER_DIV = 0x3e0, R_SELF_IPI = 0x3f0,
};

/* Version 0x14, six LVT entries (max LVT 5): no CMCI, as KVM offers. */
#define VERSION 0x00050014u

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, NLVT };
#define LVT_MASKED (1u << 16)
#define LVT_DM(e) ((e) >> 8 & 7)
static const u32 lvt_writable[NLVT] = {
	0x000700ff,	/* timer: vector, mask, mode */
	0x000107ff,	/* thermal: vector, delivery mode, mask */
	0x000107ff,	/* performance counters: the same */
	0x0001a7ff,	/* LINT0: also polarity and trigger mode */
	0x0001a7ff,	/* LINT1 */
	0x000100ff,	/* error: vector, mask */
};
enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_DEADLINE, TIMER_RESERVED };
#define TIMER_MIN_PERIOD_US 100

#define SVR_ENABLE (1u << 8)
#define SVR_WRITABLE 0x3ffu	/* vector, enable, focus check (no EOI suppression) */

#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG (1u << 7)

#define ICR_LOGICAL (1u << 11)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_WRITABLE 0x000ccfffu
#define ICR_SHORTHAND(icr) ((icr) >> 18 & 3)
enum { TO_DEST, TO_SELF, TO_ALL, TO_OTHERS };

struct lapic_dev;
extern const struct vdev_model lapic_model;

struct lapic {
	struct spinlock lock;
	struct lapic_dev *dev;
	struct vcpu *vcpu;
	/* The registers, base to timer_div: power_on clears them. */
	u64 base;		/* IA32_APIC_BASE */
	u32 tpr, ldr, dfr, svr;
	u32 esr, esr_new;	/* as read; errors since the last ESR write */
	u32 icr, icr_dest;	/* low half; destination (xAPIC: bits 31-24) */
	u32 irr[8], isr[8], tmr[8];
	u32 lvt[NLVT];
	u32 timer_init, timer_div;
	/* One-shot and periodic: counting from timer_start (host TSC), a
	 * count taking timer_period cycles, timer_unit a tick (the divisor
	 * when the count started). */
	bool counting;
	u64 timer_start, timer_period;
	u32 timer_unit;
	u64 deadline;		/* TSC-deadline mode: guest TSC; 0: disarmed */
	struct timer timer;
	struct intr_source src;
};

struct lapic_dev {
	struct lapic cpu[VM_MAX_VCPUS];	/* first: d->state is vCPU 0's, the source's ctl */
	struct vm *vm;
};

/* What an access sets off once its APIC's lock is dropped. */
struct outcome {
	bool changed;		/* the vCPU may have something new to take */
	bool ipi;		/* send icr to dest */
	u32 icr, dest;
	int eoi;		/* a level-triggered vector retired, or -1 */
};

static bool hw_enabled(const struct lapic *l)
{
	return l->base & BASE_EN;
}

static bool x2apic(const struct lapic *l)
{
	return l->base & BASE_EXTD;
}

static bool sw_enabled(const struct lapic *l)
{
	return l->svr & SVR_ENABLE;
}

static int highest(const u32 r[8])
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

static void bit_set(u32 r[8], u8 v)
{
	r[v / 32] |= 1u << (v % 32);
}

static void bit_clear(u32 r[8], u8 v)
{
	r[v / 32] &= ~(1u << (v % 32));
}

static bool bit_test(const u32 r[8], u8 v)
{
	return r[v / 32] >> (v % 32) & 1;
}

static u32 class_of(int vector)
{
	return vector < 0 ? 0 : (u32)vector & 0xf0;
}

/* Processor priority (SDM 11.8.3.1): TPR, or the class in service if higher. */
static u32 ppr(const struct lapic *l)
{
	u32 isr = class_of(highest(l->isr));

	return (l->tpr & 0xf0) >= isr ? l->tpr : isr;
}

/* Arbitration priority (SDM 11.8.3.2, xAPIC only). */
static u32 apr(const struct lapic *l)
{
	u32 top = MAX(class_of(highest(l->irr)), class_of(highest(l->isr)));

	return (l->tpr & 0xf0) >= top ? l->tpr : top;
}

static u32 x2apic_ldr(u32 id)
{
	return (id >> 4) << 16 | 1u << (id & 0xf);
}

static u32 timer_mode(const struct lapic *l)
{
	return l->lvt[LVT_TIMER] >> 17 & 3;
}

static u32 divisor(const struct lapic *l)
{
	u32 v = (l->timer_div & 3) | (l->timer_div >> 1 & 4);

	return v == 7 ? 1 : 2u << v;
}

static u64 guest_tsc(const struct lapic *l, u64 host)
{
	return host - l->dev->vm->tsc_base;
}

/* --- acceptance ------------------------------------------------------------ */

static void error(struct lapic *l, u32 bit);

/* A fixed interrupt arrives. Returns whether it went into IRR. Under lock. */
static bool accept(struct lapic *l, u8 vector, bool level)
{
	if (!hw_enabled(l))
		return false;
	if (vector < 16) {
		error(l, ESR_RECV_ILLEGAL);
		return false;
	}
	bit_set(l->irr, vector);
	if (level)
		bit_set(l->tmr, vector);
	else
		bit_clear(l->tmr, vector);
	return true;
}

/* An LVT entry signals (the timer, an error): fixed delivery unless
 * masked. Returns whether it went into IRR. Under lock. */
static bool lvt_signal(struct lapic *l, u32 lvt)
{
	u32 e = l->lvt[lvt];

	if (!hw_enabled(l) || (e & LVT_MASKED) || (e & 0xff) < 16)
		return false;
	return accept(l, (u8)e, false);
}

static void error(struct lapic *l, u32 bit)
{
	l->esr_new |= bit;
	lvt_signal(l, LVT_ERROR);
}

/* The highest vector in IRR that the processor priority lets through, or
 * -1. Under lock. */
static int deliverable(const struct lapic *l)
{
	int v = highest(l->irr);

	if (!hw_enabled(l) || v < 0 || class_of(v) <= (ppr(l) & 0xf0))
		return -1;
	return v;
}

/* The 8259 pair's INTA if it comes first: LINT0 in ExtINT mode, or
 * vCPU 0 with its APIC disabled (LINT0 is then the CPU's INTR pin). */
static const struct intr_source *extint(struct lapic *l)
{
	const struct intr_source *ext = l->dev->vm->irq.extint;
	bool open;

	spin_lock(&l->lock);
	if (!hw_enabled(l))
		open = l->vcpu->id == 0;
	else
		open = !(l->lvt[LVT_LINT0] & LVT_MASKED) &&
		       LVT_DM(l->lvt[LVT_LINT0]) == LAPIC_DM_EXTINT;
	spin_unlock(&l->lock);
	return open ? ext : NULL;
}

/* The vector the vCPU would take next, or -1; with take, it takes it:
 * the 8259's INTA if it comes first, else the APIC's IRR into ISR. */
static int next_vector(struct lapic *l, bool take)
{
	const struct intr_source *ext = extint(l);
	int v = ext ? (take ? ext->take(ext->ctl) : ext->pending(ext->ctl)) : -1;

	if (v >= 0)
		return v;
	spin_lock(&l->lock);
	v = deliverable(l);
	if (take && v >= 0) {
		bit_clear(l->irr, (u8)v);
		bit_set(l->isr, (u8)v);
	}
	spin_unlock(&l->lock);
	return v;
}

static int src_pending(void *ctl)
{
	return next_vector(ctl, false);
}

static int src_take(void *ctl)
{
	return next_vector(ctl, true);
}

/* Tells v's event path that its APIC may deliver something new: on the
 * vCPU's own exit it is enough to mark it, anywhere else v is kicked. */
static void poke(struct vcpu *v)
{
	if (vcpu_current() == v)
		events_intr_changed(&v->events);
	else
		vcpu_intr_changed(v);
}

static void nmi(struct vcpu *v)
{
	if (vcpu_current() == v)
		events_raise_nmi(&v->events);
	else
		vcpu_raise_nmi(v);
}

/* --- the timer ---------------------------------------------------------------- */

static void timer_stop(struct lapic *l)
{
	l->counting = false;
	l->deadline = 0;
	timer_cancel(&l->timer);
}

/* A new initial count: counting starts now. On the vCPU's own CPU. */
static void timer_start(struct lapic *l)
{
	timer_stop(l);
	if (!l->timer_init)
		return;
	l->counting = true;
	l->timer_start = rdtsc();
	l->timer_unit = divisor(l);
	l->timer_period = (u64)l->timer_init * l->timer_unit;
	timer_arm(&l->timer, l->timer_start + l->timer_period);
}

static u32 timer_current(const struct lapic *l)
{
	u64 gone;

	if (!l->counting)
		return 0;
	gone = rdtsc() - l->timer_start;
	if (timer_mode(l) == TIMER_PERIODIC)
		gone %= l->timer_period;
	else if (gone >= l->timer_period)
		return 0;
	return (u32)MIN((l->timer_period - gone) / l->timer_unit, (u64)l->timer_init);
}

/* IA32_TSC_DEADLINE, in guest TSC units; ignored outside TSC-deadline mode. */
static void deadline_write(struct lapic *l, u64 val)
{
	u64 base = l->dev->vm->tsc_base;

	if (timer_mode(l) != TIMER_DEADLINE)
		return;
	timer_stop(l);
	l->deadline = val;
	if (val)
		timer_arm(&l->timer, val > ~0ull - base ? ~0ull : val + base);
}

/* Runs on the CPU that armed the timer, the vCPU's. A cancelled timer may
 * still come once: the state says whether it is due. */
static void timer_fire(struct timer *t)
{
	struct lapic *l = (struct lapic *)((char *)t - __builtin_offsetof(struct lapic, timer));
	u64 now = rdtsc();
	bool raised = false;

	spin_lock(&l->lock);
	if (timer_mode(l) == TIMER_DEADLINE) {
		if (l->deadline && guest_tsc(l, now) >= l->deadline) {
			l->deadline = 0;
			raised = lvt_signal(l, LVT_TIMER);
		}
	} else if (l->counting && now - l->timer_start >= l->timer_period) {
		raised = lvt_signal(l, LVT_TIMER);
		if (timer_mode(l) == TIMER_PERIODIC) {
			u64 min = timer_hz() / (1000000 / TIMER_MIN_PERIOD_US);
			u64 period = MAX(l->timer_period, min);

			/* Periods count from the start, so none drifts; those
			 * missed while the vCPU was away are one interrupt. */
			l->timer_start += (now - l->timer_start) / period * period;
			l->timer_period = period;
			timer_arm(&l->timer, l->timer_start + period);
		} else {
			l->counting = false;
		}
	}
	spin_unlock(&l->lock);
	if (raised)
		poke(l->vcpu);
}

/* --- registers ---------------------------------------------------------------- */

/* The power-on state (SDM 11.4.7.1), the APIC enabled at its default
 * base in xAPIC mode; or disabled, as a write of APIC_BASE.EN = 0 leaves it.
 * Under lock. */
static void power_on(struct lapic *l, bool enabled)
{
	timer_stop(l);
	memset(&l->base, 0, offsetof(struct lapic, counting) - offsetof(struct lapic, base));
	l->base = LAPIC_BASE | (enabled ? BASE_EN : 0) | (l->vcpu->id == 0 ? BASE_BSP : 0);
	l->dfr = 0xffffffff;
	l->svr = 0xff;
	for (u32 i = 0; i < NLVT; i++)
		l->lvt[i] = LVT_MASKED;
	/* vCPU 0's LINT0 takes the 8259 pair's INTR (virtual wire mode), as
	 * firmware leaves it and KVM resets it, for a kernel loaded directly. */
	if (l->vcpu->id == 0 && enabled)
		l->lvt[LVT_LINT0] = LAPIC_DM_EXTINT << 8;
}

/* Reads a register (an offset in the xAPIC page). Returns 0, or -1 if
 * the current mode has no such register to read. Under lock. */
static int reg_read(struct lapic *l, u32 reg, u32 *val)
{
	bool x2 = x2apic(l);
	u32 id = l->vcpu->id;

	switch (reg) {
	case R_ID:
		*val = x2 ? id : id << 24;
		break;
	case R_VERSION:
		*val = VERSION;
		break;
	case R_TPR:
		*val = l->tpr;
		break;
	case R_APR:
		if (x2)
			return -1;
		*val = apr(l);
		break;
	case R_PPR:
		*val = ppr(l);
		break;
	case R_EOI:	/* write-only: x2APIC refuses, xAPIC reads 0 */
		if (x2)
			return -1;
		*val = 0;
		break;
	case R_LDR:
		*val = x2 ? x2apic_ldr(id) : l->ldr;
		break;
	case R_DFR:
		if (x2)
			return -1;
		*val = l->dfr;
		break;
	case R_SVR:
		*val = l->svr;
		break;
	case R_ISR ... R_ISR + 0x70:
		*val = l->isr[(reg - R_ISR) >> 4];
		break;
	case R_TMR ... R_TMR + 0x70:
		*val = l->tmr[(reg - R_TMR) >> 4];
		break;
	case R_IRR ... R_IRR + 0x70:
		*val = l->irr[(reg - R_IRR) >> 4];
		break;
	case R_ESR:
		*val = l->esr;
		break;
	case R_ICR:
		*val = l->icr;
		break;
	case R_ICR_HIGH:
		if (x2)
			return -1;
		*val = l->icr_dest;
		break;
	case R_LVT ... R_LVT_LAST:
		*val = l->lvt[(reg - R_LVT) >> 4];
		break;
	case R_TIMER_INIT:
		*val = timer_mode(l) == TIMER_DEADLINE ? 0 : l->timer_init;
		break;
	case R_TIMER_CUR:
		*val = timer_mode(l) == TIMER_DEADLINE ? 0 : timer_current(l);
		break;
	case R_TIMER_DIV:
		*val = l->timer_div;
		break;
	default:	/* SELF_IPI is write-only, the rest reserved */
		return -1;
	}
	return 0;
}

/* The bits of a register a guest may set; in x2APIC mode setting another
 * is #GP. */
static u32 writable(u32 reg)
{
	switch (reg) {
	case R_TPR:
	case R_SELF_IPI:
		return 0xff;
	case R_SVR:
		return SVR_WRITABLE;
	case R_EOI:
	case R_ESR:
		return 0;
	case R_ICR:
		return ICR_WRITABLE;
	case R_TIMER_DIV:
		return 0xb;
	case R_LVT ... R_LVT_LAST:
		return lvt_writable[(reg - R_LVT) >> 4];
	default:
		return ~0u;
	}
}

static void lvt_write(struct lapic *l, u32 i, u32 val, struct outcome *o)
{
	u32 old = l->lvt[i];

	val &= lvt_writable[i];
	if (!sw_enabled(l))
		val |= LVT_MASKED;
	if (i == LVT_TIMER) {
		u32 from = timer_mode(l), to = val >> 17 & 3;

		if (to == TIMER_RESERVED)
			val &= ~(1u << 18);
		to = val >> 17 & 3;
		/* Into or out of TSC-deadline mode the timer stops. */
		if (from != to && (from == TIMER_DEADLINE || to == TIMER_DEADLINE)) {
			timer_stop(l);
			l->timer_init = 0;
		}
	}
	l->lvt[i] = (old & ~lvt_writable[i]) | val;
	if (i == LVT_LINT0)
		o->changed = true;
}

/* The highest vector in service retires; a level-triggered one is told
 * to the IOAPIC. Under lock. */
static void eoi(struct lapic *l, struct outcome *o)
{
	int v = highest(l->isr);

	if (v < 0)
		return;
	bit_clear(l->isr, (u8)v);
	if (bit_test(l->tmr, (u8)v))
		o->eoi = v;
	o->changed = true;
}

/* Writes a register. Returns 0, or -1 if the current mode has no such
 * register to write (x2APIC: #GP; xAPIC: an illegal register). Reserved
 * bits are the caller's to refuse or drop. Under lock. */
static int reg_write(struct lapic *l, u32 reg, u32 val, struct outcome *o)
{
	bool x2 = x2apic(l);

	switch (reg) {
	case R_ID:	/* read-only: x2APIC refuses, xAPIC ignores */
	case R_VERSION:
	case R_PPR:
	case R_ISR ... R_ISR + 0x70:
	case R_TMR ... R_TMR + 0x70:
	case R_IRR ... R_IRR + 0x70:
	case R_TIMER_CUR:
	case R_APR:
		return x2 ? -1 : 0;
	case R_TPR:
		l->tpr = val & 0xff;
		o->changed = true;
		break;
	case R_EOI:
		eoi(l, o);
		break;
	case R_LDR:
		if (x2)
			return -1;
		l->ldr = val & 0xff000000;
		break;
	case R_DFR:
		if (x2)
			return -1;
		l->dfr = val | 0x0fffffff;
		break;
	case R_SVR:
		l->svr = val & SVR_WRITABLE;
		if (!sw_enabled(l))
			for (u32 i = 0; i < NLVT; i++)
				l->lvt[i] |= LVT_MASKED;
		o->changed = true;
		break;
	case R_ESR:
		l->esr = l->esr_new;
		l->esr_new = 0;
		break;
	case R_ICR:
		l->icr = val & ICR_WRITABLE;
		o->ipi = true;
		o->icr = l->icr;
		o->dest = x2 ? l->icr_dest : l->icr_dest >> 24;
		break;
	case R_ICR_HIGH:
		if (x2)
			return -1;
		l->icr_dest = val & 0xff000000;
		break;
	case R_LVT ... R_LVT_LAST:
		lvt_write(l, (reg - R_LVT) >> 4, val, o);
		break;
	case R_TIMER_INIT:
		if (timer_mode(l) != TIMER_DEADLINE) {
			l->timer_init = val;
			timer_start(l);
		}
		break;
	case R_TIMER_DIV:
		l->timer_div = val & 0xb;
		break;
	case R_SELF_IPI:
		if (!x2)
			return -1;
		o->changed = accept(l, (u8)val, false);
		break;
	default:
		return -1;
	}
	return 0;
}

/* --- interrupt messages ------------------------------------------------------- */

/* Whether l is a destination in its mode (SDM 11.6.2); under its lock. */
static bool matches(const struct lapic *l, u32 dest, bool logical)
{
	u32 id = l->vcpu->id, ldr;

	if (x2apic(l)) {
		if (dest == 0xffffffff)
			return true;
		if (!logical)
			return dest == id;
		ldr = x2apic_ldr(id);
		return dest >> 16 == ldr >> 16 && (dest & ldr & 0xffff);
	}
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == id;
	ldr = l->ldr >> 24;
	if (l->dfr >> 28 == 0xf)	/* flat: a bit per APIC */
		return dest & ldr;
	return dest >> 4 == ldr >> 4 && (dest & ldr & 0xf);	/* cluster */
}

/* INIT resets the APIC as at power-on but for its base MSR, and so its
 * mode (SDM 11.4.7.3, 11.12.5.1); the vCPU waits for a start-up IPI. */
static void init(struct lapic *l)
{
	u64 base;

	spin_lock(&l->lock);
	base = l->base;
	power_on(l, true);
	l->base = base;
	spin_unlock(&l->lock);
	vcpu_signal_init(l->vcpu);
}

/* Delivers to one target. Returns whether it took the message. */
static bool deliver_one(struct lapic *t, u8 mode, u8 vector, bool level)
{
	bool took;

	switch (mode) {
	case LAPIC_DM_NMI:
		nmi(t->vcpu);
		return true;
	case LAPIC_DM_INIT:
		init(t);
		return true;
	case LAPIC_DM_STARTUP:
		vcpu_signal_sipi(t->vcpu, vector);
		return true;
	}
	spin_lock(&t->lock);
	took = accept(t, vector, level);
	spin_unlock(&t->lock);
	if (took)
		poke(t->vcpu);
	return took;
}

/* A message from `from` (NULL: the IOAPIC, an MSI) to the APICs that
 * shorthand or dest names. Called with no APIC lock held. */
static int deliver(struct lapic_dev *dev, struct lapic *from, u32 shorthand, u32 dest,
		   bool logical, u8 mode, u8 vector, bool level)
{
	int n = 0, lowest = -1;

	switch (mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
	case LAPIC_DM_NMI:
	case LAPIC_DM_INIT:
	case LAPIC_DM_STARTUP:
		break;
	default:
		return 0;
	}
	for (u32 k = 0; k < dev->vm->nvcpus; k++) {
		struct lapic *t = &dev->cpu[k];
		bool hit;

		spin_lock(&t->lock);
		hit = hw_enabled(t) && (shorthand == TO_SELF     ? t == from :
					shorthand == TO_ALL      ? true :
					shorthand == TO_OTHERS   ? t != from :
								   matches(t, dest, logical));
		spin_unlock(&t->lock);
		if (!hit)
			continue;
		if (mode == LAPIC_DM_LOWEST) {
			if (lowest < 0)
				lowest = (int)k;
			continue;
		}
		n += deliver_one(t, mode, vector, level);
	}
	if (lowest >= 0)
		n += deliver_one(&dev->cpu[lowest], LAPIC_DM_FIXED, vector, level);
	return n;
}

static void send_ipi(struct lapic *l, u32 icr, u32 dest)
{
	u8 mode = LVT_DM(icr), vector = (u8)icr;

	/* INIT de-assert (level-triggered, level 0): a no-op since the P4. */
	if (mode == LAPIC_DM_INIT && (icr & ICR_LEVEL) && !(icr & ICR_ASSERT))
		return;
	if ((mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST) && vector < 16) {
		spin_lock(&l->lock);
		error(l, ESR_SEND_ILLEGAL);
		spin_unlock(&l->lock);
		poke(l->vcpu);
		return;
	}
	deliver(l->dev, l, ICR_SHORTHAND(icr), dest, icr & ICR_LOGICAL, mode, vector, false);
}

/* What an access set off, with its APIC's lock dropped. */
static void finish(struct lapic *l, const struct outcome *o)
{
	struct lapic_dev *dev = l->dev;

	if (o->ipi)
		send_ipi(l, o->icr, o->dest);
	if (o->eoi >= 0)
		irq_eoi(dev->vm, (u8)o->eoi);
	if (o->changed)
		poke(l->vcpu);
}

int lapic_deliver(struct vm *vm, u32 dest, bool logical, u8 delivery_mode, u8 vector, bool level)
{
	struct lapic_dev *dev = vdev_state(vm, &lapic_model);

	if (!dev)
		return -1;
	return deliver(dev, NULL, TO_DEST, dest, logical, delivery_mode, vector, level);
}

void lapic_lint(struct vm *vm, u32 pin)
{
	struct lapic_dev *dev = vdev_state(vm, &lapic_model);
	u32 lvt = pin ? LVT_LINT1 : LVT_LINT0;

	if (!dev)
		return;
	for (u32 k = 0; k < vm->nvcpus; k++) {
		struct lapic *l = &dev->cpu[k];
		bool raised = false, to_nmi = false;

		spin_lock(&l->lock);
		if (!hw_enabled(l))
			to_nmi = pin == 1 && k == 0;	/* the CPU's NMI pin */
		else if (!(l->lvt[lvt] & LVT_MASKED) && LVT_DM(l->lvt[lvt]) == LAPIC_DM_NMI)
			to_nmi = true;
		else if (LVT_DM(l->lvt[lvt]) == LAPIC_DM_FIXED)
			raised = lvt_signal(l, lvt);
		spin_unlock(&l->lock);
		if (to_nmi)
			nmi(l->vcpu);
		if (raised)
			poke(l->vcpu);
	}
}

/* --- the guest's interfaces --------------------------------------------------- */

/* The APIC of the vCPU whose exit is being handled. */
static struct lapic *current(struct lapic_dev *dev)
{
	struct vcpu *v = vcpu_current();

	if (!v || v->vm != dev->vm || v->id >= dev->vm->nvcpus)
		return NULL;
	return &dev->cpu[v->id];
}

static u64 mmio_read(void *d, u64 offset, u8 size)
{
	struct lapic *l = current(d);
	u32 reg = (u32)offset & 0xff0, at = (u32)offset & 0xf, val = 0;
	u64 out = 0;

	if (!l)
		return ~0ull;
	spin_lock(&l->lock);
	if (!hw_enabled(l) || x2apic(l)) {
		out = ~0ull;
	} else if (reg_read(l, reg, &val)) {
		error(l, ESR_ILLEGAL_REG);
	} else {
		/* The slot's bytes at..at+size-1: the register is bytes 0-3. */
		for (u32 i = 0; i < size && at + i < 4; i++)
			out |= (u64)(val >> (8 * (at + i)) & 0xff) << (8 * i);
	}
	spin_unlock(&l->lock);
	return out;
}

static void mmio_write(void *d, u64 offset, u8 size, u64 val)
{
	struct lapic *l = current(d);
	struct outcome o = { .eoi = -1 };
	u32 reg = (u32)offset & 0xff0;

	if (!l || size != 4 || (offset & 0xf))
		return;
	spin_lock(&l->lock);
	if (hw_enabled(l) && !x2apic(l) && reg_write(l, reg, (u32)val, &o))
		error(l, ESR_ILLEGAL_REG);
	spin_unlock(&l->lock);
	finish(l, &o);
}

/* IA32_APIC_BASE: the transitions SDM figure 11-27 allows, disabled ->
 * xAPIC -> x2APIC -> disabled (and xAPIC -> disabled); the others, a
 * base elsewhere and reserved bits are #GP. Under lock. */
static int base_write(struct lapic *l, u64 val, struct outcome *o)
{
	bool en = val & BASE_EN, extd = val & BASE_EXTD;

	if ((val & ~(BASE_EN | BASE_EXTD | BASE_BSP)) != LAPIC_BASE)
		return -1;
	if ((extd && !en) || (x2apic(l) && en && !extd) || (!hw_enabled(l) && extd))
		return -1;
	if (!en && hw_enabled(l))
		power_on(l, false);	/* off: as at power-on when it comes back */
	l->base = (l->base & BASE_BSP) | LAPIC_BASE | (en ? BASE_EN : 0) | (extd ? BASE_EXTD : 0);
	o->changed = true;
	return 0;
}

static int msr_read(void *d, u32 msr, u64 *val)
{
	struct lapic *l = current(d);
	u32 lo = 0;
	int r = 0;

	if (!l)
		return -1;
	spin_lock(&l->lock);
	if (msr == MSR_APIC_BASE)
		*val = l->base;
	else if (msr == MSR_TSC_DEADLINE)
		*val = timer_mode(l) == TIMER_DEADLINE ? l->deadline : 0;
	else if (!x2apic(l) || reg_read(l, (msr - MSR_X2APIC) << 4, &lo))
		r = -1;
	else
		*val = lo | (msr == MSR_X2APIC_ICR ? (u64)l->icr_dest << 32 : 0);
	spin_unlock(&l->lock);
	return r;
}

/* An x2APIC register write: 32 bits (ICR: 64), no reserved bit set. Under lock. */
static int x2apic_write(struct lapic *l, u32 msr, u64 val, struct outcome *o)
{
	u32 reg = (msr - MSR_X2APIC) << 4;

	if (!x2apic(l))
		return -1;
	if ((msr != MSR_X2APIC_ICR && val >> 32) || ((u32)val & ~writable(reg)))
		return -1;
	if (reg == R_LVT && ((u32)val >> 17 & 3) == TIMER_RESERVED)
		return -1;
	if (msr == MSR_X2APIC_ICR)
		l->icr_dest = (u32)(val >> 32);
	return reg_write(l, reg, (u32)val, o);
}

static int msr_write(void *d, u32 msr, u64 val)
{
	struct lapic *l = current(d);
	struct outcome o = { .eoi = -1 };
	int r = 0;

	if (!l)
		return -1;
	spin_lock(&l->lock);
	if (msr == MSR_APIC_BASE)
		r = base_write(l, val, &o);
	else if (msr == MSR_TSC_DEADLINE)
		deadline_write(l, val);
	else
		r = x2apic_write(l, msr, val, &o);
	spin_unlock(&l->lock);
	finish(l, &o);
	return r;
}

/* --- the device ----------------------------------------------------------------- */

static void reset(struct vdev *d)
{
	struct lapic_dev *dev = d->state;

	for (u32 k = 0; k < d->vm->nvcpus; k++) {
		struct lapic *l = &dev->cpu[k];

		spin_lock(&l->lock);
		power_on(l, true);
		spin_unlock(&l->lock);
	}
}

static int attach(struct vdev *d)
{
	struct vm *vm = d->vm;
	struct lapic_dev *dev = vdev_state_alloc(d, sizeof(*dev));
	const struct io_region page = { LAPIC_BASE, LAPIC_SIZE, mmio_read, mmio_write, dev };
	const struct msr_region msrs[] = {
		{ MSR_APIC_BASE, 1, msr_read, msr_write, dev },
		{ MSR_TSC_DEADLINE, 1, msr_read, msr_write, dev },
		{ MSR_X2APIC, MSR_X2APIC_COUNT, msr_read, msr_write, dev },
	};

	if (!dev)
		return -1;
	dev->vm = vm;
	if (gmem_is_ram(&vm->mem, LAPIC_BASE, LAPIC_SIZE) || io_bus_register(&vm->mmio, &page)) {
		printk("vm %s: the local APIC's page is RAM or taken\n", vm->name);
		return -1;
	}
	for (u32 i = 0; i < ARRAY_SIZE(msrs); i++) {
		if (msr_bus_register(&vm->msrs, &msrs[i])) {
			printk("vm %s: the local APIC's MSRs are taken\n", vm->name);
			return -1;
		}
	}
	for (u32 k = 0; k < vm->nvcpus; k++) {
		struct lapic *l = &dev->cpu[k];

		l->dev = dev;
		l->vcpu = vm->vcpu[k];
		timer_init(&l->timer, timer_fire);
		l->src = (struct intr_source){ src_pending, src_take, l };
		vm->vcpu[k]->events.src = &l->src;
	}
	vm->cpuid1_ecx |= CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE;
	vm->cpuid1_edx |= CPUID1_EDX_APIC;
	reset(d);
	return 0;
}

static void lapic_free(struct vdev *d)
{
	struct lapic_dev *dev = d->state;
	struct vm *vm = d->vm;

	if (!dev)
		return;
	for (u32 k = 0; k < vm->nvcpus && dev->cpu[k].vcpu; k++) {
		timer_cancel(&dev->cpu[k].timer);
		if (vm->vcpu[k]->events.src == &dev->cpu[k].src)
			vm->vcpu[k]->events.src = NULL;
	}
	vm->cpuid1_ecx &= ~(CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE);
	vm->cpuid1_edx &= ~CPUID1_EDX_APIC;
}

const struct vdev_model lapic_model = {
	.name = "lapic",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
	.free = lapic_free,
};
VDEV_MODEL(lapic_model);
