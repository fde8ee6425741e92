/* Unit tests for lib/date.c: dates and seconds since 1970, both ways.
 * Fixed points (from Python's calendar.timegm) anchor the arithmetic;
 * a walk over every day of 1590-2410 checks that each second count
 * gives the day after the one before, weekday included, and comes back
 * from its date. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/date.h"

struct fixed {
	s64 t;
	struct date d;
};

static const struct fixed fixed[] = {
	{ 0, { 1970, 1, 1, 0, 0, 0, 4 } },
	{ -1, { 1969, 12, 31, 23, 59, 59, 3 } },
	{ 946684800, { 2000, 1, 1, 0, 0, 0, 6 } },
	{ 951782400, { 2000, 2, 29, 0, 0, 0, 2 } },	/* a century that is a leap year */
	{ 4107456000, { 2100, 2, 28, 0, 0, 0, 0 } },
	{ 4107542400, { 2100, 3, 1, 0, 0, 0, 1 } },	/* one that is not */
	{ 2147483648, { 2038, 1, 19, 3, 14, 8, 2 } },	/* past 32-bit time */
	{ 1796507300, { 2026, 12, 5, 21, 48, 20, 6 } },
	{ 253402300799, { 9999, 12, 31, 23, 59, 59, 5 } },
	{ -2208988800, { 1900, 1, 1, 0, 0, 0, 1 } },
	{ -11670998400, { 1600, 2, 29, 0, 0, 0, 2 } },
	{ -62135596800, { 1, 1, 1, 0, 0, 0, 1 } },
};

static void assert_date(const struct date *got, const struct date *want, s64 t)
{
	if (got->year != want->year || got->month != want->month || got->day != want->day ||
	    got->hour != want->hour || got->min != want->min || got->sec != want->sec ||
	    got->wday != want->wday)
		fail_msg("%lld: got %d-%02u-%02u %02u:%02u:%02u wday %u, want %d-%02u-%02u "
			 "%02u:%02u:%02u wday %u",
			 (long long)t, got->year, got->month, got->day, got->hour, got->min,
			 got->sec, got->wday, want->year, want->month, want->day, want->hour,
			 want->min, want->sec, want->wday);
}

static void test_fixed_points(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		struct date d;

		date_from_seconds(fixed[i].t, &d);
		assert_date(&d, &fixed[i].d, fixed[i].t);
		assert_int_equal(date_to_seconds(&fixed[i].d), fixed[i].t);
		assert_true(date_valid(&fixed[i].d));
	}
}

static void test_leap_years(void **state)
{
	static const s32 leap[] = { 2000, 2024, 1600, 1996, 0, -4, 2400 };
	static const s32 common[] = { 1900, 2023, 2100, 1700, 1, -100, 2200 };

	(void)state;
	for (size_t i = 0; i < sizeof(leap) / sizeof(leap[0]); i++) {
		assert_true(date_leap(leap[i]));
		assert_int_equal(date_month_days(leap[i], 2), 29);
	}
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		assert_false(date_leap(common[i]));
		assert_int_equal(date_month_days(common[i], 2), 28);
	}
	assert_int_equal(date_month_days(2023, 1), 31);
	assert_int_equal(date_month_days(2023, 4), 30);
	assert_int_equal(date_month_days(2023, 12), 31);
	assert_int_equal(date_month_days(2023, 0), 0);
	assert_int_equal(date_month_days(2023, 13), 0);
}

/* Every day of 1590-2410 (three century years that are not leap years,
 * two that are), at 23:59:59 and the second after: the date rolls over
 * exactly as the calendar says. */
static void test_every_day(void **state)
{
	struct date a, b;
	s64 t = date_to_seconds(&(struct date){ 1590, 1, 1, 23, 59, 59, 0 });

	(void)state;
	date_from_seconds(t, &a);
	for (;;) {
		date_from_seconds(t + 1, &b);
		assert_int_equal(date_to_seconds(&a), t);
		assert_int_equal(date_to_seconds(&b), t + 1);
		assert_int_equal(a.hour * 3600 + a.min * 60 + a.sec, DAY_SECONDS - 1);
		assert_int_equal(b.hour + b.min + b.sec, 0);
		assert_int_equal(b.wday, (a.wday + 1) % 7);
		if (a.day < date_month_days(a.year, a.month)) {
			assert_true(b.year == a.year && b.month == a.month && b.day == a.day + 1);
		} else if (a.month < 12) {
			assert_true(b.year == a.year && b.month == a.month + 1 && b.day == 1);
		} else {
			assert_true(b.year == a.year + 1 && b.month == 1 && b.day == 1);
			if (b.year == 2411)
				break;
		}
		assert_true(date_valid(&b));
		t += DAY_SECONDS;
		date_from_seconds(t, &a);
	}
}

/* Fields past their range carry into the next, as a clock's counters do. */
static void test_carries(void **state)
{
	struct date d;

	(void)state;
	assert_int_equal(date_to_seconds(&(struct date){ 2023, 2, 30, 0, 0, 0, 0 }),
			 date_to_seconds(&(struct date){ 2023, 3, 2, 0, 0, 0, 0 }));
	assert_int_equal(date_to_seconds(&(struct date){ 2024, 2, 30, 0, 0, 0, 0 }),
			 date_to_seconds(&(struct date){ 2024, 3, 1, 0, 0, 0, 0 }));
	assert_int_equal(date_to_seconds(&(struct date){ 2023, 13, 1, 0, 0, 0, 0 }),
			 date_to_seconds(&(struct date){ 2024, 1, 1, 0, 0, 0, 0 }));
	assert_int_equal(date_to_seconds(&(struct date){ 2023, 0, 1, 0, 0, 0, 0 }),
			 date_to_seconds(&(struct date){ 2022, 12, 1, 0, 0, 0, 0 }));
	assert_int_equal(date_to_seconds(&(struct date){ 2023, 255, 0, 255, 255, 255, 0 }),
			 date_to_seconds(&(struct date){ 2044, 3, 1, 0, 0, 0, 0 }) - DAY_SECONDS +
				 255 * 3600 + 255 * 60 + 255);
	date_from_seconds(date_to_seconds(&(struct date){ 1999, 12, 31, 24, 0, 0, 0 }), &d);
	assert_date(&d, &(struct date){ 2000, 1, 1, 0, 0, 0, 6 }, 0);

	assert_false(date_valid(&(struct date){ 2023, 2, 29, 0, 0, 0, 0 }));
	assert_true(date_valid(&(struct date){ 2024, 2, 29, 0, 0, 0, 0 }));
	assert_false(date_valid(&(struct date){ 2023, 0, 1, 0, 0, 0, 0 }));
	assert_false(date_valid(&(struct date){ 2023, 1, 0, 0, 0, 0, 0 }));
	assert_false(date_valid(&(struct date){ 2023, 1, 1, 24, 0, 0, 0 }));
	assert_false(date_valid(&(struct date){ 2023, 1, 1, 0, 60, 0, 0 }));
	assert_false(date_valid(&(struct date){ 2023, 1, 1, 0, 0, 60, 0 }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_points),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_every_day),
		cmocka_unit_test(test_carries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
