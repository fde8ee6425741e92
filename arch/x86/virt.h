/* The one interface between generic code (hv/) and a virtualisation back
 * end (arch/x86/svm today, arch/x86/vmx next). The back end is chosen once
 * at boot from CPUID.
 *
 * The contract: the back end runs a vCPU until the hardware exits, then
 * turns the exit into a vendor-neutral exit record (what happened, with its
 * operands decoded). Generic code decides what to do and says so with an
 * action; the back end applies it (advance RIP, inject an event, ...).
 * Guest registers live in struct vcpu_regs, which generic code may read and
 * write between two runs; the back end keeps its hardware copy in step.
 * Generic code never sees a VMCB or VMCS, and the back end never sees
 * generic code's struct vcpu or struct vm: it is handed the parts of them
 * that are arch/'s (arch/x86/vcpu_arch.h). */
#ifndef ARCH_X86_VIRT_H
#define ARCH_X86_VIRT_H

#include "arch/x86/vcpu_arch.h"

/* Hardware encoding order, so an instruction's register field indexes it. */
enum {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	NR_GPRS
};

struct vcpu_regs {
	u64 gpr[NR_GPRS];
	u64 rip;
	u64 rflags;
};

enum exit_reason {
	EXIT_UNKNOWN,     /* a hardware exit lucid does not handle */
	EXIT_NONE,        /* handled inside the back end: just run again */
	EXIT_NOP,         /* an instruction lucid completes as a no-op (INVD) */
	EXIT_INTR,        /* a physical interrupt for lucid is pending */
	EXIT_NMI,         /* a physical NMI arrived while the guest ran; the
			   * back end has let lucid's NMI handler run */
	EXIT_CPUID,
	EXIT_IO,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_HLT,
	EXIT_HYPERCALL,   /* VMMCALL / VMCALL */
	EXIT_MEM,         /* an access to guest-physical memory that is not RAM */
	EXIT_XSETBV,
	EXIT_INTR_WINDOW, /* the guest can now take the event we wait to inject */
	EXIT_VIRT_INSN,   /* the guest used a virtualisation instruction */
	EXIT_SHUTDOWN,    /* triple fault */
	EXIT_EXCEPTION,   /* an intercepted guest exception, to reflect: the
			   * guest's state is as the CPU leaves it to deliver
			   * one (#DB: DR6 and DR7 updated) */
	EXIT_FAILED,      /* the hardware refused to run (bad guest state) */
	EXIT_CR_WRITE,    /* a MOV to a control register (CR4) */
	EXIT_DR_WRITE,    /* a MOV to a debug register (DR7), where the back
			   * end asks for it */
	NR_EXIT_REASONS
};

struct exit_io {
	u16 port;
	u8 size;     /* 1, 2 or 4 */
	bool in;
	bool string; /* INS/OUTS */
	bool rep;
	u8 addr_size; /* INS/OUTS: 2, 4 or 8; 0 if the hardware did not say */
	s8 seg;       /* OUTS: its segment (enum seg_reg); -1 if not said */
};

/* A segment register as the guest sees it. attr packs the descriptor's
 * bits 40-47 and 52-55: type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10,
 * G 11. limit is in bytes, granularity applied. */
enum seg_reg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, NR_SEGS };

struct guest_seg {
	u64 base;
	u32 limit;
	u16 sel;
	u16 attr;
};

#define SEG_ATTR_WRITABLE (1u << 1)	/* data segments */
#define SEG_ATTR_EXPAND_DOWN (1u << 2)	/* data segments */
#define SEG_ATTR_CODE (1u << 3)
#define SEG_ATTR_P (1u << 7)
#define SEG_ATTR_L (1u << 9)
#define SEG_ATTR_DB (1u << 10)
#define SEG_ATTR_G (1u << 11)
/* Not a descriptor bit: the register holds no usable segment (a null
 * selector loaded in 64-bit mode, an LDTR never loaded). VMX keeps this
 * flag in the access rights; on SVM it reads as not present. */
#define SEG_ATTR_UNUSABLE (1u << 12)

/* The whole architectural state a vCPU starts from: enough for any entry
 * lucid makes, from a loader's real or protected mode to the Linux boot
 * protocol's 64-bit entry and an application processor's SIPI. Built by
 * generic code (hv/core/vcpu_state.c), loaded by virt->vcpu_reset. */
struct vcpu_state {
	u64 gpr[NR_GPRS];
	u64 rip, rflags;
	u64 cr0, cr3, cr4, efer;
	struct guest_seg seg[NR_SEGS];
	struct guest_seg ldtr, tr;
	struct guest_seg gdtr, idtr;	/* base and limit only */
	u64 tsc_offset;	/* guest TSC = host TSC + this (mod 2^64) */
};

/* The registers that say how the guest's addresses translate. */
struct guest_crs {
	u64 cr0, cr3, cr4, efer;
};

/* An event delivered to the guest through the IDT. */
enum event_type {
	EV_NONE,
	EV_EXCEPTION,	/* a fault, trap or abort, vector < 32 */
	EV_NMI,
	EV_INTR,	/* an external interrupt */
	EV_SOFT,	/* INT n, INT3, INTO */
};

struct event {
	u8 type;	/* enum event_type */
	u8 vector;
	bool has_error;
	u32 error;
};

struct exit_mem {
	u64 gpa;
	bool write, exec;
	bool table_walk;	/* the CPU was walking the guest's page tables */
	u8 insn_len;		/* the instruction's bytes, if the CPU gave them */
	u8 insn[15];
};

struct exit_record {
	enum exit_reason reason;
	u8 cpl;
	bool long_mode;  /* 64-bit code segment: arguments are 64-bit */
	/* The event the CPU was delivering when the exit cut in (EV_NONE if
	 * none). Generic code queues it again (hv/core/events.h); an EXIT_MEM
	 * then is the delivery's access (IDT, GDT, TSS, stack), not one by
	 * the instruction at RIP. The back end never re-injects it itself. */
	struct event cut;
	/* The length of the instruction the exit stopped at, for ACT_SKIP;
	 * 0 where the hardware did not say (SVM without nRIP): generic code
	 * then reads the instruction and measures it (hv/emul/exit_insn.h). */
	u8 insn_len;
	/* The guest's CR3, where insn_len is 0: the memo of the instruction
	 * lucid last completed keys on it (hv/emul/fetch_tlb.h). */
	u64 cr3;
	union {
		struct { u32 leaf, subleaf; } cpuid;
		struct exit_io io;
		struct { u32 index; u64 value; } msr; /* value: writes only */
		struct exit_mem mem;
		struct { u32 index; u64 value; } xsetbv;
		struct { u8 vector; bool has_error; u32 error; } exception;
		const char *insn; /* EXIT_VIRT_INSN: its mnemonic */
		/* EXIT_FAILED: what the CPU refused, in words (the back end's
		 * text, kept until the vCPU runs again) */
		const char *why;
		/* EXIT_CR_WRITE, EXIT_DR_WRITE: the CR or DR and the register
		 * written to it; gpr -1 where the hardware did not say (no
		 * decode assists): generic code decodes the instruction. */
		struct { u8 reg; s8 gpr; } mov_to;
	};
	u64 hw_code;      /* the hardware's own exit code, for log lines */
	u64 hw_info[2];   /* and its details: EXIT_UNKNOWN and EXIT_FAILED only */
};

/* A second-level mapping's rights and memory type, which each back end
 * turns into its own entries: NPT's are host page-table entries, EPT's
 * have R/W/X bits and a memory-type field. */
#define GPA_R 1u
#define GPA_W 2u
#define GPA_X 4u
#define GPA_RWX (GPA_R | GPA_W | GPA_X)

enum cache_type { CACHE_UC = 0, CACHE_WC = 1, CACHE_WT = 4, CACHE_WP = 5, CACHE_WB = 6 };

/* What generic code decides about an exit. */
enum exit_action {
	ACT_RESUME,      /* run on; the exit changed nothing */
	ACT_SKIP,        /* the exiting instruction is done: generic code moves RIP
			  * past it (x->insn_len), then as ACT_EMULATED */
	ACT_EMULATED,    /* generic code did the instruction and moved RIP itself */
	ACT_INJECT,      /* inject the exception in struct vcpu's pending_exc */
	ACT_STOP,        /* do not run this vCPU again (the VM is crashed or off) */
};

enum event_vector {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_UD = 6, EXC_DF = 8,
	EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14,
	EXC_AC = 17, EXC_MC = 18,
};

struct virt_ops {
	const char *name;
	/* Turns virtualisation on for this CPU. Returns 0 or -1 (says why). */
	int (*cpu_init)(void);
	/* Sets up the VM's empty second-level page tables and its I/O and
	 * MSR permission maps (nothing given yet). */
	int (*vm_init)(struct vm_arch *vm);
	/* Maps guest-physical [gpa, gpa+size) to host [hpa, hpa+size), page
	 * aligned, with GPA_* rights (GPA_R at least) and a memory type.
	 * Fails without changing anything if part of it is mapped. */
	int (*vm_map)(struct vm_arch *vm, u64 gpa, u64 hpa, u64 size, u32 rights,
		      enum cache_type type);
	/* Unmaps [gpa, gpa+size); holes inside are fine. CPUs may still hold
	 * the old translations until each vCPU's vcpu_flush_tlb. */
	int (*vm_unmap)(struct vm_arch *vm, u64 gpa, u64 size);
	/* New rights (GPA_R at least) and memory type for what is mapped in
	 * [gpa, gpa+size); holes stay holes. Flushed as for vm_unmap. */
	int (*vm_protect)(struct vm_arch *vm, u64 gpa, u64 size, u32 rights,
			  enum cache_type type);
	void (*vm_free)(struct vm_arch *vm);
	/* Makes the back end's state of a vCPU whose regs and vm are set. */
	int (*vcpu_init)(struct vcpu_arch *v);
	void (*vcpu_free)(struct vcpu_arch *v);
	/* Puts v in state *st (*v->regs too), with everything else as after
	 * RESET: no event pending, debug registers and PAT at their reset
	 * values, the TSC offset st's, no translation cached for it (an AP
	 * reset by INIT must not find its last life's global pages). */
	void (*vcpu_reset)(struct vcpu_arch *v, const struct vcpu_state *st);
	/* v is about to run on this CPU, perhaps after other vCPUs did:
	 * called once before a series of vcpu_run. */
	void (*vcpu_load)(struct vcpu_arch *v);
	/* v stops running on this CPU for now (its VM pauses): whatever the
	 * CPU caches of v goes back to memory, so that another CPU may change
	 * v's state (a reset) before it runs again. */
	void (*vcpu_put)(struct vcpu_arch *v);
	/* v's next entry drops every translation cached for its VM (guest
	 * and second level), on whichever CPU v runs: called for each vCPU
	 * while the VM is paused after its mappings changed. */
	void (*vcpu_flush_tlb)(struct vcpu_arch *v);
	/* Runs v on this CPU until the next exit, described in *x. Called
	 * with interrupts disabled and v's FPU, debug registers and TSC_AUX
	 * already in the CPU (hv/core/vcpu.c); returns with interrupts disabled.
	 * Where RIP moved since the last exit, lucid completed the instruction
	 * there (ACT_SKIP, ACT_EMULATED) or reset v: the guest's interrupt
	 * shadow (STI, MOV SS) is over, as on the CPU after an instruction,
	 * for vcpu_can_take at once and for the CPU from this entry. */
	void (*vcpu_run)(struct vcpu_arch *v, struct exit_record *x);
	/* Delivers an EV_EXCEPTION, EV_NMI or EV_INTR at the next entry. The
	 * one point that calls it is hv/core/vcpu.c, before each entry, with
	 * what hv/core/events.c picked. */
	void (*vcpu_inject)(struct vcpu_arch *v, const struct event *e);
	/* Whether an EV_NMI or EV_INTR injected now would be taken now (no
	 * interrupt shadow, no NMI blocking, RFLAGS.IF for interrupts). */
	bool (*vcpu_can_take)(const struct vcpu_arch *v, enum event_type type);
	/* Asks for an exit (EXIT_INTR_WINDOW, or any) as soon as the guest can
	 * take an NMI or an interrupt, or stops asking. */
	void (*vcpu_want_windows)(struct vcpu_arch *v, bool nmi, bool intr);
	/* MSRs whose guest value lives in the back end's state (EFER, PAT,
	 * TSC). Return 0, or -1 for an MSR the back end does not hold. */
	int (*vcpu_get_msr)(struct vcpu_arch *v, u32 msr, u64 *val);
	int (*vcpu_set_msr)(struct vcpu_arch *v, u32 msr, u64 val);
	/* The guest's CR0, CR3, CR4 and EFER, in one call: the guest's
	 * paging needs all four. */
	void (*vcpu_get_crs)(const struct vcpu_arch *v, struct guest_crs *out);
	/* Sets CR2, which the guest reads in its #PF handler. */
	void (*vcpu_set_cr2)(struct vcpu_arch *v, u64 cr2);
	/* Completes a MOV to CR4 that generic code checked: the new value,
	 * and what the CPU does on such a write (drops the guest's TLB
	 * entries, global ones too, when a paging bit changed). */
	void (*vcpu_set_cr)(struct vcpu_arch *v, int cr, u64 val);
	/* DR6 and DR7, which live in the back end's state (DR0-DR3 in
	 * struct vcpu_arch). Setting DR7 completes a MOV to DR7 that generic
	 * code checked; DR6 records why a #DB lucid raises came. */
	u64 (*vcpu_get_dr)(const struct vcpu_arch *v, int dr);
	void (*vcpu_set_dr)(struct vcpu_arch *v, int dr, u64 val);
	/* A segment register of the guest. */
	void (*vcpu_get_seg)(const struct vcpu_arch *v, enum seg_reg seg, struct guest_seg *out);
	/* Guest-physical to host address of the VM's mappings, for checks. */
	bool (*vm_translate)(const struct vm_arch *vm, u64 gpa, u64 *hpa);
};

/* The back end for this machine; NULL until virt_init picked one. */
extern const struct virt_ops *virt;

struct cpu_features;

/* Picks the back end from the detected features and enables it on the boot
 * CPU. Returns 0, or -1 after printing why. */
int virt_init(const struct cpu_features *f);
/* Enables the chosen back end on another CPU, once virt_init succeeded.
 * Returns 0, or -1 after printing why. */
int virt_cpu_init(void);

/* lucid.selftest=bad-entry (hv/host/selftest.c): the next vCPU reset
 * leaves a guest state that VM entry refuses, so that a test sees the
 * refusal reported and that VM, alone, stopped. The back ends take it
 * once, with virt_selftest_take_bad_entry. */
void virt_selftest_bad_entry(void);
bool virt_selftest_take_bad_entry(void);

/* For the back ends: an event in the format both vendors use to inject
 * one (SVM's EVENTINJ, VMX's VM-entry interruption information) and to
 * report the one an exit cut off (EXITINTINFO, IDT-vectoring information):
 * vector in bits 7:0, type in 10:8, an error code to push 11, valid 31.
 * virt_event_info gives an EV_EXCEPTION, EV_NMI or EV_INTR valid, without
 * the error code; virt_event_from reads one back (EV_NONE where it is not
 * valid), its error code given apart. */
#define EVENT_INFO_HAS_ERROR (1u << 11)
#define EVENT_INFO_VALID (1u << 31)
u32 virt_event_info(const struct event *e);
void virt_event_from(u32 info, u32 error, struct event *e);

#endif
