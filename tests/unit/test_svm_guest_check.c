/* Host tests for VMRUN's consistency checks in software
 * (arch/x86/svm/svm_guest_check.c). Two guests VMRUN takes: a 64-bit
 * long-mode kernel, and the real-mode guest lucid's svm_vcpu_reset leaves
 * (with the controls svm_vcpu_init writes and the ASID load_asid gives it
 * before VMRUN). Each test breaks one rule of one of them and looks for
 * the field and the rule in the line.
 *
 * Bit positions and values are spelled out from the APM (vol. 2: 3.1
 * control registers, 15.5.1, 15.20 event injection, appendix B the VMCB;
 * table 8-1 the exception vectors), not taken from lucid's headers, so
 * that a wrong constant there shows here too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/svm/svm_guest_check.h"

#define BIT(n) (1ull << (n))

/* EFER: SCE 0, LME 8, LMA 10, NXE 11, SVME 12 */
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_SVME BIT(12)
/* VMCB intercept vector 4 (offset 0x010): VMRUN is bit 0 */
#define INTERCEPT_VMRUN BIT(0)
/* EVENTINJ: vector 7:0, type 10:8, EV 11, V 31, error code 63:32 */
#define INJECT(type, vector) (BIT(31) | (u64)(type) << 8 | (vector))
#define INJECT_EV BIT(11)

/* A Zen's CPUID: MAXPHYADDR 48; CR4 VME-UMIP (10:0, 11), FSGSBASE 16,
 * PCIDE 17, OSXSAVE 18, SMEP 20, SMAP 21, PKE 22, CET 23 (no LA57, bit
 * 12); EFER SCE, LME, LMA, NXE, SVME, LMSLE 13, FFXSR 14, TCE 15. */
static const struct svm_guest_env zen = { 48, 0xf70fff, 0xfd01 };
static struct svm_guest_env env;
static struct vmcb vmcb;

/* What both guests have alike: the controls of svm_vcpu_init (VMRUN and
 * the other SVM instructions intercepted, the maps in low memory, nested
 * paging), an ASID, no event; DR6 and DR7 as after RESET and the
 * power-on PAT. */
static void common(void)
{
	memset(&vmcb, 0, sizeof(vmcb));
	env = zen;
	vmcb.ctl.intercepts2 = 0x3c7f;	/* VMRUN-SKINIT, MONITOR-XSETBV */
	vmcb.ctl.iopm_pa = 0x1000000;
	vmcb.ctl.msrpm_pa = 0x1003000;
	vmcb.ctl.asid = 1;
	vmcb.ctl.np_control = 1;
	vmcb.ctl.n_cr3 = 0x2000000;
	vmcb.save.dr6 = 0xffff0ff0;
	vmcb.save.dr7 = 0x400;
	vmcb.save.g_pat = 0x0007040600070406;
}

/* A 64-bit kernel: paging, PAE, long mode, a 64-bit code segment (attr
 * 0xa9b: G, L, P, S, code read accessed). */
static void long64(void)
{
	common();
	vmcb.save.cr0 = 0x80050033;	/* PG AM WP NE ET MP PE */
	vmcb.save.cr3 = 0x1000;
	vmcb.save.cr4 = 0x6a0;		/* OSXMMEXCPT OSFXSR PGE PAE */
	vmcb.save.efer = 0x1d01;	/* SVME NXE LMA LME SCE */
	vmcb.save.cs = (struct vmcb_seg){ .sel = 0x08, .attr = 0xa9b, .limit = 0xffffffff };
}

/* Linux's 64-bit entry as vcpu_state.c builds it and svm_vcpu_reset loads
 * it (test_vcpu_state.c's long_mode_entry): CR0 PG NE ET PE, CR4 PAE,
 * EFER SVME LMA LME, CS 0x10 with attr 0xa9b. */
static void linux64(void)
{
	common();
	vmcb.save.cr0 = 0x80000031;
	vmcb.save.cr3 = 0x4000;
	vmcb.save.cr4 = BIT(5);
	vmcb.save.efer = EFER_SVME | EFER_LMA | EFER_LME;
	vmcb.save.cs = (struct vmcb_seg){ .sel = 0x10, .attr = 0xa9b, .limit = 0xffffffff };
}

/* lucid's reset into real mode: CR0 ET alone, EFER SVME alone, CS at its
 * segment (attr 0x9b: P, S, code read accessed). */
static void realmode(void)
{
	common();
	vmcb.save.cr0 = 0x10;
	vmcb.save.efer = EFER_SVME;
	vmcb.save.cs = (struct vmcb_seg){ .sel = 0xf000, .attr = 0x9b, .limit = 0xffff,
					  .base = 0xf0000 };
}

static void assert_passes(void)
{
	char buf[160];

	memset(buf, 'x', sizeof(buf));
	if (svm_guest_check(&vmcb, &env, buf, sizeof(buf)))
		fail_msg("a valid guest fails: %s", buf);
	assert_string_equal(buf, "");
}

static void assert_fails(const char *want)
{
	char buf[160];

	if (!svm_guest_check(&vmcb, &env, buf, sizeof(buf)))
		fail_msg("passes, expected \"%s\"", want);
	if (!strstr(buf, want))
		fail_msg("expected \"%s\" in \"%s\"", want, buf);
}

/* --- the guests VMRUN takes ----------------------------------------------------- */

static void valid_guests_pass(void **state)
{
	(void)state;
	long64();
	assert_passes();
	linux64();
	assert_passes();
	/* ...but not with CS.D set beside CS.L */
	vmcb.save.cs.attr |= BIT(10);
	assert_fails("CS");
	realmode();
	assert_passes();
	/* caching off, as after RESET */
	vmcb.save.cr0 = BIT(30) | BIT(29) | 0x10;
	assert_passes();
	/* VMRUN takes PG without PE outside long mode (APM 15.5.1) */
	realmode();
	vmcb.save.cr0 = BIT(31) | 0x10;
	assert_passes();
	/* legacy PAE paging; CR3's reserved bits 2:0 are not MBZ */
	realmode();
	vmcb.save.cr0 = 0x80000011;
	vmcb.save.cr3 = 0x3007;
	vmcb.save.cr4 = BIT(5);
	assert_passes();
	/* LME set, paging not yet on: CS.L and D are no concern */
	realmode();
	vmcb.save.efer = EFER_SVME | EFER_LME;
	vmcb.save.cs.attr = 0xe9b;
	assert_passes();
	/* no nested paging: nCR3 and G_PAT are not looked at */
	long64();
	vmcb.ctl.np_control = 0;
	vmcb.ctl.n_cr3 = BIT(63);
	vmcb.save.g_pat = 0x02;
	assert_passes();
}

static void message_is_one_line_in_the_buffer(void **state)
{
	char buf[48], tiny[1] = { 'x' };

	(void)state;
	long64();
	vmcb.ctl.asid = 0;
	assert_true(svm_guest_check(&vmcb, &env, buf, sizeof(buf)));
	assert_string_equal(buf, "guest ASID 0x0: must not be 0 (the host's)");
	/* cut short, terminated */
	assert_true(svm_guest_check(&vmcb, &env, buf, 12));
	assert_string_equal(buf, "guest ASID ");
	assert_true(svm_guest_check(&vmcb, &env, tiny, sizeof(tiny)));
	assert_int_equal(tiny[0], '\0');
}

/* --- the guest state ------------------------------------------------------------ */

static void efer_svme(void **state)
{
	(void)state;
	realmode();
	vmcb.save.efer = 0;
	assert_fails("guest EFER 0x0: SVME (bit 12) must be 1");
	long64();
	vmcb.save.efer &= ~EFER_SVME;
	assert_fails("guest EFER 0xd01: SVME (bit 12) must be 1");
}

static void cr0_nw_without_cd(void **state)
{
	(void)state;
	realmode();
	vmcb.save.cr0 = BIT(29) | 0x10;
	assert_fails("guest CR0 0x20000010: NW (bit 29) needs CD (bit 30)");
	vmcb.save.cr0 = BIT(30) | 0x10;	/* CD alone */
	assert_passes();
}

static void cr0_high_bits(void **state)
{
	(void)state;
	long64();
	vmcb.save.cr0 |= BIT(32);
	assert_fails("guest CR0 0x180050033: bits 63:32 must be 0");
	realmode();
	vmcb.save.cr0 |= BIT(63);
	assert_fails("guest CR0 0x8000000000000010: bits 63:32 must be 0");
}

static void cr3_within_maxphyaddr(void **state)
{
	(void)state;
	long64();
	vmcb.save.cr3 = BIT(48) | 0x1000;
	assert_fails("guest CR3 0x1000000001000: bits 63:48 must be 0 (MAXPHYADDR)");
	env.phys_bits = 52;
	assert_passes();
	vmcb.save.cr3 = BIT(52) | 0x1000;	/* 63:52 are MBZ on every CPU */
	assert_fails("guest CR3 0x10000000001000: bits 63:52 must be 0");
	/* the reserved, not MBZ, bits 11:5 and 2:0 of long mode pass */
	long64();
	vmcb.save.cr3 = 0x1fe7;
	assert_passes();
	realmode();
	vmcb.save.cr3 = BIT(63);
	assert_fails("guest CR3 0x8000000000000000: bits 63:48 must be 0");
}

static void cr4_reserved_bits(void **state)
{
	(void)state;
	long64();
	vmcb.save.cr4 |= BIT(12);	/* LA57, which this CPU lacks */
	assert_fails("guest CR4 0x16a0: bit 12 is reserved on this CPU");
	env.cr4_allowed |= BIT(12);
	assert_passes();
	realmode();
	vmcb.save.cr4 = BIT(32) | BIT(15);
	assert_fails("guest CR4 0x100008000: bit 15 is reserved");
	vmcb.save.cr4 = BIT(63);
	assert_fails("guest CR4 0x8000000000000000: bit 63 is reserved");
}

static void dr6_dr7_high_bits(void **state)
{
	(void)state;
	long64();
	vmcb.save.dr6 = BIT(32) | 0xffff0ff0;
	assert_fails("guest DR6 0x1ffff0ff0: bits 63:32 must be 0");
	long64();
	vmcb.save.dr7 = BIT(63) | 0x400;
	assert_fails("guest DR7 0x8000000000000400: bits 63:32 must be 0");
}

static void efer_reserved_bits(void **state)
{
	(void)state;
	long64();
	vmcb.save.efer |= BIT(9);
	assert_fails("guest EFER 0x1f01: bit 9 is reserved on this CPU");
	realmode();
	vmcb.save.efer |= BIT(16);
	assert_fails("guest EFER 0x11000: bit 16 is reserved");
	/* without long mode, LME and LMA are reserved */
	long64();
	env.efer_allowed &= ~(EFER_LME | EFER_LMA);
	assert_fails("guest EFER 0x1d01: bit 8 is reserved on this CPU");
}

static void long_mode_needs_pae(void **state)
{
	(void)state;
	long64();
	vmcb.save.cr4 &= ~BIT(5);
	assert_fails("guest CR4 0x680: PAE (bit 5) must be 1 with EFER.LME and CR0.PG");
	/* LMA is VMRUN's to set: LME and PG alone decide */
	vmcb.save.efer &= ~EFER_LMA;
	assert_fails("guest CR4 0x680: PAE (bit 5) must be 1");
	vmcb.save.efer &= ~EFER_LME;
	assert_passes();
}

static void long_mode_needs_pe(void **state)
{
	(void)state;
	long64();
	vmcb.save.cr0 &= ~BIT(0);
	assert_fails("guest CR0 0x80050032: PE (bit 0) must be 1 with EFER.LME and CR0.PG");
}

static void long_mode_cs_not_l_and_d(void **state)
{
	(void)state;
	long64();
	vmcb.save.cs.attr = 0xe9b;	/* G, D, L */
	assert_fails("guest CS attributes 0xe9b: L (bit 9) and D (bit 10) must not both be 1");
	vmcb.save.cs.attr = 0xc9b;	/* compatibility mode */
	assert_passes();
}

/* --- the controls --------------------------------------------------------------- */

static void vmrun_intercepted(void **state)
{
	(void)state;
	long64();
	vmcb.ctl.intercepts2 &= ~INTERCEPT_VMRUN;
	assert_fails("guest intercepts2 0x3c7e: VMRUN (bit 0) must be intercepted");
	realmode();
	vmcb.ctl.intercepts2 = 0;
	assert_fails("guest intercepts2 0x0: VMRUN (bit 0) must be intercepted");
}

static void permission_maps_below_maxphyaddr(void **state)
{
	(void)state;
	/* the MSRPM is 8 KiB, the IOPM 12 KiB; bits 11:0 of each base are
	 * ignored */
	long64();
	vmcb.ctl.msrpm_pa = BIT(48) - 0x2000 + 0xfff;
	assert_passes();
	vmcb.ctl.msrpm_pa = BIT(48) - 0x1000;
	assert_fails("guest MSRPM base 0xfffffffff000: the 8 KiB map must end below 2^48");
	vmcb.ctl.msrpm_pa = BIT(63);
	assert_fails("guest MSRPM base 0x8000000000000000: the 8 KiB map");
	long64();
	vmcb.ctl.iopm_pa = BIT(48) - 0x3000;
	assert_passes();
	vmcb.ctl.iopm_pa = BIT(48) - 0x2000;
	assert_fails("guest IOPM base 0xffffffffe000: the 12 KiB map must end below 2^48");
	vmcb.ctl.iopm_pa = ~0ull;
	assert_fails("guest IOPM base 0xffffffffffffffff: the 12 KiB map");
}

static void event_injection_types(void **state)
{
	(void)state;
	long64();
	vmcb.ctl.event_inj = INJECT(0, 0x20);	/* external interrupt */
	assert_passes();
	vmcb.ctl.event_inj = INJECT(2, 0);	/* NMI: the vector is ignored */
	assert_passes();
	vmcb.ctl.event_inj = INJECT(4, 0x80);	/* INT 0x80 */
	assert_passes();
	vmcb.ctl.event_inj = INJECT(1, 0x20);
	assert_fails("guest EVENTINJ 0x80000120: type 1 is reserved");
	for (u32 type = 5; type < 8; type++) {
		vmcb.ctl.event_inj = INJECT(type, 0);
		assert_fails("is reserved (0, 2, 3, 4 are defined)");
	}
	/* not valid: nothing is looked at */
	vmcb.ctl.event_inj = 0x7ff;
	assert_passes();
}

static void event_injection_exception_vectors(void **state)
{
	static const u8 exceptions[] = { 0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17,
					 18, 19, 21, 28, 29, 30 };
	static const u8 others[] = { 2, 9, 15, 20, 22, 23, 24, 25, 26, 27, 31, 32, 0xff };

	(void)state;
	long64();
	for (size_t k = 0; k < ARRAY_SIZE(exceptions); k++) {
		vmcb.ctl.event_inj = INJECT(3, exceptions[k]);
		assert_passes();
	}
	vmcb.ctl.event_inj = INJECT(3, 14) | INJECT_EV | (u64)0x2 << 32;	/* #PF, write */
	assert_passes();
	vmcb.ctl.event_inj = INJECT(3, 2);
	assert_fails("guest EVENTINJ 0x80000302: vector 2 is not an exception (type 3)");
	for (size_t k = 0; k < ARRAY_SIZE(others); k++) {
		vmcb.ctl.event_inj = INJECT(3, others[k]);
		assert_fails("is not an exception (type 3)");
	}
}

static void asid_not_zero(void **state)
{
	(void)state;
	realmode();
	vmcb.ctl.asid = 0;
	assert_fails("guest ASID 0x0: must not be 0");
}

/* --- beside the APM's list ------------------------------------------------------ */

static void cet_needs_wp(void **state)
{
	(void)state;
	long64();
	vmcb.save.cr4 |= BIT(23);
	assert_passes();
	vmcb.save.cr0 &= ~BIT(16);
	assert_fails("guest CR4 0x8006a0: CET (bit 23) needs CR0.WP (bit 16)");
}

static void nested_paging(void **state)
{
	(void)state;
	long64();
	vmcb.ctl.n_cr3 = BIT(50) | 0x2000000;
	assert_fails("guest nCR3 0x4000002000000: bits 63:48 must be 0 (MAXPHYADDR) with nested");
	long64();
	vmcb.save.g_pat = 0x0007040600070306;	/* PA1 = 3, reserved */
	assert_fails("guest G_PAT 0x7040600070306: PA1 is not a memory type (0, 1, 4-7)");
	vmcb.save.g_pat = 0x0007040200070406;	/* PA4 = 2, reserved */
	assert_fails("guest G_PAT 0x7040200070406: PA4 is not a memory type");
	vmcb.save.g_pat = 0x0807040600070406;	/* PA7 = 8 */
	assert_fails("guest G_PAT 0x807040600070406: PA7 is not a memory type");
	vmcb.save.g_pat = 0x0706050401000100;	/* every type there is */
	assert_passes();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_guests_pass),
		cmocka_unit_test(message_is_one_line_in_the_buffer),
		cmocka_unit_test(efer_svme),
		cmocka_unit_test(cr0_nw_without_cd),
		cmocka_unit_test(cr0_high_bits),
		cmocka_unit_test(cr3_within_maxphyaddr),
		cmocka_unit_test(cr4_reserved_bits),
		cmocka_unit_test(dr6_dr7_high_bits),
		cmocka_unit_test(efer_reserved_bits),
		cmocka_unit_test(long_mode_needs_pae),
		cmocka_unit_test(long_mode_needs_pe),
		cmocka_unit_test(long_mode_cs_not_l_and_d),
		cmocka_unit_test(vmrun_intercepted),
		cmocka_unit_test(permission_maps_below_maxphyaddr),
		cmocka_unit_test(event_injection_types),
		cmocka_unit_test(event_injection_exception_vectors),
		cmocka_unit_test(asid_not_zero),
		cmocka_unit_test(cet_needs_wp),
		cmocka_unit_test(nested_paging),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
