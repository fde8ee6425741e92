/* lapic: the vCPU's local APIC (hv/vdev/lapic.c) as a guest uses it. In
 * xAPIC mode, through the page at 0xfee00000 (paging off: identity): the
 * one-shot and periodic timers interrupt, each taken with EOI; a TPR
 * above a vector's class holds it back until lowered; a self-IPI through
 * the ICR arrives. Then x2APIC mode through IA32_APIC_BASE, where the
 * same is done over MSRs (with SELF_IPI), the page reads as all ones and
 * an xAPIC-only register gives #GP; last the TSC-deadline timer fires,
 * not before its deadline. An interrupt is caught as catch_fault catches
 * an exception: it ends the wait with its vector. No timing bounds
 * beyond order: emulators run at their own pace. 32-bit. */
#include "guest.h"
#include "cpu.h"
#include "apic.h"

#define TSC_DEADLINE_MSR 0x6e0

static u32 version;

static bool in_service(u32 isr_reg, u8 vector)
{
	return isr_reg >> (vector % 32) & 1;
}

static void halt_for_it(void *arg)
{
	(void)arg;
	asm volatile("sti; hlt; cli" : : : "memory");
}

static void open_briefly(void *arg)
{
	(void)arg;
	asm volatile("sti; nop; nop; nop; cli" : : : "memory");
}

/* The vector of the next interrupt (halting until one comes), or
 * NO_FAULT if the CPU woke without one. */
static u32 next_irq(void)
{
	return catch_fault(halt_for_it, NULL);
}

/* Interrupts open for a few instructions: what was already waiting. */
static u32 waiting_irq(void)
{
	return catch_fault(open_briefly, NULL);
}

static void xapic_timer(void)
{
	u32 first, second, v;

	xapic_write(APIC_TDCR, 0xb);			/* divide by 1 */
	xapic_write(APIC_LVT_TIMER, 0x10040);		/* masked while the count is read */
	xapic_write(APIC_TMICT, 0xf0000000);
	first = xapic_read(APIC_TMCCT);
	second = xapic_read(APIC_TMCCT);
	test_check(first <= 0xf0000000 && second < first && second > 0,
		   "xAPIC one-shot: current count counts down (%#x, then %#x)", first, second);
	xapic_write(APIC_LVT_TIMER, 0x40);
	xapic_write(APIC_TMICT, 100000);
	v = next_irq();
	test_check(v == 0x40 && in_service(xapic_read(APIC_ISR + 0x20), 0x40),
		   "xAPIC one-shot timer interrupt 0x40 arrives, in service (got %#x)", v);
	xapic_write(APIC_EOI, 0);
	test_check(!in_service(xapic_read(APIC_ISR + 0x20), 0x40) && xapic_read(APIC_TMCCT) == 0,
		   "EOI retires it; the count stays at 0");
	test_check(waiting_irq() == NO_FAULT, "a one-shot timer fires once");

	xapic_write(APIC_LVT_TIMER, LVT_PERIODIC | 0x41);
	xapic_write(APIC_TMICT, 200000);
	for (int i = 0; i < 3; i++) {
		v = next_irq();
		if (!test_check(v == 0x41, "xAPIC periodic timer interrupt %d: 0x41 (got %#x)", i + 1,
				v))
			break;
		xapic_write(APIC_EOI, 0);
	}
	xapic_write(APIC_TMICT, 0);
	waiting_irq();			/* one may have come meanwhile */
	xapic_write(APIC_EOI, 0);
	xapic_write(APIC_LVT_TIMER, 1u << 16);
}

static void xapic_ipis(void)
{
	u32 v;

	xapic_write(APIC_TPR, 0x50);
	xapic_write(APIC_ICR, 0x40000 | 0x45);	/* shorthand: self */
	v = waiting_irq();
	test_check(v == NO_FAULT && (xapic_read(APIC_IRR + 0x20) >> 5 & 1),
		   "TPR 0x50 holds back self-IPI 0x45 in IRR (got %#x)", v);
	xapic_write(APIC_TPR, 0);
	v = waiting_irq();
	test_check(v == 0x45, "lowering TPR lets 0x45 in (got %#x)", v);
	xapic_write(APIC_EOI, 0);
	xapic_write(APIC_ICR_HI, 0);			/* physical: APIC ID 0, this vCPU */
	xapic_write(APIC_ICR, 0x46);
	v = waiting_irq();
	test_check(v == 0x46, "a fixed IPI to APIC ID 0 arrives (got %#x)", v);
	xapic_write(APIC_EOI, 0);
}

static void x2apic(void)
{
	u64 val, deadline, at;
	u32 v;

	wrmsr(MSR_APIC_BASE, APIC_PAGE | APIC_BASE_BSP | APIC_BASE_EN | APIC_BASE_EXTD);
	val = rdmsr(MSR_APIC_BASE);
	test_check(val == (APIC_PAGE | APIC_BASE_BSP | APIC_BASE_EN | APIC_BASE_EXTD),
		   "x2APIC mode through IA32_APIC_BASE (%#llx)", (unsigned long long)val);
	test_check(rdmsr(X2APIC_MSR(APIC_ID)) == 0 && rdmsr(X2APIC_MSR(APIC_VER)) == version,
		   "x2APIC ID 0, the same version");
	test_check(xapic_read(APIC_SVR) == 0xffffffff,
		   "the xAPIC page reads all ones in x2APIC mode");
	test_check(rdmsr_safe(X2APIC_MSR(APIC_DFR), &val) == 13,
		   "the DFR MSR gives #GP in x2APIC mode");

	wrmsr(X2APIC_MSR(APIC_TPR), 0x60);
	wrmsr(X2APIC_MSR(APIC_SELF_IPI), 0x47);
	v = waiting_irq();
	test_check(v == NO_FAULT, "x2APIC TPR 0x60 holds back SELF_IPI 0x47 (got %#x)", v);
	wrmsr(X2APIC_MSR(APIC_TPR), 0);
	v = waiting_irq();
	test_check(v == 0x47, "SELF_IPI 0x47 arrives once TPR is lowered (got %#x)", v);
	wrmsr(X2APIC_MSR(APIC_EOI), 0);
	wrmsr(X2APIC_MSR(APIC_ICR), 0x4a);		/* destination 0 in the high half */
	v = waiting_irq();
	test_check(v == 0x4a, "a 64-bit ICR write sends 0x4a to x2APIC ID 0 (got %#x)", v);
	wrmsr(X2APIC_MSR(APIC_EOI), 0);

	wrmsr(X2APIC_MSR(APIC_TDCR), 0xb);
	wrmsr(X2APIC_MSR(APIC_LVT_TIMER), 0x48);
	wrmsr(X2APIC_MSR(APIC_TMICT), 100000);
	v = next_irq();
	test_check(v == 0x48, "x2APIC one-shot timer interrupt 0x48 (got %#x)", v);
	wrmsr(X2APIC_MSR(APIC_EOI), 0);

	wrmsr(X2APIC_MSR(APIC_LVT_TIMER), LVT_DEADLINE | 0x49);
	deadline = rdtsc() + 300000;
	wrmsr(TSC_DEADLINE_MSR, deadline);
	v = next_irq();
	at = rdtsc();
	test_check(v == 0x49 && at >= deadline,
		   "TSC-deadline timer interrupt 0x49, not before the deadline (got %#x)", v);
	wrmsr(X2APIC_MSR(APIC_EOI), 0);
	test_check(rdmsr(TSC_DEADLINE_MSR) == 0, "IA32_TSC_DEADLINE reads 0 once it fired");
}

void test_main(void)
{
	struct cpuid l1 = cpuid(1);
	u64 base = rdmsr(MSR_APIC_BASE);

	if (!test_check((l1.d >> 9 & 1) && (l1.c >> 21 & 1) && (l1.c >> 24 & 1),
			"CPUID offers APIC, x2APIC and TSC deadline"))
		return;
	test_check(base == (APIC_PAGE | APIC_BASE_BSP | APIC_BASE_EN),
		   "IA32_APIC_BASE: enabled xAPIC at 0xfee00000, BSP (%#llx)",
		   (unsigned long long)base);
	version = xapic_read(APIC_VER);
	test_check(xapic_read(APIC_ID) == 0 && (version & 0xff) >= 0x10, "xAPIC ID 0, version %#x",
		   version);
	xapic_write(APIC_SVR, 0x1ff);			/* software-enabled, spurious vector 0xff */
	xapic_timer();
	xapic_ipis();
	x2apic();
}
