/* Host tests for the run loop (hv/core/vcpu.c) over the fake back end
 * (fake_hv.h): each exit goes to its handler and the action that comes
 * back is applied (ACT_SKIP: RIP past the instruction, then as
 * ACT_EMULATED: a single-step trap where TF is set; ACT_INJECT: the exception goes in at the
 * next entry; ACT_STOP ends the slice), exits are counted by reason, the
 * slice ends at the tick, lazily switched state is loaded only when
 * another vCPU used the CPU, a vCPU halted with interrupts off is
 * reported once, and events go in at the one point before each entry:
 * an event an exit cut short first, exceptions merged, interrupts and
 * NMIs when the guest can take them, through a window otherwise.
 *
 * The VM is made by hand: the run loop needs no RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/cpu.h"
#include "hv/core/sched.h"
#include "hv/exits/cpuid.h"
#include "hv/exits/hypercall_abi.h"

#define DEV_BASE 0xfeb00000ull
#define DEV_VALUE 0x89abcdefu
#define RIP 0x1234ull
#define LEN 3	/* the length of the instructions the exits below stop at */

static struct vm vm;
static struct vcpu vcpus[2];

static u64 dev_read(void *dev, u64 offset, u8 size)
{
	(void)dev;
	(void)offset;
	(void)size;
	return DEV_VALUE;
}

static int setup(void **state)
{
	(void)state;
	if (host_init(2))
		return -1;
	cpuid_init();	/* from the host's own CPUID */
	sched_init();	/* lucid's tick and kick handlers */
	return 0;
}

/* A running VM "v" of two runnable vCPUs on CPU 0, with a device. */
static int before_each(void **state)
{
	struct io_region dev = { .base = DEV_BASE, .size = PAGE_SIZE, .read = dev_read };

	(void)state;
	host_hand_vm(&vm, vcpus, 2, "v");
	for (u32 i = 0; i < 2; i++) {
		vcpus[i].regs.rip = RIP;
		vcpus[i].regs.rflags = RFLAGS_IF | 2;
	}
	assert_int_equal(io_bus_register(&vm.mmio, &dev), 0);
	percpu[0].fpu_owner = percpu[0].regs_owner = NULL;
	percpu[0].need_resched = false;
	host_test_start();
	return 0;
}

static int after_each(void **state)
{
	(void)state;
	host_hand_vm_free(&vm);
	return 0;
}

/* One slice of v, on its CPU, with the tick not yet due. */
static void slice(struct vcpu *v)
{
	host_set_cpu(v->cpu);
	percpu[v->cpu].need_resched = false;
	vcpu_run_slice(v);
	host_set_cpu(0);
}

/* Fails, naming the case, unless op was called n times for v. */
static void expect_calls(const char *what, enum fake_op op, const struct vcpu *v, u32 n)
{
	if (fake_count(op, v) != n)
		fail_msg("%s: %u calls of fake op %d, not %u", what, fake_count(op, v), op, n);
}

/* --- each action is applied -------------------------------------------------- */

enum applied { NOTHING, SKIPPED, EMULATED, INJECTED };

struct action_case {
	const char *what;
	struct exit_record x;
	enum applied applied;
	u8 vector;
	bool has_error;
	u32 error;
};

static const struct action_case cases[] = {
	{ "back end handled it", { .reason = EXIT_NONE }, NOTHING, 0, false, 0 },
	{ "INVD", { .reason = EXIT_NOP, .insn_len = LEN }, SKIPPED, 0, false, 0 },
	{ "CPUID", { .reason = EXIT_CPUID, .insn_len = LEN, .cpuid = { LUCID_CPUID_BASE, 0 } },
	  SKIPPED, 0, false, 0 },
	{ "IN from no device", { .reason = EXIT_IO, .insn_len = LEN,
				 .io = { .port = 0x80, .size = 1, .in = true, .seg = -1 } },
	  SKIPPED, 0, false, 0 },
	{ "RDMSR of a host MSR", { .reason = EXIT_MSR_READ, .insn_len = LEN,
				   .msr = { MSR_VM_CR, 0 } }, INJECTED, EXC_GP, true, 0 },
	{ "XSETBV", { .reason = EXIT_XSETBV, .insn_len = LEN, .xsetbv = { 0, 3 } }, SKIPPED, 0,
	  false, 0 },
	{ "XSETBV at CPL 3", { .reason = EXIT_XSETBV, .cpl = 3, .insn_len = LEN,
			       .xsetbv = { 0, 3 } }, INJECTED, EXC_GP, true, 0 },
	{ "XSETBV of XCR1", { .reason = EXIT_XSETBV, .insn_len = LEN, .xsetbv = { 1, 3 } },
	  INJECTED, EXC_GP, true, 0 },
	{ "XSETBV without x87", { .reason = EXIT_XSETBV, .insn_len = LEN, .xsetbv = { 0, 2 } },
	  INJECTED, EXC_GP, true, 0 },
	{ "an MMIO load", { .reason = EXIT_MEM, .long_mode = true,
			    .mem = { .gpa = DEV_BASE + 8, .insn_len = 2, .insn = { 0x8b, 0x03 } } },
	  EMULATED, 0, false, 0 },
	{ "VMRUN", { .reason = EXIT_VIRT_INSN, .insn = "vmrun" }, INJECTED, EXC_UD, false, 0 },
	{ "a #PF to reflect", { .reason = EXIT_EXCEPTION, .exception = { EXC_PF, true, 6 } },
	  INJECTED, EXC_PF, true, 6 },
	{ "a #BP to reflect", { .reason = EXIT_EXCEPTION, .exception = { EXC_BP, false, 0 } },
	  INJECTED, EXC_BP, false, 0 },
	{ "the interrupt window", { .reason = EXIT_INTR_WINDOW }, NOTHING, 0, false, 0 },
};

/* Each case's exit, then one more: what the first left to inject goes in
 * before the second entry. */
static void test_actions(void **state)
{
	struct vcpu *v = &vcpus[0];

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct action_case *c = &cases[i];
		struct fake_exit e = { .x = c->x };
		u64 rip = v->regs.rip;

		v->regs.rflags &= ~RFLAGS_RF;
		fake_calls_clear();
		fake_script(v, &e);
		fake_script_reason(v, EXIT_NONE, true);
		slice(v);
		expect_calls(c->what, FAKE_RUN, v, 2);
		expect_calls(c->what, FAKE_INJECT, v, c->applied == INJECTED);
		if (c->applied == SKIPPED && v->regs.rip != rip + LEN)
			fail_msg("%s: RIP moved by %lld", c->what, (long long)(v->regs.rip - rip));
		if (c->applied != SKIPPED && c->applied != EMULATED && v->regs.rip != rip)
			fail_msg("%s: RIP moved", c->what);
		if (c->applied == INJECTED) {
			const struct fake_call *in = fake_last_call(FAKE_INJECT, v);

			if (in->arg[0] != c->vector || in->arg[1] != c->has_error ||
			    in->arg[2] != c->error || in->arg[3] != EV_EXCEPTION)
				fail_msg("%s: injected %llu (%llu, %llu)", c->what,
					 (unsigned long long)in->arg[0],
					 (unsigned long long)in->arg[1],
					 (unsigned long long)in->arg[2]);
			/* A fault's delivery pushes RF set; #BP is a trap. */
			if (!(v->regs.rflags & RFLAGS_RF) != (c->vector == EXC_BP))
				fail_msg("%s: RFLAGS.RF %s", c->what,
					 c->vector == EXC_BP ? "set for a trap" : "clear for a fault");
			/* at the entry after the exit */
			assert_true(fake_first(FAKE_RUN, v) < fake_last(FAKE_INJECT, v));
			assert_true(fake_last(FAKE_INJECT, v) < fake_last(FAKE_RUN, v));
		}
		assert_int_equal(v->state, VCPU_RUNNABLE);
		assert_false(events_pending(&v->events));
		assert_string_equal(host_log(), "");
	}
}

/* What the handlers did on the way: the guest sees their results. */
static void test_handler_results(void **state)
{
	struct vcpu *v = &vcpus[0];

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fake_exit e = { .x = cases[i].x, .tick = true };
		u64 rip = v->regs.rip;

		v->regs.gpr[REG_RAX] = cases[i].x.reason == EXIT_IO ? 0 : ~0ull;
		fake_script(v, &e);
		slice(v);
		if (cases[i].x.reason == EXIT_CPUID)
			assert_int_equal(v->regs.gpr[REG_RBX], LUCID_CPUID_SIG_EBX);
		if (cases[i].x.reason == EXIT_MEM) {
			assert_int_equal(v->regs.gpr[REG_RAX], DEV_VALUE); /* 32-bit: zero-extended */
			assert_int_equal(v->regs.rip, rip + 2);	/* the MOV's length */
		}
		if (cases[i].x.reason == EXIT_IO)
			assert_int_equal(v->regs.gpr[REG_RAX], 0xff);	/* all ones, one byte */
	}
	assert_int_equal(v->arch.xcr0, 3);	/* the one XSETBV allowed */
}

/* A completed instruction, skipped or emulated, owes the single-step trap
 * where TF is set: a #DB with DR6.BS, other DR6 bits kept. An exit that
 * completes nothing owes none. */
static void test_single_step(void **state)
{
	struct vcpu *v = &vcpus[0];
	struct fake_exit mmio = { .x = cases[9].x };

	(void)state;
	assert_int_equal(mmio.x.reason, EXIT_MEM);
	v->regs.rflags |= RFLAGS_TF;
	fake_vcpu(v)->dr6 = DR6_INIT | 1 /* B0 */;
	fake_script_reason(v, EXIT_NOP, false);
	fake_script(v, &mmio);
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(fake_count(FAKE_INJECT, v), 2);
	for (u32 i = 0; i < fake_ncalls(); i++)
		if (fake_call(i)->op == FAKE_INJECT) {
			assert_int_equal(fake_call(i)->arg[0], EXC_DB);
			assert_int_equal(fake_call(i)->arg[1], false);
		}
	assert_int_equal(fake_vcpu(v)->dr6, DR6_INIT | 1 | DR6_BS);
	v->regs.rflags &= ~RFLAGS_TF;
	fake_vcpu(v)->dr6 = DR6_INIT;
	fake_calls_clear();
	fake_script_reason(v, EXIT_NOP, false);
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(fake_count(FAKE_INJECT, v), 0);
	assert_int_equal(fake_vcpu(v)->dr6, DR6_INIT);
}

/* A handler that stops the VM ends the slice at once: the exit is not
 * completed, nothing more runs, and the log says why. */
static void test_stop_ends_slice(void **state)
{
	static const struct { struct exit_record x; const char *line; } stops[] = {
		{ { .reason = EXIT_SHUTDOWN },
		  "vm v: crashed: triple fault (delivering nothing 0; CR0 0x80000001 CR3 0x0 "
		  "CR4 0x20 EFER 0x500; the code at RIP is not mapped) (vCPU 1, RIP 0x1234)" },
		{ { .reason = EXIT_FAILED, .hw_code = ~0ull, .why = "VMRUN: bad EFER" },
		  "vm v: crashed: the CPU refused to enter the guest: VMRUN: bad EFER "
		  "(vCPU 1, RIP 0x1234)" },
		{ { .reason = EXIT_FAILED, .hw_code = ~0ull },
		  "vm v: crashed: the CPU refused to enter the guest: no reason given "
		  "(vCPU 1, RIP 0x1234)" },
		{ { .reason = EXIT_UNKNOWN, .hw_code = 0x7b, .hw_info = { 1, 2 } },
		  "vm v: crashed: unhandled exit 0x7b (info 0x1 0x2) (vCPU 1, RIP 0x1234)" },
		{ { .reason = NR_EXIT_REASONS + 7, .hw_code = 0x99 },
		  "vm v: crashed: unhandled exit 0x99 (info 0x0 0x0) (vCPU 1, RIP 0x1234)" },
		/* #GP while the CPU delivered a #DF */
		{ { .reason = EXIT_EXCEPTION, .cut = { EV_EXCEPTION, EXC_DF, true, 0 },
		    .exception = { EXC_GP, true, 0 } },
		  "vm v: crashed: triple fault (exception 13 while delivering a double fault) "
		  "(vCPU 1, RIP 0x1234)" },
	};
	struct vcpu *v = &vcpus[1];

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(stops); i++) {
		struct fake_exit e = { .x = stops[i].x };

		if (i)
			before_each(state);
		fake_script(v, &e);
		fake_script_reason(v, EXIT_NONE, true);	/* must not run */
		slice(v);
		assert_int_equal(fake_count(FAKE_RUN, v), 1);
		assert_int_equal(fake_script_left(v), 1);
		assert_int_equal(fake_count(FAKE_INJECT, v), 0);
		assert_int_equal(v->regs.rip, 0x1234);	/* not completed */
		host_log_expect(stops[i].line);
		assert_int_equal(vm.state, VM_CRASHED);
		/* Counted, an unknown reason as EXIT_UNKNOWN. */
		assert_int_equal(v->exits[stops[i].x.reason < NR_EXIT_REASONS ?
					  stops[i].x.reason : EXIT_UNKNOWN], 1);
		after_each(state);
	}
	before_each(state);
}

/* Another CPU stopped the VM during this slice (its kick is still on the
 * way) and this vCPU hits a fatal exit: ACT_STOP alone ends the slice. */
static void test_stop_when_stopped_already(void **state)
{
	struct vcpu *v = &vcpus[0];

	(void)state;
	vm.state = VM_CRASHED;
	fake_script_reason(v, EXIT_SHUTDOWN, false);
	fake_script_reason(v, EXIT_NONE, true);	/* must not run */
	slice(v);
	assert_int_equal(fake_count(FAKE_RUN, v), 1);
	assert_int_equal(fake_script_left(v), 1);
	assert_string_equal(host_log(), "");	/* the first crash was said */
}

static void test_exits_counted_by_reason(void **state)
{
	static const enum exit_reason script[] = {
		EXIT_NONE, EXIT_VIRT_INSN, EXIT_NOP, EXIT_INTR_WINDOW, EXIT_VIRT_INSN, EXIT_NONE,
		EXIT_IO,
	};
	struct vcpu *v = &vcpus[0];
	u64 want[NR_EXIT_REASONS] = { 0 };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(script); i++) {
		struct fake_exit e = { .x = { .reason = script[i], .insn_len = LEN,
					      .io = { .port = 0x80, .size = 1, .seg = -1 } },
				       .tick = i == ARRAY_SIZE(script) - 1 };

		fake_script(v, &e);
		want[script[i]]++;
	}
	slice(v);
	assert_memory_equal(v->exits, want, sizeof(want));
}

/* The tick ends the slice after the exit it interrupted, which is
 * completed; a slice that starts with the tick due runs nothing. */
static void test_tick_ends_slice(void **state)
{
	struct vcpu *v = &vcpus[0];

	(void)state;
	fake_script_reason(v, EXIT_NOP, false);
	fake_script_reason(v, EXIT_NOP, true);
	fake_script_reason(v, EXIT_NOP, false);
	fake_script_reason(v, EXIT_NOP, true);
	slice(v);
	assert_int_equal(fake_count(FAKE_RUN, v), 2);
	assert_int_equal(v->regs.rip, RIP + 2 * FAKE_INSN_LEN);

	percpu[0].need_resched = true;
	vcpu_run_slice(v);
	assert_int_equal(fake_count(FAKE_RUN, v), 2);

	slice(v);
	assert_int_equal(fake_count(FAKE_RUN, v), 4);
	assert_int_equal(fake_script_left(v), 0);
}

static void check_current(struct vcpu *v, const void *arg)
{
	(void)arg;
	assert_ptr_equal(vcpu_current(), v);
}

/* Inside its slice a vCPU is its CPU's current one, and only there. */
static void test_current(void **state)
{
	struct vcpu *v = &vcpus[0];
	struct fake_exit look = { .x = { .reason = EXIT_NOP, .insn_len = LEN },
				  .guest = check_current };

	(void)state;
	assert_null(vcpu_current());
	fake_script(v, &look);
	fake_script_reason(v, EXIT_NOP, true);
	slice(v);
	assert_int_equal(fake_script_left(v), 0);
	assert_null(vcpu_current());
}

static void timer_fires(struct vcpu *v, const void *arg)
{
	(void)arg;
	fake_tsc += FAKE_TSC_HZ / SCHED_HZ;	/* the tick is due */
	fake_host_irq(v->cpu, VEC_TIMER);
}

/* lucid takes the interrupts that wait for it after every exit, not only
 * after an exit for an interrupt: a guest that exits often with its IF
 * clear (which on some CPUs holds lucid's interrupt back) still sees its
 * slice end at the tick (issue 14). */
static void test_host_interrupts_after_every_exit(void **state)
{
	struct vcpu *v = &vcpus[0];
	struct fake_exit tick_in_guest = { .x = { .reason = EXIT_NOP, .insn_len = LEN },
					   .guest = timer_fires };
	u64 ticks = percpu[v->cpu].ticks;

	(void)state;
	v->regs.rflags = 2;
	fake_script_reason(v, EXIT_NOP, false);
	fake_script(v, &tick_in_guest);
	fake_script_reason(v, EXIT_NOP, false);	/* must not run: the slice is over */
	slice(v);
	assert_int_equal(fake_count(FAKE_RUN, v), 2);
	assert_int_equal(fake_count(FAKE_IRQ_WINDOW, NULL), 2);
	assert_int_equal(fake_last_call(FAKE_IRQ_WINDOW, NULL)->arg[0], VEC_TIMER);
	assert_int_equal(percpu[v->cpu].ticks, ticks + 1);
	assert_int_equal(fake_script_left(v), 1);
}

/* The back end loads v once a slice; the FPU, DR0-DR3 and TSC_AUX only
 * when another vCPU used this CPU since v did. */
static void test_lazy_state(void **state)
{
	struct vcpu *a = &vcpus[0], *b = &vcpus[1];

	(void)state;
	for (u32 i = 0; i < 3; i++)
		fake_script_reason(a, EXIT_NONE, i == 2);
	slice(a);
	assert_int_equal(fake_count(FAKE_LOAD, a), 1);
	assert_true(fake_first(FAKE_LOAD, a) < fake_first(FAKE_RUN, a));
	assert_int_equal(fake_count(FAKE_FPU_SWITCH, a), 1);
	assert_int_equal(fake_count(FAKE_REGS_SWITCH, a), 1);

	fake_script_reason(a, EXIT_NONE, true);
	slice(a);
	assert_int_equal(fake_count(FAKE_LOAD, a), 2);
	assert_int_equal(fake_count(FAKE_FPU_SWITCH, a), 1);	/* still in the CPU */
	assert_int_equal(fake_count(FAKE_REGS_SWITCH, a), 1);

	fake_script_reason(b, EXIT_NONE, true);
	slice(b);
	fake_script_reason(a, EXIT_NONE, true);
	slice(a);
	assert_int_equal(fake_count(FAKE_FPU_SWITCH, a), 2);
	assert_int_equal(fake_count(FAKE_REGS_SWITCH, a), 2);
}

/* HLT with interrupts off can only end in a reset (or an NMI): said once,
 * when the VM's other vCPUs sleep so too or wait for a start-up IPI. */
static void test_halted_with_interrupts_off(void **state)
{
	struct vcpu *v = &vcpus[0], *w = &vcpus[1];
	char line[100];

	(void)state;
	/* Another vCPU runs on: not said. */
	v->regs.rflags = 2;
	fake_script_reason(v, EXIT_HLT, false);
	slice(v);
	assert_int_equal(v->state, VCPU_HALTED);
	assert_int_equal(strlen(host_log()), 0);
	v->state = VCPU_RUNNABLE;
	v->regs.rip = RIP;

	w->state = VCPU_WAIT_SIPI;
	snprintf(line, sizeof(line), "vm v: vCPU 0 halted with interrupts disabled at RIP 0x%llx",
		 RIP + FAKE_INSN_LEN);	/* after the HLT */
	v->regs.rflags = 2;
	fake_script_reason(v, EXIT_HLT, false);
	fake_script_reason(v, EXIT_NONE, true);	/* must not run: v sleeps */
	slice(v);
	assert_int_equal(v->state, VCPU_HALTED);
	assert_int_equal(v->regs.rip, RIP + FAKE_INSN_LEN);
	assert_int_equal(fake_script_left(v), 1);
	host_log_expect(line);

	/* Halted again (as if an NMI woke it): not said again. */
	v->state = VCPU_RUNNABLE;
	v->regs.rip = RIP;
	fake_vcpu(v)->script[2].x.reason = EXIT_HLT;
	fake_vcpu(v)->script[2].x.insn_len = FAKE_INSN_LEN;
	slice(v);
	assert_int_equal(v->state, VCPU_HALTED);
	host_log_expect(line);

	/* With interrupts on, HLT is an ordinary wait. */
	w->state = VCPU_RUNNABLE;
	fake_script_reason(w, EXIT_HLT, false);
	slice(w);
	assert_int_equal(w->state, VCPU_HALTED);
	host_log_expect(line);
	assert_int_equal(strlen(host_log()), strlen(line) + 1);	/* and nothing else */
}

/* --- events: delivered at the one point before each entry ------------------ */

static const struct fake_call *injected(const struct vcpu *v, u32 n)
{
	u32 seen = 0;

	for (u32 i = 0; i < fake_ncalls(); i++)
		if (fake_call(i)->op == FAKE_INJECT && fake_call(i)->v == v && seen++ == n)
			return fake_call(i);
	fail_msg("no injection %u", n);
	return NULL;
}

static void can_take_now(struct vcpu *v, const void *arg)
{
	(void)arg;
	fake_vcpu(v)->can_take_intr = fake_vcpu(v)->can_take_nmi = true;
}

/* An interrupt goes in before the entry when the guest can take it;
 * otherwise the back end is asked for a window, and it goes in then. */
static void test_interrupt_and_window(void **state)
{
	struct vcpu *v = &vcpus[0];
	struct fake_exit window = { .x = { .reason = EXIT_INTR_WINDOW }, .guest = can_take_now };

	(void)state;
	vcpu_raise_intr(v, 0x40);
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(injected(v, 0)->arg[0], 0x40);
	assert_int_equal(injected(v, 0)->arg[3], EV_INTR);
	assert_true(fake_first(FAKE_INJECT, v) < fake_first(FAKE_RUN, v));
	assert_false(events_pending(&v->events));
	assert_int_equal(fake_count(FAKE_WINDOWS, v), 0);

	fake_calls_clear();
	fake_vcpu(v)->can_take_intr = false;
	vcpu_raise_intr(v, 0x41);
	fake_script(v, &window);
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(fake_count(FAKE_INJECT, v), 1);
	assert_int_equal(injected(v, 0)->arg[0], 0x41);
	/* window open before the first entry, interrupt in before the second,
	 * window closed with it */
	assert_int_equal(fake_call((u32)fake_first(FAKE_WINDOWS, v))->arg[1], true);
	assert_true(fake_first(FAKE_WINDOWS, v) < fake_first(FAKE_RUN, v));
	assert_true(fake_last(FAKE_INJECT, v) > fake_first(FAKE_RUN, v));
	assert_true(fake_last(FAKE_INJECT, v) < fake_last(FAKE_RUN, v));
	assert_int_equal(fake_last_call(FAKE_WINDOWS, v)->arg[1], false);
	assert_int_equal(v->windows, 0);
}

/* An event raised for a vCPU makes its CPU look: another CPU is kicked
 * out of guest mode, this one ends its slice. */
static void test_raise_kicks(void **state)
{
	struct vcpu *v = &vcpus[0], *w = &vcpus[1];

	(void)state;
	w->cpu = 1;
	vcpu_raise_intr(w, 0x40);
	assert_int_equal(fake_count(FAKE_KICK, NULL), 1);
	assert_int_equal(fake_last_call(FAKE_KICK, NULL)->arg[0], 1);
	vcpu_raise_nmi(w);
	assert_int_equal(fake_count(FAKE_KICK, NULL), 2);
	assert_false(percpu[0].need_resched);
	vcpu_raise_intr(v, 0x40);
	assert_true(percpu[0].need_resched);
	assert_int_equal(fake_count(FAKE_KICK, NULL), 2);
	w->cpu = 0;
}

/* An NMI goes in before an interrupt; the interrupt waits for the next
 * entry. */
static void test_nmi_first(void **state)
{
	struct vcpu *v = &vcpus[0];

	(void)state;
	vcpu_raise_intr(v, 0x50);
	vcpu_raise_nmi(v);
	fake_script_reason(v, EXIT_NONE, false);
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(fake_count(FAKE_INJECT, v), 2);
	assert_int_equal(injected(v, 0)->arg[3], EV_NMI);
	assert_int_equal(injected(v, 1)->arg[3], EV_INTR);
	assert_int_equal(injected(v, 1)->arg[0], 0x50);
}

/* The event an exit cut short goes in again, and an exception raised on
 * top of it merges with it. */
static void test_cut_events(void **state)
{
	struct vcpu *v = &vcpus[0];
	struct fake_exit cut_intr = { .x = { .reason = EXIT_NONE,
					     .cut = { EV_INTR, 0x30, false, 0 } } };
	struct fake_exit gp_in_pf = { .x = { .reason = EXIT_EXCEPTION,
					     .cut = { EV_EXCEPTION, EXC_PF, true, 2 },
					     .exception = { EXC_GP, true, 0 } } };

	(void)state;
	fake_script(v, &cut_intr);
	fake_script(v, &gp_in_pf);
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(fake_count(FAKE_INJECT, v), 2);
	assert_int_equal(injected(v, 0)->arg[3], EV_INTR);
	assert_int_equal(injected(v, 0)->arg[0], 0x30);
	/* #GP while delivering #PF: a double fault, error code 0 */
	assert_int_equal(injected(v, 1)->arg[3], EV_EXCEPTION);
	assert_int_equal(injected(v, 1)->arg[0], EXC_DF);
	assert_int_equal(injected(v, 1)->arg[1], true);
	assert_int_equal(injected(v, 1)->arg[2], 0);
}

/* An interrupt the guest can take wakes a halted vCPU, an NMI any halted
 * vCPU; none, or an interrupt with IF clear, and it sleeps on. */
static void test_halted_wakes(void **state)
{
	struct vcpu *v = &vcpus[0], *w = &vcpus[1];

	(void)state;
	v->state = w->state = VCPU_HALTED;
	assert_false(vcpu_wakeable(v));
	slice(v);
	assert_int_equal(fake_count(FAKE_RUN, v), 0);
	v->regs.rflags = 2;
	vcpu_raise_intr(v, 0x40);
	assert_false(vcpu_wakeable(v));
	v->regs.rflags = RFLAGS_IF;
	assert_true(vcpu_wakeable(v));
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_int_equal(fake_count(FAKE_RUN, v), 1);
	assert_int_equal(fake_last_call(FAKE_INJECT, v)->arg[0], 0x40);

	w->regs.rflags = 2;
	vcpu_raise_nmi(w);
	assert_true(vcpu_wakeable(w));
	fake_script_reason(w, EXIT_NONE, true);
	slice(w);
	assert_int_equal(fake_last_call(FAKE_INJECT, w)->arg[3], EV_NMI);
}

/* INIT sends a vCPU, whatever it did, to wait for a start-up IPI, which
 * starts it in real mode at its vector with nothing of before left; a
 * start-up IPI to a vCPU that is not waiting, or one sent before the
 * INIT, is ignored. Each is taken on the vCPU's CPU, which is kicked. */
static void test_init_and_startup(void **state)
{
	struct vcpu *v = &vcpus[1];
	struct fake_vcpu *f = fake_vcpu(v);

	(void)state;
	v->cpu = 1;
	vcpu_signal_sipi(v, 0x12);		/* not waiting: ignored */
	assert_int_equal(fake_last_call(FAKE_KICK, NULL)->arg[0], 1);
	assert_true(vcpu_wakeable(v));
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(v->regs.rip, RIP);
	assert_int_equal(fake_count(FAKE_VCPU_RESET, v), 0);

	v->state = VCPU_HALTED;
	v->regs.rflags = 2;
	vcpu_raise_intr(v, 0x40);		/* pending, and dropped by INIT */
	vcpu_signal_sipi(v, 0x34);		/* before the INIT: ignored */
	vcpu_signal_init(v);
	assert_int_equal(fake_count(FAKE_KICK, NULL), 4);
	assert_true(vcpu_wakeable(v));
	slice(v);
	assert_int_equal(v->state, VCPU_WAIT_SIPI);
	assert_int_equal(fake_count(FAKE_RUN, v), 1);	/* the first slice only */
	assert_false(vcpu_wakeable(v));
	slice(v);				/* nothing to start it */
	assert_int_equal(v->state, VCPU_WAIT_SIPI);

	vcpu_signal_sipi(v, 0x9a);
	vcpu_signal_sipi(v, 0x9a);		/* Linux sends two */
	assert_true(vcpu_wakeable(v));
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_int_equal(fake_count(FAKE_VCPU_RESET, v), 1);
	assert_int_equal(fake_count(FAKE_RUN, v), 2);
	assert_int_equal(f->seg[SEG_CS].sel, 0x9a00);
	assert_int_equal(f->seg[SEG_CS].base, 0x9a000);
	assert_int_equal(fake_last_call(FAKE_VCPU_RESET, v)->arg[0], 0);	/* IP */
	assert_int_equal(fake_last_call(FAKE_VCPU_RESET, v)->arg[2], 0 - vm.tsc_base);
	assert_int_equal(fake_count(FAKE_INJECT, v), 0);	/* the interrupt is gone */

	vcpu_signal_sipi(v, 0x56);		/* running now: ignored */
	fake_script_reason(v, EXIT_NONE, true);
	slice(v);
	assert_int_equal(fake_count(FAKE_VCPU_RESET, v), 1);
	v->cpu = 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, before_each, after_each)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_actions),
		T(test_handler_results),
		T(test_single_step),
		T(test_stop_ends_slice),
		T(test_stop_when_stopped_already),
		T(test_exits_counted_by_reason),
		T(test_tick_ends_slice),
		T(test_host_interrupts_after_every_exit),
		T(test_current),
		T(test_lazy_state),
		T(test_halted_with_interrupts_off),
		T(test_interrupt_and_window),
		T(test_raise_kicks),
		T(test_nmi_first),
		T(test_cut_events),
		T(test_halted_wakes),
		T(test_init_and_startup),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
