/* The legacy 8259 pair, silenced. Firmware leaves them set up for real
 * mode: the master at vectors 8-15, which in protected and long mode are
 * the CPU's exceptions, and the PIT's IRQ 0 unmasked at 18.2 Hz. lucid
 * takes its interrupts from the local APIC and masks LINT0, which on a
 * PC keeps the 8259s out, but not every machine routes them that way:
 * an IOAPIC pin in ExtINT mode, or Bochs, whose 8259 drives the CPU's
 * INTR pin directly, deliver IRQ 0 as vector 8 the moment lucid enables
 * interrupts, and lucid takes it for a double fault (whose stub then
 * reads the interrupted RIP as the error code). So, as every kernel
 * does, lucid moves both controllers to vectors of their own and masks
 * every input; a stray interrupt from them is then only "unexpected". */
#include "drivers/pic8259.h"
#include "arch/x86/cpu.h"

#define MASTER_CMD 0x20
#define MASTER_DATA 0x21
#define SLAVE_CMD 0xa0
#define SLAVE_DATA 0xa1

#define ICW1_INIT 0x10     /* edge triggered, cascaded */
#define ICW1_ICW4 0x01     /* an ICW4 follows */
#define ICW3_SLAVE_ON_IRQ2 0x04
#define ICW3_SLAVE_ID 0x02
#define ICW4_8086 0x01
#define MASK_ALL 0xff

/* Old 8259s need a moment between initialisation words; a write to the
 * POST port takes about a microsecond. */
static void pic_out(u16 port, u8 v)
{
	outb(port, v);
	outb(0x80, 0);
}

void pic8259_disable(u8 base)
{
	/* Masked first, so nothing is delivered while they are reprogrammed
	 * (the initialisation clears the mask until the last step). */
	pic_out(MASTER_DATA, MASK_ALL);
	pic_out(SLAVE_DATA, MASK_ALL);
	pic_out(MASTER_CMD, ICW1_INIT | ICW1_ICW4);
	pic_out(SLAVE_CMD, ICW1_INIT | ICW1_ICW4);
	pic_out(MASTER_DATA, base);
	pic_out(SLAVE_DATA, (u8)(base + 8));
	pic_out(MASTER_DATA, ICW3_SLAVE_ON_IRQ2);
	pic_out(SLAVE_DATA, ICW3_SLAVE_ID);
	pic_out(MASTER_DATA, ICW4_8086);
	pic_out(SLAVE_DATA, ICW4_8086);
	pic_out(MASTER_DATA, MASK_ALL);
	pic_out(SLAVE_DATA, MASK_ALL);
}
