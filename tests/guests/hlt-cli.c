/* hlt-cli: HLT with interrupts disabled halts the vCPU for good. No device
 * of the VM raises an interrupt and lucid injects no NMI, so nothing can
 * wake it: lucid must leave the vCPU halted (the VM stays "running", and a
 * time-shared CPU goes to other vCPUs) rather than resume it, spin on it, or
 * call the VM crashed. The guest reports PASS before it halts; a FAIL if
 * HLT ever returns (a lucid that just skips HLT fails here). The harness
 * checks afterwards that the VM is still running.
 * HLT with IF=1 needs an interrupt source to mean anything: a later test,
 * with the virtual timer, can check that the timer wakes it. */
#include "guest.h"
#include "cpu.h"

void test_main(void)
{
	test_pass("halting with IF=0; nothing may wake this vCPU");
	cli();
	hlt();
	test_fail("HLT with IF=0 returned, with no interrupt source");
	for (;;)
		hlt();
}
