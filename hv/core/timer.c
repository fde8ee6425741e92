/* Timers (timer.h). */
#include "hv/core/timer.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "hv/core/sched.h"
#include "lib/spinlock.h"

struct timer_queue {
	struct spinlock lock;	/* other CPUs cancel */
	struct timer *head;
	u64 next_tick;
	bool due;		/* the head has expired: run the queue */
};

static struct timer_queue queues[MAX_CPUS];

u64 timer_hz(void)
{
	return lapic()->tsc_hz;
}

static u64 tick_period(void)
{
	return timer_hz() / SCHED_HZ;
}

/* Under q's lock: the hardware fires at the head or the tick, whichever
 * comes first. A head already marked due waits for the loop, not for
 * another interrupt: armed for a deadline past, the timer would fire
 * again at once, over and over, until the loop ran. */
static void program(struct timer_queue *q, u64 now)
{
	u64 next = q->next_tick;

	if (q->head && !q->due && q->head->deadline < next)
		next = q->head->deadline;
	lapic_timer_arm(next > now ? next - now : 1);
}

/* Under q's lock. */
static void unlink(struct timer_queue *q, struct timer *t)
{
	for (struct timer **pp = &q->head; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->next = NULL;
	t->cpu = -1;
}

void timer_init(struct timer *t, void (*fire)(struct timer *t))
{
	*t = (struct timer){ 0, fire, NULL, -1 };
}

bool timer_armed(const struct timer *t)
{
	return atomic_load(&t->cpu) >= 0;
}

void timer_cancel(struct timer *t)
{
	for (;;) {
		s32 cpu = atomic_load(&t->cpu);
		struct timer_queue *q;
		u64 flags;

		if (cpu < 0)
			return;
		q = &queues[cpu];
		flags = spin_lock_irqsave(&q->lock);
		if (t->cpu == cpu) {	/* still there: not moved meanwhile */
			unlink(q, t);
			spin_unlock_irqrestore(&q->lock, flags);
			return;
		}
		spin_unlock_irqrestore(&q->lock, flags);
	}
}

void timer_arm(struct timer *t, u64 deadline)
{
	struct timer_queue *q = &queues[this_cpu()->index];
	struct timer **pp;
	u64 flags;

	timer_cancel(t);
	flags = spin_lock_irqsave(&q->lock);
	t->deadline = deadline;
	for (pp = &q->head; *pp && (*pp)->deadline <= deadline; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	atomic_store(&t->cpu, (s32)this_cpu()->index);
	if (q->head == t)
		program(q, rdtsc());
	spin_unlock_irqrestore(&q->lock, flags);
}

bool timer_due(void)
{
	return queues[this_cpu()->index].due;
}

void timer_run_expired(void)
{
	struct timer_queue *q = &queues[this_cpu()->index];
	u64 flags = spin_lock_irqsave(&q->lock);
	u64 now = rdtsc();

	q->due = false;
	while (q->head && q->head->deadline <= now) {
		struct timer *t = q->head;

		unlink(q, t);
		spin_unlock_irqrestore(&q->lock, flags);
		t->fire(t);	/* may arm t, or others, again */
		flags = spin_lock_irqsave(&q->lock);
		now = rdtsc();
	}
	program(q, now);
	spin_unlock_irqrestore(&q->lock, flags);
}

/* The tick ends the slice at once; expired timers wait for the loop. */
static void on_timer(struct trap_frame *f)
{
	struct timer_queue *q = &queues[this_cpu()->index];
	u64 now = rdtsc();

	(void)f;
	spin_lock(&q->lock);
	if (now >= q->next_tick) {
		sched_tick();
		q->next_tick = now + tick_period();
	}
	if (q->head && q->head->deadline <= now)
		q->due = true;
	program(q, now);
	spin_unlock(&q->lock);
	lapic_eoi();
}

void timer_cpu_init(void)
{
	struct timer_queue *q = &queues[this_cpu()->index];
	u64 flags;

	trap_set_handler(VEC_TIMER, on_timer);
	lapic_timer_oneshot(VEC_TIMER);
	flags = spin_lock_irqsave(&q->lock);
	q->next_tick = rdtsc() + tick_period();
	program(q, rdtsc());
	spin_unlock_irqrestore(&q->lock, flags);
}
