/* The types of a VM's port bus (hv/exits/portio.h), apart so that hv/core/vm.h can
 * hold one. */
#ifndef HV_PORTIO_BUS_H
#define HV_PORTIO_BUS_H

#include "lib/types.h"

#define PORTIO_MAX_HANDLERS 16

struct port_handler {
	u16 base, count;
	u32 (*read)(void *dev, u16 port, u8 size);
	void (*write)(void *dev, u16 port, u8 size, u32 val);
	void *dev;
};

struct port_bus {
	struct port_handler h[PORTIO_MAX_HANDLERS];
	u32 n;
};

/* Claims [base, base+count) for a device. Returns 0, or -1 if a port is
 * already claimed or the bus is full. */
int portio_register(struct port_bus *bus, const struct port_handler *h);
/* One access of `size` bytes (1, 2 or 4) as the guest made it. */
u32 portio_read(const struct port_bus *bus, u16 port, u8 size);
void portio_write(const struct port_bus *bus, u16 port, u8 size, u32 val);

#endif
