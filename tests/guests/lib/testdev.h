/* The test device's interrupt line register (ports 0xe8-0xeb,
 * docs/test-guests.md): a guest drives its VM's lines as a device would. */
#ifndef GUEST_TESTDEV_H
#define GUEST_TESTDEV_H

#include "cpu.h"

#define TESTDEV_LINES 0xe8
#define TESTDEV_HIGH 0x80

static inline void line_high(u8 line)
{
	outb(TESTDEV_LINES, TESTDEV_HIGH | line);
}

static inline void line_low(u8 line)
{
	outb(TESTDEV_LINES, line);
}

static inline void pulse(u8 line)
{
	line_high(line);
	line_low(line);
}

#endif
