/* Port 0x80, where firmware writes its POST codes, for VMs of
 * platform = pc: a write is kept as the VM's last code (for whoever
 * debugs it), a read gives 0xff, as QEMU's does. Its use in guests is
 * mostly a delay: Linux's outb_p and inb_p write here after each access
 * to a slow ISA device, so a device takes them, not the empty bus. */
#ifndef HV_VDEV_PORT80_H
#define HV_VDEV_PORT80_H

#include "lib/types.h"

#define PORT80_PORT 0x80

struct vm;

/* The last byte the VM wrote to port 0x80, or -1 if none since it booted. */
int port80_code(const struct vm *vm);

#endif
