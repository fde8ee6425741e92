/* The CMOS clock's formats, and the machine's clock read at boot (rtc.h). */
#include "drivers/rtc.h"
#include "arch/x86/cpu.h"

/* Enough for an update (under 2 ms) at a microsecond or more a port read. */
#define UIP_POLLS 100000
#define READ_TRIES 5

u8 rtc_encode(u8 v, u8 reg_b)
{
	return reg_b & RTC_B_DM ? v : (u8)((v / 10) << 4 | v % 10);
}

u8 rtc_decode(u8 v, u8 reg_b)
{
	return reg_b & RTC_B_DM ? v : (u8)((v >> 4) * 10 + (v & 0xf));
}

u8 rtc_encode_hour(u8 hour, u8 reg_b)
{
	if (reg_b & RTC_B_24H)
		return rtc_encode(hour, reg_b);
	/* 0 is 12 AM, 12 is 12 PM */
	return (u8)(rtc_encode(hour % 12 ? hour % 12 : 12, reg_b) | (hour >= 12 ? RTC_HOUR_PM : 0));
}

u8 rtc_decode_hour(u8 v, u8 reg_b)
{
	if (reg_b & RTC_B_24H)
		return rtc_decode(v, reg_b);
	return (u8)(rtc_decode(v & ~RTC_HOUR_PM, reg_b) % 12 + (v & RTC_HOUR_PM ? 12 : 0));
}

void rtc_regs_to_date(const struct rtc_regs *r, u8 reg_b, bool use_century, struct date *d)
{
	u8 year = rtc_decode(r->year, reg_b);

	d->year = use_century ? rtc_decode(r->century, reg_b) * 100 + year
			      : (year < 70 ? 2000 : 1900) + year;
	d->month = rtc_decode(r->month, reg_b);
	d->day = rtc_decode(r->day, reg_b);
	d->hour = rtc_decode_hour(r->hour, reg_b);
	d->min = rtc_decode(r->min, reg_b);
	d->sec = rtc_decode(r->sec, reg_b);
	d->wday = (u8)((rtc_decode(r->wday, reg_b) + 6) % 7);
}

void rtc_regs_from_date(const struct date *d, u8 reg_b, struct rtc_regs *r)
{
	r->sec = rtc_encode(d->sec, reg_b);
	r->min = rtc_encode(d->min, reg_b);
	r->hour = rtc_encode_hour(d->hour, reg_b);
	r->wday = rtc_encode((u8)(d->wday + 1), reg_b);
	r->day = rtc_encode(d->day, reg_b);
	r->month = rtc_encode(d->month, reg_b);
	r->year = rtc_encode((u8)(d->year % 100), reg_b);
	r->century = rtc_encode((u8)(d->year / 100), reg_b);
}

static u8 cmos_read(u8 reg)
{
	outb(RTC_INDEX_PORT, reg);
	return inb(RTC_DATA_PORT);
}

/* Returns false if UIP stays set: no clock, or one that does not run. */
static bool read_regs(struct rtc_regs *r)
{
	for (u32 i = 0; cmos_read(RTC_REG_A) & RTC_A_UIP; i++)
		if (i == UIP_POLLS)
			return false;
	r->sec = cmos_read(RTC_SEC);
	r->min = cmos_read(RTC_MIN);
	r->hour = cmos_read(RTC_HOUR);
	r->wday = cmos_read(RTC_WDAY);
	r->day = cmos_read(RTC_DAY);
	r->month = cmos_read(RTC_MONTH);
	r->year = cmos_read(RTC_YEAR);
	r->century = 0;
	return true;
}

static bool same(const struct rtc_regs *a, const struct rtc_regs *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day &&
	       a->month == b->month && a->year == b->year;
}

int rtc_read(struct date *d)
{
	struct rtc_regs a, b;

	for (int i = 0; i < READ_TRIES; i++) {
		/* An update between the two reads changes a byte: read again. */
		if (!read_regs(&a) || !read_regs(&b))
			return -1;
		if (!same(&a, &b))
			continue;
		/* The century register is a convention only ACPI confirms: years
		 * 70-99 are 19xx, as Linux reads them without the FADT's word. */
		rtc_regs_to_date(&a, cmos_read(RTC_REG_B), false, d);
		return date_valid(d) ? 0 : -1;
	}
	return -1;
}
