/* xcr0: XSETBV/XGETBV on XCR0 behave as on hardware, within what the
 * guest's CPUID offers: XCR0 is 1 at start; x87|SSE (and AVX where
 * offered) take and read back; XCR0 without x87, AVX without SSE, a bit
 * CPUID leaf 0xD does not offer, XCR1, and XSETBV at CPL 3 raise #GP(0)
 * and change nothing; XGETBV works at CPL 3. CPUID follows the guest's
 * state: leaf 1 OSXSAVE tracks CR4.OSXSAVE, leaf 0xD EBX the size of the
 * XSAVE area for the current XCR0. Without XSAVE in CPUID the
 * guest reports a single SKIP. Long mode. */
#include "guest.h"
#include "cpu.h"

struct xset {
	u32 xcr;
	u64 val;
};

static void do_xsetbv(void *arg)
{
	struct xset *x = arg;

	xsetbv(x->xcr, x->val);
}

static void user_xgetbv(void *arg)
{
	*(u64 *)arg = xgetbv(0);
}

static void expect_gp(u32 xcr, u64 val, const char *what)
{
	struct xset x = { xcr, val };
	u32 v = catch_fault(do_xsetbv, &x);

	check_fault(v, X86_GP, 0, 0, "%s raises #GP(0)", what);
}

void test_main(void)
{
	struct cpuid d;
	u64 offered, x;
	struct xset x3 = { 0, 3 };
	u32 v, bit, size, osxsave_off;

	if (!(cpuid(1).c & (1u << 26))) {
		test_skip("XCR0: CPUID offers no XSAVE");
		return;
	}
	d = cpuid2(0xd, 0);
	offered = (u64)d.d << 32 | d.a;
	osxsave_off = cpuid(1).c >> 27 & 1;
	write_cr4(read_cr4() | CR4_OSXSAVE);
	test_check(!osxsave_off && (cpuid(1).c >> 27 & 1),
		   "CPUID 1 OSXSAVE follows CR4.OSXSAVE (%u before, %u after)", osxsave_off,
		   cpuid(1).c >> 27 & 1);

	x = xgetbv(0);
	test_check(x == 1, "XCR0 is 1 at start (%#llx)", (unsigned long long)x);
	v = catch_fault(do_xsetbv, &x3);
	x = xgetbv(0);
	test_check(v == NO_FAULT && x == 3, "XCR0 takes x87|SSE and reads back 3 (%s, %#llx)",
		   vector_name(v), (unsigned long long)x);
	size = cpuid2(0xd, 0).b;
	test_check(size == 576, "CPUID 0xD EBX is 576 for XCR0 = x87|SSE (%u)", size);
	if (offered & 4) {
		struct xset x7 = { 0, 7 };

		v = catch_fault(do_xsetbv, &x7);
		x = xgetbv(0);
		test_check(v == NO_FAULT && x == 7, "XCR0 takes AVX and reads back 7 (%s, %#llx)",
			   vector_name(v), (unsigned long long)x);
		d = cpuid2(0xd, 2);
		size = cpuid2(0xd, 0).b;
		test_check(size == d.b + d.a, "CPUID 0xD EBX grows to %u with AVX (%u)", d.b + d.a,
			   size);
		xsetbv(0, 3);
	} else {
		test_skip("XCR0 takes AVX: not offered by CPUID 0xD");
		test_skip("CPUID 0xD EBX grows with AVX: not offered");
	}

	expect_gp(0, 0, "XCR0 = 0 (no x87)");
	expect_gp(0, 5, "XCR0 = 5 (AVX without SSE)");
	for (bit = 2; bit < 63 && (offered >> bit & 1); bit++)
		;
	expect_gp(0, 3 | 1ull << bit, "an XCR0 bit CPUID 0xD does not offer");
	expect_gp(1, 1, "XSETBV to XCR1");
	x3.val = 3;
	v = run_user(do_xsetbv, &x3);
	check_fault(v, X86_GP, 0, 0, "XSETBV at CPL 3 raises #GP(0)");
	x = 0;
	v = run_user(user_xgetbv, &x);
	test_check(v == NO_FAULT && x == 3, "XGETBV at CPL 3 reads XCR0 (%s, %#llx)", vector_name(v),
		   (unsigned long long)x);
}
