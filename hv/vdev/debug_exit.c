/* The debug-exit port (debug_exit.h), on the device framework (vdev.h). */
#include "hv/vdev/debug_exit.h"
#include "hv/config/config.h"
#include "hv/core/vm.h"
#include "hv/vdev/vdev.h"

/* Reads are an empty bus's all ones, as in QEMU. */
static void exit_write(void *dev, u64 offset, u8 size, u64 val)
{
	(void)size;
	vm_poweroff_why(dev, "debug-exit status %llu (the guest wrote 0x%llx to port 0x%llx)",
			(unsigned long long)(val << 1 | 1), (unsigned long long)val,
			(unsigned long long)(DEBUG_EXIT_PORT + offset));
}

static bool wanted(const struct config_vm *c)
{
	return c->debug_exit;
}

static int attach(struct vdev *d)
{
	const struct io_region port = { DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, NULL, exit_write,
					d->vm };

	d->state = d->vm;	/* its region's dev, by which vdev_free_all finds it */
	return vdev_claim_ports(d, &port, "debug-exit ports");
}

static const struct vdev_model debug_exit_model = {
	.name = "debug-exit",
	.wanted = wanted,
	.attach = attach,	/* no state: nothing to reset or free */
};
VDEV_MODEL(debug_exit_model);
