/* exception-exits: lucid intercepts #DB and #AC and reflects each into the
 * guest. Left to the CPU, a guest can make either loop forever inside the
 * CPU's own event delivery, where no interrupt reaches lucid: a #DB whose
 * delivery hits a data breakpoint on the stack (CVE-2015-8104), an #AC
 * whose delivery pushes to a misaligned stack (CVE-2015-5307). The loops
 * themselves cannot be shown here (QEMU 7.2's TCG aborts on the first and
 * does no alignment checks), so the guest counts: the test device's
 * exception-exit register (ports 0xe4-0xe7) must grow by exactly the #DBs
 * (single steps and a data breakpoint) and #ACs (CPL 3, EFLAGS.AC and
 * CR0.AM, misaligned loads) it raises, and its own handler must see each
 * one as the CPU would deliver it: at the next instruction, DR6.BS or B0
 * set; #AC with error code 0 at the load. The #AC part is a SKIP where the
 * CPU raises none. Long mode, testdev. */
#include "guest.h"
#include "cpu.h"
#include "step.h"

#define EXC_EXITS_PORT 0xe4
#define STEPS 10
#define ALIGNMENT_CHECKS 3

STEP(nop, "", "nop");

void watch_write(void *), misaligned_load(void *);
extern char watch_next[], load_insn[];

asm(".text\n"
    /* DR0 = rdi, a 4-byte write breakpoint: a trap after the write. */
    "watch_write: mov %rdi, %dr0\n mov $0xd0001, %eax\n mov %rax, %dr7\n"
    " movl $1, (%rdi)\n"
    "watch_next: xor %eax, %eax\n mov %rax, %dr7\n ret\n"
    /* At CPL 3 with EFLAGS.AC set, a load from an odd address. */
    "misaligned_load: pushf\n orq $0x40000, (%rsp)\n popf\n"
    "load_insn: mov 1(%rdi), %eax\n"
    " pushf\n andq $~0x40000, (%rsp)\n popf\n ret\n");

static u32 exception_exits(void)
{
	return inl(EXC_EXITS_PORT);
}

static void single_steps(void)
{
	u32 before = exception_exits(), seen = 0, v = NO_FAULT;

	for (u32 i = 0; i < STEPS; i++) {
		write_dr6(DR6_FIXED);
		v = catch_fault(step_nop, NULL);
		if (v != X86_DB || last_fault.rip != (uptr)nop_next || !(read_dr6() & DR6_BS))
			break;
		seen++;
	}
	test_check(seen == STEPS, "%u single steps: the guest's handler saw each #DB at the next "
		   "instruction with DR6.BS (%u; last %s at %#lx, DR6 %#lx)", STEPS, seen,
		   vector_name(v), (unsigned long)last_fault.rip, (unsigned long)read_dr6());
	test_check(exception_exits() - before == STEPS, "%u single-step #DBs were %u exception "
		   "exits (%u)", STEPS, STEPS, exception_exits() - before);
}

static void data_breakpoint(void)
{
	static volatile u32 watched;
	u32 before = exception_exits(), v;

	write_dr6(DR6_FIXED);
	v = catch_fault(watch_write, (void *)&watched);
	write_dr7(DR7_FIXED);
	if (check_fault(v, X86_DB, 0, (uptr)watch_next, "a data breakpoint's #DB reached the "
			"guest after the write"))
		test_check(read_dr6() & DR6_B0, "DR6.B0 set after the data breakpoint (DR6 %#lx)",
			   (unsigned long)read_dr6());
	test_check(exception_exits() - before == 1, "the data breakpoint's #DB was one exception "
		   "exit (%u)", exception_exits() - before);
}

static void alignment_checks(void)
{
	static u64 aligned[2];
	u32 before = exception_exits(), seen = 0, v = NO_FAULT;

	write_cr0(read_cr0() | CR0_AM);
	for (u32 i = 0; i < ALIGNMENT_CHECKS; i++) {
		v = run_user(misaligned_load, aligned);
		if (v != X86_AC || last_fault.error != 0 || last_fault.rip != (uptr)load_insn)
			break;
		seen++;
	}
	write_cr0(read_cr0() & ~CR0_AM);
	if (v == NO_FAULT && !seen) {
		test_skip("%u alignment checks: the CPU raises no #AC", ALIGNMENT_CHECKS);
		return;
	}
	test_check(seen == ALIGNMENT_CHECKS, "%u alignment checks: the guest's handler saw each "
		   "#AC(0) at the load (%u; last %s error %#x at %#lx)", ALIGNMENT_CHECKS, seen,
		   vector_name(v), last_fault.error, (unsigned long)last_fault.rip);
	test_check(exception_exits() - before == ALIGNMENT_CHECKS, "%u #ACs were %u exception exits "
		   "(%u)", ALIGNMENT_CHECKS, ALIGNMENT_CHECKS, exception_exits() - before);
}

void test_main(void)
{
	single_steps();
	data_breakpoint();
	alignment_checks();
}
