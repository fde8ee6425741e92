/* Host tests for the scheduler (hv/core/sched.c) over the fake back end
 * (fake_hv.h): dedicating CPUs, placing vCPUs (`cpus =`, or the least
 * loaded shared CPU), taking them off again, one CPU's loop (the least
 * virtual run time first, weighed by the VM's weight, ties in turn) and
 * what it skips, kicks, and the tick. The fake guests run for a time the
 * test sets: each slice moves the fake TSC on.
 *
 * The VMs here are made by hand, so each test starts from empty run
 * queues and no dedicated CPU. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/cpu.h"
#include "hv/core/sched.h"

#define BIT(n) (1ull << (n))
#define MAX_HAND_VMS 3

struct hand_vm {
	struct vm vm;
	struct vcpu v[VM_MAX_VCPUS];
};

static struct hand_vm hand[MAX_HAND_VMS];
static char err[120];

static int setup(void **state)
{
	(void)state;
	return host_init(4);
}

static int before_each(void **state)
{
	(void)state;
	host_test_start();
	host_sched_reset();
	host_set_online(4);
	for (u32 c = 0; c < MAX_CPUS; c++) {
		percpu[c].fpu_owner = percpu[c].regs_owner = NULL;
		percpu[c].need_resched = false;
	}
	memset(hand, 0, sizeof(hand));
	return 0;
}

/* Gives the fake's state of the hand-made vCPUs back. */
static int after_each(void **state)
{
	(void)state;
	for (u32 i = 0; i < MAX_HAND_VMS; i++)
		host_hand_vm_free(&hand[i].vm);
	return 0;
}

/* A running VM of n runnable vCPUs, not yet placed. */
static struct vm *make_vm(u32 i, const char *name, u32 n)
{
	host_hand_vm(&hand[i].vm, hand[i].v, n, name);
	return &hand[i].vm;
}

static struct vm *placed_vm(u32 i, const char *name, u32 n, u64 cpus)
{
	struct vm *vm = make_vm(i, name, n);

	assert_int_equal(sched_place(vm, cpus, err, sizeof(err)), 0);
	return vm;
}

/* --- the tick and the kick ---------------------------------------------------- */

static void test_tick_and_kick(void **state)
{
	struct trap_frame f = { 0 };
	u64 ticks = percpu[2].ticks;

	(void)state;
	host_set_cpu(2);
	sched_init();
	assert_int_equal(fake_last_call(FAKE_TIMER, NULL)->arg[0], VEC_TIMER);
	assert_int_equal(fake_last_call(FAKE_TIMER_ARM, NULL)->arg[0], FAKE_TSC_HZ / SCHED_HZ);
	assert_non_null(fake_handler(VEC_TIMER));
	assert_non_null(fake_handler(VEC_KICK));

	/* The timer's interrupt before the tick is due is no tick. */
	percpu[1].need_resched = percpu[2].need_resched = false;
	fake_tsc += FAKE_TSC_HZ / SCHED_HZ - 1;
	fake_handler(VEC_TIMER)(&f);
	assert_false(percpu[2].need_resched);
	assert_int_equal(percpu[2].ticks, ticks);
	assert_int_equal(fake_last_call(FAKE_TIMER_ARM, NULL)->arg[0], 1);

	/* The tick ends the slice of the CPU it fires on, and only there. */
	fake_tsc++;
	fake_handler(VEC_TIMER)(&f);
	assert_true(percpu[2].need_resched);
	assert_false(percpu[1].need_resched);
	assert_int_equal(percpu[2].ticks, ticks + 1);
	assert_int_equal(fake_count(FAKE_EOI, NULL), 2);
	assert_int_equal(fake_last_call(FAKE_TIMER_ARM, NULL)->arg[0], FAKE_TSC_HZ / SCHED_HZ);

	host_set_cpu(1);
	fake_handler(VEC_KICK)(&f);
	assert_true(percpu[1].need_resched);
	assert_int_equal(percpu[1].ticks, 0);
	assert_int_equal(fake_count(FAKE_EOI, NULL), 3);
}

/* A vCPU of this CPU needs no interrupt; another CPU's does. */
static void test_kick(void **state)
{
	struct vm *vm = placed_vm(0, "k", 2, 0);	/* on CPUs 0 and 1 */

	(void)state;
	percpu[0].need_resched = percpu[1].need_resched = false;
	sched_kick(vm->vcpu[0]);
	assert_true(percpu[0].need_resched);
	assert_int_equal(fake_count(FAKE_KICK, NULL), 0);
	sched_kick(vm->vcpu[1]);
	assert_int_equal(fake_count(FAKE_KICK, NULL), 1);
	assert_int_equal(fake_last_call(FAKE_KICK, NULL)->arg[0], vm->vcpu[1]->cpu);
	assert_int_equal(fake_last_call(FAKE_KICK, NULL)->cpu, 0);
}

/* --- dedicating CPUs ------------------------------------------------------------ */

static void dedicate_fails(u64 cpus, const char *why)
{
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	assert_int_equal(sched_dedicate(cpus, err, sizeof(err)), -1);
	assert_string_equal(err, why);
}

static void test_dedicate_cpu_not_running(void **state)
{
	(void)state;
	dedicate_fails(BIT(4), "cpus: CPU 4 is not running (4 CPUs started)");
	dedicate_fails(BIT(1) | BIT(63), "cpus: CPU 63 is not running (4 CPUs started)");
	host_set_online(1);
	dedicate_fails(BIT(0) | BIT(1), "cpus: CPU 1 is not running (1 CPU started)");
	/* Refused, it took nothing: CPU 0 is still free. */
	assert_int_equal(sched_dedicate(BIT(0), err, sizeof(err)), 0);

	host_set_online(MAX_CPUS);
	assert_int_equal(sched_dedicate(BIT(MAX_CPUS - 1), err, sizeof(err)), 0);
}

static void test_dedicate_twice(void **state)
{
	(void)state;
	assert_int_equal(sched_dedicate(BIT(1) | BIT(2), err, sizeof(err)), 0);
	dedicate_fails(BIT(2) | BIT(3), "cpus: CPU 2 is already dedicated to another VM");
	dedicate_fails(BIT(1), "cpus: CPU 1 is already dedicated to another VM");
	assert_int_equal(sched_dedicate(BIT(3), err, sizeof(err)), 0);
	dedicate_fails(BIT(0) | BIT(3), "cpus: CPU 3 is already dedicated to another VM");
}

/* --- placing vCPUs ----------------------------------------------------------------- */

/* vCPU n on the n-th CPU of the set. */
static void test_place_dedicated(void **state)
{
	u64 cpus = BIT(1) | BIT(3) | BIT(6);
	struct vm *vm;
	u64 rest = cpus;

	(void)state;
	host_set_online(8);
	assert_int_equal(sched_dedicate(cpus, err, sizeof(err)), 0);
	vm = placed_vm(0, "d", 3, cpus);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		u32 nth = (u32)__builtin_ctzll(rest);

		rest &= rest - 1;
		assert_int_equal(vm->vcpu[i]->cpu, nth);
		assert_int_equal(host_sched_queued(nth), 1);
	}
	assert_int_equal(host_sched_queued(0), 0);
}

/* Too few CPUs: refused, and no vCPU stays placed. */
static void test_place_fewer_cpus(void **state)
{
	struct vm *vm = make_vm(0, "few", 3);

	(void)state;
	assert_int_equal(sched_dedicate(BIT(2) | BIT(3), err, sizeof(err)), 0);
	assert_int_equal(sched_place(vm, BIT(2) | BIT(3), err, sizeof(err)), -1);
	assert_string_equal(err, "cpus: fewer CPUs than vCPUs");
	for (u32 c = 0; c < 4; c++)
		assert_int_equal(host_sched_queued(c), 0);
	for (u32 i = 0; i < vm->nvcpus; i++)
		assert_null(vm->vcpu[i]->next_run);
}

/* Shared vCPUs go one by one to the shared CPU with the fewest vCPUs,
 * the lowest numbered first; dedicated CPUs take none. */
static void test_place_shared(void **state)
{
	u32 load[4] = { 0 };
	u64 dedicated = BIT(1);

	(void)state;
	assert_int_equal(sched_dedicate(dedicated, err, sizeof(err)), 0);
	placed_vm(2, "owner", 1, dedicated);
	for (u32 i = 0; i < 2; i++) {
		struct vm *vm = placed_vm(i, i ? "b" : "a", i ? 5 : 3, 0);

		for (u32 k = 0; k < vm->nvcpus; k++) {
			u32 best = 4;

			for (u32 c = 0; c < 4; c++)
				if (!(dedicated & BIT(c)) && (best == 4 || load[c] < load[best]))
					best = c;
			assert_int_equal(vm->vcpu[k]->cpu, best);
			load[best]++;
		}
	}
	for (u32 c = 0; c < 4; c++)
		assert_int_equal(host_sched_queued(c), c == 1 ? 1 : load[c]);
	assert_int_equal(load[1], 0);
}

static void test_place_every_cpu_dedicated(void **state)
{
	struct vm *vm = make_vm(0, "s", 1);

	(void)state;
	host_set_online(2);
	assert_int_equal(sched_dedicate(BIT(0) | BIT(1), err, sizeof(err)), 0);
	assert_int_equal(sched_place(vm, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "every CPU is dedicated to a VM: none is left to share");
	assert_int_equal(host_sched_queued(0) + host_sched_queued(1), 0);
}

/* --- one CPU's loop ------------------------------------------------------------------ */

#define TICK (FAKE_TSC_HZ / SCHED_HZ)

/* The guest runs for *arg TSC ticks before its exit; with arg NULL, for
 * a tenth of a tick to a whole one, a different time each slice. */
static void guest_runs(struct vcpu *v, const void *arg)
{
	static u32 n;

	(void)v;
	fake_tsc += arg ? *(const u64 *)arg : TICK / 10 * (1 + n++ % 10);
}

static const u64 one_tick = TICK;

/* An exit at the end of a slice the guest ran for *ticks (NULL: varied). */
static void script_slice(struct vcpu *v, const u64 *ticks)
{
	struct fake_exit e = { .x = { .reason = EXIT_NONE, .long_mode = true,
				      .insn_len = FAKE_INSN_LEN },
			       .guest = guest_runs, .arg = ticks, .tick = true };

	fake_script(v, &e);
}

/* Each vCPU of vm exits n times, each time at the end of a slice of one
 * tick. */
static void script_slices(struct vm *vm, u32 n)
{
	for (u32 i = 0; i < vm->nvcpus; i++)
		for (u32 k = 0; k < n; k++)
			script_slice(vm->vcpu[i], &one_tick);
}

/* For tests of many slices: each vCPU of the VMs has a slice (ticks
 * long) scripted, its script started over when it has run it all. */
static void keep_busy(struct vm *const *vms, u32 nvms, const u64 *ticks)
{
	for (u32 i = 0; i < nvms; i++)
		for (u32 k = 0; k < vms[i]->nvcpus; k++) {
			struct vcpu *v = vms[i]->vcpu[k];
			struct fake_vcpu *f = fake_vcpu(v);

			if (f->next == f->nscript) {
				f->next = f->nscript = 0;
				script_slice(v, ticks);
			}
		}
}

/* One turn of CPU 0 on fresh records: the vCPU that ran, or NULL. */
static const struct vcpu *turn(void)
{
	fake_calls_clear();
	host_sched_turn(0);
	return fake_count(FAKE_RUN, NULL) ? fake_call((u32)fake_first(FAKE_RUN, NULL))->v : NULL;
}

/* A VM of n vCPUs with this weight, placed on the shared CPUs. */
static struct vm *weighed_vm(u32 i, const char *name, u32 n, u32 weight)
{
	struct vm *vm = make_vm(i, name, n);

	vm->weight = weight;
	assert_int_equal(sched_place(vm, 0, err, sizeof(err)), 0);
	return vm;
}

/* The vCPU that ran in turn t (each turn runs one exit), or NULL. */
static const struct vcpu *ran(u32 t)
{
	u32 seen = 0;

	for (u32 i = 0; i < fake_ncalls(); i++)
		if (fake_call(i)->op == FAKE_RUN && seen++ == t)
			return fake_call(i)->v;
	return NULL;
}

/* Equal weights, whatever they are, and slices of a tick: every runnable
 * vCPU once per round, in the same order each round, as round robin. */
static void test_round_robin(void **state)
{
	const u32 n = 3, rounds = 3;
	struct vm *a, *b;

	(void)state;
	host_set_online(1);
	a = weighed_vm(0, "a", 2, 300);
	b = weighed_vm(1, "b", 1, 300);
	script_slices(a, rounds);
	script_slices(b, rounds);
	for (u32 t = 0; t < n * rounds; t++)
		assert_true(host_sched_turn(0));
	for (u32 t = 0; t < n; t++)
		for (u32 u = 0; u < t; u++)
			assert_ptr_not_equal(ran(t), ran(u));
	for (u32 t = n; t < n * rounds; t++)
		assert_ptr_equal(ran(t), ran(t - n));
	assert_int_equal(fake_count(FAKE_RUN, NULL), n * rounds);
	/* The boot CPU serves the console between slices. */
	assert_int_equal(fake_count(FAKE_CONSOLE_POLL, NULL), n * rounds);
}

/* What cannot run is passed over; with nothing to run, no slice. */
static void test_pick_skips(void **state)
{
	struct vm *on, *off, *pausing;
	struct vcpu *halted, *woken;

	(void)state;
	host_set_online(1);
	on = placed_vm(0, "on", 3, 0);
	off = placed_vm(1, "off", 1, 0);
	pausing = placed_vm(2, "pausing", 1, 0);
	off->state = VM_SHUTOFF;
	pausing->pausing = true;
	halted = on->vcpu[0];
	halted->state = VCPU_HALTED;
	halted->regs.rflags = RFLAGS_IF;	/* but no interrupt waits */
	woken = on->vcpu[1];
	woken->state = VCPU_HALTED;
	woken->regs.rflags = RFLAGS_IF;
	events_raise_intr(&woken->events, 0x40);
	on->vcpu[2]->state = VCPU_STOPPED;
	fake_script_reason(woken, EXIT_NONE, true);
	fake_script_reason(woken, EXIT_NONE, true);
	/* Behind it, they would come first if they could run. */
	woken->vruntime = 5 * TICK;

	assert_true(host_sched_turn(0));
	assert_true(host_sched_turn(0));
	assert_int_equal(fake_count(FAKE_RUN, woken), 2);
	assert_int_equal(fake_count(FAKE_RUN, NULL), 2);
	/* The pausing VM's vCPU was parked instead, by this CPU. */
	assert_true(pausing->vcpu[0]->parked);
	assert_int_equal(fake_count(FAKE_PUT, pausing->vcpu[0]), 1);

	woken->state = VCPU_HALTED;
	fake_calls_clear();
	assert_false(host_sched_turn(0));
	assert_int_equal(fake_count(FAKE_RUN, NULL), 0);
	assert_int_equal(fake_count(FAKE_CONSOLE_POLL, NULL), 1);
}

/* Weights 1, 2 and 3 on one CPU, slices of varied length: run times
 * within 1% of 1:2:3. */
static void test_weights_share_the_cpu(void **state)
{
	struct vm *vms[3];
	u64 total = 0;

	(void)state;
	host_set_online(1);
	for (u32 i = 0; i < 3; i++)
		vms[i] = weighed_vm(i, (const char *[]){ "w1", "w2", "w3" }[i], 1, i + 1);
	for (u32 t = 0; t < 6000; t++) {
		keep_busy(vms, 3, NULL);
		assert_non_null(turn());
	}
	for (u32 i = 0; i < 3; i++)
		total += vms[i]->vcpu[0]->run_tsc;
	for (u32 i = 0; i < 3; i++) {
		double share = (double)vms[i]->vcpu[0]->run_tsc / (double)total;
		double want = (i + 1) / 6.0;

		if (share < want * 0.99 || share > want * 1.01)
			fail_msg("weight %u got %.4f of the CPU, not %.4f", i + 1, share, want);
	}
}

/* A vCPU halted for a long time, woken, runs a slice or two ahead of the
 * other, not until it has caught up. */
static void test_sleeper_gets_no_burst(void **state)
{
	struct vm *vms[2];
	struct vcpu *busy, *sleeper;
	u32 in_a_row = 0, most = 0, sleeper_ran = 0;

	(void)state;
	host_set_online(1);
	vms[0] = weighed_vm(0, "busy", 1, 100);
	vms[1] = weighed_vm(1, "sleeper", 1, 100);
	busy = vms[0]->vcpu[0];
	sleeper = vms[1]->vcpu[0];
	sleeper->state = VCPU_HALTED;
	sleeper->regs.rflags = RFLAGS_IF;
	for (u32 t = 0; t < 1000; t++) {
		keep_busy(vms, 2, &one_tick);
		assert_ptr_equal(turn(), busy);
	}
	events_raise_intr(&sleeper->events, 0x40);
	for (u32 t = 0; t < 40; t++) {
		keep_busy(vms, 2, &one_tick);
		if (turn() == sleeper) {
			sleeper_ran++;
			in_a_row++;
			most = MAX(most, in_a_row);
		} else {
			in_a_row = 0;
		}
	}
	if (most > 3)
		fail_msg("the woken vCPU ran %u slices in a row", most);
	assert_in_range(sleeper_ran, 19, 22);
}

/* A slice that ran over its tick (lucid could not stop the guest sooner)
 * is charged as one tick: its vCPU takes its turn with the others again
 * at once, not after they have run for as long as it overran. */
static void test_overrun_charged_one_tick(void **state)
{
	static const u64 hundred_ticks = 100 * TICK;
	struct vm *vms[2];
	struct vcpu *a;
	u32 ran_a = 0;

	(void)state;
	host_set_online(1);
	vms[0] = weighed_vm(0, "overran", 1, 100);
	vms[1] = weighed_vm(1, "other", 1, 100);
	a = vms[0]->vcpu[0];
	script_slice(a, &hundred_ticks);
	keep_busy(vms, 2, &one_tick);
	if (turn() != a)
		assert_ptr_equal(turn(), a);
	for (u32 t = 0; t < 10; t++) {
		keep_busy(vms, 2, &one_tick);
		ran_a += turn() == a;
	}
	assert_in_range(ran_a, 4, 6);
}

/* A vCPU placed on a busy CPU starts at the queue's minimum: it neither
 * waits for the others nor runs until it has caught up with them. */
static void test_new_vcpu_starts_at_the_minimum(void **state)
{
	struct vm *vms[3];
	u32 ran[3] = { 0 };

	(void)state;
	host_set_online(1);
	vms[0] = weighed_vm(0, "a", 1, 100);
	vms[1] = weighed_vm(1, "b", 1, 100);
	for (u32 t = 0; t < 100; t++) {
		keep_busy(vms, 2, NULL);
		assert_non_null(turn());
	}
	vms[2] = weighed_vm(2, "new", 1, 100);
	assert_true(host_sched_min_vruntime(0) > 0);
	assert_int_equal(vms[2]->vcpu[0]->vruntime, host_sched_min_vruntime(0));
	for (u32 t = 0; t < 30; t++) {
		const struct vcpu *v;

		keep_busy(vms, 3, &one_tick);
		v = turn();
		for (u32 i = 0; i < 3; i++)
			ran[i] += v == vms[i]->vcpu[0];
	}
	for (u32 i = 0; i < 3; i++)
		assert_in_range(ran[i], 9, 11);
}

/* Only the boot CPU serves the console. */
static void test_console_on_boot_cpu_only(void **state)
{
	(void)state;
	assert_false(host_sched_turn(1));
	assert_false(host_sched_turn(3));
	assert_int_equal(fake_count(FAKE_CONSOLE_POLL, NULL), 0);
	assert_false(host_sched_turn(0));
	assert_int_equal(fake_count(FAKE_CONSOLE_POLL, NULL), 1);
}

/* Taken off, a VM's vCPUs are never picked; the others go on in the same
 * order, starting with the one due next, even when the vCPU taken off
 * is the one that ran last. */
static void test_unplace(void **state)
{
	const struct vcpu *round[4], *due[3];
	struct vm *a, *b;
	u32 t = 0, j = 0;

	(void)state;
	host_set_online(1);
	a = placed_vm(0, "a", 1, 0);
	b = placed_vm(1, "b", 3, 0);
	script_slices(a, 2);
	script_slices(b, 10);
	for (; t < 4; t++) {
		assert_true(host_sched_turn(0));
		round[t] = ran(t);
		if (round[t] == a->vcpu[0])
			j = t;
	}
	while (t < 4 + j + 1) {	/* until a's vCPU ran last */
		assert_true(host_sched_turn(0));
		assert_ptr_equal(ran(t), round[t % 4]);
		t++;
	}
	/* b's vCPUs, in the order they follow a's in the round. */
	for (u32 k = 0; k < 3; k++)
		due[k] = round[(j + 1 + k) % 4];
	fake_calls_clear();
	sched_unplace(a);
	assert_int_equal(host_sched_queued(0), b->nvcpus);
	assert_null(a->vcpu[0]->next_run);
	for (u32 k = 0; k < 2 * b->nvcpus; k++) {
		assert_true(host_sched_turn(0));
		assert_ptr_equal(ran(k), due[k % 3]);
	}

	sched_unplace(b);
	assert_int_equal(host_sched_queued(0), 0);
	assert_false(host_sched_turn(0));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, before_each, after_each)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tick_and_kick),
		T(test_kick),
		T(test_dedicate_cpu_not_running),
		T(test_dedicate_twice),
		T(test_place_dedicated),
		T(test_place_fewer_cpus),
		T(test_place_shared),
		T(test_place_every_cpu_dedicated),
		T(test_round_robin),
		T(test_pick_skips),
		T(test_weights_share_the_cpu),
		T(test_sleeper_gets_no_burst),
		T(test_overrun_charged_one_tick),
		T(test_new_vcpu_starts_at_the_minimum),
		T(test_console_on_boot_cpu_only),
		T(test_unplace),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
