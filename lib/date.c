/* Calendar arithmetic (date.h): days counted from 1970 through whole
 * years, then months. */
#include "lib/date.h"

/* Days before each month in a year that is not a leap year. */
static const u16 days_before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };

bool date_leap(s32 year)
{
	return mod_floor(year, 4) == 0 && (mod_floor(year, 100) != 0 || mod_floor(year, 400) == 0);
}

u8 date_month_days(s32 year, u8 month)
{
	static const u8 days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	return (u8)(days[month - 1] + (month == 2 && date_leap(year)));
}

bool date_valid(const struct date *d)
{
	return d->month >= 1 && d->month <= 12 && d->day >= 1 &&
	       d->day <= date_month_days(d->year, d->month) && d->hour < 24 && d->min < 60 &&
	       d->sec < 60;
}

/* Leap years in [1, y) counted from year 1, negative below it. */
static s64 leaps_before(s64 y)
{
	y -= 1;
	return div_floor(y, 4) - div_floor(y, 100) + div_floor(y, 400);
}

/* Days from 1970-01-01 to January 1st of year y. */
static s64 year_days(s64 y)
{
	return 365 * (y - 1970) + leaps_before(y) - leaps_before(1970);
}

/* The day of year y (from 0) on which month m (0-11) starts. */
static u32 month_start(s64 y, s64 m)
{
	return days_before[m] + (m >= 2 && date_leap((s32)y));
}

s64 date_to_seconds(const struct date *d)
{
	s64 m = (s64)d->month - 1;	/* 0-11 after the carry */
	s64 y = d->year + div_floor(m, 12);
	s64 days;

	m = mod_floor(m, 12);
	days = year_days(y) + month_start(y, m) + d->day - 1;
	return days * DAY_SECONDS + (s64)d->hour * 3600 + (s64)d->min * 60 + d->sec;
}

void date_from_seconds(s64 t, struct date *d)
{
	s64 days = div_floor(t, DAY_SECONDS), secs = mod_floor(t, DAY_SECONDS);
	/* 146097 days in 400 years: a guess within a year or two. */
	s64 y = 1970 + div_floor(days * 400, 146097);
	u32 doy, m = 11;

	while (year_days(y) > days)
		y--;
	while (year_days(y + 1) <= days)
		y++;
	doy = (u32)(days - year_days(y));
	while (month_start(y, m) > doy)
		m--;
	d->year = (s32)y;
	d->month = (u8)(m + 1);
	d->day = (u8)(doy - month_start(y, m) + 1);
	d->hour = (u8)(secs / 3600);
	d->min = (u8)(secs / 60 % 60);
	d->sec = (u8)(secs % 60);
	d->wday = (u8)mod_floor(days + 4, 7);	/* 1970-01-01 was a Thursday */
}
