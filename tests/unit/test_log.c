/* Unit tests for lib/log.c: printk() formatting, sinks and the log ring,
 * and the output hold between CPUs (played by one thread that changes the
 * CPU number the log sees). The ring and the sink table are static in
 * log.c and cannot be reset, so each test reads back only what it wrote
 * itself (log_read returns the newest bytes), except test_empty_ring,
 * which must run first. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/log.h"

/* What the capture sink saw: the last call and every byte since reset. */
static char last[1024];
static size_t last_len;
static unsigned calls;
static char seen[4096];
static size_t seen_len;

static void capture_sink(const char *s, size_t len)
{
	calls++;
	last_len = len;
	memcpy(last, s, len < sizeof(last) ? len : sizeof(last));
	for (size_t i = 0; i < len && seen_len < sizeof(seen); i++)
		seen[seen_len++] = s[i];
}

static unsigned second_calls;

static void second_sink(const char *s, size_t len)
{
	(void)s;
	(void)len;
	second_calls++;
}

static int reset_capture(void **state)
{
	(void)state;
	calls = 0;
	last_len = 0;
	seen_len = 0;
	second_calls = 0;
	return 0;
}

/* Reads back the newest n bytes of the ring. */
static size_t read_newest(char *buf, size_t n)
{
	return log_read(buf, n + 1);
}

static void test_empty_ring(void **state)
{
	char buf[8] = "XXXXXXX";

	(void)state;
	assert_int_equal(log_read(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(calls, 0);
}

static void test_printk_formats_to_sink(void **state)
{
	(void)state;
	printk("cpu %d: %s\n", 3, "online");
	assert_int_equal(calls, 1);
	assert_int_equal(last_len, strlen("cpu 3: online\n"));
	assert_memory_equal(last, "cpu 3: online\n", last_len);
}

static void test_printk_keeps_text_in_ring(void **state)
{
	const char *msg = "ring check 0x2a\n";
	char buf[64];

	(void)state;
	printk("ring check %#x\n", 42);
	assert_int_equal(read_newest(buf, strlen(msg)), strlen(msg));
	assert_string_equal(buf, msg);
}

static void test_consecutive_messages_concatenate(void **state)
{
	char buf[64];

	(void)state;
	printk("one ");
	printk("two ");
	printk("three");
	assert_int_equal(calls, 3);
	assert_int_equal(read_newest(buf, 13), 13);
	assert_string_equal(buf, "one two three");
	assert_int_equal(seen_len, 13);
	assert_memory_equal(seen, "one two three", 13);
}

static void test_empty_message_calls_sink_with_nothing(void **state)
{
	char before[32], after[32];

	(void)state;
	read_newest(before, 16);
	printk("%s", "");
	read_newest(after, 16);
	assert_string_equal(before, after);
	assert_true(calls <= 1);
	assert_int_equal(seen_len, 0);
}

static void test_long_message_is_cut_not_spilled(void **state)
{
	static char big[2000];
	static char buf[2000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	printk("<%s>", big);
	assert_int_equal(calls, 1);
	/* cut to the line buffer (less its NUL), never more */
	assert_true(last_len > 0);
	assert_true(last_len < sizeof(big));
	assert_int_equal(last[0], '<');
	for (size_t i = 1; i < last_len; i++)
		assert_int_equal(last[i], 'a');
	/* the ring holds exactly what the sink got */
	assert_int_equal(read_newest(buf, last_len), last_len);
	assert_memory_equal(buf, last, last_len);
}

static void test_log_read_small_buffer_gets_newest(void **state)
{
	char buf[4] = "XXX";

	(void)state;
	printk("abcdef");
	assert_int_equal(log_read(buf, sizeof(buf)), 3);
	assert_string_equal(buf, "def");
	assert_int_equal(log_read(buf, 1), 0);
	assert_string_equal(buf, "");
}

static void test_log_read_size_zero(void **state)
{
	char buf[2] = { 'X', 'Y' };

	(void)state;
	assert_int_equal(log_read(buf, 0), 0);
	assert_int_equal(buf[0], 'X');
}

static void test_ring_wraps_and_keeps_newest(void **state)
{
	static char buf[LOG_RING_SIZE + 64];
	char line[32];
	int n;

	(void)state;
	/* write well over one ring's worth of numbered lines */
	for (int i = 0; i < 2 * LOG_RING_SIZE / 10; i++)
		printk("L%08d\n", i);
	n = 2 * LOG_RING_SIZE / 10 - 1;
	assert_int_equal(log_read(buf, sizeof(buf)), LOG_RING_SIZE);
	assert_int_equal(strlen(buf), LOG_RING_SIZE);
	snprintf(line, sizeof(line), "L%08d\n", n);
	assert_string_equal(buf + LOG_RING_SIZE - 10, line);
	/* the oldest kept byte is the right one: LOG_RING_SIZE / 10 lines
	 * fit, the first kept line starts part-way through */
	size_t off = LOG_RING_SIZE % 10;
	snprintf(line, sizeof(line), "L%08d\n", n - LOG_RING_SIZE / 10 + 1);
	assert_memory_equal(buf + off, line, 10);
}

static void test_second_sink_gets_same_output(void **state)
{
	(void)state;
	log_add_sink(second_sink);
	printk("both\n");
	assert_int_equal(calls, 1);
	assert_int_equal(second_calls, 1);
	assert_memory_equal(last, "both\n", 5);
}

/* --- the hold: CPU 0 holds the output, as the console does ------------------ */

static u32 cpu;

static u32 test_cpu_id(void)
{
	return cpu;
}

/* A CPU's message while another holds the output waits in the ring and
 * comes out whole after the holder's output, not inside it; the CPU that
 * printed it goes on at once. */
static void test_hold_defers_other_cpus(void **state)
{
	(void)state;
	cpu = 0;
	struct log_hold h = log_hold();
	capture_sink("answer 1\n", 9);
	cpu = 1;
	printk("vm %s: powered off\n", "x");
	cpu = 0;
	capture_sink("answer 2\n", 9);
	assert_int_equal(seen_len, 18);
	log_release(h);
	assert_int_equal(seen_len, 18 + 18);
	assert_memory_equal(seen, "answer 1\nanswer 2\nvm x: powered off\n", seen_len);
}

/* The holder's own messages (an NMI on its CPU, a halt) print at once. */
static void test_holder_prints_at_once(void **state)
{
	(void)state;
	cpu = 0;
	struct log_hold h = log_hold();
	printk("mine\n");
	assert_int_equal(seen_len, 5);
	assert_memory_equal(seen, "mine\n", 5);
	log_release(h);
	assert_int_equal(seen_len, 5);
}

/* A sink that, while CPU 0 prints, lets CPU 1 print too. */
static void sink_with_cpu1_printing(const char *s, size_t len)
{
	static bool busy;

	capture_sink(s, len);
	if (busy || cpu != 0)
		return;
	busy = true;
	cpu = 1;
	printk("late\n");
	cpu = 0;
}

/* A message that finds another CPU printing is not left in the ring:
 * that CPU prints it before it lets go. */
static void test_message_during_print_not_lost(void **state)
{
	(void)state;
	cpu = 0;
	log_add_sink(sink_with_cpu1_printing);
	printk("first\n");
	/* capture_sink is also the tail of the new sink: each line twice */
	assert_int_equal(seen_len, 22);
	assert_memory_equal(seen, "first\nfirst\nlate\nlate\n", 22);
}

/* A CPU that halts the machine prints what waited for a holder that was
 * stopped, its own last line included. */
static void test_sync_after_holder_stopped(void **state)
{
	(void)state;
	cpu = 1;
	log_hold();
	cpu = 0;
	printk("lucid: halted\n");
	assert_int_equal(seen_len, 0);
	cpu = 1;
	log_drop_hold();
	cpu = 0;
	log_sync();
	assert_int_equal(seen_len, 14);
	assert_memory_equal(seen, "lucid: halted\n", 14);
	log_drop_hold(); /* log_sync keeps the output: give it back */
}

static int group_setup(void **state)
{
	(void)state;
	log_add_sink(capture_sink);
	log_set_cpu_id(test_cpu_id);
	/* A printk that waits for a CPU which holds the output would wait
	 * for good here: end the run instead. */
	alarm(20);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* must stay first: it checks the ring before anything logs */
		cmocka_unit_test_setup(test_empty_ring, reset_capture),
		cmocka_unit_test_setup(test_printk_formats_to_sink, reset_capture),
		cmocka_unit_test_setup(test_printk_keeps_text_in_ring, reset_capture),
		cmocka_unit_test_setup(test_consecutive_messages_concatenate, reset_capture),
		cmocka_unit_test_setup(test_empty_message_calls_sink_with_nothing, reset_capture),
		cmocka_unit_test_setup(test_long_message_is_cut_not_spilled, reset_capture),
		cmocka_unit_test_setup(test_log_read_small_buffer_gets_newest, reset_capture),
		cmocka_unit_test_setup(test_log_read_size_zero, reset_capture),
		cmocka_unit_test_setup(test_ring_wraps_and_keeps_newest, reset_capture),
		cmocka_unit_test_setup(test_hold_defers_other_cpus, reset_capture),
		cmocka_unit_test_setup(test_holder_prints_at_once, reset_capture),
		cmocka_unit_test_setup(test_sync_after_holder_stopped, reset_capture),
		/* last: they add sinks that stay */
		cmocka_unit_test_setup(test_second_sink_gets_same_output, reset_capture),
		cmocka_unit_test_setup(test_message_during_print_not_lost, reset_capture),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
