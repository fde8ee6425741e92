/* bench-timer-latency: how late the guest's own timer interrupt reaches
 * it, for `make bench` (tests/bench/sched.py). Not part of guests.cfg: it
 * runs under QEMU's -icount shift=0, where the TSC counts instructions.
 *
 * Each round arms the local APIC's TSC-deadline timer (x2APIC) for a
 * deadline 1 to 3 ms of TSC ahead, pseudo-random so that deadlines fall
 * at every point of other VMs' slices, and halts; the handler's first act
 * is to read the TSC, and the latency is that reading less the deadline.
 * The guest's own interrupt entry (the runtime's stub and trap_entry up
 * to the handler's RDTSC) is part of it; the guest times that too, with
 * an INT to the same vector. `rounds=N` on the command line (default
 * 1000); `settle=T`: the first round starts once the guest TSC passed T
 * (it sleeps until then), when the other VMs have started. Prints:
 *
 *   entry N            instructions from an INT to the handler's RDTSC
 *   latency N N ...    each round's latency, in order, ten to a line
 *
 * 64-bit. */
#include "guest.h"
#include "cpu.h"
#include "apic.h"

#define MAX_ROUNDS 4000
#define TIMER_VECTOR 0x50
#define AHEAD_MIN 1000000u	/* TSC ticks: 1 ms at 1 GHz, icount's rate */
#define AHEAD_SPREAD 2000000u

static u64 latency[MAX_ROUNDS];
static volatile u64 fired_at;

__attribute__((target("general-regs-only"))) static void on_timer(u32 vector)
{
	(void)vector;
	fired_at = rdtsc();
	x2apic_eoi();
}

/* Halts until the timer fires at guest TSC `deadline`; returns when the
 * handler saw it. */
static u64 sleep_until(u64 deadline)
{
	fired_at = 0;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	while (!fired_at)
		asm volatile("sti; hlt; cli" ::: "memory");
	return fired_at;
}

void test_main(void)
{
	u64 rounds = 1000, settle, entry = ~0ull;
	u32 seed = 1;
	char line[160];

	cmdline_u64("rounds", &rounds);
	if (rounds == 0 || rounds > MAX_ROUNDS) {
		test_fail("rounds=%llu: 1 to %u", (unsigned long long)rounds, MAX_ROUNDS);
		return;
	}
	x2apic_deadline_timer(TIMER_VECTOR, on_timer);

	for (u32 i = 0; i < 8; i++) {
		u64 t = rdtsc();

		asm volatile("int %0" : : "i"(TIMER_VECTOR) : "memory");
		if (fired_at - t < entry)
			entry = fired_at - t;
	}

	if (cmdline_u64("settle", &settle))
		sleep_until(settle);
	for (u32 i = 0; i < rounds; i++) {
		u64 deadline;

		seed = lcg_next(seed);
		deadline = rdtsc() + AHEAD_MIN + (seed >> 8) % AHEAD_SPREAD;
		latency[i] = sleep_until(deadline) - deadline;
	}

	printf("entry %llu\n", (unsigned long long)entry);
	for (u32 i = 0; i < rounds; i += 10) {
		int len = snprintf(line, sizeof(line), "latency");

		for (u32 j = i; j < rounds && j < i + 10; j++)
			len += snprintf(line + len, sizeof(line) - (size_t)len, " %llu",
					(unsigned long long)latency[j]);
		printf("%s\n", line);
	}
	test_pass("%llu timer interrupts taken", (unsigned long long)rounds);
}
