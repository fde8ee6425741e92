/* VM objects and their life cycle (hv/core/vm.h). */
#include "hv/core/vm.h"
#include "arch/x86/guest_regs.h"
#include "arch/x86/fpu.h"
#include "hv/core/guest_ram.h"
#include "hv/core/sched.h"
#include "hv/core/vcpu.h"
#include "hv/core/vcpu_state.h"
#include "hv/exits/hypercall.h"
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
	static const char *const names[] = { "defined", "running", "shut off", "crashed" };

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

static void vm_destroy(struct vm *vm)
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
	vm_destroy(vm);
	return NULL;
}

/* Loads the guest into zeroed RAM and puts vCPU 0 at its entry. The other
 * vCPUs wait, as application processors do, for a start-up signal (which
 * comes with the virtual APIC). The vCPUs are parked or never ran. */
static int vm_boot(struct vm *vm)
{
	struct guest_entry e;
	struct vcpu_state st;
	char err[160];

	if (loader_load(&vm->mem, &vm->boot, &e, err, sizeof(err))) {
		printk("vm %s: cannot boot: %s\n", vm->name, err);
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

		hypercall_console_end(v);
		fpu_vcpu_reset(&v->arch);
		guest_regs_reset(&v->arch);
		virt->vcpu_reset(&v->arch, &st);
		events_reset(&v->events);
		fetch_tlb_flush(&v->fetch_tlb);
		v->windows = 0;
		v->halted_logged = false;
		v->state = i == 0 ? VCPU_RUNNABLE : VCPU_STOPPED;
	}
	return 0;
}

bool vm_may_run(const struct vm *vm)
{
	return atomic_load(&vm->state) == VM_RUNNING && !atomic_load(&vm->pausing);
}

/* Every vCPU out of guest mode and parked by its own CPU (sched.c). */
static void vm_pause(struct vm *vm)
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

static void vm_resume(struct vm *vm)
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
	if (vm->state == VM_RUNNING)
		goto out;
	vm_pause(vm);
	if (vm->state != VM_DEFINED)
		guest_ram_zero(&vm->mem);
	rc = vm_boot(vm);
	if (!rc) {
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
	vm_resume(vm);
out:
	op_end(vm);
	return rc;
}

/* Ends the VM in state `s` unless it already ended; says whether it did.
 * Its vCPUs are kicked so that none enters the guest again. */
static bool vm_stop(struct vm *vm, enum vm_state s)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	bool was_running = vm->state == VM_RUNNING;

	if (was_running)
		atomic_store(&vm->state, s);
	spin_unlock_irqrestore(&vm->lock, flags);
	if (was_running)
		for (u32 i = 0; i < vm->nvcpus; i++)
			sched_kick(vm->vcpu[i]);
	return was_running;
}

void vm_crash(struct vm *vm, struct vcpu *v, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (vm_stop(vm, VM_CRASHED))
		printk("vm %s: crashed: %s (vCPU %u, RIP 0x%llx)\n", vm->name, why, v ? v->id : 0,
		       v ? (unsigned long long)v->regs.rip : 0ull);
}

void vm_poweroff(struct vm *vm)
{
	if (vm_stop(vm, VM_SHUTOFF))
		printk("vm %s: powered off\n", vm->name);
}

void vm_poweroff_why(struct vm *vm, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (vm_stop(vm, VM_SHUTOFF))
		printk("vm %s: powered off: %s\n", vm->name, why);
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
	vm_pause(vm);
	guest_ram_zero(&vm->mem);
	if (vm_boot(vm) && vm_stop(vm, VM_CRASHED))
		printk("vm %s: crashed: it cannot boot again\n", vm->name);
	vm_resume(vm);
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
