/* fpu-reboot: a VM's reboot puts its x87, SSE and XCR0 state back to the
 * reset state, as a fresh VM has it. Each boot checks what the guest
 * finds before it touches any of it: FCW 0x37f, FSW 0 and every x87
 * register empty (noted by the runtime's entry before its FNINIT); MXCSR
 * 0x1f80 and XMM15 zero (the runtime leaves both alone); XCR0 1 where
 * CPUID offers XSAVE. Then it
 * loads other values into all of them, leaves the CPU a few hundred times
 * (so that lucid may save them while another VM runs) and asks lucid to
 * reboot the VM. Nothing the guest owns survives a reboot; lucid's CPUID
 * leaf 0x40000001 EBX counts its boots.
 *
 * Command line: boots=N, the boots after which it powers off (default
 * 10; 0: never); exits=N, how often it leaves the CPU before each reboot
 * (default 300), which sets how long each boot lasts. Long mode. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

/* FNSTENV's environment (entry_state.fpu_env) and FXSAVE's legacy area. */
#define ENV_FCW   0
#define ENV_FSW   4
#define ENV_FTW   8	/* two bits a register, 11: empty */
#define OFF_MXCSR 24
#define OFF_XMM15 (160 + 15 * 16)

#define DEFAULT_BOOTS 10
#define DEFAULT_EXITS 300

static u8 area[512] __aligned(16);

static bool all_zero(const u8 *p, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void check_reset_state(bool xsave)
{
	const u8 *env = entry_state.fpu_env;
	u16 fcw = *(const u16 *)(env + ENV_FCW), fsw = *(const u16 *)(env + ENV_FSW);
	u16 ftw = *(const u16 *)(env + ENV_FTW);
	u32 mxcsr = *(u32 *)(area + OFF_MXCSR);

	test_check(fcw == 0x37f && fsw == 0 && ftw == 0xffff,
		   "x87 at boot: FCW 0x37f, FSW 0, every register empty "
		   "(FCW %#x, FSW %#x, FTW %#x)", fcw, fsw, ftw);
	test_check(mxcsr == 0x1f80, "MXCSR at boot is 0x1f80 (%#x)", mxcsr);
	test_check(all_zero(area + OFF_XMM15, 16), "XMM15 at boot is zero");
	if (!xsave) {
		test_skip("XCR0 at boot is 1: CPUID offers no XSAVE");
		return;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	test_check(xgetbv(0) == 1, "XCR0 at boot is 1 (%#llx)", (unsigned long long)xgetbv(0));
}

/* Other values in everything checked above; XCR0 takes AVX where offered. */
static void dirty(bool xsave, bool avx)
{
	static const u64 pattern[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
	u16 fcw = 0x27f;	/* 53-bit precision */
	u32 mxcsr = 0x7f80;	/* round toward zero */

	asm volatile("fldcw %0\n fld1\n fldpi\n ldmxcsr %1\n movdqu %2, %%xmm15"
		     : : "m"(fcw), "m"(mxcsr), "m"(pattern) : "xmm15", "memory");
	if (xsave)
		xsetbv(0, avx ? 7 : 3);
}

void test_main(void)
{
	struct cpuid l1 = cpuid(1);
	bool xsave = l1.c >> 26 & 1;
	bool avx = xsave && (l1.c >> 28 & 1) && (cpuid2(0xd, 0).a & 4);

	u64 boots = DEFAULT_BOOTS, exits = DEFAULT_EXITS;

	asm volatile("fxsave64 %0" : "=m"(area) : : "memory");
	check_reset_state(xsave);
	if (!on_lucid)
		return;		/* plain QEMU: no reboot call */
	cmdline_u64("boots", &boots);
	cmdline_u64("exits", &exits);
	if (boots && cpuid(LUCID_CPUID_ABI).b + 1 >= boots)
		return;		/* the last boot: the runtime powers off */
	dirty(xsave, avx);
	for (u64 i = 0; i < exits; i++)
		hc_version();
	test_fail("reboot returned %ld", hc_shutdown(LUCID_SHUTDOWN_REBOOT));
}
