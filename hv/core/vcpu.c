/* Running a vCPU and deciding what each exit means. The handlers are small
 * functions in a table keyed by exit reason; those with more to say live in
 * their own files (cpuid.c, msr.c, portio.c, hypercall.c). */
#include "hv/core/vcpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "arch/x86/guest_regs.h"
#include "arch/x86/percpu.h"
#include "hv/emul/exit_insn.h"
#include "hv/emul/guest_linear.h"
#include "hv/exits/cpuid.h"
#include "hv/exits/cr.h"
#include "hv/exits/hypercall.h"
#include "hv/exits/mmio.h"
#include "hv/exits/msr.h"
#include "hv/exits/portio.h"
#include "hv/core/sched.h"
#include "hv/core/timer.h"
#include "hv/core/vcpu_state.h"
#include "lib/log.h"
#include "lib/spinlock.h"


typedef enum exit_action (*exit_handler_fn)(struct vcpu *v, struct exit_record *x);

enum exit_action vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	if (events_queue_exception(&v->events, vector, has_error, error) == EVENTS_OK)
		return ACT_INJECT;
	vm_crash(v->vm, v, "triple fault (exception %u while delivering a double fault)", vector);
	return ACT_STOP;
}

void vcpu_raise_intr(struct vcpu *v, u8 vector)
{
	events_raise_intr(&v->events, vector);
	sched_kick(v);
}

void vcpu_intr_changed(struct vcpu *v)
{
	events_intr_changed(&v->events);
	sched_kick(v);
}

void vcpu_raise_nmi(struct vcpu *v)
{
	events_raise_nmi(&v->events);
	sched_kick(v);
}

static enum exit_action on_resume(struct vcpu *v, struct exit_record *x)
{
	(void)v;
	(void)x;
	return ACT_RESUME;
}

static enum exit_action on_nop(struct vcpu *v, struct exit_record *x)
{
	(void)v;
	(void)x;
	return ACT_SKIP;
}

static enum exit_action on_hlt(struct vcpu *v, struct exit_record *x)
{
	(void)x;
	v->state = VCPU_HALTED;
	return ACT_SKIP;
}

static enum exit_action on_xsetbv(struct vcpu *v, struct exit_record *x)
{
	if (x->cpl != 0 || x->xsetbv.index != 0 || !fpu_xcr0_valid(x->xsetbv.value))
		return vcpu_inject_exception(v, EXC_GP, true, 0);
	fpu_set_guest_xcr0(&v->arch, x->xsetbv.value);
	return ACT_SKIP;
}

static enum exit_action on_virt_insn(struct vcpu *v, struct exit_record *x)
{
	(void)x;
	return vcpu_inject_exception(v, EXC_UD, false, 0);
}

/* The CPU shut the guest down. What it was delivering, if anything, how
 * the guest's addresses translate, and whether lucid's own walk of the
 * guest's tables finds the code at RIP (if it does, the tables were not
 * what failed) say most of why. */
static enum exit_action on_shutdown(struct vcpu *v, struct exit_record *x)
{
	static const char *const kinds[] = { "nothing", "exception", "NMI", "interrupt",
					     "software interrupt" };
	struct glin g;
	u32 n;

	glin_init(&g, v, x);
	vm_crash(v->vm, v, "triple fault (delivering %s %u; CR0 0x%llx CR3 0x%llx CR4 0x%llx "
		 "EFER 0x%llx; the code at RIP %s)",
		 x->cut.type < ARRAY_SIZE(kinds) ? kinds[x->cut.type] : "?",
		 x->cut.type ? x->cut.vector : 0, (unsigned long long)g.pt.crs.cr0,
		 (unsigned long long)g.pt.crs.cr3, (unsigned long long)g.pt.crs.cr4,
		 (unsigned long long)g.pt.crs.efer,
		 glin_code(&g, &n) ? "is mapped" : "is not mapped");
	return ACT_STOP;
}

static enum exit_action on_exception(struct vcpu *v, struct exit_record *x)
{
	return vcpu_inject_exception(v, x->exception.vector, x->exception.has_error,
				     x->exception.error);
}

static enum exit_action on_failed(struct vcpu *v, struct exit_record *x)
{
	vm_crash(v->vm, v, "the CPU refused to enter the guest: %s",
		 x->why ? x->why : "no reason given");
	return ACT_STOP;
}

static enum exit_action on_unknown(struct vcpu *v, struct exit_record *x)
{
	vm_crash(v->vm, v, "unhandled exit 0x%llx (info 0x%llx 0x%llx)",
		 (unsigned long long)x->hw_code, (unsigned long long)x->hw_info[0],
		 (unsigned long long)x->hw_info[1]);
	return ACT_STOP;
}

/* Each exit's handler, and its name in `domstats`. */
static const struct {
	exit_handler_fn fn;
	const char *name;
} exits[NR_EXIT_REASONS] = {
	[EXIT_UNKNOWN] = { on_unknown, "unknown" },
	[EXIT_NONE] = { on_resume, "none" },
	[EXIT_NOP] = { on_nop, "nop" },
	[EXIT_INTR] = { on_resume, "intr" }, /* lucid's: irq_window() after the exit takes it */
	[EXIT_NMI] = { on_resume, "nmi" },
	[EXIT_CPUID] = { cpuid_exit, "cpuid" },
	[EXIT_IO] = { portio_exit, "io" },
	[EXIT_MSR_READ] = { msr_read_exit, "msr_read" },
	[EXIT_MSR_WRITE] = { msr_write_exit, "msr_write" },
	[EXIT_HLT] = { on_hlt, "hlt" },
	[EXIT_HYPERCALL] = { hypercall_exit, "hypercall" },
	[EXIT_MEM] = { mmio_exit, "mmio" },
	[EXIT_XSETBV] = { on_xsetbv, "xsetbv" },
	[EXIT_INTR_WINDOW] = { on_resume, "intr_window" }, /* deliver_events sees what goes in */
	[EXIT_VIRT_INSN] = { on_virt_insn, "virt_insn" },
	[EXIT_SHUTDOWN] = { on_shutdown, "shutdown" },
	[EXIT_EXCEPTION] = { on_exception, "exception" },
	[EXIT_FAILED] = { on_failed, "failed" },
	[EXIT_CR_WRITE] = { cr_write_exit, "cr_write" },
	[EXIT_DR_WRITE] = { dr_write_exit, "dr_write" },
};

_Static_assert(EXIT_UNKNOWN == 0, "exit records from a back end default to EXIT_UNKNOWN");

/* A CPU clears DR7.GD as it delivers #DB, so that the handler may use the
 * debug registers; one lucid injects gets the same (as KVM gives it).
 * Bochs 2.7 leaves GD set in a #DB it exits for, too. */
static void clear_general_detect(struct vcpu *v)
{
	u64 dr7 = virt->vcpu_get_dr(&v->arch, 7);

	if (dr7 & DR7_GD)
		virt->vcpu_set_dr(&v->arch, 7, dr7 & ~DR7_GD);
}

/* The instruction lucid completed owes the trap the CPU would have raised
 * after it, with DR6.BS. */
static void single_step_trap(struct vcpu *v)
{
	virt->vcpu_set_dr(&v->arch, 6, virt->vcpu_get_dr(&v->arch, 6) | DR6_BS);
	vcpu_inject_exception(v, EXC_DB, false, 0);
}

/* A fault's delivery pushes RFLAGS.RF set, so that the handler's IRET
 * retries the instruction without its instruction breakpoint firing again
 * (Intel SDM vol. 3, 17.3.1.1); a fault lucid raises gets it from lucid,
 * as KVM gives it. #DB is a trap when lucid raises it for a single step;
 * its one fault, DR7.GD's, sets RF where it is raised (hv/exits/cr.c).
 * Traps and aborts: 1-4, 8, 18. */
static bool fault_class(u8 vector)
{
	return vector < 32 && !((1u << vector) & (1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 |
						  1u << 8 | 1u << 18));
}

/* The one point where events go in: before each entry, what events.c
 * picks from what is pending and what the guest can take now; what must
 * wait gets a window, so the next exit comes as soon as it can go in.
 * Most entries have nothing pending and no window open. */
static inline void deliver_events(struct vcpu *v)
{
	struct event_plan p;
	u8 windows;

	if (!events_pending(&v->events) && !v->windows)
		return;
	events_plan(&v->events, virt->vcpu_can_take(&v->arch, EV_NMI),
		    virt->vcpu_can_take(&v->arch, EV_INTR), &p);
	if (p.inject.type == EV_EXCEPTION && p.inject.vector == EXC_DB)
		clear_general_detect(v);
	else if (p.raised && fault_class(p.inject.vector))
		v->regs.rflags |= RFLAGS_RF;
	if (p.inject.type != EV_NONE)
		virt->vcpu_inject(&v->arch, &p.inject);
	windows = (u8)(p.nmi_window | p.intr_window << 1);
	if (windows != v->windows) {
		virt->vcpu_want_windows(&v->arch, p.nmi_window, p.intr_window);
		v->windows = windows;
	}
}

/* A halted vCPU that an NMI, or an interrupt it can take now, wakes. */
static bool halt_ends(const struct vcpu *v)
{
	return v->state == VCPU_HALTED &&
	       (((v->regs.rflags & RFLAGS_IF) && events_intr_waiting(&v->events)) ||
		atomic_load(&v->events.nmi));
}

bool vcpu_wakeable(const struct vcpu *v)
{
	return atomic_load(&v->signals) || halt_ends(v);
}

/* What VM entry does not switch is switched lazily, when another vCPU
 * used this CPU last; most entries find v's state still there. */
static inline void load_lazy_state(struct vcpu *v, struct percpu *p)
{
	if (p->fpu_owner != &v->arch || p->xcr0 != v->arch.xcr0)
		fpu_switch_to(&v->arch);
	if (p->regs_owner != &v->arch)
		guest_regs_switch_to(&v->arch);
}

/* Every vCPU of vm halted with interrupts disabled or waiting for a
 * start-up IPI: only an NMI or a reset ends that, so the log says it.
 * One such vCPU is no news: an SMP guest's CPUs that it stops (Linux's
 * at power-off and panic) halt so. Other CPUs' vCPUs are read racily,
 * which a log line can afford. */
static bool stuck(const struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *w = vm->vcpu[i];
		enum vcpu_run_state st = atomic_load(&w->state);

		if (st != VCPU_WAIT_SIPI && (st != VCPU_HALTED || (w->regs.rflags & RFLAGS_IF)))
			return false;
	}
	return true;
}

/* v's lazily switched state out of this CPU, back into v. */
static void put_lazy_state(struct vcpu *v)
{
	fpu_put(&v->arch);
	guest_regs_put(&v->arch);
	virt->vcpu_put(&v->arch);
}

void vcpu_park_if_pausing(struct vcpu *v)
{
	if (!atomic_load(&v->vm->pausing) || atomic_load(&v->parked))
		return;
	put_lazy_state(v);
	atomic_store(&v->parked, true);
}

void vcpu_reset(struct vcpu *v, const struct vcpu_state *st)
{
	hypercall_console_end(v);
	fpu_vcpu_reset(&v->arch);
	guest_regs_reset(&v->arch);
	virt->vcpu_reset(&v->arch, st);
	events_reset(&v->events);
	fetch_tlb_flush(&v->fetch_tlb);
	v->windows = 0;
	v->halted_logged = false;
}

void vcpu_signal_init(struct vcpu *v)
{
	/* A start-up IPI sent before this INIT is not for the state it makes. */
	atomic_store(&v->signals, VCPU_SIG_INIT);
	sched_kick(v);
}

void vcpu_signal_sipi(struct vcpu *v, u8 vector)
{
	atomic_store(&v->sipi_vector, vector);
	__atomic_fetch_or(&v->signals, VCPU_SIG_SIPI, __ATOMIC_SEQ_CST);
	sched_kick(v);
}

/* INIT and start-up IPIs, on v's own CPU before it runs. Nothing sees
 * a vCPU in wait-for-SIPI, so INIT's RESET is made at the start-up IPI
 * (but for the TSC: one clock for the whole VM; the APIC keeps its base). */
static void take_signals(struct vcpu *v)
{
	u32 sig = __atomic_exchange_n(&v->signals, 0, __ATOMIC_SEQ_CST);
	struct vcpu_state st;

	if (sig & VCPU_SIG_INIT)
		v->state = VCPU_WAIT_SIPI;
	if ((sig & VCPU_SIG_SIPI) && v->state == VCPU_WAIT_SIPI) {
		put_lazy_state(v);
		vcpu_state_sipi(&st, atomic_load(&v->sipi_vector));
		st.tsc_offset = 0 - v->vm->tsc_base;
		vcpu_reset(v, &st);
		v->state = VCPU_RUNNABLE;
	}
}

static void run_slice(struct vcpu *v)
{
	struct percpu *p = this_cpu();
	struct exit_record x;
	enum exit_action act;

	if (atomic_load(&v->signals))
		take_signals(v);
	if (halt_ends(v))
		v->state = VCPU_RUNNABLE;
	virt->vcpu_load(&v->arch);
	while (v->state == VCPU_RUNNABLE && !p->need_resched) {
		deliver_events(v);
		load_lazy_state(v, p);
		virt->vcpu_run(&v->arch, &x);
		/* The host interrupts that wait (lucid's timer tick, say) go to
		 * lucid's handlers after every exit, as KVM does, not only after
		 * an exit for an interrupt: on the CPU a pending interrupt exits
		 * the guest at once whatever the guest's IF (V_INTR_MASKING,
		 * VMX's external-interrupt exiting), but Bochs 2.7's SVM masks it
		 * while a guest entered with IF=0 runs. A vCPU that exits often
		 * with interrupts disabled would otherwise never see its slice
		 * end there (issue 14). */
		irq_window();
		if (timer_due())
			timer_run_expired();
		if (x.reason >= NR_EXIT_REASONS) /* a back end's bug; never a guest's doing */
			x.reason = EXIT_UNKNOWN;
		v->exits[x.reason]++;
		if (x.cut.type != EV_NONE)
			events_requeue(&v->events, &x.cut);
		act = exits[x.reason].fn(v, &x);
		if (act == ACT_SKIP)
			act = exit_insn_skip(v, &x); /* RIP moved: ACT_EMULATED */
		if (act == ACT_STOP)
			return;
		/* An instruction done (the next entry ends the interrupt shadow,
		 * virt.h) owes a single step its trap; ACT_INJECT's exception is
		 * queued, and deliver_events puts it in. */
		if ((act == ACT_SKIP || act == ACT_EMULATED) && (v->regs.rflags & RFLAGS_TF))
			single_step_trap(v);
		if (halt_ends(v))
			v->state = VCPU_RUNNABLE;
		if (v->state == VCPU_HALTED && !v->halted_logged && stuck(v->vm)) {
			printk("vm %s: vCPU %u halted with interrupts disabled at RIP 0x%llx\n",
			       v->vm->name, v->id, (unsigned long long)v->regs.rip);
			v->halted_logged = true;
		}
	}
}

/* The vCPU each CPU runs a slice of now, for devices of each vCPU. */
static struct vcpu *running[MAX_CPUS];

struct vcpu *vcpu_current(void)
{
	return running[this_cpu()->index];
}

void vcpu_run_slice(struct vcpu *v)
{
	u64 t = rdtsc();

	running[this_cpu()->index] = v;
	run_slice(v);
	running[this_cpu()->index] = NULL;
	v->run_tsc += rdtsc() - t;
}

const char *exit_reason_name(u32 reason)
{
	return reason < NR_EXIT_REASONS ? exits[reason].name : "?";
}
