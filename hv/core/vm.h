/* A virtual machine: its RAM, its vCPUs and its life cycle.
 *
 *   defined --start--> running --shutdown--> shut off
 *                         |  ^--reboot--'
 *                         +--guest fault--> crashed
 *
 * A VM's RAM is carved from the page allocator when it starts, zeroed, and
 * mapped only into that VM's nested page tables: nothing is shared. */
#ifndef HV_VM_H
#define HV_VM_H

#include "hv/config/config.h"
#include "hv/emul/guest_mem.h"
#include "hv/loader/loader.h"
#include "hv/vdev/mmio_bus.h"
#include "hv/vdev/port_bus.h"

#define VM_NAME_MAX 32
#define VM_MAX_VCPUS 8
#define VM_MAX CONFIG_MAX_VMS

enum vm_state { VM_DEFINED, VM_RUNNING, VM_SHUTOFF, VM_CRASHED };

struct vcpu;

struct vm {
	char name[VM_NAME_MAX];
	u32 id;
	enum vm_state state;
	struct guest_mem mem;
	struct vcpu *vcpu[VM_MAX_VCPUS];
	u32 nvcpus;
	struct load_request boot;   /* how to (re)load the guest */
	struct port_bus ports;
	struct mmio_bus mmio;
	struct testdev *testdev;    /* NULL unless configured */
	void *arch;                 /* the back end's per-VM state */
	char console[128];          /* a partial console line */
	u32 console_len;
	u32 reboots;
};

/* Creates the VM a lucid.cfg section describes (zeroed RAM, vCPUs,
 * devices), to boot as `boot` says. Returns NULL after printing why. */
struct vm *vm_create(const struct config_vm *c, const struct load_request *boot);
/* Loads the guest and makes its vCPUs runnable. Returns 0 or -1 (logged). */
int vm_start(struct vm *vm);
/* Stops the VM for good because of something the guest did; the line says
 * what, with the vCPU and RIP. Other VMs run on. */
void vm_crash(struct vm *vm, struct vcpu *v, const char *fmt, ...) __printf(3, 4);
void vm_poweroff(struct vm *vm);
/* Restarts the guest: RAM zeroed, kernel reloaded, vCPUs reset. */
void vm_reboot(struct vm *vm);
const char *vm_state_name(enum vm_state s);

/* All VMs, for the console. */
u32 vm_count(void);
struct vm *vm_get(u32 i);

#endif
