/* Spinlocks and atomics for state that CPUs share.
 *
 * A ticket lock: CPUs get the lock in the order they asked for it, so none
 * starves. Hold one for a few hundred instructions at most, and never
 * across a guest run or a wait for another CPU. The _irqsave forms also
 * keep this CPU's interrupt handlers out, for locks that a handler takes.
 *
 * The atomics are the compiler's __atomic builtins under short names;
 * every one is a full barrier unless its name says otherwise. */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "lib/types.h"

struct spinlock {
	u16 next;	/* the ticket the next taker draws */
	u16 owner;	/* the ticket now served */
};

#define SPINLOCK_INIT { 0, 0 }

#define atomic_load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define atomic_fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_or(p, v) __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_and(p, v) __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
#define atomic_xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
/* Stores, then makes the store visible before any later load. */
#define atomic_store_fence(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

static inline void spin_pause(void)
{
	__builtin_ia32_pause();
}

static inline void spin_lock(struct spinlock *l)
{
	u16 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		spin_pause();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}

/* Interrupts off, returning whether they were on. The host unit tests run
 * this code in a process, where interrupts are not theirs to change. */
static inline u64 irq_save(void)
{
#ifdef LUCID_HOST_TEST
	return 0;
#else
	u64 flags;

	asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
#endif
}

static inline void irq_restore(u64 flags)
{
#ifndef LUCID_HOST_TEST
	if (flags & (1u << 9)) /* IF */
		asm volatile("sti" : : : "memory");
#else
	(void)flags;
#endif
}

static inline u64 spin_lock_irqsave(struct spinlock *l)
{
	u64 flags = irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, u64 flags)
{
	spin_unlock(l);
	irq_restore(flags);
}

#endif
