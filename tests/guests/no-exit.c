/* no-exit: a guest that never leaves the CPU by itself: after one PASS it
 * spins forever without I/O, CPUID, hypercalls or faults, so lucid regains
 * the CPU only through its own preemption. The harness checks that this
 * VM stays running, that lucid's console still answers and that the other
 * VMs finish. It spins with interrupts disabled, as multiboot entered it,
 * or with `if=1` on its command line enabled (lucid gives it none; only
 * lucid's own timer interrupt must still end its slice). 32-bit. */
#include "guest.h"
#include "cpu.h"

void test_main(void)
{
	volatile u32 spins = 0;
	u64 intr = 0;

	cmdline_u64("if", &intr);
	test_pass("spinning without exits from now on, interrupts %s",
		  intr ? "enabled" : "disabled");
	if (intr)
		sti();
	for (;;)
		spins++;
}
