/* VM objects and their life cycle (hv/core/vm.h). */
#include "hv/core/vm.h"
#include "arch/x86/guest_regs.h"
#include "arch/x86/fpu.h"
#include "hv/core/guest_ram.h"
#include "hv/core/sched.h"
#include "hv/core/vcpu.h"
#include "hv/core/vcpu_state.h"
#include "lib/fmt.h"
#include "arch/x86/cpu.h"
#include "lib/log.h"
#include "lib/string.h"

static struct vm vms[VM_MAX];
static u32 nvms;
static struct vcpu vcpu_pool[VM_MAX * VM_MAX_VCPUS];

u32 vm_count(void)
{
	return nvms;
}

struct vm *vm_get(u32 i)
{
	return i < nvms ? &vms[i] : NULL;
}

const char *vm_state_name(enum vm_state s)
{
	static const char *const names[] = { "defined", "running", "paused", "shut off", "crashed" };

	return s < ARRAY_SIZE(names) ? names[s] : "?";
}

/* The VM's RAM, and nothing else, in its second-level tables. */
static int map_ram(struct vm *vm)
{
	for (u32 i = 0; i < vm->mem.n; i++) {
		const struct gmem_region *r = &vm->mem.r[i];

		if (virt->vm_map(&vm->arch, r->gpa, r->hpa, r->size, GPA_RWX, CACHE_WB))
			return -1;
	}
	return 0;
}

static void vm_free(struct vm *vm)
{
	sched_unplace(vm);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		fpu_vcpu_free(&v->arch);
		guest_regs_reset(&v->arch);
		virt->vcpu_free(&v->arch);
	}
	vdev_free_all(vm);
	virt->vm_free(&vm->arch);
	guest_ram_free(&vm->mem);
}

struct vm *vm_create(const struct config_vm *c, const struct load_request *boot)
{
	const char *name = c->name;
	u64 memory = c->memory;
	u32 nvcpus = c->vcpus;
	char err[120];
	struct vm *vm;

	if (nvms == VM_MAX) {
		printk("vm %s: not created: lucid runs at most %d VMs\n", name, VM_MAX);
		return NULL;
	}
	if (nvcpus == 0 || nvcpus > VM_MAX_VCPUS || !IS_ALIGNED(memory, PAGE_SIZE) || !memory) {
		printk("vm %s: not created: bad vCPU count or memory size\n", name);
		return NULL;
	}
	vm = &vms[nvms];
	memset(vm, 0, sizeof(*vm));
	strlcpy(vm->name, name, sizeof(vm->name));
	vm->id = nvms;
	vm->boot = *boot;
	vm->autostart = c->autostart;
	vm->weight = c->weight;
	if (guest_ram_alloc(&vm->mem, memory, err, sizeof(err))) {
		printk("vm %s: not created: %s\n", name, err);
		return NULL;
	}
	guest_ram_zero(&vm->mem);
	if (virt->vm_init(&vm->arch) || map_ram(vm))
		goto nomem;
	for (u32 i = 0; i < nvcpus; i++) {
		struct vcpu *v = &vcpu_pool[vm->id * VM_MAX_VCPUS + i];

		memset(v, 0, sizeof(*v));
		v->vm = vm;
		v->id = i;
		v->state = VCPU_STOPPED;
		v->arch.regs = &v->regs;
		v->arch.vm = &vm->arch;
		vm->vcpu[vm->nvcpus++] = v;
		if (virt->vcpu_init(&v->arch) || fpu_vcpu_init(&v->arch))
			goto nomem;
	}
	vm->ports.end = 0x10000;
	if (vdev_attach_all(vm, c))
		goto fail;
	if (sched_place(vm, c->cpus, err, sizeof(err))) {
		printk("vm %s: not created: %s\n", name, err);
		goto fail;
	}
	nvms++;
	return vm;
nomem:
	printk("vm %s: not created: out of memory for its control structures\n", name);
fail:
	vm_free(vm);
	return NULL;
}

/* Loads the guest into zeroed RAM and puts vCPU 0 at its entry. The other
 * vCPUs wait, as application processors do, for INIT and a start-up IPI
 * from their local APICs. The vCPUs are parked or never ran. */
static int vm_boot(struct vm *vm)
{
	struct guest_entry e;
	struct vcpu_state st;
	char err[160];

	if (loader_load(&vm->mem, &vm->boot, &e, err, sizeof(err))) {
		snprintf(vm->why, sizeof(vm->why), "cannot boot: %s", err);
		printk("vm %s: %s\n", vm->name, vm->why);
		return -1;
	}
	/* Its TSC counts from 0 at the host's rate, one clock for all its
	 * vCPUs (the devices' time is measured from tsc_base too). */
	vm->tsc_base = rdtsc();
	vdev_reset_all(vm);
	vcpu_state_from_entry(&st, &e);
	st.tsc_offset = 0 - vm->tsc_base;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];

		vcpu_reset(v, &st);
		atomic_store(&v->signals, 0);
		v->state = i == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
	}
	vm->reboot_at_poweroff = false;
	return 0;
}

bool vm_may_run(const struct vm *vm)
{
	return atomic_load(&vm->state) == VM_RUNNING && !atomic_load(&vm->pausing);
}

/* Every vCPU out of guest mode and parked by its own CPU (sched.c). */
static void park_all(struct vm *vm)
{
	atomic_store_fence(&vm->pausing, true);
	for (u32 i = 0; i < vm->nvcpus; i++)
		sched_kick(vm->vcpu[i]);
	for (u32 i = 0; i < vm->nvcpus; i++)
		while (!atomic_load(&vm->vcpu[i]->parked)) {
			sched_park_here();
			cpu_relax();
		}
}

static void unpark_all(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++)
		atomic_store(&vm->vcpu[i]->parked, false);
	atomic_store_fence(&vm->pausing, false);
	for (u32 i = 0; i < vm->nvcpus; i++)
		sched_kick(vm->vcpu[i]);
}

/* One CPU at a time changes a VM; the others leave it to that one. */
static bool op_begin(struct vm *vm)
{
	bool busy = false;

	return __atomic_compare_exchange_n(&vm->op_busy, &busy, true, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static void op_end(struct vm *vm)
{
	atomic_store(&vm->op_busy, false);
}

static void set_state(struct vm *vm, enum vm_state s)
{
	u64 flags = spin_lock_irqsave(&vm->lock);

	atomic_store(&vm->state, s);
	spin_unlock_irqrestore(&vm->lock, flags);
}

int vm_start(struct vm *vm)
{
	int rc = 0;

	while (!op_begin(vm))
		sched_park_here();
	if (vm->state == VM_RUNNING || vm->state == VM_PAUSED)
		goto out;
	park_all(vm);
	if (vm->state != VM_DEFINED)
		guest_ram_zero(&vm->mem);
	vm->reboots = 0;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		memset(vm->vcpu[i]->exits, 0, sizeof(vm->vcpu[i]->exits));
		vm->vcpu[i]->run_tsc = 0;
	}
	rc = vm_boot(vm);
	if (!rc) {
		vm->why[0] = '\0';
		vm->started_at = rdtsc();
		set_state(vm, VM_RUNNING);
		char where[4 * VM_MAX_VCPUS + 8];
		size_t n = 0;

		for (u32 i = 0; i < vm->nvcpus; i++)
			n += (size_t)snprintf(where + n, sizeof(where) - n, "%s%u", i ? "," : "",
					      vm->vcpu[i]->cpu);
		printk("vm %s: started: %llu MiB, %u vCPU%s on CPU%s %s\n", vm->name,
		       (unsigned long long)(vm->mem.size >> 20), vm->nvcpus,
		       vm->nvcpus == 1 ? "" : "s", vm->nvcpus == 1 ? "" : "s", where);
	}
	unpark_all(vm);
out:
	op_end(vm);
	return rc;
}

/* Ends the VM in state `s`, for the reason given, unless it already
 * ended; says whether it did. Its vCPUs are kicked so that none enters
 * the guest again. */
static bool vm_stop(struct vm *vm, enum vm_state s, const char *fmt, va_list ap)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	bool was_on = vm->state == VM_RUNNING || vm->state == VM_PAUSED;

	if (was_on) {
		vsnprintf(vm->why, sizeof(vm->why), fmt, ap);
		atomic_store(&vm->state, s);
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	if (was_on)
		for (u32 i = 0; i < vm->nvcpus; i++)
			sched_kick(vm->vcpu[i]);
	return was_on;
}

static bool vm_stopf(struct vm *vm, enum vm_state s, const char *fmt, ...) __printf(3, 4);
static bool vm_stopf(struct vm *vm, enum vm_state s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bool stopped = vm_stop(vm, s, fmt, ap);
	va_end(ap);
	return stopped;
}

void vm_crash(struct vm *vm, struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bool stopped = vm_stop(vm, VM_CRASHED, fmt, ap);
	va_end(ap);
	if (stopped)
		printk("vm %s: crashed: %s (vCPU %u, RIP 0x%llx)\n", vm->name, vm->why,
		       v ? v->id : 0, v ? (unsigned long long)v->regs.rip : 0ull);
}

void vm_poweroff(struct vm *vm)
{
	vm_poweroff_why(vm, "%s", "");
}

/* A power-off the console asked to turn into a reboot (`reboot VM`). */
static bool rebooting_instead(struct vm *vm)
{
	if (!__atomic_exchange_n(&vm->reboot_at_poweroff, false, __ATOMIC_ACQ_REL))
		return false;
	printk("vm %s: powered off; rebooting it, as asked\n", vm->name);
	vm_request(vm, NULL, VM_REQ_REBOOT);
	return true;
}

void vm_poweroff_why(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	if (rebooting_instead(vm))
		return;
	va_start(ap, fmt);
	bool stopped = vm_stop(vm, VM_SHUTOFF, fmt, ap);
	va_end(ap);
	if (stopped)
		printk("vm %s: powered off%s%s\n", vm->name, vm->why[0] ? ": " : "", vm->why);
}

int vm_destroy(struct vm *vm)
{
	if (!vm_stopf(vm, VM_SHUTOFF, "destroyed from the console"))
		return -1;
	printk("vm %s: destroyed\n", vm->name);
	return 0;
}

/* The vCPUs of a running VM parked and kept out (paused), or let in. */
static int pause_change(struct vm *vm, enum vm_state from, enum vm_state to)
{
	int rc = -1;

	while (!op_begin(vm))
		sched_park_here();
	if (vm->state == from) {
		park_all(vm);
		set_state(vm, to);
		unpark_all(vm);
		rc = 0;
	}
	op_end(vm);
	return rc;
}

int vm_suspend(struct vm *vm)
{
	if (pause_change(vm, VM_RUNNING, VM_PAUSED))
		return -1;
	printk("vm %s: suspended\n", vm->name);
	return 0;
}

int vm_resume(struct vm *vm)
{
	if (pause_change(vm, VM_PAUSED, VM_RUNNING))
		return -1;
	printk("vm %s: resumed\n", vm->name);
	return 0;
}

void vm_request(struct vm *vm, struct vcpu *v, u32 req)
{
	atomic_fetch_or(&vm->requests, req);
	if (v)
		sched_kick(v);
	else
		for (u32 i = 0; i < vm->nvcpus; i++)
			sched_kick(vm->vcpu[i]);
}

/* Restarts the guest: RAM zeroed, kernel reloaded, vCPUs reset. */
static void vm_reboot(struct vm *vm)
{
	if (atomic_load(&vm->state) != VM_RUNNING)
		return;
	vm->reboots++;
	printk("vm %s: rebooting\n", vm->name);
	park_all(vm);
	guest_ram_zero(&vm->mem);
	if (vm_boot(vm) && vm_stopf(vm, VM_CRASHED, "it cannot boot again"))
		printk("vm %s: crashed: it cannot boot again\n", vm->name);
	unpark_all(vm);
}

void vm_serve_requests(struct vm *vm)
{
	while (atomic_load(&vm->requests) && op_begin(vm)) {
		u32 req = atomic_xchg(&vm->requests, 0u);

		if (req & VM_REQ_REBOOT)
			vm_reboot(vm);
		op_end(vm);
	}
}

int vm_reset(struct vm *vm)
{
	if (atomic_load(&vm->state) != VM_RUNNING)
		return -1;
	vm_request(vm, NULL, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	return 0;
}
