/* The guests' CMOS clock and RAM: an MC146818 (drivers/rtc.h has its
 * registers) at ports 0x70 (index; bit 7 masks NMIs) and 0x71 (data), as
 * every PC has, for VMs of platform = pc.
 *
 * The clock is the host's time of day (hv/host/wallclock.h) plus an
 * offset of the VM's own: setting the time changes this VM's clock
 * alone. Registers 0x00-0x09 and the century at 0x32 read as the time
 * now, in the format register B sets (BCD or binary, 12 or 24 hours);
 * while B's SET bit is up they hold still and take the guest's writes,
 * and its clearing starts the clock from them. A write to a time register
 * while the clock runs sets it at once, as QEMU does.
 *   A  divider and rate bits read back as written (the rate sets PF);
 *      UIP is up during the last 244 us of each second, as on the chip,
 *      and never while SET is up.
 *   B  as written, but SET clears UIE (the chip's rule).
 *   C  the flags since the last read of C, then cleared: UF (a second
 *      began), AF (the alarm bytes 0x01/0x03/0x05 matched, 0xc0-0xff
 *      matching anything), PF (a periodic tick), IRQF (one of them with
 *      its enable bit).
 *   D  0x80: the battery is good.
 * The device raises no interrupt: lucid has no device timers yet to
 * raise the update, alarm and periodic interrupts (IRQ 8) when they are
 * due, so the enable bits are kept and only the flags in C show them.
 *
 * Bytes 0x0e-0x7f are RAM, kept per VM; at power-on it holds the memory
 * sizes at QEMU's places (0x15-0x16 base KiB, 0x17-0x18 and 0x30-0x31
 * KiB above 1 MiB, 0x34-0x35 64 KiB blocks above 16 MiB, all below 4 GiB;
 * 0x5b-0x5d 64 KiB blocks above 4 GiB). A reboot keeps the RAM, the time
 * and the formats, as the battery does; it clears the interrupt enables
 * and the flags, as the chip's reset line does.
 *
 * Reads of port 0x70 give 0xff, as in QEMU. */
#ifndef HV_VDEV_RTC_H
#define HV_VDEV_RTC_H

#define VRTC_PORT 0x70
#define VRTC_PORTS 2

#endif
