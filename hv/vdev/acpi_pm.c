/* The ACPI PM device (acpi_pm.h), on the device framework (vdev.h). The
 * PM timer is computed from the host TSC at each read, so it costs
 * nothing while the guest does not look; a timer (hv/core/timer.h) runs
 * only while the guest enables TMR_EN, to raise the SCI when bit 23
 * flips. */
#include "hv/vdev/acpi_pm.h"
#include "arch/x86/cpu.h"
#include "hv/core/timer.h"
#include "hv/core/vm.h"
#include "hv/vdev/acpi_tables.h"
#include "hv/vdev/irq.h"
#include "hv/vdev/vdev.h"
#include "lib/log.h"
#include "lib/spinlock.h"

#define STS_BITS (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | PM1_WAK)
#define EN_BITS (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)
#define CNT_BITS PM1_SLP_TYP_MASK	/* the rest reads 0, but SCI_EN 1 */
#define RESET_BITS 0x0au		/* SYS_RST, FULL_RST */
#define TMR_BITS 24
#define TMR_FLIP (1ull << (TMR_BITS - 1))	/* TMR_STS: bit 23 changed */

struct acpi_pm {
	struct spinlock lock;
	struct vm *vm;
	u16 sts, en, cnt;
	u8 reset;
	u64 flips;		/* counter / TMR_FLIP when last looked at */
	bool sci;
	struct timer timer;	/* armed while TMR_EN is */
	u8 tables[ACPI_TABLES_MAX];
};

static const struct vdev_model acpi_pm_model;

/* PM timer ticks since the VM booted at host TSC `tsc`, in two steps so
 * that nothing overflows for centuries. */
static u64 ticks_at(const struct acpi_pm *p, u64 tsc)
{
	u64 t = tsc - p->vm->tsc_base, hz = timer_hz();

	return t / hz * ACPI_PM_TIMER_HZ + t % hz * ACPI_PM_TIMER_HZ / hz;
}

/* The host TSC when the timer reaches `ticks` (rounded up). */
static u64 tsc_at(const struct acpi_pm *p, u64 ticks)
{
	u64 hz = timer_hz();

	return p->vm->tsc_base + ticks / ACPI_PM_TIMER_HZ * hz +
	       (ticks % ACPI_PM_TIMER_HZ * hz + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

/* Under the lock: TMR_STS up if bit 23 flipped since the last look, the
 * SCI line as STS & EN say, the timer armed for the next flip while
 * TMR_EN asks for an interrupt then. */
static void update(struct acpi_pm *p, u64 ticks)
{
	bool sci;

	if (ticks / TMR_FLIP != p->flips) {
		p->flips = ticks / TMR_FLIP;
		p->sts |= PM1_TMR;
	}
	sci = p->sts & p->en;
	if (sci != p->sci) {
		p->sci = sci;
		irq_set(p->vm, ACPI_SCI_IRQ, sci);
	}
	if ((p->en & PM1_TMR) && !(p->sts & PM1_TMR)) {
		u64 next = tsc_at(p, (p->flips + 1) * TMR_FLIP);

		if (!timer_armed(&p->timer) || p->timer.deadline != next)
			timer_arm(&p->timer, next);
	} else if (timer_armed(&p->timer)) {
		timer_cancel(&p->timer);
	}
}

static void timer_fire(struct timer *t)
{
	struct acpi_pm *p = (struct acpi_pm *)((u8 *)t - offsetof(struct acpi_pm, timer));

	spin_lock(&p->lock);
	update(p, ticks_at(p, rdtsc()));
	spin_unlock(&p->lock);
}

static u8 reg_read(const struct acpi_pm *p, u64 offset, u64 ticks)
{
	switch (offset) {
	case 0: case 1:
		return (u8)(p->sts >> 8 * offset);
	case 2: case 3:
		return (u8)(p->en >> 8 * (offset - 2));
	case 4: case 5:
		return (u8)((p->cnt | PM1_SCI_EN) >> 8 * (offset - 4));
	case 8: case 9: case 10:
		return (u8)(ticks >> 8 * (offset - 8));
	case 11:
		return 0;	/* a 24-bit timer's top byte */
	case 12:
		return p->reset;
	default:
		return 0xff;
	}
}

static u64 pm_read(void *dev, u64 offset, u8 size)
{
	struct acpi_pm *p = dev;
	u64 val = 0, ticks;

	spin_lock(&p->lock);
	ticks = ticks_at(p, rdtsc());
	update(p, ticks);
	for (u8 i = 0; i < size; i++)
		val |= (u64)reg_read(p, offset + i, ticks) << 8 * i;
	spin_unlock(&p->lock);
	return val;
}

enum pm_action { PM_NONE, PM_POWEROFF, PM_REBOOT };

static enum pm_action reg_write(struct acpi_pm *p, u64 offset, u8 b)
{
	u32 shift = 8 * (offset & 1);

	switch (offset) {
	case 0: case 1:
		p->sts &= (u16)~((b << shift) & STS_BITS);
		return PM_NONE;
	case 2: case 3:
		p->en = (u16)((p->en & ~(0xff << shift)) | ((b << shift) & EN_BITS));
		return PM_NONE;
	case 4: case 5:
		p->cnt = (u16)((p->cnt & ~(0xff << shift)) | ((b << shift) & CNT_BITS));
		if ((b << shift) & PM1_SLP_EN &&
		    (p->cnt & PM1_SLP_TYP_MASK) >> PM1_SLP_TYP_SHIFT == ACPI_S5_SLP_TYP)
			return PM_POWEROFF;
		return PM_NONE;
	case 12:
		p->reset = b & RESET_BITS;
		return b & RESET_RST_CPU ? PM_REBOOT : PM_NONE;
	default:
		return PM_NONE;
	}
}

static void pm_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct acpi_pm *p = dev;
	enum pm_action act = PM_NONE;

	spin_lock(&p->lock);
	update(p, ticks_at(p, rdtsc()));
	for (u8 i = 0; i < size && act == PM_NONE; i++)
		act = reg_write(p, offset + i, (u8)(val >> 8 * i));
	update(p, ticks_at(p, rdtsc()));
	spin_unlock(&p->lock);

	val &= BYTES_MASK(size);
	if (act == PM_POWEROFF)
		vm_poweroff_why(p->vm, "ACPI S5 (the guest wrote 0x%llx to port 0x%llx)",
				(unsigned long long)val, (unsigned long long)(ACPI_PM_PORT + offset));
	else if (act == PM_REBOOT)
		vm_request(p->vm, NULL, VM_REQ_REBOOT);
}

bool acpi_pm_power_button(struct vm *vm)
{
	struct acpi_pm *p = vdev_state(vm, &acpi_pm_model);

	if (!p)
		return false;
	spin_lock(&p->lock);
	p->sts |= PM1_PWRBTN;
	update(p, ticks_at(p, rdtsc()));
	spin_unlock(&p->lock);
	return true;
}

/* The top of the VM's RAM below 4 GiB, where the PCI memory window may
 * start. */
static u64 ram_top(const struct guest_mem *gm)
{
	u64 top = 0;

	for (u32 i = 0; i < gm->n; i++)
		if (gm->r[i].gpa < GiB(4))
			top = MAX(top, MIN(gm->r[i].gpa + gm->r[i].size, GiB(4)));
	return top;
}

/* The tables go where a BIOS would leave them, unless the VM has no RAM
 * there (a tiny test VM) or a flat kernel was loaded over them. */
static void put_tables(struct acpi_pm *p)
{
	struct vm *vm = p->vm;
	const struct load_request *rq = &vm->boot;
	u32 len = acpi_tables_build(p->tables, sizeof(p->tables), ACPI_TABLES_BASE, vm->nvcpus,
				    ram_top(&vm->mem));

	if (!len || !gmem_is_ram(&vm->mem, ACPI_TABLES_BASE, len))
		return;
	if (rq->format == LOAD_FLAT && rq->flat_load < ACPI_TABLES_BASE + len &&
	    ACPI_TABLES_BASE < rq->flat_load + rq->kernel.size) {
		printk("vm %s: no ACPI tables: the kernel lies over [0x%llx, 0x%llx)\n", vm->name,
		       ACPI_TABLES_BASE, ACPI_TABLES_BASE + len);
		return;
	}
	gmem_write(&vm->mem, ACPI_TABLES_BASE, p->tables, len);
}

static void reset(struct vdev *d)
{
	struct acpi_pm *p = d->state;

	spin_lock(&p->lock);
	timer_cancel(&p->timer);
	p->sts = p->en = p->cnt = 0;
	p->reset = 0;
	p->flips = 0;	/* the timer restarts with the VM's TSC */
	if (p->sci)
		irq_set(p->vm, ACPI_SCI_IRQ, false);
	p->sci = false;
	put_tables(p);
	spin_unlock(&p->lock);
}

static int attach(struct vdev *d)
{
	struct acpi_pm *p = vdev_state_alloc(d, sizeof(*p));
	const struct io_region ports = { ACPI_PM_PORT, ACPI_PM_PORTS, pm_read, pm_write, p };

	if (!p)
		return -1;
	p->vm = d->vm;
	timer_init(&p->timer, timer_fire);
	return vdev_claim_ports(d, &ports, "ACPI PM ports");
}

static void pm_free(struct vdev *d)
{
	struct acpi_pm *p = d->state;

	if (p)
		timer_cancel(&p->timer);
}

static const struct vdev_model acpi_pm_model = {
	.name = "acpi-pm",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
	.free = pm_free,
};
VDEV_MODEL(acpi_pm_model);
