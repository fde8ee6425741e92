/* Calendar dates and seconds since 1970-01-01 00:00:00 (the Unix epoch),
 * in the Gregorian calendar carried back before its start as well (a
 * leap year is one divisible by 4, but not by 100 unless by 400). No time
 * zones: a date means whatever zone its clock keeps. Pure code, for the
 * CMOS clock: the machine's (drivers/rtc.c) and the guests'
 * (hv/vdev/rtc.c). */
#ifndef LIB_DATE_H
#define LIB_DATE_H

#include "lib/types.h"

#define DAY_SECONDS 86400

struct date {
	s32 year;
	u8 month;	/* 1-12 */
	u8 day;		/* 1-31 */
	u8 hour;	/* 0-23 */
	u8 min, sec;	/* 0-59 */
	u8 wday;	/* 0 (Sunday) - 6: date_from_seconds sets it, date_to_seconds ignores it */
};

/* a / b rounded down, and what is left (0 to b - 1), for negative a too
 * (b > 0): times before 1970. */
static inline s64 div_floor(s64 a, s64 b)
{
	return a / b - (a % b < 0);
}

static inline s64 mod_floor(s64 a, s64 b)
{
	return a - div_floor(a, b) * b;
}

bool date_leap(s32 year);
/* The days of a month (1-12) in a year. */
u8 date_month_days(s32 year, u8 month);
/* Whether every field is in its range (day within its month). */
bool date_valid(const struct date *d);
/* Seconds since 1970 (negative before). Fields past their range count
 * on, as a clock's carries would: day 30 of February is in March, month
 * 13 is January of the next year, month 0 December of the one before. */
s64 date_to_seconds(const struct date *d);
/* The date `t` seconds after 1970 (before it, for t < 0), wday included.
 * For the years a s32 holds. */
void date_from_seconds(s64 t, struct date *d);

#endif
