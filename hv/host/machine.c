/* The machine lucid runs on: its CPUs and interrupt controllers as ACPI
 * describes them, and how to reset it. The RSDP comes from the boot loader
 * (GRUB's copy, or lucid.efi's pointer from the EFI configuration table)
 * or, failing both, from the legacy BIOS areas. Without ACPI, lucid still
 * runs, on the boot CPU alone. */
#include "hv/host/machine.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/reset.h"
#include "arch/x86/trap.h"
#include "drivers/ioapic.h"
#include "drivers/pic8259.h"
#include "drivers/uart16550.h"
#include "lib/log.h"

struct machine machine;

/* Physical memory is identity-mapped below the direct map's top. */
static const void *map_phys(u64 phys, u64 len, void *ctx)
{
	(void)ctx;
	if (phys < PAGE_SIZE || phys + len < phys || phys + len > paging_direct_map_top())
		return NULL;
	return (const void *)(uintptr_t)phys;
}

/* GRUB's RSDP copy lives in boot_info, inside lucid's own image. */
static const void *map_copy(u64 phys, u64 len, void *ctx)
{
	const struct boot_info *bi = ctx;
	u64 copy = (u64)(uintptr_t)bi->rsdp_copy;

	if (phys == copy && len <= bi->rsdp_copy_len)
		return bi->rsdp_copy;
	return map_phys(phys, len, NULL);
}

void machine_init(const struct boot_info *bi)
{
	static char warn[1024];
	char err[160];
	u64 rsdp = bi->rsdp;
	acpi_map_fn map = map_phys;

	/* lucid's interrupts come from the local APIC; the 8259s are left
	 * by firmware on the exception vectors, with IRQ 0 live. */
	pic8259_disable(VEC_PIC_BASE);
	if (bi->rsdp_copy_len) {
		rsdp = (u64)(uintptr_t)bi->rsdp_copy;
		map = map_copy;
	} else if (!rsdp) {
		rsdp = acpi_find_rsdp_bios(map_phys, NULL);
	}
	machine.ncpus = 1;
	if (!rsdp) {
		printk("acpi: no ACPI RSDP found; running on the boot CPU only\n");
		return;
	}
	if (acpi_parse(rsdp, map, (void *)bi, &machine.acpi, err, sizeof(err), warn, sizeof(warn))) {
		printk("acpi: %s; running on the boot CPU only\n", err);
		return;
	}
	printk_lines("acpi: ", warn);
	machine.have_acpi = machine.acpi.have_madt;
	if (!machine.acpi.have_madt)
		printk("acpi: no usable MADT; running on the boot CPU only\n");
	else
		machine.ncpus = machine.acpi.ncpus_enabled;
}

#define COM1_IRQ 4

static void on_com1(struct trap_frame *f)
{
	(void)f;
	uart_rx_irq(COM1_PORT);
	lapic_eoi();
}

void machine_console_interrupts(void)
{
	if (!machine.have_acpi || !machine.acpi.nioapics)
		return;	/* the console polls COM1 alone */
	trap_set_handler(VEC_COM1, on_com1);
	if (ioapic_route_isa(&machine.acpi, COM1_IRQ, VEC_COM1, this_cpu()->apic_id)) {
		printk("console: no I/O APIC serves COM1's IRQ %d; the console polls it\n",
		       COM1_IRQ);
		return;
	}
	uart_rx_interrupts(COM1_PORT);
}

__noreturn void machine_reboot(void)
{
	const struct acpi_info *a = &machine.acpi;

	machine_reset(a->have_reset_reg ? a->reset_reg.space : RESET_REG_NONE, a->reset_reg.addr,
		      a->reset_value);
}
