/* The PCI host bridge (pci_host.h), on the device framework (vdev.h). */
#include "hv/vdev/pci_host.h"
#include "hv/core/vm.h"
#include "hv/vdev/pci.h"
#include "hv/vdev/vdev.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define ADDR_MASK 0x80fffffcu	/* enable, bus, device, function, register */
#define CMD_PARITY 0x0040
#define CMD_SERR 0x0100
#define SMRAM 0x72
#define SMRAM_POWER_ON 0x02	/* SMM space at 0xa0000, closed */

struct pci_host {
	struct spinlock lock;	/* the bridge's configuration space */
	struct vm *vm;
	u32 addr;		/* 0xcf8; atomic */
	struct pci_config cfg;
};

/* Offsets 0-3 are the address register, 4-7 the data window. */
static u64 port_read(void *dev, u64 offset, u8 size)
{
	struct pci_host *h = dev;
	u32 addr = atomic_load(&h->addr);
	u64 val = 0;

	if (offset == 0 && size == 4)
		return addr;
	if (offset < 4 && offset + size > 4) {	/* across 0xcfb-0xcfc: each byte alone */
		for (u8 i = 0; i < size; i++)
			val |= (port_read(dev, offset + i, 1) & 0xff) << (8 * i);
		return val;
	}
	if (offset < 4 || !(addr & PCI_HOST_ENABLE))
		return ~0ull;
	return pci_cfg_read(h->vm, (u8)(addr >> 16), (u8)(addr >> 8),
			    (addr & 0xfc) + (u32)(offset - 4), size);
}

static void port_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct pci_host *h = dev;
	u32 addr = atomic_load(&h->addr);

	if (offset == 0 && size == 4) {
		atomic_store(&h->addr, (u32)val & ADDR_MASK);
		return;
	}
	if (offset < 4 && offset + size > 4) {
		for (u8 i = 0; i < size; i++)
			port_write(dev, offset + i, 1, val >> (8 * i) & 0xff);
		return;
	}
	if (offset < 4 || !(addr & PCI_HOST_ENABLE))
		return;
	pci_cfg_write(h->vm, (u8)(addr >> 16), (u8)(addr >> 8), (addr & 0xfc) + (u32)(offset - 4),
		      size, (u32)val);
}

static u32 bridge_read(void *dev, u32 offset, u8 size)
{
	struct pci_host *h = dev;
	u64 flags = spin_lock_irqsave(&h->lock);
	u32 val = pci_config_read(&h->cfg, offset, size);

	spin_unlock_irqrestore(&h->lock, flags);
	return val;
}

static void bridge_write(void *dev, u32 offset, u8 size, u32 val)
{
	struct pci_host *h = dev;
	u64 flags = spin_lock_irqsave(&h->lock);

	pci_config_write(&h->cfg, offset, size, val);
	spin_unlock_irqrestore(&h->lock, flags);
}

static void reset(struct vdev *d)
{
	struct pci_host *h = d->state;
	u8 *b = h->cfg.b;

	atomic_store(&h->addr, 0);
	memset(&h->cfg, 0, sizeof(h->cfg));
	pci_config_set16(b + PCI_VENDOR_ID, 0x8086);
	pci_config_set16(b + PCI_DEVICE_ID, 0x1237);
	pci_config_set32(b + PCI_REVISION, 0x06000002);	/* class 06 00 00, revision 2 */
	b[SMRAM] = SMRAM_POWER_ON;
	pci_config_set16(h->cfg.wmask + PCI_COMMAND, CMD_PARITY | CMD_SERR);
	h->cfg.wmask[PCI_LATENCY_TIMER] = 0xf8;
}

static int attach(struct vdev *d)
{
	struct pci_host *h = vdev_state_alloc(d, sizeof(*h));
	const struct io_region ports = { PCI_HOST_PORT, PCI_HOST_PORTS, port_read, port_write, h };
	const struct pci_func bridge = { PCI_DEVFN(0, 0), bridge_read, bridge_write, h };

	if (!h)
		return -1;
	h->vm = d->vm;
	reset(d);
	if (vdev_claim_ports(d, &ports, "PCI configuration ports"))
		return -1;
	return pci_func_add(d->vm, &bridge);
}

static const struct vdev_model pci_host_model = {
	.name = "pci-host",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
};
VDEV_MODEL(pci_host_model);
