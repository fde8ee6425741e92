/* Host tests for the timers (hv/core/timer.c) over the fake arch/
 * (fake_hv.h): the order they fire in, what the hardware timer is set
 * to, cancelling and moving, callbacks that arm again, and the tick
 * beside them. The TSC is the fake's, moved by the tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/trap.h"
#include "hv/core/sched.h"
#include "hv/core/timer.h"

#define TICK (FAKE_TSC_HZ / SCHED_HZ)

static struct timer t[4];
static char order[16];
static u32 fired;
static u64 again_in;	/* t[0]'s callback arms it again this far on */

static void fire(struct timer *tm)
{
	order[fired++] = (char)('0' + (tm - t));
	if (tm == &t[0] && again_in)
		timer_arm(tm, fake_tsc + again_in);
}

static int setup(void **state)
{
	(void)state;
	return host_init(2);
}

static int before_each(void **state)
{
	(void)state;
	host_test_start();
	host_set_cpu(0);
	fake_tsc = 1000;
	for (u32 i = 0; i < 4; i++) {
		timer_cancel(&t[i]);
		timer_init(&t[i], fire);
	}
	memset(order, 0, sizeof(order));
	fired = 0;
	again_in = 0;
	timer_cpu_init();
	percpu[0].need_resched = false;
	return 0;
}

static u64 hw_armed(void)
{
	return fake_last_call(FAKE_TIMER_ARM, NULL)->arg[0];
}

/* The interrupt at the fake's current time, then the loop's look. */
static void interrupt_and_run(void)
{
	struct trap_frame f = { 0 };

	fake_handler(VEC_TIMER)(&f);
	if (timer_due())
		timer_run_expired();
}

static void fire_in_deadline_order(void **state)
{
	(void)state;
	assert_int_equal(hw_armed(), TICK);	/* nothing yet: the tick */
	timer_arm(&t[1], 1300);
	assert_int_equal(hw_armed(), 300);
	timer_arm(&t[2], 1100);
	assert_int_equal(hw_armed(), 100);
	timer_arm(&t[3], 1300);	/* equal deadlines: in the order armed */
	timer_arm(&t[0], 1200);
	assert_int_equal(hw_armed(), 100);	/* not the head: not reprogrammed */
	assert_true(timer_armed(&t[0]));

	fake_tsc = 1099;
	interrupt_and_run();
	assert_int_equal(fired, 0);
	assert_false(timer_due());
	fake_tsc = 1250;	/* late: both passed deadlines fire, in order */
	interrupt_and_run();
	assert_string_equal(order, "20");
	assert_false(timer_armed(&t[2]));
	assert_int_equal(hw_armed(), 50);	/* t[1] at 1300 */
	fake_tsc = 1300;
	interrupt_and_run();
	assert_string_equal(order, "2013");
	assert_int_equal(hw_armed(), 1000 + TICK - 1300);	/* the tick again */
	assert_false(percpu[0].need_resched);	/* timers are no tick */
}

static void cancel_and_move(void **state)
{
	(void)state;
	timer_arm(&t[0], 1100);
	timer_arm(&t[1], 1200);
	timer_cancel(&t[0]);
	assert_false(timer_armed(&t[0]));
	timer_cancel(&t[0]);	/* twice is harmless */
	timer_arm(&t[1], 1050);	/* re-armed: moves */

	/* Armed from CPU 1: it leaves CPU 0's queue for CPU 1's. */
	timer_arm(&t[2], 1010);
	host_set_cpu(1);
	timer_cpu_init();
	timer_arm(&t[2], 1020);
	host_set_cpu(0);
	fake_tsc = 2000;
	interrupt_and_run();
	assert_string_equal(order, "1");
	host_set_cpu(1);
	interrupt_and_run();
	assert_string_equal(order, "12");
	host_set_cpu(0);
}

/* A periodic device arms its timer again from the callback; a deadline
 * already past fires at the next look, not in a loop now. */
static void callback_arms_again(void **state)
{
	(void)state;
	again_in = 500;
	timer_arm(&t[0], 1100);
	fake_tsc = 1100;
	interrupt_and_run();
	assert_string_equal(order, "0");
	assert_int_equal(t[0].deadline, 1600);
	assert_int_equal(hw_armed(), 500);
	fake_tsc = 1600;
	interrupt_and_run();
	assert_string_equal(order, "00");

	again_in = 0;
	timer_arm(&t[1], 100);	/* in the past */
	assert_int_equal(hw_armed(), 1);
	interrupt_and_run();
	assert_string_equal(order, "001");
}

/* The tick and a timer due at once: the interrupt ends the slice and
 * the loop runs the timer. */
static void tick_beside_timers(void **state)
{
	u64 ticks = percpu[0].ticks;

	(void)state;
	timer_arm(&t[0], 1000 + TICK);
	fake_tsc = 1000 + TICK;
	interrupt_and_run();
	assert_true(percpu[0].need_resched);
	assert_int_equal(percpu[0].ticks, ticks + 1);
	assert_string_equal(order, "0");
	assert_int_equal(hw_armed(), TICK);
}

/* An expired head marked due waits for the loop: the interrupt does not
 * arm the hardware for a deadline already past, which would fire again
 * at once until the loop ran. */
static void due_head_waits_for_the_loop(void **state)
{
	struct trap_frame f = { 0 };

	(void)state;
	timer_arm(&t[0], 1100);
	fake_tsc = 1100;
	fake_handler(VEC_TIMER)(&f);
	assert_true(timer_due());
	assert_int_equal(hw_armed(), 1000 + TICK - 1100);	/* the tick */
	assert_int_equal(fired, 0);
	timer_run_expired();
	assert_string_equal(order, "0");
}

#define T(fn) cmocka_unit_test_setup(fn, before_each)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(fire_in_deadline_order),
		T(cancel_and_move),
		T(callback_arms_again),
		T(tick_beside_timers),
		T(due_head_waits_for_the_loop),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
