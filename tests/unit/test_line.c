/* Host tests for the console's line editor (hv/console/line.c) and its
 * words (hv/console/words.c): bytes in as a terminal sends them, the
 * screen as a terminal would show it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv/console/line.h"
#include "lib/nearest.h"

static char out[4096];
static size_t out_len;

static void capture(const char *s, size_t n)
{
	assert_true(out_len + n < sizeof(out));
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = '\0';
}

/* A screen one line long: what the bytes sent leave on it (backspace
 * moves left, a printable overwrites, newline starts a new line). */
static char screen[256];
static struct line l;

static const char *shown(void)
{
	size_t col = 0, end;

	memset(screen, 0, sizeof(screen));
	for (size_t i = 0; i < out_len; i++) {
		char c = out[i];

		if (c == '\n') {
			col = 0;
			memset(screen, 0, sizeof(screen));
		} else if (c == '\b') {
			assert_true(col > 0);	/* never left of the prompt's start */
			col--;
		} else if (c != '\a') {
			assert_true(col + 1 < sizeof(screen));
			screen[col++] = c;
		}
	}
	/* Past the line, only blanks: what was cut is gone from the screen. */
	end = strlen(l.prompt) + l.len;
	for (size_t i = end; i < sizeof(screen) && screen[i]; i++)
		assert_int_equal(screen[i], ' ');
	if (end < sizeof(screen))
		screen[end] = '\0';
	return screen;
}

static size_t cursor(void)
{
	size_t col = 0;

	for (size_t i = 0; i < out_len; i++)
		col = out[i] == '\n' ? 0 : out[i] == '\b' ? col - 1 : out[i] == '\a' ? col : col + 1;
	return col;
}

static const char *const commands[] = { "list", "start", "shutdown", "suspend", "help" };
static const char *const vms[] = { "web", "web2", "db" };

static void complete(struct line *l, u32 index, char *const *words)
{
	if (index == 0)
		for (size_t i = 0; i < 5; i++)
			line_offer(l, commands[i]);
	else if (index == 1 && strcmp(words[0], "help"))
		for (size_t i = 0; i < 3; i++)
			line_offer(l, vms[i]);
}

static int fresh(void **state)
{
	(void)state;
	memset(&l, 0, sizeof(l));
	l.prompt = "lucid# ";
	l.out = capture;
	l.complete = complete;
	out_len = 0;
	out[0] = '\0';
	line_redraw(&l);
	return 0;
}

/* Feeds bytes; returns the last result. */
static enum line_result keys(const char *s)
{
	enum line_result r = LINE_MORE;

	for (; *s; s++)
		r = line_key(&l, (u8)*s);
	return r;
}

static void test_typing_and_backspace(void **state)
{
	(void)state;
	assert_int_equal(keys("lsit\x7f\x7f\x7f" "ist"), LINE_MORE);
	assert_string_equal(shown(), "lucid# list");
	assert_int_equal(keys("\b"), LINE_MORE);
	assert_string_equal(shown(), "lucid# lis");
	assert_int_equal(keys("t\r"), LINE_DONE);
	assert_string_equal(l.buf, "list");
	assert_false(l.too_long);
}

/* CR, LF and CR LF each end one line. */
static void test_line_ends(void **state)
{
	(void)state;
	assert_int_equal(keys("a\r"), LINE_DONE);
	line_reset(&l);
	assert_int_equal(line_key(&l, '\n'), LINE_MORE);	/* the LF of CR LF */
	assert_int_equal(keys("b\n"), LINE_DONE);
	assert_string_equal(l.buf, "b");
	line_reset(&l);
	assert_int_equal(keys("\n"), LINE_DONE);	/* LF alone: an empty line */
	assert_string_equal(l.buf, "");
}

/* Left and right arrows, Home and End (both forms), inserting and
 * deleting in the middle: the screen always shows the line. */
static void test_cursor_movement(void **state)
{
	(void)state;
	keys("start wb");
	keys("\x1b[D");
	keys("e");
	assert_string_equal(shown(), "lucid# start web");
	assert_int_equal(cursor(), strlen("lucid# start we"));
	keys("\x1b[H");
	assert_int_equal(cursor(), strlen("lucid# "));
	keys("\x1bOF");
	assert_int_equal(cursor(), strlen("lucid# start web"));
	keys("\x01\x1b[C\x1b[C\x1b[3~");	/* Ctrl-A, right twice, Delete */
	assert_string_equal(l.buf, "strt web");
	assert_string_equal(shown(), "lucid# strt web");
	keys("a\x05!");
	assert_string_equal(shown(), "lucid# start web!");
	assert_int_equal(keys("\r"), LINE_DONE);
	assert_string_equal(l.buf, "start web!");
}

/* Ctrl-K, Ctrl-W and Ctrl-U cut; the screen loses what they cut. */
static void test_kills(void **state)
{
	(void)state;
	keys("start web now");
	keys("\x17");
	assert_string_equal(shown(), "lucid# start web ");
	keys("\x01\x1b[C\x0b");
	assert_string_equal(shown(), "lucid# s");
	keys("\x15");
	assert_string_equal(shown(), "lucid# ");
	assert_int_equal(l.len, 0);
}

/* Ctrl-C drops the line; the next starts empty. */
static void test_ctrl_c(void **state)
{
	(void)state;
	keys("destroy web");
	assert_int_equal(keys("\x03"), LINE_CANCEL);
	assert_int_equal(l.len, 0);
	assert_non_null(strstr(out, "destroy web^C\n"));
	assert_int_equal(keys("x\r"), LINE_DONE);
	assert_string_equal(l.buf, "x");
}

/* Up and down walk the history; down past the newest gives back what was
 * being typed. A repeated line is kept once, an empty one not at all. */
static void test_history(void **state)
{
	(void)state;
	const char *lines[] = { "one\r", "two\r", "two\r", "\r", "three\r" };

	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(keys(lines[i]), LINE_DONE);
		line_reset(&l);
		line_redraw(&l);
	}
	keys("dra");
	keys("\x1b[A");
	assert_string_equal(shown(), "lucid# three");
	keys("\x1b[A\x1b[A");
	assert_string_equal(l.buf, "one");
	keys("\x1b[A");		/* nothing older: the bell, no change */
	assert_string_equal(l.buf, "one");
	assert_non_null(strchr(out, '\a'));
	keys("\x10\x1b[B");	/* Ctrl-P is up too; one older, one newer */
	assert_string_equal(l.buf, "two");
	keys("\x0e\x0e");	/* Ctrl-N: three, then the draft */
	l.buf[l.len] = '\0';
	assert_string_equal(l.buf, "dra");
	assert_string_equal(shown(), "lucid# dra");
	keys("\x0c");		/* Ctrl-L: drawn again, on a new line */
	assert_string_equal(shown(), "lucid# dra");
}

/* Only the last LINE_HISTORY lines are kept. */
static void test_history_wraps(void **state)
{
	char line[16];

	(void)state;
	for (int i = 0; i < LINE_HISTORY + 3; i++) {
		snprintf(line, sizeof(line), "c%d\r", i);
		keys(line);
		line_reset(&l);
	}
	for (int i = 0; i < LINE_HISTORY + 2; i++)
		keys("\x1b[A");
	l.buf[l.len] = '\0';
	assert_string_equal(l.buf, "c3");
}

/* A line longer than the buffer rings the bell and is refused whole,
 * never cut short and run. */
static void test_too_long(void **state)
{
	(void)state;
	for (int i = 0; i < LINE_MAX + 10; i++)
		keys("x");
	assert_int_equal(l.len, LINE_MAX - 1);
	assert_int_equal(keys("\r"), LINE_DONE);
	assert_true(l.too_long);
	line_reset(&l);
	assert_int_equal(keys("ok\r"), LINE_DONE);
	assert_false(l.too_long);
}

/* Tab: a unique match completes with a space; matches that share more
 * complete to it; with nothing to add, the candidates are listed and the
 * line drawn again; nothing matches: the bell. */
static void test_completion(void **state)
{
	(void)state;
	keys("li\t");
	assert_string_equal(shown(), "lucid# list ");
	keys("\x15" "s\t");
	assert_string_equal(shown(), "lucid# s");
	assert_non_null(strstr(out, "start  shutdown  suspend  \n"));
	keys("u\t");
	assert_string_equal(shown(), "lucid# suspend ");
	keys("w\t");
	assert_string_equal(shown(), "lucid# suspend web");
	keys("\t");
	assert_non_null(strstr(out, "web  web2  \n"));
	assert_string_equal(shown(), "lucid# suspend web");
	keys("\x15" "help x\t");
	assert_string_equal(shown(), "lucid# help x");
	assert_int_equal(out[out_len - 1], '\a');
	keys("\x15" "suspend d\t");
	assert_string_equal(shown(), "lucid# suspend db ");
}

/* Escape sequences the editor does not use are swallowed whole, a
 * terminal's cursor report included; a lone ESC before Enter does not
 * eat the Enter. */
static void test_unknown_escapes(void **state)
{
	(void)state;
	keys("a\x1b[12;40R\x1b[1;5A\x1b[200~b\x1bxc");
	assert_string_equal(shown(), "lucid# abc");
	assert_int_equal(keys("\x1b\r"), LINE_DONE);
	assert_string_equal(l.buf, "abc");
}

static void test_line_words(void **state)
{
	char s[] = "  start\t web  ";
	char *w[LINE_WORDS];
	char many[] = "1 2 3 4 5 6 7 8 9";

	(void)state;
	assert_int_equal(line_words(s, w, LINE_WORDS), 2);
	assert_string_equal(w[0], "start");
	assert_string_equal(w[1], "web");
	assert_int_equal(line_words(many, w, LINE_WORDS), -1);
	char none[] = " \t ";
	assert_int_equal(line_words(none, w, LINE_WORDS), 0);
}

static const char *nearest_of(const char *word, const char *const *names, size_t n)
{
	struct nearest near;

	nearest_init(&near, word);
	for (size_t i = 0; i < n; i++)
		nearest_offer(&near, names[i]);
	return near.best;
}

/* A typo, a swap or a word cut short finds the name; something far off
 * finds none. */
static void test_nearest(void **state)
{
	static const char *const names[] = { "list", "start", "shutdown", "suspend", "destroy",
					     "dominfo", "domstats" };

	(void)state;
	assert_string_equal(nearest_of("lsit", names, 7), "list");
	assert_string_equal(nearest_of("stat", names, 7), "start");
	assert_string_equal(nearest_of("shutdwn", names, 7), "shutdown");
	assert_string_equal(nearest_of("domst", names, 7), "domstats");
	assert_string_equal(nearest_of("destory", names, 7), "destroy");
	assert_null(nearest_of("reboot-the-world", names, 7));
	assert_null(nearest_of("xyz", names, 7));
	/* A word longer than any name is no typo of one. */
	assert_null(nearest_of("listlistlistlistlistlistlistlistlist", names, 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_typing_and_backspace, fresh),
		cmocka_unit_test_setup(test_line_ends, fresh),
		cmocka_unit_test_setup(test_cursor_movement, fresh),
		cmocka_unit_test_setup(test_kills, fresh),
		cmocka_unit_test_setup(test_ctrl_c, fresh),
		cmocka_unit_test_setup(test_history, fresh),
		cmocka_unit_test_setup(test_history_wraps, fresh),
		cmocka_unit_test_setup(test_too_long, fresh),
		cmocka_unit_test_setup(test_completion, fresh),
		cmocka_unit_test_setup(test_unknown_escapes, fresh),
		cmocka_unit_test(test_line_words),
		cmocka_unit_test(test_nearest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
