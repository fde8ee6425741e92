/* LAPIC set-up and timer calibration. The TSC and LAPIC timer rates are
 * not reported reliably by every CPU, so they are measured: three 10 ms
 * intervals of a reference timer (the PIT), keeping the median, which
 * shrugs off one interval stretched by an SMI or a slow emulator. */
#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/trap.h"

#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDR 0x000ffffffffff000ull
#define LVT_MASKED (1u << 16)
#define TIMER_DIV_1 0xb
#define SVR_ENABLE (1u << 8)

static struct lapic_info info;
/* LAPIC timer ticks per TSC cycle, 32.32 fixed point. */
static u64 timer_per_tsc;

static u32 lapic_read(u32 reg)
{
	if (info.x2apic)
		return (u32)rdmsr(0x800 + (reg >> 4));
	return *(volatile u32 *)(uintptr_t)(info.base + reg);
}

static void lapic_write(u32 reg, u32 v)
{
	if (info.x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		*(volatile u32 *)(uintptr_t)(info.base + reg) = v;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

const struct lapic_info *lapic(void)
{
	return &info;
}

static void calibrate(const struct lapic_ref_timer *ref)
{
	u64 tsc[3], ticks[3];

	lapic_write(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	for (int i = 0; i < 3; i++) {
		lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
		ref->start(10000);
		u64 t0 = rdtsc();
		u32 c0 = lapic_read(LAPIC_TIMER_CUR);
		while (!ref->done())
			cpu_relax();
		tsc[i] = rdtsc() - t0;
		ticks[i] = c0 - lapic_read(LAPIC_TIMER_CUR);
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
	/* Median of three. */
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++) {
			if (tsc[j] > tsc[j + 1]) {
				u64 t = tsc[j]; tsc[j] = tsc[j + 1]; tsc[j + 1] = t;
			}
			if (ticks[j] > ticks[j + 1]) {
				u64 t = ticks[j]; ticks[j] = ticks[j + 1]; ticks[j + 1] = t;
			}
		}
	/* The reference counts whole ticks: scale by the interval it really
	 * ran. */
	u64 ref_ticks = (u64)ref->hz * 10000 / 1000000;
	info.tsc_hz = tsc[1] * ref->hz / ref_ticks;
	info.timer_hz = ticks[1] * ref->hz / ref_ticks;
	timer_per_tsc = (info.timer_hz << 32) / info.tsc_hz;
}

void lapic_init(bool use_x2apic, const struct lapic_ref_timer *ref)
{
	info.base = rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR;
	info.x2apic = use_x2apic;
	if (!use_x2apic)
		paging_map_mmio(info.base, PAGE_SIZE);
	lapic_cpu_init();
	info.id = lapic_id();
	calibrate(ref);
}

void lapic_cpu_init(void)
{
	u64 base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	if (info.x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
}

u32 lapic_id(void)
{
	return info.x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

/* xAPIC: destination in ICR_HIGH, written first, since writing ICR_LOW
 * sends; x2APIC: both halves in one MSR write. */
void lapic_send_ipi(u32 apic_id, u32 icr)
{
	if (info.x2apic) {
		wrmsr(0x800 + (LAPIC_ICR_LOW >> 4), ((u64)apic_id << 32) | icr);
		return;
	}
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, icr);
	while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING)
		cpu_relax();
}

void lapic_timer_oneshot(u8 vector)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
	lapic_write(LAPIC_LVT_TIMER, vector);	/* mode bits 0: one-shot */
	lapic_write(LAPIC_TIMER_INIT, 0);
}

void lapic_timer_arm(u64 tsc)
{
	/* A multiply, no divide (no 128-bit division without libgcc). */
	u64 count = (u64)(((unsigned __int128)tsc * timer_per_tsc) >> 32);

	lapic_write(LAPIC_TIMER_INIT, count < 1 ? 1 : count > 0xffffffff ? 0xffffffff : (u32)count);
}
