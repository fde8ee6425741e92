/* debug-regs: lucid keeps each vCPU's debug registers its own. DR0-DR3
 * are not in the VMCB and a guest writes them without exits, so lucid
 * switches them itself (arch/x86/guest_regs.c); DR6 and DR7 travel in the
 * VMCB. Two VMs run this guest at once with different seeds (seed=N) on
 * lucid's one CPU, which the scheduler hands round every 10 ms. At every
 * step each writes values of its own into DR0-DR3, DR6 and DR7 (no
 * breakpoint enabled, the other DR7 fields set), leaves the CPU with a
 * hypercall, spins so that the timer may take the CPU away, and reads
 * them back: rounds=N (default 64) of steps=N (default 500) steps, long
 * enough for both VMs and the others to take turns many times. Then DR0
 * is set to a function's address and kept over as many exits; enabling
 * it in DR7 and calling the function must raise #DB there, DR6.B0 set.
 * Last, a MOV to DR7 is checked as the CPU checks it (mov_dr7_checks).
 * The same steps also write, without exits, CR2 and the MSRs a guest
 * uses directly (syscall, SYSENTER, FS and GS bases): under VMX lucid
 * switches CR2 and the syscall MSRs itself too, lazily.
 * (Off lucid the exit is CPUID, so the guest runs on plain QEMU too.)
 * Long mode.
 * (A breakpoint enabled over exits: breakpoint-isolation.c.) */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

#define SPIN 200	/* loop iterations after each exit */

struct dregs {
	u64 dr[4], dr6, dr7;
};

void bp_target(void *);
asm(".text\nbp_target: nop\n ret\n");

/* The values of a step: DR0-DR3 canonical addresses and DR6 its writable
 * status bits (B0-B3, BD, BS, BT) over the fixed ones, new every step;
 * DR7 the same at every step: its seed's LEN fields and LE/GE set; the
 * enable bits, GD and the RW fields clear (RW 00: an instruction
 * breakpoint, were it enabled). As read back: DR7 bit 10 reads 1. */
static void values(struct dregs *d, u32 seed, u32 step)
{
	u32 x = seed * 0x9e3779b9u ^ step;

	for (int i = 0; i < 4; i++) {
		u64 hi = x = lcg_next(x), lo = x = lcg_next(x);

		d->dr[i] = (hi << 32 | lo) & 0x00007fffffffffffull;
	}
	x = lcg_next(x);
	d->dr6 = DR6_FIXED | (x & 0xe00f);
	x = lcg_next(seed * 0x9e3779b9u);
	d->dr7 = DR7_FIXED | (x & 0xcccc0300u);
}

static void load(const struct dregs *d)
{
	write_dr0(d->dr[0]);
	write_dr1(d->dr[1]);
	write_dr2(d->dr[2]);
	write_dr3(d->dr[3]);
	write_dr6(d->dr6);
	write_dr7(d->dr7);
}

static void save(struct dregs *d)
{
	d->dr[0] = read_dr0();
	d->dr[1] = read_dr1();
	d->dr[2] = read_dr2();
	d->dr[3] = read_dr3();
	d->dr6 = read_dr6();
	d->dr7 = read_dr7();
}

/* Written without exits; values each CPU takes from any guest: canonical
 * addresses, SFMASK's and SYSENTER's in 32 bits (AMD keeps SYSENTER's
 * ESP and EIP in 32), SYSENTER_CS in 16. */
static const struct { u32 msr; const char *name; u64 mask; } other_msrs[] = {
	{ 0xc0000081, "STAR", ~0ull },
	{ 0xc0000082, "LSTAR", 0x00007fffffffffffull },
	{ 0xc0000083, "CSTAR", 0x00007fffffffffffull },
	{ 0xc0000084, "SFMASK", 0xffffffffull },
	{ 0xc0000100, "FS_BASE", 0x00007fffffffffffull },
	{ 0xc0000101, "GS_BASE", 0x00007fffffffffffull },
	{ 0xc0000102, "KERNEL_GS_BASE", 0x00007fffffffffffull },
	{ 0x174, "SYSENTER_CS", 0xffffull },
	{ 0x175, "SYSENTER_ESP", 0xffffffffull },
	{ 0x176, "SYSENTER_EIP", 0xffffffffull },
};
#define NR_OTHER ARRAY_SIZE(other_msrs)

struct others {
	u64 cr2, msr[NR_OTHER];
};

static void other_values(struct others *o, u32 seed, u32 step)
{
	u32 x = seed * 0x85ebca6bu ^ step;

	for (u32 i = 0; i <= NR_OTHER; i++) {
		u64 hi = x = lcg_next(x), lo = x = lcg_next(x);

		if (i == NR_OTHER)
			o->cr2 = hi << 32 | lo;
		else
			o->msr[i] = (hi << 32 | lo) & other_msrs[i].mask;
	}
}

static void load_others(const struct others *o)
{
	asm volatile("mov %0, %%cr2" : : "r"(o->cr2));
	for (u32 i = 0; i < NR_OTHER; i++)
		wrmsr(other_msrs[i].msr, o->msr[i]);
}

static void save_others(struct others *o)
{
	asm volatile("mov %%cr2, %0" : "=r"(o->cr2));
	for (u32 i = 0; i < NR_OTHER; i++)
		o->msr[i] = rdmsr(other_msrs[i].msr);
}

/* The first of them that differs, by name, or NULL. */
static const char *other_wrong(const struct others *want, const struct others *got)
{
	if (got->cr2 != want->cr2)
		return "CR2";
	for (u32 i = 0; i < NR_OTHER; i++)
		if (got->msr[i] != want->msr[i])
			return other_msrs[i].name;
	return NULL;
}

/* One exit, then a little time in the guest. */
static void leave_cpu(void)
{
	u32 n = SPIN;

	if (on_lucid)
		hc_version();
	else
		cpuid(0);
	asm volatile("1: dec %0; jnz 1b" : "+r"(n) : : "cc");
}

/* First wrong register of a step, as a DR number (0-3, 6, 7), or -1. */
static int first_wrong(const struct dregs *want, const struct dregs *got)
{
	for (int i = 0; i < 4; i++) {
		if (got->dr[i] != want->dr[i])
			return i;
	}
	if (got->dr6 != want->dr6)
		return 6;
	return got->dr7 != want->dr7 ? 7 : -1;
}

static u64 dr_of(const struct dregs *d, int n)
{
	return n < 4 ? d->dr[n] : n == 6 ? d->dr6 : d->dr7;
}

static void keep_values(u32 seed, u64 rounds, u64 steps)
{
	struct dregs want, got;
	struct others want_o, got_o;
	int bad = -1, bad_addr = -1;
	const char *bad_other = NULL;
	u64 k, done = 0, wrong_steps = 0;

	for (k = 0; k < rounds * steps && (bad < 0 || bad_addr < 0 || !bad_other); k++) {
		int wrong;
		const char *other;

		values(&want, seed, (u32)k);
		other_values(&want_o, seed, (u32)k);
		load(&want);
		load_others(&want_o);
		leave_cpu();
		save(&got);
		save_others(&got_o);
		other = other_wrong(&want_o, &got_o);
		if (other && !bad_other) {
			bad_other = other;
			printf("step %lu: %s changed\n", (unsigned long)k, other);
		}
		wrong = first_wrong(&want, &got);
		if (wrong >= 0 && wrong_steps++ < 4)
			printf("step %lu: DR%d reads %#lx, expected %#lx\n", (unsigned long)k, wrong,
			       (unsigned long)dr_of(&got, wrong), (unsigned long)dr_of(&want, wrong));
		if (wrong >= 0 && wrong < 4 && bad_addr < 0)
			bad_addr = wrong;
		if (wrong >= 4 && bad < 0)
			bad = wrong;
		done++;
	}
	write_dr7(0);
	wrmsr(0xc0000100, 0);	/* FS_BASE and GS_BASE: the library's flat ones */
	wrmsr(0xc0000101, 0);
	test_check(bad_addr < 0,
		   "DR0-DR3 kept this VM's values over %lu exits (seed %u; first wrong DR%d)",
		   (unsigned long)done, seed, bad_addr);
	test_check(bad < 0,
		   "DR6 and DR7 kept this VM's values over %lu exits (seed %u; first wrong DR%d)",
		   (unsigned long)done, seed, bad);
	test_check(!bad_other, "CR2 and the syscall, SYSENTER, FS and GS MSRs kept this VM's "
		   "values over %lu exits (seed %u; first wrong %s)", (unsigned long)done, seed,
		   bad_other ? bad_other : "none");
}

/* DR0 = bp_target, kept over the exits, then L0 with RW0 = LEN0 = 0: an
 * execution breakpoint, a fault at the instruction. */
static void breakpoint(u64 exits)
{
	u32 v;

	write_dr6(DR6_FIXED);
	write_dr0((uptr)bp_target);
	for (u64 i = 0; i < exits; i++)
		leave_cpu();
	write_dr7(DR7_FIXED | 1);
	v = catch_fault(bp_target, NULL);
	write_dr7(0);
	check_fault(v, X86_DB, 0, (uptr)bp_target,
		    "#DB from an execution breakpoint in DR0 set %lu exits before, at the function",
		    (unsigned long)exits);
	test_check(read_dr6() & DR6_B0, "DR6.B0 set after the execution breakpoint (DR6 %#lx)",
		   (unsigned long)read_dr6());
}

/* A MOV to DR7 with a bit above 31 set is #GP(0); under DR7.GD the next
 * MOV to a debug register is #DB (DR6.BD) instead, and GD is clear when
 * the handler runs. On QEMU's TCG lucid makes these checks itself (the
 * guest's DR7 writes exit there: arch/x86/svm/svm.c); QEMU 7.2 alone has
 * no GD, so they run on lucid only. */
void dr7_high(void *);
void dr7_gd(void *);
extern const char dr7_high_mov[], dr7_gd_mov[];
asm(".text\n"
    "dr7_high: mov $0x100000400, %rax\n"
    "dr7_high_mov: mov %rax, %dr7\n ret\n"
    "dr7_gd: mov $0x400, %eax\n"
    "dr7_gd_mov: mov %rax, %dr7\n ret\n");

static void mov_dr7_checks(void)
{
	u32 v;

	if (!on_lucid) {
		test_skip("MOV to DR7's checks: off lucid (QEMU 7.2 has no DR7.GD)");
		return;
	}
	write_dr7(DR7_FIXED | 2);	/* G0, so that a write that went through shows */
	v = catch_fault(dr7_high, NULL);
	check_fault(v, X86_GP, 0, (uptr)dr7_high_mov, "MOV to DR7 with bit 32 set: #GP(0)");
	test_check(read_dr7() == (DR7_FIXED | 2), "DR7 unchanged by the refused MOV (%#lx)",
		   (unsigned long)read_dr7());
	write_dr6(DR6_FIXED);
	write_dr7(DR7_FIXED | DR7_GD);
	v = catch_fault(dr7_gd, NULL);
	check_fault(v, X86_DB, 0, (uptr)dr7_gd_mov, "MOV to DR7 under DR7.GD: #DB at the MOV");
	test_check(read_dr7() == DR7_FIXED, "DR7.GD clear after that #DB (DR7 %#lx)",
		   (unsigned long)read_dr7());
	test_check(read_dr6() & DR6_BD, "DR6.BD set after that #DB (DR6 %#lx)",
		   (unsigned long)read_dr6());
	write_dr6(DR6_FIXED);
	write_dr7(0);
}

void test_main(void)
{
	u64 seed, rounds = 64, steps = 500;

	if (!cmdline_u64("seed", &seed)) {
		test_fail("no seed=N on the command line");
		return;
	}
	cmdline_u64("rounds", &rounds);
	cmdline_u64("steps", &steps);
	keep_values((u32)seed, rounds, steps);
	breakpoint(steps);
	mov_dr7_checks();
}
