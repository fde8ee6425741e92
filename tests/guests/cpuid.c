/* cpuid: what lucid's CPUID tells a guest. The hypervisor bit (leaf 1 ECX
 * bit 31) is set; leaf 0x40000000 carries the "LucidHVisor!" signature and
 * a highest leaf of at least 0x40000001, which gives the ABI version; the
 * virtualisation extensions are hidden: SVM (0x80000001 ECX bit 2) and
 * VMX (leaf 1 ECX bit 5) read as clear; so do MTRR, MCE and MCA (leaf 1
 * EDX), whose MSRs lucid does not emulate. The VM's local APIC device
 * offers APIC, x2APIC and the TSC deadline timer. Leaf 1 EBX gives
 * this vCPU's APIC ID (0) and its VM's CPU count (1); leaves lucid does not
 * list, or above the highest leaf, read as zeros. */
#include "guest.h"
#include "cpu.h"
#include "hv/exits/hypercall_abi.h"

static bool zeros(u32 leaf)
{
	struct cpuid r = cpuid(leaf);

	return !(r.a | r.b | r.c | r.d);
}

void test_main(void)
{
	struct cpuid l1 = cpuid(1);
	struct cpuid hv = cpuid(LUCID_CPUID_BASE);
	struct cpuid abi = cpuid(LUCID_CPUID_ABI);
	bool sig = hv.b == LUCID_CPUID_SIG_EBX && hv.c == LUCID_CPUID_SIG_ECX &&
		   hv.d == LUCID_CPUID_SIG_EDX;

	test_check(l1.c >> 31 & 1, "hypervisor bit set in CPUID 1 ECX (%#x)", l1.c);
	test_check(sig, "signature LucidHVisor! in CPUID 0x40000000 (%08x %08x %08x)", hv.b,
		   hv.c, hv.d);
	test_check(hv.a >= LUCID_CPUID_ABI && hv.a < 0x40000100,
		   "highest hypervisor leaf %#x covers 0x40000001", hv.a);
	test_check(abi.a == LUCID_ABI_VERSION, "ABI version %u in CPUID 0x40000001, expected %u",
		   abi.a, LUCID_ABI_VERSION);
	test_check(!cpuid_ext_ecx(2), "SVM hidden: CPUID 0x80000001 ECX bit 2 clear");
	test_check(!(l1.c & (1u << 5)), "VMX hidden: CPUID 1 ECX bit 5 clear");
	test_check(!(l1.d & (1u << 12 | 1u << 7 | 1u << 14)),
		   "MTRR, MCE and MCA hidden in CPUID 1 EDX (%#x)", l1.d);
	test_check((l1.d >> 9 & 1) && (l1.c >> 21 & 1) && (l1.c >> 24 & 1),
		   "APIC, x2APIC and TSC deadline offered in CPUID 1 (EDX %#x, ECX %#x)", l1.d,
		   l1.c);
	test_check((l1.b >> 16) == 1, "CPUID 1 EBX: APIC ID 0, 1 logical CPU (%#x)", l1.b);
	test_check(zeros(cpuid(0).a + 1) && zeros(0x40000002) && zeros(0x8000000a) &&
		   zeros(cpuid(0x80000000).a + 1) && zeros(0xc0000000),
		   "leaves above the highest, lucid's unused and the SVM leaf read as zeros");
}
