/* Machine reset, trying the documented mechanisms from the most to the
 * least polite. Each gets a moment to act before the next is tried. */
#include "arch/x86/reset.h"
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "lib/log.h"

static void settle(void)
{
	for (int i = 0; i < 100000; i++)
		(void)inb(0x80); /* ~1 us each on real hardware */
}

__noreturn void machine_reset(u8 space, u64 addr, u8 value)
{
	irq_disable();
	printk("lucid: resetting the machine\n");
	if (space == RESET_REG_IO && addr <= 0xffff) {
		outb((u16)addr, value);
		settle();
	} else if (space == RESET_REG_MEMORY && addr) {
		*(volatile u8 *)(uintptr_t)addr = value;
		settle();
	}
	for (int i = 0; i < 1000 && (inb(0x64) & 2); i++)
		settle();
	outb(0x64, 0xfe); /* 8042: pulse the reset line */
	settle();
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06); /* PCI: hard reset */
	settle();
	/* Last resort: an empty IDT turns the next exception into a triple
	 * fault, which resets the CPU. */
	static const struct {
		u16 limit;
		u64 base;
	} __packed empty = { 0, 0 };
	asm volatile("lidt %0; int3" : : "m"(empty));
	cpu_halt_forever();
}

__noreturn void machine_halt(void)
{
	irq_disable();
	smp_stop_others();
	printk("lucid: halted\n");
	/* The line may wait in the log ring for a CPU that held the output
	 * and is now stopped: nobody else will print it. */
	log_sync();
	cpu_halt_forever();
}
