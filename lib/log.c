/* The log ring keeps the last LOG_RING_SIZE bytes printed. Messages are
 * formatted into a fixed line buffer first: a message longer than it is
 * cut, never spilled. Locking arrives with SMP. */
#include "lib/log.h"
#include "lib/fmt.h"

#define MAX_SINKS 4
#define LINE_MAX 512

static char ring[LOG_RING_SIZE];
static u64 ring_head; /* total bytes ever written */
static log_sink_fn sinks[MAX_SINKS];
static unsigned nsinks;
static void (*before_output)(void);

void log_set_before_output(void (*fn)(void))
{
	before_output = fn;
}

void log_add_sink(log_sink_fn sink)
{
	if (nsinks < MAX_SINKS)
		sinks[nsinks++] = sink;
}

void vprintk(const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	for (size_t i = 0; i < len; i++)
		ring[(ring_head + i) % LOG_RING_SIZE] = line[i];
	ring_head += len;
	if (before_output && len)
		before_output();
	for (unsigned i = 0; i < nsinks; i++)
		sinks[i](line, len);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void printk_lines(const char *prefix, const char *text)
{
	while (*text) {
		const char *nl = text;

		while (*nl && *nl != '\n')
			nl++;
		printk("%s%.*s\n", prefix, (int)(nl - text), text);
		text = *nl ? nl + 1 : nl;
	}
}

size_t log_read(char *buf, size_t size)
{
	if (!size)
		return 0;
	u64 avail = ring_head < LOG_RING_SIZE ? ring_head : LOG_RING_SIZE;
	size_t n = avail < size - 1 ? (size_t)avail : size - 1;
	u64 start = ring_head - n;

	for (size_t i = 0; i < n; i++)
		buf[i] = ring[(start + i) % LOG_RING_SIZE];
	buf[n] = '\0';
	return n;
}
