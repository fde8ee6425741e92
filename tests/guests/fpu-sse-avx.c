/* fpu-sse-avx: lucid keeps each VM's x87, SSE and AVX registers its own.
 * Two VMs run this guest at once with different seeds (seed=N on the
 * command line). Each loads x87 st0-7, the control and status words,
 * MXCSR, xmm0-15 and, where CPUID offers AVX and XCR0 takes it, the upper
 * halves of ymm0-15 with its seed's pattern, then repeatedly leaves the
 * CPU through hypercalls (rounds=N, default 500, ten calls each) and spins
 * a little, and checks that nothing changed. (Off lucid, CPUID is the
 * exit, so that the guest can be tried on plain QEMU.) The state is loaded and saved
 * with FXRSTOR/FXSAVE or XRSTOR/XSAVE around asm that touches only general
 * registers, so the compiler's own SSE use in between does not matter.
 * Long mode. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

#define XCR0_AVX 7ull /* x87 | SSE | AVX */

/* The legacy area of FXSAVE/XSAVE. */
#define OFF_FCW   0
#define OFF_FSW   2
#define OFF_FTW   4
#define OFF_MXCSR 24
#define OFF_ST    32  /* 8 x 16 bytes, 10 used */
#define OFF_XMM   160 /* 16 x 16 bytes */
#define OFF_XSTATE_BV 512

static u8 ref[4096] __aligned(64), got[4096] __aligned(64);
static bool use_xsave;
static u32 ymm_off; /* offset of the YMM_Hi128 component, 0 if none */

static void fill(u32 seed)
{
	u32 x = seed * 0x9e3779b9u + 1;

	memset(ref, 0, sizeof(ref));
	*(u16 *)(ref + OFF_FCW) = 0x037f;
	*(u16 *)(ref + OFF_FTW) = 0xff;     /* abridged: all eight registers valid */
	*(u32 *)(ref + OFF_MXCSR) = 0x1f80;
	for (u32 i = 0; i < 8; i++) {
		for (u32 b = 0; b < 10; b++)
			ref[OFF_ST + 16 * i + b] = (u8)((x = lcg_next(x)) >> 24);
	}
	for (u32 i = 0; i < 16 * 16; i++)
		ref[OFF_XMM + i] = (u8)((x = lcg_next(x)) >> 24);
	if (ymm_off) {
		*(u64 *)(ref + OFF_XSTATE_BV) = XCR0_AVX;
		for (u32 i = 0; i < 16 * 16; i++)
			ref[ymm_off + i] = (u8)((x = lcg_next(x)) >> 24);
	}
}

/* Load ref, leave the CPU `calls` times, save into got. The exit is a
 * hypercall under lucid, CPUID elsewhere (so that plain QEMU runs it too). */
static void run_round(u32 calls)
{
	u32 amd = cpu_amd, hc = on_lucid;

	if (use_xsave)
		asm volatile("xrstor %0" : : "m"(ref), "a"(-1), "d"(-1) : "memory");
	else
		asm volatile("fxrstor %0" : : "m"(ref) : "memory");
	asm volatile("1: test %[hc], %[hc]\n jz 5f\n mov %[nr], %%eax\n"
		     " test %[amd], %[amd]\n jz 2f\n vmmcall\n jmp 3f\n2: vmcall\n jmp 3f\n"
		     "5: xor %%eax, %%eax\n cpuid\n"
		     "3: mov $2000, %%ecx\n4: dec %%ecx\n jnz 4b\n"
		     " dec %[n]\n jnz 1b\n"
		     : [n] "+r"(calls)
		     : [amd] "r"(amd), [hc] "r"(hc), [nr] "i"(LUCID_HC_VERSION)
		     : "rax", "rbx", "rcx", "rdx", "memory", "cc");
	if (use_xsave)
		asm volatile("xsave %0" : "=m"(got) : "a"(-1), "d"(-1) : "memory");
	else
		asm volatile("fxsave %0" : "=m"(got) : : "memory");
}

/* First differing byte of a region, or -1. */
static int diff(u32 off, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		if (ref[off + i] != got[off + i])
			return (int)(off + i);
	}
	return -1;
}

void test_main(void)
{
	struct cpuid l1 = cpuid(1);
	u64 seed, rounds = 500;
	bool avx = (l1.c >> 26 & 1) && (l1.c >> 28 & 1) && (cpuid2(0xd, 0).a & 4);
	int bad_legacy = -1, bad_ymm = -1;
	u32 k;

	if (!cmdline_u64("seed", &seed)) {
		test_fail("no seed=N on the command line");
		return;
	}
	cmdline_u64("rounds", &rounds);
	if (avx) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv(0, XCR0_AVX);
		use_xsave = true;
		ymm_off = cpuid2(0xd, 2).b;
		if (cpuid2(0xd, 0).b > sizeof(ref) || ymm_off + 256 > sizeof(ref)) {
			test_fail("XSAVE area of %u bytes is too big", cpuid2(0xd, 0).b);
			return;
		}
	}
	fill((u32)seed);
	for (k = 0; k < rounds && bad_legacy < 0 && bad_ymm < 0; k++) {
		run_round(10);
		bad_legacy = diff(OFF_FCW, 5);
		if (bad_legacy < 0)
			bad_legacy = diff(OFF_MXCSR, 4);
		for (u32 i = 0; i < 8 && bad_legacy < 0; i++)
			bad_legacy = diff(OFF_ST + 16 * i, 10);
		if (bad_legacy < 0)
			bad_legacy = diff(OFF_XMM, 256);
		if (ymm_off)
			bad_ymm = diff(ymm_off, 256);
	}
	test_check(bad_legacy < 0,
		   "x87 and SSE state intact over %u exits (seed %u; first bad byte %d)", 10 * k,
		   (u32)seed, bad_legacy);
	if (ymm_off)
		test_check(bad_ymm < 0,
			   "AVX upper halves intact over %u exits (seed %u; first bad byte %d)",
			   10 * k, (u32)seed, bad_ymm);
	else
		test_skip("AVX upper halves intact: CPUID offers no AVX with XSAVE");
}
