/* smp: a VM of four vCPUs as an SMP kernel uses them. The boot CPU starts
 * the three others by INIT and STARTUP (lib/smp.c); each reports its
 * APIC ID. Then fixed IPIs in xAPIC mode, by physical ID, by logical flat
 * and cluster destination, and by the shorthands self, all-including-self
 * and all-but-self, each of a vector of its own, must reach exactly
 * their targets, once; so must an NMI, and, once every CPU has switched
 * to x2APIC mode, IPIs by x2APIC ID and by cluster. An AP halted with
 * interrupts disabled is started again by INIT and STARTUP at another
 * page and comes back there, its APIC reset; a STARTUP to a running AP
 * does nothing. Last, every CPU adds to one counter under a spinlock at
 * once, and the sum comes out exact.
 *
 * The boot CPU reports every result, in a fixed order; the APs record
 * what they see and run what the boot CPU posts in their mailboxes. An
 * IPI is counted by each CPU's handler, per vector. To know that a
 * CPU has taken everything sent to it so far, the boot CPU sends it a
 * "poke" of the lowest vector by physical ID and waits for that: a CPU
 * takes its pending interrupts highest first, and lucid makes an IPI
 * pending in its targets before the sender's write returns, so a CPU
 * that took the poke has taken what came before it. Nothing is timed:
 * a wait ends when what it waits for came, or after SMP_TIMEOUT_MS as a
 * FAIL. 64-bit. */
#include "guest.h"
#include "cpu.h"
#include "apic.h"

#define NCPUS 4
#define ALL ((1u << NCPUS) - 1)

/* Vectors. The poke is in the lowest class, below every tested one; the
 * APs' timer only ends a halt that an interrupt lost in QEMU's TCG
 * (docs/testing.md) would make endless. */
enum {
	V_NMI = 2, V_TIMER = 0x20, V_POKE = 0x21,
	V_PHYS = 0x50, V_RING, V_FLAT, V_CLUSTER, V_SELF, V_ALL, V_OTHERS,
	V_X2_PHYS = 0x60, V_X2_CLUSTER,
};

#define RESTART_PAGE 0x6000u		/* vector 0x06 */
#define IGNORED_PAGE 0x5000u		/* vector 0x05 */
#define ROUNDS 50000			/* each CPU's increments of the counter */
#define WINDOW 200			/* loops between its read and its write */

static u32 got[NCPUS][256];		/* interrupts taken, per CPU and vector */
static bool x2[NCPUS];			/* each CPU's APIC mode, for its EOI */

/* What an AP saw, for the boot CPU to report. */
static struct seen {
	u32 apic_id;		/* APIC ID register */
	u32 cpuid_id;		/* CPUID 1's initial APIC ID */
	u32 x2_id, x2_ldr;	/* in x2APIC mode */
	u64 base;		/* IA32_APIC_BASE and SVR when it starts */
	u32 svr;
} seen[NCPUS];

/* One job for one AP: the boot CPU posts it and waits for done == posted. */
static struct mailbox {
	void (*fn)(u32 id);
	u32 posted, done;
} mail[NCPUS];

/* The CPUs running, a bit each: an AP that is not is not waited for.
 * Never above ALL, so wait_for(&alive, ALL) waits for all of them. */
static u32 alive = 1;

__attribute__((target("general-regs-only"))) static void on_interrupt(u32 vector)
{
	u32 id = smp_id();

	got[id][vector]++;
	if (vector == V_NMI)
		return;
	if (x2[id])
		wrmsr(X2APIC_MSR(APIC_EOI), 0);
	else
		xapic_write(APIC_EOI, 0);
}

/* Puts fn in AP id's mailbox and pokes it; false if it is not running. */
static bool post(u32 id, void (*fn)(u32 id))
{
	if (!(alive >> id & 1))
		return false;
	mail[id].fn = fn;
	__atomic_add_fetch(&mail[id].posted, 1, __ATOMIC_SEQ_CST);
	apic_send(id, ICR_FIXED | V_POKE);
	return true;
}

/* Runs fn on CPU id: the boot CPU calls it, an AP once it is poked. Says
 * whether it ran. */
static bool on(u32 id, void (*fn)(u32 id))
{
	if (!id) {
		fn(0);
		return true;
	}
	return post(id, fn) && wait_for(&mail[id].done, mail[id].posted, SMP_TIMEOUT_MS);
}

static bool on_all(void (*fn)(u32 id))
{
	bool ok = true;

	for (u32 id = 0; id < NCPUS; id++)
		ok &= on(id, fn);
	return ok;
}

/* Every CPU has taken what was sent to it before (above). The boot CPU
 * takes its own with interrupts enabled while it waits. */
static bool fence(void)
{
	bool ok = true;

	sti();
	for (u32 id = 0; id < NCPUS; id++) {
		u32 before = got[id][V_POKE];

		apic_send(id, ICR_FIXED | V_POKE);
		ok &= (alive >> id & 1) && wait_for(&got[id][V_POKE], before + 1, SMP_TIMEOUT_MS);
	}
	cli();
	return ok;
}

/* One result: did the CPUs in `targets` take vector once each, the
 * others not at all? `sent`: what had to run for it did. */
static void check_ipi(bool sent, u8 vector, u32 targets, const char *what)
{
	bool ok = fence() && sent;
	u32 *n[NCPUS];

	for (u32 id = 0; id < NCPUS; id++) {
		n[id] = &got[id][vector];
		ok &= *n[id] == (targets >> id & 1);
	}
	test_check(ok, "%s (CPUs 0-3 took it %u %u %u %u times)", what, *n[0], *n[1], *n[2],
		   *n[3]);
}

/* ---- on every CPU --------------------------------------------------- */

/* An AP's life: note what it is, turn its APIC on, then take interrupts
 * and run what its mailbox holds, for good. */
static void ap_loop(u32 id)
{
	struct seen *s = &seen[id];
	struct mailbox *m = &mail[id];

	x2[id] = x2apic_on();
	s->base = rdmsr(MSR_APIC_BASE);
	s->svr = apic_read(APIC_SVR);
	s->cpuid_id = smp_id();
	s->apic_id = x2[id] ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
	apic_write(APIC_SVR, SVR_ENABLE | 0xff);
	apic_write(APIC_TDCR, 0xb);			/* divide by 1 */
	apic_write(APIC_LVT_TIMER, LVT_PERIODIC | V_TIMER);
	apic_write(APIC_TMICT, (u32)(tsc_per_ms() * 50));
	__atomic_or_fetch(&alive, 1u << id, __ATOMIC_SEQ_CST);
	for (;;) {
		cli();
		if (m->done != m->posted) {
			m->fn(id);
			__atomic_add_fetch(&m->done, 1, __ATOMIC_SEQ_CST);
		}
		asm volatile("sti; hlt" ::: "memory");
	}
}

static void flat(u32 id)
{
	xapic_write(APIC_DFR, 0xffffffff);
	xapic_write(APIC_LDR, 1u << (24 + id));
}

/* Clusters of two: CPUs 0 and 1 are 0x01 and 0x02, CPUs 2 and 3 are 0x11
 * and 0x12. */
static void cluster(u32 id)
{
	xapic_write(APIC_DFR, 0x0fffffff);
	xapic_write(APIC_LDR, ((id / 2) << 4 | 1u << (id % 2)) << 24);
}

static void ring(u32 id)
{
	apic_send((id + 1) % NCPUS, ICR_FIXED | V_RING);
}

static void self(u32 id)
{
	(void)id;
	apic_send(0, ICR_SELF | V_SELF);
}

static void others(u32 id)
{
	(void)id;
	apic_send(0, ICR_OTHERS | V_OTHERS);
}

static void to_x2apic(u32 id)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	x2[id] = true;
	seen[id].x2_id = (u32)rdmsr(X2APIC_MSR(APIC_ID));
	seen[id].x2_ldr = (u32)rdmsr(X2APIC_MSR(APIC_LDR));
}

static void x2_to_1(u32 id)
{
	(void)id;
	apic_send(1, ICR_FIXED | V_X2_PHYS);
}

static struct spinlock lock;
static volatile u32 counter, go, finished;

/* ROUNDS increments of a plain read and write under the lock, WINDOW
 * loops apart, so that two CPUs in there at once would lose one (without
 * the lock, each of eight runs on QEMU lost 16,000 to 150,000; with 20,000
 * rounds, half of them lost none). No PAUSE in between: QEMU's TCG
 * hands its one thread to another CPU at each, which made every round a
 * turn of the other CPU's (docs/testing.md). */
static void count(u32 id)
{
	(void)id;
	while (!go)
		cpu_relax();
	for (u32 i = 0; i < ROUNDS; i++) {
		u32 v;

		spin_lock(&lock);
		v = counter;
		for (u32 k = 0; k < WINDOW; k++)
			asm volatile("nop");
		counter = v + 1;
		spin_unlock(&lock);
	}
	__atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
}

static void halt_for_good(u32 id)
{
	__atomic_and_fetch(&alive, ~(1u << id), __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&mail[id].done, 1, __ATOMIC_SEQ_CST);	/* it never returns */
	for (;;) {
		cli();
		hlt();
	}
}

/* ---- the boot CPU --------------------------------------------------- */

static void start_aps(void)
{
	u32 n = smp_start(NCPUS - 1, ap_loop);
	bool ids = wait_for(&alive, ALL, SMP_TIMEOUT_MS);

	printf("TSC: %u kHz, by the PIT\n", (u32)tsc_per_ms());

	seen[0].apic_id = xapic_read(APIC_ID) >> 24;
	seen[0].cpuid_id = smp_id();
	test_check(n == NCPUS - 1, "INIT and STARTUP started 3 APs (%u came up)", n);
	for (u32 id = 0; id < NCPUS; id++)
		ids &= seen[id].apic_id == id && seen[id].cpuid_id == id;
	test_check(ids, "each CPU's APIC ID is its number (APIC ID registers %u %u %u %u, "
		   "CPUID %u %u %u %u)", seen[0].apic_id, seen[1].apic_id, seen[2].apic_id,
		   seen[3].apic_id, seen[0].cpuid_id, seen[1].cpuid_id, seen[2].cpuid_id,
		   seen[3].cpuid_id);
}

static void xapic_ipis(void)
{
	bool ok;

	apic_send(2, ICR_FIXED | V_PHYS);
	check_ipi(true, V_PHYS, 1u << 2, "physical: CPU 0 to APIC ID 2 reached CPU 2 alone");
	check_ipi(on_all(ring), V_RING, ALL,
		  "physical: each CPU to the next (0->1->2->3->0), each took one");
	ok = on_all(flat);
	apic_send(0x0a, ICR_LOGICAL | V_FLAT);
	check_ipi(ok, V_FLAT, 0x0a, "logical flat: destination 0x0a reached CPUs 1 and 3 alone");
	ok = on_all(cluster);
	apic_send(0x11, ICR_LOGICAL | V_CLUSTER);
	check_ipi(ok, V_CLUSTER, 1u << 2, "logical cluster: destination 0x11 reached CPU 2 alone");
	check_ipi(on(2, self), V_SELF, 1u << 2, "shorthand self from CPU 2 reached CPU 2 alone");
	apic_send(0, ICR_ALL | V_ALL);
	check_ipi(true, V_ALL, ALL, "shorthand all-including-self from CPU 0 reached every CPU");
	check_ipi(on(1, others), V_OTHERS, ALL & ~(1u << 1),
		  "shorthand all-but-self from CPU 1 reached CPUs 0, 2 and 3");
	apic_send(3, ICR_NMI);
	check_ipi(true, V_NMI, 1u << 3, "NMI: CPU 0 to APIC ID 3 reached CPU 3 alone");
}

static void x2apic_ipis(void)
{
	bool ok = on_all(to_x2apic);

	for (u32 id = 0; id < NCPUS; id++)
		ok &= seen[id].x2_id == id && seen[id].x2_ldr == 1u << id;
	test_check(ok, "x2APIC mode on every CPU: IDs %u %u %u %u, logical IDs %#x %#x %#x %#x",
		   seen[0].x2_id, seen[1].x2_id, seen[2].x2_id, seen[3].x2_id, seen[0].x2_ldr,
		   seen[1].x2_ldr, seen[2].x2_ldr, seen[3].x2_ldr);
	check_ipi(on(3, x2_to_1), V_X2_PHYS, 1u << 1,
		  "x2APIC physical: CPU 3 to x2APIC ID 1 reached CPU 1 alone");
	apic_send(0x00000005, ICR_LOGICAL | V_X2_CLUSTER);
	check_ipi(ok, V_X2_CLUSTER, 1u << 0 | 1u << 2,
		  "x2APIC cluster: destination 0x5 in cluster 0 reached CPUs 0 and 2 alone");
}

/* AP 3 halts with interrupts disabled (its mailbox's job never returns),
 * then INIT and STARTUP bring it back at another page. */
static void restart(void)
{
	bool ok = on(3, halt_for_good);

	ok = ok && smp_restart(3, RESTART_PAGE, ap_loop) && wait_for(&alive, ALL, SMP_TIMEOUT_MS);
	test_check(ok && smp_start_page(3) == RESTART_PAGE,
		   "INIT and STARTUP 0x06 started halted AP 3 again, at %#x", smp_start_page(3));
	test_check(ok && (seen[3].base & APIC_BASE_EXTD) && seen[3].svr == 0xff,
		   "its APIC was reset by INIT, x2APIC mode kept (IA32_APIC_BASE %#llx, SVR %#x)",
		   (unsigned long long)seen[3].base, seen[3].svr);

	/* Ignored: the poke after it finds AP 3 in its loop, not started
	 * again in the trampoline's copy there (which would lose the poke). */
	memcpy((void *)(uptr)IGNORED_PAGE, (void *)(uptr)RESTART_PAGE, PAGE_SIZE);
	apic_send(3, ICR_STARTUP | ICR_ASSERT | IGNORED_PAGE >> 12);
	ok = fence();
	test_check(ok && smp_start_page(3) == RESTART_PAGE,
		   "a STARTUP to a running AP does nothing (it started last at %#x)",
		   smp_start_page(3));
}

static void lock_counter(void)
{
	bool ok;

	for (u32 id = 1; id < NCPUS; id++)
		post(id, count);
	go = 1;
	count(0);
	ok = wait_for(&finished, NCPUS, SMP_TIMEOUT_MS);
	test_check(ok && counter == NCPUS * ROUNDS,
		   "a counter 4 CPUs increment %u times each under a spinlock reads %u", ROUNDS,
		   counter);
}

void test_main(void)
{
	for (u32 v = 0; v < 256; v++)
		if (v == V_NMI || v >= 0x20)
			trap_set_handler((u8)v, on_interrupt);
	if (!apic_map()) {
		test_fail("cannot map the local APIC's page");
		return;
	}
	/* Plain QEMU's firmware leaves the 8259s on, the PIT at vector 8. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	xapic_write(APIC_SVR, SVR_ENABLE | 0xff);
	start_aps();
	xapic_ipis();
	x2apic_ipis();
	restart();
	lock_counter();
}
