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
 * so it never exits there.) Then code rewritten where it stands: lucid
 * remembers the last instruction it completed by its bytes, and must see
 * new ones. Long mode, testdev (for the test interrupt). */
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

/* PUSH RBX; CPUID, plain or with a 66 prefix; POP RBX; RET. Measured as
 * the plain one, the prefixed CPUID leaves RIP on its A2, a MOV of AL to
 * the 64-bit address that follows: the 7F bytes make it non-canonical. */
static u8 patch[64] __attribute__((aligned(64)));

static void put_cpuid(bool prefixed)
{
	static const u8 plain[] = { 0x53, 0x0f, 0xa2, 0x5b, 0xc3 };
	static const u8 pre[] = { 0x53, 0x66, 0x0f, 0xa2, 0x5b, 0xc3 };

	memset(patch, 0x7f, sizeof(patch));
	memcpy(patch, prefixed ? pre : plain, prefixed ? sizeof(pre) : sizeof(plain));
}

static void run_patch(void *arg)
{
	(void)arg;
	asm volatile("call *%0" : : "r"(patch) : "rax", "rcx", "rdx", "memory");
}

static void rewritten_in_place(void)
{
	u32 plain, prefixed;

	/* No exit between them but the CPUIDs' (a report is a hypercall). */
	put_cpuid(false);
	plain = catch_fault(run_patch, NULL);
	plain = plain == NO_FAULT ? catch_fault(run_patch, NULL) : plain; /* now remembered */
	put_cpuid(true);
	prefixed = catch_fault(run_patch, NULL);
	check_fault(plain, NO_FAULT, ANY_ERROR, 0, "plain CPUID run twice from a buffer");
	check_fault(prefixed, NO_FAULT, ANY_ERROR, 0, "the CPUID rewritten in place with a "
		    "prefix: RIP right after the whole instruction");
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
	rewritten_in_place();
}
