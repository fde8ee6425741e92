/* The debug-exit port, as QEMU's isa-debug-exit at iobase 0xf4, iosize 4:
 * a guest written for QEMU's -kernel ends its run by writing a value V
 * there, and QEMU exits with status (V << 1) | 1. Under lucid the write
 * ends that VM alone, as powered off, with the same status in the log
 * line. A VM gets it with `debug-exit = yes` in lucid.cfg: opt-in, since
 * it lets the guest power itself off through a port a PC does not have. */
#ifndef HV_VDEV_DEBUG_EXIT_H
#define HV_VDEV_DEBUG_EXIT_H

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PORTS 4

#endif
