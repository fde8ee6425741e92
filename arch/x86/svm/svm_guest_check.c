/* VMRUN's consistency checks (APM vol. 2, 15.5.1), the first that fails
 * told as one line: "guest <field> 0x<value>: <rule>", the VMCB's control
 * fields named the same way. The APM does not say in which order the CPU
 * checks, so where several fail the CPU may have stopped at another: the
 * line is where to start looking, not the CPU's own word.
 *
 * After the APM's list come three more: CR4.CET needs CR0.WP (which newer
 * APMs add to the list), and with nested paging nCR3 and G_PAT (15.25.4
 * "Nested Paging and VMRUN/#VMEXIT").
 *
 * Left out: the SEV-ES and SEV-SNP checks (VMSA and the like) and those of
 * S_CET, U_CET and SSP, fields lucid's VMCB layout does not hold and lucid
 * never sets; CR3's reserved bits that are not MBZ (11:5 and 2:0 in long
 * mode, 2:0 with PAE), which VMRUN lets by (kvm-unit-tests' svm test_cr3
 * finds so on hardware); and EVENTINJ's reserved bits 30:12, which the
 * APM does not name among the illegal injections (KVM clears them).
 *
 * QEMU's helper_vmrun (target/i386/tcg/sysemu/svm_helper.c) and KVM's
 * nested_vmcb_check_save and nested_vmcb_check_controls
 * (arch/x86/kvm/svm/nested.c) were read for the facts; where they differ
 * from the APM, the APM is followed and the place says so. */
#include "arch/x86/svm/svm_guest_check.h"
#include "arch/x86/cpu.h"
#include "lib/fmt.h"

#define ATTR_L (1u << 9)	/* vmcb_seg.attr: descriptor bits 52-55 in 11:8 */
#define ATTR_D (1u << 10)
#define NP_ENABLE 1ull		/* np_control bit 0 */
#define IOPM_SIZE KiB(12)	/* APM 15.10.1 */
#define MSRPM_SIZE KiB(8)	/* APM 15.11 */
#define EVENT_VECTOR(e) ((u32)(e) & 0xffu)
#define EVENT_TYPE(e) ((u32)((e) >> 8) & 7u)
/* The vectors below 32 that APM vol. 2 table 8-1 gives an exception: all
 * but 2 (NMI, an interrupt) and the reserved 9, 15, 20, 22-27 and 31.
 * (QEMU refuses only 2 and 31 up; KVM also 21 and 29 where the guest
 * lacks CET or SEV-ES.) */
#define EXCEPTION_VECTORS 0x702f7dfbu

/* One rule: broken or not, the field it is about, and what it says (a
 * format that may print n). */
struct rule {
	bool broken;
	const char *field;
	u64 value;
	const char *says;
	u32 n;
};

static u32 lowest_bit(u64 bits)
{
	return bits ? (u32)__builtin_ctzll(bits) : 0;
}

/* A permission map's base (bits 11:0 ignored) whose last byte lies at or
 * above 2^MAXPHYADDR. (QEMU also refuses a map whose last byte is the
 * very last one below; KVM and this do not.) */
static bool map_beyond(u64 base, u64 size, u8 phys_bits)
{
	return (base & ~0xfffull) > (1ull << phys_bits) - size;
}

static bool first_broken(const struct rule *r, size_t count, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	for (size_t k = 0; k < count; k++) {
		if (!r[k].broken)
			continue;
		int n = snprintf(buf, len, "guest %s 0x%llx: ", r[k].field,
				 (unsigned long long)r[k].value);
		if (n >= 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, r[k].says, r[k].n);
		return true;
	}
	return false;
}

bool svm_guest_check(const struct vmcb *vmcb, const struct svm_guest_env *env, char *buf,
		     size_t len)
{
	const struct vmcb_save *s = &vmcb->save;
	const struct vmcb_control *c = &vmcb->ctl;
	u8 pb = env->phys_bits;
	u64 cr0 = s->cr0, cr3 = s->cr3, cr4 = s->cr4, efer = s->efer, inj = c->event_inj;
	u64 cr4_mbz = cr4 & ~env->cr4_allowed, efer_mbz = efer & ~env->efer_allowed;
	u32 cs = s->cs.attr, type = EVENT_TYPE(inj), vector = EVENT_VECTOR(inj);
	bool lm = (efer & EFER_LME) && (cr0 & CR0_PG);	/* long mode, as VMRUN sees it */
	bool inject = inj & EVENT_VALID, np = c->np_control & NP_ENABLE;
	u32 pat = pat_bad_field(s->g_pat);
	const struct rule rules[] = {
		{ !(efer & EFER_SVME), "EFER", efer, "SVME (bit 12) must be 1", 0 },
		{ (cr0 & CR0_NW) && !(cr0 & CR0_CD), "CR0", cr0,
		  "NW (bit 29) needs CD (bit 30)", 0 },
		{ cr0 >> 32, "CR0", cr0, "bits 63:32 must be 0", 0 },
		/* Unimplemented address bits are MBZ (APM 3.1.2). QEMU checks
		 * them only in long mode; KVM in every mode, as here. */
		{ cr3 >> pb, "CR3", cr3, "bits 63:%u must be 0 (MAXPHYADDR)", pb },
		{ cr4_mbz, "CR4", cr4, "bit %u is reserved on this CPU", lowest_bit(cr4_mbz) },
		{ s->dr6 >> 32, "DR6", s->dr6, "bits 63:32 must be 0", 0 },
		{ s->dr7 >> 32, "DR7", s->dr7, "bits 63:32 must be 0", 0 },
		/* LME and LMA are reserved without long mode */
		{ efer_mbz, "EFER", efer, "bit %u is reserved on this CPU", lowest_bit(efer_mbz) },
		{ lm && !(cr4 & CR4_PAE), "CR4", cr4,
		  "PAE (bit 5) must be 1 with EFER.LME and CR0.PG", 0 },
		{ lm && !(cr0 & CR0_PE), "CR0", cr0,
		  "PE (bit 0) must be 1 with EFER.LME and CR0.PG", 0 },
		{ lm && (cr4 & CR4_PAE) && (cs & ATTR_L) && (cs & ATTR_D), "CS attributes", cs,
		  "L (bit 9) and D (bit 10) must not both be 1 in long mode", 0 },
		{ !(c->intercepts2 & INTERCEPT2(VMRUN)), "intercepts2", c->intercepts2,
		  "VMRUN (bit 0) must be intercepted", 0 },
		{ map_beyond(c->msrpm_pa, MSRPM_SIZE, pb), "MSRPM base", c->msrpm_pa,
		  "the 8 KiB map must end below 2^%u (MAXPHYADDR)", pb },
		{ map_beyond(c->iopm_pa, IOPM_SIZE, pb), "IOPM base", c->iopm_pa,
		  "the 12 KiB map must end below 2^%u (MAXPHYADDR)", pb },
		/* APM 15.20: a defined type, and for an exception a vector that is one */
		{ inject && (type == 1 || type > 4), "EVENTINJ", inj,
		  "type %u is reserved (0, 2, 3, 4 are defined)", type },
		{ inject && type == 3 && (vector > 31 || !(EXCEPTION_VECTORS >> vector & 1)),
		  "EVENTINJ", inj, "vector %u is not an exception (type 3)", vector },
		{ c->asid == 0, "ASID", c->asid, "must not be 0 (the host's)", 0 },
		{ (cr4 & CR4_CET) && !(cr0 & CR0_WP), "CR4", cr4,
		  "CET (bit 23) needs CR0.WP (bit 16)", 0 },
		{ np && (c->n_cr3 >> pb), "nCR3", c->n_cr3,
		  "bits 63:%u must be 0 (MAXPHYADDR) with nested paging", pb },
		{ np && pat < 8, "G_PAT", s->g_pat,
		  "PA%u is not a memory type (0, 1, 4-7) with nested paging", pat },
	};

	return first_broken(rules, ARRAY_SIZE(rules), buf, len);
}
