/* A VM's PCI bus 0: the functions on it, each with its configuration
 * space, which the host bridge's configuration mechanism
 * (hv/vdev/pci_host.c) reaches. A PCI device model plugs its function in
 * at attach (pci_func_add, with d->state as its dev) and vdev_free_all
 * takes it out with the device, as it does the device's regions. Where
 * no function answers, configuration reads are all ones and writes go
 * nowhere, as on a real bus where no device claims the cycle.
 *
 * The table changes only while the VM's devices are attached or freed,
 * when no vCPU runs; each function locks its own state.
 *
 * struct pci_config is the usual shape of a function's space: 256 bytes
 * and a mask of the bits the guest may write. */
#ifndef HV_VDEV_PCI_H
#define HV_VDEV_PCI_H

#include "lib/types.h"

#define PCI_MAX_FUNCS 8
#define PCI_CONFIG_SIZE 256
#define PCI_DEVFN(dev, fn) ((u8)((dev) << 3 | (fn)))

/* Standard header offsets */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09	/* then the subclass and the class */
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e

struct vm;

struct pci_func {
	u8 devfn;	/* device << 3 | function */
	/* offset + size stays inside one aligned dword; size 1, 2 or 4 */
	u32 (*read)(void *dev, u32 offset, u8 size);
	void (*write)(void *dev, u32 offset, u8 size, u32 val);
	void *dev;
};

struct pci_bus {
	struct pci_func f[PCI_MAX_FUNCS];
	u32 n;
};

/* Plugs a function into vm's bus 0. Returns 0, or -1 after printing why
 * (its device and function are taken, or the bus is full). */
int pci_func_add(struct vm *vm, const struct pci_func *f);
/* Takes out every function whose dev is dev. */
void pci_func_remove(struct vm *vm, const void *dev);
/* A configuration access as the host bridge makes it (offset + size
 * inside one aligned dword). */
u32 pci_cfg_read(struct vm *vm, u8 bus, u8 devfn, u32 offset, u8 size);
void pci_cfg_write(struct vm *vm, u8 bus, u8 devfn, u32 offset, u8 size, u32 val);

/* A function's configuration space: its bytes (little-endian, as PCI
 * has them) and the bits the guest may change. */
struct pci_config {
	u8 b[PCI_CONFIG_SIZE];
	u8 wmask[PCI_CONFIG_SIZE];
};

u32 pci_config_read(const struct pci_config *c, u32 offset, u8 size);
/* Changes only the bits wmask lets the guest change. */
void pci_config_write(struct pci_config *c, u32 offset, u8 size, u32 val);
/* Sets the bytes of a 16- or 32-bit field, for a model's power-on state. */
void pci_config_set16(u8 *p, u16 val);
void pci_config_set32(u8 *p, u32 val);

#endif
