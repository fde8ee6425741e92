/* msr-protect: the guest cannot reach SVM's or VMX's MSRs, and unknown MSRs
 * fault, while ordinary ones work. EFER reads with SVME clear (lucid hides
 * the SVME bit the hardware needs); setting EFER.SVME raises #GP(0) and
 * leaves EFER alone; VM_CR (0xc0010114), VM_HSAVE_PA (0xc0010117) and
 * IA32_VMX_BASIC (0x480) raise #GP on read and write; so does an MSR that
 * does not exist (0x12345678); STAR, SYSENTER_CS and (where RDTSCP exists)
 * TSC_AUX write and read back without a fault. Long mode. */
#include "guest.h"
#include "cpu.h"

static void expect_gp(u32 msr, const char *name)
{
	u64 val = 0;
	u32 r = rdmsr_safe(msr, &val), w;

	w = wrmsr_safe(msr, val);
	test_check(r == X86_GP && w == X86_GP && last_fault.error == 0,
		   "%s (%#x): read and write raise #GP(0) (read: %s, write: %s)", name, msr,
		   vector_name(r), vector_name(w));
}

static void round_trip(u32 msr, u64 val, const char *name)
{
	u64 old = 0, got = 0;
	u32 r = rdmsr_safe(msr, &old), w = wrmsr_safe(msr, val), r2 = rdmsr_safe(msr, &got);

	wrmsr_safe(msr, old);
	test_check(r == NO_FAULT && w == NO_FAULT && r2 == NO_FAULT && got == val,
		   "%s (%#x) writes %#llx and reads it back (%#llx; %s %s %s)", name, msr,
		   (unsigned long long)val, (unsigned long long)got, vector_name(r), vector_name(w),
		   vector_name(r2));
}

void test_main(void)
{
	u64 efer = rdmsr(MSR_EFER), after;
	u32 v;

	test_check(!(efer & EFER_SVME), "EFER reads with SVME clear (%#llx)", (unsigned long long)efer);
	v = wrmsr_safe(MSR_EFER, efer | EFER_SVME);
	after = rdmsr(MSR_EFER);
	check_fault(v, X86_GP, 0, 0, "setting EFER.SVME raises #GP(0)");
	/* A fault's delivery pushes RF set (Intel SDM vol. 3, 17.3.1.1); QEMU
	 * 7.2's own faults do not, so only lucid's #GP is checked. */
	if (on_lucid)
		test_check(last_fault.rflags & EFL_RF, "that #GP pushed RFLAGS with RF set (%#lx)",
			   (unsigned long)last_fault.rflags);
	else
		test_skip("that #GP pushed RFLAGS with RF set: off lucid");
	test_check(after == efer, "EFER unchanged after the refused write (%#llx)",
		   (unsigned long long)after);

	expect_gp(MSR_VM_CR, "VM_CR");
	expect_gp(MSR_VM_HSAVE_PA, "VM_HSAVE_PA");
	expect_gp(0x480, "IA32_VMX_BASIC");
	expect_gp(0x12345678, "an MSR that does not exist");

	round_trip(MSR_STAR, 0x0023001000000000ull, "STAR");
	round_trip(MSR_SYSENTER_CS, 0x10, "SYSENTER_CS");
	if (cpuid_ext_edx(27))
		round_trip(MSR_TSC_AUX, 0x12345, "TSC_AUX");
	else
		test_skip("TSC_AUX (0xc0000103) writes and reads back: no RDTSCP "
			  "(CPUID 0x80000001 EDX bit 27)");
}
