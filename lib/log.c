/* The log ring keeps the last LOG_RING_SIZE bytes printed. Messages are
 * formatted into a fixed line buffer first: a message longer than it is
 * cut, never spilled.
 *
 * Any CPU may print, also from an exception or NMI handler that
 * interrupted a printk on the same CPU. So the ring takes no lock: each
 * message reserves its bytes with one atomic add, and concurrent messages
 * never mix. The sinks (the serial port) are held by one CPU at a time,
 * whose number is the lock word: a handler on the CPU that holds it
 * writes at once instead of waiting for itself. */
#include "lib/log.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"

#define MAX_SINKS 4
#define LINE_MAX 512
#define NOBODY 0xffffffffu

static char ring[LOG_RING_SIZE];
static u64 ring_head; /* total bytes ever written */
static log_sink_fn sinks[MAX_SINKS];
static unsigned nsinks;
static void (*before_output)(void);
static u32 (*cpu_id)(void);
static u32 sink_owner = NOBODY;

void log_set_cpu_id(u32 (*fn)(void))
{
	cpu_id = fn;
}

static bool sinks_take(u32 me)
{
	u32 expect = NOBODY;

	if (atomic_load(&sink_owner) == me)
		return false; /* nested on this CPU: already ours */
	while (!__atomic_compare_exchange_n(&sink_owner, &expect, me, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		expect = NOBODY;
		spin_pause();
	}
	return true;
}

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
	u64 at = atomic_fetch_add(&ring_head, (u64)len);
	for (size_t i = 0; i < len; i++)
		ring[(at + i) % LOG_RING_SIZE] = line[i];

	struct log_hold h = log_hold();
	if (before_output && len)
		before_output();
	for (unsigned i = 0; i < nsinks; i++)
		sinks[i](line, len);
	log_release(h);
}

struct log_hold log_hold(void)
{
	struct log_hold h;

	h.flags = irq_save();
	h.took = sinks_take(cpu_id ? cpu_id() : 0);
	return h;
}

void log_drop_hold(void)
{
	u32 me = cpu_id ? cpu_id() : 0;

	__atomic_compare_exchange_n(&sink_owner, &me, NOBODY, false, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
}

void log_release(struct log_hold h)
{
	if (h.took)
		atomic_store(&sink_owner, NOBODY);
	irq_restore(h.flags);
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
	u64 head = atomic_load(&ring_head);
	u64 avail = head < LOG_RING_SIZE ? head : LOG_RING_SIZE;
	size_t n = avail < size - 1 ? (size_t)avail : size - 1;
	u64 start = head - n;

	for (size_t i = 0; i < n; i++)
		buf[i] = ring[(start + i) % LOG_RING_SIZE];
	buf[n] = '\0';
	return n;
}
