/* Host tests for the MOV to CR4 and MOV to DR7 exits (hv/exits/cr.c) over
 * the fake back end (fake_hv.h), on a VM with RAM: the checks the CPU
 * makes (CPL, the CR4 bits the guest's CPUID offers, PAE and LA57 in long
 * mode, PCIDE; DR7.GD's #DB with DR6.BD, DR7's high half), what reaches
 * the back end when a write is taken, that a refused one changes nothing,
 * and the instruction read at RIP through the guest's paging where the
 * exit does not name the source register.
 *
 * The CR4 bits a guest may set are this host's (cpuid_init) with PCIDE
 * and LA57 added, handed to cr.c through --wrap=cpuid_cr4_allowed
 * (unit.mk), so that their rules are tested on any host. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pagetable.h"
#include "hv/exits/cpuid.h"
#include "hv/exits/cr.h"

#define BIT(n) (1ull << (n))

/* The guest's 4-level tables: one 2 MiB page maps linear 0 to physical 0
 * (the VM's 1 MiB of RAM), nothing else is mapped. */
#define PML4 0x10000ull
#define PDPT 0x11000ull
#define PD 0x12000ull
#define CODE 0x20000ull		/* RIP */
#define UNMAPPED 0x40000000ull	/* linear: PDPT entry 1 is not present */

#define DR6_BEFORE (DR6_INIT | 0x1ull)	/* B0 left by an earlier #DB */
#define DR7_WRITABLE 0xffff2bffull

static struct vm *vm;
static struct vcpu *v;
static u64 allowed;			/* cpuid_cr4_allowed() */
static struct guest_seg seg32[NR_SEGS];	/* flat 32-bit, as the VM booted */

u64 __real_cpuid_cr4_allowed(void);
u64 __wrap_cpuid_cr4_allowed(void);

u64 __wrap_cpuid_cr4_allowed(void)
{
	return allowed;
}

static int setup(void **state)
{
	(void)state;
	if (host_init(1))
		return -1;
	cpuid_init();
	allowed = __real_cpuid_cr4_allowed() | CR4_PCIDE | CR4_LA57;
	vm = host_vm("cr", 1, MiB(1), 0, true);
	v = vm->vcpu[0];
	memcpy(seg32, fake_vcpu(v)->seg, sizeof(seg32));
	return 0;
}

/* 64-bit code at CPL 0, long mode with PAE, DR6/DR7 as after RESET (but
 * for one DR6 bit), every GPR a different value. */
static void long_mode(void)
{
	struct fake_vcpu *f = fake_vcpu(v);

	memset(f->cr, 0, sizeof(f->cr));
	f->cr[0] = CR0_PE | CR0_PG;
	f->cr[3] = PML4;
	f->cr[4] = CR4_PAE;
	f->efer = EFER_LME | EFER_LMA | EFER_NXE;
	memcpy(f->seg, seg32, sizeof(f->seg));
	f->seg[SEG_CS].attr = (u16)((f->seg[SEG_CS].attr & ~SEG_ATTR_DB) | SEG_ATTR_L);
}

/* 32-bit protected mode, paging off: linear is physical. */
static void protected_mode(void)
{
	struct fake_vcpu *f = fake_vcpu(v);

	memset(f->cr, 0, sizeof(f->cr));
	f->cr[0] = CR0_PE;
	f->efer = 0;
	memcpy(f->seg, seg32, sizeof(f->seg));
}

static int before_each(void **state)
{
	const u64 pml4e = PDPT | PTE_P | PTE_W, pdpte = PD | PTE_P | PTE_W;
	const u64 pde = 0 | PTE_P | PTE_W | PTE_PS, none = 0;
	struct fake_vcpu *f = fake_vcpu(v);

	(void)state;
	assert_int_equal(gmem_write(&vm->mem, PML4, &pml4e, 8), 0);
	assert_int_equal(gmem_write(&vm->mem, PDPT, &pdpte, 8), 0);
	assert_int_equal(gmem_write(&vm->mem, PDPT + 8, &none, 8), 0);
	assert_int_equal(gmem_write(&vm->mem, PD, &pde, 8), 0);
	long_mode();
	f->dr6 = DR6_BEFORE;
	f->dr7 = DR7_INIT;
	for (u32 i = 0; i < ARRAY_SIZE(v->regs.gpr); i++)
		v->regs.gpr[i] = 0x0101010101010101ull * (i + 1);
	v->regs.rip = CODE;
	v->regs.rflags = 2;
	events_reset(&v->events);
	fetch_tlb_flush(&v->fetch_tlb);
	vm->state = VM_RUNNING;
	host_test_start();
	return 0;
}

/* Instruction bytes at RIP. */
static void code(const u8 *bytes, u32 n)
{
	assert_int_equal(gmem_write(&vm->mem, CODE, bytes, n), 0);
}

static enum exit_action mov_to(enum exit_reason r, u8 reg, s8 gpr, u8 cpl, bool lm,
			       struct exit_record *x)
{
	*x = (struct exit_record){ .reason = r, .cpl = cpl, .long_mode = lm,
				   .mov_to = { reg, gpr } };
	return r == EXIT_CR_WRITE ? cr_write_exit(v, x) : dr_write_exit(v, x);
}

/* MOV CR4/DR7 from RAX in 64-bit code at CPL 0, val in RAX. */
static enum exit_action cr4(u64 val)
{
	struct exit_record x;

	v->regs.gpr[REG_RAX] = val;
	return mov_to(EXIT_CR_WRITE, 4, REG_RAX, 0, true, &x);
}

static enum exit_action dr7(u64 val)
{
	struct exit_record x;

	v->regs.gpr[REG_RAX] = val;
	return mov_to(EXIT_DR_WRITE, 7, REG_RAX, 0, true, &x);
}

/* Exactly this exception queued, nothing else. */
static void check_exception(enum exit_action act, u8 vector, bool has_error, u32 error,
			    const char *what)
{
	const struct event *e = &v->events.exc;

	if (act != ACT_INJECT || e->type != EV_EXCEPTION || e->vector != vector ||
	    e->has_error != has_error || (has_error && e->error != error))
		fail_msg("%s: action %d, event type %u vector %u error %d/%#x; wanted vector %u "
			 "error %d/%#x", what, act, e->type, e->vector, e->has_error, e->error,
			 vector, has_error, error);
	assert_int_equal(v->events.again.type, EV_NONE);
	assert_false(v->events.nmi);
	events_reset(&v->events);	/* as if it went in */
}

static void check_no_event(void)
{
	assert_false(events_pending(&v->events));
	assert_int_equal(v->events.exc.type, EV_NONE);
}

/* What a refused or crashing write must leave as it was. */
struct snapshot {
	struct fake_vcpu f;
	struct vcpu_regs regs;
	u32 set_cr, set_dr;	/* the back end's calls so far */
};

static void snap(struct snapshot *s)
{
	s->f = *fake_vcpu(v);
	s->regs = v->regs;
	s->set_cr = fake_count(FAKE_SET_CR, NULL);
	s->set_dr = fake_count(FAKE_SET_DR, NULL);
}

static void unchanged(const struct snapshot *s)
{
	assert_memory_equal(&s->f, fake_vcpu(v), sizeof(s->f));
	assert_memory_equal(&s->regs, &v->regs, sizeof(s->regs));
	assert_int_equal(fake_count(FAKE_SET_CR, NULL), s->set_cr);
	assert_int_equal(fake_count(FAKE_SET_DR, NULL), s->set_dr);
}

/* A MOV to CR4 or DR7 of val that the CPU refuses: #GP(0), nothing
 * changed. */
static void refused(enum exit_reason reason, u64 val)
{
	bool cr = reason == EXIT_CR_WRITE;
	struct exit_record x;
	struct snapshot s;
	char what[64];

	v->regs.gpr[REG_RAX] = val;
	snap(&s);
	snprintf(what, sizeof(what), "MOV %s of %#llx", cr ? "CR4" : "DR7", (unsigned long long)val);
	check_exception(mov_to(reason, cr ? 4 : 7, REG_RAX, 0, true, &x), EXC_GP, true, 0, what);
	unchanged(&s);
}

static void cr4_refused(u64 val)
{
	refused(EXIT_CR_WRITE, val);
}

/* One taken: to the back end as it is, one call, RIP left to ACT_SKIP,
 * the memo of the last instruction (keyed without CR4) forgotten. */
static void cr4_taken(u64 val)
{
	u32 sets = fake_count(FAKE_SET_CR, v);
	u64 rip = v->regs.rip;

	v->fetch_tlb.last.rip = rip;
	if (cr4(val) != ACT_SKIP)
		fail_msg("MOV CR4 of %#llx refused (offered %#llx, CR4 was %#llx)",
			 (unsigned long long)val, (unsigned long long)allowed,
			 (unsigned long long)fake_vcpu(v)->cr[4]);
	check_no_event();
	assert_int_equal(fake_count(FAKE_SET_CR, v), sets + 1);
	assert_int_equal(fake_last_call(FAKE_SET_CR, v)->arg[0], 4);
	assert_int_equal(fake_last_call(FAKE_SET_CR, v)->arg[1], val);
	assert_int_equal(fake_vcpu(v)->cr[4], val);
	assert_int_equal(v->regs.rip, rip);
	assert_int_equal(v->fetch_tlb.last.rip, FETCH_LAST_NONE);
	assert_int_equal(fake_count(FAKE_SET_DR, NULL), 0);
}

static void dr7_refused(u64 val)
{
	refused(EXIT_DR_WRITE, val);
}

/* One taken: DR7 holds the writable bits and bit 10, DR6 as it was. */
static void dr7_taken(u64 val, u64 want)
{
	u32 sets = fake_count(FAKE_SET_DR, v);

	if (dr7(val) != ACT_SKIP)
		fail_msg("MOV DR7 of %#llx refused", (unsigned long long)val);
	check_no_event();
	assert_int_equal(fake_count(FAKE_SET_DR, v), sets + 1);
	assert_int_equal(fake_last_call(FAKE_SET_DR, v)->arg[0], 7);
	assert_int_equal(fake_last_call(FAKE_SET_DR, v)->arg[1], want);
	assert_int_equal(fake_vcpu(v)->dr7, want);
	assert_int_equal(fake_vcpu(v)->dr6, DR6_BEFORE);
	assert_int_equal(fake_count(FAKE_SET_CR, NULL), 0);
}

/* The VM crashed with exactly this line; nothing else changed. */
static void check_crash(enum exit_action act, const struct snapshot *s, const char *why)
{
	char line[200];

	assert_int_equal(act, ACT_STOP);
	assert_int_equal(vm->state, VM_CRASHED);
	snprintf(line, sizeof(line), "vm cr: crashed: %s (vCPU 0, RIP 0x%llx)", why,
		 (unsigned long long)CODE);
	host_log_expect(line);
	check_no_event();
	unchanged(s);
}

/* --- MOV to CR4 ------------------------------------------------------------------------ */

/* Every bit the guest's CPUID offers is taken, alone and all together,
 * in long mode (LA57 aside: it may not change there). The value comes
 * from the register the exit names. */
static void test_cr4_offered_bits_taken(void **state)
{
	struct exit_record x;

	(void)state;
	assert_true(allowed & CR4_PAE);
	for (u32 bit = 0; bit < 64; bit++) {
		if (!(allowed >> bit & 1) || BIT(bit) == CR4_LA57)
			continue;
		fake_vcpu(v)->cr[4] = CR4_PAE;
		cr4_taken(CR4_PAE | BIT(bit));
	}
	fake_vcpu(v)->cr[4] = CR4_PAE;
	cr4_taken(allowed & ~CR4_LA57);
	cr4_taken(CR4_PAE);

	/* From RBX, not RAX. */
	v->regs.gpr[REG_RAX] = CR4_PAE;
	v->regs.gpr[REG_RBX] = CR4_PAE | CR4_PGE;
	assert_int_equal(mov_to(EXIT_CR_WRITE, 4, REG_RBX, 0, true, &x), ACT_SKIP);
	assert_int_equal(fake_vcpu(v)->cr[4], CR4_PAE | CR4_PGE);
	assert_int_equal(x.insn_len, 0);	/* the back end's to say */
}

/* Each bit it does not offer gives #GP(0), the reserved ones above 31
 * included. */
static void test_cr4_bits_not_offered_give_gp(void **state)
{
	u32 refused = 0;

	(void)state;
	for (u32 bit = 0; bit < 64; bit++) {
		if (allowed >> bit & 1)
			continue;
		cr4_refused(CR4_PAE | BIT(bit));
		refused++;
	}
	assert_true(refused >= 32);
}

/* Outside CPL 0 a MOV to CR4 is #GP(0), whatever the value. */
static void test_cr4_outside_cpl0_gives_gp(void **state)
{
	struct exit_record x;
	struct snapshot s;

	(void)state;
	for (u8 cpl = 1; cpl <= 3; cpl++) {
		v->regs.gpr[REG_RAX] = CR4_PAE | CR4_PGE;
		snap(&s);
		check_exception(mov_to(EXIT_CR_WRITE, 4, REG_RAX, cpl, true, &x), EXC_GP, true, 0,
				"MOV CR4 outside CPL 0");
		unchanged(&s);
	}
}

/* In long mode PAE stays set; outside it a guest may clear it. */
static void test_cr4_pae_stays_in_long_mode(void **state)
{
	(void)state;
	cr4_refused(0);
	cr4_refused(CR4_PGE);

	protected_mode();
	fake_vcpu(v)->cr[4] = CR4_PAE;
	cr4_taken(CR4_PSE);
	cr4_taken(0);
	cr4_taken(CR4_PAE);
}

/* In long mode LA57 stays as it is, set or clear. */
static void test_cr4_la57_stays_in_long_mode(void **state)
{
	(void)state;
	fake_vcpu(v)->cr[4] = CR4_PAE | CR4_LA57;
	cr4_refused(CR4_PAE);
	cr4_refused(CR4_PAE | CR4_PGE);
	cr4_taken(CR4_PAE | CR4_LA57 | CR4_PGE);
	fake_vcpu(v)->cr[4] = CR4_PAE;
	cr4_refused(CR4_PAE | CR4_LA57);
	protected_mode();
	cr4_taken(CR4_PAE | CR4_LA57);
	cr4_taken(CR4_PAE);
}

/* PCIDE is set only in long mode with PCID 0 in CR3; one already set
 * stays whatever CR3 holds. */
static void test_cr4_pcide(void **state)
{
	(void)state;
	cr4_taken(CR4_PAE | CR4_PCIDE);
	fake_vcpu(v)->cr[3] = PML4 | 0x001;
	cr4_taken(CR4_PAE | CR4_PCIDE | CR4_PGE);	/* was set: stays */
	fake_vcpu(v)->cr[4] = CR4_PAE;
	cr4_refused(CR4_PAE | CR4_PCIDE);
	fake_vcpu(v)->cr[3] = PML4 | 0x800;
	cr4_refused(CR4_PAE | CR4_PCIDE);
	fake_vcpu(v)->cr[3] = PML4;
	cr4_taken(CR4_PAE | CR4_PCIDE);
	protected_mode();
	fake_vcpu(v)->cr[4] = CR4_PAE;
	cr4_refused(CR4_PAE | CR4_PCIDE);
}

/* Outside 64-bit code only the register's low half is written. */
static void test_cr4_low_half_outside_64bit_code(void **state)
{
	struct exit_record x;

	(void)state;
	protected_mode();
	v->regs.gpr[REG_RDX] = 0xffffffff00000000ull | CR4_PSE | CR4_PGE;
	assert_int_equal(mov_to(EXIT_CR_WRITE, 4, REG_RDX, 0, false, &x), ACT_SKIP);
	check_no_event();
	assert_int_equal(fake_last_call(FAKE_SET_CR, v)->arg[1], CR4_PSE | CR4_PGE);
	assert_int_equal(fake_vcpu(v)->cr[4], CR4_PSE | CR4_PGE);
}

/* lucid intercepts no other CR: an exit for one is the back end's bug. */
static void test_other_cr_crashes(void **state)
{
	static const u8 crs[] = { 0, 2, 3, 8, 15 };
	struct exit_record x;
	struct snapshot s;
	char why[64];

	for (u32 i = 0; i < ARRAY_SIZE(crs); i++) {
		before_each(state);
		v->regs.gpr[REG_RAX] = CR4_PAE;
		snap(&s);
		snprintf(why, sizeof(why), "lucid does not handle writes of CR%u", crs[i]);
		check_crash(mov_to(EXIT_CR_WRITE, crs[i], REG_RAX, 0, true, &x), &s, why);
	}
}

/* --- MOV to DR7 ------------------------------------------------------------------------ */

/* DR7 keeps the bits a guest may write, bit 10 reads 1, bits 12, 14 and
 * 15 read 0; DR6 is not touched. */
static void test_dr7_taken(void **state)
{
	struct exit_record x;

	(void)state;
	dr7_taken(0, DR7_INIT);
	dr7_taken(0x00000003ull, 0x00000403ull);	/* L0 G0 */
	dr7_taken(0x000d0302ull, 0x000d0702ull);	/* G0, LE GE, RW0 LEN0 */
	dr7_taken(0x0000d000ull, DR7_INIT);		/* 12, 14, 15 read 0 */
	dr7_taken(DR7_INIT, DR7_INIT);
	/* GD is the guest's to set (the next MOV DR then gives #DB). */
	dr7_taken(DR7_GD | 0x80, DR7_GD | 0x480);
	fake_vcpu(v)->dr7 = DR7_INIT;
	dr7_taken(0xffffffffull, 0xffff2fffull);
	fake_vcpu(v)->dr7 = DR7_INIT;

	/* From R10, not RAX. */
	v->regs.gpr[REG_RAX] = 0;
	v->regs.gpr[REG_R10] = 0x00000030ull;
	assert_int_equal(mov_to(EXIT_DR_WRITE, 7, REG_R10, 0, true, &x), ACT_SKIP);
	assert_int_equal(fake_vcpu(v)->dr7, 0x00000430ull);
	assert_int_equal(x.insn_len, 0);
}

/* Outside CPL 0, #GP(0) first, before DR7.GD's #DB. */
static void test_dr7_outside_cpl0_gives_gp(void **state)
{
	struct exit_record x;
	struct snapshot s;

	(void)state;
	for (u32 gd = 0; gd < 2; gd++) {
		fake_vcpu(v)->dr7 = DR7_INIT | (gd ? DR7_GD : 0);
		for (u8 cpl = 1; cpl <= 3; cpl++) {
			v->regs.gpr[REG_RAX] = 0x3;
			snap(&s);
			check_exception(mov_to(EXIT_DR_WRITE, 7, REG_RAX, cpl, true, &x), EXC_GP,
					true, 0, "MOV DR7 outside CPL 0");
			unchanged(&s);
		}
	}
}

/* With DR7.GD set the write is not done: #DB (no error code), DR6.BD
 * added to what DR6 held, GD cleared, DR7 otherwise as it was; before
 * the check of the value's high half. */
static void test_dr7_general_detect(void **state)
{
	const u64 old = DR7_INIT | DR7_GD | 0x000f0003ull;
	const u64 vals[] = { 0, 0xffffffffull, BIT(32) | 1 };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(vals); i++) {
		struct fake_vcpu *f = fake_vcpu(v);
		u64 rip = v->regs.rip;
		u32 sets = fake_count(FAKE_SET_DR, v);

		f->dr6 = DR6_BEFORE;
		f->dr7 = old;
		check_exception(dr7(vals[i]), EXC_DB, false, 0, "MOV DR7 with GD");
		assert_int_equal(f->dr6, DR6_BEFORE | DR6_BD);
		assert_int_equal(f->dr7, old & ~DR7_GD);
		assert_int_equal(fake_count(FAKE_SET_DR, v), sets + 2);
		assert_int_equal(v->regs.rip, rip);
		assert_int_equal(fake_count(FAKE_SET_CR, NULL), 0);
	}
}

/* A bit set above 31 in 64-bit code is #GP(0). */
static void test_dr7_high_half_gives_gp(void **state)
{
	(void)state;
	dr7_refused(BIT(32));
	dr7_refused(BIT(32) | 0x3);
	dr7_refused(BIT(63));
	dr7_refused(~0ull);
	fake_vcpu(v)->dr7 = 0x00000703ull;
	dr7_refused(0xffffffff00000000ull);
}

/* Outside 64-bit code only the register's low half counts: no #GP for
 * what lies above it. */
static void test_dr7_low_half_outside_64bit_code(void **state)
{
	struct exit_record x;

	(void)state;
	protected_mode();
	v->regs.gpr[REG_RBX] = 0xffffffff00000001ull;
	assert_int_equal(mov_to(EXIT_DR_WRITE, 7, REG_RBX, 0, false, &x), ACT_SKIP);
	check_no_event();
	assert_int_equal(fake_last_call(FAKE_SET_DR, v)->arg[0], 7);
	assert_int_equal(fake_last_call(FAKE_SET_DR, v)->arg[1], 0x401ull);
	assert_int_equal(fake_vcpu(v)->dr7, 0x401ull);
	assert_int_equal(fake_vcpu(v)->dr6, DR6_BEFORE);
}

/* lucid intercepts writes of no other DR. */
static void test_other_dr_crashes(void **state)
{
	static const u8 drs[] = { 0, 1, 2, 3, 6, 8 };
	struct exit_record x;
	struct snapshot s;
	char why[64];

	for (u32 i = 0; i < ARRAY_SIZE(drs); i++) {
		before_each(state);
		snap(&s);
		snprintf(why, sizeof(why), "lucid does not handle writes of DR%u", drs[i]);
		check_crash(mov_to(EXIT_DR_WRITE, drs[i], REG_RAX, 0, true, &x), &s, why);
	}
}

/* --- the instruction at RIP ----------------------------------------------------------- */

/* The MOV in bytes at RIP, without the register in the exit: taken, with
 * its length for ACT_SKIP. */
static void taken_at_rip(enum exit_reason reason, const u8 *bytes, u32 n, bool lm)
{
	struct exit_record x;

	code(bytes, n);
	assert_int_equal(mov_to(reason, reason == EXIT_CR_WRITE ? 4 : 7, -1, 0, lm, &x), ACT_SKIP);
	check_no_event();
	assert_int_equal(x.insn_len, n);
}

/* Without the register in the exit, the MOV at RIP (through the guest's
 * 4-level paging) names it, and its length comes along for ACT_SKIP. */
static void test_dr7_decoded_at_rip(void **state)
{
	static const u8 rax[] = { 0x0f, 0x23, 0xf8 };		/* mov dr7, rax */
	static const u8 r10[] = { 0x41, 0x0f, 0x23, 0xfa };	/* mov dr7, r10 */
	struct exit_record x;
	struct snapshot s;

	(void)state;
	v->regs.gpr[REG_RAX] = 0x00000001ull;
	taken_at_rip(EXIT_DR_WRITE, rax, sizeof(rax), true);
	assert_int_equal(fake_vcpu(v)->dr7, 0x401ull);

	v->regs.gpr[REG_RAX] = 0;
	v->regs.gpr[REG_R10] = 0x00000002ull;
	v->regs.gpr[REG_RDX] = 0;	/* ModRM rm 2 without REX.B */
	taken_at_rip(EXIT_DR_WRITE, r10, sizeof(r10), true);
	assert_int_equal(fake_last_call(FAKE_SET_DR, v)->arg[1], 0x402ull);
	assert_int_equal(fake_vcpu(v)->dr7, 0x402ull);

	/* The checks then apply as ever: the decoded value's high half. */
	fake_calls_clear();
	code(rax, sizeof(rax));
	v->regs.gpr[REG_RAX] = BIT(40);
	snap(&s);
	check_exception(mov_to(EXIT_DR_WRITE, 7, -1, 0, true, &x), EXC_GP, true, 0,
			"decoded MOV DR7 of bit 40");
	unchanged(&s);
}

static void test_cr4_decoded_at_rip(void **state)
{
	static const u8 rax[] = { 0x0f, 0x22, 0xe0 };		/* mov cr4, rax */
	static const u8 r10[] = { 0x41, 0x0f, 0x22, 0xe2 };	/* mov cr4, r10 */

	(void)state;
	v->regs.gpr[REG_RAX] = CR4_PAE | CR4_PGE;
	taken_at_rip(EXIT_CR_WRITE, rax, sizeof(rax), true);
	assert_int_equal(fake_last_call(FAKE_SET_CR, v)->arg[0], 4);
	assert_int_equal(fake_vcpu(v)->cr[4], CR4_PAE | CR4_PGE);

	v->regs.gpr[REG_RAX] = CR4_PAE | CR4_PGE;
	v->regs.gpr[REG_RDX] = CR4_PAE | CR4_PGE;
	v->regs.gpr[REG_R10] = CR4_PAE | CR4_PSE;
	taken_at_rip(EXIT_CR_WRITE, r10, sizeof(r10), true);
	assert_int_equal(fake_vcpu(v)->cr[4], CR4_PAE | CR4_PSE);
}

/* In 32-bit code with paging off: EAX, the low half of RAX. */
static void test_decoded_in_32bit_code(void **state)
{
	static const u8 dr[] = { 0x0f, 0x23, 0xf8 };	/* mov dr7, eax */
	static const u8 cr[] = { 0x0f, 0x22, 0xe0 };	/* mov cr4, eax */

	(void)state;
	protected_mode();
	v->regs.gpr[REG_RAX] = 0xabcdef0000000003ull;
	taken_at_rip(EXIT_DR_WRITE, dr, sizeof(dr), false);
	assert_int_equal(fake_vcpu(v)->dr7, 0x403ull);

	v->regs.gpr[REG_RAX] = 0xabcdef0000000000ull | CR4_PSE;
	taken_at_rip(EXIT_CR_WRITE, cr, sizeof(cr), false);
	assert_int_equal(fake_vcpu(v)->cr[4], CR4_PSE);
}

/* Another instruction at RIP than the exit reported, or a MOV to another
 * register: the VM stops, nothing is written. */
static void test_other_insn_at_rip_crashes(void **state)
{
	static const struct {
		enum exit_reason r;
		u8 reg;
		u8 bytes[4];
		u8 len;
		const char *why;
	} cases[] = {
		{ EXIT_DR_WRITE, 7, { 0x0f, 0x22, 0xe0 }, 3,	/* mov cr4, rax */
		  "a write of DR7 stopped at another instruction (opcode 0xf22)" },
		{ EXIT_DR_WRITE, 7, { 0x0f, 0x23, 0xf0 }, 3,	/* mov dr6, rax */
		  "a write of DR7 stopped at another instruction (opcode 0xf23)" },
		{ EXIT_CR_WRITE, 4, { 0x0f, 0x23, 0xf8 }, 3,	/* mov dr7, rax */
		  "a write of CR4 stopped at another instruction (opcode 0xf23)" },
		{ EXIT_CR_WRITE, 4, { 0x0f, 0x22, 0xd8 }, 3,	/* mov cr3, rax */
		  "a write of CR4 stopped at another instruction (opcode 0xf22)" },
		/* The same register number, the other opcode. */
		{ EXIT_DR_WRITE, 7, { 0x0f, 0x22, 0xf8 }, 3,	/* mov cr7, rax */
		  "a write of DR7 stopped at another instruction (opcode 0xf22)" },
		{ EXIT_CR_WRITE, 4, { 0x0f, 0x23, 0xe0 }, 3,	/* mov dr4, rax */
		  "a write of CR4 stopped at another instruction (opcode 0xf23)" },
		/* REX.R: DR15, CR12. */
		{ EXIT_DR_WRITE, 7, { 0x44, 0x0f, 0x23, 0xf8 }, 4,
		  "a write of DR7 stopped at another instruction (opcode 0xf23)" },
		{ EXIT_CR_WRITE, 4, { 0x44, 0x0f, 0x22, 0xe0 }, 4,
		  "a write of CR4 stopped at another instruction (opcode 0xf22)" },
		/* Not a MOV at all. */
		{ EXIT_DR_WRITE, 7, { 0x0f, 0xa2 }, 2,		/* cpuid */
		  "a write of DR7 stopped at another instruction (opcode 0xfa2)" },
	};
	struct exit_record x;
	struct snapshot s;

	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		before_each(state);
		code(cases[i].bytes, cases[i].len);
		v->regs.gpr[REG_RAX] = CR4_PAE;
		snap(&s);
		check_crash(mov_to(cases[i].r, cases[i].reg, -1, 0, true, &x), &s, cases[i].why);
		assert_int_equal(x.insn_len, 0);
	}
}

/* RIP on a page the guest's tables do not map: the fetch's #PF, with CR2,
 * is the guest's, and nothing is written. */
static void test_unmapped_rip_gives_pf(void **state)
{
	struct exit_record x;

	(void)state;
	for (u32 i = 0; i < 2; i++) {
		struct fake_vcpu before;

		before_each(state);
		v->regs.rip = UNMAPPED;
		before = *fake_vcpu(v);
		check_exception(mov_to(i ? EXIT_DR_WRITE : EXIT_CR_WRITE, i ? 7 : 4, -1, 0, true, &x),
				EXC_PF, true, PF_FETCH, "MOV at an unmapped RIP");
		assert_int_equal(fake_last_call(FAKE_SET_CR2, v)->arg[0], UNMAPPED);
		before.cr[2] = UNMAPPED;
		assert_memory_equal(&before, fake_vcpu(v), sizeof(before));
		assert_int_equal(fake_count(FAKE_SET_CR, NULL), 0);
		assert_int_equal(fake_count(FAKE_SET_DR, NULL), 0);
		assert_int_equal(vm->state, VM_RUNNING);
	}
}

#define T(fn) cmocka_unit_test_setup(fn, before_each)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cr4_offered_bits_taken),
		T(test_cr4_bits_not_offered_give_gp),
		T(test_cr4_outside_cpl0_gives_gp),
		T(test_cr4_pae_stays_in_long_mode),
		T(test_cr4_la57_stays_in_long_mode),
		T(test_cr4_pcide),
		T(test_cr4_low_half_outside_64bit_code),
		T(test_other_cr_crashes),
		T(test_dr7_taken),
		T(test_dr7_outside_cpl0_gives_gp),
		T(test_dr7_general_detect),
		T(test_dr7_high_half_gives_gp),
		T(test_dr7_low_half_outside_64bit_code),
		T(test_other_dr_crashes),
		T(test_dr7_decoded_at_rip),
		T(test_cr4_decoded_at_rip),
		T(test_decoded_in_32bit_code),
		T(test_other_insn_at_rip_crashes),
		T(test_unmapped_rip_gives_pf),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
