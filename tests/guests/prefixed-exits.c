/* prefixed-exits: after an instruction lucid completes for the guest, the
 * guest runs on right after the whole instruction, prefixes included.
 * Redundant prefixes (segment overrides, 66 where it changes nothing, an
 * empty REX) are legal on CPUID, RDMSR, WRMSR, VMMCALL and HLT and
 * make each longer than its opcode. Without nRIP (QEMU's TCG has none)
 * lucid must measure the instruction, not assume its plain length. With
 * EFLAGS.TF set the #DB that follows each one shows where RIP went; HLT,
 * woken by the test interrupt, shows it in the interrupt's frame. One
 * CPUID is 15 bytes, the longest an instruction may be. (Not INVD, which
 * lucid completes too: QEMU 7.2's TCG checks the WBINVD intercept for it,
 * so it never exits there.) Long mode, testdev (for the test interrupt). */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"
#include "step.h"

#define WAKE_VECTOR 0x40
#define EFER "$0xc0000080"

STEP(cpuid, "xor %eax, %eax", ".byte 0x2e, 0x3e, 0x66, 0x40, 0x0f, 0xa2");
STEP(cpuid15, "xor %eax, %eax", ".byte 0x2e, 0x3e, 0x26, 0x36, 0x2e, 0x3e, 0x26, 0x36, "
     "0x2e, 0x3e, 0x26, 0x36, 0x40, 0x0f, 0xa2");
STEP(rdmsr, "mov " EFER ", %ecx", ".byte 0x3e, 0x66, 0x40, 0x0f, 0x32");
STEP(wrmsr, "mov " EFER ", %ecx\n rdmsr", ".byte 0x2e, 0x26, 0x0f, 0x30");
STEP(vmmcall, "xor %eax, %eax", ".byte 0x2e, 0x3e, 0x40, 0x0f, 0x01, 0xd9");
STEP(vmcall, "xor %eax, %eax", ".byte 0x2e, 0x3e, 0x40, 0x0f, 0x01, 0xc1");

/* STI's shadow covers the HLT; the interrupt comes after it, at hlt_next. */
void halt_prefixed(void);
extern char hlt_insn[], hlt_next[];
asm(".text\nhalt_prefixed: sti\n"
    "hlt_insn: .byte 0x2e, 0x3e, 0x26, 0xf4\n"
    "hlt_next: ud2\n");

static void step(const char *what, void (*fn)(void *), const char *next)
{
	u32 v;

	write_dr6(DR6_FIXED);
	v = catch_fault(fn, NULL);
	check_fault(v, X86_DB, 0, (uptr)next, "prefixed %s: #DB right after the whole instruction",
		    what);
}

static void wake_from_halt(void *arg)
{
	(void)arg;
	hc_test_irq(WAKE_VECTOR);
	halt_prefixed();
}

/* QEMU's TCG may lose the STI shadow and deliver the interrupt before
 * the HLT (docs/testing.md): then RIP is the HLT's, and the guest tries
 * again. */
static void halt(void)
{
	u32 v = NO_FAULT;

	for (int tries = 0; tries < 3; tries++) {
		v = catch_fault(wake_from_halt, NULL);
		if (v != WAKE_VECTOR || last_fault.rip != (uptr)hlt_insn)
			break;
	}
	check_fault(v, WAKE_VECTOR, 0, (uptr)hlt_next, "prefixed HLT: the waking interrupt "
		    "returns right after the whole instruction");
}

void test_main(void)
{
	step("CPUID", step_cpuid, cpuid_next);
	step("CPUID of 15 bytes", step_cpuid15, cpuid15_next);
	step("RDMSR", step_rdmsr, rdmsr_next);
	step("WRMSR", step_wrmsr, wrmsr_next);
	if (cpu_amd)
		step("hypercall", step_vmmcall, vmmcall_next);
	else
		step("hypercall", step_vmcall, vmcall_next);
	halt();
}
