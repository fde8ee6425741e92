/* rdtsc: the guest's TSC behaves: it never goes backwards across exits
 * (RDTSC, CPUID, RDTSC, many times) and does advance; RDTSCP, where CPUID
 * offers it, agrees with RDTSC and returns IA32_TSC_AUX in ECX; CR4.TSD
 * makes RDTSC at CPL 3 raise #GP and without it RDTSC works at CPL 3
 * (lucid must honour this if it intercepts RDTSC). 32-bit. */
#include "guest.h"
#include "cpu.h"

#define N 10000

static void user_rdtsc(void *arg)
{
	*(u64 *)arg = rdtsc();
}

void test_main(void)
{
	u64 first, prev, t = 0, back = 0;
	u32 backwards = 0;
	u32 v;

	if (!(cpuid(1).d & (1u << 4))) {
		test_fail("CPUID 1 EDX says there is no TSC");
		return;
	}
	first = prev = rdtsc();
	for (u32 i = 0; i < N; i++) {
		u64 now;

		cpuid(0);
		now = rdtsc();
		if (now < prev && !backwards++)
			back = prev - now;
		prev = now;
	}
	test_check(!backwards && prev > first,
		   "TSC monotonic over %u reads with exits between (%u backwards, first by %llu)", N,
		   backwards, (unsigned long long)back);

	if (cpuid_ext_edx(27)) {
		u32 lo, hi, aux;
		u64 before, after;

		wrmsr(MSR_TSC_AUX, 0x2a);
		before = rdtsc();
		asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		after = rdtsc();
		t = (u64)hi << 32 | lo;
		test_check(aux == 0x2a && before <= t && t <= after,
			   "RDTSCP returns TSC_AUX %#x and a TSC between two RDTSCs", aux);
	} else {
		test_skip("RDTSCP returns TSC_AUX: not offered (CPUID 0x80000001 EDX bit 27)");
	}

	v = run_user(user_rdtsc, &t);
	test_check(v == NO_FAULT && t != 0, "RDTSC works at CPL 3 with CR4.TSD clear (%s)",
		   vector_name(v));
	write_cr4(read_cr4() | CR4_TSD);
	v = run_user(user_rdtsc, &t);
	write_cr4(read_cr4() & ~CR4_TSD);
	check_fault(v, X86_GP, 0, 0, "RDTSC at CPL 3 with CR4.TSD set raises #GP(0)");
}
