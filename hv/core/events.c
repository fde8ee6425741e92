#include "hv/core/events.h"
#include "lib/spinlock.h"
#include "lib/string.h"

enum exc_class { BENIGN, CONTRIBUTORY, PAGE_FAULT, DOUBLE_FAULT };

static enum exc_class class_of(u8 vector)
{
	switch (vector) {
	case EXC_DE: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP:
	case 21:						/* #CP */
		return CONTRIBUTORY;
	case EXC_PF: case 20:					/* #VE */
		return PAGE_FAULT;
	case EXC_DF:
		return DOUBLE_FAULT;
	default:
		return BENIGN;
	}
}

void events_reset(struct vcpu_events *ev)
{
	const struct intr_source *src = ev->src;

	memset(ev, 0, sizeof(*ev));
	ev->src = src;
}

/* After the event is in place, so that a planner that clears `pending`
 * either sees the event or sees `pending` set again. */
static void mark_pending(struct vcpu_events *ev)
{
	atomic_store_fence(&ev->pending, true);
}

void events_raise_intr(struct vcpu_events *ev, u8 vector)
{
	atomic_fetch_or(&ev->irr[vector / 64], 1ull << (vector % 64));
	mark_pending(ev);
}

void events_raise_nmi(struct vcpu_events *ev)
{
	atomic_store(&ev->nmi, true);
	mark_pending(ev);
}

void events_intr_changed(struct vcpu_events *ev)
{
	mark_pending(ev);
}

void events_requeue(struct vcpu_events *ev, const struct event *cut)
{
	switch (cut->type) {
	case EV_EXCEPTION:
		ev->again = *cut;
		mark_pending(ev);
		break;
	case EV_NMI:
		events_raise_nmi(ev);
		break;
	case EV_INTR:
		events_raise_intr(ev, cut->vector);
		break;
	default:
		break;
	}
}

int events_queue_exception(struct vcpu_events *ev, u8 vector, bool has_error, u32 error)
{
	struct event *first = ev->exc.type ? &ev->exc : ev->again.type ? &ev->again : NULL;
	struct event next = { EV_EXCEPTION, vector, has_error, error };

	if (first) {
		enum exc_class a = class_of(first->vector), b = class_of(vector);

		if (a == DOUBLE_FAULT && b != BENIGN)
			return EVENTS_TRIPLE_FAULT;
		if ((a == CONTRIBUTORY && b == CONTRIBUTORY) ||
		    (a == PAGE_FAULT && b != BENIGN))
			next = (struct event){ EV_EXCEPTION, EXC_DF, true, 0 };
		/* Otherwise the two are handled one after the other: the second
		 * goes in; a fault among the first comes again when its
		 * instruction runs again. */
		first->type = EV_NONE;
	}
	ev->exc = next;
	mark_pending(ev);
	return EVENTS_OK;
}

static int highest_intr(const struct vcpu_events *ev)
{
	for (int i = 3; i >= 0; i--) {
		u64 w = atomic_load(&ev->irr[i]);

		if (w)
			return i * 64 + 63 - __builtin_clzll(w);
	}
	return -1;
}

bool events_intr_waiting(const struct vcpu_events *ev)
{
	return highest_intr(ev) >= 0 || (ev->src && ev->src->pending(ev->src->ctl) >= 0);
}

void events_plan(struct vcpu_events *ev, bool nmi_ok, bool intr_ok, struct event_plan *p)
{
	int vector;

	atomic_store_fence(&ev->pending, false);
	vector = highest_intr(ev);
	*p = (struct event_plan){ { EV_NONE, 0, false, 0 }, false, false, false };
	if (ev->again.type) {
		p->inject = ev->again;
		ev->again.type = EV_NONE;
	} else if (ev->exc.type) {
		p->inject = ev->exc;
		p->raised = true;
		ev->exc.type = EV_NONE;
	} else if (atomic_load(&ev->nmi) && nmi_ok) {
		p->inject = (struct event){ EV_NMI, EXC_NMI, false, 0 };
		atomic_store(&ev->nmi, false);
	} else if (intr_ok) {
		/* An NMI held back by NMI blocking does not hold back this. */
		if (vector < 0 && ev->src)
			vector = ev->src->take(ev->src->ctl);
		else if (vector >= 0)
			atomic_fetch_and(&ev->irr[vector / 64], ~(1ull << (vector % 64)));
		if (vector >= 0)
			p->inject = (struct event){ EV_INTR, (u8)vector, false, 0 };
	}
	/* What still waits needs an exit once the guest can take it. */
	p->nmi_window = atomic_load(&ev->nmi);
	p->intr_window = events_intr_waiting(ev);
	if (p->nmi_window || p->intr_window || ev->again.type || ev->exc.type)
		mark_pending(ev);
}
