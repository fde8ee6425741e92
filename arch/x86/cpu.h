/* Thin wrappers around x86 instructions that C cannot express. */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include "lib/types.h"

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

#ifdef LUCID_HOST_TEST
/* The host unit tests set the clock. */
u64 rdtsc(void);
#else
static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
#endif

#define DEFINE_CR(n)                                                        \
	static inline u64 read_cr##n(void)                                  \
	{                                                                   \
		u64 v;                                                      \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));               \
		return v;                                                   \
	}                                                                   \
	static inline void write_cr##n(u64 v)                               \
	{                                                                   \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");      \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline u64 read_dr6(void)
{
	u64 v;

	asm volatile("mov %%db6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(u64 v)
{
	asm volatile("mov %0, %%db6" : : "r"(v));
}

static inline void write_dr7(u64 v)
{
	asm volatile("mov %0, %%db7" : : "r"(v) : "memory");
}

static inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

#define DEFINE_IN(insn, type)                                               \
	static inline type insn(u16 port)                                   \
	{                                                                   \
		type v;                                                     \
		asm volatile(#insn " %1, %0" : "=a"(v) : "Nd"(port));       \
		return v;                                                   \
	}
DEFINE_IN(inb, u8)
DEFINE_IN(inw, u16)
DEFINE_IN(inl, u32)
#undef DEFINE_IN

static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }
static inline void irq_disable(void) { asm volatile("cli" ::: "memory"); }
#ifdef LUCID_HOST_TEST
/* The host unit tests run in a process, which may not open interrupts:
 * they provide this, and deliver the interrupts they made wait. */
void irq_window(void);
#else
/* Interrupts on for one instruction: the CPU delivers those that wait. */
static inline void irq_window(void) { asm volatile("sti; nop; cli" ::: "memory"); }
#endif
static inline void invlpg(u64 va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }

/* Stops this CPU for good: interrupts off, halt forever (an NMI may wake
 * it; it halts again). */
static inline __noreturn void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}

#define MSR_TSC 0x10
#define MSR_APIC_BASE 0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define FC_LOCKED (1ull << 0)
#define FC_VMX_OUTSIDE_SMX (1ull << 2)
/* The VMX capability MSRs are in arch/x86/vmx/vmcs.h. */
#define MSR_PAT 0x277
#define PAT_POWER_ON 0x0007040600070406ull	/* WB, WT, UC-, UC, twice */
#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_TSC_AUX 0xc0000103
#define MSR_VM_CR 0xc0010114

/* Architectural register bits, for lucid's own state and its guests'. */
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EFER_SVME (1ull << 12)
#define EFER_FFXSR (1ull << 14)
#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_NW (1ull << 29)	/* with CD: caching off, as after RESET */
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_PCE (1ull << 8)
#define CR4_LA57 (1ull << 12)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_PKE (1ull << 22)
#define CR4_CET (1ull << 23)
/* A change to any of these drops the TLB's entries, global ones too. */
#define CR4_TLB_BITS (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | CR4_PKE | \
		      CR4_LA57)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_VM (1ull << 17)
#define RFLAGS_AC (1ull << 18)
#define DR6_BP_HITS 0xfull	/* B0-B3: the #DB came from DR0-DR3 */
#define DR6_BD (1ull << 13)	/* the #DB was DR7.GD's: a MOV DR */
#define DR6_BS (1ull << 14)	/* the #DB was a single step */
#define DR6_INIT 0xffff0ff0ull	/* DR6 at reset: no cause recorded */
#define DR7_ENABLES 0xffull	/* L0/G0-L3/G3 */
#define DR7_GD (1ull << 13)	/* general detect: a MOV DR raises #DB */
#define DR7_INIT 0x400ull	/* DR7 at reset: nothing enabled */

/* The first of a PAT value's eight fields (PA0-PA7) that holds no memory
 * type (2, 3 and above 7 are reserved), or 8 if all do: WRMSR raises #GP,
 * and VM entry refuses the guest, for such a value. */
static inline u32 pat_bad_field(u64 pat)
{
	u32 k;

	for (k = 0; k < 8; k++) {
		u8 type = (u8)(pat >> 8 * k);
		if (type == 2 || type == 3 || type > 7)
			break;
	}
	return k;
}

#endif
