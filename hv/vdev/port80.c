/* Port 0x80 (port80.h), on the device framework (vdev.h). */
#include "hv/vdev/port80.h"
#include "hv/core/vm.h"
#include "hv/vdev/vdev.h"
#include "lib/spinlock.h"

struct port80 {
	int code;	/* atomic */
};

static const struct vdev_model port80_model;

/* A one-byte region: the bus splits a wider write, and 0x81 is not ours. */
static void code_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct port80 *p = dev;

	(void)offset;
	(void)size;
	atomic_store(&p->code, (int)(val & 0xff));
}

int port80_code(const struct vm *vm)
{
	const struct port80 *p = vdev_state(vm, &port80_model);

	return p ? atomic_load(&p->code) : -1;
}

static void reset(struct vdev *d)
{
	struct port80 *p = d->state;

	atomic_store(&p->code, -1);
}

static int attach(struct vdev *d)
{
	struct port80 *p = vdev_state_alloc(d, sizeof(*p));
	/* Reads are no one's: the bus's all ones, as QEMU's 0xff. */
	const struct io_region port = { PORT80_PORT, 1, NULL, code_write, p };

	if (!p)
		return -1;
	reset(d);
	return vdev_claim_ports(d, &port, "POST code port");
}

static const struct vdev_model port80_model = {
	.name = "port80",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
};
VDEV_MODEL(port80_model);
