/* hypercall-spin: a vCPU that leaves the CPU only for hypercalls, as often
 * as it can, for ever: an empty LUCID_HC_CONSOLE_WRITE in a loop, with
 * interrupts disabled (command line `if=0`, the default) or enabled
 * (`if=1`). The VMs of guests.cfg time-share lucid's CPUs, so lucid must
 * still end this vCPU's slice at its timer tick: the harness checks that
 * the other VMs all end, that this one is still running, and that lucid
 * never faults. On Bochs 2.7 both once went wrong (issue 14): with IF=0
 * the tick never reached lucid, so no other VM ran again; with IF=1 the
 * firmware's 8259 timer interrupt reached lucid at vector 8, which lucid
 * took for a double fault. lucid gives this VM no interrupts, so IF=1
 * changes nothing the guest sees. 32-bit. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

void test_main(void)
{
	u64 intr = 0;
	long r;

	cmdline_u64("if", &intr);
	test_pass("spinning on hypercalls with interrupts %s", intr ? "enabled" : "disabled");
	if (intr)
		sti();
	else
		cli();
	do
		r = hc_console_write("", 0);
	while (r == 0);
	cli();
	test_fail("an empty console write returned %ld", r);
}
