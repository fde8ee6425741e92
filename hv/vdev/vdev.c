#include "hv/vdev/vdev.h"
#include "hv/config/config.h"
#include "hv/core/vcpu.h"
#include "hv/core/vm.h"
#include "hv/mm/page_alloc.h"
#include "lib/log.h"
#include "lib/string.h"

extern const struct vdev_model *const __start_vdev_models[], *const __stop_vdev_models[];

int vdev_attach_all(struct vm *vm, const struct config_vm *c)
{
	for (const struct vdev_model *const *m = __start_vdev_models; m < __stop_vdev_models; m++) {
		struct vdev *d;

		if (!(*m)->wanted(c))
			continue;
		if (vm->ndevs == VM_MAX_DEVICES) {
			printk("vm %s: more than %d devices\n", vm->name, VM_MAX_DEVICES);
			return -1;
		}
		d = &vm->devs[vm->ndevs++];
		*d = (struct vdev){ *m, vm, NULL, 0 };
		if ((*m)->attach(d))
			return -1;
	}
	return 0;
}

void vdev_reset_all(struct vm *vm)
{
	for (u32 i = 0; i < vm->ndevs; i++)
		if (vm->devs[i].model->reset)
			vm->devs[i].model->reset(&vm->devs[i]);
}

void vdev_free_all(struct vm *vm)
{
	for (u32 i = vm->ndevs; i-- > 0;) {
		struct vdev *d = &vm->devs[i];

		io_bus_unregister(&vm->ports, d->state);
		io_bus_unregister(&vm->mmio, d->state);
		msr_bus_unregister(&vm->msrs, d->state);
		irq_controller_remove(vm, d->state);
		if (vm->irq.extint && vm->irq.extint->ctl == d->state)
			vm->irq.extint = NULL;
		pci_func_remove(vm, d->state);
		for (u32 k = 0; k < vm->nvcpus; k++)
			if (vm->vcpu[k]->events.src && vm->vcpu[k]->events.src->ctl == d->state)
				vm->vcpu[k]->events.src = NULL;
		if (d->model->free)
			d->model->free(d);
		if (d->state_pages)
			page_free((u64)(uintptr_t)d->state, d->state_pages);
		d->state = NULL;
	}
	vm->ndevs = 0;
}

void *vdev_state_alloc(struct vdev *d, size_t size)
{
	u32 pages = (u32)(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);
	u64 pa = page_alloc(pages, PAGE_SIZE, PA_NO_LIMIT);

	if (!pa) {
		printk("vm %s: no memory for the %s device\n", d->vm->name, d->model->name);
		return NULL;
	}
	d->state = (void *)(uintptr_t)pa;
	d->state_pages = pages;
	memset(d->state, 0, (size_t)pages * PAGE_SIZE);
	return d->state;
}

bool vdev_platform_pc(const struct config_vm *c)
{
	return c->platform == CONFIG_PLATFORM_PC;
}

int vdev_claim_ports(struct vdev *d, const struct io_region *r, const char *what)
{
	if (!io_bus_register(&d->vm->ports, r))
		return 0;
	if (r->size == 1)
		printk("vm %s: the %s 0x%x is taken\n", d->vm->name, what, (u32)r->base);
	else
		printk("vm %s: the %s 0x%x-0x%x are taken\n", d->vm->name, what, (u32)r->base,
		       (u32)(r->base + r->size - 1));
	return -1;
}

void *vdev_state(const struct vm *vm, const struct vdev_model *m)
{
	for (u32 i = 0; i < vm->ndevs; i++)
		if (vm->devs[i].model == m)
			return vm->devs[i].state;
	return NULL;
}
