/* The time of day (wallclock.h). */
#include "hv/host/wallclock.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "drivers/rtc.h"
#include "lib/log.h"

#define FALLBACK_SECONDS 946684800ull	/* 2000-01-01 00:00:00 */

static u64 boot_seconds;	/* the CMOS clock at boot */
static u64 boot_tsc;		/* the TSC then */

void wallclock_init(void)
{
	struct date d;
	s64 t;

	if (rtc_read(&d)) {
		boot_seconds = FALLBACK_SECONDS;
		boot_tsc = rdtsc();
		printk("clock: no usable CMOS clock; the time starts at 2000-01-01 00:00:00\n");
		return;
	}
	boot_tsc = rdtsc();
	t = date_to_seconds(&d);
	boot_seconds = t > 0 ? (u64)t : 0;
	printk("clock: %04d-%02u-%02u %02u:%02u:%02u (the CMOS clock)\n", d.year, d.month, d.day,
	       d.hour, d.min, d.sec);
}

u64 wallclock_us(void)
{
	u64 hz = lapic()->tsc_hz, ticks = rdtsc() - boot_tsc;

	if (!hz)
		return boot_seconds * 1000000;
	/* In two steps: ticks * 10^6 would overflow after an hour or two. */
	return (boot_seconds + ticks / hz) * 1000000 + ticks % hz * 1000000 / hz;
}
