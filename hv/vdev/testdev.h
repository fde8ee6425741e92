/* lucid's test device, for the test guests and `make bench`; a VM gets it
 * with `testdev = yes` in lucid.cfg. Like QEMU's pc-testdev, which
 * kvm-unit-tests use, it is a target for exits that has no other effect:
 *   ports 0xe0-0xe3  a 32-bit register that reads back what was written,
 *                    at any width and byte offset;
 *   ports 0xe4-0xe7  read-only: how many exceptions lucid intercepted and
 *                    reflected in this VM (exits of EXIT_EXCEPTION, all
 *                    its vCPUs), low 32 bits; the test guests' proof that
 *                    an exception is intercepted;
 *   ports 0xe8-0xeb  the VM's interrupt lines (hv/vdev/irq.h): a write
 *                    whose first byte is 0xe8 drives the line of that
 *                    byte's bits 0-6 to the level of its bit 7 (1: high),
 *                    so a test guest raises and lowers an interrupt as a
 *                    device would; lines from VM_IRQ_LINES up are ignored.
 *                    A read gives the lines it holds high, a bit each;
 *   MMIO 0xfeb00000  4 KiB that read back what was written, every access
 *                    an exit (MMIO emulation can be checked byte by byte).
 * Bytes outside the registers read as 0xff. The register and the page start
 * zeroed, and are zeroed again when the VM reboots, when the lines it holds
 * high fall. */
#ifndef HV_VDEV_TESTDEV_H
#define HV_VDEV_TESTDEV_H

#define TESTDEV_PORT 0xe0
#define TESTDEV_PORTS 4
#define TESTDEV_EXC_PORT 0xe4
#define TESTDEV_EXC_PORTS 4
#define TESTDEV_IRQ_PORT 0xe8
#define TESTDEV_IRQ_PORTS 4
#define TESTDEV_IRQ_HIGH 0x80	/* the level bit of a line's byte */
#define TESTDEV_MMIO 0xfeb00000ull
#define TESTDEV_MMIO_SIZE 4096

#include "hv/vdev/vdev.h"

/* The model (hv/vdev/vdev.h); vdev_state(vm, &testdev_model) says
 * whether a VM has the device, for the test hypercalls. */
extern const struct vdev_model testdev_model;

#endif
