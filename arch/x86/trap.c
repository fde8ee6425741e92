/* Exception reporting. An exception in lucid is a bug (guests' exceptions
 * are delivered to them, never here), so the report says everything needed
 * to find it without a debugger: vector, error code decoded, registers,
 * control registers and a frame-pointer backtrace. Then the CPU stops;
 * other CPUs and the serial console stay as they were. */
#include "arch/x86/trap.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/symbols.h"
#include "lib/log.h"

static irq_handler_fn handlers[256];
static u64 foreign_step_rip; /* trap_ignore_single_step_at */

static const char *const mnemonic[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	"#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

void trap_set_handler(u8 vector, irq_handler_fn fn)
{
	handlers[vector] = fn;
}

void trap_ignore_single_step_at(u64 rip)
{
	foreign_step_rip = rip;
}

/* A #DB that is a guest's, not lucid's: the single step Bochs raises at
 * foreign_step_rip, or a hit of a guest's breakpoint, which lucid enables
 * around VMRUN on QEMU's TCG (arch/x86/svm/svm.c); lucid sets none of its
 * own. Decided before anything reads GS: it may still be a guest's. */
static bool foreign_debug_trap(struct trap_frame *f)
{
	u64 dr6;

	if (f->vector != 1)
		return false;
	dr6 = read_dr6();
	if (foreign_step_rip && f->rip == foreign_step_rip && (dr6 & DR6_BS))
		return true;
	if (!(dr6 & DR6_BP_HITS))
		return false;
	write_dr6(DR6_INIT);
	f->rflags |= RFLAGS_RF;	/* an execution breakpoint would fault again */
	return true;
}

static u32 cpu_index(void)
{
	/* GS may not be set up yet when the very first fault hits. */
	return rdmsr(MSR_GS_BASE) ? this_cpu()->index : 0;
}

__noreturn void cpu_stop(void)
{
	printk("lucid: CPU %u halted\n", cpu_index());
	/* Had it the output (it failed while printing, or in the console's
	 * answer), the other CPUs' messages would wait for it for good. */
	log_drop_hold();
	cpu_halt_forever();
}

static bool on_stack(const struct stack_range *s, u64 a, u64 len)
{
	return s->top && a >= s->bottom && a + len <= s->top;
}

/* The stack containing address a, so the backtrace never leaves it. */
static const struct stack_range *stack_of(u64 a)
{
	if (!rdmsr(MSR_GS_BASE))
		return NULL;
	struct percpu *p = this_cpu();
	if (on_stack(&p->stack, a, 16))
		return &p->stack;
	for (int i = 1; i <= IST_COUNT; i++)
		if (on_stack(&p->ist[i], a, 16))
			return &p->ist[i];
	return NULL;
}

static void print_addr(u64 a)
{
	u64 off;
	const char *name = symbol_lookup(a, &off);

	if (name)
		printk("  0x%016llx %s+0x%llx\n", (unsigned long long)a, name, (unsigned long long)off);
	else
		printk("  0x%016llx\n", (unsigned long long)a);
}

static void backtrace(u64 rip, u64 rbp)
{
	const struct stack_range *s = stack_of(rbp);
	u64 last = rip, repeats = 0;

	printk("backtrace:\n");
	print_addr(rip);
	for (int depth = 0; depth < 4096 && s && on_stack(s, rbp, 16); depth++) {
		u64 next = ((u64 *)rbp)[0], ret = ((u64 *)rbp)[1];
		if (!ret)
			break;
		if (ret == last) {
			repeats++; /* deep recursion: say how deep, not every frame */
		} else {
			if (repeats)
				printk("  ... the frame above %llu more times\n", (unsigned long long)repeats);
			repeats = 0;
			print_addr(ret);
		}
		last = ret;
		if (next <= rbp) /* frames must move up the stack */
			break;
		rbp = next;
	}
	if (repeats)
		printk("  ... the frame above %llu more times\n", (unsigned long long)repeats);
}

/* A fault address just below a stack is that stack overflowing. */
static void explain_stack_overflow(u64 addr)
{
	if (!rdmsr(MSR_GS_BASE))
		return;
	struct percpu *p = this_cpu();
	const struct stack_range *all[] = { &p->stack, &p->ist[1], &p->ist[2], &p->ist[3] };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->top && addr < all[i]->bottom && addr >= all[i]->bottom - PAGE_SIZE)
			printk("stack overflow: 0x%llx is in the guard page below a stack\n",
			       (unsigned long long)addr);
}

static void dump(const struct trap_frame *f)
{
	printk("RIP=%016llx RSP=%016llx RFLAGS=%08llx CS=%llx SS=%llx\n",
	       (unsigned long long)f->rip, (unsigned long long)f->rsp,
	       (unsigned long long)f->rflags, (unsigned long long)f->cs, (unsigned long long)f->ss);
	printk("RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
	       (unsigned long long)f->rax, (unsigned long long)f->rbx,
	       (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	printk("RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx\n",
	       (unsigned long long)f->rsi, (unsigned long long)f->rdi,
	       (unsigned long long)f->rbp, (unsigned long long)f->r8);
	printk("R9 =%016llx R10=%016llx R11=%016llx R12=%016llx\n",
	       (unsigned long long)f->r9, (unsigned long long)f->r10,
	       (unsigned long long)f->r11, (unsigned long long)f->r12);
	printk("R13=%016llx R14=%016llx R15=%016llx\n",
	       (unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
	printk("CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n",
	       (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
	       (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

static void explain_page_fault(u64 err)
{
	printk("page fault: %s %s at 0x%llx%s\n",
	       err & 16 ? "instruction fetch from" : err & 2 ? "write to" : "read from",
	       err & 1 ? "a page whose rights forbid it" : "an unmapped page",
	       (unsigned long long)read_cr2(),
	       err & 8 ? " (reserved bit set in a page-table entry)" : "");
}

static __noreturn void fatal_exception(struct trap_frame *f)
{
	printk("\nEXCEPTION %s (vector %llu) error 0x%llx on CPU %u\n",
	       mnemonic[f->vector], (unsigned long long)f->vector,
	       (unsigned long long)f->error, cpu_index());
	if (f->vector == 14)
		explain_page_fault(f->error);
	if (f->vector == 14 || f->vector == 8)
		explain_stack_overflow(read_cr2());
	dump(f);
	backtrace(f->rip, f->rbp);
	cpu_stop();
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == 2) {
		if (smp_stopping()) {
			/* Another CPU halts the machine; it may still print. */
			log_drop_hold();
			cpu_halt_forever();
		}
		/* NMIs come from watchdogs and hardware errors; note and go on. */
		printk("lucid: NMI on CPU %u at RIP 0x%llx\n", cpu_index(), (unsigned long long)f->rip);
		return;
	}
	if (foreign_debug_trap(f))
		return;
	if (f->vector < VEC_FIRST_IRQ) {
		struct percpu *p = rdmsr(MSR_GS_BASE) ? this_cpu() : NULL;
		if (p && p->in_exception) {
			printk("\nlucid: exception %llu while reporting an exception\n",
			       (unsigned long long)f->vector);
			cpu_stop();
		}
		if (p)
			p->in_exception = true;
		fatal_exception(f);
	}
	if (handlers[f->vector])
		handlers[f->vector](f);
	else if (f->vector != VEC_SPURIOUS)
		printk("lucid: unexpected interrupt vector %llu on CPU %u\n",
		       (unsigned long long)f->vector, cpu_index());
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	u64 rbp = (u64)(uintptr_t)__builtin_frame_address(0);

	irq_disable();
	printk("\nlucid: PANIC on CPU %u: ", cpu_index());
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	backtrace((u64)(uintptr_t)__builtin_return_address(0), ((u64 *)rbp)[0]);
	cpu_stop();
}
