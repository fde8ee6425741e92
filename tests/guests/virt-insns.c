/* virt-insns: the virtualisation instructions are not the guest's: every
 * SVM and VMX instruction raises #UD in the guest (lucid intercepts the
 * ones the hardware would run and injects #UD), on both vendors; so does
 * the other vendor's hypercall instruction (VMCALL on AMD, VMMCALL on
 * Intel). The right one with an unknown call number is no #UD: it returns
 * -LUCID_ENOSYS. Operands point at a scratch page, so that an instruction
 * that wrongly runs has something harmless to work on. Long mode. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

static u8 scratch[PAGE_SIZE] __aligned(PAGE_SIZE);

/* Each probe: rax = rdi (an address), rcx = 0, then the instruction. */
#define PROBE(name, bytes)                                                  \
	void probe_##name(void *);                                          \
	asm(".text\nprobe_" #name ": push %rbx\n mov %rdi, %rax\n"          \
	    " xor %ecx, %ecx\n xor %edx, %edx\n .byte " bytes "\n"          \
	    " pop %rbx\n ret\n")

PROBE(vmrun, "0x0f, 0x01, 0xd8");
PROBE(vmload, "0x0f, 0x01, 0xda");
PROBE(vmsave, "0x0f, 0x01, 0xdb");
PROBE(stgi, "0x0f, 0x01, 0xdc");
PROBE(clgi, "0x0f, 0x01, 0xdd");
PROBE(skinit, "0x0f, 0x01, 0xde");
PROBE(invlpga, "0x0f, 0x01, 0xdf");
PROBE(vmlaunch, "0x0f, 0x01, 0xc2");
PROBE(vmresume, "0x0f, 0x01, 0xc3");
PROBE(vmxoff, "0x0f, 0x01, 0xc4");
PROBE(vmfunc, "0x0f, 0x01, 0xd4");
PROBE(vmxon, "0xf3, 0x0f, 0xc7, 0x30");        /* vmxon (%rax) */
PROBE(vmclear, "0x66, 0x0f, 0xc7, 0x30");      /* vmclear (%rax) */
PROBE(vmptrld, "0x0f, 0xc7, 0x30");            /* vmptrld (%rax); not rdrand: memory operand */
PROBE(vmptrst, "0x0f, 0xc7, 0x38");            /* vmptrst (%rax) */
PROBE(vmread, "0x0f, 0x78, 0x08");             /* vmread %rcx, (%rax) */
PROBE(vmwrite, "0x0f, 0x79, 0x08");            /* vmwrite (%rax), %rcx */
PROBE(invept, "0x66, 0x0f, 0x38, 0x80, 0x08"); /* invept (%rax), %rcx */
PROBE(invvpid, "0x66, 0x0f, 0x38, 0x81, 0x08"); /* invvpid (%rax), %rcx */
PROBE(vmcall, "0x0f, 0x01, 0xc1");
PROBE(vmmcall, "0x0f, 0x01, 0xd9");

static const struct {
	const char *name;
	void (*fn)(void *);
} insns[] = {
	{ "VMRUN", probe_vmrun },       { "VMLOAD", probe_vmload },
	{ "VMSAVE", probe_vmsave },     { "STGI", probe_stgi },
	{ "CLGI", probe_clgi },         { "SKINIT", probe_skinit },
	{ "INVLPGA", probe_invlpga },   { "VMXON", probe_vmxon },
	{ "VMXOFF", probe_vmxoff },     { "VMCLEAR", probe_vmclear },
	{ "VMPTRLD", probe_vmptrld },   { "VMPTRST", probe_vmptrst },
	{ "VMREAD", probe_vmread },     { "VMWRITE", probe_vmwrite },
	{ "VMLAUNCH", probe_vmlaunch }, { "VMRESUME", probe_vmresume },
	{ "INVEPT", probe_invept },     { "INVVPID", probe_invvpid },
	{ "VMFUNC", probe_vmfunc },
};

void test_main(void)
{
	u32 v;
	long r;

	for (u32 i = 0; i < ARRAY_SIZE(insns); i++) {
		v = catch_fault(insns[i].fn, scratch);
		check_fault(v, X86_UD, 0, 0, "%s raises #UD", insns[i].name);
	}

	v = catch_fault(cpu_amd ? probe_vmcall : probe_vmmcall, scratch);
	check_fault(v, X86_UD, 0, 0, "the other vendor's hypercall (%s) raises #UD",
		    cpu_amd ? "VMCALL" : "VMMCALL");

	r = hypercall(0x4c554344, 0, 0, 0);
	test_check(r == -LUCID_ENOSYS,
		   "the hypercall instruction (%s) with an unknown call number returns -ENOSYS (%ld)",
		   cpu_amd ? "VMMCALL" : "VMCALL", r);
}
