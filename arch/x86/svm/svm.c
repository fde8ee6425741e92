/* The AMD SVM back end: turns SVM on per CPU, sets up a VMCB per vCPU,
 * runs it and turns each #VMEXIT into a vendor-neutral exit record
 * (arch/x86/virt.h). Decisions about the guest are made in hv/; this file
 * only speaks the hardware's language.
 *
 * Works without nRIP, clean bits and decode assists (QEMU's TCG has none):
 * without nRIP the exit record leaves the instruction's length to generic
 * code, which reads the instruction (prefixes may make it longer than its
 * opcode), except for port I/O, where EXITINFO2 has the next RIP. With
 * clean bits, every write lucid makes to a cached VMCB area goes with
 * dirty() for that area. */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/guest_regs.h"
#include "arch/x86/lapic.h"
#include "arch/x86/slat.h"
#include "arch/x86/svm/svm_guest_check.h"
#include "arch/x86/svm/vmcb.h"
#include "arch/x86/trap.h"
#include "hv/mm/page_alloc.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/string.h"

/* Guest EFER.SVME must stay set for VMRUN; the guest never sees it. */
#define GUEST_EFER_BASE EFER_SVME

#define IOPM_PAGES 3
#define MSRPM_PAGES 2

struct svm_cpu {
	struct vmcb *host;   /* VMSAVE area for lucid's own FS/GS/TR/... */
	u64 hsave_pa;
	u32 next_asid;
	u64 asid_generation;
	bool flush_all;      /* the next VMRUN flushes every ASID */
};

struct svm_vm {
	u8 *iopm;
	u8 *msrpm;
	struct slat npt;
};

struct svm_vcpu {
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid;
	u64 asid_generation;
	u32 asid_cpu;
	u32 vmcb_cpu;   /* where the VMCB last ran: cached areas are that CPU's */
	u64 host_pa;    /* that CPU's host save area, for VMLOAD after #VMEXIT */
	/* SVM does not track NMI blocking for the hypervisor: lucid does. It
	 * starts with an injected NMI and ends once the guest's IRET has run:
	 * the IRET exits (intercepted while an NMI waits) and the next exit
	 * at another RIP finds it done. */
	bool nmi_blocked;
	bool iret_seen;
	u64 iret_rip;
	bool dr7_armed;	/* dr7_sync: DR7 enables a breakpoint (svm_set_dr) */
	char why[160];	/* x->why of a refused VMRUN */
};

static struct svm_cpu svm_cpus[MAX_CPUS];
static bool have_nrip, have_decode_assists, allow_1g;
static u32 clean_all; /* VMCB_CLEAN_ALL with clean bits, else 0 */
static u32 max_asid;
static struct svm_guest_env guest_check_env;	/* for a refused VMRUN */

/* QEMU's TCG before 9.1 (Debian 12 has 7.2) loads DR7 at VMRUN and #VMEXIT
 * without telling its own list of breakpoints, which only MOV DR updates:
 * a breakpoint a guest enabled stays armed for the next guest or the host,
 * one enabled in a VMCB is not, and the next MOV to DR7 removes each
 * breakpoint as the kind DR7 now names, not the kind it was made as, which
 * by QEMU's source corrupts its memory. There, lucid keeps QEMU's list
 * what DR7 says: a guest's MOVs to DR7 exit and lucid completes them, and
 * while a guest has a breakpoint enabled, lucid writes its DR7 before
 * VMRUN and the reset value after #VMEXIT; between those its breakpoints
 * may hit lucid itself (arch/x86/trap.c resumes). */
static bool dr7_sync;
/* QEMU's TCG (7.2, and 9.x still) delivers an interrupt injected through
 * EVENTINJ but keeps it as its pending exception, and delivers it once
 * more, IF or not, should its vCPU be kicked before the next exit or
 * exception (helper_vmrun): the guest sees it twice. There lucid sends
 * itself an interrupt before such a VMRUN, so that the guest exits right
 * after taking the injected one, which ends QEMU's pending exception. */
static bool intr_exits_at_once;

void svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_vmcb_pa);
extern const char svm_vmexit_rip[]; /* svm_entry.asm: right after VMRUN */

/* lucid changed a VMCB area the CPU may have cached. */
static void dirty(struct vmcb *vmcb, u32 areas)
{
	vmcb->ctl.clean &= ~areas;
}

static int svm_cpu_init(void)
{
	struct percpu *p = this_cpu();
	struct svm_cpu *c = &svm_cpus[p->index];
	void *hsave = slat_zalloc_pages(1);

	c->host = slat_zalloc_pages(1);
	if (!hsave || !c->host) {
		printk("svm: CPU %u: out of memory for the host save areas\n", p->index);
		return -1;
	}
	c->hsave_pa = pa_of(hsave);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, c->hsave_pa);
	/* The host's FS/GS/TR as VMLOAD will restore them after each exit. */
	asm volatile("vmsave %%rax" : : "a"(pa_of(c->host)) : "memory");
	c->next_asid = 1;
	c->asid_generation = 1;
	c->flush_all = true; /* ASIDs may hold stale entries from before */
	p->virt = c;
	return 0;
}

/* Two bits per MSR (read, then write) in three 2 KiB blocks. */
static void msrpm_allow(u8 *pm, u32 msr, bool read, bool write)
{
	u32 base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr - 0xc0000000u <= 0x1fff)
		base = 0x800, msr -= 0xc0000000u;
	else if (msr - 0xc0010000u <= 0x1fff)
		base = 0x1000, msr -= 0xc0010000u;
	else
		return; /* outside the map: always intercepted */
	u32 bit = msr * 2;
	if (read)
		pm[base + bit / 8] &= (u8) ~(1u << (bit % 8));
	if (write)
		pm[base + (bit + 1) / 8] &= (u8) ~(1u << ((bit + 1) % 8));
}

/* NPT entries are host page-table entries. Every mapping is readable
 * (present), and user: nested walks are user accesses. The memory type
 * is picked through the PAT index (PWT, PCD) of the power-on PAT, which
 * lucid leaves alone: WB, WT and UC are there; WC and WP, which are not,
 * become UC (stricter, never wrong). */
static u64 npt_leaf(u32 rights, enum cache_type type)
{
	u64 e = PTE_U;

	if (rights & GPA_W)
		e |= PTE_W;
	if (!(rights & GPA_X))
		e |= PTE_NX;
	if (type == CACHE_WT)
		e |= PTE_PWT;
	else if (type != CACHE_WB)
		e |= PTE_PCD | PTE_PWT;
	return e;
}

static int svm_vm_init(struct vm_arch *vm)
{
	struct svm_vm *s = slat_zalloc_pages(1);

	if (!s)
		return -1;
	vm->virt = s;
	s->iopm = slat_zalloc_pages(IOPM_PAGES);
	s->msrpm = slat_zalloc_pages(MSRPM_PAGES);
	if (!s->iopm || !s->msrpm || slat_init(&s->npt, PT_FORMAT_X86, allow_1g, npt_leaf))
		return -1;
	vm->slat = &s->npt;
	/* No port is given to a guest yet: every access exits. */
	memset(s->iopm, 0xff, IOPM_PAGES * PAGE_SIZE);
	memset(s->msrpm, 0xff, MSRPM_PAGES * PAGE_SIZE);
	for (u32 i = 0; i < GUEST_PASSTHROUGH_MSRS; i++)	/* VMLOAD/VMSAVE, VMRUN switch them */
		msrpm_allow(s->msrpm, guest_passthrough_msrs[i], true, true);
	msrpm_allow(s->msrpm, 0x10, true, false); /* TSC reads: offset applies */
	return 0;
}

static void svm_vm_free(struct vm_arch *vm)
{
	struct svm_vm *s = vm->virt;

	if (!s)
		return;
	slat_free(&s->npt);
	vm->slat = NULL;
	slat_free_pages(s->iopm, IOPM_PAGES);
	slat_free_pages(s->msrpm, MSRPM_PAGES);
	slat_free_pages(s, 1);
	vm->virt = NULL;
}

static int svm_vcpu_init(struct vcpu_arch *v)
{
	struct svm_vm *vs = v->vm->virt;
	struct svm_vcpu *s = slat_zalloc_pages(1);
	struct vmcb_control *c;

	if (!s)
		return -1;
	v->virt = s;
	s->vmcb = slat_zalloc_pages(1);
	if (!s->vmcb)
		return -1;
	s->vmcb_pa = pa_of(s->vmcb);
	s->vmcb_cpu = NO_CPU; /* and clean = 0: nothing cached yet */
	c = &s->vmcb->ctl;
	c->intercepts1 = INTERCEPT1(INTR) | INTERCEPT1(NMI) | INTERCEPT1(CPUID) | INTERCEPT1(HLT) |
			 INTERCEPT1(INVLPGA) | INTERCEPT1(IOIO) | INTERCEPT1(MSR) |
			 INTERCEPT1(SHUTDOWN) | INTERCEPT1(INVD);
	c->intercepts2 = INTERCEPT2(VMRUN) | INTERCEPT2(VMMCALL) | INTERCEPT2(VMLOAD) |
			 INTERCEPT2(VMSAVE) | INTERCEPT2(STGI) | INTERCEPT2(CLGI) |
			 INTERCEPT2(SKINIT) | INTERCEPT2(MONITOR) | INTERCEPT2(MWAIT) |
			 INTERCEPT2(MWAIT_C) | INTERCEPT2(XSETBV);
	/* #AC and #DB can loop forever inside the CPU's event delivery, where
	 * no interrupt reaches lucid: an #AC pushing to a misaligned stack
	 * (CVE-2015-5307), a #DB hitting a data breakpoint on the stack
	 * (CVE-2015-8104). Each exits instead and is reflected. The CPU has
	 * written DR6 in the VMCB before a #DB exits, as for its own
	 * delivery; hv/core/vcpu.c clears DR7.GD as the delivery would. */
	c->exc_intercepts = (1u << EXC_DB) | (1u << EXC_AC);
	/* CR4 bits enable state lucid may not switch (PKE: PKRU): generic
	 * code checks each write. */
	c->cr_intercepts = CR_INTERCEPT_WRITE(4);
	if (dr7_sync)
		c->dr_intercepts = DR_INTERCEPT_WRITE(7);
	c->iopm_pa = pa_of(vs->iopm);
	c->msrpm_pa = pa_of(vs->msrpm);
	c->int_ctl = V_INTR_MASKING;
	c->np_control = 1;
	c->n_cr3 = pa_of(vs->npt.pt.root);
	return 0;
}

static void svm_vcpu_free(struct vcpu_arch *v)
{
	struct svm_vcpu *s = v->virt;

	if (!s)
		return;
	slat_free_pages(s->vmcb, 1);
	slat_free_pages(s, 1);
	v->virt = NULL;
}

static void set_seg(struct vmcb_seg *seg, u16 sel, u64 base, u32 limit, u16 attr)
{
	*seg = (struct vmcb_seg){ .sel = sel, .attr = attr, .limit = limit, .base = base };
}

/* The VMCB keeps segments in the generic form; an unusable one is not
 * present. */
static void load_seg(struct vmcb_seg *to, const struct guest_seg *from)
{
	u16 attr = from->attr & SEG_ATTR_UNUSABLE ? 0 : from->attr & 0xfff;

	set_seg(to, from->sel, from->base, from->limit, attr);
}

static void svm_vcpu_reset(struct vcpu_arch *v, const struct vcpu_state *st)
{
	struct svm_vcpu *s = v->virt;
	struct vmcb_save *g = &s->vmcb->save;
	struct vmcb_seg *segs[NR_SEGS] = { &g->es, &g->cs, &g->ss, &g->ds, &g->fs, &g->gs };

	memset(g, 0, sizeof(*g));
	for (int i = 0; i < NR_SEGS; i++)
		load_seg(segs[i], &st->seg[i]);
	load_seg(&g->ldtr, &st->ldtr);
	load_seg(&g->tr, &st->tr);
	set_seg(&g->gdtr, 0, st->gdtr.base, st->gdtr.limit, 0);
	set_seg(&g->idtr, 0, st->idtr.base, st->idtr.limit, 0);
	g->cpl = (st->seg[SEG_SS].attr >> 5) & 3; /* SS.DPL, as the CPU keeps it */
	g->cr0 = st->cr0;
	g->cr3 = st->cr3;
	g->cr4 = st->cr4;
	g->efer = st->efer | GUEST_EFER_BASE;
	g->dr6 = DR6_INIT;
	g->dr7 = DR7_INIT;
	g->g_pat = PAT_POWER_ON;
	memcpy(v->regs->gpr, st->gpr, sizeof(v->regs->gpr));
	v->regs->rip = st->rip;
	v->regs->rflags = st->rflags;
	s->vmcb->ctl.event_inj = 0;
	s->vmcb->ctl.int_state = 0;
	s->vmcb->ctl.int_ctl = V_INTR_MASKING;
	s->vmcb->ctl.intercepts1 &= ~(INTERCEPT1(VINTR) | INTERCEPT1(IRET));
	s->nmi_blocked = s->iret_seen = false;
	s->dr7_armed = false;
	s->vmcb->ctl.tsc_offset = st->tsc_offset;
	s->asid = 0;	/* RESET and INIT empty the TLB: a fresh ASID (flush_tlb) */
	if (virt_selftest_take_bad_entry())
		s->vmcb->save.efer &= ~EFER_SVME;	/* VMRUN's first check */
	dirty(s->vmcb, VMCB_CLEAN_ALL);
}

/* Gives the vCPU an ASID that no other vCPU uses on this CPU in this
 * generation; when they run out, a new generation starts with a flush. */
static void assign_asid(struct svm_cpu *c, struct svm_vcpu *s, u32 cpu)
{
	if (s->asid_cpu == cpu && s->asid_generation == c->asid_generation && s->asid)
		return;
	if (c->next_asid >= max_asid) {
		c->asid_generation++;
		c->next_asid = 1;
		c->flush_all = true;
	}
	s->asid = c->next_asid++;
	s->asid_generation = c->asid_generation;
	s->asid_cpu = cpu;
}

/* What each SVM exit code below 0x100 is in generic terms (EXIT_UNKNOWN,
 * 0, for those not listed); insn: an EXIT_VIRT_INSN's mnemonic. */
struct exit_kind {
	u8 reason;
	const char *insn;
};

#define VIRT_INSN(name) [SVM_EXIT_##name] = { EXIT_VIRT_INSN, #name }

static const struct exit_kind exit_kinds[] = {
	[SVM_EXIT_WRITE_CR4] = { EXIT_CR_WRITE },
	[SVM_EXIT_WRITE_DR7] = { EXIT_DR_WRITE },
	[SVM_EXIT_EXCP_BASE ... SVM_EXIT_EXCP_BASE + 31] = { EXIT_EXCEPTION },
	[SVM_EXIT_INTR] = { EXIT_INTR },
	[SVM_EXIT_NMI] = { EXIT_NMI },
	[SVM_EXIT_VINTR] = { EXIT_INTR_WINDOW },
	[SVM_EXIT_CPUID] = { EXIT_CPUID },
	/* Caches are coherent; dropping dirty lines would only hurt. */
	[SVM_EXIT_INVD] = { EXIT_NOP },
	[SVM_EXIT_IRET] = { EXIT_NONE },	/* see nmi_blocked */
	[SVM_EXIT_HLT] = { EXIT_HLT },
	[SVM_EXIT_IOIO] = { EXIT_IO },
	[SVM_EXIT_MSR] = { EXIT_MSR_READ },	/* or EXIT_MSR_WRITE */
	[SVM_EXIT_SHUTDOWN] = { EXIT_SHUTDOWN },
	[SVM_EXIT_VMMCALL] = { EXIT_HYPERCALL },
	[SVM_EXIT_XSETBV] = { EXIT_XSETBV },
	VIRT_INSN(VMRUN), VIRT_INSN(VMLOAD), VIRT_INSN(VMSAVE), VIRT_INSN(STGI), VIRT_INSN(CLGI),
	VIRT_INSN(SKINIT), VIRT_INSN(INVLPGA), VIRT_INSN(MONITOR), VIRT_INSN(MWAIT),
	[SVM_EXIT_MWAIT_C] = { EXIT_VIRT_INSN, "MWAIT" },	/* with the monitor armed */
};

static enum exit_reason exit_reason(u64 code)
{
	if (code < ARRAY_SIZE(exit_kinds))
		return exit_kinds[code].reason;
	if (code == SVM_EXIT_NPF)
		return EXIT_MEM;
	if ((u32)code == (u32)SVM_EXIT_INVALID) /* QEMU writes 32 bits */
		return EXIT_FAILED;
	return EXIT_UNKNOWN;
}

/* The exiting instruction's length from the next RIP the CPU gave (the
 * difference wraps as RIP does), or 0: unknown. */
static u8 insn_len(u64 next_rip, u64 rip)
{
	return next_rip ? (u8)(next_rip - rip) : 0;
}

/* NMI blocking ends once the IRET that exited has run (nmi_blocked). */
static void track_nmi_blocking(struct svm_vcpu *s, u64 code, u64 rip)
{
	if (s->iret_seen && rip != s->iret_rip) {
		s->nmi_blocked = false;
		s->iret_seen = false;
	}
	if (code == SVM_EXIT_IRET) {
		s->iret_seen = true;
		s->iret_rip = rip;
		s->vmcb->ctl.intercepts1 &= ~INTERCEPT1(IRET);
		dirty(s->vmcb, VMCB_CLEAN_INTERCEPTS);
	}
}

static void decode_exit(struct svm_vcpu *s, const struct vcpu_regs *r, struct exit_record *x)
{
	const struct vmcb *vmcb = s->vmcb;
	u64 code = vmcb->ctl.exit_code, i1 = vmcb->ctl.exit_info1;

	x->reason = exit_reason(code);
	x->insn_len = have_nrip ? insn_len(vmcb->ctl.next_rip, r->rip) : 0;
	x->cr3 = vmcb->save.cr3;
	x->hw_code = code;
	virt_event_from((u32)vmcb->ctl.exit_int_info, (u32)(vmcb->ctl.exit_int_info >> 32),
			&x->cut);
	x->cpl = vmcb->save.cpl;
	x->long_mode = (vmcb->save.efer & EFER_LMA) && (vmcb->save.cs.attr & SEG_ATTR_L);

	switch (x->reason) {
	case EXIT_CPUID:
		x->cpuid.leaf = (u32)r->gpr[REG_RAX];
		x->cpuid.subleaf = (u32)r->gpr[REG_RCX];
		break;
	case EXIT_IO:
		x->io = (struct exit_io){
			.port = (u16)(i1 >> IOIO_PORT_SHIFT),
			.size = (i1 >> IOIO_SIZE_SHIFT) & 7,
			.in = i1 & IOIO_IN,
			.string = i1 & IOIO_STR,
			.rep = i1 & IOIO_REP,
			.addr_size = (i1 & IOIO_A64) ? 8 : (i1 & IOIO_A32) ? 4 :
				     (i1 & IOIO_A16) ? 2 : 0,
			.seg = have_decode_assists ? (s8)((i1 >> IOIO_SEG_SHIFT) & 7) : -1,
		};
		if (x->io.size == 3 || x->io.size > 4)
			x->io.size = 4; /* one-hot: 1, 2, or bit 2 for 4 */
		x->insn_len = insn_len(vmcb->ctl.exit_info2, r->rip);
		break;
	case EXIT_MSR_READ:
		if (i1)
			x->reason = EXIT_MSR_WRITE;
		x->msr.index = (u32)r->gpr[REG_RCX];
		x->msr.value = (r->gpr[REG_RDX] << 32) | (u32)r->gpr[REG_RAX];
		break;
	case EXIT_XSETBV:
		x->xsetbv.index = (u32)r->gpr[REG_RCX];
		x->xsetbv.value = (r->gpr[REG_RDX] << 32) | (u32)r->gpr[REG_RAX];
		break;
	case EXIT_MEM:
		x->mem.gpa = vmcb->ctl.exit_info2;
		x->mem.write = i1 & NPF_WRITE;
		x->mem.exec = i1 & NPF_FETCH;
		x->mem.table_walk = i1 & NPF_TABLE_WALK;
		x->mem.insn_len = 0;
		if (have_decode_assists && vmcb->ctl.insn_len <= sizeof(x->mem.insn)) {
			x->mem.insn_len = vmcb->ctl.insn_len;
			memcpy(x->mem.insn, vmcb->ctl.insn_bytes, vmcb->ctl.insn_len);
		}
		break;
	case EXIT_EXCEPTION:
		x->exception.vector = (u8)(code - SVM_EXIT_EXCP_BASE);
		x->exception.has_error = x->exception.vector == EXC_AC;
		x->exception.error = (u32)i1;
		break;
	case EXIT_VIRT_INSN:
		x->insn = exit_kinds[code].insn;
		break;
	case EXIT_CR_WRITE:
		x->mov_to.reg = (u8)(code - SVM_EXIT_WRITE_CR0);
		x->mov_to.gpr = have_decode_assists && (i1 & CR_EXIT_MOV) ?
				(s8)(i1 & CR_EXIT_GPR_MASK) : -1;
		break;
	case EXIT_DR_WRITE:
		x->mov_to.reg = (u8)(code - SVM_EXIT_WRITE_DR0);
		x->mov_to.gpr = have_decode_assists ? (s8)(i1 & CR_EXIT_GPR_MASK) : -1;
		break;
	case EXIT_FAILED: {
		/* The CPU does not say which check failed: the same checks in
		 * software find it. */
		int n = snprintf(s->why, sizeof(s->why), "VMRUN refused the VMCB: ");

		if (!svm_guest_check(vmcb, &guest_check_env, s->why + n, sizeof(s->why) - (size_t)n))
			snprintf(s->why + n, sizeof(s->why) - (size_t)n,
				 "no check lucid knows of fails (VMEXIT_INVALID)");
		x->why = s->why;
		break;
	}
	case EXIT_UNKNOWN:
		x->hw_info[0] = i1;
		x->hw_info[1] = vmcb->ctl.exit_info2;
		break;
	default:	/* nothing more to say */
		break;
	}
}

/* The vCPU's ASID on this CPU into its VMCB, with the flush that a new
 * generation of ASIDs needs. */
static void load_asid(struct svm_vcpu *s)
{
	struct percpu *p = this_cpu();
	struct svm_cpu *c = p->virt;

	assign_asid(c, s, p->index);
	if (s->vmcb->ctl.asid != s->asid) {
		s->vmcb->ctl.asid = s->asid;
		dirty(s->vmcb, VMCB_CLEAN_ASID);
	}
	if (c->flush_all)
		s->vmcb->ctl.tlb_control = TLB_CONTROL_FLUSH_ALL;
	c->flush_all = false;
}

/* A fresh ASID at the next load has no stale translations, guest or
 * nested, on any CPU (assign_asid hands out each ASID once a generation). */
static void svm_vcpu_flush_tlb(struct vcpu_arch *v)
{
	((struct svm_vcpu *)v->virt)->asid = 0;
}

/* The VMCB is memory, so nothing needs writing back; but whoever changes
 * it now does not know what this CPU cached: all areas count as dirty. */
static void svm_vcpu_put(struct vcpu_arch *v)
{
	((struct svm_vcpu *)v->virt)->vmcb_cpu = NO_CPU;
}

/* ASIDs change only when another vCPU ran on this CPU in between, so
 * once per series of runs is enough. */
static void svm_vcpu_load(struct vcpu_arch *v)
{
	struct svm_vcpu *s = v->virt;

	if (s->vmcb_cpu != this_cpu()->index) {
		dirty(s->vmcb, VMCB_CLEAN_ALL);
		s->vmcb_cpu = this_cpu()->index;
		s->host_pa = pa_of(((struct svm_cpu *)this_cpu()->virt)->host);
	}
	load_asid(s);
}

/* The guest's interrupt shadow (STI, MOV SS) covers the instruction it
 * exited at; once RIP moved past that (lucid completed it, virt.h), it is
 * over, and the next VMRUN clears it in the VMCB. */
static bool in_shadow(const struct vmcb *vmcb, const struct vcpu_regs *r)
{
	return (vmcb->ctl.int_state & 1) && vmcb->save.rip == r->rip;
}

static void svm_vcpu_run(struct vcpu_arch *v, struct exit_record *x)
{
	struct svm_vcpu *s = v->virt;
	struct vmcb *vmcb = s->vmcb;
	struct vcpu_regs *r = v->regs;	/* once: stores below may alias v */
	bool armed = s->dr7_armed;

	vmcb->save.rax = r->gpr[REG_RAX];
	vmcb->save.rsp = r->gpr[REG_RSP];
	if (vmcb->save.rip != r->rip) {	/* see in_shadow */
		vmcb->save.rip = r->rip;
		vmcb->ctl.int_state &= ~1ull;
	}
	vmcb->save.rflags = r->rflags;
	/* VMRUN loads the guest's CR2 from the VMCB; Bochs 2.7's does not,
	 * and its guest would see whatever CR2 another VM's page fault (or
	 * lucid's #PF injection) left. The value in the CPU beforehand is
	 * harmless where VMRUN loads it. (#VMEXIT leaves the guest's CR2 in
	 * the CPU, so this rarely writes.) */
	if (read_cr2() != vmcb->save.cr2)
		write_cr2(vmcb->save.cr2);

	if (armed)
		write_dr7(vmcb->save.dr7);
	svm_vmrun(s->vmcb_pa, r->gpr, s->host_pa);
	if (armed)
		write_dr7(DR7_INIT);
	vmcb->ctl.tlb_control = TLB_CONTROL_NONE; /* a requested flush is done */
	vmcb->ctl.clean = clean_all;              /* the CPU has it all now */

	r->gpr[REG_RAX] = vmcb->save.rax;
	r->gpr[REG_RSP] = vmcb->save.rsp;
	r->rip = vmcb->save.rip;
	r->rflags = vmcb->save.rflags;

	/* What was injected went in, or is in EXITINTINFO (x->cut). */
	vmcb->ctl.event_inj = 0;
	if (s->nmi_blocked)
		track_nmi_blocking(s, vmcb->ctl.exit_code, r->rip);
	decode_exit(s, r, x);
}

static void svm_vcpu_inject(struct vcpu_arch *v, const struct event *e)
{
	struct svm_vcpu *s = v->virt;
	u64 ev = virt_event_info(e);

	if (e->type == EV_NMI) {
		s->nmi_blocked = true;
		s->iret_seen = false;
	}
	if (e->has_error)
		ev |= EVENT_HAS_ERROR | ((u64)e->error << 32);
	s->vmcb->ctl.event_inj = ev;
	if (e->type == EV_INTR && intr_exits_at_once)
		lapic_send_ipi(this_cpu()->apic_id, ICR_FIXED | VEC_EXIT_NOW);
}

/* An interrupt window: a virtual interrupt request with VINTR intercepted
 * exits as soon as the guest could take an interrupt (IF set, no shadow);
 * the request itself is never delivered. An NMI window: the IRET that
 * ends NMI blocking exits (nmi_blocked); after that any exit will do. */
static void svm_vcpu_want_windows(struct vcpu_arch *v, bool nmi, bool intr)
{
	struct svm_vcpu *s = v->virt;
	struct vmcb *vmcb = s->vmcb;
	const u64 request = V_IRQ | V_IGN_TPR | (0xfull << V_INTR_PRIO_SHIFT);

	vmcb->ctl.int_ctl &= ~request;
	vmcb->ctl.intercepts1 &= ~(INTERCEPT1(VINTR) | INTERCEPT1(IRET));
	if (intr) {
		vmcb->ctl.int_ctl |= request;
		vmcb->ctl.intercepts1 |= INTERCEPT1(VINTR);
	}
	if (nmi && s->nmi_blocked && !s->iret_seen)
		vmcb->ctl.intercepts1 |= INTERCEPT1(IRET);
	dirty(vmcb, VMCB_CLEAN_TPR | VMCB_CLEAN_INTERCEPTS);
}

static bool svm_vcpu_can_take(const struct vcpu_arch *v, enum event_type type)
{
	const struct svm_vcpu *s = v->virt;
	const struct vmcb *vmcb = s->vmcb;

	if (in_shadow(vmcb, v->regs) || (vmcb->ctl.event_inj & EVENT_VALID))
		return false;
	if (type == EV_NMI)
		return !s->nmi_blocked;
	return v->regs->rflags & RFLAGS_IF;
}

static int svm_get_msr(struct vcpu_arch *v, u32 msr, u64 *val)
{
	const struct vmcb *vmcb = ((const struct svm_vcpu *)v->virt)->vmcb;

	switch (msr) {
	case MSR_EFER:
		*val = vmcb->save.efer & ~EFER_SVME;
		return 0;
	case MSR_PAT:
		*val = vmcb->save.g_pat;
		return 0;
	case MSR_TSC:
		*val = rdtsc() + vmcb->ctl.tsc_offset;
		return 0;
	default:
		return -1;
	}
}

static int svm_set_msr(struct vcpu_arch *v, u32 msr, u64 val)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)v->virt)->vmcb;

	switch (msr) {
	case MSR_EFER:
		/* LMA is the CPU's to set; LME may only change with paging off. */
		vmcb->save.efer = (val & ~EFER_LMA) | (vmcb->save.efer & EFER_LMA) | GUEST_EFER_BASE;
		dirty(vmcb, VMCB_CLEAN_CRX);
		return 0;
	case MSR_PAT:
		vmcb->save.g_pat = val;
		dirty(vmcb, VMCB_CLEAN_NP);
		return 0;
	case MSR_TSC:
		vmcb->ctl.tsc_offset = val - rdtsc();
		dirty(vmcb, VMCB_CLEAN_INTERCEPTS);
		return 0;
	default:
		return -1;
	}
}

static void svm_get_crs(const struct vcpu_arch *v, struct guest_crs *out)
{
	const struct vmcb_save *g = &((const struct svm_vcpu *)v->virt)->vmcb->save;

	*out = (struct guest_crs){ g->cr0, g->cr3, g->cr4, g->efer & ~EFER_SVME };
}

static u64 svm_get_dr(const struct vcpu_arch *v, int dr)
{
	const struct vmcb_save *g = &((const struct svm_vcpu *)v->virt)->vmcb->save;

	return dr == 6 ? g->dr6 : g->dr7;
}

static void svm_set_dr(struct vcpu_arch *v, int dr, u64 val)
{
	struct svm_vcpu *s = v->virt;

	if (dr == 6) {
		s->vmcb->save.dr6 = val;
	} else {
		s->vmcb->save.dr7 = val;
		s->dr7_armed = dr7_sync && (val & DR7_ENABLES);
	}
	dirty(s->vmcb, VMCB_CLEAN_DRX);
}

static void svm_set_cr2(struct vcpu_arch *v, u64 cr2)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)v->virt)->vmcb;

	vmcb->save.cr2 = cr2;
	dirty(vmcb, VMCB_CLEAN_CR2);
}

/* A MOV to CR4 that changes how the guest's addresses translate
 * (CR4_TLB_BITS) drops its TLB entries on the CPU, global ones too (a
 * CR4.PGE toggle is how a kernel flushes those). VMRUN loads the new CR4
 * but keeps the ASID's entries: a fresh ASID leaves them behind, without
 * flushing other guests' and on every CPU (no need for flush-by-ASID). */
static void svm_set_cr(struct vcpu_arch *v, int cr, u64 val)
{
	struct svm_vcpu *s = v->virt;
	u64 old = s->vmcb->save.cr4;

	if (cr != 4)
		return;
	s->vmcb->save.cr4 = val;
	dirty(s->vmcb, VMCB_CLEAN_CRX);
	if ((old ^ val) & CR4_TLB_BITS) {
		s->asid_generation = 0;	/* no generation is 0: a new ASID */
		load_asid(s);
	}
}

static void svm_get_seg(const struct vcpu_arch *v, enum seg_reg seg, struct guest_seg *out)
{
	const struct vmcb_save *g = &((const struct svm_vcpu *)v->virt)->vmcb->save;
	const struct vmcb_seg *sr[NR_SEGS] = { &g->es, &g->cs, &g->ss, &g->ds, &g->fs, &g->gs };

	/* The VMCB keeps segments in the generic form already. */
	*out = (struct guest_seg){ sr[seg]->base, sr[seg]->limit, sr[seg]->sel, sr[seg]->attr };
}

static const struct virt_ops svm_ops = {
	.name = "AMD SVM",
	.cpu_init = svm_cpu_init,
	.vm_init = svm_vm_init,
	.vm_free = svm_vm_free,
	.vm_translate = slat_vm_translate,
	.vm_map = slat_vm_map,
	.vm_unmap = slat_vm_unmap,
	.vm_protect = slat_vm_protect,
	.vcpu_flush_tlb = svm_vcpu_flush_tlb,
	.vcpu_init = svm_vcpu_init,
	.vcpu_free = svm_vcpu_free,
	.vcpu_reset = svm_vcpu_reset,
	.vcpu_load = svm_vcpu_load,
	.vcpu_put = svm_vcpu_put,
	.vcpu_run = svm_vcpu_run,
	.vcpu_inject = svm_vcpu_inject,
	.vcpu_want_windows = svm_vcpu_want_windows,
	.vcpu_can_take = svm_vcpu_can_take,
	.vcpu_get_msr = svm_get_msr,
	.vcpu_set_msr = svm_set_msr,
	.vcpu_get_crs = svm_get_crs,
	.vcpu_set_cr2 = svm_set_cr2,
	.vcpu_set_cr = svm_set_cr,
	.vcpu_get_dr = svm_get_dr,
	.vcpu_set_dr = svm_set_dr,
	.vcpu_get_seg = svm_get_seg,
};

/* The CR4 and EFER bits this CPU has, from CPUID: to VMRUN the others
 * must be zero (svm_guest_check.h). */
static struct svm_guest_env guest_check_env_of_cpu(void)
{
	struct cpuid_regs l1 = cpuid(1, 0), e1 = cpuid(0x80000001, 0);
	struct cpuid_regs l7 = cpuid(0, 0).eax >= 7 ? cpuid(7, 0) : (struct cpuid_regs){ 0 };
	const struct { const u32 *reg; u32 bit; u64 cr4, efer; } has[] = {
		{ &l7.ecx, 2, 1ull << 11, 0 },		/* UMIP */
		{ &l7.ecx, 16, CR4_LA57, 0 },
		{ &l7.ebx, 0, 1ull << 16, 0 },		/* FSGSBASE */
		{ &l1.ecx, 17, CR4_PCIDE, 0 },
		{ &l1.ecx, 26, CR4_OSXSAVE, 0 },
		{ &l7.ebx, 7, CR4_SMEP, 0 },
		{ &l7.ebx, 20, CR4_SMAP, 0 },
		{ &l7.ecx, 3, CR4_PKE, 0 },
		{ &l7.ecx, 7, CR4_CET, 0 },
		{ &e1.edx, 11, 0, 1ull << 0 },		/* SYSCALL: SCE */
		{ &e1.edx, 29, 0, EFER_LME | EFER_LMA },
		{ &e1.edx, 20, 0, EFER_NXE },
		{ &e1.edx, 25, 0, 1ull << 14 },		/* FFXSR */
		{ &e1.ecx, 17, 0, 1ull << 15 },		/* TCE */
	};
	struct svm_guest_env env = {
		.phys_bits = (u8)cpuid(0x80000008, 0).eax,
		.cr4_allowed = 0x7ff,	/* VME to OSXMMEXCPT: every x86-64 CPU */
		.efer_allowed = EFER_SVME,
	};

	for (u32 i = 0; i < ARRAY_SIZE(has); i++)
		if (*has[i].reg & (1u << has[i].bit)) {
			env.cr4_allowed |= has[i].cr4;
			env.efer_allowed |= has[i].efer;
		}
	return env;
}

/* The interrupt did its work by arriving: the guest exited. */
static void on_exit_now(struct trap_frame *f)
{
	(void)f;
	lapic_eoi();
}

const struct virt_ops *svm_probe(const struct cpu_features *f)
{
	have_nrip = f->svm_nrip;
	have_decode_assists = f->svm_decode_assists;
	allow_1g = f->gb_pages;
	max_asid = f->svm_asids;
	clean_all = f->svm_clean_bits ? VMCB_CLEAN_ALL : 0;
	dr7_sync = f->qemu_tcg;
	intr_exits_at_once = f->qemu_tcg;
	if (max_asid < 2)
		return NULL;
	trap_set_handler(VEC_EXIT_NOW, on_exit_now);
	trap_ignore_single_step_at((u64)(uintptr_t)svm_vmexit_rip);
	guest_check_env = guest_check_env_of_cpu();
	return &svm_ops;
}
