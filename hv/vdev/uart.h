/* COM1: a 16550A UART at ports 0x3f8-0x3ff on interrupt line 4, part of
 * the PC platform (`platform = pc`). Registers as in National's PC16550D
 * datasheet, as Linux's 8250 driver probes them (a scratch register, IER
 * read-back, FIFOs seen in IIR bits 7:6, loopback with the modem lines
 * mirrored in MSR):
 *   +0  RBR (read) / THR (write); DLL while LCR.DLAB is set
 *   +1  IER, low 4 bits; DLM while LCR.DLAB is set
 *   +2  IIR (read) / FCR (write)
 *   +3  LCR   +4 MCR (low 5 bits)   +5 LSR   +6 MSR   +7 SCR
 * A wider access is the ISA bus's: one byte access per port, in order.
 *
 * Transmission takes no time: THR and the shift register are empty again
 * at once (LSR.THRE and TEMT always set), so the THRE interrupt is
 * pending again after every byte written. The receiver holds 16 bytes
 * with the FIFOs on, 1 with them off; input that finds it full is lost
 * and sets LSR.OE. The line is always idle between the bytes that came,
 * so the character timeout has always run out: with the FIFOs on, fewer
 * bytes than the trigger level report as a timeout (IIR 0xcc).
 *
 * The interrupt goes to line 4 through MCR.OUT2, as on a PC board, where
 * OUT2 enables the line's driver: the line is high while an enabled
 * interrupt is pending and OUT2 is set (outside loopback, where the chip
 * holds its modem outputs inactive). Outside loopback the modem inputs
 * read as a connected line: DCD, DSR and CTS set, RI clear.
 *
 * What the guest sends (not in loopback) goes two ways: into a ring of
 * the newest UART_RING_SIZE bytes, raw, for the console; and, line by
 * line, into lucid's log as "NAME: text", '\r' dropped, bytes other than
 * printable ASCII and tabs shown as '?', a line longer than
 * UART_LINE_MAX split there, as the console hypercall does. */
#ifndef HV_VDEV_UART_H
#define HV_VDEV_UART_H

#include "lib/types.h"

struct vm;

#define UART_PORT 0x3f8
#define UART_PORTS 8
#define UART_IRQ 4
#define UART_RING_SIZE 16384u	/* a power of two */
#define UART_LINE_MAX 128

/* Registers (offsets from UART_PORT) */
#define UART_RBR 0	/* THR on writes, DLL under DLAB */
#define UART_IER 1	/* DLM under DLAB */
#define UART_IIR 2	/* FCR on writes */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI 0x01	/* received data (and timeout) */
#define UART_IER_THRI 0x02	/* THR empty */
#define UART_IER_RLSI 0x04	/* receiver line status */
#define UART_IER_MSI 0x08	/* modem status */

#define UART_IIR_NONE 0x01	/* no interrupt pending */
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO 0xc0	/* the FIFOs are on */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_TRIGGER 0xc0	/* 1, 4, 8 or 14 bytes */

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

/* Whether vm has a COM1. */
bool uart_present(struct vm *vm);
/* Bytes typed for vm's COM1 arrive at its receiver, as if sent down the
 * line: those that find it full are lost (LSR.OE); in loopback the line
 * is cut and all are. Returns how many it took (0: no COM1). Any CPU. */
u32 uart_input(struct vm *vm, const u8 *bytes, u32 len);
/* How many bytes its receiver has room for now (0: full, in loopback,
 * or no COM1): a sender that waits for room loses nothing. */
u32 uart_input_room(struct vm *vm);

/* The guest's output, counted in bytes sent since the VM was created:
 * the position after the newest byte (0: none yet, or no COM1). */
u64 uart_output_end(struct vm *vm);
/* Copies up to size bytes of the output from position *pos on into buf,
 * raw (the reader makes them safe to show), moves *pos past them and
 * returns how many. Bytes the ring no longer holds are skipped: *lost
 * says how many (0 if none). The newest n bytes are those from
 * uart_output_end() - n. */
u32 uart_output_read(struct vm *vm, u64 *pos, u8 *buf, u32 size, u64 *lost);

#endif
