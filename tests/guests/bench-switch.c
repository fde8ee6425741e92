/* bench-switch: what it costs lucid to switch a CPU from one VM's vCPU to
 * another's at the end of a slice, against resuming the same vCPU, for
 * `make bench` (tests/bench/sched.py). Not part of guests.cfg: it runs
 * under QEMU's -icount shift=0, where the TSC counts instructions.
 *
 * The guest spins reading the TSC in a loop of a few instructions and
 * notes each pair of consecutive readings further apart than one round:
 * a gap, where lucid (and any other vCPU on the CPU) had the CPU. The
 * loop runs the same instructions between any two readings, so a gap
 * less one round is exactly what ran outside the guest. sched.py runs
 * two VMs of it on one CPU. `a` spins from the start. `b`, given
 * `wake=T`, first halts until its TSC-deadline timer fires at guest TSC
 * T, so until then `a` is alone on the CPU and each of its gaps is a
 * slice end that resumes it. After that each gap of one holds the
 * other's turn, which the other's own readings measure. Gaps are kept
 * from guest TSC `from=T` (after the VMs' start) and until `until=T`;
 * then the guest prints what it saw:
 *
 *   round N            instructions between two readings, no gap
 *   gap BEFORE AFTER   the readings either side of each gap, in order
 *
 * 64-bit, interrupts disabled (enabled only while `b` waits). */
#include "guest.h"
#include "cpu.h"
#include "apic.h"

#define MAX_GAPS 1024
#define WAKE_VECTOR 0x50

struct gap {
	u64 before, after;
};

static struct gap gaps[MAX_GAPS];

/* Spins until two readings of the TSC lie more than `over` apart and
 * returns them. Between two readings run the same four instructions
 * (sub, jns, lea, rdtsc); the NOPs stand in for the sub and jns before
 * the first lea, so that a gap in the first round holds no more of the
 * guest's own instructions than one in any other. */
static struct gap next_gap(u32 over)
{
	u32 lo, hi, left;
	u64 after;

	asm volatile("rdtsc\n\t"
		     "nop\n\t"
		     "nop\n"
		     "1:\tlea (%%rax,%%rsi), %%ecx\n\t"	/* this reading + over */
		     "rdtsc\n\t"
		     "sub %%eax, %%ecx\n\t"		/* over - (next - this) */
		     "jns 1b"
		     : "=&a"(lo), "=&d"(hi), "=&c"(left)
		     : "S"((u64)over));
	after = (u64)hi << 32 | lo;
	return (struct gap){ after - (over - (s32)left), after };
}

static volatile bool woke;

__attribute__((target("general-regs-only"))) static void on_wake(u32 vector)
{
	(void)vector;
	woke = true;
	x2apic_eoi();
}

/* Halts until the TSC-deadline timer fires at guest TSC `at`. */
static void sleep_until(u64 at)
{
	x2apic_deadline_timer(WAKE_VECTOR, on_wake);
	wrmsr(MSR_TSC_DEADLINE, at);
	while (!woke)
		asm volatile("sti; hlt; cli" ::: "memory");
}

void test_main(void)
{
	u64 wake = 0, from = 0, until = 0;
	u32 one_round = ~0u, n = 0;

	if (!cmdline_u64("until", &until)) {
		test_fail("no until= on the command line");
		return;
	}
	/* One round with no exit in it: the least of a few tries. */
	for (u32 i = 0; i < 8; i++) {
		struct gap g = next_gap(0);
		u64 d = g.after - g.before;

		if (d < one_round)
			one_round = (u32)d;
	}
	cmdline_u64("from", &from);
	if (cmdline_u64("wake", &wake))
		sleep_until(wake);
	while (n < MAX_GAPS) {
		struct gap g = next_gap(one_round);

		if (g.after >= until)
			break;
		if (g.before >= from)
			gaps[n++] = g;
	}
	printf("round %u\n", one_round);
	for (u32 i = 0; i < n; i++)
		printf("gap %llu %llu\n", (unsigned long long)gaps[i].before,
		       (unsigned long long)gaps[i].after);
	test_check(n > 0 && n < MAX_GAPS, "%u gaps between guest TSC %llu and %llu", n,
		   (unsigned long long)from, (unsigned long long)until);
}
