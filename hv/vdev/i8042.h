/* The keyboard controller, an Intel 8042 as a PC has it, for VMs of
 * platform = pc: enough for Linux's i8042 driver to find a controller with
 * a keyboard that presses no keys and an empty mouse port, and for a
 * guest to reset the machine through it.
 *   port 0x60  data: reads take the output buffer; a write is the
 *              parameter of the last command, or else a byte for the
 *              keyboard;
 *   port 0x64  status on read (OBF, SYS, the last write a command, the
 *              keyboard not locked, the byte from the mouse port, a
 *              timeout); commands on write.
 * Commands: 0x20-0x3f read and 0x60-0x7f write the controller's RAM, whose
 * byte 0 is the command byte (interrupts, SYS, the ports' disable bits,
 * translation); 0xa7/0xa8 and 0xad/0xae disable and enable the mouse and
 * keyboard ports; 0xa9 and 0xab test them (0x00: fine); 0xaa tests the
 * controller (0x55) and sets SYS; 0xd0/0xd1 read and write the output
 * port; 0xd2/0xd3 put a byte in the output buffer as from the keyboard or
 * the mouse port, at once even while that port is disabled (the
 * controller writes its own buffer: Linux's probe for a multiplexing
 * controller loops a byte through 0xd3 with the mouse port disabled, and
 * waits half a second for one that never comes); 0xd4 sends a byte to the mouse, which is not there (the
 * controller answers 0xfe with a timeout, as one with an empty mouse
 * port); 0xf0-0xff pulse output port lines low. The input buffer is never
 * full: each write is done at once. Other commands do nothing.
 *
 * Output port bit 0 is the CPU's reset line: a write that clears it, or a
 * pulse of it (0xfe), resets the VM. Bit 1 (A20) is kept but gates
 * nothing: lucid's guests always see the address line.
 *
 * The keyboard acknowledges each byte with 0xfa; 0xff (reset) adds 0xaa,
 * 0xf2 (identify) the MF2 keyboard's 0xab 0x83 (0x41 when the command byte
 * asks for translation), 0xf0 0x00 the scan code set, and 0xee echoes.
 * It never sends a key.
 *
 * With the command byte's keyboard (mouse) interrupt bit up, a byte from
 * the keyboard or the controller (the mouse port) in the output buffer
 * drives interrupt line 1 (12) high, until it is read. */
#ifndef HV_VDEV_I8042_H
#define HV_VDEV_I8042_H

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12

#endif
