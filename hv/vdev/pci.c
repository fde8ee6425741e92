/* A VM's PCI bus 0 (pci.h). */
#include "hv/vdev/pci.h"
#include "hv/core/vm.h"
#include "lib/log.h"

static const struct pci_func *find(const struct vm *vm, u8 bus, u8 devfn)
{
	if (bus != 0)		/* no bridges: bus 0 is the only one */
		return NULL;
	for (u32 i = 0; i < vm->pci.n; i++)
		if (vm->pci.f[i].devfn == devfn)
			return &vm->pci.f[i];
	return NULL;
}

int pci_func_add(struct vm *vm, const struct pci_func *f)
{
	if (find(vm, 0, f->devfn)) {
		printk("vm %s: PCI 00:%02x.%u is taken\n", vm->name, f->devfn >> 3, f->devfn & 7);
		return -1;
	}
	if (vm->pci.n == PCI_MAX_FUNCS) {
		printk("vm %s: more than %d PCI functions\n", vm->name, PCI_MAX_FUNCS);
		return -1;
	}
	vm->pci.f[vm->pci.n++] = *f;
	return 0;
}

void pci_func_remove(struct vm *vm, const void *dev)
{
	u32 n = 0;

	for (u32 i = 0; i < vm->pci.n; i++)
		if (vm->pci.f[i].dev != dev)
			vm->pci.f[n++] = vm->pci.f[i];
	vm->pci.n = n;
}

u32 pci_cfg_read(struct vm *vm, u8 bus, u8 devfn, u32 offset, u8 size)
{
	const struct pci_func *f = find(vm, bus, devfn);

	return (u32)((f ? f->read(f->dev, offset, size) : ~0u) & BYTES_MASK(size));
}

void pci_cfg_write(struct vm *vm, u8 bus, u8 devfn, u32 offset, u8 size, u32 val)
{
	const struct pci_func *f = find(vm, bus, devfn);

	if (f)
		f->write(f->dev, offset, size, (u32)(val & BYTES_MASK(size)));
}

u32 pci_config_read(const struct pci_config *c, u32 offset, u8 size)
{
	u32 val = 0;

	for (u8 i = 0; i < size; i++)
		val |= (u32)c->b[offset + i] << (8 * i);
	return val;
}

void pci_config_write(struct pci_config *c, u32 offset, u8 size, u32 val)
{
	for (u8 i = 0; i < size; i++) {
		u8 m = c->wmask[offset + i];

		c->b[offset + i] = (u8)((c->b[offset + i] & ~m) | ((val >> (8 * i)) & m));
	}
}

void pci_config_set16(u8 *p, u16 val)
{
	p[0] = (u8)val;
	p[1] = (u8)(val >> 8);
}

void pci_config_set32(u8 *p, u32 val)
{
	pci_config_set16(p, (u16)val);
	pci_config_set16(p + 2, (u16)(val >> 16));
}
