/* single-step: EFLAGS.TF single-steps the guest through instructions that
 * lucid emulates as well as through ones the CPU runs: after CPUID, an OUT
 * to an unassigned port, an IN from one and a hypercall, the guest gets
 * #DB with RIP at the next instruction and DR6.BS set, exactly as after a
 * NOP. (A hypervisor that advances RIP past an emulated instruction must
 * raise that #DB itself.) Long mode. */
#include "guest.h"
#include "cpu.h"
#include "step.h"
#include "hv/exits/hypercall_abi.h"

STEP(nop, "", "nop");
STEP(cpuid, "xor %eax, %eax", "cpuid");
STEP(out, "mov $0x1234, %edx", "outb %al, %dx");
STEP(in, "mov $0x1234, %edx", "inb %dx, %al");
STEP(vmmcall, "xor %eax, %eax", "vmmcall");
STEP(vmcall, "xor %eax, %eax", "vmcall");

static void step(const char *what, void (*fn)(void *), const char *next)
{
	u32 v;

	write_dr6(DR6_FIXED);
	v = catch_fault(fn, NULL);
	if (check_fault(v, X86_DB, 0, (uptr)next, "single step over %s: #DB at the next instruction",
			what))
		test_check(read_dr6() & DR6_BS, "single step over %s: DR6.BS set (%#lx)", what,
			   read_dr6());
}

void test_main(void)
{
	_Static_assert(LUCID_HC_VERSION == 0, "the STEP macros call the version hypercall");
	step("NOP", step_nop, nop_next);
	step("CPUID", step_cpuid, cpuid_next);
	step("OUT", step_out, out_next);
	step("IN", step_in, in_next);
	if (cpu_amd)
		step("a hypercall", step_vmmcall, vmmcall_next);
	else
		step("a hypercall", step_vmcall, vmcall_next);
}
