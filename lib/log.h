/* The hypervisor's log: printk() formats a message, keeps it in a ring
 * buffer (so the console can show it again) and writes it to every sink
 * (the serial port; later the framebuffer): at once, or when the CPU that
 * holds the sinks lets go. */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include "lib/types.h"

#define LOG_RING_SIZE 16384

typedef void (*log_sink_fn)(const char *s, size_t len);

void log_add_sink(log_sink_fn sink);
/* Called before messages reach the sinks: the console uses it to move an
 * unfinished input line out of the way. */
void log_set_before_output(void (*fn)(void));
/* Tells the log how to find the number of the CPU it runs on (0 until
 * then). */
void log_set_cpu_id(u32 (*fn)(void));
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);

/* Holds the output for this CPU, for a writer that goes to a sink
 * directly (the console's prompt, echo and a command's whole answer) and
 * must not be cut into by another CPU's message. Meanwhile the other
 * CPUs' messages wait in the ring, and log_release() prints them. Holds
 * nest on one CPU, where printk() still prints at once (an NMI, a halt).
 * Waits only while another CPU prints. */
struct log_hold {
	u64 flags;
	bool took;
};
struct log_hold log_hold(void);
void log_release(struct log_hold h);
/* A CPU about to stop for good lets go of the output if it held it (it
 * may have been stopped in the middle of a message). */
void log_drop_hold(void);
/* For the CPU that stops the machine, after it has told the others to
 * stop: waits until they let go of the output, prints every message
 * still waiting, and keeps the output for good. */
void log_sync(void);

/* While muted, messages go into the ring only, never to the sinks, not
 * even once unmuted: the console mutes the log while COM1 carries a VM's
 * serial port. log_sync() unmutes it. */
void log_mute(bool on);
/* Bytes ever put into the ring: the console's prompt waits until this
 * stops growing. */
u64 log_written(void);

/* Prints each line of a multi-line text (warnings collected by a parser)
 * as its own log line, behind prefix. */
void printk_lines(const char *prefix, const char *text);

/* Copies the ring's oldest-to-newest contents into buf (at most size-1
 * bytes, NUL-terminated); returns the number of bytes copied. When the
 * ring has wrapped, the oldest bytes are gone. */
size_t log_read(char *buf, size_t size);

#endif
