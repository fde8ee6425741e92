/* A VM's interrupt lines (irq.h). */
#include "hv/vdev/irq.h"
#include "hv/core/vm.h"
#include "lib/log.h"

int irq_controller_add(struct vm *vm, const struct irq_controller *c)
{
	if (vm->irq.nctl == VM_IRQ_CONTROLLERS) {
		printk("vm %s: more than %d interrupt controllers\n", vm->name, VM_IRQ_CONTROLLERS);
		return -1;
	}
	vm->irq.ctl[vm->irq.nctl++] = *c;
	return 0;
}

void irq_controller_remove(struct vm *vm, const void *ctl)
{
	u32 n = 0;

	for (u32 i = 0; i < vm->irq.nctl; i++)
		if (vm->irq.ctl[i].ctl != ctl)
			vm->irq.ctl[n++] = vm->irq.ctl[i];
	vm->irq.nctl = n;
}

void irq_set(struct vm *vm, u32 line, bool level)
{
	for (u32 i = 0; i < vm->irq.nctl; i++)
		if (line < vm->irq.ctl[i].lines)
			vm->irq.ctl[i].set(vm->irq.ctl[i].ctl, line, level);
}

void irq_pulse(struct vm *vm, u32 line)
{
	irq_set(vm, line, true);
	irq_set(vm, line, false);
}

void irq_eoi(struct vm *vm, u8 vector)
{
	for (u32 i = 0; i < vm->irq.nctl; i++)
		if (vm->irq.ctl[i].eoi)
			vm->irq.ctl[i].eoi(vm->irq.ctl[i].ctl, vector);
}
