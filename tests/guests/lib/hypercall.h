/* Hypercall wrappers (hv/exits/hypercall_abi.h): RAX = number, RBX, RCX, RDX,
 * RSI = arguments, result in RAX. VMMCALL on AMD, VMCALL elsewhere, chosen
 * from the CPUID vendor at start-up (cpu_amd). Outside long mode the
 * registers are 32 bits wide and a result of -22 reads back as -22. */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include "guest.h"
#include "hv/exits/hypercall_abi.h"

static inline long hypercall4(unsigned long nr, unsigned long a0, unsigned long a1,
			      unsigned long a2, unsigned long a3)
{
	long ret;

	if (cpu_amd)
		asm volatile("vmmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	else
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	return ret;
}

static inline long hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
			     unsigned long a2)
{
	return hypercall4(nr, a0, a1, a2, 0);
}

static inline long hc_version(void)
{
	return hypercall(LUCID_HC_VERSION, 0, 0, 0);
}

static inline long hc_console_write(const void *buf, unsigned long len)
{
	return hypercall(LUCID_HC_CONSOLE_WRITE, (uptr)buf, len, 0);
}

static inline long hc_test_result(unsigned long status, const void *msg, unsigned long len)
{
	return hypercall(LUCID_HC_TEST_RESULT, status, (uptr)msg, len);
}

static inline long hc_shutdown(unsigned long how)
{
	return hypercall(LUCID_HC_SHUTDOWN, how, 0, 0);
}

static inline long hc_test_irq(unsigned long vector)
{
	return hypercall(LUCID_HC_TEST_IRQ, vector, 0, 0);
}

#endif
