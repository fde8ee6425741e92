/* Host tests for VM objects and their life cycle (hv/core/vm.c) over the
 * fake back end (fake_hv.h): creation and every refusal (which must leave
 * nothing allocated), start, crash, power-off, a reboot asked for from an
 * exit handler, and the pause that parks every vCPU on its own CPU
 * before a VM changes.
 *
 * vm.c keeps its VMs in a static table that never shrinks, so the VMs of
 * one test stay; each test that runs vCPUs gives its VM CPUs of its own
 * (`cpus =`), and the test that fills the table runs last. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "hv/core/sched.h"
#include "hv/exits/hypercall_abi.h"
#include "hv/mm/page_alloc.h"
#include "hv/vdev/testdev.h"

#define NCPUS 24
#define BIT(n) (1ull << (n))

static int setup(void **state)
{
	(void)state;
	return host_init(NCPUS);
}

static int before_each(void **state)
{
	(void)state;
	host_test_start();
	return 0;
}

static bool ram_is_zero(const struct vm *vm, u64 from, u64 to)
{
	u8 b;

	for (u64 gpa = from; gpa < to; gpa++) {
		assert_int_equal(gmem_read(&vm->mem, gpa, &b, 1), 0);
		if (b)
			return false;
	}
	return true;
}

/* The guest's RAM holds the kernel and nothing else. */
static void check_fresh_ram(const struct vm *vm)
{
	u8 k[sizeof(host_kernel)];

	assert_int_equal(gmem_read(&vm->mem, HOST_KERNEL_AT, k, sizeof(k)), 0);
	assert_memory_equal(k, host_kernel, sizeof(k));
	assert_true(ram_is_zero(vm, 0, HOST_KERNEL_AT));
	assert_true(ram_is_zero(vm, HOST_KERNEL_AT + sizeof(k), vm->mem.size));
}

static void scribble(const struct vm *vm)
{
	static const char junk[] = "left over from the last boot";

	assert_int_equal(gmem_write(&vm->mem, HOST_KERNEL_AT, junk, sizeof(junk)), 0);
	assert_int_equal(gmem_write(&vm->mem, vm->mem.size - sizeof(junk), junk, sizeof(junk)), 0);
}

/* Exactly the VM's RAM is in its second-level tables, as it is in
 * vm->mem, for the guest to read, write and run. */
static void check_mapped(const struct vm *vm)
{
	const struct fake_vm *f = fake_vm(vm);

	assert_int_equal(f->nmaps, vm->mem.n);
	for (u32 i = 0; i < vm->mem.n; i++) {
		const struct gmem_region *r = &vm->mem.r[i];
		const struct fake_map *m = &f->map[i];

		assert_int_equal(m->gpa, r->gpa);
		assert_int_equal(m->hpa, r->hpa);
		assert_int_equal(m->size, r->size);
		assert_int_equal(m->rights, GPA_RWX);
		assert_int_equal(m->type, CACHE_WB);
	}
}

/* --- creation ------------------------------------------------------------ */

static void test_create(void **state)
{
	struct config_vm c = host_config("made", 2, MiB(1), 0);
	u64 before = page_alloc_free_pages(), dev_pages = 0;
	u32 n = vm_count();
	struct vm *vm;

	(void)state;
	c.platform = CONFIG_PLATFORM_NONE;	/* no devices: only the VM's own pages below */
	vm = vm_create(&c, host_boot());
	assert_non_null(vm);
	assert_int_equal(vm_count(), n + 1);
	assert_ptr_equal(vm_get(vm->id), vm);
	assert_string_equal(vm->name, "made");
	assert_int_equal(vm->state, VM_DEFINED);
	assert_int_equal(vm->mem.size, MiB(1));
	assert_true(ram_is_zero(vm, 0, vm->mem.size));
	check_mapped(vm);
	assert_int_equal(vm->nvcpus, 2);
	assert_int_equal(fake_count(FAKE_VM_INIT, NULL), 1);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];

		assert_ptr_equal(v->vm, vm);
		assert_int_equal(v->id, i);
		assert_int_equal(v->state, VCPU_STOPPED);
		assert_false(events_pending(&v->events));
		assert_int_equal(fake_count(FAKE_VCPU_INIT, v), 1);
		assert_non_null(v->arch.fpu_area);
		assert_non_null(v->next_run); /* placed on a CPU */
		assert_in_range(v->cpu, 0, NCPUS - 1);
	}
	/* RAM, one page each for the VM's and the vCPUs' back-end and FPU
	 * state (the fake's), and its devices' state. */
	for (u32 i = 0; i < vm->ndevs; i++)
		dev_pages += vm->devs[i].state_pages;
	assert_int_equal(before - page_alloc_free_pages(),
			 MiB(1) / PAGE_SIZE + 1 + 2 * 2 + dev_pages);
	assert_string_equal(host_log(), "");
}

/* `cpus =`: vCPU n on the n-th CPU of the set. */
static void test_create_dedicated(void **state)
{
	struct vm *vm;

	(void)state;
	vm = host_vm("owner", 2, MiB(1), BIT(2) | BIT(4), false);
	assert_int_equal(vm->vcpu[0]->cpu, 2);
	assert_int_equal(vm->vcpu[1]->cpu, 4);
}

/* --- refusals: a clear line, and nothing left allocated ------------------ */

struct snapshot {
	u64 pages;
	u32 vms;
};

static struct snapshot snap(void)
{
	return (struct snapshot){ page_alloc_free_pages(), vm_count() };
}

/* The log is one line that starts with `start` (and is no longer, if
 * `whole`). */
static void one_line(const char *start, bool whole)
{
	const char *log = host_log();
	const char *nl = strchr(log, '\n');

	if (strncmp(log, start, strlen(start)) || !nl || nl[1] ||
	    (whole && (size_t)(nl - log) != strlen(start)))
		fail_msg("expected one line %s\"%s\", got:\n%s", whole ? "" : "starting ",
			 start, log);
}

/* vm_create said no, with `line`, and left nothing behind. */
static void refused(const struct vm *vm, struct snapshot s, const char *line, bool whole)
{
	assert_null(vm);
	one_line(line, whole);
	assert_int_equal(page_alloc_free_pages(), s.pages);
	assert_int_equal(vm_count(), s.vms);
	/* Whatever the back end made, it was asked to free. */
	assert_int_equal(fake_count(FAKE_VCPU_FREE, NULL), fake_count(FAKE_VCPU_INIT, NULL));
	assert_int_equal(fake_count(FAKE_VM_FREE, NULL), fake_count(FAKE_VM_INIT, NULL));
}

static void test_refuse_bad_size(void **state)
{
	static const struct { u32 vcpus; u64 memory; } bad[] = {
		{ 0, MiB(1) }, { VM_MAX_VCPUS + 1, MiB(1) }, { 1, 0 }, { 1, MiB(1) + 1 },
		{ 1, PAGE_SIZE - 1 },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		struct config_vm c = host_config("bad", bad[i].vcpus, bad[i].memory, 0);
		struct snapshot s = snap();

		host_log_clear();
		refused(vm_create(&c, host_boot()), s,
			"vm bad: not created: bad vCPU count or memory size", true);
		assert_int_equal(fake_ncalls(), 0);
	}
}

static void test_refuse_no_ram(void **state)
{
	struct config_vm c = host_config("huge", 1, HOST_ARENA_SIZE, 0);
	struct snapshot s = snap();

	(void)state;
	/* The reason is guest_ram's (test_guest_ram.c checks it). */
	refused(vm_create(&c, host_boot()), s, "vm huge: not created: ", false);
	assert_true(strlen(host_log()) > strlen("vm huge: not created: \n"));
	assert_int_equal(fake_count(FAKE_VM_INIT, NULL), 0);
}

/* The back end or the FPU has no memory for a VM, its RAM's mappings or
 * one of its vCPUs. */
static void test_refuse_no_control_structures(void **state)
{
	const char *line = "vm ctl: not created: out of memory for its control structures";

	(void)state;
	for (int what = 0; what < 5; what++) {
		struct config_vm c = host_config("ctl", 3, MiB(1), 0);
		struct snapshot s = snap();

		c.testdev = true;
		fake_calls_clear();
		host_log_clear();
		if (what == 0)
			fake_fail.vm_init = true;
		else if (what == 1)
			fake_fail.vcpu_init = 1;	/* the first vCPU */
		else if (what == 2)
			fake_fail.vcpu_init = 3;	/* the last */
		else if (what == 3)
			fake_fail.fpu_init = 2;
		else
			fake_fail.vm_map = 1;
		refused(vm_create(&c, host_boot()), s, line, true);
		assert_int_equal(fake_count(FAKE_VM_INIT, NULL), 1);
		assert_int_equal(fake_count(FAKE_VCPU_INIT, NULL), what == 0 || what == 4 ? 0 :
				 what == 2 ? 3 : what == 1 ? 1 : 2);
	}
}

/* The CPUs cannot take the vCPUs: the test device, attached by then, and
 * the vCPUs already placed are given back too. */
static void test_refuse_placement(void **state)
{
	struct config_vm c = host_config("few", 3, MiB(1), BIT(5) | BIT(6));
	char err[120];
	struct snapshot s;

	(void)state;
	c.testdev = true;
	assert_int_equal(sched_dedicate(c.cpus, err, sizeof(err)), 0);
	s = snap();
	refused(vm_create(&c, host_boot()), s, "vm few: not created: cpus: fewer CPUs than vCPUs",
		true);
	assert_int_equal(host_sched_queued(5), 0);
	assert_int_equal(host_sched_queued(6), 0);
}

/* --- start ---------------------------------------------------------------- */

static void check_started(struct vm *vm)
{
	char line[160];
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), "vm %s: started: 1 MiB, %u vCPU%s on CPU%s ",
			     vm->name, vm->nvcpus, vm->nvcpus > 1 ? "s" : "",
			     vm->nvcpus > 1 ? "s" : "");
	for (u32 i = 0; i < vm->nvcpus; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%u", i ? "," : "",
				      vm->vcpu[i]->cpu);
	host_log_expect(line);
	assert_int_equal(vm->state, VM_RUNNING);
	assert_true(vm_may_run(vm));
	check_fresh_ram(vm);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];

		assert_int_equal(fake_count(FAKE_VCPU_RESET, v), 1);
		assert_int_equal(fake_last_call(FAKE_VCPU_RESET, v)->arg[0], HOST_KERNEL_AT);
		assert_int_equal(v->regs.rip, HOST_KERNEL_AT);
		/* Only the first vCPU runs; the others wait for a start-up. */
		assert_int_equal(v->state, i ? VCPU_WAIT_SIPI : VCPU_RUNNABLE);
		assert_false(v->parked);
	}
}

static void test_start(void **state)
{
	struct vm *one = host_vm("one", 1, MiB(1), BIT(7), false);
	struct vm *two = host_vm("two", 2, MiB(1), BIT(8) | BIT(9), false);

	(void)state;
	assert_int_equal(vm_start(one), 0);
	check_started(one);
	fake_tsc = 5000;	/* each VM's TSC starts at 0, the same for its vCPUs */
	fake_calls_clear();
	assert_int_equal(vm_start(two), 0);
	check_started(two);
	assert_int_equal(fake_count(FAKE_VCPU_RESET, NULL), 2);
	for (u32 i = 0; i < fake_ncalls(); i++)
		if (fake_call(i)->op == FAKE_VCPU_RESET)
			assert_int_equal(fake_call(i)->arg[2], (u64)-5000);
	assert_int_equal(two->tsc_base, 5000);

	/* Started already: nothing happens. */
	fake_calls_clear();
	host_log_clear();
	assert_int_equal(vm_start(two), 0);
	assert_int_equal(fake_count(FAKE_VCPU_RESET, NULL), 0);
	assert_string_equal(host_log(), "");
}

static void test_start_cannot_boot(void **state)
{
	struct load_request rq = *host_boot();
	struct config_vm c = host_config("noboot", 1, MiB(1), 0);
	const char *prefix = "vm noboot: cannot boot: ";
	struct vm *vm;

	(void)state;
	rq.flat_load = rq.flat_entry = MiB(1);	/* just past its RAM */
	vm = vm_create(&c, &rq);
	assert_non_null(vm);
	assert_int_equal(vm_start(vm), -1);
	one_line(prefix, false);
	assert_int_equal(vm->state, VM_DEFINED);
	assert_false(vm_may_run(vm));
	assert_int_equal(vm->vcpu[0]->state, VCPU_STOPPED);
	assert_false(vm->pausing);
}

/* --- pausing: every vCPU parked by its own CPU before the change -------- */

static void test_pause_parks_every_vcpu(void **state)
{
	struct vm *vm = host_vm("park", 3, MiB(1), BIT(10) | BIT(11) | BIT(12), true);
	int first_reset;

	(void)state;
	/* Each vCPU runs a slice on its CPU, which then holds its lazily
	 * switched registers. */
	for (u32 i = 0; i < vm->nvcpus; i++) {
		vm->vcpu[i]->state = VCPU_RUNNABLE;
		fake_script_reason(vm->vcpu[i], EXIT_NONE, true);
		assert_true(host_sched_turn(vm->vcpu[i]->cpu));
		assert_ptr_equal(percpu[vm->vcpu[i]->cpu].fpu_owner, &vm->vcpu[i]->arch);
	}
	fake_calls_clear();

	/* CPU 0 asks for a reboot and carries it out. */
	vm_request(vm, vm->vcpu[0], VM_REQ_REBOOT);
	vm_serve_requests(vm);

	first_reset = fake_first(FAKE_VCPU_RESET, NULL);
	assert_true(first_reset >= 0);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		enum fake_op put[] = { FAKE_FPU_PUT, FAKE_REGS_PUT, FAKE_PUT };

		for (u32 k = 0; k < ARRAY_SIZE(put); k++) {
			const struct fake_call *c = fake_call((u32)fake_first(put[k], v));

			assert_int_equal(fake_count(put[k], v), 1);
			assert_int_equal(c->cpu, v->cpu);	/* by its own CPU */
			assert_true(fake_first(put[k], v) < first_reset);
		}
		/* The registers were in that CPU and went back to v. */
		assert_int_equal(fake_last_call(FAKE_FPU_PUT, v)->arg[0], 1);
		assert_int_equal(fake_last_call(FAKE_REGS_PUT, v)->arg[0], 1);
		assert_null(percpu[v->cpu].fpu_owner);
		assert_false(v->parked);	/* and let go again */
	}
	assert_false(vm->pausing);
	assert_int_equal(vm->state, VM_RUNNING);
}

/* --- a reboot asked for by the guest ----------------------------------------- */

static void hc_reboot(struct vcpu *v, const void *arg)
{
	(void)arg;
	v->regs.gpr[REG_RAX] = LUCID_HC_SHUTDOWN;
	v->regs.gpr[REG_RBX] = LUCID_SHUTDOWN_REBOOT;
}

static void reboot_by_hypercall(struct vm *vm)
{
	struct fake_exit e = { .x = { .reason = EXIT_HYPERCALL, .long_mode = true },
			       .guest = hc_reboot };
	struct vcpu *v = vm->vcpu[0];

	fake_script(v, &e);	/* and no more: the slice must end with it */
	scribble(vm);
	v->halted_logged = true;
	/* An interrupt waits for the other vCPU, which waits for it. */
	events_raise_intr(&vm->vcpu[1]->events, 0x40);
	vm->vcpu[1]->windows = 2;
	fake_calls_clear();
	host_log_clear();
	assert_true(host_sched_turn(v->cpu));
	host_log_expect("vm guest: rebooting");
	for (u32 i = 0; i < vm->nvcpus; i++) {
		assert_int_equal(fake_count(FAKE_FPU_RESET, vm->vcpu[i]), 1);
		assert_int_equal(fake_count(FAKE_REGS_RESET, vm->vcpu[i]), 1);
		assert_true(fake_first(FAKE_PUT, vm->vcpu[i]) < fake_first(FAKE_VCPU_RESET, NULL));
	}
	assert_false(v->halted_logged);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		assert_false(events_pending(&vm->vcpu[i]->events));	/* nothing left over */
		assert_int_equal(vm->vcpu[i]->windows, 0);
	}
	check_fresh_ram(vm);
}

static void test_reboot_from_exit_handler(void **state)
{
	struct vm *vm = host_vm("guest", 2, MiB(1), BIT(13) | BIT(14), true);

	(void)state;
	reboot_by_hypercall(vm);
	assert_int_equal(vm->reboots, 1);
	fake_tsc = 7000;	/* its TSC starts at 0 again */
	reboot_by_hypercall(vm);
	assert_int_equal(vm->reboots, 2);
	assert_int_equal(fake_last_call(FAKE_VCPU_RESET, vm->vcpu[1])->arg[2], (u64)-7000);
	assert_int_equal(vm->state, VM_RUNNING);
	assert_int_equal(vm->vcpu[0]->state, VCPU_RUNNABLE);
	assert_int_equal(vm->vcpu[1]->state, VCPU_WAIT_SIPI);
}

/* --- the end of a VM ---------------------------------------------------- */

/* v's CPU was kicked (this code runs on CPU 0, never a VM's here). */
static bool kicked(const struct vcpu *v)
{
	for (u32 i = 0; i < fake_ncalls(); i++)
		if (fake_call(i)->op == FAKE_KICK && fake_call(i)->arg[0] == v->cpu)
			return true;
	return false;
}

/* No vCPU of vm runs again: its CPUs find nothing to run. */
static void check_never_runs(const struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		vm->vcpu[i]->state = VCPU_RUNNABLE;	/* even so */
		assert_false(host_sched_turn(vm->vcpu[i]->cpu));
	}
	assert_int_equal(fake_count(FAKE_RUN, NULL), 0);
}

static void test_crash(void **state)
{
	struct vm *vm = host_vm("crashy", 2, MiB(1), BIT(15) | BIT(16), true);

	(void)state;
	vm->vcpu[1]->regs.rip = 0x1234;
	vm_crash(vm, vm->vcpu[1], "bad %s", "thing");
	assert_int_equal(vm->state, VM_CRASHED);
	assert_string_equal(vm_state_name(vm->state), "crashed");
	host_log_expect("vm crashy: crashed: bad thing (vCPU 1, RIP 0x1234)");
	assert_true(kicked(vm->vcpu[0]));
	assert_true(kicked(vm->vcpu[1]));

	/* Once only: a later crash or power-off changes nothing. */
	host_log_clear();
	vm_crash(vm, vm->vcpu[0], "again");
	vm_poweroff(vm);
	assert_int_equal(vm->state, VM_CRASHED);
	assert_string_equal(host_log(), "");
	check_never_runs(vm);
}

static void test_poweroff(void **state)
{
	struct vm *vm = host_vm("off", 1, MiB(1), BIT(17), true);

	(void)state;
	vm_poweroff(vm);
	assert_int_equal(vm->state, VM_SHUTOFF);
	host_log_expect("vm off: powered off");
	assert_true(kicked(vm->vcpu[0]));
	host_log_clear();
	vm_poweroff(vm);
	vm_crash(vm, vm->vcpu[0], "late");
	assert_string_equal(host_log(), "");
	assert_int_equal(vm->state, VM_SHUTOFF);

	/* A reboot asked for now is not carried out. */
	vm_request(vm, vm->vcpu[0], VM_REQ_REBOOT);
	vm_serve_requests(vm);
	assert_int_equal(vm->reboots, 0);
	assert_string_equal(host_log(), "");
	check_never_runs(vm);

	/* Started again, it boots afresh. */
	scribble(vm);
	fake_calls_clear();
	assert_int_equal(vm_start(vm), 0);
	check_started(vm);
}

/* --- last: the table of VMs fills up ----------------------------------- */

static void test_too_many_vms(void **state)
{
	struct config_vm c = host_config("extra", 1, PAGE_SIZE * 16, 0);
	char line[80];
	struct snapshot s;

	(void)state;
	while (vm_count() < VM_MAX)
		host_vm("filler", 1, PAGE_SIZE * 16, 0, false);
	s = snap();
	snprintf(line, sizeof(line), "vm extra: not created: lucid runs at most %d VMs", VM_MAX);
	refused(vm_create(&c, host_boot()), s, line, true);
	assert_int_equal(fake_ncalls(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_create, before_each),
		cmocka_unit_test_setup(test_create_dedicated, before_each),
		cmocka_unit_test_setup(test_refuse_bad_size, before_each),
		cmocka_unit_test_setup(test_refuse_no_ram, before_each),
		cmocka_unit_test_setup(test_refuse_no_control_structures, before_each),
		cmocka_unit_test_setup(test_refuse_placement, before_each),
		cmocka_unit_test_setup(test_start, before_each),
		cmocka_unit_test_setup(test_start_cannot_boot, before_each),
		cmocka_unit_test_setup(test_pause_parks_every_vcpu, before_each),
		cmocka_unit_test_setup(test_reboot_from_exit_handler, before_each),
		cmocka_unit_test_setup(test_crash, before_each),
		cmocka_unit_test_setup(test_poweroff, before_each),
		cmocka_unit_test_setup(test_too_many_vms, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
