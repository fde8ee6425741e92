#include "hv/core/sched.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/trap.h"
#include "hv/console/console.h"
#include "hv/core/timer.h"
#include "hv/core/vcpu.h"
#include "hv/host/cpus.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"

/* The vCPUs placed on one CPU: a ring, `cur` ran last. Other CPUs add
 * and remove vCPUs (VM creation, the console), so the ring is locked.
 * min_vruntime is the virtual run time of the vCPU picked last, or more:
 * it never goes back. */
struct runqueue {
	struct spinlock lock;
	struct vcpu *cur;
	u32 n;
	u64 min_vruntime;
};

static struct runqueue runqueues[MAX_CPUS];
static u64 dedicated;	/* CPUs reserved by sched_dedicate */

void sched_tick(void)
{
	struct percpu *p = this_cpu();

	p->ticks++;
	p->need_resched = true;
}

/* Another CPU changed something this CPU's current vCPU depends on (its
 * VM pauses or stops): end the slice so the loop looks again. */
static void on_kick(struct trap_frame *f)
{
	(void)f;
	this_cpu()->need_resched = true;
	lapic_eoi();
}

void sched_init(void)
{
	trap_set_handler(VEC_KICK, on_kick);
	timer_cpu_init();
}

static u64 online_mask(void)
{
	u32 n = cpus_online();

	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

int sched_dedicate(u64 cpus, char *err, size_t len)
{
	u64 missing = cpus & ~online_mask();

	if (missing) {
		snprintf(err, len, "cpus: CPU %u is not running (%u CPU%s started)",
			 (u32)__builtin_ctzll(missing), cpus_online(), cpus_online() == 1 ? "" : "s");
		return -1;
	}
	if (cpus & dedicated) {
		snprintf(err, len, "cpus: CPU %u is already dedicated to another VM",
			 (u32)__builtin_ctzll(cpus & dedicated));
		return -1;
	}
	dedicated |= cpus;
	return 0;
}

static void enqueue(struct vcpu *v, u32 cpu)
{
	struct runqueue *rq = &runqueues[cpu];
	u64 flags = spin_lock_irqsave(&rq->lock);

	v->cpu = cpu;
	v->vruntime = rq->min_vruntime;
	if (!rq->cur) {
		v->next_run = v;
		rq->cur = v;
	} else {
		v->next_run = rq->cur->next_run;
		rq->cur->next_run = v;
	}
	rq->n++;
	spin_unlock_irqrestore(&rq->lock, flags);
}

static void dequeue(struct vcpu *v)
{
	struct runqueue *rq = &runqueues[v->cpu];
	u64 flags = spin_lock_irqsave(&rq->lock);
	struct vcpu *w = rq->cur;

	while (w && w->next_run != v)
		w = w->next_run == rq->cur ? NULL : w->next_run;
	if (w) {
		w->next_run = v->next_run;
		if (rq->cur == v)
			rq->cur = v == w ? NULL : w;
		rq->n--;
	}
	v->next_run = NULL;
	spin_unlock_irqrestore(&rq->lock, flags);
}

/* The shared CPU with the fewest vCPUs, lowest number first. */
static int least_loaded_shared(void)
{
	u64 shared = online_mask() & ~dedicated;
	int best = -1;

	for (u32 c = 0; c < MAX_CPUS; c++)
		if ((shared >> c & 1) && (best < 0 || runqueues[c].n < runqueues[best].n))
			best = (int)c;
	return best;
}

int sched_place(struct vm *vm, u64 cpus, char *err, size_t len)
{
	vm->cpus = cpus;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		int cpu;

		if (cpus) {
			/* vCPU i on the i-th CPU of the set (config.c checked
			 * that there is one per vCPU). */
			u64 rest = cpus;
			for (u32 k = 0; k < i; k++)
				rest &= rest - 1;
			cpu = rest ? __builtin_ctzll(rest) : -1;
		} else {
			cpu = least_loaded_shared();
		}
		if (cpu < 0) {
			snprintf(err, len, cpus ? "cpus: fewer CPUs than vCPUs" :
				 "every CPU is dedicated to a VM: none is left to share");
			for (u32 k = 0; k < i; k++)
				dequeue(vm->vcpu[k]);
			return -1;
		}
		enqueue(vm->vcpu[i], (u32)cpu);
	}
	return 0;
}

void sched_unplace(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++)
		if (vm->vcpu[i]->next_run)
			dequeue(vm->vcpu[i]);
}

void sched_kick(const struct vcpu *v)
{
	struct percpu *p = this_cpu();

	if (v->cpu == p->index)
		p->need_resched = true;
	else
		smp_kick(&percpu[v->cpu]);
}

/* Virtual run time: TSC ticks run, times 100 / the VM's weight, so that
 * at the default weight it is the run time itself and at weight 200 it
 * grows half as fast. At weight 1 it grows 100 times as fast as the TSC
 * and passes 2^63 within a year (at 3 to 5 GHz), so vCPUs' times are
 * compared by their signed difference (before), which pick keeps small:
 * a wrap does no harm. */
static u64 weighed(const struct vcpu *v, u64 ticks)
{
	return ticks * 100 / v->vm->weight;
}

static u64 tick(void)
{
	return timer_hz() / SCHED_HZ;
}

static bool before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

/* The vCPU that can run with the least virtual run time, or NULL; on a
 * tie the first after the current one in the ring, so equal weights take
 * turns. A vCPU more than one tick of its own behind the queue's minimum
 * (it was halted, paused or stopped, or is new) is first brought up to
 * that: waking, it runs a slice or so ahead of the others, not for as
 * long as it slept. */
static struct vcpu *pick(struct runqueue *rq)
{
	u64 flags = spin_lock_irqsave(&rq->lock);
	struct vcpu *v = rq->cur, *found = NULL;
	const u64 behind = tick();

	if (v) {
		do {
			u64 floor;

			v = v->next_run;
			floor = rq->min_vruntime - weighed(v, behind);
			if (before(v->vruntime, floor))
				v->vruntime = floor;
			if ((!found || before(v->vruntime, found->vruntime)) && vm_may_run(v->vm) &&
			    (v->state == VCPU_RUNNABLE || vcpu_wakeable(v)))
				found = v;
		} while (v != rq->cur);
	}
	if (found) {
		rq->cur = found;
		if (before(rq->min_vruntime, found->vruntime))
			rq->min_vruntime = found->vruntime;
	}
	spin_unlock_irqrestore(&rq->lock, flags);
	return found;
}

void sched_park_here(void)
{
	struct runqueue *rq = &runqueues[this_cpu()->index];
	u64 flags = spin_lock_irqsave(&rq->lock);
	struct vcpu *v = rq->cur;

	if (v) {
		do {
			v = v->next_run;
			vcpu_park_if_pausing(v);
		} while (v != rq->cur);
	}
	spin_unlock_irqrestore(&rq->lock, flags);
}

/* One turn of a CPU's loop: the console (boot CPU only), parking, then
 * one slice of the vCPU pick chooses, charged to its virtual run time.
 * Says whether one ran. */
static bool sched_turn(struct percpu *p, struct runqueue *rq)
{
	struct vcpu *v;
	u64 ran;

	if (timer_due())
		timer_run_expired();
	if (p->index == 0)
		console_poll();
	sched_park_here();
	p->need_resched = false;
	v = pick(rq);
	if (!v)
		return false;
	ran = v->run_tsc;
	vcpu_run_slice(v);	/* adds the slice's TSC ticks to run_tsc */
	ran = v->run_tsc - ran;
	/* A slice counts for a tick at most: one that ran over (a guest
	 * lucid could not stop sooner: Bochs's SVM holds the tick back from
	 * a guest with interrupts disabled) would otherwise leave its vCPU
	 * waiting for the others for as long as it overran. */
	v->vruntime += weighed(v, MIN(ran, tick()));
	vm_serve_requests(v->vm);
	return true;
}

__noreturn void sched_loop(void)
{
	struct percpu *p = this_cpu();
	struct runqueue *rq = &runqueues[p->index];

	for (;;)
		if (!sched_turn(p, rq))
			/* Nothing to run: sleep until the tick or a kick. */
			asm volatile("sti; hlt; cli" ::: "memory");
}
