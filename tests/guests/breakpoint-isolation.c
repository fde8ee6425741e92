/* breakpoint-isolation: a breakpoint one VM enables never fires in
 * another. Two VMs run this guest on one CPU, so the same code lies at the
 * same addresses in both. arm=1 puts `target` in DR0, enables it in DR7
 * and keeps it so over exits=N exits (default 20000) and the time slices
 * between, without ever calling target; then it clears DR7. arm=0 calls
 * target after each of as many exits: a #DB there is the other VM's
 * breakpoint. (QEMU 7.2's TCG loads DR7 at VMRUN and #VMEXIT without
 * updating its own list of breakpoints, so that one stays armed after
 * #VMEXIT unless lucid moves DR7 itself: arch/x86/svm/svm.c.) Long mode. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

#define DEFAULT_EXITS 20000
#define SPIN 200	/* loop iterations after each exit: time for the tick */

void target(void *);
asm(".text\ntarget: nop\n ret\n");

static void leave_cpu(void)
{
	u32 n = SPIN;

	hc_version();
	asm volatile("1: dec %0; jnz 1b" : "+r"(n) : : "cc");
}

void test_main(void)
{
	u64 arm = 0, exits = DEFAULT_EXITS, hits = 0;
	u32 v = NO_FAULT;

	cmdline_u64("arm", &arm);
	cmdline_u64("exits", &exits);
	if (arm) {
		write_dr0((uptr)target);
		write_dr7(DR7_FIXED | 1);	/* L0, an execution breakpoint */
		for (u64 i = 0; i < exits; i++)
			leave_cpu();
		write_dr7(DR7_FIXED);
		test_check(true, "kept an execution breakpoint on target over %lu exits",
			   (unsigned long)exits);
		return;
	}
	for (u64 i = 0; i < exits; i++) {
		leave_cpu();
		if ((v = catch_fault(target, NULL)) != NO_FAULT)
			hits++;
	}
	test_check(!hits, "no exception calling target after each of %lu exits (%lu, the last "
		   "%s at %#lx)", (unsigned long)exits, (unsigned long)hits,
		   hits ? vector_name(last_fault.vector) : "none", (unsigned long)last_fault.rip);
}
