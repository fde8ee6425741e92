/* Host tests for the guest's CPUID view (hv/exits/cpuid_view.c), fed made-up
 * host CPUs: one that sets every bit of every leaf (so the allow lists
 * alone decide what a guest sees), and an old one without XSAVE or the
 * later leaves. Bit positions are spelled out from the Intel SDM (vol. 2,
 * CPUID) and the AMD APM (vol. 3, appendix E), not taken from lucid. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/exits/cpuid_view.h"
#include "hv/exits/hypercall_abi.h"

#define BIT(n) (1u << (n))

/* XSAVE components of the rich host: x87, SSE, AVX (256 bytes at 576),
 * MPX BNDREGS/BNDCSR, AVX-512 (64 at 1088, 512 at 1152, 1024 at 1664),
 * PKRU (8 at 2688), TILECFG (64 at 2752, 64-byte aligned when compacted). */
#define HOST_XCR0 0x202ffull
struct comp { uint32_t size, offset, align; };
static const struct comp comps[18] = {
	[2] = { 256, 576, 0 }, [3] = { 64, 960, 0 }, [4] = { 64, 1024, 0 },
	[5] = { 64, 1088, 0 }, [6] = { 512, 1152, 0 }, [7] = { 1024, 1664, 0 },
	[9] = { 8, 2688, 0 }, [17] = { 64, 2752, 1 },
};

static struct cpuid_regs rich_host(u32 leaf, u32 sub)
{
	const struct cpuid_regs ones = { ~0u, ~0u, ~0u, ~0u };

	switch (leaf) {
	case 0:
		return (struct cpuid_regs){ 0x20, 0x756e6547, 0x6c65746e, 0x49656e69 };
	case 0xd:
		if (sub == 0)
			return (struct cpuid_regs){ (u32)HOST_XCR0, 2696, 2696, 0 };
		if (sub == 1)
			return ones;
		if (sub < 18 && comps[sub].size)
			return (struct cpuid_regs){ comps[sub].size, comps[sub].offset,
						    comps[sub].align << 1, 0 };
		return (struct cpuid_regs){ 0 };
	case 0x80000000:
		return (struct cpuid_regs){ 0x80000021, 0x68747541, 0x444d4163, 0x69746e65 };
	default:
		return ones;
	}
}

static struct cpuid_regs old_host(u32 leaf, u32 sub)
{
	(void)sub;
	switch (leaf) {
	case 0:
		return (struct cpuid_regs){ 4, 1, 2, 3 };
	case 1:
		return (struct cpuid_regs){ 0x6b1, 0x800, ~BIT(26) & ~BIT(27), ~0u };
	case 0x80000000:
		return (struct cpuid_regs){ 0x80000004, 0, 0, 0 };
	default:
		return (struct cpuid_regs){ 0x11111111, 0x22222222, 0x33333333, 0x44444444 };
	}
}

static struct cpuid_view cv;
static const struct cpuid_vcpu_state vcpu0 = { .apic_id = 0, .nvcpus = 1, .cr4 = 0, .xcr0 = 1 };

/* What a guest's CPUID returns: the view plus the vCPU's own parts. */
static struct cpuid_regs ask(u32 leaf, u32 sub, const struct cpuid_vcpu_state *s)
{
	bool per_vcpu;
	struct cpuid_regs r = *cpuid_view_find(&cv, leaf, sub, &per_vcpu);

	if (per_vcpu)
		cpuid_view_fixup(&cv, leaf, sub, s, &r);
	return r;
}

static void assert_zeros(struct cpuid_regs r)
{
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, 0);
	assert_int_equal(r.ecx, 0);
	assert_int_equal(r.edx, 0);
}

static int rich_setup(void **state)
{
	(void)state;
	/* lucid switches x87, SSE, AVX and AVX-512; not MPX or PKRU. */
	cpuid_view_build(&cv, rich_host, 0xe7);
	return 0;
}

static int narrow_setup(void **state)
{
	(void)state;
	/* A lucid that switches x87, SSE and AVX only. */
	cpuid_view_build(&cv, rich_host, 0x7);
	return 0;
}

static int wide_setup(void **state)
{
	(void)state;
	/* Were lucid to switch PKRU and TILECFG as well. */
	cpuid_view_build(&cv, rich_host, 0x202e7);
	return 0;
}

static int old_setup(void **state)
{
	(void)state;
	cpuid_view_build(&cv, old_host, 0);
	return 0;
}

/* Leaf 0x15 gives the TSC's rate as a crystal of that rate, ratio 1;
 * a host without the leaf, or a rate beyond 32 bits, leaves it alone. */
static void tsc_leaf(void **state)
{
	struct cpuid_regs r;

	(void)state;
	cpuid_view_set_tsc(&cv, 2500000000ull);
	r = ask(0x15, 0, &vcpu0);
	assert_int_equal(r.eax, 1);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 2500000000u);
	assert_int_equal(r.edx, 0);
	cpuid_view_set_tsc(&cv, 0x100000000ull);
	assert_int_equal(ask(0x15, 0, &vcpu0).ecx, 2500000000u);
	cpuid_view_build(&cv, old_host, 0);
	cpuid_view_set_tsc(&cv, 2500000000ull);
	r = ask(0x15, 0, &vcpu0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	cpuid_view_build(&cv, rich_host, 0xe7);
}

static void highest_leaves_capped_at_what_lucid_lists(void **state)
{
	(void)state;
	struct cpuid_regs r = ask(0, 0, &vcpu0);

	assert_int_equal(r.eax, 0x16);
	assert_int_equal(r.ebx, 0x756e6547); /* vendor passed on */
	assert_int_equal(ask(0x80000000, 0, &vcpu0).eax, 0x80000008);
	assert_true(cv.n <= CPUID_VIEW_ENTRIES);
}

static void unlisted_and_out_of_range_leaves_read_zeros(void **state)
{
	(void)state;
	static const u32 zero_leaves[] = {
		3, 5, 6, 0xa, 0xb, 0x12, 0x14, 0x17, 0x1f, 0x20, 0x21, 0x1000,
		0x3fffffff, 0x40000002, 0x400000ff, 0x7fffffff,
		0x80000009, 0x8000000a, 0x8000001f, 0x80000021, 0xc0000000, 0xffffffff,
	};

	for (size_t i = 0; i < sizeof(zero_leaves) / sizeof(zero_leaves[0]); i++)
		assert_zeros(ask(zero_leaves[i], 0, &vcpu0));
}

static void lucid_leaves(void **state)
{
	(void)state;
	struct cpuid_regs r = ask(0x40000000, 0, &vcpu0);

	assert_int_equal(r.eax, 0x40000001);
	assert_memory_equal(&r.ebx, "LucidHVisor!", 4);
	assert_memory_equal(&r.ecx, "LucidHVisor!" + 4, 4);
	assert_memory_equal(&r.edx, "LucidHVisor!" + 8, 4);
	assert_int_equal(ask(0x40000001, 0, &vcpu0).eax, LUCID_ABI_VERSION);
	assert_int_equal(ask(0x40000001, 0, &vcpu0).ebx, 0);
	struct cpuid_vcpu_state rebooted = vcpu0;
	rebooted.resets = 7;
	assert_int_equal(ask(0x40000001, 0, &rebooted).ebx, 7);
	assert_int_equal(ask(0x40000001, 0, &rebooted).eax, LUCID_ABI_VERSION);
}

static void leaf1_hides_what_lucid_does_not_give(void **state)
{
	(void)state;
	struct cpuid_regs r = ask(1, 0, &vcpu0);
	static const int ecx_hidden[] = { 2, 3, 4, 5, 6, 7, 8, 10, 11, 14, 15, 16, 18, 21, 24, 27 };
	static const int edx_hidden[] = { 7, 9, 12, 14, 18, 21, 22, 28, 29, 31 };

	for (size_t i = 0; i < sizeof(ecx_hidden) / sizeof(int); i++)
		assert_false(r.ecx & BIT(ecx_hidden[i]));
	for (size_t i = 0; i < sizeof(edx_hidden) / sizeof(int); i++)
		assert_false(r.edx & BIT(edx_hidden[i]));
	assert_true(r.ecx & BIT(31));                  /* hypervisor */
	assert_true(r.ecx & BIT(26));                  /* XSAVE */
	assert_true(r.ecx & BIT(28));                  /* AVX */
	assert_true(r.ecx & BIT(0) && r.ecx & BIT(20)); /* SSE3, SSE4.2 */
	assert_true(r.edx & BIT(0) && r.edx & BIT(26)); /* FPU, SSE2 */
	assert_int_equal(r.eax, 0xffffffff);
	assert_int_equal(r.ebx, 0x0001ffff);           /* 1 CPU, APIC ID 0 */
}

static void leaf1_follows_the_vcpu(void **state)
{
	(void)state;
	struct cpuid_vcpu_state s = { .apic_id = 3, .nvcpus = 4, .cr4 = 1ull << 18, .xcr0 = 1 };
	struct cpuid_regs r = ask(1, 0, &s);

	assert_int_equal(r.ebx >> 24, 3);
	assert_int_equal(r.ebx >> 16 & 0xff, 4);
	assert_true(r.edx & BIT(28));                  /* HTT with more than one */
	assert_true(r.ecx & BIT(27));                  /* OSXSAVE from CR4 */
	s.cr4 = 0;
	assert_false(ask(1, 0, &s).ecx & BIT(27));
	/* The view itself is not changed by a fixup. */
	bool per_vcpu;
	assert_false(cpuid_view_find(&cv, 1, 0, &per_vcpu)->ebx >> 16);
	assert_true(per_vcpu);
	cpuid_view_find(&cv, 0, 0, &per_vcpu);
	assert_false(per_vcpu);
}

static void leaf4_subleaves_and_topology(void **state)
{
	(void)state;
	assert_int_equal(ask(4, 0, &vcpu0).eax, 0x3fff); /* no host core counts */
	assert_int_equal(ask(4, 7, &vcpu0).ebx, 0xffffffff);
	assert_zeros(ask(4, 8, &vcpu0));
	assert_zeros(ask(4, 0xffffffff, &vcpu0));
}

static void leaf7_allow_list(void **state)
{
	(void)state;
	struct cpuid_regs r = ask(7, 0, &vcpu0);

	assert_int_equal(r.eax, 0);                    /* no subleaf 1 */
	assert_zeros(ask(7, 1, &vcpu0));
	assert_false(r.ebx & BIT(2));                  /* SGX */
	assert_false(r.ebx & BIT(1));                  /* TSC_ADJUST MSR */
	assert_false(r.ebx & BIT(14));                 /* MPX */
	assert_false(r.ebx & BIT(25));                 /* Intel PT */
	assert_false(r.ecx & BIT(3) || r.ecx & BIT(4)); /* PKU, OSPKE */
	assert_false(r.ecx & BIT(7));                  /* CET shadow stacks */
	assert_false(r.edx & BIT(20) || r.edx & BIT(24)); /* CET IBT, AMX */
	assert_false(r.edx & BIT(26) || r.edx & BIT(29)); /* SPEC_CTRL, ARCH_CAPABILITIES */
	assert_true(r.ebx & BIT(5));                   /* AVX2 */
	assert_true(r.ebx & BIT(16));                  /* AVX512F: its state is switched */
	assert_true(r.ebx & BIT(7) && r.ebx & BIT(20)); /* SMEP, SMAP */
	assert_true(r.ecx & BIT(22));                  /* RDPID */
}

static void xsave_leaf_offers_only_switched_state(void **state)
{
	(void)state;
	struct cpuid_regs r = ask(0xd, 0, &vcpu0);

	assert_int_equal(r.eax, 0xe7);
	assert_int_equal(r.edx, 0);
	assert_int_equal(r.ecx, 2688);                 /* x87..AVX-512 standard size */
	assert_int_equal(r.ebx, 576);                  /* XCR0 = x87 */
	r = ask(0xd, 1, &vcpu0);
	assert_int_equal(r.eax, 0x7);                  /* not XSAVES, not XFD */
	assert_int_equal(r.ecx, 0);
	assert_int_equal(r.edx, 0);
	r = ask(0xd, 2, &vcpu0);
	assert_int_equal(r.eax, 256);
	assert_int_equal(r.ebx, 576);
	assert_zeros(ask(0xd, 3, &vcpu0));             /* MPX: not switched */
	assert_zeros(ask(0xd, 9, &vcpu0));             /* PKRU: not switched */
	assert_zeros(ask(0xd, 64, &vcpu0));
}

static void xsave_sizes_follow_xcr0(void **state)
{
	(void)state;
	struct cpuid_vcpu_state s = vcpu0;

	s.xcr0 = 0x3;
	assert_int_equal(ask(0xd, 0, &s).ebx, 576);
	assert_int_equal(ask(0xd, 1, &s).ebx, 576);
	s.xcr0 = 0x7;
	assert_int_equal(ask(0xd, 0, &s).ebx, 832);
	assert_int_equal(ask(0xd, 1, &s).ebx, 832);
	s.xcr0 = 0xe7;
	assert_int_equal(ask(0xd, 0, &s).ebx, 2688);
	assert_int_equal(ask(0xd, 1, &s).ebx, 832 + 64 + 512 + 1024);
}

static void avx512_hidden_when_its_state_is_not_switched(void **state)
{
	(void)state;
	struct cpuid_regs r = ask(7, 0, &vcpu0);

	assert_int_equal(ask(0xd, 0, &vcpu0).eax, 0x7);
	assert_zeros(ask(0xd, 5, &vcpu0));
	assert_false(r.ebx & (BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) |
			      BIT(30) | BIT(31)));
	assert_false(r.ecx & (BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14)));
	assert_false(r.edx & (BIT(2) | BIT(3) | BIT(8) | BIT(23)));
	assert_true(r.ebx & BIT(5));                   /* AVX2 stays */
	assert_true(ask(1, 0, &vcpu0).ecx & BIT(28));  /* and AVX */
}

static void compacted_size_aligns_components(void **state)
{
	(void)state;
	struct cpuid_vcpu_state s = vcpu0;

	/* 576 + AVX 256 + AVX-512 1600 = 2432, + PKRU 8 = 2440, aligned to
	 * 2496 for TILECFG, + 64. */
	s.xcr0 = 0x202e7;
	assert_int_equal(ask(0xd, 1, &s).ebx, 2560);
	assert_int_equal(ask(0xd, 0, &s).ebx, 2752 + 64);
	assert_int_equal(ask(0xd, 17, &s).ecx, 2);     /* the alignment flag is passed on */
}

static void extended_leaves(void **state)
{
	(void)state;
	struct cpuid_vcpu_state s = { .apic_id = 1, .nvcpus = 2, .cr4 = 0, .xcr0 = 1 };
	struct cpuid_regs r = ask(0x80000001, 0, &vcpu0);
	static const int ecx_hidden[] = { 1, 2, 3, 4, 9, 10, 12, 13, 15, 22, 23, 24, 26, 28, 29 };

	for (size_t i = 0; i < sizeof(ecx_hidden) / sizeof(int); i++)
		assert_false(r.ecx & BIT(ecx_hidden[i]));
	assert_false(r.edx & BIT(9) || r.edx & BIT(12)); /* APIC, MTRR */
	assert_true(r.edx & BIT(29) && r.edx & BIT(20)); /* LM, NX */
	assert_true(r.edx & BIT(27));                  /* RDTSCP */
	r = ask(0x80000007, 0, &vcpu0);
	assert_int_equal(r.edx, BIT(8));               /* invariant TSC only */
	assert_int_equal(r.eax | r.ebx | r.ecx, 0);
	r = ask(0x80000008, 0, &s);
	assert_int_equal(r.eax, 0xffffffff);           /* address sizes */
	assert_int_equal(r.ebx, BIT(0) | BIT(2) | BIT(9));
	assert_int_equal(r.ecx, 1);                    /* two cores */
	assert_int_equal(r.edx, 0);
	assert_int_equal(ask(0x80000002, 0, &vcpu0).eax, 0xffffffff);
}

static void old_cpu_without_xsave(void **state)
{
	(void)state;
	struct cpuid_vcpu_state s = { .apic_id = 0, .nvcpus = 1, .cr4 = 1ull << 18, .xcr0 = 1 };
	struct cpuid_regs r;

	assert_int_equal(ask(0, 0, &vcpu0).eax, 4);
	assert_int_equal(ask(0x80000000, 0, &vcpu0).eax, 0x80000004);
	assert_zeros(ask(0xd, 0, &s));
	assert_zeros(ask(7, 0, &s));
	assert_zeros(ask(0x80000008, 0, &s));          /* beyond the host's range */
	r = ask(1, 0, &s);
	assert_false(r.ecx & BIT(26) || r.ecx & BIT(27)); /* no XSAVE, so no OSXSAVE */
	assert_false(r.ecx & BIT(28));                 /* nor AVX */
	assert_true(r.ecx & BIT(31));
	assert_int_equal(ask(0x80000004, 0, &vcpu0).eax, 0x11111111);
	assert_int_equal(ask(0x40000000, 0, &vcpu0).eax, 0x40000001);
}

/* CR4 bits by number: VME 0, PVI 1, TSD 2, DE 3, PSE 4, PAE 5, MCE 6,
 * PGE 7, PCE 8, OSFXSR 9, OSXMMEXCPT 10, UMIP 11, LA57 12, VMXE 13,
 * SMXE 14, FSGSBASE 16, PCIDE 17, OSXSAVE 18, KL 19, SMEP 20, SMAP 21,
 * PKE 22, CET 23, PKS 24, UINTR 25, LAM_SUP 28, FRED 32. */
#define CR4(n) (1ull << (n))

/* Every feature the view offers, and PCE; nothing it hides (MCE, VMX,
 * SMX, Key Locker, PKU, CET, PKS, UINTR, LAM, FRED), no reserved bit. */
static void cr4_bits_follow_the_view(void **state)
{
	(void)state;
	assert_int_equal(cv.cr4, CR4(0) | CR4(1) | CR4(2) | CR4(3) | CR4(4) | CR4(5) | CR4(7) |
			 CR4(8) | CR4(9) | CR4(10) | CR4(11) | CR4(12) | CR4(16) | CR4(17) |
			 CR4(18) | CR4(20) | CR4(21));
}

/* Switching PKRU is not enough: PKE waits until CPUID lists PKU. */
static void cr4_pke_waits_for_the_allow_list(void **state)
{
	(void)state;
	assert_false(cv.cr4 & CR4(22));
	assert_true(cv.cr4 & CR4(18));
}

static void cr4_bits_of_an_old_cpu(void **state)
{
	(void)state;
	assert_int_equal(cv.cr4, CR4(0) | CR4(1) | CR4(2) | CR4(3) | CR4(4) | CR4(5) | CR4(7) |
			 CR4(8) | CR4(9) | CR4(10) | CR4(17));
}

int main(void)
{
	const struct CMUnitTest rich[] = {
		cmocka_unit_test(highest_leaves_capped_at_what_lucid_lists),
		cmocka_unit_test(tsc_leaf),
		cmocka_unit_test(unlisted_and_out_of_range_leaves_read_zeros),
		cmocka_unit_test(lucid_leaves),
		cmocka_unit_test(leaf1_hides_what_lucid_does_not_give),
		cmocka_unit_test(leaf1_follows_the_vcpu),
		cmocka_unit_test(leaf4_subleaves_and_topology),
		cmocka_unit_test(leaf7_allow_list),
		cmocka_unit_test(xsave_leaf_offers_only_switched_state),
		cmocka_unit_test(xsave_sizes_follow_xcr0),
		cmocka_unit_test(extended_leaves),
		cmocka_unit_test(cr4_bits_follow_the_view),
	};
	const struct CMUnitTest narrow[] = {
		cmocka_unit_test(avx512_hidden_when_its_state_is_not_switched),
	};
	const struct CMUnitTest wide[] = {
		cmocka_unit_test(compacted_size_aligns_components),
		cmocka_unit_test(cr4_pke_waits_for_the_allow_list),
	};
	const struct CMUnitTest old[] = {
		cmocka_unit_test(old_cpu_without_xsave),
		cmocka_unit_test(cr4_bits_of_an_old_cpu),
	};

	return cmocka_run_group_tests_name("rich host", rich, rich_setup, NULL) |
	       cmocka_run_group_tests_name("rich host, AVX only", narrow, narrow_setup, NULL) |
	       cmocka_run_group_tests_name("rich host, PKRU and TILECFG", wide, wide_setup, NULL) |
	       cmocka_run_group_tests_name("old host", old, old_setup, NULL);
}
