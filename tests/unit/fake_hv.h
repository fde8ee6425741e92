/* The generic hypervisor (hv/core, hv/exits, hv/vdev) on the host, for
 * cmocka tests: a fake virtualisation back end behind the real struct
 * virt_ops, stubs for what hv/ needs from arch/, and a machine of made-up
 * CPUs whose RAM comes from the real page allocator.
 *
 * The fake back end runs no guest. Each vCPU has a script, a list of exits
 * that vcpu_run hands out one at a time; a vCPU that runs past its script
 * fails the test. Every call generic code makes into the back end or arch/
 * is recorded (what, for which vCPU, on which CPU, with which arguments),
 * so a test checks what lucid asked the hardware to do.
 *
 * lucid identity-maps RAM, so a physical address is a pointer: the made-up
 * memory map is one usable range, an aligned host buffer, as in
 * test_guest_ram.c. The back end's own objects (the fake's per-VM and
 * per-vCPU state, the FPU save areas) are pages of that allocator too,
 * as a VMCB is, so page_alloc_free_pages() shows any leak. */
#ifndef TESTS_UNIT_FAKE_HV_H
#define TESTS_UNIT_FAKE_HV_H

#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/virt.h"
#include "hv/core/vcpu.h"
#include "hv/core/vm.h"

/* --- the machine (fake_env.c) ---------------------------------------- */

#define HOST_ARENA_SIZE MiB(64)

/* Makes a machine of ncpus online CPUs, this code running as CPU 0, with
 * the page allocator over a fresh arena, and starts capturing the log.
 * For a test binary's group setup; returns 0 or -1 (cmocka's way). */
int host_init(u32 ncpus);
/* The CPU this_cpu() says the code runs on. */
void host_set_cpu(u32 cpu);
/* How many CPUs cpus_online() reports. */
void host_set_online(u32 ncpus);

/* The host's time of day (hv/host/wallclock.h), in microseconds since
 * 1970: it stays where a test sets it (at first 2026-12-05 21:48:20). */
void host_set_wallclock_us(u64 us);

/* Each test starts on CPU 0 with no calls recorded and an empty log. */
void host_test_start(void);

/* A running VM made by hand, not by vm_create: no RAM, no devices, not
 * placed; its n vCPUs (v[0..n-1]) runnable on CPU 0 with the back end's
 * state made. For tests of what needs no more. */
void host_hand_vm(struct vm *vm, struct vcpu *v, u32 n, const char *name);
/* Gives the back end's state of its vCPUs back. */
void host_hand_vm_free(struct vm *vm);

/* The log as printk writes it. Each test clears it first. */
void host_log_clear(void);
/* Everything printed since the last clear. */
const char *host_log(void);
/* How many lines printed since the last clear are exactly `line`. */
u32 host_log_count(const char *line);
/* Fails the test, showing the log, unless `line` was printed exactly once. */
void host_log_expect(const char *line);

/* The kernel every VM made here boots: a flat protected-mode image. */
#define HOST_KERNEL_AT 0x2000ull
extern const u8 host_kernel[16];
/* lucid.cfg's section for a VM: vcpus, memory bytes, `cpus =` (0: shared);
 * platform = none: no devices but those the test asks for. */
struct config_vm host_config(const char *name, u32 vcpus, u64 memory, u64 cpus);
/* The boot request of host_kernel. */
const struct load_request *host_boot(void);
/* A VM as lucid.cfg makes one (sched_dedicate, then vm_create), which
 * must succeed; with `start`, vm_start too. Recorded calls and the log
 * are cleared after. */
struct vm *host_vm(const char *name, u32 vcpus, u64 memory, u64 cpus, bool start);
/* The same with the PC's devices (platform = pc), time-shared. */
struct vm *host_pc_vm(const char *name, u32 vcpus, u64 memory, bool start);

/* --- the scheduler's own pieces (fake_sched.c) ----------------------- */

/* One turn of `cpu`'s scheduler loop, run as that CPU (hv/core/sched.c:
 * the console on CPU 0, parking, one slice, the VM's requests). Says
 * whether a vCPU ran. */
bool host_sched_turn(u32 cpu);
/* How many vCPUs are placed on cpu. */
u32 host_sched_queued(u32 cpu);
/* The least virtual run time of cpu's queue (its minimum). */
u64 host_sched_min_vruntime(u32 cpu);
/* Forgets every placement and every dedicated CPU, for tests that make
 * their VMs by hand. */
void host_sched_reset(void);

/* --- recorded calls (fake_virt.c, fake_arch.c) ----------------------- */

enum fake_op {
	FAKE_VM_INIT, FAKE_VM_FREE,
	FAKE_MAP,		/* arg: gpa, hpa, size, rights */
	FAKE_UNMAP,		/* arg: gpa, size */
	FAKE_VCPU_INIT, FAKE_VCPU_FREE,
	FAKE_VCPU_RESET,	/* arg: rip, cr0, tsc_offset */
	FAKE_LOAD, FAKE_PUT, FAKE_FLUSH_TLB, FAKE_RUN,
	FAKE_INJECT,		/* arg: vector, has_error, error, type */
	FAKE_WINDOWS,		/* arg: nmi, intr */
	FAKE_SET_MSR,		/* arg: msr, value */
	FAKE_SET_CR,		/* arg: cr, value */
	FAKE_SET_DR,		/* arg: dr, value */
	FAKE_SET_CR2,		/* arg: cr2 */
	FAKE_FPU_SWITCH, FAKE_FPU_PUT, FAKE_FPU_RESET,
	FAKE_REGS_SWITCH, FAKE_REGS_PUT, FAKE_REGS_RESET,
	FAKE_KICK,		/* arg: the kicked CPU */
	FAKE_CONSOLE_POLL,
	FAKE_TIMER,		/* the LAPIC timer set up; arg: vector */
	FAKE_TIMER_ARM,		/* and started; arg: TSC cycles from now */
	FAKE_EOI,
	FAKE_SET_HANDLER,	/* arg: vector */
	FAKE_IRQ_WINDOW,	/* arg: the vector delivered, 0 if none waited */
	NR_FAKE_OPS
};

struct fake_call {
	enum fake_op op;
	const struct vcpu *v;	/* NULL where the call names no vCPU */
	const struct vm *vm;
	u32 cpu;		/* this_cpu()->index when it was made */
	u64 arg[4];
};

#define FAKE_MAX_CALLS 8192

/* Records a call (for the fakes themselves). */
void fake_record(enum fake_op op, const struct vcpu *v, const struct vm *vm, u64 a0, u64 a1,
		 u64 a2, u64 a3);
void fake_calls_clear(void);
u32 fake_ncalls(void);
const struct fake_call *fake_call(u32 i);
/* Calls of op for v (any vCPU, or none, if v is NULL). */
u32 fake_count(enum fake_op op, const struct vcpu *v);
/* The index of the first or last such call, or -1. */
int fake_first(enum fake_op op, const struct vcpu *v);
int fake_last(enum fake_op op, const struct vcpu *v);
/* The last such call, which must exist. */
const struct fake_call *fake_last_call(enum fake_op op, const struct vcpu *v);

/* --- scripts and the fake's vCPU state (fake_virt.c) ----------------- */

/* One exit of a script. */
struct fake_exit {
	struct exit_record x;
	/* What the guest did before it exited (set registers), or NULL. */
	void (*guest)(struct vcpu *v, const void *arg);
	const void *arg;
	bool tick;	/* the CPU's timer fires during this run */
};

#define FAKE_SCRIPT_MAX 32
#define FAKE_MAX_MAPS 32

/* The back end's copy of a vCPU: what a VMCB would hold. */
struct fake_vcpu {
	struct fake_exit script[FAKE_SCRIPT_MAX];
	u32 nscript, next;
	u64 cr[5];
	u64 efer, pat, tsc;
	u64 dr6, dr7;
	struct guest_seg seg[NR_SEGS];
	bool can_take_nmi, can_take_intr;
	bool nmi_window, intr_window;
};

/* The back end's copy of a VM: its second-level mappings. */
struct fake_vm {
	struct fake_map {
		u64 gpa, hpa, size;
		u32 rights;
		enum cache_type type;
	} map[FAKE_MAX_MAPS];
	u32 nmaps;
};

struct fake_vm *fake_vm(const struct vm *vm);
struct fake_vcpu *fake_vcpu(const struct vcpu *v);
/* The vCPU or VM whose arch/ part (arch/x86/vcpu_arch.h) the fakes of
 * the back end and of arch/ are handed. */
struct vcpu *fake_vcpu_of(const struct vcpu_arch *a);
struct vm *fake_vm_of(const struct vm_arch *a);
/* Appends an exit to v's script. */
void fake_script(struct vcpu *v, const struct fake_exit *e);
/* Appends a plain exit of this reason, in 64-bit code, at a 2-byte
 * instruction. */
#define FAKE_INSN_LEN 2
void fake_script_reason(struct vcpu *v, enum exit_reason r, bool tick);
/* Exits of v's script not yet run. */
u32 fake_script_left(const struct vcpu *v);

/* Failures a test asks for; each is cleared when it has happened. */
struct fake_faults {
	bool vm_init;
	u32 vm_map;		/* the n-th vm_map from now (1 = the next) fails */
	u32 vcpu_init;		/* the n-th vcpu_init from now (1 = the next) fails */
	u32 fpu_init;		/* likewise fpu_vcpu_init */
	bool get_msr, set_msr;	/* every call fails while set */
	bool no_tsc_aux;	/* the machine has no RDTSCP: TSC_AUX gives #GP */
};
extern struct fake_faults fake_fail;

/* The host's TSC, which the tests move; it runs at FAKE_TSC_HZ. */
#define FAKE_TSC_HZ 1000000000ull
extern u64 fake_tsc;

/* The interrupt handler sched_init (or anything else) installed. */
irq_handler_fn fake_handler(u8 vector);
/* An interrupt for lucid arrives at cpu; as with IF clear, it waits until
 * lucid opens interrupts there (irq_window), then goes to its handler. */
void fake_host_irq(u32 cpu, u8 vector);

#endif
