#include "arch/x86/fpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vcpu_arch.h"
#include "hv/mm/page_alloc.h"
#include "lib/log.h"
#include "lib/string.h"

#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

#define XFEATURE_X87 (1ull << 0)
#define XFEATURE_SSE (1ull << 1)
#define XFEATURE_AVX (1ull << 2)
#define XFEATURE_AVX512 (7ull << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */
/* User state components lucid switches; the rest stay off in XCR0. */
#define XFEATURE_SWITCHED (XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX | XFEATURE_AVX512)

#define FXSAVE_SIZE 512
#define MXCSR_OFFSET 24
#define MXCSR_DEFAULT 0x1f80
#define FCW_DEFAULT 0x37f

static bool use_xsave;
static u64 host_xcr0;  /* every component lucid can save */
static u64 area_pages;

static void xsetbv(u64 v)
{
	asm volatile("xsetbv" : : "c"(0), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

int fpu_init(void)
{
	struct cpuid_regs id = cpuid(1, 0);

	if (!(id.edx & (1u << 24))) {
		printk("lucid: this CPU has no FXSAVE; guests' FPU state cannot be kept apart\n");
		return -1;
	}
	use_xsave = id.ecx & (1u << 26);
	if (use_xsave) {
		struct cpuid_regs x = cpuid(0xd, 0);

		host_xcr0 = (((u64)x.edx << 32) | x.eax) & XFEATURE_SWITCHED;
		if ((host_xcr0 & XFEATURE_AVX512) != XFEATURE_AVX512)
			host_xcr0 &= ~XFEATURE_AVX512;
	}
	fpu_cpu_init();
	/* The save area's size for the components now in XCR0. */
	area_pages = ALIGN_UP(use_xsave ? cpuid(0xd, 0).ebx : FXSAVE_SIZE, PAGE_SIZE) / PAGE_SIZE;
	return 0;
}

void fpu_cpu_init(void)
{
	u64 cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	if (use_xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	this_cpu()->xcr0 = XFEATURE_X87; /* what XCR0 means without XSAVE */
	if (use_xsave) {
		xsetbv(host_xcr0);
		this_cpu()->xcr0 = host_xcr0;
	}
}

/* Puts v's save area and XCR0 in the reset state. XSTATE_BV = 0 means
 * "initial" for every component; MXCSR is read from the legacy area
 * regardless, and FXRSTOR reads FCW and MXCSR from there too. */
static void reset_area(struct vcpu_arch *v)
{
	u8 *area = v->fpu_area;

	memset(area, 0, area_pages * PAGE_SIZE);
	*(u16 *)area = FCW_DEFAULT;
	*(u32 *)(area + MXCSR_OFFSET) = MXCSR_DEFAULT;
	v->xcr0 = XFEATURE_X87;
}

int fpu_vcpu_init(struct vcpu_arch *v)
{
	u64 pa = page_alloc(area_pages, PAGE_SIZE, PA_NO_LIMIT);

	if (!pa)
		return -1;
	v->fpu_area = (void *)(uintptr_t)pa;
	reset_area(v);
	return 0;
}

void fpu_vcpu_reset(struct vcpu_arch *v)
{
	/* A CPU that still holds v's registers would keep them: make the
	 * next entry load the area. */
	fpu_forget(v);
	reset_area(v);
}

void fpu_forget(struct vcpu_arch *v)
{
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (percpu[i].fpu_owner == v)
			percpu[i].fpu_owner = NULL;
}

void fpu_vcpu_free(struct vcpu_arch *v)
{
	fpu_forget(v);
	if (v->fpu_area)
		page_free((u64)(uintptr_t)v->fpu_area, area_pages);
	v->fpu_area = NULL;
}

static void save(void *area)
{
	if (use_xsave)
		asm volatile("xsave64 (%0)" : : "r"(area), "a"((u32)host_xcr0),
			     "d"((u32)(host_xcr0 >> 32)) : "memory");
	else
		asm volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static void restore(const void *area)
{
	if (use_xsave)
		asm volatile("xrstor64 (%0)" : : "r"(area), "a"((u32)host_xcr0),
			     "d"((u32)(host_xcr0 >> 32)) : "memory");
	else
		asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

void fpu_switch_to(struct vcpu_arch *v)
{
	struct percpu *p = this_cpu();

	if (p->fpu_owner != v) {
		if (use_xsave) {
			/* The CPU's XCR0 is the owner's as it left it (fpu.h). */
			p->xcr0 = xgetbv0();
			if (p->fpu_owner)
				p->fpu_owner->xcr0 = p->xcr0;
			/* Save and restore every component, whatever the guests
			 * chose. */
			if (p->xcr0 != host_xcr0) {
				xsetbv(host_xcr0);
				p->xcr0 = host_xcr0;
			}
		}
		if (p->fpu_owner)
			save(p->fpu_owner->fpu_area);
		restore(v->fpu_area);
		p->fpu_owner = v;
	}
	if (use_xsave && p->xcr0 != v->xcr0) {
		xsetbv(v->xcr0);
		p->xcr0 = v->xcr0;
	}
}

void fpu_put(struct vcpu_arch *v)
{
	struct percpu *p = this_cpu();

	if (p->fpu_owner != v)
		return;
	if (use_xsave) {
		v->xcr0 = xgetbv0();
		if (v->xcr0 != host_xcr0)
			xsetbv(host_xcr0);
		p->xcr0 = host_xcr0;
	}
	save(v->fpu_area);
	p->fpu_owner = NULL;
}

void fpu_set_guest_xcr0(struct vcpu_arch *v, u64 val)
{
	struct percpu *p = this_cpu();

	v->xcr0 = val;
	if (use_xsave && p->fpu_owner == v) {
		xsetbv(val);
		p->xcr0 = val;
	}
}

u64 fpu_guest_xcr0(struct vcpu_arch *v)
{
	if (use_xsave && this_cpu()->fpu_owner == v)
		return xgetbv0();
	return v->xcr0;
}

u64 fpu_guest_xfeatures(void)
{
	return use_xsave ? host_xcr0 : 0;
}

bool fpu_xcr0_valid(u64 val)
{
	if (!use_xsave || !(val & XFEATURE_X87) || (val & ~host_xcr0))
		return false;
	if ((val & XFEATURE_AVX) && !(val & XFEATURE_SSE))
		return false;
	if ((val & XFEATURE_AVX512) && ((val & XFEATURE_AVX512) != XFEATURE_AVX512 ||
					!(val & XFEATURE_AVX)))
		return false;
	return true;
}
