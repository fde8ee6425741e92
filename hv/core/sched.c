#include "hv/core/sched.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "hv/console/console.h"
#include "hv/core/vcpu.h"

#define VEC_TIMER 0x20

/* The ring of vCPUs this CPU runs; `cur` ran last. */
static struct vcpu *ring[MAX_CPUS];

static void on_tick(struct trap_frame *f)
{
	struct percpu *p = this_cpu();

	(void)f;
	p->ticks++;
	p->need_resched = true;
	lapic_eoi();
}

void sched_init(void)
{
	trap_set_handler(VEC_TIMER, on_tick);
	lapic_timer_periodic(VEC_TIMER, SCHED_HZ);
}

void sched_add(struct vcpu *v)
{
	struct vcpu **cur = &ring[this_cpu()->index];

	for (struct vcpu *w = *cur; w; w = w->next_run == *cur ? NULL : w->next_run)
		if (w == v)
			return;
	if (!*cur) {
		v->next_run = v;
		*cur = v;
	} else {
		v->next_run = (*cur)->next_run;
		(*cur)->next_run = v;
	}
}

static struct vcpu *pick(struct vcpu *cur)
{
	struct vcpu *v = cur;

	if (!v)
		return NULL;
	do {
		v = v->next_run;
		if (v->state == VCPU_RUNNABLE || vcpu_wakeable(v))
			return v;
	} while (v != cur);
	return NULL;
}

__noreturn void sched_loop(void)
{
	struct percpu *p = this_cpu();

	for (;;) {
		struct vcpu *v = pick(ring[p->index]);

		console_poll();
		p->need_resched = false;
		if (!v) {
			/* Nothing to run: sleep until the tick or another interrupt. */
			asm volatile("sti; hlt; cli" ::: "memory");
			continue;
		}
		ring[p->index] = v;
		vcpu_run_slice(v);
	}
}
