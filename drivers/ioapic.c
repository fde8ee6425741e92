/* Host I/O APIC routing (ioapic.h). */
#include "drivers/ioapic.h"
#include "arch/x86/paging.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPICVER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))

#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)
/* MPS INTI flags of an override: 01 high, 11 low; 01 edge, 11 level. */
#define INTI_POLARITY(f) ((f) & 3)
#define INTI_TRIGGER(f) (((f) >> 2) & 3)

static u32 reg_read(u64 base, u32 reg)
{
	*(volatile u32 *)(base + IOREGSEL) = reg;
	return *(volatile u32 *)(base + IOWIN);
}

static void reg_write(u64 base, u32 reg, u32 v)
{
	*(volatile u32 *)(base + IOREGSEL) = reg;
	*(volatile u32 *)(base + IOWIN) = v;
}

int ioapic_route_isa(const struct acpi_info *a, u8 irq, u8 vector, u32 apic_id)
{
	u32 gsi = irq, low = vector;

	for (u32 i = 0; i < a->noverrides; i++)
		if (a->overrides[i].bus == 0 && a->overrides[i].source == irq) {
			u16 f = a->overrides[i].flags;

			gsi = a->overrides[i].gsi;
			low |= INTI_POLARITY(f) == 3 ? RTE_ACTIVE_LOW : 0;
			low |= INTI_TRIGGER(f) == 3 ? RTE_LEVEL : 0;
		}
	for (u32 i = 0; i < a->nioapics; i++) {
		u64 base = a->ioapics[i].addr;
		u32 first = a->ioapics[i].gsi_base, count;

		if (gsi < first || apic_id > 0xff)
			continue;
		paging_map_mmio(base, PAGE_SIZE);
		count = ((reg_read(base, IOAPICVER) >> 16) & 0xff) + 1;
		if (gsi - first >= count)
			continue;
		reg_write(base, IOREDTBL(gsi - first) + 1, apic_id << 24);
		reg_write(base, IOREDTBL(gsi - first), low);
		return 0;
	}
	return -1;
}
