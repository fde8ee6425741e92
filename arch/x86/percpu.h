/* Per-CPU data. Each physical CPU has one struct percpu, found through the
 * GS base, so code never needs a global "current" anything. The layout of
 * the first field is fixed: GS:0 holds the struct's own address. */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include "lib/types.h"

#define MAX_CPUS 64
#define NO_CPU 0xffffffffu	/* a CPU index that names none */
#define STACK_SIZE (16 * 1024)

/* Exceptions that must never run on a possibly broken stack get their own
 * (Interrupt Stack Table) stacks. */
enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3, IST_COUNT = 3 };

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "TSS layout");
_Static_assert(__builtin_offsetof(struct tss, ist) == 36, "TSS layout");

struct stack_range {
	u64 bottom; /* lowest usable byte */
	u64 top;    /* one past the highest */
};

struct vcpu_arch;

struct percpu {
	struct percpu *self;
	u32 index;       /* 0 = the boot CPU */
	u32 apic_id;
	u64 gdt[5];      /* null, code, data, TSS (two slots) */
	struct tss tss;
	struct stack_range stack;            /* the CPU's normal stack */
	struct stack_range ist[IST_COUNT + 1]; /* [IST_DF..IST_MC] */
	bool in_exception; /* catches a fault inside the fault handler */
	bool online;       /* set by the CPU itself once it runs lucid's loop */

	/* Scheduling (hv/core/sched.c): set by the timer interrupt. */
	volatile bool need_resched;
	volatile u64 ticks;
	/* Whose FPU/SSE/AVX registers are live in this CPU (arch/x86/fpu.c). */
	struct vcpu_arch *fpu_owner;
	struct vcpu_arch *regs_owner;	/* whose DR0-DR3 and TSC_AUX it holds */
	u64 xcr0;
	/* The virtualisation back end's own per-CPU state. */
	void *virt;
};

extern struct percpu percpu[MAX_CPUS];

#ifdef LUCID_HOST_TEST
/* The host unit tests run in a process without lucid's GS base: a test
 * sets which CPU's struct the code it calls runs on. */
extern struct percpu *host_test_cpu;

static inline struct percpu *this_cpu(void)
{
	return host_test_cpu;
}
#else
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}
#endif

#endif
