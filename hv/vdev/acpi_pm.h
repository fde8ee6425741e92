/* The ACPI power management device of VMs of platform = pc: the fixed
 * hardware an ACPI guest (Linux) finds through the FADT, at ports
 * 0x600-0x60f as QEMU's PIIX4 PM has them after SeaBIOS:
 *
 *   0x600  PM1a_STS (16 bits): TMR_STS (bit 0), PWRBTN_STS (8), WAK_STS
 *          (15); a 1 written clears a bit.
 *   0x602  PM1a_EN (16 bits): TMR_EN (0), GBL_EN (5), PWRBTN_EN (8),
 *          SLPBTN_EN (9), RTC_EN (10) hold what is written; the others 0.
 *          While STS & EN has a bit, the SCI (ISA IRQ 9, level, active
 *          high) is up.
 *   0x604  PM1a_CNT (16 bits): SCI_EN (bit 0) always reads 1: ACPI is
 *          always on, so the FADT names no SMI port to switch it on.
 *          SLP_TYP (bits 12-10) holds what is written; a write with
 *          SLP_EN (bit 13) and SLP_TYP 5, the one \_S5 names, powers the
 *          VM off. Other sleep states are not offered (no \_S1-\_S4):
 *          SLP_EN with another type does nothing. SLP_EN reads 0.
 *   0x608  PM_TMR (32 bits): the 24-bit ACPI PM timer, 3.579545 MHz from
 *          the VM's boot (its TSC 0); TMR_STS is set each time bit 23
 *          changes. Read-only.
 *   0x60c  the reset register (8 bits), a PIIX's 0xcf9 reset control
 *          moved here because 0xcf9 lies in the PCI host bridge's ports:
 *          a write with bit 2 (RST_CPU) set reboots the VM; bits 1 and 3
 *          read back as written.
 *
 * Any access of any width at any offset is served byte by byte on these
 * registers; unused bytes read as all ones. At every boot (reset) the
 * device also writes the VM's ACPI tables (acpi_tables.h) into its RAM,
 * since they describe its vCPUs and its RAM. */
#ifndef HV_VDEV_ACPI_PM_H
#define HV_VDEV_ACPI_PM_H

#include "lib/types.h"

struct vm;

#define ACPI_PM_PORT 0x600
#define ACPI_PM_PORTS 16
#define ACPI_PM1_EVT (ACPI_PM_PORT + 0)
#define ACPI_PM1_EVT_LEN 4
#define ACPI_PM1_CNT (ACPI_PM_PORT + 4)
#define ACPI_PM1_CNT_LEN 2
#define ACPI_PM_TMR (ACPI_PM_PORT + 8)
#define ACPI_PM_TMR_LEN 4
#define ACPI_RESET_PORT (ACPI_PM_PORT + 12)
#define ACPI_RESET_VALUE 0x06	/* SYS_RST | RST_CPU, as for a PIIX's 0xcf9 */
#define ACPI_SCI_IRQ 9
#define ACPI_S5_SLP_TYP 5
#define ACPI_PM_TIMER_HZ 3579545ull

/* PM1 status and enable bits, PM1 control bits. */
#define PM1_TMR (1u << 0)
#define PM1_GBL (1u << 5)
#define PM1_PWRBTN (1u << 8)
#define PM1_SLPBTN (1u << 9)
#define PM1_RTC (1u << 10)
#define PM1_WAK (1u << 15)
#define PM1_SCI_EN (1u << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN (1u << 13)
#define RESET_RST_CPU (1u << 2)

/* Presses the VM's power button: PWRBTN_STS, and the SCI if the guest
 * enabled it (it then shuts down on its own). Says whether the VM has
 * the device. */
bool acpi_pm_power_button(struct vm *vm);

#endif
