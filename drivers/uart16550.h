/* The 16550 UART: lucid's console and log output (COM1). */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include "lib/types.h"

#define COM1_PORT 0x3f8

void uart_init(u16 port, u32 baud);
void uart_putc(u16 port, char c);
/* Returns the next received byte, or -1 when none is waiting. */
int uart_getc(u16 port);
/* From now on the UART raises its interrupt for each byte received, and
 * uart_rx_irq, its handler's work, keeps the bytes for uart_getc. */
void uart_rx_interrupts(u16 port);
void uart_rx_irq(u16 port);
/* A log sink writing to COM1, turning "\n" into "\r\n" for terminals. */
void uart_log_sink(const char *s, size_t len);

#endif
