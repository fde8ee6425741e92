/* Host tests for the local APIC (hv/vdev/lapic.c) over the fake back end
 * (fake_hv.h), in a VM of two vCPUs made as lucid.cfg makes one: its
 * registers through the xAPIC page and the x2APIC MSRs, IA32_APIC_BASE's
 * mode transitions and the #GP cases, the timer in its three modes at the
 * fake TSC, acceptance by priority (TPR, PPR, ISR, EOI, TMR), IPIs, the
 * 8259 pair's ExtINT through LINT0, NMIs through LINT1, each vCPU's
 * interrupt source, CPUID and reset. vcpu_current is the test's: the vCPU
 * whose exit the access stands for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "hv/core/timer.h"
#include "hv/exits/cpuid.h"
#include "hv/exits/msr.h"
#include "hv/vdev/irq.h"
#include "hv/vdev/lapic.h"

#define APIC LAPIC_BASE
#define X2(reg) (0x800u + ((reg) >> 4))
#define APIC_BASE_MSR 0x1bu
#define TSC_DEADLINE 0x6e0u
#define EN (1ull << 11)
#define EXTD (1ull << 10)
#define BSP (1ull << 8)

enum {
	ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0, LDR = 0xd0,
	DFR = 0xe0, SVR = 0xf0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280, ICR = 0x300,
	ICR_HI = 0x310, LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340,
	LVT_LINT0 = 0x350, LVT_LINT1 = 0x360, LVT_ERROR = 0x370, TMICT = 0x380, TMCCT = 0x390,
	TDCR = 0x3e0, SELF_IPI = 0x3f0,
};

static struct vm *vm, *bare;	/* platform pc (2 vCPUs), platform none */
static struct vcpu *v0, *v1, *cur;

struct vcpu *__wrap_vcpu_current(void);
struct vcpu *__wrap_vcpu_current(void)
{
	return cur;
}

static int setup(void **state)
{
	(void)state;
	if (host_init(2))
		return -1;
	fake_tsc = 1000000;
	host_set_cpu(0);
	timer_cpu_init();
	vm = host_pc_vm("apic", 2, MiB(1), true);
	bare = host_vm("bare", 1, MiB(1), 0, true);	/* platform none */
	v0 = vm->vcpu[0];
	v1 = vm->vcpu[1];
	return 0;
}

static int before_each(void **state)
{
	(void)state;
	host_test_start();
	host_set_cpu(0);
	vdev_reset_all(vm);
	for (u32 i = 0; i < 2; i++)
		events_reset(&vm->vcpu[i]->events);
	vm->irq.extint = NULL;
	cur = v0;
	return 0;
}

/* --- access helpers --------------------------------------------------------- */

static u32 rd(u32 reg)
{
	return (u32)io_bus_read(&vm->mmio, APIC + reg, 4);
}

static void wr(u32 reg, u32 val)
{
	io_bus_write(&vm->mmio, APIC + reg, 4, val);
}

/* RDMSR/WRMSR as cur does them: 0, or -1 for #GP (which is then dropped). */
static int rdmsr_(u32 msr, u64 *val)
{
	struct exit_record x = { .reason = EXIT_MSR_READ, .msr = { msr, 0 } };
	enum exit_action a = msr_read_exit(cur, &x);

	if (a == ACT_INJECT) {
		assert_int_equal(cur->events.exc.vector, EXC_GP);
		events_reset(&cur->events);
		return -1;
	}
	assert_int_equal(a, ACT_SKIP);
	*val = (u32)cur->regs.gpr[REG_RAX] | cur->regs.gpr[REG_RDX] << 32;
	return 0;
}

static int wrmsr_(u32 msr, u64 val)
{
	struct exit_record x = { .reason = EXIT_MSR_WRITE, .msr = { msr, val } };
	enum exit_action a = msr_write_exit(cur, &x);

	if (a == ACT_INJECT && cur->events.exc.type == EV_EXCEPTION) {
		assert_int_equal(cur->events.exc.vector, EXC_GP);
		events_reset(&cur->events);
		return -1;
	}
	assert_int_equal(a, ACT_SKIP);
	return 0;
}

static u64 msr(u32 m)
{
	u64 val = 0;

	assert_int_equal(rdmsr_(m, &val), 0);
	return val;
}

static void to_x2apic(void)
{
	assert_int_equal(wrmsr_(APIC_BASE_MSR, APIC | EN | EXTD | (cur == v0 ? BSP : 0)), 0);
}

static int pending(struct vcpu *v)
{
	return v->events.src->pending(v->events.src->ctl);
}

static int take(struct vcpu *v)
{
	return v->events.src->take(v->events.src->ctl);
}

static void enable(void)
{
	wr(SVR, 0x1ff);
}

/* The timer interrupt at the fake's time, then the loop's look. */
static void run_timers(void)
{
	struct trap_frame f = { 0 };

	fake_handler(VEC_TIMER)(&f);
	if (timer_due())
		timer_run_expired();
}

/* --- registers ---------------------------------------------------------------- */

/* The power-on state (SDM 11.4.7.1), and IA32_APIC_BASE with the BSP bit
 * for vCPU 0 only. */
static void test_power_on(void **state)
{
	(void)state;
	assert_int_equal(msr(APIC_BASE_MSR), APIC | EN | BSP);
	assert_int_equal(rd(ID), 0);
	assert_int_equal(rd(VER), 0x50014);
	assert_int_equal(rd(SVR), 0xff);
	assert_int_equal(rd(DFR), 0xffffffff);
	assert_int_equal(rd(TPR) | rd(LDR) | rd(PPR) | rd(ESR) | rd(ICR) | rd(TMICT), 0);
	for (u32 r = LVT_TIMER; r <= LVT_ERROR; r += 0x10)
		if (r != LVT_LINT0)
			assert_int_equal(rd(r), 1u << 16);
	assert_int_equal(rd(LVT_LINT0), 0x700);	/* vCPU 0: virtual wire */
	cur = v1;
	assert_int_equal(msr(APIC_BASE_MSR), APIC | EN);
	assert_int_equal(rd(ID), 1u << 24);
	assert_int_equal(rd(LVT_LINT0), 1u << 16);
	assert_true(v0->events.src->ctl != v1->events.src->ctl);
	assert_string_equal(host_log(), "");
}

/* Each register's writable bits over MMIO; read-only ones ignore writes;
 * LVTs stay masked while the APIC is software-disabled. */
static void test_xapic_registers(void **state)
{
	(void)state;
	wr(LVT_TIMER, 0x20);		/* software-disabled: stays masked */
	assert_int_equal(rd(LVT_TIMER), 0x10020);
	wr(SVR, 0xffffffff);
	assert_int_equal(rd(SVR), 0x3ff);
	wr(TPR, 0x1234);
	assert_int_equal(rd(TPR), 0x34);
	assert_int_equal(rd(PPR), 0x34);
	wr(LDR, 0xffffffff);
	assert_int_equal(rd(LDR), 0xff000000);
	wr(DFR, 0);
	assert_int_equal(rd(DFR), 0x0fffffff);
	wr(ID, 0x5000000);
	wr(VER, 0);
	wr(PPR, 0xff);
	assert_int_equal(rd(ID), 0);
	assert_int_equal(rd(VER), 0x50014);
	const u32 lvt_bits[] = { 0x700ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff };
	for (u32 i = 0; i < 6; i++) {
		wr(LVT_TIMER + i * 0x10, 0xffffffff);
		assert_int_equal(rd(LVT_TIMER + i * 0x10), i ? lvt_bits[i] : 0x300ff);
	}
	wr(TDCR, 0xffffffff);
	assert_int_equal(rd(TDCR), 0xb);
	wr(ICR_HI, 0xffffffff);
	assert_int_equal(rd(ICR_HI), 0xff000000);
	for (u32 i = 0; i < 6; i++)
		wr(LVT_TIMER + i * 0x10, 0x20);
	assert_int_equal(rd(LVT_ERROR), 0x20);
	wr(SVR, 0xff);			/* off again: every LVT masked */
	for (u32 i = 0; i < 6; i++)
		assert_true(rd(LVT_TIMER + i * 0x10) & (1u << 16));
}

/* A register is the first 4 bytes of its slot: other reads see its
 * bytes or zeros, other writes are dropped; a reserved register reads 0
 * and sets ESR's illegal-register bit. */
static void test_xapic_odd_accesses(void **state)
{
	(void)state;
	enable();
	wr(TPR, 0x5a);
	assert_int_equal(io_bus_read(&vm->mmio, APIC + TPR, 1), 0x5a);
	assert_int_equal(io_bus_read(&vm->mmio, APIC + VER + 1, 2), 0x0500);
	assert_int_equal(io_bus_read(&vm->mmio, APIC + VER, 8), 0x50014);
	assert_int_equal(io_bus_read(&vm->mmio, APIC + TPR + 4, 4), 0);
	io_bus_write(&vm->mmio, APIC + TPR, 1, 0x11);
	io_bus_write(&vm->mmio, APIC + TPR + 4, 4, 0x11);
	io_bus_write(&vm->mmio, APIC + TPR, 8, 0x11);
	assert_int_equal(rd(TPR), 0x5a);
	assert_int_equal(rd(0x400), 0);
	wr(0xc0, 1);
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0x80);
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0);
}

/* IA32_APIC_BASE: xAPIC -> x2APIC -> disabled -> xAPIC; the rest #GP. */
static void test_mode_transitions(void **state)
{
	u64 val;

	(void)state;
	assert_int_equal(wrmsr_(APIC_BASE_MSR, 0xfed00000 | EN | BSP), -1);	/* moved */
	assert_int_equal(wrmsr_(APIC_BASE_MSR, APIC | EN | BSP | 1), -1);	/* reserved */
	assert_int_equal(wrmsr_(APIC_BASE_MSR, APIC | EXTD | BSP), -1);	/* invalid */
	assert_int_equal(rdmsr_(X2(ID), &val), -1);	/* x2APIC MSRs in xAPIC mode */
	assert_int_equal(wrmsr_(X2(TPR), 0), -1);
	enable();
	wr(TPR, 0x20);
	to_x2apic();
	assert_int_equal(msr(APIC_BASE_MSR), APIC | EN | EXTD | BSP);
	assert_int_equal(msr(X2(TPR)), 0x20);		/* state kept */
	assert_int_equal(rd(TPR), 0xffffffff);		/* the page is gone */
	assert_int_equal(wrmsr_(APIC_BASE_MSR, APIC | EN | BSP), -1);	/* x2APIC -> xAPIC */
	assert_int_equal(wrmsr_(APIC_BASE_MSR, APIC | BSP), 0);		/* -> disabled */
	assert_int_equal(rdmsr_(X2(ID), &val), -1);
	assert_int_equal(rd(SVR), 0xffffffff);
	assert_int_equal(wrmsr_(APIC_BASE_MSR, APIC | EN | EXTD | BSP), -1);	/* disabled -> x2 */
	assert_int_equal(wrmsr_(APIC_BASE_MSR, APIC | EN), 0);	/* BSP is lucid's */
	assert_int_equal(msr(APIC_BASE_MSR), APIC | EN | BSP);
	assert_int_equal(rd(SVR), 0xff);	/* back from disabled: power-on state */
	assert_int_equal(rd(TPR), 0);
}

/* The x2APIC registers as MSRs and their #GP rules. */
static void test_x2apic_registers(void **state)
{
	u64 val;

	(void)state;
	cur = v1;
	to_x2apic();
	assert_int_equal(msr(X2(ID)), 1);
	assert_int_equal(msr(X2(LDR)), 0x2);	/* cluster 0, bit 1 */
	assert_int_equal(msr(X2(VER)), 0x50014);
	assert_int_equal(wrmsr_(X2(SVR), 0x1ff), 0);
	assert_int_equal(msr(X2(SVR)), 0x1ff);
	assert_int_equal(wrmsr_(X2(SVR), 0x11ff), -1);	/* EOI suppression: reserved */
	assert_int_equal(wrmsr_(X2(TPR), 0x30), 0);
	assert_int_equal(msr(X2(TPR)), 0x30);
	assert_int_equal(msr(X2(PPR)), 0x30);
	assert_int_equal(wrmsr_(X2(TPR), 0x100), -1);
	assert_int_equal(wrmsr_(X2(TPR), 1ull << 32), -1);
	/* Read-only, absent in x2APIC mode, write-only, reserved. */
	const u32 ro[] = { ID, VER, PPR, LDR, ISR, TMR + 0x70, IRR, TMCCT };
	for (u32 i = 0; i < ARRAY_SIZE(ro); i++)
		assert_int_equal(wrmsr_(X2(ro[i]), 0), -1);
	const u32 absent[] = { APR, DFR, ICR_HI, EOI, SELF_IPI, 0xc0, 0x2f0, 0x3a0, 0xff0 };
	for (u32 i = 0; i < ARRAY_SIZE(absent); i++)
		assert_int_equal(rdmsr_(X2(absent[i]), &val), -1);
	assert_int_equal(wrmsr_(X2(DFR), 0), -1);
	assert_int_equal(wrmsr_(X2(0x2f0), 0), -1);
	assert_int_equal(wrmsr_(X2(EOI), 1), -1);
	assert_int_equal(wrmsr_(X2(ESR), 1), -1);
	assert_int_equal(wrmsr_(X2(ESR), 0), 0);
	assert_int_equal(wrmsr_(X2(LVT_TIMER), 0x60020), -1);	/* timer mode 3 */
	assert_int_equal(wrmsr_(X2(LVT_ERROR), 0x10720), -1);
	assert_int_equal(wrmsr_(X2(LVT_LINT1), 0x400), 0);
	assert_int_equal(msr(X2(LVT_LINT1)), 0x400);
	assert_int_equal(wrmsr_(X2(TDCR), 0x4), -1);
	assert_int_equal(wrmsr_(X2(TDCR), 0xb), 0);
	assert_int_equal(msr(X2(TDCR)), 0xb);
	assert_int_equal(wrmsr_(X2(ICR), 0x1000ull | 0x30), -1);	/* delivery status */
	assert_int_equal(wrmsr_(X2(SELF_IPI), 0x100), -1);
}

/* CPUID shows APIC, x2APIC and TSC deadline when the VM has the device,
 * not when it has none; 1:EBX gives each vCPU's APIC ID. */
static void test_cpuid(void **state)
{
	struct exit_record x = { .reason = EXIT_CPUID, .cpuid = { 1, 0 } };

	(void)state;
	cpuid_init();
	cpuid_exit(v1, &x);
	assert_true(v1->regs.gpr[REG_RDX] & (1u << 9));
	assert_true(v1->regs.gpr[REG_RCX] & (1u << 21));
	assert_true(v1->regs.gpr[REG_RCX] & (1u << 24));
	assert_int_equal(v1->regs.gpr[REG_RBX] >> 24, 1);
	cpuid_exit(bare->vcpu[0], &x);
	assert_false(bare->vcpu[0]->regs.gpr[REG_RDX] & (1u << 9));
	assert_false(bare->vcpu[0]->regs.gpr[REG_RCX] & (1u << 21 | 1u << 24));
	assert_null(bare->vcpu[0]->events.src);
	assert_null(msr_bus_find(&bare->msrs, APIC_BASE_MSR));
}

/* --- acceptance ------------------------------------------------------------------ */

/* Vectors wait in IRR; the highest whose class is above PPR goes; take
 * moves it to ISR, which raises PPR; EOI retires the highest in service. */
static void test_priority_and_eoi(void **state)
{
	(void)state;
	assert_int_equal(pending(v0), -1);
	enable();
	assert_int_equal(lapic_deliver(vm, 0, false, LAPIC_DM_FIXED, 0x41, false), 1);
	assert_int_equal(lapic_deliver(vm, 0, false, LAPIC_DM_FIXED, 0x35, false), 1);
	assert_int_equal(rd(IRR + 0x20), 1u << 1);
	assert_int_equal(rd(IRR + 0x10), 1u << 21);
	assert_int_equal(rd(APR), 0x40);
	wr(TPR, 0x40);			/* blocks class 4 and below */
	assert_int_equal(pending(v0), -1);
	assert_int_equal(take(v0), -1);
	wr(TPR, 0x3f);
	assert_int_equal(pending(v0), 0x41);
	assert_int_equal(take(v0), 0x41);
	assert_int_equal(rd(ISR + 0x20), 1u << 1);
	assert_int_equal(rd(PPR), 0x40);
	wr(TPR, 0x4a);			/* the same class as in service: TPR */
	assert_int_equal(rd(PPR), 0x4a);
	wr(TPR, 0x3f);
	assert_int_equal(pending(v0), -1);	/* 0x35 is below */
	assert_int_equal(lapic_deliver(vm, 0, false, LAPIC_DM_FIXED, 0x52, false), 1);
	assert_int_equal(take(v0), 0x52);	/* nests above */
	assert_int_equal(rd(ISR + 0x20), 1u << 1 | 1u << 18);
	assert_int_equal(rd(PPR), 0x50);
	wr(EOI, 0);
	assert_int_equal(rd(ISR + 0x20), 1u << 1);
	wr(EOI, 0);
	assert_int_equal(rd(PPR), 0x3f);
	wr(TPR, 0);
	assert_int_equal(take(v0), 0x35);
	wr(EOI, 0);
	wr(EOI, 0);			/* nothing in service: nothing happens */
	assert_int_equal(rd(PPR), 0);
	assert_true(events_pending(&v0->events));
	/* Illegal vectors are refused, with an error. */
	assert_int_equal(lapic_deliver(vm, 0, false, LAPIC_DM_FIXED, 7, false), 0);
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0x40);
}

static u8 eoi_seen[4];
static u32 eois;
static void eoi_heard(void *ctl, u8 vector)
{
	assert_ptr_equal(ctl, &eois);
	eoi_seen[eois++ % 4] = vector;
}

static void no_line(void *ctl, u32 line, bool level)
{
	(void)ctl;
	(void)line;
	(void)level;
}

/* Level-triggered vectors set TMR; their EOI goes to the VM's interrupt
 * controllers (irq_eoi), an edge-triggered one's does not. */
static void test_tmr_and_eoi(void **state)
{
	const struct irq_controller heard = { no_line, &eois, 0, eoi_heard };

	(void)state;
	eois = 0;
	assert_int_equal(irq_controller_add(vm, &heard), 0);
	enable();
	lapic_deliver(vm, 0, false, LAPIC_DM_FIXED, 0x61, true);
	lapic_deliver(vm, 0, false, LAPIC_DM_FIXED, 0x50, false);
	assert_int_equal(rd(TMR + 0x30), 1u << 1);
	assert_int_equal(take(v0), 0x61);
	wr(EOI, 0);
	assert_int_equal(eois, 1);
	assert_int_equal(eoi_seen[0], 0x61);
	assert_int_equal(take(v0), 0x50);
	wr(EOI, 0);
	assert_int_equal(eois, 1);
	irq_controller_remove(vm, &eois);
}

/* A software-disabled APIC takes nothing; a hardware-disabled one
 * neither, and vCPU 0 then sees only the 8259's INTA. */
static int ext_vector = -1;
static u32 ext_takes;
static int ext_pending(void *ctl)
{
	(void)ctl;
	return ext_vector;
}
static int ext_take(void *ctl)
{
	int v = ext_vector;

	(void)ctl;
	ext_takes++;
	ext_vector = -1;
	return v;
}
static const struct intr_source extint = { ext_pending, ext_take, NULL };

static void test_extint(void **state)
{
	(void)state;
	vm->irq.extint = &extint;
	ext_vector = 0x08;
	ext_takes = 0;
	/* vCPU 0's LINT0 starts in ExtINT mode: the PIC comes through even
	 * while the APIC is software-disabled, and before the APIC's own. */
	assert_int_equal(pending(v0), 0x08);
	assert_int_equal(pending(v1), -1);
	enable();
	lapic_deliver(vm, 0, false, LAPIC_DM_FIXED, 0x80, false);
	wr(TPR, 0xf0);
	assert_int_equal(take(v0), 0x08);
	assert_int_equal(ext_takes, 1);
	wr(TPR, 0);
	assert_int_equal(take(v0), 0x80);	/* the PIC has nothing: the APIC's */
	wr(EOI, 0);
	/* LINT0 masked: the PIC is not asked. */
	ext_vector = 0x09;
	wr(LVT_LINT0, 0x10700);
	assert_int_equal(pending(v0), -1);
	wr(LVT_LINT0, 0x700);
	assert_int_equal(pending(v0), 0x09);
	/* Hardware-disabled: only the PIC, for vCPU 0. */
	wrmsr_(APIC_BASE_MSR, APIC | BSP);
	assert_int_equal(rd(LVT_LINT0), 0xffffffff);
	assert_int_equal(lapic_deliver(vm, 0, false, LAPIC_DM_FIXED, 0x80, false), 0);
	assert_int_equal(pending(v0), 0x09);
	ext_vector = -1;
	assert_int_equal(pending(v0), -1);
	vm->irq.extint = NULL;
}

/* LINT1 in NMI mode raises an NMI; so does the pin into a disabled APIC's
 * vCPU 0. Fixed mode sets the vector. */
static void test_lint1_nmi(void **state)
{
	(void)state;
	lapic_lint(vm, 1);		/* masked everywhere */
	assert_false(v0->events.nmi);
	enable();
	wr(LVT_LINT1, 0x400);
	lapic_lint(vm, 1);
	assert_true(v0->events.nmi);
	assert_false(v1->events.nmi);
	events_reset(&v0->events);
	wr(LVT_LINT1, 0x77);
	lapic_lint(vm, 1);
	assert_false(v0->events.nmi);
	assert_int_equal(take(v0), 0x77);
	wrmsr_(APIC_BASE_MSR, APIC | BSP);
	lapic_lint(vm, 1);
	assert_true(v0->events.nmi);
}

/* --- IPIs -------------------------------------------------------------------- */

static void test_ipis(void **state)
{
	(void)state;
	cur = v1;
	enable();
	wr(LDR, 0x02000000);
	cur = v0;
	enable();
	wr(LDR, 0x01000000);
	/* Physical, to vCPU 1, from vCPU 0: IRR under vCPU 1's lock, a kick. */
	wr(ICR_HI, 1u << 24);
	wr(ICR, 0x4040);
	assert_int_equal(rd(ICR), 0x4040);	/* delivery status idle */
	assert_int_equal(pending(v1), 0x40);
	assert_int_equal(pending(v0), -1);
	assert_true(events_pending(&v1->events));
	assert_int_equal(take(v1), 0x40);
	/* Self by shorthand, all-but-self, all. */
	wr(ICR, 0x40000 | 0x51);
	assert_int_equal(take(v0), 0x51);
	assert_int_equal(pending(v1), -1);
	wr(ICR, 0xc0000 | 0x52);
	assert_int_equal(pending(v0), -1);
	assert_int_equal(take(v1), 0x52);
	wr(ICR, 0x80000 | 0x63);
	assert_int_equal(take(v0), 0x63);
	assert_int_equal(take(v1), 0x63);
	/* Logical flat, then cluster. */
	wr(ICR_HI, 0x03u << 24);
	wr(ICR, 0x800 | 0x71);
	assert_int_equal(take(v0), 0x71);
	assert_int_equal(take(v1), 0x71);
	cur = v1;
	wr(DFR, 0x0fffffff);
	wr(LDR, 0x12000000);	/* cluster 1, bit 1 */
	wr(ICR_HI, 0x12u << 24);
	wr(ICR_HI, 0x22u << 24);	/* cluster 2: not vCPU 1's */
	wr(ICR, 0x800 | 0x82);
	assert_int_equal(pending(v1), -1);
	wr(ICR_HI, 0x12u << 24);
	wr(ICR, 0x800 | 0x82);
	assert_int_equal(take(v1), 0x82);
	assert_int_equal(pending(v0), -1);
	/* Lowest priority: to the lowest-numbered target. */
	wr(ICR_HI, 0xffu << 24);
	wr(ICR, 0x100 | 0x93);
	assert_int_equal(rd(IRR + 0x40), 0);
	cur = v0;
	assert_int_equal(rd(IRR + 0x40), 1u << 19);
	cur = v1;
	/* NMI to vCPU 0. */
	wr(ICR_HI, 0);
	wr(ICR, 0x400);
	assert_true(v0->events.nmi);
	/* An illegal vector: the sender's error, nothing sent. */
	wr(ICR, 0x05);
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0x20);
}

/* INIT resets the target's APIC (not its base, so not its mode) and
 * sends its vCPU to wait for a start-up IPI; STARTUP carries a vector;
 * the INIT de-assert does nothing; shorthands reach them as any IPI. */
static void test_init_startup(void **state)
{
	(void)state;
	cur = v0;
	enable();
	wr(TPR, 0x20);
	cur = v1;
	enable();
	wr(ICR_HI, 0);
	wr(ICR, 0x8500);			/* INIT de-assert: level, level 0 */
	assert_int_equal(v0->signals, 0);
	wr(ICR, 0x4500);			/* INIT to APIC 0 */
	assert_int_equal(v0->signals, VCPU_SIG_INIT);
	assert_int_equal(v1->signals, 0);
	cur = v0;
	assert_int_equal(rd(TPR), 0);
	assert_int_equal(rd(SVR), 0xff);	/* software-disabled, as at power-on */
	assert_int_equal(msr(APIC_BASE_MSR), APIC | EN | BSP);
	cur = v1;
	wr(ICR, 0x4600 | 0x9a);			/* STARTUP, vector 0x9a */
	assert_int_equal(v0->signals, VCPU_SIG_INIT | VCPU_SIG_SIPI);
	assert_int_equal(v0->sipi_vector, 0x9a);
	v0->signals = 0;
	/* All but self; in x2APIC mode the target stays in x2APIC mode. */
	cur = v0;
	to_x2apic();
	cur = v1;
	wr(ICR, 0xc0000 | 0x4500);
	assert_int_equal(v0->signals, VCPU_SIG_INIT);
	assert_int_equal(v1->signals, 0);
	cur = v0;
	assert_int_equal(msr(APIC_BASE_MSR), APIC | EN | EXTD | BSP);
	v0->signals = 0;
}

/* x2APIC: a 64-bit ICR write, physical and cluster destinations, SELF_IPI. */
static void test_x2apic_ipis(void **state)
{
	(void)state;
	cur = v1;
	to_x2apic();
	wrmsr_(X2(SVR), 0x1ff);
	cur = v0;
	to_x2apic();
	wrmsr_(X2(SVR), 0x1ff);
	assert_int_equal(wrmsr_(X2(ICR), 1ull << 32 | 0x44), 0);
	assert_int_equal(msr(X2(ICR)), 1ull << 32 | 0x44);
	assert_int_equal(take(v1), 0x44);
	assert_int_equal(wrmsr_(X2(ICR), 0x3ull << 32 | 0x800 | 0x55), 0);	/* cluster 0 */
	assert_int_equal(take(v0), 0x55);
	assert_int_equal(take(v1), 0x55);
	assert_int_equal(wrmsr_(X2(ICR), 0x10002ull << 32 | 0x800 | 0x66), 0);	/* cluster 1 */
	assert_int_equal(pending(v1), -1);
	assert_int_equal(wrmsr_(X2(SELF_IPI), 0x77), 0);
	assert_int_equal(take(v0), 0x77);
	assert_int_equal(pending(v1), -1);
	/* An 8-bit broadcast is no broadcast in x2APIC mode. */
	assert_int_equal(lapic_deliver(vm, 0xff, false, LAPIC_DM_FIXED, 0x48, false), 0);
	assert_int_equal(lapic_deliver(vm, 0xffffffff, false, LAPIC_DM_FIXED, 0x48, false), 2);
}

/* --- the timer ----------------------------------------------------------------- */

/* One-shot: counts down at the TSC rate / divisor, fires once into the
 * LVT's vector unless masked, then reads 0. */
static void test_timer_oneshot(void **state)
{
	(void)state;
	enable();
	wr(LVT_TIMER, 0x30);
	wr(TDCR, 0x1);			/* divide by 4 */
	wr(TMICT, 1000);
	assert_int_equal(rd(TMICT), 1000);
	assert_int_equal(rd(TMCCT), 1000);
	fake_tsc += 400;
	assert_int_equal(rd(TMCCT), 900);
	fake_tsc += 3599;
	run_timers();
	assert_int_equal(pending(v0), -1);
	assert_int_equal(rd(TMCCT), 0);	/* 1 cycle left: less than a tick */
	fake_tsc += 1;
	run_timers();
	assert_int_equal(take(v0), 0x30);
	assert_int_equal(rd(TMCCT), 0);
	wr(EOI, 0);
	fake_tsc += 100000;
	run_timers();
	assert_int_equal(pending(v0), -1);
	/* Masked: counts, delivers nothing. */
	wr(LVT_TIMER, 0x10030);
	wr(TMICT, 10);
	fake_tsc += 1000;
	run_timers();
	assert_int_equal(pending(v0), -1);
	/* A new count cancels the old; count 0 stops it. */
	wr(LVT_TIMER, 0x30);
	wr(TDCR, 0xb);			/* divide by 1 */
	wr(TMICT, 100);
	wr(TMICT, 0);
	fake_tsc += 1000;
	run_timers();
	assert_int_equal(pending(v0), -1);
}

/* Periodic: fires every period counted from the start (no drift); the
 * current count wraps. */
static void test_timer_periodic(void **state)
{
	u64 start;

	(void)state;
	enable();
	wr(LVT_TIMER, 0x20000 | 0x31);
	wr(TDCR, 0xb);
	start = fake_tsc;
	wr(TMICT, 200000);		/* 200 us at 1 GHz */
	for (u32 i = 1; i <= 3; i++) {
		fake_tsc = start + i * 200000 + 1234;	/* each look late */
		assert_int_equal(rd(TMCCT), 200000 - 1234);
		run_timers();
		assert_int_equal(take(v0), 0x31);
		wr(EOI, 0);
	}
	fake_tsc = start + 4 * 200000 - 1;
	run_timers();
	assert_int_equal(pending(v0), -1);
	/* Missed periods: one interrupt, then on the grid again. */
	fake_tsc = start + 10 * 200000 + 5;
	run_timers();
	assert_int_equal(take(v0), 0x31);
	wr(EOI, 0);
	fake_tsc = start + 11 * 200000;
	run_timers();
	assert_int_equal(take(v0), 0x31);
	wr(EOI, 0);
	/* Too short a period is stretched to 100 us. */
	wr(TMICT, 10);
	start = fake_tsc;
	fake_tsc += 10;
	run_timers();
	assert_int_equal(take(v0), 0x31);
	fake_tsc = start + 50000;
	run_timers();
	assert_int_equal(pending(v0), -1);
	fake_tsc = start + 10 + 100000;
	run_timers();
	assert_int_equal(pending(v0), -1);	/* in service: class blocks itself */
	wr(EOI, 0);
	assert_int_equal(take(v0), 0x31);
}

/* TSC deadline, in guest TSC units: fires once at the deadline; the MSR
 * is ignored in other modes; TMICT is ignored in this one. */
static void test_timer_deadline(void **state)
{
	u64 guest_now;

	(void)state;
	enable();
	assert_int_equal(wrmsr_(TSC_DEADLINE, 5), 0);	/* not in deadline mode */
	assert_int_equal(msr(TSC_DEADLINE), 0);
	wr(TMICT, 500);
	wr(LVT_TIMER, 0x40000 | 0x32);
	assert_int_equal(rd(TMICT), 0);		/* stopped by the mode change */
	wr(TMICT, 500);
	assert_int_equal(rd(TMICT), 0);
	guest_now = fake_tsc - vm->tsc_base;
	assert_int_equal(wrmsr_(TSC_DEADLINE, guest_now + 5000), 0);
	assert_int_equal(msr(TSC_DEADLINE), guest_now + 5000);
	fake_tsc += 4999;
	run_timers();
	assert_int_equal(pending(v0), -1);
	fake_tsc += 1;
	run_timers();
	assert_int_equal(take(v0), 0x32);
	assert_int_equal(msr(TSC_DEADLINE), 0);
	wr(EOI, 0);
	/* In the past: at once; 0 disarms; a huge one never comes. */
	wrmsr_(TSC_DEADLINE, 1);
	run_timers();
	assert_int_equal(take(v0), 0x32);
	wr(EOI, 0);
	wrmsr_(TSC_DEADLINE, guest_now + 100000);
	wrmsr_(TSC_DEADLINE, 0);
	fake_tsc += 200000;
	run_timers();
	assert_int_equal(pending(v0), -1);
	wrmsr_(TSC_DEADLINE, ~0ull);
	fake_tsc += 200000;
	run_timers();
	assert_int_equal(pending(v0), -1);
	/* Out of deadline mode the deadline is gone. */
	wr(LVT_TIMER, 0x32);
	assert_int_equal(msr(TSC_DEADLINE), 0);
}

/* Reset: registers at power-on, timers cancelled, IRR empty. */
static void test_reset(void **state)
{
	(void)state;
	enable();
	wr(LVT_TIMER, 0x30);
	wr(TMICT, 100);
	lapic_deliver(vm, 0, false, LAPIC_DM_FIXED, 0x90, false);
	cur = v1;
	to_x2apic();
	vdev_reset_all(vm);
	assert_int_equal(msr(APIC_BASE_MSR), APIC | EN);
	cur = v0;
	assert_int_equal(rd(SVR), 0xff);
	assert_int_equal(rd(IRR + 0x40), 0);
	assert_int_equal(pending(v0), -1);
	fake_tsc += 1000;
	run_timers();
	assert_int_equal(pending(v0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_power_on, before_each),
		cmocka_unit_test_setup(test_xapic_registers, before_each),
		cmocka_unit_test_setup(test_xapic_odd_accesses, before_each),
		cmocka_unit_test_setup(test_mode_transitions, before_each),
		cmocka_unit_test_setup(test_x2apic_registers, before_each),
		cmocka_unit_test_setup(test_cpuid, before_each),
		cmocka_unit_test_setup(test_priority_and_eoi, before_each),
		cmocka_unit_test_setup(test_tmr_and_eoi, before_each),
		cmocka_unit_test_setup(test_extint, before_each),
		cmocka_unit_test_setup(test_lint1_nmi, before_each),
		cmocka_unit_test_setup(test_ipis, before_each),
		cmocka_unit_test_setup(test_init_startup, before_each),
		cmocka_unit_test_setup(test_x2apic_ipis, before_each),
		cmocka_unit_test_setup(test_timer_oneshot, before_each),
		cmocka_unit_test_setup(test_timer_periodic, before_each),
		cmocka_unit_test_setup(test_timer_deadline, before_each),
		cmocka_unit_test_setup(test_reset, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
