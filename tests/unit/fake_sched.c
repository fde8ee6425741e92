/* The scheduler (hv/core/sched.c) for the host tests, compiled here whole
 * so that the tests can take one turn of a CPU's loop (sched_turn; the
 * loop itself never returns and sleeps with HLT) and see its run queues.
 * Nothing in sched.c is changed for the tests. */
#include "hv/core/sched.c"

#include "tests/unit/fake_hv.h"
#include "lib/string.h"

bool host_sched_turn(u32 cpu)
{
	struct percpu *me = this_cpu();
	bool ran;

	host_set_cpu(cpu);
	ran = sched_turn(this_cpu(), &runqueues[cpu]);
	host_test_cpu = me;
	return ran;
}

u32 host_sched_queued(u32 cpu)
{
	return runqueues[cpu].n;
}

u64 host_sched_min_vruntime(u32 cpu)
{
	return runqueues[cpu].min_vruntime;
}

void host_sched_reset(void)
{
	memset(runqueues, 0, sizeof(runqueues));
	dedicated = 0;
}
