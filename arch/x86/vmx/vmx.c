/* The Intel VMX back end: turns VMX on per CPU (VMXON), sets up a VMCS per
 * vCPU, runs it and turns each VM exit into a vendor-neutral exit record
 * (arch/x86/virt.h). Decisions about the guest are made in hv/; this file
 * only speaks the hardware's language, as arch/x86/svm/svm.c does for SVM.
 *
 * Needs EPT and unrestricted guest (cpu_features.c checks), so that a
 * guest may run in real mode and unpaged protected mode. A VMCS is read
 * and written with VMREAD/VMWRITE while it is current on this CPU: it is
 * active on one CPU at a time, from vcpu_load to vcpu_put (VMCLEAR), and
 * the ops generic code calls outside that (vcpu_init, vcpu_reset from the
 * CPU that resets a paused VM) borrow it for the call and clear it again.
 *
 * What VM entry and exit do not switch, lucid switches here: CR2 and DR6
 * (in the CPU while the guest runs), and STAR, LSTAR, CSTAR, SFMASK and
 * KERNEL_GS_BASE, which lucid never uses itself: arch/x86/guest_regs.c
 * keeps the guest's values in the CPU until another vCPU runs there. */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/guest_regs.h"
#include "arch/x86/slat.h"
#include "arch/x86/trap.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/vmx/vmx_guest_check.h"
#include "hv/mm/page_alloc.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/string.h"

#define CR4_VMXE (1ull << 13)

/* IA32_VMX_EPT_VPID_CAP (SDM appendix A.10) */
#define EPT_CAP_WALK_4 (1ull << 6)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_2M (1ull << 16)
#define EPT_CAP_1G (1ull << 17)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)
#define VPID_CAP_SINGLE (1ull << 41)
#define VPID_CAP_ALL (1ull << 42)

#define INV_SINGLE 1
#define INV_ALL 2

/* The EPT pointer's memory type (WB) and page-walk length minus one. */
#define EPTP_WB 6ull
#define EPTP_WALK_4 (3ull << 3)

/* Segment types in the access rights (AR_*, vmcs.h) */
#define TSS_TYPE_BUSY_32 11u
#define TSS_TYPE_BUSY_16 3u
#define TSS_TYPE_AVAIL_32 9u
#define LDT_TYPE 2u

/* Exit qualifications (SDM 28.2.1) */
#define IO_QUAL_IN (1u << 3)
#define IO_QUAL_STRING (1u << 4)
#define IO_QUAL_REP (1u << 5)
#define EPT_QUAL_WRITE (1u << 1)
#define EPT_QUAL_FETCH (1u << 2)
#define EPT_QUAL_LINEAR_VALID (1u << 7)
#define EPT_QUAL_TRANSLATED (1u << 8)
#define EPT_QUAL_NMI_UNBLOCKED (1u << 12)
#define DB_QUAL_BITS (DR6_BP_HITS | DR6_BD | DR6_BS)

#define IO_BITMAP_PAGES 2
#define MAX_VPID 0xffffu

struct vmx_vcpu;

struct vmx_cpu {
	void *vmxon;
	struct vmx_vcpu *current;	/* whose VMCS VMPTRLD made current */
};

struct vmx_vm {
	u8 *io_bitmap;		/* A then B: every port exits */
	u8 *msr_bitmap;
	struct slat ept;
	u64 eptp;
};

struct vmx_vcpu {
	void *vmcs;
	u64 vmcs_pa;
	void *vapic;		/* the TPR shadow's page: the guest's CR8 */
	u32 cpu;		/* where the VMCS is active, or NO_CPU (clear) */
	bool launched;
	u8 flush;		/* FLUSH_*: what the next entry invalidates first */
	u16 vpid;		/* 0: none */
	u64 eptp;
	const struct pagetable *ept;	/* its VM's: PAE PDPTEs are read through it */
	u32 proc;		/* the primary controls as last written */
	u32 entry;		/* the entry controls as last written */
	/* The state the last exit left, which vcpu_can_take and the next
	 * entry need: the interrupt shadow covers exit_rip only. */
	u32 intr_state;
	u64 exit_rip;
	u32 inject;		/* VMCS_ENTRY_INTR_INFO as written, until the entry */
	char why[192];		/* x->why of a failed entry */
};

#define FLUSH_EPT  1	/* vcpu_flush_tlb, or arrived: INVEPT, which covers VPIDs too */
#define FLUSH_VPID 2	/* a CR4 write: the guest's own TLB entries go */

static struct vmx_cpu vmx_cpus[MAX_CPUS];
static u32 revision;
static u32 ctl_pin, ctl_proc, ctl_proc2, ctl_exit, ctl_entry;
static struct vmx_fixed cr0_fixed, cr4_fixed, guest_cr0_fixed;
static struct vmx_guest_env guest_check_env;	/* explain_failure's */
static u64 cr0_host_mask;	/* CR0 bits whose changes exit: NE, CD, NW */
static bool allow_1g, have_vpid, have_insouts_info;
static int invept_type, invvpid_type;	/* 0: not available */
static u64 vpid_used[(MAX_VPID + 1) / 64];

int vmx_enter(u64 *gprs, int launched);
extern const char vmx_exit[]; /* vmx_entry.asm: the host RIP of each exit */

/* ---- the VMX instructions: each says whether it succeeded (CF and ZF
 * clear) ---- */

/* VMXON, VMCLEAR and VMPTRLD: the one operand is the physical address of
 * a VMXON region or a VMCS, in memory. */
#define VMX_PA_INSN(insn)                                                      \
	static bool insn(u64 pa)                                               \
	{                                                                      \
		bool fail;                                                     \
		asm volatile(#insn " %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory"); \
		return !fail;                                                  \
	}

VMX_PA_INSN(vmxon)
VMX_PA_INSN(vmclear)
VMX_PA_INSN(vmptrld)

static u64 vmread(u32 field)
{
	u64 val = 0;

	asm volatile("vmread %1, %0" : "=rm"(val) : "r"((u64)field) : "cc");
	return val;
}

static u64 env_vmread(void *ctx, u32 field)
{
	(void)ctx;
	return vmread(field);
}

static __attribute__((cold, noinline)) void vmwrite_failed(u32 field)
{
	printk("vmx: VMWRITE of field 0x%x failed: %s\n", field,
	       vmx_insn_error_name((u32)vmread(VMCS_INSN_ERROR)));
}

/* Checked with one jump, so that it costs next to nothing on the entry
 * path. */
static inline void vmwrite(u32 field, u64 val)
{
	asm goto("vmwrite %0, %1; jna %l[failed]" : : "rm"(val), "r"((u64)field) : "cc" : failed);
	return;
failed:
	vmwrite_failed(field);
}

static void invept(int type, u64 eptp)
{
	struct { u64 eptp, zero; } d = { eptp, 0 };

	asm volatile("invept %0, %1" : : "m"(d), "r"((u64)type) : "cc", "memory");
}

static void invvpid(int type, u16 vpid)
{
	struct { u64 vpid, addr; } d = { vpid, 0 };

	asm volatile("invvpid %0, %1" : : "m"(d), "r"((u64)type) : "cc", "memory");
}

/* ---- per CPU ---- */

static int vmx_cpu_init(void)
{
	struct percpu *p = this_cpu();
	struct vmx_cpu *c = &vmx_cpus[p->index];
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);

	if (!(fc & FC_LOCKED)) {
		fc |= FC_LOCKED | FC_VMX_OUTSIDE_SMX;
		wrmsr(MSR_FEATURE_CONTROL, fc);
	} else if (!(fc & FC_VMX_OUTSIDE_SMX)) {
		printk("vmx: CPU %u: the firmware locked IA32_FEATURE_CONTROL with VMX off\n",
		       p->index);
		return -1;
	}
	c->vmxon = slat_zalloc_pages(1);
	if (!c->vmxon) {
		printk("vmx: CPU %u: out of memory for the VMXON region\n", p->index);
		return -1;
	}
	*(u32 *)c->vmxon = revision;
	write_cr0(vmx_fixed_apply(cr0_fixed, read_cr0()));
	write_cr4(vmx_fixed_apply(cr4_fixed, read_cr4() | CR4_VMXE));
	if (!vmxon(pa_of(c->vmxon))) {
		printk("vmx: CPU %u: VMXON failed (CR0 0x%llx, CR4 0x%llx)\n", p->index,
		       (unsigned long long)read_cr0(), (unsigned long long)read_cr4());
		return -1;
	}
	/* Guest-physical mappings from before VMXON (a previous kernel's)
	 * must not survive. */
	if (invept_type)
		invept(INV_ALL, 0);
	if (have_vpid)
		invvpid(INV_ALL, 0);
	p->virt = c;
	return 0;
}

/* ---- per VM ---- */

/* One bit per MSR for reads, then for writes, each split into MSRs
 * 0-0x1fff and 0xc0000000-0xc0001fff (SDM 25.6.9); 1 exits. */
static void msr_bitmap_allow(u8 *bm, u32 msr, bool read, bool write)
{
	u32 base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr - 0xc0000000u <= 0x1fff)
		base = 0x400, msr -= 0xc0000000u;
	else
		return; /* outside the map: always exits */
	if (read)
		bm[base + msr / 8] &= (u8) ~(1u << (msr % 8));
	if (write)
		bm[0x800 + base + msr / 8] &= (u8) ~(1u << (msr % 8));
}

/* EPT leaves have R/W/X bits and the memory type (cache_type's values
 * are EPT's); the guest's PAT still combines with it, as on hardware. */
static u64 ept_leaf(u32 rights, enum cache_type type)
{
	u64 e = EPT_R | ((u64)type << 3);

	if (rights & GPA_W)
		e |= EPT_W;
	if (rights & GPA_X)
		e |= EPT_X;
	return e;
}

static int vmx_vm_init(struct vm_arch *vm)
{
	struct vmx_vm *s = slat_zalloc_pages(1);

	if (!s)
		return -1;
	vm->virt = s;
	s->io_bitmap = slat_zalloc_pages(IO_BITMAP_PAGES);
	s->msr_bitmap = slat_zalloc_pages(1);
	if (!s->io_bitmap || !s->msr_bitmap ||
	    slat_init(&s->ept, PT_FORMAT_EPT, allow_1g, ept_leaf))
		return -1;
	vm->slat = &s->ept;
	memset(s->io_bitmap, 0xff, IO_BITMAP_PAGES * PAGE_SIZE);
	memset(s->msr_bitmap, 0xff, PAGE_SIZE);
	for (u32 i = 0; i < GUEST_PASSTHROUGH_MSRS; i++)
		msr_bitmap_allow(s->msr_bitmap, guest_passthrough_msrs[i], true, true);
	msr_bitmap_allow(s->msr_bitmap, MSR_TSC, true, false); /* the offset applies */
	s->eptp = pa_of(s->ept.pt.root) | EPTP_WB | EPTP_WALK_4;
	return 0;
}

static void vmx_vm_free(struct vm_arch *vm)
{
	struct vmx_vm *s = vm->virt;

	if (!s)
		return;
	slat_free(&s->ept);
	vm->slat = NULL;
	slat_free_pages(s->io_bitmap, IO_BITMAP_PAGES);
	slat_free_pages(s->msr_bitmap, 1);
	slat_free_pages(s, 1);
	vm->virt = NULL;
}

/* ---- making a VMCS current ---- */

static struct vmx_cpu *this_vmx(void)
{
	return &vmx_cpus[this_cpu()->index];
}

static __attribute__((noinline)) bool vmcs_make_current(struct vmx_vcpu *s)
{
	struct vmx_cpu *c = this_vmx();
	u32 cpu = this_cpu()->index;

	if (s->cpu != NO_CPU && s->cpu != cpu)
		printk("vmx: a VMCS active on CPU %u is used on CPU %u without vcpu_put\n",
		       s->cpu, cpu);
	if (!vmptrld(s->vmcs_pa))
		printk("vmx: VMPTRLD failed on CPU %u\n", cpu);
	c->current = s;
	if (s->cpu == cpu)
		return false;
	s->cpu = cpu;
	return true;
}

/* Makes s's VMCS current on this CPU. Returns true where it was clear
 * (not loaded by vcpu_load): the caller gives it back with vmcs_return.
 * Most calls find it current: one comparison, inline. */
static inline bool vmcs_borrow(struct vmx_vcpu *s)
{
	return this_vmx()->current != s && vmcs_make_current(s);
}

/* Writes the VMCS back to memory and makes it clear, not current. */
static void vmcs_clear(struct vmx_vcpu *s)
{
	struct vmx_cpu *c = this_vmx();

	vmclear(s->vmcs_pa);
	if (c->current == s)
		c->current = NULL;
	s->cpu = NO_CPU;
	s->launched = false;
}

static void vmcs_return(struct vmx_vcpu *s, bool borrowed)
{
	if (borrowed)
		vmcs_clear(s);
}

/* ---- per vCPU ---- */

/* A field of v's VMCS, for the ops generic code calls between runs
 * (current already: one comparison) or from another CPU while v's VM is
 * paused (borrowed for the access). */
static u64 vcpu_vmread(const struct vcpu_arch *v, u32 field)
{
	bool borrowed = vmcs_borrow(v->virt);
	u64 val = vmread(field);

	vmcs_return(v->virt, borrowed);
	return val;
}

static void vcpu_vmwrite(const struct vcpu_arch *v, u32 field, u64 val)
{
	bool borrowed = vmcs_borrow(v->virt);

	vmwrite(field, val);
	vmcs_return(v->virt, borrowed);
}

static u16 vpid_alloc(void)
{
	for (u32 i = 1; i <= MAX_VPID; i++) {
		u64 bit = 1ull << (i % 64);
		if (!(__atomic_fetch_or(&vpid_used[i / 64], bit, __ATOMIC_RELAXED) & bit))
			return (u16)i;
	}
	return 0;
}

static void vpid_free(u16 vpid)
{
	if (vpid)
		__atomic_fetch_and(&vpid_used[vpid / 64], ~(1ull << (vpid % 64)), __ATOMIC_RELAXED);
}

/* The host state that is the same on every CPU and for every VMCS. The
 * per-CPU part (GDT, TSS, GS base) follows in load_host_cpu. */
static void write_host_state(void)
{
	u16 sel;

	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SEL, SEL_CODE);
	vmwrite(VMCS_HOST_SS_SEL, SEL_DATA);
	vmwrite(VMCS_HOST_DS_SEL, SEL_DATA);
	vmwrite(VMCS_HOST_ES_SEL, SEL_DATA);
	asm volatile("mov %%fs, %0" : "=r"(sel));
	vmwrite(VMCS_HOST_FS_SEL, sel & ~7u);
	asm volatile("mov %%gs, %0" : "=r"(sel));
	vmwrite(VMCS_HOST_GS_SEL, sel & ~7u);
	vmwrite(VMCS_HOST_TR_SEL, SEL_TSS);
	vmwrite(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(VMCS_HOST_SYSENTER_CS, rdmsr(0x174));
	vmwrite(VMCS_HOST_SYSENTER_ESP, rdmsr(0x175));
	vmwrite(VMCS_HOST_SYSENTER_EIP, rdmsr(0x176));
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(VMCS_HOST_PAT, rdmsr(MSR_PAT));
	vmwrite(VMCS_HOST_RIP, (u64)(uintptr_t)vmx_exit);
}

/* This CPU's own tables and per-CPU pointer, for the VMCS active here. */
static void load_host_cpu(void)
{
	struct percpu *p = this_cpu();
	struct { u16 limit; u64 base; } __packed idtr;

	asm volatile("sidt %0" : "=m"(idtr));
	vmwrite(VMCS_HOST_GDTR_BASE, (u64)(uintptr_t)p->gdt);
	vmwrite(VMCS_HOST_TR_BASE, (u64)(uintptr_t)&p->tss);
	vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
	vmwrite(VMCS_HOST_GS_BASE, (u64)(uintptr_t)p);
}

static int vmx_vcpu_init(struct vcpu_arch *v)
{
	struct vmx_vm *vs = v->vm->virt;
	struct vmx_vcpu *s = slat_zalloc_pages(1);
	bool borrowed;
	u32 proc2 = ctl_proc2;

	if (!s)
		return -1;
	v->virt = s;
	s->cpu = NO_CPU;
	s->vmcs = slat_zalloc_pages(1);
	s->vapic = slat_zalloc_pages(1);
	if (!s->vmcs || !s->vapic)
		return -1;
	s->vmcs_pa = pa_of(s->vmcs);
	*(u32 *)s->vmcs = revision;
	s->eptp = vs->eptp;
	s->ept = &vs->ept.pt;
	if (have_vpid)
		s->vpid = vpid_alloc();
	if (!s->vpid)
		proc2 &= ~VMX_PROC2_VPID;
	s->flush = FLUSH_EPT; /* a VPID used before, or an EPTP at a reused address */
	if (!vmclear(s->vmcs_pa))
		return -1;

	borrowed = vmcs_borrow(s);
	s->proc = ctl_proc;
	s->entry = ctl_entry;
	vmwrite(VMCS_PIN_CONTROLS, ctl_pin);
	vmwrite(VMCS_PROC_CONTROLS, s->proc);
	vmwrite(VMCS_PROC2_CONTROLS, proc2);
	vmwrite(VMCS_EXIT_CONTROLS, ctl_exit);
	vmwrite(VMCS_ENTRY_CONTROLS, s->entry);
	if (s->vpid)
		vmwrite(VMCS_VPID, s->vpid);
	vmwrite(VMCS_EPT_POINTER, s->eptp);
	vmwrite(VMCS_IO_BITMAP_A, pa_of(vs->io_bitmap));
	vmwrite(VMCS_IO_BITMAP_B, pa_of(vs->io_bitmap) + PAGE_SIZE);
	vmwrite(VMCS_MSR_BITMAP, pa_of(vs->msr_bitmap));
	/* The guest's CR8 is the TPR in this page; with threshold 0 it never
	 * exits (as V_TPR on SVM): lucid delivers interrupts by RFLAGS.IF. */
	vmwrite(VMCS_VIRTUAL_APIC_ADDR, pa_of(s->vapic));
	vmwrite(VMCS_TPR_THRESHOLD, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	/* #AC and #DB can loop forever inside the CPU's event delivery
	 * (CVE-2015-5307, CVE-2015-8104), as svm.c explains: both exit and
	 * are reflected. */
	vmwrite(VMCS_EXCEPTION_BITMAP, (1u << EXC_DB) | (1u << EXC_AC));
	vmwrite(VMCS_PF_ERROR_MASK, 0);
	vmwrite(VMCS_PF_ERROR_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	/* CR4: every bit is lucid's, so every change exits to generic code
	 * (hv/exits/cr.c), as SVM's CR4 write intercept; the guest reads its
	 * own value from the shadow, never VMXE. CR0: the bits VMX fixes
	 * that the guest may not change (NE); it reads its own value. */
	vmwrite(VMCS_CR4_GUEST_HOST_MASK, ~0ull);
	vmwrite(VMCS_CR0_GUEST_HOST_MASK, cr0_host_mask);
	write_host_state();
	vmcs_return(s, borrowed);
	return 0;
}

static void vmx_vcpu_free(struct vcpu_arch *v)
{
	struct vmx_vcpu *s = v->virt;

	if (!s)
		return;
	if (s->cpu == this_cpu()->index)
		vmcs_clear(s);
	vpid_free(s->vpid);
	slat_free_pages(s->vmcs, 1);
	slat_free_pages(s->vapic, 1);
	slat_free_pages(s, 1);
	v->virt = NULL;
}

/* The generic attributes (virt.h) in VMX's access-rights format: bits 8-11
 * move to 12-15, and a segment that is not present is unusable. */
static u32 seg_ar(const struct guest_seg *g)
{
	if ((g->attr & SEG_ATTR_UNUSABLE) || !(g->attr & SEG_ATTR_P))
		return AR_UNUSABLE;
	return (g->attr & 0xffu) | ((g->attr & 0xf00u) << 4);
}

static u16 seg_attr(u32 ar)
{
	if (ar & AR_UNUSABLE)
		return SEG_ATTR_UNUSABLE;
	return (u16)((ar & 0xffu) | ((ar >> 4) & 0xf00u));
}

static void write_seg(u32 index, const struct guest_seg *g, u32 ar)
{
	vmwrite(VMCS_GUEST_ES_SEL + 2 * index, g->sel);
	vmwrite(VMCS_GUEST_ES_BASE + 2 * index, g->base);
	vmwrite(VMCS_GUEST_ES_LIMIT + 2 * index, g->limit);
	vmwrite(VMCS_GUEST_ES_AR + 2 * index, ar);
}

/* The entry control that says the guest is in IA-32e mode follows EFER.LMA
 * (VM exits store it back, so the guest's own mode switches keep it). */
static void set_ia32e(struct vmx_vcpu *s, bool lma)
{
	u32 entry = lma ? s->entry | VMX_ENTRY_CTL_IA32E_GUEST : s->entry & ~VMX_ENTRY_CTL_IA32E_GUEST;

	if (entry != s->entry) {
		s->entry = entry;
		vmwrite(VMCS_ENTRY_CONTROLS, entry);
	}
}

static void vmx_vcpu_reset(struct vcpu_arch *v, const struct vcpu_state *st)
{
	struct vmx_vcpu *s = v->virt;
	bool borrowed = vmcs_borrow(s);

	/* A VMCS that failed an entry may be in any launch state: start
	 * it afresh. */
	if (!borrowed) {
		vmcs_clear(s);
		borrowed = vmcs_borrow(s);
	}
	for (int i = 0; i < NR_SEGS; i++) {
		u32 ar = seg_ar(&st->seg[i]);
		if (!(ar & AR_UNUSABLE) && (ar & AR_S))
			ar |= AR_TYPE_ACCESSED; /* VM entry insists */
		write_seg((u32)i, &st->seg[i], ar);
	}
	u32 ldtr = seg_ar(&st->ldtr);
	if ((ldtr & 0xfu) != LDT_TYPE || (ldtr & AR_S))
		ldtr = AR_UNUSABLE;
	write_seg(6, &st->ldtr, ldtr);
	/* TR must be a busy TSS, even in real mode where nothing reads it. */
	u32 tr = seg_ar(&st->tr) & ~(AR_UNUSABLE | AR_S | 0xfu);
	tr |= AR_P | ((st->tr.attr & 0xf) == 1 || (st->tr.attr & 0xf) == 3 ? TSS_TYPE_BUSY_16 :
		      TSS_TYPE_BUSY_32);
	if (virt_selftest_take_bad_entry())
		tr = (tr & ~0xfu) | TSS_TYPE_AVAIL_32;	/* TR must be busy */
	write_seg(7, &st->tr, tr);
	vmwrite(VMCS_GUEST_GDTR_BASE, st->gdtr.base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, st->gdtr.limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, st->idtr.base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, st->idtr.limit);

	vmwrite(VMCS_CR0_READ_SHADOW, st->cr0);
	vmwrite(VMCS_GUEST_CR0, vmx_fixed_apply(guest_cr0_fixed, st->cr0) & ~(CR0_CD | CR0_NW));
	vmwrite(VMCS_GUEST_CR3, st->cr3);
	vmwrite(VMCS_CR4_READ_SHADOW, st->cr4);
	vmwrite(VMCS_GUEST_CR4, vmx_fixed_apply(cr4_fixed, st->cr4));
	vmwrite(VMCS_GUEST_EFER, st->efer);
	set_ia32e(s, st->efer & EFER_LMA);
	vmwrite(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmwrite(VMCS_GUEST_DR7, DR7_INIT);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_RSP, st->gpr[REG_RSP]);
	vmwrite(VMCS_GUEST_RIP, st->rip);
	vmwrite(VMCS_GUEST_RFLAGS, st->rflags);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, VMX_ACTIVITY_ACTIVE);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_TSC_OFFSET, st->tsc_offset);
	s->proc = ctl_proc;	/* no window asked for */
	vmwrite(VMCS_PROC_CONTROLS, s->proc);
	vmcs_return(s, borrowed);

	memcpy(v->regs->gpr, st->gpr, sizeof(v->regs->gpr));
	v->regs->rip = st->rip;
	v->regs->rflags = st->rflags;
	memset(s->vapic, 0, PAGE_SIZE);
	s->intr_state = 0;
	s->exit_rip = st->rip;
	s->inject = 0;
	s->flush = FLUSH_EPT;
}

/* v stays loaded on this CPU from here to vcpu_put; the host state that
 * differs between CPUs goes in when it arrives. INVEPT and INVVPID act on
 * one CPU alone, so a vCPU arriving also drops what this CPU may still
 * hold of its VM and VPID from an earlier stay (or another vCPU's). */
static void vmx_vcpu_load(struct vcpu_arch *v)
{
	struct vmx_vcpu *s = v->virt;
	u32 cpu = this_cpu()->index;
	bool arrived = s->cpu != cpu;

	vmcs_borrow(s);
	if (arrived) {
		load_host_cpu();
		s->flush = FLUSH_EPT;
	}
}

static void vmx_vcpu_put(struct vcpu_arch *v)
{
	struct vmx_vcpu *s = v->virt;

	if (s->cpu == this_cpu()->index)
		vmcs_clear(s);
}

static void vmx_vcpu_flush_tlb(struct vcpu_arch *v)
{
	((struct vmx_vcpu *)v->virt)->flush |= FLUSH_EPT;
}

/* What each basic exit reason is in generic terms (EXIT_UNKNOWN, 0, for
 * those not listed); len: VMCS_EXIT_INSN_LEN is the exiting instruction's
 * length; insn: an EXIT_VIRT_INSN's mnemonic. */
struct exit_kind {
	u8 reason;
	bool len;
	const char *insn;
};

#define VIRT_INSN(name) [VMX_EXIT_##name] = { EXIT_VIRT_INSN, true, #name }

static const struct exit_kind exit_kinds[] = {
	[VMX_EXIT_EXCEPTION_NMI] = { EXIT_EXCEPTION },	/* or EXIT_NMI */
	[VMX_EXIT_EXTINT] = { EXIT_INTR },
	[VMX_EXIT_TRIPLE_FAULT] = { EXIT_SHUTDOWN },
	[VMX_EXIT_INTR_WINDOW] = { EXIT_INTR_WINDOW },
	[VMX_EXIT_NMI_WINDOW] = { EXIT_INTR_WINDOW },
	[VMX_EXIT_CPUID] = { EXIT_CPUID, true },
	VIRT_INSN(GETSEC),
	[VMX_EXIT_HLT] = { EXIT_HLT, true },
	/* Caches are coherent; dropping dirty lines would only hurt. */
	[VMX_EXIT_INVD] = { EXIT_NOP, true },
	[VMX_EXIT_VMCALL] = { EXIT_HYPERCALL, true },
	VIRT_INSN(VMCLEAR), VIRT_INSN(VMLAUNCH), VIRT_INSN(VMPTRLD), VIRT_INSN(VMPTRST),
	VIRT_INSN(VMREAD), VIRT_INSN(VMRESUME), VIRT_INSN(VMWRITE), VIRT_INSN(VMXOFF),
	VIRT_INSN(VMXON),
	[VMX_EXIT_CR_ACCESS] = { EXIT_CR_WRITE, true },	/* CR4; CR0 is done here */
	[VMX_EXIT_IO] = { EXIT_IO, true },
	[VMX_EXIT_RDMSR] = { EXIT_MSR_READ, true },
	[VMX_EXIT_WRMSR] = { EXIT_MSR_WRITE, true },
	[VMX_EXIT_BAD_GUEST_STATE] = { EXIT_FAILED },
	[VMX_EXIT_BAD_MSR_LOAD] = { EXIT_FAILED },
	VIRT_INSN(MWAIT),
	VIRT_INSN(MONITOR),
	[VMX_EXIT_MACHINE_CHECK] = { EXIT_FAILED },
	[VMX_EXIT_EPT_VIOLATION] = { EXIT_MEM },
	[VMX_EXIT_EPT_MISCONFIG] = { EXIT_FAILED },
	VIRT_INSN(INVEPT),
	VIRT_INSN(INVVPID),
	VIRT_INSN(VMFUNC),
	[VMX_EXIT_XSETBV] = { EXIT_XSETBV, true },
};

/* PAE paging with EPT takes its four PDPTEs from the VMCS at VM entry
 * (the CPU reloads them itself on the guest's own MOV to CR0/CR3/CR4):
 * where lucid completes a MOV that turns PAE paging on, it loads them
 * from the table at CR3. */
static void load_pdptes(const struct vmx_vcpu *s, u64 cr3)
{
	u64 gpa = cr3 & 0xffffffe0ull, hpa, flags;

	for (u32 i = 0; i < 4; i++) {
		u64 pdpte = 0;
		if (pt_lookup(s->ept, gpa + 8 * i, &hpa, &flags))
			pdpte = *(const u64 *)(uintptr_t)hpa;
		vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte);
	}
}

/* The guest's MOV to CR0 where it changes a bit lucid owns (NE, CD, NW):
 * lucid completes it, with the checks the CPU makes (#GP for NW without
 * CD, PG without PE: *gp), keeping the bits where VMX needs them and the
 * guest's value in the shadow; paging switched on with EFER.LME enters
 * IA-32e mode, off leaves it, as the CPU would. Returns false for CLTS,
 * LMSW and reads (never asked for). */
static bool mov_to_cr0(struct vmx_vcpu *s, const struct vcpu_regs *r, u64 qual, bool *gp)
{
	u64 val, efer, cr4;
	u32 gpr = (qual >> 8) & 15;

	if (((qual >> 4) & 3) != 0)
		return false;
	val = gpr == REG_RSP ? vmread(VMCS_GUEST_RSP) : r->gpr[gpr];
	if (!(s->entry & VMX_ENTRY_CTL_IA32E_GUEST))
		val = (u32)val;
	*gp = (val >> 32) || ((val & CR0_NW) && !(val & CR0_CD)) ||
	      ((val & CR0_PG) && !(val & CR0_PE));
	if (*gp)
		return true;
	efer = vmread(VMCS_GUEST_EFER);
	cr4 = vmread(VMCS_CR4_READ_SHADOW);
	if ((val & CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	else if (!(val & CR0_PG))
		efer &= ~EFER_LMA;
	vmwrite(VMCS_GUEST_EFER, efer);
	set_ia32e(s, efer & EFER_LMA);
	if ((val & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA))
		load_pdptes(s, vmread(VMCS_GUEST_CR3));
	vmwrite(VMCS_CR0_READ_SHADOW, val);
	vmwrite(VMCS_GUEST_CR0, vmx_fixed_apply(guest_cr0_fixed, val) & ~(CR0_CD | CR0_NW));
	return true;
}

/* x->why of an exit that is a failed entry (or an EPT misconfiguration,
 * lucid's own fault): for invalid guest state, the check that fails, found
 * by running VM entry's checks in software (vmx_guest_check.c). */
static void explain_failure(struct vmx_vcpu *s, u32 basic, struct exit_record *x)
{
	u64 qual = vmread(VMCS_EXIT_QUALIFICATION);
	char *w = s->why;
	size_t n = sizeof(s->why);
	int len;

	x->why = w;
	switch (basic) {
	case VMX_EXIT_BAD_GUEST_STATE:
		len = snprintf(w, n, "VM entry failed: invalid guest state: ");
		if (!vmx_guest_check(&guest_check_env, w + len, n - (size_t)len))
			snprintf(w + len, n - (size_t)len,
				 "no check lucid knows of fails (qualification %llu)",
				 (unsigned long long)qual);
		break;
	case VMX_EXIT_BAD_MSR_LOAD:
		snprintf(w, n, "VM entry failed: loading entry %llu of the MSR-load area",
			 (unsigned long long)qual);
		break;
	case VMX_EXIT_MACHINE_CHECK:
		snprintf(w, n, "VM entry failed: a machine check during the entry");
		break;
	default:
		snprintf(w, n, "EPT misconfiguration at guest-physical 0x%llx (exit reason %u)",
			 (unsigned long long)vmread(VMCS_GUEST_PHYS_ADDR), basic);
		break;
	}
}

static void decode_exit(struct vcpu_arch *v, u32 code, struct exit_record *x)
{
	struct vmx_vcpu *s = v->virt;
	const struct vcpu_regs *r = v->regs;
	u32 basic = code & VMX_EXIT_REASON_BASIC;
	struct exit_kind kind = basic < ARRAY_SIZE(exit_kinds) ? exit_kinds[basic] :
				(struct exit_kind){ EXIT_UNKNOWN };
	u64 qual = 0;	/* read where the exit has one: each VMREAD costs */
	u32 info, vectoring;
	bool gp;

	x->reason = code & VMX_EXIT_ENTRY_FAILED ? EXIT_FAILED : kind.reason;
	x->hw_code = code;
	x->insn_len = kind.len ? (u8)vmread(VMCS_EXIT_INSN_LEN) : 0;
	/* CR3 is for measuring an instruction whose length the exit did
	 * not give (virt.h): with VMX, never one lucid completes. */
	x->cr3 = x->insn_len ? 0 : vmread(VMCS_GUEST_CR3);
	vectoring = (u32)vmread(VMCS_IDT_VECTORING_INFO);
	virt_event_from(vectoring, vectoring & VMX_INTR_HAS_ERROR ?
			(u32)vmread(VMCS_IDT_VECTORING_ERROR) : 0, &x->cut);
	x->cpl = (vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
	x->long_mode = (s->entry & VMX_ENTRY_CTL_IA32E_GUEST) && (vmread(VMCS_GUEST_CS_AR) & AR_L);

	switch (x->reason) {
	case EXIT_EXCEPTION:
		qual = vmread(VMCS_EXIT_QUALIFICATION);
		info = (u32)vmread(VMCS_EXIT_INTR_INFO);
		if ((info & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_NMI) {
			/* The host's NMI, held by the exit: lucid's handler
			 * takes it, and its IRET lets the next one in. */
			asm volatile("int $2" ::: "memory");
			x->reason = EXIT_NMI;
			break;
		}
		x->exception.vector = (u8)info;
		x->exception.has_error = info & VMX_INTR_HAS_ERROR;
		x->exception.error = (u32)vmread(VMCS_EXIT_INTR_ERROR_CODE);
		/* A #DB that exits has not written DR6: its causes are in
		 * the qualification, and go where the CPU would put them. */
		if (x->exception.vector == EXC_DB)
			guest_set_dr6(v, (guest_dr6(v) & ~DR6_BP_HITS) | (qual & DB_QUAL_BITS));
		/* A fault in an IRET that had unblocked NMIs blocks them
		 * again (SDM 28.2.3), so the handler's IRET may unblock. */
		if ((info & VMX_INTR_NMI_UNBLOCKED) && x->exception.vector != EXC_DF &&
		    x->cut.type == EV_NONE) {
			s->intr_state |= VMX_INTERRUPTIBILITY_NMI;
			vmwrite(VMCS_GUEST_INTERRUPTIBILITY, s->intr_state);
		}
		break;
	case EXIT_CPUID:
		x->cpuid.leaf = (u32)r->gpr[REG_RAX];
		x->cpuid.subleaf = (u32)r->gpr[REG_RCX];
		break;
	case EXIT_IO: {
		qual = vmread(VMCS_EXIT_QUALIFICATION);
		u32 insn = (u32)vmread(VMCS_EXIT_INSN_INFO);
		bool string = qual & IO_QUAL_STRING, in = qual & IO_QUAL_IN;
		x->io = (struct exit_io){
			.port = (u16)(qual >> 16),
			.size = (u8)((qual & 7) + 1),
			.in = in,
			.string = string,
			.rep = qual & IO_QUAL_REP,
			.addr_size = string && have_insouts_info ? (u8)(2u << ((insn >> 7) & 7)) : 0,
			.seg = string && !in && have_insouts_info ? (s8)((insn >> 15) & 7) : -1,
		};
		break;
	}
	case EXIT_MSR_READ:
	case EXIT_MSR_WRITE:
		x->msr.index = (u32)r->gpr[REG_RCX];
		x->msr.value = (r->gpr[REG_RDX] << 32) | (u32)r->gpr[REG_RAX];
		break;
	case EXIT_XSETBV:
		x->xsetbv.index = (u32)r->gpr[REG_RCX];
		x->xsetbv.value = (r->gpr[REG_RDX] << 32) | (u32)r->gpr[REG_RAX];
		break;
	case EXIT_MEM:
		qual = vmread(VMCS_EXIT_QUALIFICATION);
		x->mem = (struct exit_mem){
			.gpa = vmread(VMCS_GUEST_PHYS_ADDR),
			.write = qual & EPT_QUAL_WRITE,
			.exec = qual & EPT_QUAL_FETCH,
			.table_walk = (qual & EPT_QUAL_LINEAR_VALID) && !(qual & EPT_QUAL_TRANSLATED),
		};
		if ((qual & EPT_QUAL_NMI_UNBLOCKED) && x->cut.type == EV_NONE) {
			s->intr_state |= VMX_INTERRUPTIBILITY_NMI;
			vmwrite(VMCS_GUEST_INTERRUPTIBILITY, s->intr_state);
		}
		break;
	case EXIT_VIRT_INSN:
		x->insn = kind.insn;
		break;
	case EXIT_CR_WRITE:
		qual = vmread(VMCS_EXIT_QUALIFICATION);
		if ((qual & 15) == 0 && mov_to_cr0(s, r, qual, &gp)) {
			if (gp) /* as the CPU would have raised it */
				x->reason = EXIT_EXCEPTION, x->exception = (typeof(x->exception)){
					EXC_GP, true, 0 };
			else
				x->reason = EXIT_NOP; /* done: generic code moves RIP on */
			break;
		}
		x->mov_to.reg = (u8)(qual & 15);
		x->mov_to.gpr = ((qual >> 4) & 3) == 0 ? (s8)((qual >> 8) & 15) : -1;
		if (x->mov_to.reg != 4 || x->mov_to.gpr < 0) {
			x->reason = EXIT_UNKNOWN;
			x->hw_info[0] = qual;
		}
		break;
	case EXIT_FAILED:
		explain_failure(s, basic, x);
		break;
	case EXIT_UNKNOWN:
		x->hw_info[0] = vmread(VMCS_EXIT_QUALIFICATION);
		x->hw_info[1] = vmread(VMCS_EXIT_INTR_INFO);
		break;
	default:	/* nothing more to say */
		break;
	}
}

/* The guest's interrupt shadow (STI, MOV SS) covers the instruction it
 * exited at; once RIP moved past that (lucid completed it, virt.h), it is
 * over, and the next entry clears it in the VMCS. */
static bool in_shadow(const struct vmx_vcpu *s, const struct vcpu_regs *r)
{
	return (s->intr_state & (VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOV_SS)) &&
	       s->exit_rip == r->rip;
}

static void flush_tlb(struct vmx_vcpu *s)
{
	if ((s->flush & FLUSH_EPT) || !invvpid_type || !s->vpid)
		invept(invept_type, s->eptp); /* guest-physical and combined */
	else
		invvpid(invvpid_type, s->vpid);
	s->flush = 0;
}

static void vmx_vcpu_run(struct vcpu_arch *v, struct exit_record *x)
{
	struct vmx_vcpu *s = v->virt;
	struct vcpu_regs *r = v->regs;	/* once: stores below may alias v */
	u32 code;

	vmcs_borrow(s); /* current already, unless a reset borrowed it */
	if (s->intr_state & (VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOV_SS)) {
		if (s->exit_rip != r->rip) {	/* see in_shadow */
			s->intr_state &= ~(VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOV_SS);
			vmwrite(VMCS_GUEST_INTERRUPTIBILITY, s->intr_state);
		} else if (r->rflags & RFLAGS_TF) {
			/* VM entry insists that a single step pending behind
			 * the shadow be recorded (SDM 27.3.1.5). */
			vmwrite(VMCS_GUEST_PENDING_DBG, vmread(VMCS_GUEST_PENDING_DBG) | DR6_BS);
		}
	}
	vmwrite(VMCS_GUEST_RSP, r->gpr[REG_RSP]);
	vmwrite(VMCS_GUEST_RIP, r->rip);
	vmwrite(VMCS_GUEST_RFLAGS, r->rflags);
	if (s->flush)
		flush_tlb(s);

	if (vmx_enter(r->gpr, s->launched)) {
		u32 err = (u32)vmread(VMCS_INSN_ERROR);
		snprintf(s->why, sizeof(s->why), "%s failed: VM-instruction error %u, %s",
			 s->launched ? "VMRESUME" : "VMLAUNCH", err, vmx_insn_error_name(err));
		*x = (struct exit_record){ .reason = EXIT_FAILED, .hw_code = ~0ull,
					   .hw_info = { err, 0 }, .why = s->why };
		vmcs_clear(s);
		vmcs_borrow(s);
		return;
	}
	code = (u32)vmread(VMCS_EXIT_REASON);
	s->launched = true;	/* a failed entry clears the VMCS below */

	r->gpr[REG_RSP] = vmread(VMCS_GUEST_RSP);
	r->rip = vmread(VMCS_GUEST_RIP);
	r->rflags = vmread(VMCS_GUEST_RFLAGS);
	s->exit_rip = r->rip;
	s->intr_state = (u32)vmread(VMCS_GUEST_INTERRUPTIBILITY);
	s->entry = (u32)vmread(VMCS_ENTRY_CONTROLS);	/* IA-32e mode as the exit left it */
	/* What was injected went in, or is in the IDT-vectoring info (x->cut). */
	if (s->inject) {
		s->inject = 0;
		if (code & VMX_EXIT_ENTRY_FAILED)
			vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	}
	decode_exit(v, code, x);
	if (x->reason == EXIT_FAILED && (code & VMX_EXIT_ENTRY_FAILED)) {
		vmcs_clear(s); /* a failed VMLAUNCH's launch state is not ours to guess */
		vmcs_borrow(s);
	}
}

static void vmx_vcpu_inject(struct vcpu_arch *v, const struct event *e)
{
	struct vmx_vcpu *s = v->virt;
	u32 info = virt_event_info(e);
	bool borrowed = vmcs_borrow(s);

	/* In real mode an exception pushes no error code; VM entry refuses
	 * one there. */
	if (e->has_error && (vmread(VMCS_GUEST_CR0) & CR0_PE)) {
		info |= VMX_INTR_HAS_ERROR;
		vmwrite(VMCS_ENTRY_EXC_ERROR_CODE, e->error);
	}
	vmwrite(VMCS_ENTRY_INTR_INFO, info);
	s->inject = info;
	vmcs_return(s, borrowed);
}

static void vmx_vcpu_want_windows(struct vcpu_arch *v, bool nmi, bool intr)
{
	struct vmx_vcpu *s = v->virt;
	u32 proc = s->proc & ~(VMX_PROC_INTR_WINDOW | VMX_PROC_NMI_WINDOW);

	if (intr)
		proc |= VMX_PROC_INTR_WINDOW;
	if (nmi)
		proc |= VMX_PROC_NMI_WINDOW;
	if (proc != s->proc) {
		s->proc = proc;
		vcpu_vmwrite(v, VMCS_PROC_CONTROLS, proc);
	}
}

static bool vmx_vcpu_can_take(const struct vcpu_arch *v, enum event_type type)
{
	const struct vmx_vcpu *s = v->virt;

	if (in_shadow(s, v->regs) || s->inject)
		return false;
	if (type == EV_NMI)
		return !(s->intr_state & VMX_INTERRUPTIBILITY_NMI);
	return v->regs->rflags & RFLAGS_IF;
}

static int vmx_get_msr(struct vcpu_arch *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = vcpu_vmread(v, VMCS_GUEST_EFER);
		return 0;
	case MSR_PAT:
		*val = vcpu_vmread(v, VMCS_GUEST_PAT);
		return 0;
	case MSR_TSC:
		*val = rdtsc() + vcpu_vmread(v, VMCS_TSC_OFFSET);
		return 0;
	default:
		return -1;
	}
}

static int vmx_set_msr(struct vcpu_arch *v, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_EFER:
		/* LMA is the CPU's to set; LME may only change with paging off. */
		vcpu_vmwrite(v, VMCS_GUEST_EFER,
			     (val & ~EFER_LMA) | (vcpu_vmread(v, VMCS_GUEST_EFER) & EFER_LMA));
		return 0;
	case MSR_PAT:
		vcpu_vmwrite(v, VMCS_GUEST_PAT, val);
		return 0;
	case MSR_TSC:
		vcpu_vmwrite(v, VMCS_TSC_OFFSET, val - rdtsc());
		return 0;
	default:
		return -1;
	}
}

/* A control register as the guest sees it: the bits lucid owns from the
 * read shadow, the rest from the register. */
static u64 guest_cr(const struct vcpu_arch *v, u32 reg, u32 shadow, u64 mask)
{
	return (vcpu_vmread(v, reg) & ~mask) | (vcpu_vmread(v, shadow) & mask);
}

static void vmx_get_crs(const struct vcpu_arch *v, struct guest_crs *out)
{
	*out = (struct guest_crs){
		guest_cr(v, VMCS_GUEST_CR0, VMCS_CR0_READ_SHADOW, cr0_host_mask),
		vcpu_vmread(v, VMCS_GUEST_CR3),
		vcpu_vmread(v, VMCS_CR4_READ_SHADOW),
		vcpu_vmread(v, VMCS_GUEST_EFER),
	};
}

static u64 vmx_get_dr(const struct vcpu_arch *v, int dr)
{
	return dr == 6 ? guest_dr6(v) : vcpu_vmread(v, VMCS_GUEST_DR7);
}

static void vmx_set_dr(struct vcpu_arch *v, int dr, u64 val)
{
	if (dr == 6)
		guest_set_dr6(v, val);
	else
		vcpu_vmwrite(v, VMCS_GUEST_DR7, val);
}

static void vmx_set_cr2(struct vcpu_arch *v, u64 cr2)
{
	guest_set_cr2(v, cr2);
}

/* A MOV to CR4 that changes how the guest's addresses translate
 * (CR4_TLB_BITS) drops its TLB entries, global ones too; the VMWRITE does
 * not, so the next entry flushes the vCPU's VPID. (PAE paging's PDPTEs:
 * VM exits saved them, and a CR4 write with paging on leaves them as they
 * were.) */
static void vmx_set_cr(struct vcpu_arch *v, int cr, u64 val)
{
	struct vmx_vcpu *s = v->virt;

	if (cr != 4)
		return;
	if ((vcpu_vmread(v, VMCS_CR4_READ_SHADOW) ^ val) & CR4_TLB_BITS)
		s->flush |= FLUSH_VPID;
	vcpu_vmwrite(v, VMCS_CR4_READ_SHADOW, val);
	vcpu_vmwrite(v, VMCS_GUEST_CR4, vmx_fixed_apply(cr4_fixed, val));
}

static void vmx_get_seg(const struct vcpu_arch *v, enum seg_reg seg, struct guest_seg *out)
{
	u32 i = (u32)seg;

	*out = (struct guest_seg){ vcpu_vmread(v, VMCS_GUEST_ES_BASE + 2 * i),
				   (u32)vcpu_vmread(v, VMCS_GUEST_ES_LIMIT + 2 * i),
				   (u16)vcpu_vmread(v, VMCS_GUEST_ES_SEL + 2 * i),
				   seg_attr((u32)vcpu_vmread(v, VMCS_GUEST_ES_AR + 2 * i)) };
}

static const struct virt_ops vmx_ops = {
	.name = "Intel VMX",
	.cpu_init = vmx_cpu_init,
	.vm_init = vmx_vm_init,
	.vm_free = vmx_vm_free,
	.vm_translate = slat_vm_translate,
	.vm_map = slat_vm_map,
	.vm_unmap = slat_vm_unmap,
	.vm_protect = slat_vm_protect,
	.vcpu_flush_tlb = vmx_vcpu_flush_tlb,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_reset = vmx_vcpu_reset,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_put = vmx_vcpu_put,
	.vcpu_run = vmx_vcpu_run,
	.vcpu_inject = vmx_vcpu_inject,
	.vcpu_want_windows = vmx_vcpu_want_windows,
	.vcpu_can_take = vmx_vcpu_can_take,
	.vcpu_get_msr = vmx_get_msr,
	.vcpu_set_msr = vmx_set_msr,
	.vcpu_get_crs = vmx_get_crs,
	.vcpu_set_cr2 = vmx_set_cr2,
	.vcpu_set_cr = vmx_set_cr,
	.vcpu_get_dr = vmx_get_dr,
	.vcpu_set_dr = vmx_set_dr,
	.vcpu_get_seg = vmx_get_seg,
};

/* One control field's value; false, after naming what is missing, where
 * the CPU lacks a bit lucid requires. */
static bool choose(enum vmx_ctl ctl, u64 basic, u32 required, u32 wanted, u32 *out)
{
	struct vmx_ctl_choice c = vmx_ctl_choose(rdmsr(vmx_ctl_cap_msr(ctl, basic)), required, wanted);
	char names[160];

	*out = c.value;
	if (!c.missing)
		return true;
	vmx_ctl_bits_text(ctl, c.missing, names, sizeof(names));
	printk("vmx: this CPU's %s lack %s\n", vmx_ctl_name(ctl), names);
	return false;
}

const struct virt_ops *vmx_probe(const struct cpu_features *f)
{
	u64 basic = rdmsr(MSR_VMX_BASIC), cap;
	bool ok = true;
	u32 proc2_wanted = VMX_PROC2_VPID | VMX_PROC2_INVPCID;

	revision = (u32)(basic & VMX_BASIC_REVISION);
	have_insouts_info = basic & VMX_BASIC_INSOUTS_INFO;
	if (f->rdtscp)
		proc2_wanted |= VMX_PROC2_RDTSCP;
	ok &= choose(VMX_CTL_PIN, basic, VMX_PIN_EXTINT_EXIT | VMX_PIN_NMI_EXIT | VMX_PIN_VIRTUAL_NMIS,
		     0, &ctl_pin);
	ok &= choose(VMX_CTL_PROC, basic,
		     VMX_PROC_HLT_EXIT | VMX_PROC_TSC_OFFSET | VMX_PROC_IO_BITMAPS |
		     VMX_PROC_MSR_BITMAPS | VMX_PROC_TPR_SHADOW | VMX_PROC_MWAIT_EXIT |
		     VMX_PROC_MONITOR_EXIT | VMX_PROC_SECONDARY, 0, &ctl_proc);
	/* The windows are asked for later: check now that they may be. */
	u32 windows;
	ok &= choose(VMX_CTL_PROC, basic, VMX_PROC_INTR_WINDOW | VMX_PROC_NMI_WINDOW, 0, &windows);
	if (ok)
		ok &= choose(VMX_CTL_PROC2, basic, VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED,
			     proc2_wanted, &ctl_proc2);
	ok &= choose(VMX_CTL_EXIT, basic,
		     VMX_EXIT_CTL_HOST_64 | VMX_EXIT_CTL_SAVE_DEBUG | VMX_EXIT_CTL_SAVE_PAT |
		     VMX_EXIT_CTL_LOAD_PAT | VMX_EXIT_CTL_SAVE_EFER | VMX_EXIT_CTL_LOAD_EFER,
		     0, &ctl_exit);
	ok &= choose(VMX_CTL_ENTRY, basic,
		     VMX_ENTRY_CTL_LOAD_DEBUG | VMX_ENTRY_CTL_LOAD_PAT | VMX_ENTRY_CTL_LOAD_EFER, 0,
		     &ctl_entry);
	u32 ia32e;
	ok &= choose(VMX_CTL_ENTRY, basic, VMX_ENTRY_CTL_IA32E_GUEST, 0, &ia32e);
	if (!ok)
		return NULL;
	ctl_entry &= ~VMX_ENTRY_CTL_IA32E_GUEST; /* per guest: set_ia32e */

	cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (!(cap & EPT_CAP_WALK_4) || !(cap & EPT_CAP_WB) || !(cap & EPT_CAP_2M) ||
	    !(cap & EPT_CAP_INVEPT) || !(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
		printk("vmx: this CPU's EPT lacks 4-level tables, write-back tables, 2 MiB pages "
		       "or INVEPT (IA32_VMX_EPT_VPID_CAP 0x%llx)\n", (unsigned long long)cap);
		return NULL;
	}
	invept_type = cap & EPT_CAP_INVEPT_SINGLE ? INV_SINGLE : INV_ALL;
	allow_1g = cap & EPT_CAP_1G;
	have_vpid = (ctl_proc2 & VMX_PROC2_VPID) && (cap & VPID_CAP_INVVPID) &&
		    (cap & (VPID_CAP_SINGLE | VPID_CAP_ALL));
	if (!have_vpid)
		ctl_proc2 &= ~VMX_PROC2_VPID;
	invvpid_type = !have_vpid ? 0 : cap & VPID_CAP_SINGLE ? INV_SINGLE : INV_ALL;

	cr0_fixed = (struct vmx_fixed){ rdmsr(MSR_VMX_CR0_FIXED0), rdmsr(MSR_VMX_CR0_FIXED1) };
	cr4_fixed = (struct vmx_fixed){ rdmsr(MSR_VMX_CR4_FIXED0), rdmsr(MSR_VMX_CR4_FIXED1) };
	guest_cr0_fixed = vmx_guest_cr0_fixed(cr0_fixed, true);
	u32 sizes = cpuid(0x80000008, 0).eax;
	guest_check_env = (struct vmx_guest_env){ .read = env_vmread, .cr0 = cr0_fixed,
						  .cr4 = cr4_fixed, .phys_bits = (u8)sizes,
						  .linear_bits = (u8)(sizes >> 8) };
	/* VM entry and exit leave CR0.CD and NW as they are: the guest's
	 * would be lucid's (and other guests'), so they live in the shadow
	 * alone, as NE does where VMX fixes it. */
	cr0_host_mask = guest_cr0_fixed.must1 | ~guest_cr0_fixed.may1 | CR0_CD | CR0_NW;
	trap_ignore_single_step_at((u64)(uintptr_t)vmx_exit);
	return &vmx_ops;
}
