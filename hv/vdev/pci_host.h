/* The PCI host bridge of VMs of platform = pc: configuration mechanism
 * #1 at ports 0xcf8-0xcff, and the bridge itself as function 00:00.0 of
 * bus 0 (hv/vdev/pci.h), an Intel 440FX's PCI and memory controller
 * (82441FX, "Natoma"), the host bridge QEMU's pc machine has.
 *   0xcf8  the address, 32-bit accesses only: bit 31 enables, bits 23-16
 *          bus, 15-11 device, 10-8 function, 7-2 register; the other bits
 *          read as 0. A byte or word there is some other ISA port (0xcf9
 *          is the reset control of a PIIX, not modelled): all ones.
 *   0xcfc-0xcff  the addressed register's dword: accesses of 1, 2 or 4
 *          bytes at their offset in it, while bit 31 is up; all ones and
 *          dropped writes while it is down.
 * The bridge reads as QEMU's: vendor 0x8086, device 0x1237, revision 2,
 * class 0x060000 (host bridge), header type 0, command and status 0,
 * SMRAM (0x72) 0x02; the subsystem IDs are 0, as on the real part, not
 * QEMU's own. It has no BARs and no interrupt. The guest may write what
 * the real part lets software write and a guest may set, though it
 * changes nothing here: the command register's parity error response and
 * SERR# enable (bits 6 and 8) and the latency timer (bits 7-3). The rest
 * is read-only, the PAM (0x59-0x5f) and SMRAM registers included: on the
 * real part they choose what the CPU sees at 0xa0000-0xfffff, and a
 * guest of lucid always sees its RAM there, so a written value would say
 * what is not so. */
#ifndef HV_VDEV_PCI_HOST_H
#define HV_VDEV_PCI_HOST_H

#define PCI_HOST_PORT 0xcf8
#define PCI_HOST_PORTS 8
#define PCI_HOST_ENABLE 0x80000000u

#endif
