/* A virtual machine: its RAM, its vCPUs and its life cycle.
 *
 *   defined --start--> running --power off, destroy--> shut off
 *                       | ^ |  ^--reboot, reset--'
 *             suspend   | | +--guest fault--> crashed
 *                       v | resume
 *                      paused --destroy--> shut off
 *
 * A VM shut off or crashed starts again from scratch.
 *
 * A VM's RAM is carved from the page allocator when it starts, zeroed, and
 * mapped only into that VM's nested page tables: nothing is shared.
 *
 * Its vCPUs may run on several CPUs at once, so a change they could see
 * (a reset, zeroing RAM) first pauses the VM: every vCPU is kicked out of
 * guest mode and parked by its own CPU, lazy registers put back; only
 * then does the change happen, on whichever CPU asked for it. Stopping a
 * VM (crash, power off) changes nothing a vCPU sees, so it only kicks.
 * An exit handler never waits for other CPUs: it requests the change,
 * and its CPU carries it out when the vCPU's slice has ended. */
#ifndef HV_VM_H
#define HV_VM_H

#include "arch/x86/vcpu_arch.h"
#include "hv/config/config.h"
#include "hv/emul/guest_mem.h"
#include "hv/loader/loader.h"
#include "hv/vdev/bus.h"
#include "hv/vdev/irq.h"
#include "hv/vdev/pci.h"
#include "hv/vdev/vdev.h"
#include "lib/spinlock.h"

#define VM_NAME_MAX 32
#define VM_MAX_VCPUS 8
#define VM_MAX CONFIG_MAX_VMS

enum vm_state { VM_DEFINED, VM_RUNNING, VM_PAUSED, VM_SHUTOFF, VM_CRASHED, VM_NR_STATES };

struct vcpu;

/* Changes asked for from inside a vCPU's slice (vm_request). */
#define VM_REQ_REBOOT (1u << 0)

#define VM_WHY_MAX 200

struct vm {
	char name[VM_NAME_MAX];
	u32 id;
	enum vm_state state;        /* changed under lock */
	struct spinlock lock;
	u32 requests;               /* VM_REQ_*, atomic */
	bool pausing;               /* vCPUs must park and not run */
	bool op_busy;               /* a CPU is carrying out a change */
	struct guest_mem mem;
	struct vcpu *vcpu[VM_MAX_VCPUS];
	u32 nvcpus;
	struct load_request boot;   /* how to (re)load the guest */
	struct io_bus ports;         /* the devices' ports */
	struct io_bus mmio;          /* and MMIO regions (not RAM) */
	struct msr_bus msrs;         /* MSRs devices serve */
	struct vm_irq irq;           /* the interrupt lines */
	struct pci_bus pci;          /* the PCI functions on bus 0 */
	struct vdev devs[VM_MAX_DEVICES];
	u32 ndevs;
	/* CPUID leaf 1 feature bits its devices offer beside lucid's view
	 * (the local APIC's), set at attach; hv/exits/cpuid.c adds them. */
	u32 cpuid1_ecx, cpuid1_edx;
	struct vm_arch arch;        /* what arch/ keeps of the VM */
	bool autostart;             /* as lucid.cfg said */
	u32 weight;                 /* lucid.cfg's, its share of a shared CPU */
	u64 cpus;                   /* the CPUs it has to itself; 0: it shares */
	u32 reboots;
	bool reboot_at_poweroff;    /* the guest's next power-off reboots it */
	char why[VM_WHY_MAX];       /* why it last stopped */
	u64 started_at;             /* host TSC when it last started */
	u64 tsc_base;               /* host TSC when it last booted: guest TSC 0 */
};

/* Creates the VM a lucid.cfg section describes (zeroed RAM, vCPUs,
 * devices), to boot as `boot` says. Returns NULL after printing why. */
struct vm *vm_create(const struct config_vm *c, const struct load_request *boot);
/* Loads the guest into zeroed RAM and makes vCPU 0 runnable. Returns 0
 * or -1 (logged). Not from inside a slice. */
int vm_start(struct vm *vm);
/* Stops the VM for good because of something the guest did; the line says
 * what, with the vCPU and RIP. Other VMs run on. */
void vm_crash(struct vm *vm, struct vcpu *v, const char *fmt, ...) __printf(3, 4);
void vm_poweroff(struct vm *vm);
/* The same, ended by the guest in a way worth a word: "powered off: why". */
void vm_poweroff_why(struct vm *vm, const char *fmt, ...) __printf(2, 3);
/* The console's controls, virsh's verbs. Each returns 0, or -1 when the
 * VM's state (a guest may change it meanwhile) does not allow it, and
 * nothing changed. Not from inside a slice.
 * suspend: running -> paused, its vCPUs out of guest mode on return;
 * resume: paused -> running; destroy: running or paused -> shut off at
 * once; reset: a running VM boots again at once, as at a reset button. */
int vm_suspend(struct vm *vm);
int vm_resume(struct vm *vm);
int vm_destroy(struct vm *vm);
int vm_reset(struct vm *vm);
/* Asks for a change (VM_REQ_*) from inside a vCPU's slice; the slice
 * ends after this exit and the change follows (vm_serve_requests). A
 * device, which does not know the vCPU, passes NULL: every vCPU of the
 * VM is kicked. */
void vm_request(struct vm *vm, struct vcpu *v, u32 req);
/* Carries out the VM's pending requests, if another CPU is not already
 * doing so. Outside any slice. */
void vm_serve_requests(struct vm *vm);
/* Whether vCPUs of the VM may enter the guest now. */
bool vm_may_run(const struct vm *vm);
const char *vm_state_name(enum vm_state s);
/* Running or paused: booted, not yet ended. */
static inline bool vm_booted(const struct vm *vm)
{
	enum vm_state s = atomic_load(&vm->state);

	return s == VM_RUNNING || s == VM_PAUSED;
}

/* All VMs, for the console. */
u32 vm_count(void);
struct vm *vm_get(u32 i);

#endif
