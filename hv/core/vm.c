/* VM objects and their life cycle (hv/core/vm.h). */
#include "hv/core/vm.h"
#include "arch/x86/guest_regs.h"
#include "hv/vdev/testdev.h"
#include "arch/x86/fpu.h"
#include "hv/mm/guest_ram.h"
#include "hv/core/sched.h"
#include "hv/core/vcpu.h"
#include "lib/fmt.h"
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

static void vm_destroy(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		fpu_vcpu_free(v);
		guest_regs_reset(v);
		virt->vcpu_free(v);
	}
	testdev_detach(vm);
	virt->vm_free(vm);
	guest_ram_free(&vm->mem);
}

struct vm *vm_create(const struct config_vm *c, const struct load_request *boot)
{
	const char *name = c->name;
	u64 memory = c->memory;
	u32 nvcpus = c->vcpus;
	struct vm *vm;
	char err[120];

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
	if (virt->vm_init(vm))
		goto nomem;
	for (u32 i = 0; i < nvcpus; i++) {
		struct vcpu *v = &vcpu_pool[vm->id * VM_MAX_VCPUS + i];

		memset(v, 0, sizeof(*v));
		v->vm = vm;
		v->id = i;
		v->state = VCPU_STOPPED;
		v->pending_irq = -1;
		vm->vcpu[vm->nvcpus++] = v;
		if (virt->vcpu_init(v) || fpu_vcpu_init(v))
			goto nomem;
	}
	if (c->testdev && testdev_attach(vm))
		goto fail;
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
 * comes with the virtual APIC). */
static int vm_boot(struct vm *vm)
{
	struct guest_entry e;
	char err[160];

	if (loader_load(&vm->mem, &vm->boot, &e, err, sizeof(err))) {
		printk("vm %s: cannot boot: %s\n", vm->name, err);
		return -1;
	}
	testdev_reset(vm);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];

		fpu_vcpu_reset(v);
		guest_regs_reset(v);
		virt->vcpu_reset(v, &e);
		v->pending_irq = -1;
		v->halted_logged = false;
		v->state = i == 0 ? VCPU_RUNNABLE : VCPU_STOPPED;
	}
	return 0;
}

int vm_start(struct vm *vm)
{
	if (vm->state == VM_RUNNING)
		return 0;
	if (vm->state != VM_DEFINED) {
		guest_ram_zero(&vm->mem);
		vm->state = VM_DEFINED;
	}
	if (vm_boot(vm))
		return -1;
	vm->state = VM_RUNNING;
	printk("vm %s: started: %llu MiB, %u vCPU%s\n", vm->name,
	       (unsigned long long)(vm->mem.size >> 20), vm->nvcpus, vm->nvcpus == 1 ? "" : "s");
	sched_add(vm->vcpu[0]);
	return 0;
}

static void stop_vcpus(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++)
		vm->vcpu[i]->state = VCPU_STOPPED;
}

void vm_crash(struct vm *vm, struct vcpu *v, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	if (vm->state != VM_RUNNING)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vm->state = VM_CRASHED;
	stop_vcpus(vm);
	printk("vm %s: crashed: %s (vCPU %u, RIP 0x%llx)\n", vm->name, why, v ? v->id : 0,
	       v ? (unsigned long long)v->regs.rip : 0ull);
}

void vm_poweroff(struct vm *vm)
{
	if (vm->state != VM_RUNNING)
		return;
	vm->state = VM_SHUTOFF;
	stop_vcpus(vm);
	printk("vm %s: powered off\n", vm->name);
}

void vm_reboot(struct vm *vm)
{
	if (vm->state != VM_RUNNING)
		return;
	vm->reboots++;
	printk("vm %s: rebooting\n", vm->name);
	guest_ram_zero(&vm->mem);
	if (vm_boot(vm)) {
		vm->state = VM_CRASHED;
		stop_vcpus(vm);
	}
}
