/* Single instructions as inline functions, for 32- and 64-bit guests. */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include "guest.h"

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)

#define CR4_TSD        (1u << 2)
#define CR4_DE         (1u << 3)
#define CR4_PSE        (1u << 4)
#define CR4_PAE        (1u << 5)
#define CR4_PGE        (1u << 7)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_VMXE       (1u << 13)
#define CR4_OSXSAVE    (1u << 18)

#define EFL_TF   (1u << 8)
#define EFL_IF   (1u << 9)
#define EFL_RF   (1u << 16)
#define EFL_DF   (1u << 10)
#define EFL_IOPL (3u << 12)
#define EFL_VM   (1u << 17)
#define EFL_AC   (1u << 18)

#define MSR_EFER        0xc0000080u
#define MSR_STAR        0xc0000081u
#define MSR_FS_BASE     0xc0000100u
#define MSR_TSC_AUX     0xc0000103u
#define MSR_VM_CR       0xc0010114u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define MSR_SYSENTER_CS 0x174u
#define EFER_LME  (1u << 8)
#define EFER_LMA  (1u << 10)
#define EFER_NXE  (1u << 11)
#define EFER_SVME (1u << 12)

/* Vectors. */
#define X86_DE 0
#define X86_DB 1
#define X86_BP 3
#define X86_UD 6
#define X86_NM 7
#define X86_DF 8
#define X86_GP 13
#define X86_PF 14
#define X86_MF 16
#define X86_AC 17
#define X86_XM 19

struct cpuid {
	u32 a, b, c, d;
};

static inline struct cpuid cpuid2(u32 leaf, u32 sub)
{
	struct cpuid r;

	asm volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(sub));
	return r;
}

static inline struct cpuid cpuid(u32 leaf)
{
	return cpuid2(leaf, 0);
}

/* Highest extended leaf, then whether 0x80000001 has the bit. */
static inline bool cpuid_ext_edx(u32 bit)
{
	return cpuid(0x80000000).a >= 0x80000001 && (cpuid(0x80000001).d >> bit & 1);
}

static inline bool cpuid_ext_ecx(u32 bit)
{
	return cpuid(0x80000000).a >= 0x80000001 && (cpuid(0x80000001).c >> bit & 1);
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline u64 xgetbv(u32 xcr)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return (u64)hi << 32 | lo;
}

static inline void xsetbv(u32 xcr, u64 v)
{
	asm volatile("xsetbv" : : "c"(xcr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* Debug registers. DR6 reads with its fixed bits set (DR6_FIXED); DR7
 * with bit 10 set. */
#define DR6_FIXED 0xffff0ff0ul
#define DR6_B0    (1ul << 0)
#define DR6_BD    (1ul << 13)
#define DR6_BS    (1ul << 14)
#define DR7_FIXED 0x400ul
#define DR7_GD    (1ul << 13)

/* read_crN/write_crN, read_drN/write_drN. */
#define DEFINE_MOV_REG(r, n)                                                \
	static inline uptr read_##r##n(void)                                \
	{                                                                   \
		uptr v;                                                     \
		asm volatile("mov %%" #r #n ", %0" : "=r"(v));              \
		return v;                                                   \
	}                                                                   \
	static inline void write_##r##n(uptr v)                             \
	{                                                                   \
		asm volatile("mov %0, %%" #r #n : : "r"(v) : "memory");     \
	}
DEFINE_MOV_REG(cr, 0)
DEFINE_MOV_REG(cr, 2)
DEFINE_MOV_REG(cr, 3)
DEFINE_MOV_REG(cr, 4)
#ifdef __x86_64__
DEFINE_MOV_REG(cr, 8)
#endif
DEFINE_MOV_REG(dr, 0)
DEFINE_MOV_REG(dr, 1)
DEFINE_MOV_REG(dr, 2)
DEFINE_MOV_REG(dr, 3)
DEFINE_MOV_REG(dr, 6)
DEFINE_MOV_REG(dr, 7)
#undef DEFINE_MOV_REG

static inline uptr read_flags(void)
{
	uptr f;

	asm volatile("pushf; pop %0" : "=r"(f));
	return f;
}

static inline void write_flags(uptr f)
{
	asm volatile("push %0; popf" : : "r"(f) : "memory", "cc");
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline void invlpg(uptr va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void cli(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void sti(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void hlt(void)
{
	asm volatile("hlt" : : : "memory");
}

#endif
