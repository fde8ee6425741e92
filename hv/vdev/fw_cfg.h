/* QEMU's firmware configuration interface (fw_cfg, QEMU's
 * docs/specs/fw_cfg.rst), the x86 I/O port form: guests written for
 * QEMU's -kernel read the CPU count and RAM size there. A VM gets it with
 * `fw-cfg = yes` in lucid.cfg.
 *   port 0x510  a 16-bit write selects an item and rewinds it;
 *   port 0x511  each 1-byte read gives the item's next byte, 0 past its end.
 * Items: the signature "QEMU", the ID (1: this interface, no DMA), the
 * UUID (zero), the RAM size (u64), NOGRAPHIC (1), the CPU count and the
 * most CPUs (u16, the VM's vCPUs), and the file directory (big-endian
 * count, no files yet). Numbers are little-endian but the directory's.
 * Other items read as empty; writes to the data port are ignored, as QEMU
 * has done since 2.4. */
#ifndef HV_VDEV_FW_CFG_H
#define HV_VDEV_FW_CFG_H

#define FW_CFG_PORT 0x510
#define FW_CFG_PORTS 2

/* Item selectors */
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_UUID 0x02
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NOGRAPHIC 0x04
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_FILE_DIR 0x19

#endif
