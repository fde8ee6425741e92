/* Building the guest's CPUID view (hv/exits/cpuid_view.h). The allow lists below
 * name each bit passed on; a bit is left out when lucid does not give a
 * guest what it promises: virtualisation extensions, the local APIC, x2APIC
 * and the TSC deadline timer (the VM's local APIC device offers them,
 * through cpuid_vcpu_state: a VM without one has none), MTRR, MCE/MCA,
 * performance counters, debug store, speculation-control and capability
 * MSRs (lucid answers only the MSRs in hv/exits/msr.c; the others raise #GP),
 * MONITOR/MWAIT (intercepted), state lucid does not switch between guests
 * (PKRU, MPX, CET, AMX, Intel PT, XSS through XSAVES), SGX, and the host's
 * topology beyond what a VM has. */
#include "hv/exits/cpuid_view.h"
#include "hv/exits/hypercall_abi.h"
#include "lib/string.h"

#define B(n) (1u << (n))
#define ALL 0xffffffffu

#define XF_AVX (1ull << 2)
#define XF_AVX512 (7ull << 5)
#define XSAVE_LEGACY_AND_HEADER 576u

/* Leaf 1. */
#define L1_ECX (B(0) | B(1) | B(9) | B(12) | B(13) | B(17) | B(19) | B(20) | B(22) | B(23) | \
		B(25) | B(26) | B(28) | B(29) | B(30))
	/* SSE3 PCLMULQDQ SSSE3 FMA CX16 PCID SSE4.1 SSE4.2 MOVBE POPCNT AES
	 * XSAVE AVX F16C RDRAND */
#define L1_ECX_XSAVE B(26)
#define L1_ECX_OSXSAVE B(27)
#define L1_ECX_HYPERVISOR B(31)
#define L1_ECX_AVX (B(12) | B(28) | B(29))
#define L1_EDX (B(0) | B(1) | B(2) | B(3) | B(4) | B(5) | B(6) | B(8) | B(11) | B(13) | \
		B(15) | B(16) | B(17) | B(19) | B(23) | B(24) | B(25) | B(26) | B(27))
	/* FPU VME DE PSE TSC MSR PAE CX8 SEP PGE CMOV PAT PSE36 CLFSH MMX FXSR
	 * SSE SSE2 SS */
#define L1_EDX_HTT B(28)
#define L1_EBX 0xffffu  /* brand index, CLFLUSH line size */

/* Leaf 4 EAX: cache type, level and the like; the sharing and core counts
 * (bits 14-31) are the host's topology, so they read as one. */
#define L4_EAX 0x3fffu

/* Leaf 7, subleaf 0 (EAX = 0: no subleaf 1). */
#define L7_EBX (B(0) | B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) | B(10) | B(11) | \
		B(13) | B(16) | B(17) | B(18) | B(19) | B(20) | B(21) | B(23) | B(24) | \
		B(26) | B(27) | B(28) | B(29) | B(30) | B(31))
	/* FSGSBASE BMI1 HLE AVX2 FDP_EXCPTN_ONLY SMEP BMI2 ERMS INVPCID RTM
	 * ZERO_FCS_FDS AVX512F/DQ RDSEED ADX SMAP AVX512IFMA CLFLUSHOPT CLWB
	 * AVX512PF/ER/CD SHA AVX512BW/VL */
#define L7_ECX (B(0) | B(1) | B(2) | B(6) | B(8) | B(9) | B(10) | B(11) | B(12) | B(14) | \
		B(16) | B(22) | B(27) | B(28))
	/* PREFETCHWT1 AVX512VBMI UMIP AVX512VBMI2 GFNI VAES VPCLMULQDQ
	 * AVX512VNNI AVX512BITALG AVX512VPOPCNTDQ LA57 RDPID MOVDIRI MOVDIR64B */
#define L7_EDX (B(2) | B(3) | B(4) | B(8) | B(10) | B(14) | B(23))
	/* AVX512_4VNNIW AVX512_4FMAPS FSRM AVX512_VP2INTERSECT MD_CLEAR
	 * SERIALIZE AVX512FP16 */
#define L7_EBX_AVX B(5)
#define L7_ECX_AVX (B(9) | B(10))
#define L7_EBX_AVX512 (B(16) | B(17) | B(21) | B(26) | B(27) | B(28) | B(30) | B(31))
#define L7_ECX_AVX512 (B(1) | B(6) | B(11) | B(12) | B(14))
#define L7_EDX_AVX512 (B(2) | B(3) | B(8) | B(23))

/* Leaf 0xD, subleaf 1: XSAVEOPT XSAVEC XGETBV1 (not XSAVES: no XSS). */
#define LD1_EAX (B(0) | B(1) | B(2))
#define LD1_EAX_XSAVEC B(1)
#define LDN_ECX_ALIGN64 B(1)

/* Leaf 0x80000001. */
#define E1_ECX (B(0) | B(5) | B(6) | B(7) | B(8) | B(11) | B(16) | B(21))
	/* LAHF ABM SSE4A MISALIGNSSE 3DNOWPREFETCH XOP FMA4 TBM */
#define E1_ECX_AVX (B(11) | B(16))
#define E1_EDX (B(0) | B(1) | B(2) | B(3) | B(4) | B(5) | B(6) | B(8) | B(11) | B(13) | \
		B(15) | B(16) | B(17) | B(20) | B(22) | B(23) | B(24) | B(25) | B(26) | \
		B(27) | B(29) | B(30) | B(31))
	/* the leaf 1 EDX twins, SYSCALL NX MMXEXT FFXSR PAGE1GB RDTSCP LM
	 * 3DNOWEXT 3DNOW */

#define E7_EDX_INVARIANT_TSC B(8)
#define E8_EBX (B(0) | B(2) | B(9)) /* CLZERO XSAVEERPTR WBNOINVD */

#define MAX_BASIC 0x16u
#define MAX_EXT 0x80000008u

enum special { PLAIN, PER_VCPU, XSAVE_LEAF, HIGHEST_LEAF };

struct leaf_rule {
	u32 leaf;
	u8 nsub;       /* as in struct cpuid_slot */
	u8 special;
	u32 keep[4];   /* EAX, EBX, ECX, EDX: the host bits passed on */
};

static const struct leaf_rule rules[] = {
	{ 0x0, 0, HIGHEST_LEAF, { 0, ALL, ALL, ALL } },
	{ 0x1, 0, PER_VCPU, { ALL, L1_EBX, L1_ECX, L1_EDX } },
	{ 0x2, 0, PLAIN, { ALL, ALL, ALL, ALL } },       /* cache descriptors */
	{ 0x4, 8, PLAIN, { L4_EAX, ALL, ALL, ALL } },    /* cache parameters */
	{ 0x7, 1, PLAIN, { 0, L7_EBX, L7_ECX, L7_EDX } },
	{ 0xd, 64, XSAVE_LEAF, { 0 } },
	{ 0x15, 0, PLAIN, { ALL, ALL, ALL, ALL } },      /* TSC/crystal ratio */
	{ 0x16, 0, PLAIN, { ALL, ALL, ALL, ALL } },      /* frequencies */
	{ 0x80000000, 0, HIGHEST_LEAF, { 0, ALL, ALL, ALL } },
	{ 0x80000001, 0, PLAIN, { ALL, ALL, E1_ECX, E1_EDX } },
	{ 0x80000002, 0, PLAIN, { ALL, ALL, ALL, ALL } }, /* brand string */
	{ 0x80000003, 0, PLAIN, { ALL, ALL, ALL, ALL } },
	{ 0x80000004, 0, PLAIN, { ALL, ALL, ALL, ALL } },
	{ 0x80000005, 0, PLAIN, { ALL, ALL, ALL, ALL } }, /* L1 caches, TLBs */
	{ 0x80000006, 0, PLAIN, { ALL, ALL, ALL, ALL } }, /* L2/L3 */
	{ 0x80000007, 0, PLAIN, { 0, 0, 0, E7_EDX_INVARIANT_TSC } },
	{ 0x80000008, 0, PER_VCPU, { ALL, E8_EBX, 0, 0 } }, /* address sizes */
};

/* Each CR4 bit and the CPUID feature that offers it (Intel SDM vol. 3,
 * 2.5; AMD APM vol. 2, 3.1.3). PCE has none: it only lets CPL 3 read the
 * counters, which are the guest's own or its CPUID hides them. Bits not
 * listed are reserved. */
enum { EAX, EBX, ECX, EDX };
static const struct cr4_feature {
	u8 bit;
	u32 leaf;
	u8 sub, reg, feature;
} cr4_features[] = {
	{ 0, 1, 0, EDX, 1 },	/* VME */
	{ 1, 1, 0, EDX, 1 },	/* PVI: VME */
	{ 2, 1, 0, EDX, 4 },	/* TSD: TSC */
	{ 3, 1, 0, EDX, 2 },	/* DE */
	{ 4, 1, 0, EDX, 3 },	/* PSE */
	{ 5, 1, 0, EDX, 6 },	/* PAE */
	{ 6, 1, 0, EDX, 7 },	/* MCE */
	{ 7, 1, 0, EDX, 13 },	/* PGE */
	{ 9, 1, 0, EDX, 24 },	/* OSFXSR: FXSR */
	{ 10, 1, 0, EDX, 25 },	/* OSXMMEXCPT: SSE */
	{ 11, 7, 0, ECX, 2 },	/* UMIP */
	{ 12, 7, 0, ECX, 16 },	/* LA57 */
	{ 13, 1, 0, ECX, 5 },	/* VMXE: VMX */
	{ 14, 1, 0, ECX, 6 },	/* SMXE: SMX */
	{ 16, 7, 0, EBX, 0 },	/* FSGSBASE */
	{ 17, 1, 0, ECX, 17 },	/* PCIDE: PCID */
	{ 18, 1, 0, ECX, 26 },	/* OSXSAVE: XSAVE */
	{ 19, 7, 0, ECX, 23 },	/* KL */
	{ 20, 7, 0, EBX, 7 },	/* SMEP */
	{ 21, 7, 0, EBX, 20 },	/* SMAP */
	{ 22, 7, 0, ECX, 3 },	/* PKE: PKU */
	{ 23, 7, 0, ECX, 7 },	/* CET: shadow stacks */
	{ 23, 7, 0, EDX, 20 },	/* CET: indirect branch tracking */
	{ 24, 7, 0, ECX, 31 },	/* PKS */
	{ 25, 7, 0, EDX, 5 },	/* UINTR */
	{ 28, 7, 1, EAX, 26 },	/* LAM_SUP: LAM */
	{ 32, 7, 1, EAX, 17 },	/* FRED */
};

static u64 cr4_offered(const struct cpuid_view *cv)
{
	u64 cr4 = CR4_PCE;

	for (u32 i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		const struct cr4_feature *f = &cr4_features[i];
		bool per_vcpu;
		const struct cpuid_regs *r = cpuid_view_find(cv, f->leaf, f->sub, &per_vcpu);
		const u32 regs[4] = { r->eax, r->ebx, r->ecx, r->edx };

		if (regs[f->reg] >> f->feature & 1)
			cr4 |= 1ull << f->bit;
	}
	return cr4;
}

static struct cpuid_regs masked(struct cpuid_regs r, const u32 keep[4])
{
	return (struct cpuid_regs){ r.eax & keep[0], r.ebx & keep[1], r.ecx & keep[2],
				    r.edx & keep[3] };
}

/* The XCR0 bits a guest may set: those lucid switches that the CPU has. */
static u64 offered_xfeatures(cpuid_fn host, u32 max_basic, u64 xfeatures)
{
	struct cpuid_regs s0;

	if (max_basic < 0xd || !(host(1, 0).ecx & L1_ECX_XSAVE))
		return 0;
	s0 = host(0xd, 0);
	return xfeatures & (((u64)s0.edx << 32) | s0.eax);
}

/* Leaf 0xD for the components a guest may enable, and their layout. */
static void xsave_leaf(struct cpuid_view *cv, cpuid_fn host, struct cpuid_regs *e)
{
	u64 xf = cv->xfeatures;
	struct cpuid_vcpu_state all = { .xcr0 = xf };

	if (!xf)
		return; /* zeros */
	for (u32 i = 2; i < 64; i++) {
		struct cpuid_regs c;

		if (!(xf >> i & 1))
			continue;
		c = host(0xd, i);
		e[i] = (struct cpuid_regs){ c.eax, c.ebx, c.ecx & LDN_ECX_ALIGN64, 0 };
		cv->xsave_size[i] = c.eax;
		cv->xsave_offset[i] = c.ebx;
		if (c.ecx & LDN_ECX_ALIGN64)
			cv->xsave_align64 |= 1ull << i;
	}
	e[0] = (struct cpuid_regs){ (u32)xf, 0, 0, (u32)(xf >> 32) };
	e[1] = (struct cpuid_regs){ host(0xd, 1).eax & LD1_EAX, 0, 0, 0 };
	/* ECX: the area for every component offered, in the standard format. */
	cpuid_view_fixup(cv, 0xd, 0, &all, &e[0]);
	e[0].ecx = e[0].ebx;
	e[0].ebx = 0;
}

/* Features that need state lucid does not switch: AVX without the YMM
 * component, AVX-512 without its three. */
static void hide_unswitched(struct cpuid_view *cv, u32 leaf, struct cpuid_regs *r)
{
	bool avx = cv->xfeatures & XF_AVX;
	bool avx512 = (cv->xfeatures & XF_AVX512) == XF_AVX512;

	if (leaf == 1) {
		if (!cv->xfeatures)
			r->ecx &= ~L1_ECX_XSAVE;
		if (!avx)
			r->ecx &= ~L1_ECX_AVX;
	} else if (leaf == 7) {
		if (!avx) {
			r->ebx &= ~L7_EBX_AVX;
			r->ecx &= ~L7_ECX_AVX;
		}
		if (!avx512) {
			r->ebx &= ~L7_EBX_AVX512;
			r->ecx &= ~L7_ECX_AVX512;
			r->edx &= ~L7_EDX_AVX512;
		}
	} else if (leaf == 0x80000001 && !avx) {
		r->ecx &= ~E1_ECX_AVX;
	}
}

void cpuid_view_set_tsc(struct cpuid_view *cv, u64 tsc_hz)
{
	if (cv->max[0] < 0x15 || !tsc_hz || tsc_hz > 0xffffffffull)
		return;
	cv->entries[cv->slot[0][0x15].first] = (struct cpuid_regs){ 1, 1, (u32)tsc_hz, 0 };
}

void cpuid_view_build(struct cpuid_view *cv, cpuid_fn host, u64 xfeatures)
{
	u32 host_max[CPUID_RANGES];

	memset(cv, 0, sizeof(*cv));
	host_max[0] = MIN(host(0, 0).eax, MAX_BASIC);
	host_max[1] = LUCID_CPUID_ABI;
	host_max[2] = host(0x80000000, 0).eax;
	host_max[2] = host_max[2] >= 0x80000000u ? MIN(host_max[2], MAX_EXT) : 0;
	for (u32 r = 0; r < CPUID_RANGES; r++)
		cv->max[r] = host_max[r] & 0x3fffffff;
	cv->xfeatures = offered_xfeatures(host, host_max[0], xfeatures);
	cv->n = 1; /* entries[0]: zeros, for every leaf not listed */

	for (u32 i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct leaf_rule *rule = &rules[i];
		u32 range = rule->leaf >> 30, idx = rule->leaf & 0x3fffffff;
		u32 n = rule->nsub ? rule->nsub : 1;
		struct cpuid_regs *e = &cv->entries[cv->n];

		if (rule->leaf > host_max[range])
			continue;
		cv->slot[range][idx] = (struct cpuid_slot){ (u16)cv->n, rule->nsub,
							     rule->special == PER_VCPU ||
							     rule->special == XSAVE_LEAF };
		cv->n += n;
		if (rule->special == XSAVE_LEAF) {
			xsave_leaf(cv, host, e);
			continue;
		}
		for (u32 sub = 0; sub < n; sub++) {
			e[sub] = masked(host(rule->leaf, sub), rule->keep);
			hide_unswitched(cv, rule->leaf, &e[sub]);
		}
		if (rule->special == HIGHEST_LEAF)
			e[0].eax = host_max[range];
	}

	cv->slot[1][0] = (struct cpuid_slot){ (u16)cv->n, 0, false };
	cv->entries[cv->n++] = (struct cpuid_regs){ LUCID_CPUID_ABI, LUCID_CPUID_SIG_EBX,
						    LUCID_CPUID_SIG_ECX, LUCID_CPUID_SIG_EDX };
	cv->slot[1][1] = (struct cpuid_slot){ (u16)cv->n, 0, true };
	cv->entries[cv->n++] = (struct cpuid_regs){ LUCID_ABI_VERSION, 0, 0, 0 };
	cv->cr4 = cr4_offered(cv);
}

/* The XSAVE area for xcr0: standard format (offsets fixed by the CPU) or
 * compacted (components packed in order, some aligned to 64 bytes). */
static u32 xsave_size(const struct cpuid_view *cv, u64 xcr0, bool compacted)
{
	u32 size = XSAVE_LEGACY_AND_HEADER;

	for (u32 i = 2; i < 64; i++) {
		if (!(xcr0 & cv->xfeatures & (1ull << i)))
			continue;
		if (compacted) {
			if (cv->xsave_align64 >> i & 1)
				size = ALIGN_UP(size, 64u);
			size += cv->xsave_size[i];
		} else {
			size = MAX(size, cv->xsave_offset[i] + cv->xsave_size[i]);
		}
	}
	return size;
}

void cpuid_view_fixup(const struct cpuid_view *cv, u32 leaf, u32 sub,
		      const struct cpuid_vcpu_state *s, struct cpuid_regs *r)
{
	switch (leaf) {
	case 1:
		r->ebx = (r->ebx & L1_EBX) | (MIN(s->nvcpus, 0xffu) << 16) | (s->apic_id << 24);
		r->ecx |= L1_ECX_HYPERVISOR | s->l1_ecx;
		r->edx |= s->l1_edx;
		if ((r->ecx & L1_ECX_XSAVE) && (s->cr4 & CR4_OSXSAVE))
			r->ecx |= L1_ECX_OSXSAVE;
		if (s->nvcpus > 1)
			r->edx |= L1_EDX_HTT;
		break;
	case 0xd:
		if (!cv->xfeatures || sub > 1)
			break;
		if (sub == 0)
			r->ebx = xsave_size(cv, s->xcr0, false);
		else if (r->eax & LD1_EAX_XSAVEC)
			r->ebx = xsave_size(cv, s->xcr0, true);
		break;
	case LUCID_CPUID_ABI:
		r->ebx = s->resets;
		break;
	case 0x80000008:
		r->ecx = s->nvcpus ? (s->nvcpus - 1) & 0xff : 0; /* cores in the package - 1 */
		break;
	}
}
