/* The layout of the ACPI tables (ACPI 6.x, chapter 5), shared by lucid's
 * parser of the machine's tables (drivers/acpi.c) and the tables lucid
 * builds for its guests (hv/vdev/acpi_tables.c). Tables are packed and
 * may be unaligned; the asserts check our reading of the spec. */
#ifndef DRIVERS_ACPI_LAYOUT_H
#define DRIVERS_ACPI_LAYOUT_H

#include "lib/types.h"

#define SDT_HDR_LEN 36u
#define RSDP_V1_LEN 20u

/* MADT entry types and flags (5.2.12). */
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_ISO 2
#define MADT_LAPIC_NMI 4
#define MADT_LAPIC_ADDR 5
#define MADT_X2APIC 9

#define MADT_PCAT_COMPAT (1u << 0)
#define LAPIC_ENABLED (1u << 0)
#define LAPIC_ONLINE_CAPABLE (1u << 1)
/* MPS INTI flags of overrides and NMI entries: polarity bits 1:0,
 * trigger mode bits 3:2; 0 in each conforms to the bus. */
#define MPS_ACTIVE_HIGH 0x1u
#define MPS_ACTIVE_LOW 0x3u
#define MPS_EDGE (0x1u << 2)
#define MPS_LEVEL (0x3u << 2)

/* FADT fixed feature flags (5.2.9, table 5.10) and IAPC_BOOT_ARCH. */
#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_SLP_BUTTON (1u << 5)	/* no fixed-feature sleep button */
#define FADT_FIX_RTC (1u << 6)		/* no RTC wake status in PM1 */
#define FADT_TMR_VAL_EXT (1u << 8)	/* a 32-bit PM timer, not 24 */
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)
#define BOOT_ARCH_LEGACY_DEVICES (1u << 0)
#define BOOT_ARCH_8042 (1u << 1)
#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)

/* Generic Address Structure address spaces. */
#define GAS_MEMORY 0
#define GAS_IO 1

struct rsdp {
	char sig[8];
	u8 checksum;		/* covers the first 20 bytes (ACPI 1.0 part) */
	char oem_id[6];
	u8 revision;
	u32 rsdt_addr;
	u32 length;		/* revision >= 2 from here on */
	u64 xsdt_addr;
	u8 ext_checksum;
	u8 reserved[3];
} __packed;

struct sdt_hdr {
	char sig[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;

struct madt_fixed {
	struct sdt_hdr hdr;
	u32 lapic_addr;
	u32 flags;
} __packed;

struct madt_lapic {
	u8 type, length, uid, apic_id;
	u32 flags;
} __packed;

struct madt_ioapic {
	u8 type, length, id, reserved;
	u32 addr;
	u32 gsi_base;
} __packed;

struct madt_iso {
	u8 type, length, bus, source;
	u32 gsi;
	u16 flags;
} __packed;

struct madt_lapic_nmi {
	u8 type, length, uid;	/* uid 0xff: every processor */
	u16 flags;
	u8 lint;
} __packed;

struct madt_lapic_addr {
	u8 type, length;
	u16 reserved;
	u64 addr;
} __packed;

struct madt_x2apic {
	u8 type, length;
	u16 reserved;
	u32 apic_id;
	u32 flags;
	u32 uid;
} __packed;

struct gas_raw {
	u8 space, bit_width, bit_offset, access_size;
	u64 addr;
} __packed;

/* The FADT of ACPI 6.0 (revision 6); ACPI 1.0's ends before reset_reg,
 * ACPI 2.0's after reset_value (FADT_V2_LEN). */
struct fadt {
	struct sdt_hdr hdr;
	u32 firmware_ctrl, dsdt;
	u8 reserved0, pm_profile;
	u16 sci_int;
	u32 smi_cmd;
	u8 acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	u32 pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm2_cnt, pm_tmr, gpe0, gpe1;
	u8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	u8 gpe0_len, gpe1_len, gpe1_base, cst_cnt;
	u16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	u8 duty_offset, duty_width, day_alrm, mon_alrm, century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct gas_raw reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl, x_dsdt;
	struct gas_raw x_pm1a_evt, x_pm1b_evt, x_pm1a_cnt, x_pm1b_cnt, x_pm2_cnt, x_pm_tmr;
	struct gas_raw x_gpe0, x_gpe1, sleep_control, sleep_status;
	u64 hypervisor_id;
} __packed;

#define FADT_V2_LEN 129u	/* up to reset_value */

/* The Firmware ACPI Control Structure (5.2.10): no checksum, 64-aligned. */
struct facs {
	char sig[4];
	u32 length;
	u32 hw_signature;
	u32 waking_vector;
	u32 global_lock;
	u32 flags;
	u64 x_waking_vector;
	u8 version;
	u8 reserved[3];
	u32 ospm_flags;
	u8 reserved2[24];
} __packed;

_Static_assert(sizeof(struct rsdp) == 36, "RSDP layout");
_Static_assert(offsetof(struct rsdp, rsdt_addr) == 16, "RSDP layout");
_Static_assert(offsetof(struct rsdp, length) == RSDP_V1_LEN, "RSDP layout");
_Static_assert(offsetof(struct rsdp, xsdt_addr) == 24, "RSDP layout");
_Static_assert(offsetof(struct rsdp, ext_checksum) == 32, "RSDP layout");
_Static_assert(sizeof(struct sdt_hdr) == SDT_HDR_LEN, "SDT header layout");
_Static_assert(offsetof(struct sdt_hdr, checksum) == 9, "SDT header layout");
_Static_assert(sizeof(struct madt_fixed) == 44, "MADT layout");
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT type 0 layout");
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT type 1 layout");
_Static_assert(sizeof(struct madt_iso) == 10, "MADT type 2 layout");
_Static_assert(offsetof(struct madt_iso, flags) == 8, "MADT type 2 layout");
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT type 4 layout");
_Static_assert(sizeof(struct madt_lapic_addr) == 12, "MADT type 5 layout");
_Static_assert(offsetof(struct madt_x2apic, uid) == 12, "MADT type 9 layout");
_Static_assert(sizeof(struct gas_raw) == 12, "GAS layout");
_Static_assert(offsetof(struct fadt, pm1a_evt) == 56, "FADT layout");
_Static_assert(offsetof(struct fadt, pm1_evt_len) == 88, "FADT layout");
_Static_assert(offsetof(struct fadt, iapc_boot_arch) == 109, "FADT layout");
_Static_assert(offsetof(struct fadt, flags) == 112, "FADT layout");
_Static_assert(offsetof(struct fadt, reset_reg) == 116, "FADT layout");
_Static_assert(offsetof(struct fadt, reset_value) == 128, "FADT layout");
_Static_assert(offsetof(struct fadt, arm_boot_arch) == FADT_V2_LEN, "FADT layout");
_Static_assert(offsetof(struct fadt, x_firmware_ctrl) == 132, "FADT layout");
_Static_assert(offsetof(struct fadt, x_pm1a_evt) == 148, "FADT layout");
_Static_assert(offsetof(struct fadt, x_pm_tmr) == 208, "FADT layout");
_Static_assert(offsetof(struct fadt, sleep_control) == 244, "FADT layout");
_Static_assert(sizeof(struct fadt) == 276, "FADT layout");
_Static_assert(sizeof(struct facs) == 64, "FACS layout");

/* The byte that makes a table's bytes sum to 0 mod 256 is 0 - this. */
static inline u8 acpi_sum(const void *p, u64 len)
{
	const u8 *b = p;
	u8 s = 0;

	while (len--)
		s += *b++;
	return s;
}

#endif
