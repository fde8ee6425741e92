/* Device models. Each model is one file in hv/vdev/ that defines a struct
 * vdev_model and registers it with VDEV_MODEL(); a VM gets the models its
 * configuration asks for when it is created. The core names no device:
 * hv/core/vm.c calls vdev_attach_all, vdev_reset_all and vdev_free_all.
 *
 * A model's attach claims its port and MMIO regions on the VM's buses
 * (hv/vdev/bus.h). A device raises interrupts by driving a line
 * (hv/vdev/irq.h); an interrupt controller connects to the lines and
 * becomes a vCPU's interrupt source (events.src, hv/core/events.h), the
 * vCPUs' one event path. reset runs while the VM's vCPUs are parked (a
 * reboot), so it may change anything the guest sees. Whatever a device
 * registers with d->state as its key (regions, a controller, an
 * interrupt source, a PCI function) vdev_free_all takes back. */
#ifndef HV_VDEV_VDEV_H
#define HV_VDEV_VDEV_H

#include "lib/types.h"

struct vm;
struct config_vm;
struct vdev;
struct io_region;

struct vdev_model {
	const char *name;
	/* Whether the VM's configuration asks for this device. */
	bool (*wanted)(const struct config_vm *c);
	/* Creates the device's state in d->state and claims its regions.
	 * Returns 0, or -1 after printing why (what it claimed is undone by
	 * free). */
	int (*attach)(struct vdev *d);
	/* Back to the state after attach: the VM reboots. */
	void (*reset)(struct vdev *d);
	/* Gives back what it holds beyond vdev_state_alloc's pages and its
	 * regions, which vdev_free_all gives back itself. */
	void (*free)(struct vdev *d);
};

struct vdev {
	const struct vdev_model *model;
	struct vm *vm;
	void *state;		/* what its regions' callbacks get as dev */
	u32 state_pages;	/* vdev_state_alloc's */
};

#define VM_MAX_DEVICES 16

/* Registers a model: a pointer to it in the vdev_models section, which
 * linker.ld gathers into one table. */
#define VDEV_MODEL(m)                                                                 \
	static const struct vdev_model *const m##_entry                              \
		__attribute__((used, section("vdev_models"))) = &(m)

/* Gives vm every model its configuration asks for. Returns 0, or -1
 * after printing why (the devices attached so far stay, for
 * vdev_free_all). */
int vdev_attach_all(struct vm *vm, const struct config_vm *c);
void vdev_reset_all(struct vm *vm);
void vdev_free_all(struct vm *vm);
/* Zeroed pages of at least size bytes for d->state, given back by
 * vdev_free_all. Returns them, or NULL after printing why. */
void *vdev_state_alloc(struct vdev *d, size_t size);
/* A wanted() for the devices of a PC: platform = pc. */
bool vdev_platform_pc(const struct config_vm *c);
/* Claims r on d's VM's ports. Returns 0, or -1 after printing
 * "vm NAME: the WHAT 0xFIRST-0xLAST are taken" (one port: "0xPORT is
 * taken"). */
int vdev_claim_ports(struct vdev *d, const struct io_region *r, const char *what);
/* The state of vm's device of model m, or NULL if it has none. */
void *vdev_state(const struct vm *vm, const struct vdev_model *m);

#endif
