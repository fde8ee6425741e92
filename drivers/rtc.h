/* The PC's CMOS clock, a Motorola MC146818 or its copy in the chipset:
 * 128 bytes behind an index port (0x70) and a data port (0x71), the
 * first fourteen the clock's, the rest battery-backed RAM. The register
 * layout is shared with the guests' clock (hv/vdev/rtc.c), which models
 * the same chip; this driver reads the machine's own once at boot.
 *
 * The time registers hold BCD or binary (register B's DM bit) and hours
 * 0-23 or 1-12 with bit 7 for PM (register B's 24/12 bit). */
#ifndef DRIVERS_RTC_H
#define DRIVERS_RTC_H

#include "lib/date.h"

#define RTC_INDEX_PORT 0x70
#define RTC_DATA_PORT 0x71
#define RTC_CMOS_SIZE 128

#define RTC_SEC 0x00
#define RTC_SEC_ALARM 0x01
#define RTC_MIN 0x02
#define RTC_MIN_ALARM 0x03
#define RTC_HOUR 0x04
#define RTC_HOUR_ALARM 0x05
#define RTC_WDAY 0x06		/* 1 (Sunday) - 7 */
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09		/* 0-99 */
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32	/* by convention (ACPI's FADT names it) */

#define RTC_HOUR_PM 0x80
#define RTC_ALARM_ANY 0xc0	/* an alarm byte of 0xc0-0xff matches every value */

#define RTC_A_UIP 0x80		/* an update is in progress or about to begin */
#define RTC_A_DV 0x70		/* divider: 010 is 32.768 kHz, running */
#define RTC_A_RS 0x0f		/* periodic rate */

#define RTC_B_SET 0x80		/* updates stop; software sets the time */
#define RTC_B_PIE 0x40		/* periodic interrupt enable */
#define RTC_B_AIE 0x20		/* alarm interrupt enable */
#define RTC_B_UIE 0x10		/* update-ended interrupt enable */
#define RTC_B_SQWE 0x08		/* square wave enable */
#define RTC_B_DM 0x04		/* binary, not BCD */
#define RTC_B_24H 0x02		/* hours 0-23, not 1-12 */
#define RTC_B_DSE 0x01		/* daylight saving enable */

#define RTC_C_IRQF 0x80		/* PF, AF or UF with its enable bit */
#define RTC_C_PF 0x40		/* a periodic tick passed */
#define RTC_C_AF 0x20		/* the time matched the alarm */
#define RTC_C_UF 0x10		/* an update ended */

#define RTC_D_VRT 0x80		/* the battery is good */

/* The clock's own registers, as the chip holds them. */
struct rtc_regs {
	u8 sec, min, hour, wday, day, month, year, century;
};

/* A register's value in register B's format and back: v < 100; hours
 * 0-23 in and out. A byte that is not what the chip would hold decodes
 * to some value below 256, never a fault. */
u8 rtc_encode(u8 v, u8 reg_b);
u8 rtc_decode(u8 v, u8 reg_b);
u8 rtc_encode_hour(u8 hour, u8 reg_b);
u8 rtc_decode_hour(u8 v, u8 reg_b);

/* The date the registers hold in register B's format. With use_century
 * the century register counts, else years 70-99 are 19xx and 0-69
 * 20xx, as where no century register is known. Fields past their range
 * stay so (date_valid says). */
void rtc_regs_to_date(const struct rtc_regs *r, u8 reg_b, bool use_century, struct date *d);
/* The registers that hold date d (years 0-25599) in register B's format. */
void rtc_regs_from_date(const struct date *d, u8 reg_b, struct rtc_regs *r);

/* Reads the machine's clock on this CPU: waits until no update is in
 * progress, reads until two reads agree. Returns 0, or -1 if it never
 * settles or holds no valid date (no CMOS clock there). */
int rtc_read(struct date *d);

#endif
