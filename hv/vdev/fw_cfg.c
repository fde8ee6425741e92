/* QEMU's fw_cfg (fw_cfg.h), on the device framework (vdev.h). */
#include "hv/vdev/fw_cfg.h"
#include "hv/config/config.h"
#include "hv/core/vm.h"
#include "hv/vdev/vdev.h"
#include "lib/string.h"

#define ITEM_MAX 16	/* the largest item: the UUID */

struct fw_cfg {
	struct vm *vm;
	u16 selector;
	u32 offset;	/* into the selected item */
};

/* The selected item's bytes; returns its size (0: no such item). */
static u32 item(const struct fw_cfg *f, u8 out[ITEM_MAX])
{
	u64 ram = f->vm->mem.size;
	u16 cpus = (u16)f->vm->nvcpus;

	memset(out, 0, ITEM_MAX);
	/* Bit 14 (write channel) reads the same item; bit 15 selects the
	 * x86 items, of which there are none yet. */
	switch (f->selector & ~0x4000u) {
	case FW_CFG_SIGNATURE:
		memcpy(out, "QEMU", 4);
		return 4;
	case FW_CFG_ID:
		out[0] = 1;	/* the traditional interface; bit 1 (DMA) clear */
		return 4;
	case FW_CFG_UUID:
		return 16;
	case FW_CFG_RAM_SIZE:
		memcpy(out, &ram, 8);	/* x86: little-endian, as the spec's numbers */
		return 8;
	case FW_CFG_NOGRAPHIC:
		out[0] = 1;	/* a serial console, no screen */
		return 2;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		memcpy(out, &cpus, 2);
		return 2;
	case FW_CFG_FILE_DIR:
		return 4;	/* a big-endian count of 0 */
	default:
		return 0;
	}
}

static u64 data_read(void *dev, u64 offset, u8 size)
{
	struct fw_cfg *f = dev;
	u8 bytes[ITEM_MAX];

	(void)offset;
	if (size != 1)	/* QEMU takes only byte reads */
		return ~0ull;
	return f->offset < item(f, bytes) ? bytes[f->offset++] : 0;
}

static void select_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct fw_cfg *f = dev;

	if (offset != 0 || size != 2)	/* a data write: ignored */
		return;
	f->selector = (u16)val;
	f->offset = 0;
}

static bool wanted(const struct config_vm *c)
{
	return c->fw_cfg;
}

static void reset(struct vdev *d)
{
	struct fw_cfg *f = d->state;

	f->selector = 0;
	f->offset = 0;
}

static int attach(struct vdev *d)
{
	struct fw_cfg *f = vdev_state_alloc(d, sizeof(*f));
	const struct io_region ports = { FW_CFG_PORT, FW_CFG_PORTS, data_read, select_write, f };

	if (!f)
		return -1;
	f->vm = d->vm;
	reset(d);
	return vdev_claim_ports(d, &ports, "fw_cfg ports");
}

static const struct vdev_model fw_cfg_model = {
	.name = "fw_cfg",
	.wanted = wanted,
	.attach = attach,
	.reset = reset,
};
VDEV_MODEL(fw_cfg_model);
