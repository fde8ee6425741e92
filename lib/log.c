/* The log ring keeps the last LOG_RING_SIZE bytes printed. Messages are
 * formatted into a fixed line buffer first: a message longer than it is
 * cut, never spilled.
 *
 * Any CPU may print, also from an exception or NMI handler that
 * interrupted a printk on the same CPU. So the ring takes no lock: each
 * message reserves its bytes with one atomic add, and concurrent messages
 * never mix. The sinks (the serial port) are held by one CPU at a time,
 * whose number is the lock word. A message goes into the ring first; its
 * CPU then prints what waits in the ring if it can take the sinks, and
 * otherwise leaves it to the CPU that has them, which prints it when it
 * lets go. So no CPU waits for another's output, however long that holds
 * the sinks (the console does, for a whole answer), and a handler on the
 * CPU that holds them prints at once instead of waiting for itself. */
#include "lib/log.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"

#define MAX_SINKS 4
#define LINE_MAX 512
#define NOBODY 0xffffffffu
/* How long log_sync() waits for messages being copied into the ring:
 * ample for a copy, and bounded, since a CPU stopped in the middle of
 * one never finishes it. */
#define SYNC_SPINS 1000000

static char ring[LOG_RING_SIZE];
static u64 ring_head;    /* bytes reserved, ever */
static u32 ring_writers; /* messages being copied in */
static u64 ring_printed; /* bytes the sinks have had */
static log_sink_fn sinks[MAX_SINKS];
static unsigned nsinks;
static void (*before_output)(void);
static u32 (*cpu_id)(void);
static u32 sink_owner = NOBODY;
static bool muted;

void log_set_cpu_id(u32 (*fn)(void))
{
	cpu_id = fn;
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

/* Says whether this CPU has the sinks now; *took, whether this call took
 * them (not so when this CPU had them already). */
static bool sinks_try_take(bool *took)
{
	u32 me = cpu_id ? cpu_id() : 0;
	u32 expect = NOBODY;

	*took = false;
	if (atomic_load(&sink_owner) == me)
		return true;
	*took = __atomic_compare_exchange_n(&sink_owner, &expect, me, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
	return *took;
}

static void write_sinks(const char *s, size_t len)
{
	for (unsigned i = 0; i < nsinks && len; i++)
		sinks[i](s, len);
}

/* Prints the ring from where the sinks left off up to byte `to`; the
 * caller has the sinks. */
static void print_to(u64 to)
{
	u64 from = atomic_load(&ring_printed);

	/* Claimed before it is written, so that a handler which interrupts
	 * this CPU below prints only what came after. */
	do {
		if (from >= to)
			return;
	} while (!__atomic_compare_exchange_n(&ring_printed, &from, to, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	if (atomic_load(&muted))
		return;
	if (to - from > LOG_RING_SIZE)
		from = to - LOG_RING_SIZE; /* overwritten before anyone could print it */
	if (before_output)
		before_output();
	size_t at = (size_t)(from % LOG_RING_SIZE);
	size_t len = (size_t)(to - from);
	size_t first = len < LOG_RING_SIZE - at ? len : LOG_RING_SIZE - at;
	write_sinks(ring + at, first);
	write_sinks(ring, len - first);
}

/* Prints what waits in the ring, unless a message is still being copied
 * in: its writer prints it when done. The caller has the sinks. */
static void flush(void)
{
	/* Head first: no writers after that means every byte before it is
	 * complete. */
	u64 head = atomic_load(&ring_head);

	if (!atomic_load(&ring_writers))
		print_to(head);
}

/* A message whose CPU found the sinks taken waits for their holder: so
 * after letting go, look again, and print it unless its writer is still
 * copying it (that writer then takes the sinks itself). */
static void sinks_let_go(void)
{
	bool took;

	for (;;) {
		atomic_store_fence(&sink_owner, NOBODY);
		u64 head = atomic_load(&ring_head);
		if (atomic_load(&ring_writers) || head == atomic_load(&ring_printed))
			return;
		if (!sinks_try_take(&took))
			return; /* the new holder prints it */
		flush();
	}
}

void vprintk(const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	bool took;

	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	u64 flags = irq_save();

	atomic_fetch_add(&ring_writers, 1);
	u64 at = atomic_fetch_add(&ring_head, (u64)len);
	for (size_t i = 0; i < len; i++)
		ring[(at + i) % LOG_RING_SIZE] = line[i];
	atomic_fetch_add(&ring_writers, (u32)-1);

	if (sinks_try_take(&took)) {
		flush();
		if (took)
			sinks_let_go();
	}
	irq_restore(flags);
}

struct log_hold log_hold(void)
{
	struct log_hold h;

	h.flags = irq_save();
	while (!sinks_try_take(&h.took))
		spin_pause(); /* another CPU prints what waits: that ends */
	return h;
}

void log_release(struct log_hold h)
{
	if (h.took) {
		flush();
		sinks_let_go();
	}
	irq_restore(h.flags);
}

void log_drop_hold(void)
{
	u32 me = cpu_id ? cpu_id() : 0;

	__atomic_compare_exchange_n(&sink_owner, &me, NOBODY, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_RELAXED);
}

void log_sync(void)
{
	bool took;

	while (!sinks_try_take(&took))
		spin_pause();
	atomic_store(&muted, false);
	for (u32 i = 0; atomic_load(&ring_writers) && i < SYNC_SPINS; i++)
		spin_pause();
	print_to(atomic_load(&ring_head));
}

void log_mute(bool on)
{
	atomic_store(&muted, on);
}

u64 log_written(void)
{
	return atomic_load(&ring_head);
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
