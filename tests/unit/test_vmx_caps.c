/* Host tests for the VMX capability arithmetic (arch/x86/vmx/vmx_caps.c),
 * fed the capability MSRs of two real CPUs as VirtualBox's CPU database
 * recorded them (src/VBox/VMM/VMMR3/cpus/Intel_Core_i7_6700K.h and
 * Intel_Core2_X6800_2_93GHz.h): a Skylake, with the TRUE_* MSRs,
 * secondary controls, EPT and unrestricted guest; and a 2006 Core 2,
 * with none of them. The Skylake values match the vmxcap and dmesg dumps
 * of other Skylakes (e.g. PROCBASED_CTLS 0xfff9fffe0401e172).
 *
 * Expected values and MSR numbers are spelled out from the SDM (vol. 3C,
 * appendix A and the control tables of chapter 25), not taken from
 * lucid's headers, so that a wrong constant there shows here too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_caps.h"

#define BIT(n) (1u << (n))

/* Core i7-6700K (Skylake) */
#define SKL_BASIC      0x00da040000000004ull	/* bit 55: TRUE_* MSRs */
#define SKL_PIN        0x0000007f00000016ull
#define SKL_PROC       0xfff9fffe0401e172ull
#define SKL_PROC2      0x001ffcff00000000ull
#define SKL_EXIT       0x01ffffff00036dffull
#define SKL_ENTRY      0x0003ffff000011ffull
#define SKL_TRUE_PIN   0x0000007f00000016ull
#define SKL_TRUE_PROC  0xfff9fffe04006172ull	/* CR3-load/store exiting may be 0 */
#define SKL_TRUE_EXIT  0x01ffffff00036dfbull	/* save debug controls may be 0 */
#define SKL_TRUE_ENTRY 0x0003ffff000011fbull	/* load debug controls may be 0 */
static const struct vmx_fixed skl_cr0 = { 0x80000021, 0xffffffff };	/* PE NE PG */
static const struct vmx_fixed skl_cr4 = { 0x2000, 0x3727ff };	/* VMXE; no PKE, LA57 */

/* Core 2 X6800 (Merom) */
#define C2_BASIC       0x001a040000000007ull	/* no bit 55 */
#define C2_PIN         0x0000001f00000016ull	/* no virtual NMIs, no preemption timer */
#define C2_PROC        0x77b9fffe0401e172ull	/* no NMI window, no secondary controls */
#define C2_EXIT        0x0003efff00036dffull	/* no PAT or EFER switching */
static const struct vmx_fixed c2_cr4 = { 0x2000, 0x27ff };

/* What a back end with EPT and unrestricted guest asks for, as Jailhouse
 * and KVM do: exits on external interrupts and NMIs, I/O and MSR bitmaps,
 * EPT, and a 64-bit host; the rest it takes when the CPU has it. */
#define REQ_PIN   (VMX_PIN_EXTINT_EXIT | VMX_PIN_NMI_EXIT | VMX_PIN_VIRTUAL_NMIS)
#define WANT_PIN  VMX_PIN_PREEMPT_TIMER
#define REQ_PROC  (VMX_PROC_HLT_EXIT | VMX_PROC_IO_BITMAPS | VMX_PROC_MSR_BITMAPS | \
		   VMX_PROC_NMI_WINDOW | VMX_PROC_SECONDARY)
#define REQ_PROC2 (VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED)
#define WANT_PROC2 (VMX_PROC2_VPID | VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES)
#define REQ_EXIT  (VMX_EXIT_CTL_HOST_64 | VMX_EXIT_CTL_ACK_INTR)
#define WANT_EXIT (VMX_EXIT_CTL_SAVE_EFER | VMX_EXIT_CTL_LOAD_EFER | \
		   VMX_EXIT_CTL_SAVE_PAT | VMX_EXIT_CTL_LOAD_PAT)

static void assert_choice(struct vmx_ctl_choice c, u32 value, u32 missing)
{
	assert_int_equal(c.value, value);
	assert_int_equal(c.missing, missing);
}

/* --- control fields ------------------------------------------------------------ */

static void required_and_wanted_bits_allowed(void **state)
{
	(void)state;
	/* EPT (1), unrestricted guest (7); VPID (5), RDTSCP (3), INVPCID
	 * (12), XSAVES (20): Skylake allows them all and insists on none. */
	assert_choice(vmx_ctl_choose(SKL_PROC2, REQ_PROC2, WANT_PROC2),
		      BIT(1) | BIT(7) | BIT(5) | BIT(3) | BIT(12) | BIT(20), 0);
	/* external interrupts (0), NMIs (3), virtual NMIs (5), preemption
	 * timer (6), and the must-be-1 bits 1, 2, 4 */
	assert_choice(vmx_ctl_choose(SKL_TRUE_PIN, REQ_PIN, WANT_PIN), 0x7f, 0);
}

static void required_bits_not_allowed_are_reported(void **state)
{
	char text[128];

	(void)state;
	/* The Core 2 has neither the NMI window (22) nor secondary
	 * controls (31): both are reported, and left out of the value. */
	struct vmx_ctl_choice c = vmx_ctl_choose(C2_PROC, REQ_PROC, 0);

	assert_choice(c, 0x0401e172 | BIT(7) | BIT(25) | BIT(28), BIT(22) | BIT(31));
	vmx_ctl_bits_text(VMX_CTL_PROC, c.missing, text, sizeof(text));
	assert_string_equal(text, "NMI-window exiting, activate secondary controls");
	assert_string_equal(vmx_ctl_name(VMX_CTL_PROC),
			    "primary processor-based VM-execution controls");

	c = vmx_ctl_choose(C2_PIN, REQ_PIN, 0);
	assert_choice(c, 0x16 | BIT(0) | BIT(3), BIT(5));
	vmx_ctl_bits_text(VMX_CTL_PIN, c.missing, text, sizeof(text));
	assert_string_equal(text, "virtual NMIs");

	/* A Skylake lacks none of them. */
	assert_int_equal(vmx_ctl_choose(SKL_TRUE_PROC, REQ_PROC, 0).missing, 0);
}

static void must_be_1_bits_are_set_anyway(void **state)
{
	(void)state;
	/* The older MSR insists on CR3-load and CR3-store exiting (15, 16),
	 * which a back end with EPT does not want; the TRUE one lets them go. */
	assert_choice(vmx_ctl_choose(SKL_PROC, REQ_PROC, 0),
		      0x0401e172 | BIT(7) | BIT(22) | BIT(25) | BIT(28) | BIT(31), 0);
	assert_choice(vmx_ctl_choose(SKL_TRUE_PROC, REQ_PROC, 0),
		      0x04006172 | BIT(7) | BIT(22) | BIT(25) | BIT(28) | BIT(31), 0);
	/* Nothing asked for: the must-be-1 bits alone. */
	assert_choice(vmx_ctl_choose(SKL_EXIT, 0, 0), 0x00036dff, 0);
	assert_choice(vmx_ctl_choose(SKL_TRUE_EXIT, 0, 0), 0x00036dfb, 0);
	assert_choice(vmx_ctl_choose(SKL_TRUE_ENTRY, VMX_ENTRY_CTL_IA32E_GUEST, 0),
		      0x000011fb | BIT(9), 0);
}

static void wanted_bits_not_allowed_are_dropped(void **state)
{
	(void)state;
	/* No PAT or EFER switching on the Core 2 (18-21): dropped, not missing. */
	assert_choice(vmx_ctl_choose(C2_EXIT, REQ_EXIT, WANT_EXIT),
		      0x00036dff | BIT(9) | BIT(15), 0);
	assert_choice(vmx_ctl_choose(SKL_EXIT, REQ_EXIT, WANT_EXIT),
		      0x00036dff | BIT(9) | BIT(15) | BIT(18) | BIT(19) | BIT(20) | BIT(21), 0);
	/* nor the preemption timer (6) */
	assert_choice(vmx_ctl_choose(C2_PIN, 0, WANT_PIN), 0x16, 0);
}

static void true_msrs_follow_basic_bit_55(void **state)
{
	(void)state;
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_PIN, SKL_BASIC), 0x48d);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_PROC, SKL_BASIC), 0x48e);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_EXIT, SKL_BASIC), 0x48f);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_ENTRY, SKL_BASIC), 0x490);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_PROC2, SKL_BASIC), 0x48b);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_PIN, C2_BASIC), 0x481);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_PROC, C2_BASIC), 0x482);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_EXIT, C2_BASIC), 0x483);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_ENTRY, C2_BASIC), 0x484);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_PROC2, C2_BASIC), 0x48b);
	/* bit 55 alone decides */
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_PROC, 1ull << 55), 0x48e);
	assert_int_equal(vmx_ctl_cap_msr(VMX_CTL_PROC, ~(1ull << 55)), 0x482);
}

static void bit_names(void **state)
{
	char text[128];

	(void)state;
	vmx_ctl_bits_text(VMX_CTL_PROC2, BIT(1) | BIT(7), text, sizeof(text));
	assert_string_equal(text, "enable EPT, unrestricted guest");
	vmx_ctl_bits_text(VMX_CTL_EXIT, BIT(9), text, sizeof(text));
	assert_string_equal(text, "host address-space size");
	vmx_ctl_bits_text(VMX_CTL_ENTRY, BIT(9) | BIT(15), text, sizeof(text));
	assert_string_equal(text, "IA-32e mode guest, load IA32_EFER");
	/* a reserved bit has a number, not a name */
	vmx_ctl_bits_text(VMX_CTL_PROC, BIT(7) | BIT(26), text, sizeof(text));
	assert_string_equal(text, "HLT exiting, bit 26");
	vmx_ctl_bits_text(VMX_CTL_PIN, 0, text, sizeof(text));
	assert_string_equal(text, "");
	/* cut to the buffer, terminated, nothing written past it */
	char small[12];
	memset(small, 'x', sizeof(small));
	vmx_ctl_bits_text(VMX_CTL_PROC2, BIT(1) | BIT(5) | BIT(7), small, sizeof(small));
	assert_string_equal(small, "enable EPT,");
	vmx_ctl_bits_text(VMX_CTL_PROC2, BIT(1), small, 1);
	assert_string_equal(small, "");
}

/* --- CR0 and CR4 ---------------------------------------------------------------- */

static void fixed_bits_apply_both_ways(void **state)
{
	(void)state;
	/* CR0: PE, NE, PG forced on; bits 63:32 off */
	assert_int_equal(vmx_fixed_apply(skl_cr0, 0), 0x80000021);
	assert_int_equal(vmx_fixed_apply(skl_cr0, 0x60000010ull | 1ull << 32), 0xe0000031);
	/* CR4: VMXE (13) forced on; PKE (22) and LA57 (12) forced off */
	assert_int_equal(vmx_fixed_apply(skl_cr4, 0x20 | BIT(12) | BIT(22)), 0x2020);
	assert_int_equal(vmx_fixed_apply(skl_cr4, 0x3727ff), 0x3727ff);
	/* the Core 2 has no SMEP (20) or OSXSAVE (18) to keep */
	assert_int_equal(vmx_fixed_apply(c2_cr4, BIT(5) | BIT(18) | BIT(20)), 0x2020);
}

static void fixed_bits_checked_both_ways(void **state)
{
	(void)state;
	assert_true(vmx_fixed_ok(skl_cr0, 0x80000031));
	assert_false(vmx_fixed_ok(skl_cr0, 0x80000011));	/* NE clear */
	assert_false(vmx_fixed_ok(skl_cr0, 0x00000021));	/* PG clear */
	assert_false(vmx_fixed_ok(skl_cr0, 0x80000021 | 1ull << 32));
	assert_true(vmx_fixed_ok(skl_cr4, 0x2020 | BIT(20) | BIT(21)));
	assert_false(vmx_fixed_ok(skl_cr4, 0x20));		/* VMXE clear */
	assert_false(vmx_fixed_ok(skl_cr4, 0x2020 | BIT(22)));	/* PKE */
	assert_false(vmx_fixed_ok(c2_cr4, 0x2020 | BIT(20)));	/* SMEP */
}

static void unrestricted_guest_cr0(void **state)
{
	const u64 real_mode = 0x00000030, protected_unpaged = 0x00000031;
	const u64 paged = 0x80000031, paging_without_pe = 0x80000030;

	(void)state;
	/* Without unrestricted guest, only paged protected mode enters. */
	assert_false(vmx_guest_cr0_ok(skl_cr0, false, real_mode));
	assert_false(vmx_guest_cr0_ok(skl_cr0, false, protected_unpaged));
	assert_true(vmx_guest_cr0_ok(skl_cr0, false, paged));
	/* With it, real mode and unpaged protected mode do too... */
	assert_true(vmx_guest_cr0_ok(skl_cr0, true, real_mode));
	assert_true(vmx_guest_cr0_ok(skl_cr0, true, protected_unpaged));
	assert_true(vmx_guest_cr0_ok(skl_cr0, true, paged));
	/* ...but never paging without protection, nor without NE */
	assert_false(vmx_guest_cr0_ok(skl_cr0, true, paging_without_pe));
	assert_false(vmx_guest_cr0_ok(skl_cr0, true, 0x00000010));
	assert_false(vmx_guest_cr0_ok(skl_cr0, true, real_mode | 1ull << 32));

	struct vmx_fixed g = vmx_guest_cr0_fixed(skl_cr0, true);
	assert_int_equal(g.must1, 0x20);
	assert_int_equal(vmx_fixed_apply(g, 0), 0x20);
	g = vmx_guest_cr0_fixed(skl_cr0, false);
	assert_int_equal(g.must1, 0x80000021);
	assert_int_equal(g.may1, 0xffffffff);
}

static void guest_cd_nw_never_checked(void **state)
{
	/* A made-up CPU whose FIXED1 says CD (30) and NW (29) may not be 1:
	 * VM entry does not check them in the guest's CR0 (it keeps the
	 * host's), so the guest's CR0 may have them anyway. */
	const struct vmx_fixed no_cd_nw = { 0x80000021, 0x9fffffff };
	const u64 cr0 = 0x80000031 | BIT(29) | BIT(30);

	(void)state;
	assert_false(vmx_fixed_ok(no_cd_nw, cr0));
	assert_true(vmx_guest_cr0_ok(no_cd_nw, false, cr0));
	assert_true(vmx_guest_cr0_ok(no_cd_nw, true, cr0));
	assert_int_equal(vmx_guest_cr0_fixed(no_cd_nw, false).may1, 0xffffffff);
}

/* --- VM-instruction errors ---------------------------------------------------------- */

static void insn_error_names(void **state)
{
	(void)state;
	assert_string_equal(vmx_insn_error_name(7), "VM entry with invalid control field(s)");
	assert_string_equal(vmx_insn_error_name(8), "VM entry with invalid host-state field(s)");
	assert_string_equal(vmx_insn_error_name(1), "VMCALL executed in VMX root operation");
	assert_string_equal(vmx_insn_error_name(28), "invalid operand to INVEPT/INVVPID");
	/* 0 is no error; 14, 21 and 27 are not in the SDM's table */
	const u32 unknown[] = { 0, 14, 21, 27, 29, 64, 0xffffffff };
	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++)
		assert_string_equal(vmx_insn_error_name(unknown[i]), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(required_and_wanted_bits_allowed),
		cmocka_unit_test(required_bits_not_allowed_are_reported),
		cmocka_unit_test(must_be_1_bits_are_set_anyway),
		cmocka_unit_test(wanted_bits_not_allowed_are_dropped),
		cmocka_unit_test(true_msrs_follow_basic_bit_55),
		cmocka_unit_test(bit_names),
		cmocka_unit_test(fixed_bits_apply_both_ways),
		cmocka_unit_test(fixed_bits_checked_both_ways),
		cmocka_unit_test(unrestricted_guest_cr0),
		cmocka_unit_test(guest_cd_nw_never_checked),
		cmocka_unit_test(insn_error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
