/* Host tests for the MSR exits (hv/exits/msr.c) over the fake back end
 * (fake_hv.h): the few MSRs a guest owns are read and written with the
 * checks the CPU makes (EFER's bits and LME under paging, PAT's memory
 * types, TSC_AUX's high half); every other MSR, the host's above all,
 * gives #GP and changes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/exits/msr.h"

#define VM_HSAVE_PA 0xc0010117u
#define PAT_RESET 0x0007040600070406ull
#define RAX_BEFORE 0x1111111111111111ull
#define RDX_BEFORE 0x2222222222222222ull

static struct vm vm;
static struct vcpu vcpu;

static int setup(void **state)
{
	(void)state;
	return host_init(1);
}

static int before_each(void **state)
{
	(void)state;
	host_hand_vm(&vm, &vcpu, 1, "m");
	vcpu.regs.gpr[REG_RAX] = RAX_BEFORE;
	vcpu.regs.gpr[REG_RDX] = RDX_BEFORE;
	memset(&fake_fail, 0, sizeof(fake_fail));
	host_test_start();
	return 0;
}

static int after_each(void **state)
{
	(void)state;
	host_hand_vm_free(&vm);
	memset(&fake_fail, 0, sizeof(fake_fail));
	return 0;
}

static enum exit_action guest_rdmsr(u32 msr)
{
	struct exit_record x = { .reason = EXIT_MSR_READ, .msr = { msr, 0 } };

	return msr_read_exit(&vcpu, &x);
}

static enum exit_action guest_wrmsr(u32 msr, u64 val)
{
	struct exit_record x = { .reason = EXIT_MSR_WRITE, .msr = { msr, val } };

	return msr_write_exit(&vcpu, &x);
}

/* #GP(0) queued, the guest's registers and the back end's MSRs as they were. */
static void check_gp(enum exit_action act, const char *what, u32 msr, u64 val)
{
	const struct event *e = &vcpu.events.exc;

	if (act != ACT_INJECT || e->type != EV_EXCEPTION || e->vector != EXC_GP ||
	    !e->has_error || e->error != 0)
		fail_msg("%s of MSR %#x (value %#llx): action %d, vector %u, not #GP(0)", what, msr,
			 (unsigned long long)val, act, e->vector);
	assert_int_equal(vcpu.regs.gpr[REG_RAX], RAX_BEFORE);
	assert_int_equal(vcpu.regs.gpr[REG_RDX], RDX_BEFORE);
	events_reset(&vcpu.events);	/* as if it went in */
}

/* A write that must be refused: #GP, and nothing reaches the back end. */
static void write_refused(u32 msr, u64 val)
{
	u32 sets = fake_count(FAKE_SET_MSR, NULL);
	struct fake_vcpu before = *fake_vcpu(&vcpu);

	check_gp(guest_wrmsr(msr, val), "WRMSR", msr, val);
	assert_int_equal(fake_count(FAKE_SET_MSR, NULL), sets);
	assert_memory_equal(&before, fake_vcpu(&vcpu), sizeof(before));
}

/* A write that must be taken, into the back end's copy. */
static void write_taken(u32 msr, u64 val)
{
	u64 got = ~val;

	if (guest_wrmsr(msr, val) != ACT_SKIP)
		fail_msg("WRMSR of MSR %#x, value %#llx refused", msr, (unsigned long long)val);
	assert_int_equal(fake_last_call(FAKE_SET_MSR, &vcpu)->arg[0], msr);
	assert_int_equal(virt->vcpu_get_msr(&vcpu.arch, msr, &got), 0);
	assert_int_equal(got, val);
}

/* --- reads --------------------------------------------------------------------- */

static void test_read_guest_msrs(void **state)
{
	struct fake_vcpu *f = fake_vcpu(&vcpu);
	const struct { u32 msr; u64 *slot; u64 val; } owned[] = {
		{ MSR_EFER, &f->efer, EFER_LME | EFER_LMA | EFER_NXE },
		{ MSR_PAT, &f->pat, 0x0105040600070406ull },
		{ MSR_TSC, &f->tsc, 0xfedcba9876543210ull },
		{ MSR_TSC_AUX, &vcpu.arch.tsc_aux, 0x89abcdefull },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(owned); i++) {
		*owned[i].slot = owned[i].val;
		vcpu.regs.gpr[REG_RAX] = vcpu.regs.gpr[REG_RDX] = ~0ull;
		assert_int_equal(guest_rdmsr(owned[i].msr), ACT_SKIP);
		/* EDX:EAX, the upper halves cleared as by any 32-bit write */
		assert_int_equal(vcpu.regs.gpr[REG_RAX], owned[i].val & 0xffffffffu);
		assert_int_equal(vcpu.regs.gpr[REG_RDX], owned[i].val >> 32);
	}
}

static const u32 not_guests[] = {
	0, MSR_APIC_BASE, MSR_FEATURE_CONTROL, MSR_VMX_BASIC, MSR_FS_BASE, MSR_GS_BASE,
	MSR_VM_CR, VM_HSAVE_PA, 0x40000000, 0xc0000084, 0xffffffff,
};

static void test_other_msrs_give_gp(void **state)
{
	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(not_guests); i++) {
		check_gp(guest_rdmsr(not_guests[i]), "RDMSR", not_guests[i], 0);
		write_refused(not_guests[i], 0);
		write_refused(not_guests[i], 1);
	}
	assert_int_equal(fake_count(FAKE_SET_MSR, NULL), 0);
}

/* IA32_MISC_ENABLE: on an Intel CPU fast strings, no BTS or PEBS, XD not
 * disabled, writes taken without effect; IA32_BIOS_SIGN_ID: revision 0;
 * on AMD's, #GP for both. */
static bool intel;

bool __wrap_cpuid_guest_intel(void);
bool __wrap_cpuid_guest_intel(void)
{
	return intel;
}

static void test_misc_enable(void **state)
{
	(void)state;
	intel = true;
	assert_int_equal(guest_rdmsr(0x1a0), ACT_SKIP);
	assert_int_equal(vcpu.regs.gpr[REG_RAX], 0x1801);
	assert_int_equal(vcpu.regs.gpr[REG_RDX], 0);
	assert_int_equal(guest_wrmsr(0x1a0, 0x400001801ull), ACT_SKIP);
	assert_int_equal(guest_rdmsr(0x1a0), ACT_SKIP);
	assert_int_equal(vcpu.regs.gpr[REG_RDX], 0);
	assert_int_equal(guest_wrmsr(0x8b, 0), ACT_SKIP);	/* the microcode revision: 0 */
	vcpu.regs.gpr[REG_RAX] = vcpu.regs.gpr[REG_RDX] = 1;
	assert_int_equal(guest_rdmsr(0x8b), ACT_SKIP);
	assert_int_equal(vcpu.regs.gpr[REG_RAX] | vcpu.regs.gpr[REG_RDX], 0);
	intel = false;
	vcpu.regs.gpr[REG_RAX] = RAX_BEFORE;
	vcpu.regs.gpr[REG_RDX] = RDX_BEFORE;
	check_gp(guest_rdmsr(0x1a0), "RDMSR", 0x1a0, 0);
	write_refused(0x1a0, 0x1801);
	check_gp(guest_rdmsr(0x8b), "RDMSR", 0x8b, 0);
	write_refused(0x8b, 0);
	assert_int_equal(fake_count(FAKE_SET_MSR, NULL), 0);
}

/* --- MSRs a device serves --------------------------------------------------------- */

static u64 dev_msr[4];

static int dev_read(void *dev, u32 msr, u64 *val)
{
	assert_ptr_equal(dev, dev_msr);
	if (msr == 0x803)
		return -1;	/* the device's #GP */
	*val = dev_msr[msr - 0x800];
	return 0;
}

static int dev_write(void *dev, u32 msr, u64 val)
{
	assert_ptr_equal(dev, dev_msr);
	if (msr == 0x803)
		return -1;
	dev_msr[msr - 0x800] = val;
	return 0;
}

static void test_device_msrs(void **state)
{
	const struct msr_region r = { 0x800, 4, dev_read, dev_write, dev_msr };

	(void)state;
	assert_int_equal(msr_bus_register(&vm.msrs, &r), 0);
	assert_int_equal(guest_wrmsr(0x801, 0x1122334455667788ull), ACT_SKIP);
	assert_int_equal(dev_msr[1], 0x1122334455667788ull);
	assert_int_equal(guest_rdmsr(0x801), ACT_SKIP);
	assert_int_equal(vcpu.regs.gpr[REG_RAX], 0x55667788);
	assert_int_equal(vcpu.regs.gpr[REG_RDX], 0x11223344);
	vcpu.regs.gpr[REG_RAX] = RAX_BEFORE;
	vcpu.regs.gpr[REG_RDX] = RDX_BEFORE;
	check_gp(guest_rdmsr(0x803), "RDMSR", 0x803, 0);
	check_gp(guest_wrmsr(0x803, 1), "WRMSR", 0x803, 1);
	check_gp(guest_rdmsr(0x804), "RDMSR", 0x804, 0);	/* past its range: lucid's #GP */
	assert_int_equal(fake_count(FAKE_SET_MSR, NULL), 0);
	msr_bus_unregister(&vm.msrs, dev_msr);
	check_gp(guest_rdmsr(0x801), "RDMSR", 0x801, 0);
}

/* --- EFER -------------------------------------------------------------------------- */

static void test_efer(void **state)
{
	struct fake_vcpu *f = fake_vcpu(&vcpu);
	const u64 longmode = EFER_LME | EFER_LMA;

	(void)state;
	/* Paging on, long mode: the guest's bits may change, LME may not. */
	write_taken(MSR_EFER, longmode | EFER_SCE | EFER_NXE | EFER_FFXSR);
	write_taken(MSR_EFER, longmode);
	write_refused(MSR_EFER, longmode | EFER_SVME);
	write_refused(MSR_EFER, longmode | 1ull << 63);
	write_refused(MSR_EFER, longmode | 1ull << 1);
	write_refused(MSR_EFER, EFER_LMA);
	for (u32 bit = 0; bit < 64; bit++)
		if (!((EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_FFXSR) >> bit & 1))
			write_refused(MSR_EFER, longmode | 1ull << bit);

	/* Paging off: LME may be set and cleared. */
	f->cr[0] = CR0_PE;
	f->efer = 0;
	write_taken(MSR_EFER, EFER_LME);
	write_taken(MSR_EFER, 0);
	write_refused(MSR_EFER, EFER_SVME);
}

/* --- PAT ----------------------------------------------------------------------------- */

static void test_pat(void **state)
{
	static const u8 good[] = { 0, 1, 4, 5, 6, 7 };
	static const u8 bad[] = { 2, 3, 8, 0x10, 0xff };

	(void)state;
	write_taken(MSR_PAT, PAT_RESET);
	for (u32 entry = 0; entry < 8; entry++) {
		for (u32 i = 0; i < ARRAY_SIZE(good); i++)
			write_taken(MSR_PAT, (PAT_RESET & ~(0xffull << entry * 8)) |
				    (u64)good[i] << entry * 8);
		for (u32 i = 0; i < ARRAY_SIZE(bad); i++)
			write_refused(MSR_PAT, (PAT_RESET & ~(0xffull << entry * 8)) |
				      (u64)bad[i] << entry * 8);
	}
}

/* --- TSC and TSC_AUX --------------------------------------------------------------- */

static void test_tsc(void **state)
{
	(void)state;
	write_taken(MSR_TSC, 0);
	write_taken(MSR_TSC, ~0ull);
}

static void test_tsc_aux(void **state)
{
	(void)state;
	assert_int_equal(guest_wrmsr(MSR_TSC_AUX, 0xffffffffu), ACT_SKIP);
	assert_int_equal(vcpu.arch.tsc_aux, 0xffffffffu);
	write_refused(MSR_TSC_AUX, 1ull << 32);
	assert_int_equal(vcpu.arch.tsc_aux, 0xffffffffu);

	/* A CPU without RDTSCP has no TSC_AUX to give. */
	fake_fail.no_tsc_aux = true;
	check_gp(guest_rdmsr(MSR_TSC_AUX), "RDMSR", MSR_TSC_AUX, 0);
	write_refused(MSR_TSC_AUX, 1);
	assert_int_equal(vcpu.arch.tsc_aux, 0xffffffffu);
}

/* The back end cannot read or write the MSR: #GP rather than a guess. */
static void test_back_end_refuses(void **state)
{
	(void)state;
	fake_fail.get_msr = true;
	check_gp(guest_rdmsr(MSR_EFER), "RDMSR", MSR_EFER, 0);
	check_gp(guest_rdmsr(MSR_PAT), "RDMSR", MSR_PAT, 0);
	fake_fail.get_msr = false;
	fake_fail.set_msr = true;
	check_gp(guest_wrmsr(MSR_EFER, EFER_LME | EFER_LMA), "WRMSR", MSR_EFER,
		 EFER_LME | EFER_LMA);
	check_gp(guest_wrmsr(MSR_PAT, PAT_RESET), "WRMSR", MSR_PAT, PAT_RESET);
	check_gp(guest_wrmsr(MSR_TSC, 5), "WRMSR", MSR_TSC, 5);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, before_each, after_each)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_read_guest_msrs),
		T(test_other_msrs_give_gp),
		T(test_misc_enable),
		T(test_device_msrs),
		T(test_efer),
		T(test_pat),
		T(test_tsc),
		T(test_tsc_aux),
		T(test_back_end_refuses),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
