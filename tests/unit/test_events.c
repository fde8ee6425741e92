/* A vCPU's pending events (hv/core/events.c): the order they go in, the
 * windows asked for, and exceptions merged as the manuals' tables say. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hv/core/events.h"

static struct vcpu_events ev;

static int setup(void **state)
{
	(void)state;
	events_reset(&ev);
	ev.src = NULL;
	return 0;
}

static struct event_plan plan(bool nmi_ok, bool intr_ok)
{
	struct event_plan p;

	events_plan(&ev, nmi_ok, intr_ok, &p);
	return p;
}

static void expect_inject(struct event_plan p, u8 type, u8 vector)
{
	assert_int_equal(p.inject.type, type);
	assert_int_equal(p.inject.vector, vector);
}

static void nothing_pending(void **state)
{
	(void)state;
	struct event_plan p = plan(true, true);

	expect_inject(p, EV_NONE, 0);
	assert_false(p.nmi_window);
	assert_false(p.intr_window);
	assert_false(events_intr_waiting(&ev));
}

static void exception_goes_in_once(void **state)
{
	(void)state;
	assert_int_equal(events_queue_exception(&ev, 13, true, 0x18), EVENTS_OK);
	struct event_plan p = plan(false, false);	/* exceptions ignore IF */

	expect_inject(p, EV_EXCEPTION, 13);
	assert_true(p.inject.has_error);
	assert_int_equal(p.inject.error, 0x18);
	assert_true(p.raised);	/* lucid's own: a fault gets RFLAGS.RF */
	expect_inject(plan(true, true), EV_NONE, 0);
}

/* first, second, what goes in (8: #DF with error 0; 0xff: triple fault) */
static const struct { u8 first, second, result; } merges[] = {
	{ 13, 13, 8 },	/* contributory, contributory */
	{ 0, 11, 8 },
	{ 14, 13, 8 },	/* page fault, contributory */
	{ 14, 14, 8 },	/* page fault, page fault */
	{ 13, 14, 14 },	/* contributory, page fault: one after the other */
	{ 6, 13, 13 },	/* benign first */
	{ 13, 1, 1 },	/* benign second */
	{ 14, 3, 3 },
	{ 8, 13, 0xff },	/* double fault, contributory */
	{ 8, 14, 0xff },	/* double fault, page fault */
	{ 8, 1, 1 },	/* double fault, benign */
};

static void exceptions_merge(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(merges) / sizeof(merges[0]); i++) {
		events_reset(&ev);
		assert_int_equal(events_queue_exception(&ev, merges[i].first, false, 0), EVENTS_OK);
		int rc = events_queue_exception(&ev, merges[i].second, true, 0x1234);

		if (merges[i].result == 0xff) {
			assert_int_equal(rc, EVENTS_TRIPLE_FAULT);
			continue;
		}
		assert_int_equal(rc, EVENTS_OK);
		struct event_plan p = plan(true, true);
		expect_inject(p, EV_EXCEPTION, merges[i].result);
		if (merges[i].result == 8) {
			assert_true(p.inject.has_error);
			assert_int_equal(p.inject.error, 0);
		}
		/* Exactly one goes in: the first is gone. */
		expect_inject(plan(true, true), EV_NONE, 0);
	}
}

static void cut_exception_is_first_and_merges(void **state)
{
	(void)state;
	struct event pf = { EV_EXCEPTION, 14, true, 2 };

	events_requeue(&ev, &pf);
	struct event_plan p = plan(false, false);
	expect_inject(p, EV_EXCEPTION, 14);
	assert_int_equal(p.inject.error, 2);
	assert_false(p.raised);	/* the CPU's, delivered again as it was */

	/* Delivering it faulted again: a page fault then a #GP is a #DF. */
	events_requeue(&ev, &pf);
	assert_int_equal(events_queue_exception(&ev, 13, true, 0), EVENTS_OK);
	expect_inject(plan(true, true), EV_EXCEPTION, 8);
	expect_inject(plan(true, true), EV_NONE, 0);
}

static void cut_exception_before_queued_interrupt(void **state)
{
	(void)state;
	struct event db = { EV_EXCEPTION, 1, false, 0 };

	events_raise_intr(&ev, 0x30);
	events_requeue(&ev, &db);
	struct event_plan p = plan(true, true);
	expect_inject(p, EV_EXCEPTION, 1);
	assert_true(p.intr_window);
	expect_inject(plan(true, true), EV_INTR, 0x30);
}

static void cut_nmi_intr_and_soft(void **state)
{
	(void)state;
	struct event nmi = { EV_NMI, 2, false, 0 }, intr = { EV_INTR, 0x41, false, 0 };
	struct event soft = { EV_SOFT, 0x80, false, 0 };

	events_requeue(&ev, &soft);	/* INT 0x80 runs again: nothing queued */
	expect_inject(plan(true, true), EV_NONE, 0);
	events_requeue(&ev, &intr);
	events_requeue(&ev, &nmi);
	expect_inject(plan(true, true), EV_NMI, 2);
	expect_inject(plan(true, true), EV_INTR, 0x41);
	expect_inject(plan(true, true), EV_NONE, 0);
}

static void interrupts_highest_first(void **state)
{
	(void)state;
	static const u8 vectors[] = { 0x20, 0xfe, 0x41, 0x80, 0x7f };
	static const u8 order[] = { 0xfe, 0x80, 0x7f, 0x41, 0x20 };

	for (size_t i = 0; i < sizeof(vectors); i++)
		events_raise_intr(&ev, vectors[i]);
	events_raise_intr(&ev, 0x41);	/* twice: still one */
	assert_true(events_intr_waiting(&ev));
	for (size_t i = 0; i < sizeof(order); i++) {
		struct event_plan p = plan(true, true);
		expect_inject(p, EV_INTR, order[i]);
		assert_int_equal(p.intr_window, i + 1 < sizeof(order));
	}
	assert_false(events_intr_waiting(&ev));
}

static void interrupt_waits_for_the_window(void **state)
{
	(void)state;
	events_raise_intr(&ev, 0x30);
	struct event_plan p = plan(true, false);

	expect_inject(p, EV_NONE, 0);
	assert_true(p.intr_window);
	assert_false(p.nmi_window);
	expect_inject(plan(true, true), EV_INTR, 0x30);
}

static void nmi_before_interrupts_unless_blocked(void **state)
{
	(void)state;
	events_raise_intr(&ev, 0x30);
	events_raise_nmi(&ev);

	/* NMI blocked: the interrupt goes in, an NMI window is asked for. */
	struct event_plan p = plan(false, true);
	expect_inject(p, EV_INTR, 0x30);
	assert_true(p.nmi_window);
	assert_false(p.intr_window);

	events_raise_intr(&ev, 0x31);
	p = plan(true, true);
	expect_inject(p, EV_NMI, 2);
	assert_false(p.nmi_window);
	assert_true(p.intr_window);
}

static void exception_before_nmi_and_interrupt(void **state)
{
	(void)state;
	events_raise_nmi(&ev);
	events_raise_intr(&ev, 0x30);
	assert_int_equal(events_queue_exception(&ev, 6, false, 0), EVENTS_OK);
	struct event_plan p = plan(true, true);

	expect_inject(p, EV_EXCEPTION, 6);
	assert_true(p.nmi_window);
	assert_true(p.intr_window);
}

static void reset_clears_everything(void **state)
{
	(void)state;
	events_raise_nmi(&ev);
	events_raise_intr(&ev, 0x99);
	assert_int_equal(events_queue_exception(&ev, 13, true, 0), EVENTS_OK);
	events_reset(&ev);
	struct event_plan p = plan(true, true);

	expect_inject(p, EV_NONE, 0);
	assert_false(p.nmi_window || p.intr_window);
}

/* The run loop's fast path skips events_plan while nothing is pending:
 * the flag must be set by every way in, and cleared only when nothing
 * is left. */
static void pending_flag_follows_the_queue(void **state)
{
	(void)state;
	struct event cut = { EV_EXCEPTION, 14, true, 0 };

	assert_false(events_pending(&ev));
	events_raise_intr(&ev, 0x30);
	assert_true(events_pending(&ev));
	(void)plan(true, false);		/* it waits for a window */
	assert_true(events_pending(&ev));
	(void)plan(true, true);			/* in */
	assert_false(events_pending(&ev));

	events_raise_nmi(&ev);
	assert_true(events_pending(&ev));
	(void)plan(true, true);
	assert_false(events_pending(&ev));

	assert_int_equal(events_queue_exception(&ev, 6, false, 0), EVENTS_OK);
	assert_true(events_pending(&ev));
	(void)plan(true, true);
	assert_false(events_pending(&ev));

	events_requeue(&ev, &cut);
	assert_true(events_pending(&ev));
	(void)plan(true, true);
	assert_false(events_pending(&ev));
}

/* An interrupt controller with one request: its vector, or -1; taking
 * it acknowledges it, and a request that went away takes as -1. */
struct fake_ctl {
	int vector;
	int takes;
	bool vanish;	/* pending says yes, take finds nothing */
};

static int fake_pending(void *c)
{
	return ((struct fake_ctl *)c)->vector;
}

static int fake_take(void *c)
{
	struct fake_ctl *f = c;
	int v = f->vanish ? -1 : f->vector;

	f->takes++;
	f->vector = -1;
	return v;
}

static struct fake_ctl ctl;
static const struct intr_source fake_src = { fake_pending, fake_take, &ctl };

static void source_delivers_and_acknowledges(void **state)
{
	(void)state;
	ctl = (struct fake_ctl){ 0x30, 0, false };
	ev.src = &fake_src;
	assert_true(events_intr_waiting(&ev));
	events_intr_changed(&ev);
	assert_true(events_pending(&ev));

	struct event_plan p = plan(true, false);	/* IF=0: wait */

	expect_inject(p, EV_NONE, 0);
	assert_true(p.intr_window);
	assert_int_equal(ctl.takes, 0);
	p = plan(true, true);
	expect_inject(p, EV_INTR, 0x30);
	assert_int_equal(ctl.takes, 1);
	assert_false(p.intr_window);
	assert_false(events_intr_waiting(&ev));
}

/* A vector in irr (a cut-short delivery, already acknowledged) goes in
 * before the controller is asked again. */
static void irr_before_source(void **state)
{
	(void)state;
	const struct event cut = { EV_INTR, 0x28, false, 0 };

	ctl = (struct fake_ctl){ 0x40, 0, false };
	ev.src = &fake_src;
	events_requeue(&ev, &cut);
	struct event_plan p = plan(true, true);

	expect_inject(p, EV_INTR, 0x28);
	assert_int_equal(ctl.takes, 0);
	assert_true(p.intr_window);	/* the source still asks */
	expect_inject(plan(true, true), EV_INTR, 0x40);
}

static void source_request_vanishes(void **state)
{
	(void)state;
	ctl = (struct fake_ctl){ 0x30, 0, true };
	ev.src = &fake_src;
	struct event_plan p = plan(true, true);

	expect_inject(p, EV_NONE, 0);
	assert_int_equal(ctl.takes, 1);
	assert_false(p.intr_window);
}

static void reset_keeps_the_source(void **state)
{
	(void)state;
	ctl = (struct fake_ctl){ -1, 0, false };
	ev.src = &fake_src;
	events_raise_intr(&ev, 0x50);
	events_reset(&ev);
	assert_ptr_equal(ev.src, &fake_src);
	assert_false(events_intr_waiting(&ev));
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(nothing_pending),
		T(exception_goes_in_once),
		T(exceptions_merge),
		T(cut_exception_is_first_and_merges),
		T(cut_exception_before_queued_interrupt),
		T(cut_nmi_intr_and_soft),
		T(interrupts_highest_first),
		T(interrupt_waits_for_the_window),
		T(nmi_before_interrupts_unless_blocked),
		T(exception_before_nmi_and_interrupt),
		T(reset_clears_everything),
		T(pending_flag_follows_the_queue),
		T(source_delivers_and_acknowledges),
		T(irr_before_source),
		T(source_request_vanishes),
		T(reset_keeps_the_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
