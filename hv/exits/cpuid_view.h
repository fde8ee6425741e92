/* The CPU a guest sees through CPUID, worked out once at boot from the
 * host's answers: every leaf and bit lucid passes on is listed (an allow
 * list, so a feature of a newer CPU stays hidden until lucid supports it),
 * leaves lucid does not list read as zeros, and lucid's own leaves sit at
 * 0x40000000. What depends on the vCPU (its APIC ID, CR4.OSXSAVE, the XSAVE
 * size for its XCR0) is filled in per CPUID by cpuid_view_fixup().
 *
 * Built with a host CPUID function as a parameter so that host unit tests
 * (tests/unit/test_cpuid_view.c) can feed it any CPU. */
#ifndef HV_CPUID_VIEW_H
#define HV_CPUID_VIEW_H

#include "arch/x86/cpu.h"

typedef struct cpuid_regs (*cpuid_fn)(u32 leaf, u32 subleaf);

/* Leaves are grouped by range: basic (0x0...), lucid's (0x40000000...) and
 * extended (0x80000000...); within a range, a slot per leaf. */
#define CPUID_RANGES 3
#define CPUID_RANGE_SLOTS 0x17    /* the highest listed leaf of a range + 1 */
#define CPUID_VIEW_ENTRIES 128

struct cpuid_view {
	u32 max[CPUID_RANGES];    /* highest leaf index answered, per range */
	struct cpuid_slot {
		u16 first;        /* index in entries[] */
		u8 nsub;          /* 0: ECX is ignored; else subleaves 0..nsub-1 */
		bool per_vcpu;    /* cpuid_view_fixup has parts to fill in */
	} slot[CPUID_RANGES][CPUID_RANGE_SLOTS];
	struct cpuid_regs entries[CPUID_VIEW_ENTRIES];
	u32 n;
	/* XSAVE layout, for the sizes in leaf 0xD: each component's offset
	 * and size in the standard format, and whether the compacted format
	 * aligns it to 64 bytes. */
	u64 xfeatures;            /* what a guest may enable in XCR0 */
	u64 cr4;                  /* the CR4 bits a guest may set */
	u32 xsave_offset[64], xsave_size[64];
	u64 xsave_align64;
};

/* What leaves 1, 0xD, 0x40000001 and 0x80000008 say about the vCPU
 * asking. */
struct cpuid_vcpu_state {
	u32 apic_id;
	u32 nvcpus;   /* in its VM */
	u64 cr4;
	u64 xcr0;
	u32 resets;   /* of its VM */
	u32 l1_ecx, l1_edx;	/* leaf 1 features its VM's devices offer */
};

/* Fills cv from `host`. xfeatures: the XCR0 bits lucid switches between
 * guests (arch/x86/fpu.c); others are hidden along with their features.
 * cv->cr4 follows from the view: a CR4 bit is the guest's to set when the
 * view offers its feature, so what CPUID hides (PKU, VMX, CET...) cannot be
 * turned on either. */
void cpuid_view_build(struct cpuid_view *cv, cpuid_fn host, u64 xfeatures);
/* Leaf 0x15, where the host has it, says the TSC runs at tsc_hz: a core
 * crystal clock of tsc_hz and a ratio of 1. A guest's TSC is the host's,
 * and its local APIC timer counts at that rate too (hv/vdev/lapic.c), as
 * Linux on Intel assumes of the crystal, so it calibrates neither. A rate
 * beyond 32 bits leaves the host's leaf. */
void cpuid_view_set_tsc(struct cpuid_view *cv, u64 tsc_hz);

/* The answer for (leaf, subleaf) before the vCPU's own parts: zeros for
 * any leaf the view does not answer. *per_vcpu: whether there are such
 * parts, for cpuid_view_fixup. */
static inline const struct cpuid_regs *cpuid_view_find(const struct cpuid_view *cv, u32 leaf,
							u32 sub, bool *per_vcpu)
{
	static const struct cpuid_regs zeros;
	u32 range = leaf >> 30, idx = leaf & 0x3fffffff;
	const struct cpuid_slot *s;

	*per_vcpu = false;
	if (range >= CPUID_RANGES || idx > cv->max[range])
		return &zeros;
	s = &cv->slot[range][idx];
	*per_vcpu = s->per_vcpu;
	if (!s->nsub)
		return &cv->entries[s->first];
	return sub < s->nsub ? &cv->entries[s->first + sub] : &zeros;
}

/* Fills in the vCPU's parts of r, the view's answer for (leaf, sub). */
void cpuid_view_fixup(const struct cpuid_view *cv, u32 leaf, u32 sub,
		      const struct cpuid_vcpu_state *s, struct cpuid_regs *r);

#endif
