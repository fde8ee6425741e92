/* Application processors, started as the SDM's MP initialisation
 * protocol starts them (vol. 3, 9.4.4): INIT, 10 ms, STARTUP, 200 us,
 * STARTUP again, then wait for each to report in. smp.asm brings an AP
 * from the trampoline's page to ap_main below, in the guest's mode, on
 * the boot CPU's GDT, IDT and page tables and a stack of its own.
 *
 * Waits are timed by the TSC, which smp_start first measures against the
 * PIT's counter 2 (as Linux does): under lucid the guest's TSC runs at the
 * host's rate whatever the vCPU's share of its CPU, and so does the PIT.
 * A first version measured one 10 ms window, which the vCPU, one of fifty
 * VMs' on Bochs's one CPU, spent mostly away: it counted 46 s of TSC for
 * the 10 ms, and every wait after it was 4,600 times too long. */
#include "guest.h"
#include "cpu.h"
#include "apic.h"

#define PIT_CH2 0x42
#define PIT_CTRL 0x43
#define PORT_B 0x61
#define OUT2 0x20
#define PIT_HZ 1193182u
#define CALIBRATE_MS 2u
#define CALIBRATE_TRIES 5u
#define CALIBRATE_POLLS 1000000u

void idt_load(void);
__noreturn void ap_main(u32 id, u32 cs);

extern const char smp_trampoline[], smp_trampoline_end[];
extern char ap_stacks[], ap_stacks_end[];
u32 smp_cr3;			/* the boot CPU's, for an AP entering long mode */

static struct ap {
	void (*fn)(u32 id);
	u32 starts;		/* times it reached ap_main */
	u32 page;		/* where it started last */
} aps[SMP_MAX_CPUS];

static u64 tsc_ms;

/* TSC ticks in CALIBRATE_MS of the PIT's counter 2, in mode 0 with its
 * gate high, as Linux's pit_calibrate_tsc; 0 without a PIT (OUT2 does not
 * fall at the control word). The vCPU may be away for a while anywhere in
 * it (a shared CPU, other VMs' slices), which can only make it longer:
 * the clock starts before the count is loaded. */
static u64 pit_window(void)
{
	u32 count = PIT_HZ * CALIBRATE_MS / 1000, polls = 0;
	u64 t0;

	outb(PORT_B, (u8)((inb(PORT_B) & ~0x02) | 0x01));
	outb(PIT_CTRL, 0xb0);
	outb(PIT_CH2, (u8)count);
	if (inb(PORT_B) & OUT2)
		return 0;
	t0 = rdtsc();
	outb(PIT_CH2, (u8)(count >> 8));
	while (!(inb(PORT_B) & OUT2) && polls < CALIBRATE_POLLS)
		polls++;
	return rdtsc() - t0;
}

/* The shortest of a few windows: one the vCPU ran through. Without a PIT
 * the TSC is taken to run at 1 GHz. */
u64 tsc_per_ms(void)
{
	u64 best = ~0ull;

	for (u32 i = 0; i < CALIBRATE_TRIES && !tsc_ms; i++) {
		u64 t = pit_window();

		if (!t)
			tsc_ms = 1000000;
		else if (t < best)
			best = t;
	}
	if (!tsc_ms)
		tsc_ms = best / CALIBRATE_MS ? best / CALIBRATE_MS : 1;
	return tsc_ms;
}

void delay_us(u32 us)
{
	u64 end = rdtsc() + tsc_per_ms() * us / 1000;

	while (rdtsc() < end)
		cpu_relax();
}

bool wait_for(const volatile u32 *word, u32 value, u32 ms)
{
	u64 end = rdtsc() + tsc_per_ms() * ms;

	while (*word < value && rdtsc() < end)
		cpu_relax();
	return *word >= value;
}

u32 smp_id(void)
{
	return cpuid(1).b >> 24;
}

bool smp_ap_stack(const void *p)
{
	return (const char *)p >= ap_stacks && (const char *)p < ap_stacks_end;
}

u32 smp_start_page(u32 id)
{
	return id < SMP_MAX_CPUS ? aps[id].page : 0;
}

__noreturn void ap_main(u32 id, u32 cs)
{
	struct ap *ap = &aps[id];

	idt_load();
	ap->page = cs << 4;
	__atomic_add_fetch(&ap->starts, 1, __ATOMIC_SEQ_CST);
	if (ap->fn)		/* NULL: a STARTUP smp_start did not send */
		ap->fn(id);
	for (;;) {
		cli();
		hlt();
	}
}

/* Starts the APs whose bits are set in `ids` at the trampoline copied to
 * page; returns how many reached ap_main within SMP_TIMEOUT_MS. */
static u32 start(u32 ids, u32 page, void (*fn)(u32 id))
{
	u32 before[SMP_MAX_CPUS], up = 0;

	ids &= (1u << SMP_MAX_CPUS) - 2;
	memcpy((void *)(uptr)page, smp_trampoline, (size_t)(smp_trampoline_end - smp_trampoline));
#ifdef __x86_64__
	if (!apic_map())
		return 0;
#endif
	smp_cr3 = (u32)read_cr3();
	tsc_per_ms();
	for (u32 id = 1; id < SMP_MAX_CPUS; id++) {
		if (ids >> id & 1)
			aps[id].fn = fn;
		before[id] = __atomic_load_n(&aps[id].starts, __ATOMIC_SEQ_CST);
	}
	for (u32 id = 1; id < SMP_MAX_CPUS; id++)
		if (ids >> id & 1)
			apic_send(id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	delay_us(10000);
	for (u32 i = 0; i < 2; i++) {
		for (u32 id = 1; id < SMP_MAX_CPUS; id++)
			if (ids >> id & 1)
				apic_send(id, ICR_STARTUP | ICR_ASSERT | page >> 12);
		delay_us(200);
	}
	for (u32 id = 1; id < SMP_MAX_CPUS; id++)
		if (ids >> id & 1)
			up += wait_for(&aps[id].starts, before[id] + 1, SMP_TIMEOUT_MS);
	return up;
}

u32 smp_start(u32 n, void (*fn)(u32 id))
{
	if (n >= SMP_MAX_CPUS)
		n = SMP_MAX_CPUS - 1;
	return start((1u << (n + 1)) - 2, SMP_TRAMPOLINE, fn);
}

bool smp_restart(u32 id, u32 page, void (*fn)(u32 id))
{
	return id && id < SMP_MAX_CPUS && start(1u << id, page, fn) == 1;
}
