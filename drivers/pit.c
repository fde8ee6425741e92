/* Channel 2 of the PIT: its gate and output are visible in port 0x61, so
 * a busy-wait on a precise interval needs no interrupt set-up. */
#include "drivers/pit.h"
#include "arch/x86/cpu.h"

#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORTB_GATE2 0x01
#define PORTB_SPEAKER 0x02
#define PORTB_OUT2 0x20

void pit_oneshot_start(u32 us)
{
	u32 count = (u32)((u64)PIT_HZ * us / 1000000);

	if (count > 0xffff)
		count = 0xffff;
	/* Gate low, speaker off, then mode 0 (interrupt on terminal count). */
	outb(PORT_B, (inb(PORT_B) & ~(PORTB_GATE2 | PORTB_SPEAKER)));
	outb(PIT_CMD, 0xb0); /* channel 2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	outb(PORT_B, inb(PORT_B) | PORTB_GATE2); /* gate high: counting starts */
}

bool pit_oneshot_done(void)
{
	return inb(PORT_B) & PORTB_OUT2;
}
