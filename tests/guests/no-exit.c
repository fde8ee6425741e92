/* no-exit: a guest that never leaves the CPU by itself: after one PASS it
 * spins forever without I/O, CPUID, hypercalls or faults, so lucid regains
 * the CPU only through its own preemption. The harness checks that this
 * VM stays running, that lucid's console still answers and that the other
 * VMs finish. 32-bit. */
#include "guest.h"

void test_main(void)
{
	volatile u32 spins = 0;

	test_pass("spinning without exits from now on");
	for (;;)
		spins++;
}
