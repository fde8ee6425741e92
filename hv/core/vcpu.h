/* A virtual CPU: guest registers plus what lucid tracks about it. What
 * arch/ keeps of it (the back end's hardware copy, VMCB/VMCS; the lazily
 * switched registers) is in v->arch, which arch/ is handed instead of v. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include "arch/x86/virt.h"
#include "hv/core/events.h"
#include "hv/core/vm.h"
#include "hv/emul/fetch_tlb.h"

/* The longest console line a vCPU keeps; a longer one is printed in
 * pieces (LUCID_HC_CONSOLE_WRITE). */
#define VCPU_CONSOLE_LINE 128

enum vcpu_run_state {
	VCPU_RUNNABLE,
	VCPU_HALTED,   /* HLT: waits for an interrupt */
	VCPU_STOPPED,  /* its VM is off or crashed */
	VCPU_WAIT_SIPI, /* an application processor after INIT: waits for a
			 * start-up IPI (SDM 8.4, "wait-for-SIPI") */
};

/* INIT and start-up signals from a local APIC, taken on the vCPU's own
 * CPU before its next entry (vcpu_signal_init, vcpu_signal_sipi). */
#define VCPU_SIG_INIT (1u << 0)
#define VCPU_SIG_SIPI (1u << 1)

struct vcpu {
	struct vm *vm;
	u32 id;
	enum vcpu_run_state state;
	struct vcpu_regs regs;
	struct vcpu_arch arch;	/* arch.regs points to regs */

	/* What waits to be delivered to the guest (hv/core/events.h), and
	 * the windows the back end was last asked for (bit 0 NMI, 1 INTR). */
	struct vcpu_events events;
	u8 windows;
	u32 signals;		/* VCPU_SIG_*, atomic */
	u8 sipi_vector;		/* the latest start-up IPI's */

	/* The code pages of its latest exits (hv/emul/fetch_tlb.h). */
	struct fetch_tlb fetch_tlb;

	u64 exits[NR_EXIT_REASONS];
	u64 run_tsc;		/* TSC ticks it ran slices for */
	u32 cpu;                /* the physical CPU it runs on, for life */
	struct vcpu *next_run;  /* that CPU's ring (hv/core/sched.c) */
	u64 vruntime;           /* its run time there, weighed (sched.c) */
	bool parked;            /* out of guest mode, registers put back */
	bool halted_logged;
	/* Its partial console line: each vCPU has its own, since a VM's
	 * vCPUs write at once from different CPUs. */
	char console[VCPU_CONSOLE_LINE];
	u32 console_len;
};

/* Runs v until its time slice ends or it stops being runnable. */
void vcpu_run_slice(struct vcpu *v);
/* "cpuid", "io", ...: an exit reason's name in statistics. */
const char *exit_reason_name(u32 reason);
/* The vCPU whose slice this CPU runs, or NULL outside one: a device of
 * each vCPU (its local APIC) learns from it which vCPU's exit calls it. */
struct vcpu *vcpu_current(void);
/* On v's own CPU, outside its slice: if v's VM is pausing, puts v's
 * lazily switched registers back into v and marks it parked. */
void vcpu_park_if_pausing(struct vcpu *v);
/* A vCPU that is not runnable but would be at its next turn: halted,
 * with an NMI or an interrupt it can take now; or with an INIT or a
 * start-up signal to take. */
bool vcpu_wakeable(const struct vcpu *v);
/* Puts v, parked or on its own CPU outside its slice, in state *st as
 * after RESET (hv/core/vcpu_state.h): registers, FPU, debug registers
 * and MSRs, nothing pending. */
void vcpu_reset(struct vcpu *v, const struct vcpu_state *st);
/* An INIT signal (its local APIC's part is the APIC's own): v enters the
 * INIT state and waits for a start-up IPI, whatever it was doing, as an
 * application processor does. A start-up IPI starts a vCPU waiting for
 * one in real mode at vector * 4096 (CS = vector << 8, IP = 0), and is
 * ignored otherwise. From any CPU; v's own CPU acts on them before v
 * enters the guest again. */
void vcpu_signal_init(struct vcpu *v);
void vcpu_signal_sipi(struct vcpu *v, u8 vector);
/* Queues an exception for the next entry, merged with one already
 * pending (a double fault); returns ACT_INJECT, or ACT_STOP after
 * shutting the VM down for a triple fault. */
enum exit_action vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
/* Queues an external interrupt or an NMI for v, from any CPU, and makes
 * v's CPU look at it (a halted vCPU wakes). */
void vcpu_raise_intr(struct vcpu *v, u8 vector);
void vcpu_raise_nmi(struct vcpu *v);
/* v's interrupt source (v->events.src) may deliver something new: the
 * next entry asks it; from any CPU (a halted vCPU wakes). */
void vcpu_intr_changed(struct vcpu *v);

#endif
