/* The checks of SDM vol. 3C 27.3.1 on the guest-state area, in the SDM's
 * order (27.3.1.1 to 27.3.1.6), the first that fails told as one line:
 * "guest <field> 0x<value>: <rule>". The SDM lets the CPU run them in any
 * order, so where several fail the CPU may have stopped at another: the
 * line is where to start looking, not the CPU's own word.
 *
 * Left out: the checks that apply only under controls lucid never sets
 * ("load IA32_PERF_GLOBAL_CTRL", "load IA32_BNDCFGS", "load IA32_RTIT_CTL",
 * "load CET state", "load PKRS", "entry to SMM", "VMCS shadowing", and the
 * newer FRED, LBR and UINV loads). Without a shadow VMCS the link pointer
 * must be all ones here; the SDM would also take the address of a VMCS of
 * the right revision, which this pure code cannot read and lucid never
 * writes. The PDPTEs are checked only with EPT, where they are fields
 * (without it VM entry reads them from memory). Which activity states
 * IA32_VMX_MISC allows, and whether the CPU has SGX and RTM, is not asked.
 *
 * Bochs's VMenterLoadCheckGuestState (cpu/vmx.cc) was read for the facts;
 * where it and the SDM differ, the SDM is followed and the place says so. */
#include "arch/x86/vmx/vmx_guest_check.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs.h"
#include "lib/fmt.h"

#define DEBUGCTL_BTF (1ull << 1)
#define DEBUGCTL_RESERVED (~0xffffull | 0x38)		/* bits 63:16, 5:3 */
#define RFLAGS_RESERVED (~0x3fffffull | 0x8028)		/* bits 63:22, 15, 5, 3 */
#define PENDING_DBG_RESERVED (~0x1ffffull | 0xaff0)	/* bits 63:17, 15, 13, 11:4 */
#define PENDING_DBG_ENABLED_BP (1ull << 12)
#define PENDING_DBG_RTM (1ull << 16)
#define PDPTE_P 1ull
#define PDPTE_RESERVED 0x1e6ull	/* bits 8:5, 2:1 */
#define VEC_DB 1
#define VEC_MC 18

enum { ES, CS, SS, DS, FS, GS, LDTR, TR, NR_SEGS };	/* the VMCS's order */
static const char *const seg_names[NR_SEGS] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };
static const u8 data_segs[] = { CS, SS, DS, ES, FS, GS };	/* the SDM's order */

struct seg {
	const char *name;
	u64 base;
	u32 limit, ar;
	u16 sel;
};

/* The fields read once, and the facts the checks turn on. */
struct guest {
	const struct vmx_guest_env *env;
	char *buf;
	size_t len;
	u32 entry, pin, intr_info, intr_state, activity;
	bool ia32e, unrestricted, ept, v86, inject;
	u64 cr0, cr4, rflags, debugctl;
	struct seg seg[NR_SEGS];
};

/* One rule of a field: broken or not, and what it says. */
struct rule {
	bool broken;
	const char *says;
};

static u64 rd(const struct guest *g, u32 field)
{
	return g->env->read(g->env->ctx, field);
}

static void vbad(struct guest *g, const char *field, const char *part, u64 value,
		 const char *rule, va_list ap)
{
	int n = snprintf(g->buf, g->len, "guest %s%s%s 0x%llx: ", field, *part ? " " : "", part,
			 (unsigned long long)value);

	if (n >= 0 && (size_t)n < g->len)
		vsnprintf(g->buf + n, g->len - (size_t)n, rule, ap);
}

/* Writes "guest <field> [<part>] 0x<value>: <rule>"; returns true. */
static bool __printf(5, 6) bad(struct guest *g, const char *field, const char *part, u64 value,
			       const char *rule, ...)
{
	va_list ap;

	va_start(ap, rule);
	vbad(g, field, part, value, rule, ap);
	va_end(ap);
	return true;
}

static bool __printf(3, 4) ar_bad(struct guest *g, const struct seg *s, const char *rule, ...)
{
	va_list ap;

	va_start(ap, rule);
	vbad(g, s->name, "access rights", s->ar, rule, ap);
	va_end(ap);
	return true;
}

/* Reports the first broken rule of a list about one field. */
static bool first_broken(struct guest *g, const char *field, u64 value, const struct rule *r,
			 size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (r[k].broken)
			return bad(g, field, "", value, "%s", r[k].says);
	return false;
}

/* A linear address is canonical when its bits 63 down to the highest
 * implemented one (linear_bits - 1) are all alike. */
static bool check_canonical(struct guest *g, const char *field, const char *part, u64 v)
{
	u8 bits = g->env->linear_bits;
	bool canonical = (u64)((s64)(v << (64 - bits)) >> (64 - bits)) == v;

	return !canonical && bad(g, field, part, v, "must be canonical (%u-bit)", bits);
}

static bool check_fixed(struct guest *g, const char *field, struct vmx_fixed f, u64 v)
{
	if (vmx_fixed_ok(f, v))
		return false;
	u32 bit = (u32)__builtin_ctzll((f.must1 & ~v) | (v & ~f.may1));
	return bad(g, field, "", v, "bit %u must be %u in VMX operation", bit,
		   (u32)(f.must1 >> bit & 1));
}

static bool check_pat(struct guest *g)
{
	u64 pat = rd(g, VMCS_GUEST_PAT);
	u32 k = pat_bad_field(pat);

	return k < 8 && bad(g, "IA32_PAT", "", pat, "PA%u is %u, not 0, 1 or 4-7", k,
			    (u32)(pat >> 8 * k) & 0xff);
}

static bool check_efer(struct guest *g)
{
	u64 efer = rd(g, VMCS_GUEST_EFER);
	bool lma = efer & EFER_LMA, lme = efer & EFER_LME;
	const struct rule rules[] = {
		{ efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE),
		  "only SCE, LME, LMA and NXE may be set" },
		{ lma && !g->ia32e, "LMA (bit 10) set without the IA-32e mode guest control" },
		{ !lma && g->ia32e, "LMA (bit 10) clear with the IA-32e mode guest control" },
		{ (g->cr0 & CR0_PG) && lme != lma, "LME (bit 8) must equal LMA with CR0.PG" },
	};

	return first_broken(g, "IA32_EFER", efer, rules, ARRAY_SIZE(rules));
}

/* 27.3.1.1: control registers, debug registers, MSRs */
static bool check_regs(struct guest *g)
{
	const struct vmx_guest_env *e = g->env;
	u64 cr0 = g->cr0, cr4 = g->cr4, cr3 = rd(g, VMCS_GUEST_CR3);
	bool load_debug = g->entry & VMX_ENTRY_CTL_LOAD_DEBUG;
	u64 dr7 = load_debug ? rd(g, VMCS_GUEST_DR7) : 0;
	const struct rule cr4_rules[] = {
		{ (cr4 & CR4_CET) && !(cr0 & CR0_WP), "CET (bit 23) needs CR0.WP (bit 16)" },
		{ g->ia32e && !(cr4 & CR4_PAE), "an IA-32e mode guest needs PAE (bit 5)" },
		{ !g->ia32e && (cr4 & CR4_PCIDE), "PCIDE (bit 17) needs an IA-32e mode guest" },
	};

	/* unrestricted guest frees PE and PG; CD and NW are never checked (Bochs
	 * checks them too, against its own fixed bits) */
	if (check_fixed(g, "CR0", vmx_guest_cr0_fixed(e->cr0, g->unrestricted), cr0))
		return true;
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return bad(g, "CR0", "", cr0, "PG (bit 31) needs PE (bit 0)");
	if (check_fixed(g, "CR4", e->cr4, cr4) ||
	    first_broken(g, "CR4", cr4, cr4_rules, ARRAY_SIZE(cr4_rules)))
		return true;
	if (cr3 >> e->phys_bits)
		return bad(g, "CR3", "", cr3, "bits 63:%u must be 0 (MAXPHYADDR)", e->phys_bits);
	/* Bochs does not check DEBUGCTL's reserved bits. */
	if (load_debug && (g->debugctl & DEBUGCTL_RESERVED))
		return bad(g, "IA32_DEBUGCTL", "", g->debugctl,
			   "reserved bits 63:16, 5:3 must be 0");
	if (dr7 >> 32)
		return bad(g, "DR7", "", dr7, "bits 63:32 must be 0");
	if (check_canonical(g, "IA32_SYSENTER_ESP", "", rd(g, VMCS_GUEST_SYSENTER_ESP)) ||
	    check_canonical(g, "IA32_SYSENTER_EIP", "", rd(g, VMCS_GUEST_SYSENTER_EIP)))
		return true;
	if ((g->entry & VMX_ENTRY_CTL_LOAD_PAT) && check_pat(g))
		return true;
	return (g->entry & VMX_ENTRY_CTL_LOAD_EFER) && check_efer(g);
}

/* What the access rights of every usable segment (and CS's always) hold:
 * S as its kind says, P, no reserved bits, and a G that fits the limit:
 * G=1 counts in 4 KiB pages, so the low 12 bits are ones, and only G=1
 * reaches past 1 MiB. */
static bool check_ar(struct guest *g, const struct seg *s, bool system)
{
	if (!(s->ar & AR_S) != system)
		return ar_bad(g, s, "S (bit 4) must be %u", !system);
	if (!(s->ar & AR_P))
		return ar_bad(g, s, "P (bit 7) must be 1");
	if (s->ar & AR_RESERVED)
		return ar_bad(g, s, "reserved bits 31:17, 11:8 must be 0");
	if ((s->ar & AR_G) && (s->limit & 0xfff) != 0xfff)
		return ar_bad(g, s, "G (bit 15) must be 0 for limit 0x%x", s->limit);
	if (!(s->ar & AR_G) && (s->limit >> 20))
		return ar_bad(g, s, "G (bit 15) must be 1 for limit 0x%x", s->limit);
	return false;
}

/* CS, SS, DS, ES, FS or GS: base, limit, access rights */
static bool check_data_seg(struct guest *g, int i)
{
	const struct seg *s = &g->seg[i];
	bool cs = i == CS, ss = i == SS, other = !cs && !ss, fsgs = i == FS || i == GS;
	bool usable = !(s->ar & AR_UNUSABLE);
	u32 type = AR_TYPE(s->ar), dpl = AR_DPL(s->ar), rpl = s->sel & 3u;
	u32 ss_dpl = AR_DPL(g->seg[SS].ar);

	if (g->v86) {
		if (s->base != (u64)s->sel << 4)
			return bad(g, s->name, "base", s->base,
				   "must be selector 0x%x * 16 in virtual-8086 mode", s->sel);
		if (s->limit != 0xffff)
			return bad(g, s->name, "limit", s->limit,
				   "must be 0xffff in virtual-8086 mode");
		return s->ar != 0xf3 && ar_bad(g, s, "must be 0xf3 in virtual-8086 mode");
	}
	if (fsgs && check_canonical(g, s->name, "base", s->base))
		return true;
	if ((cs || (usable && !fsgs)) && (s->base >> 32))
		return bad(g, s->name, "base", s->base, "bits 63:32 must be 0");
	/* SS.DPL is the CPL, checked usable or not. (Bochs skips all of SS's
	 * checks where SS.RPL is 0 in 64-bit mode; the SDM does not.) */
	if (ss && !g->unrestricted && dpl != rpl)
		return ar_bad(g, s, "DPL %u must equal the selector's RPL %u", dpl, rpl);
	if (ss && dpl && (AR_TYPE(g->seg[CS].ar) == 3 || !(g->cr0 & CR0_PE)))
		return ar_bad(g, s, "DPL must be 0 in real mode or with a CS of type 3");
	if (!cs && !usable)
		return false;

	if (cs && type != 9 && type != 11 && type != 13 && type != 15 &&
	    !(type == 3 && g->unrestricted))
		return ar_bad(g, s, "type %u is not accessed code (9, 11, 13, 15; 3 with "
			      "unrestricted guest)", type);
	if (cs && type == 3 && dpl)
		return ar_bad(g, s, "type 3 needs DPL 0");
	if (cs && (type == 9 || type == 11) && dpl != ss_dpl)
		return ar_bad(g, s, "non-conforming code needs DPL %u = SS.DPL %u", dpl, ss_dpl);
	if (cs && type >= 13 && dpl > ss_dpl)
		return ar_bad(g, s, "conforming code needs DPL %u <= SS.DPL %u", dpl, ss_dpl);
	if (cs && g->ia32e && (s->ar & AR_L) && (s->ar & AR_DB))
		return ar_bad(g, s, "D/B (bit 14) must be 0 with L in IA-32e mode");
	if (ss && type != 3 && type != 7)
		return ar_bad(g, s, "type %u is not read/write accessed data (3 or 7)", type);
	if (other && !(type & 1))
		return ar_bad(g, s, "type %u must be accessed (bit 0)", type);
	if (other && (type & 8) && !(type & 2))
		return ar_bad(g, s, "type %u is code, must be readable (bit 1)", type);
	if (other && !g->unrestricted && type <= 11 && dpl < rpl)
		return ar_bad(g, s, "DPL %u must not be below the selector's RPL %u", dpl, rpl);
	return check_ar(g, s, false);
}

/* 27.3.1.2: segment registers */
static bool check_segs(struct guest *g)
{
	const struct seg *cs = &g->seg[CS], *ss = &g->seg[SS];
	const struct seg *tr = &g->seg[TR], *ldtr = &g->seg[LDTR];
	bool ldtr_usable = !(ldtr->ar & AR_UNUSABLE);

	if (tr->sel & 4)
		return bad(g, "TR", "selector", tr->sel, "TI (bit 2) must be 0");
	if (ldtr_usable && (ldtr->sel & 4))
		return bad(g, "LDTR", "selector", ldtr->sel, "TI (bit 2) must be 0");
	if (!g->v86 && !g->unrestricted && (ss->sel & 3) != (cs->sel & 3))
		return bad(g, "SS", "selector", ss->sel, "RPL must equal CS's RPL %u", cs->sel & 3);
	for (size_t k = 0; k < ARRAY_SIZE(data_segs); k++)
		if (check_data_seg(g, data_segs[k]))
			return true;

	if (check_canonical(g, "TR", "base", tr->base))
		return true;
	if (tr->ar & AR_UNUSABLE)
		return ar_bad(g, tr, "TR must be usable (bit 16 clear)");
	if (AR_TYPE(tr->ar) != 11 && (AR_TYPE(tr->ar) != 3 || g->ia32e))
		return ar_bad(g, tr, "type must be a busy TSS (3 or 11; 11 in IA-32e mode)");
	if (check_ar(g, tr, true))
		return true;
	if (!ldtr_usable)
		return false;
	if (check_canonical(g, "LDTR", "base", ldtr->base))
		return true;
	if (AR_TYPE(ldtr->ar) != 2)
		return ar_bad(g, ldtr, "type must be an LDT (2)");
	return check_ar(g, ldtr, true);
}

/* 27.3.1.3: GDTR and IDTR */
static bool check_dtables(struct guest *g)
{
	static const struct { const char *name; u32 base, limit; } dt[] = {
		{ "GDTR", VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT },
		{ "IDTR", VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT },
	};

	for (size_t k = 0; k < ARRAY_SIZE(dt); k++) {
		u64 limit = rd(g, dt[k].limit);
		if (check_canonical(g, dt[k].name, "base", rd(g, dt[k].base)))
			return true;
		if (limit >> 16)
			return bad(g, dt[k].name, "limit", limit, "bits 31:16 must be 0");
	}
	return false;
}

/* 27.3.1.4: RIP and RFLAGS */
static bool check_rip_rflags(struct guest *g)
{
	u64 rip = rd(g, VMCS_GUEST_RIP), rf = g->rflags;
	bool vm = rf & RFLAGS_VM;
	const struct rule rules[] = {
		{ rf & RFLAGS_RESERVED, "reserved bits 63:22, 15, 5 and 3 must be 0" },
		{ !(rf & 2), "bit 1 must be 1" },
		{ vm && g->ia32e, "VM (bit 17) must be 0 in IA-32e mode" },
		/* Bochs does not check this one: */
		{ vm && !(g->cr0 & CR0_PE), "VM (bit 17) must be 0 with CR0.PE 0" },
		{ g->inject && (g->intr_info & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_EXTINT &&
		  !(rf & RFLAGS_IF), "IF (bit 9) must be 1 to inject an external interrupt" },
	};

	if (!g->ia32e || !(g->seg[CS].ar & AR_L)) {
		if (rip >> 32)
			return bad(g, "RIP", "", rip, "bits 63:32 must be 0 outside 64-bit mode");
	} else if (check_canonical(g, "RIP", "", rip)) {	/* Bochs does not check */
		return true;
	}
	return first_broken(g, "RFLAGS", rf, rules, ARRAY_SIZE(rules));
}

/* Whether a CPU in this activity state takes the event VM entry injects.
 * (Bochs lets HLT take any, and refuses in shutdown only an event that is
 * neither an NMI nor of vector 18, whatever its type.) */
static bool event_allowed(u32 activity, u32 info)
{
	u32 type = info & VMX_INTR_TYPE_MASK, vector = info & VMX_INTR_VECTOR;
	bool mc = type == VMX_INTR_TYPE_HW_EXC && vector == VEC_MC;

	switch (activity) {
	case VMX_ACTIVITY_ACTIVE:
		return true;
	case VMX_ACTIVITY_HLT:
		return type == VMX_INTR_TYPE_EXTINT || type == VMX_INTR_TYPE_NMI || mc ||
		       (type == VMX_INTR_TYPE_HW_EXC && vector == VEC_DB) ||
		       (type == VMX_INTR_TYPE_OTHER && vector == 0);	/* pending MTF exit */
	case VMX_ACTIVITY_SHUTDOWN:
		return type == VMX_INTR_TYPE_NMI || mc;
	default:
		return false;	/* wait-for-SIPI takes none */
	}
}

/* 27.3.1.5: activity and interruptibility states */
static bool check_states(struct guest *g)
{
	const u32 sti = VMX_INTERRUPTIBILITY_STI, mov_ss = VMX_INTERRUPTIBILITY_MOV_SS;
	const char *as = "activity state";
	u32 act = g->activity, st = g->intr_state, type = g->intr_info & VMX_INTR_TYPE_MASK;
	bool extint = g->inject && type == VMX_INTR_TYPE_EXTINT;
	bool nmi = g->inject && type == VMX_INTR_TYPE_NMI;
	const struct rule states[] = {
		{ st & ~0x1fu, "reserved bits 31:5 must be 0" },
		{ (st & sti) && (st & mov_ss), "blocking by STI and by MOV SS exclude each other" },
		{ (st & sti) && !(g->rflags & RFLAGS_IF), "blocking by STI needs RFLAGS.IF 1" },
		{ extint && (st & (sti | mov_ss)),
		  "blocking by STI or MOV SS with an external interrupt injected" },
		{ nmi && (st & mov_ss), "blocking by MOV SS with an NMI injected" },
		/* lucid never runs in SMM */
		{ st & VMX_INTERRUPTIBILITY_SMI, "blocking by SMI (bit 2) outside SMM" },
		{ nmi && (g->pin & VMX_PIN_VIRTUAL_NMIS) && (st & VMX_INTERRUPTIBILITY_NMI),
		  "blocking by NMI with an NMI injected and virtual NMIs" },
		{ (st & VMX_INTERRUPTIBILITY_ENCLAVE) && (st & mov_ss),
		  "enclave interruption (bit 4) with blocking by MOV SS" },
	};

	if (act > VMX_ACTIVITY_WAIT_SIPI)
		return bad(g, as, "", act, "must be 0-3");
	if (act == VMX_ACTIVITY_HLT && AR_DPL(g->seg[SS].ar))
		return bad(g, as, "", act, "HLT needs SS.DPL 0, not %u", AR_DPL(g->seg[SS].ar));
	if (act != VMX_ACTIVITY_ACTIVE && (st & (sti | mov_ss)))
		return bad(g, as, "", act, "must be active with blocking by STI or MOV SS");
	if (g->inject && !event_allowed(act, g->intr_info))
		return bad(g, as, "", act, "cannot take the injected event 0x%x", g->intr_info);
	return first_broken(g, "interruptibility state", st, states, ARRAY_SIZE(states));
}

/* 27.3.1.5: pending debug exceptions and the VMCS link pointer. (Bochs
 * takes bit 16, RTM, for reserved and has neither the BS nor the RTM
 * rules.) */
static bool check_debug_link(struct guest *g)
{
	u64 pd = rd(g, VMCS_GUEST_PENDING_DBG), link = rd(g, VMCS_LINK_POINTER);
	bool tf = g->rflags & RFLAGS_TF, btf = g->debugctl & DEBUGCTL_BTF;
	bool mov_ss = g->intr_state & VMX_INTERRUPTIBILITY_MOV_SS;
	/* A single step is pending just when TF (not BTF) is on while STI or
	 * MOV SS holds it back, or in HLT. */
	bool held = mov_ss || (g->intr_state & VMX_INTERRUPTIBILITY_STI) ||
		    g->activity == VMX_ACTIVITY_HLT;
	bool rtm = pd & PENDING_DBG_RTM;
	const struct rule rules[] = {
		{ pd & PENDING_DBG_RESERVED, "reserved bits 63:17, 15, 13, 11:4 must be 0" },
		{ held && tf && !btf && !(pd & DR6_BS),
		  "BS (bit 14) must be 1: a single step is held by STI, MOV SS or HLT" },
		{ held && (!tf || btf) && (pd & DR6_BS),
		  "BS (bit 14) must be 0 without RFLAGS.TF, or with IA32_DEBUGCTL.BTF" },
		{ rtm && pd != (PENDING_DBG_RTM | PENDING_DBG_ENABLED_BP),
		  "with RTM (bit 16), only bit 12 may be set, and must be" },
		{ rtm && mov_ss, "RTM (bit 16) excludes blocking by MOV SS" },
	};

	if (first_broken(g, "pending debug exceptions", pd, rules, ARRAY_SIZE(rules)))
		return true;
	return link != ~0ull &&
	       bad(g, "VMCS link pointer", "", link, "must be all ones (no shadow VMCS)");
}

/* 27.3.1.6: the PDPTEs of PAE paging, fields of the VMCS with EPT */
static bool check_pdptes(struct guest *g)
{
	static const char *const names[] = { "PDPTE0", "PDPTE1", "PDPTE2", "PDPTE3" };
	u8 bits = g->env->phys_bits;

	if (!(g->cr0 & CR0_PG) || !(g->cr4 & CR4_PAE) || g->ia32e || !g->ept)
		return false;
	for (u32 k = 0; k < 4; k++) {
		u64 e = rd(g, VMCS_GUEST_PDPTE0 + 2 * k);
		if ((e & PDPTE_P) && ((e & PDPTE_RESERVED) || (e >> bits)))
			return bad(g, names[k], "", e, "reserved bits 63:%u, 8:5, 2:1 must be 0",
				   bits);
	}
	return false;
}

/* The SDM lets one CPU refuse blocking by STI with an NMI injected and
 * another take it: checked last, after the rules all CPUs share. */
static bool check_cpu_dependent(struct guest *g)
{
	return g->inject && (g->intr_info & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_NMI &&
	       (g->intr_state & VMX_INTERRUPTIBILITY_STI) &&
	       bad(g, "interruptibility state", "", g->intr_state,
		   "blocking by STI with an NMI injected (some CPUs refuse it)");
}

bool vmx_guest_check(const struct vmx_guest_env *env, char *buf, size_t len)
{
	struct guest g = { .env = env, .buf = buf, .len = len };
	u32 proc = (u32)rd(&g, VMCS_PROC_CONTROLS);
	u32 proc2 = proc & VMX_PROC_SECONDARY ? (u32)rd(&g, VMCS_PROC2_CONTROLS) : 0;

	if (len)
		buf[0] = '\0';
	g.entry = (u32)rd(&g, VMCS_ENTRY_CONTROLS);
	g.pin = (u32)rd(&g, VMCS_PIN_CONTROLS);
	g.intr_info = (u32)rd(&g, VMCS_ENTRY_INTR_INFO);
	g.intr_state = (u32)rd(&g, VMCS_GUEST_INTERRUPTIBILITY);
	g.activity = (u32)rd(&g, VMCS_GUEST_ACTIVITY);
	g.ia32e = g.entry & VMX_ENTRY_CTL_IA32E_GUEST;
	g.unrestricted = proc2 & VMX_PROC2_UNRESTRICTED;
	g.ept = proc2 & VMX_PROC2_EPT;
	g.inject = g.intr_info & VMX_INTR_VALID;
	g.cr0 = rd(&g, VMCS_GUEST_CR0);
	g.cr4 = rd(&g, VMCS_GUEST_CR4);
	g.rflags = rd(&g, VMCS_GUEST_RFLAGS);
	g.debugctl = rd(&g, VMCS_GUEST_DEBUGCTL);
	g.v86 = g.rflags & RFLAGS_VM;
	for (u32 i = 0; i < NR_SEGS; i++)
		g.seg[i] = (struct seg){ seg_names[i], rd(&g, VMCS_GUEST_ES_BASE + 2 * i),
					 (u32)rd(&g, VMCS_GUEST_ES_LIMIT + 2 * i),
					 (u32)rd(&g, VMCS_GUEST_ES_AR + 2 * i),
					 (u16)rd(&g, VMCS_GUEST_ES_SEL + 2 * i) };
	return check_regs(&g) || check_segs(&g) || check_dtables(&g) || check_rip_rflags(&g) ||
	       check_states(&g) || check_debug_link(&g) || check_pdptes(&g) ||
	       check_cpu_dependent(&g);
}
