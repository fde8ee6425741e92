/* libFuzzer target for the console's pure code (`make fuzz`): any bytes,
 * as a terminal or a script might send them, through the line editor
 * (hv/console/line.c) with completion, each finished line split into
 * words and matched against names (words.c), and answered in text and
 * JSON (reply.c). Besides the sanitizers' checks it holds the editor to
 * its invariants, the echo to a screen that never moves left of the
 * prompt, and the JSON to plain ASCII, one object a line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/console/line.h"
#include "hv/console/reply.h"
#include "lib/nearest.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const char *const names[] = { "list", "start", "shutdown", "destroy", "web", "web2", "" };
static long column;		/* the echo's cursor, from the prompt's start */
static enum reply_mode mode;
static int braces;		/* JSON: depth outside strings */
static int in_string, escaped;

static void screen(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			column = 0;
		else if (s[i] == '\b')
			CHECK(--column >= 0);
		else if (s[i] != '\a')
			column++;
	}
}

static void answer(const char *s, size_t n)
{
	for (size_t i = 0; i < n && mode == REPLY_JSON; i++) {
		unsigned char c = (unsigned char)s[i];

		CHECK(c < 0x7f && (c >= 0x20 || (c == '\n' && !in_string && !braces)));
		if (in_string) {
			in_string = escaped || c != '"';
			escaped = !escaped && c == '\\';
		} else if (c == '"') {
			in_string = 1;
		} else {
			braces += (c == '{' || c == '[') - (c == '}' || c == ']');
			CHECK(braces >= 0);
		}
	}
}

static void complete(struct line *l, u32 index, char *const *words)
{
	(void)words;
	for (size_t i = index ? 4 : 0; i < sizeof(names) / sizeof(names[0]); i++)
		line_offer(l, names[i]);
}

static void reply_to(char *line)
{
	char copy[LINE_MAX], *w[LINE_WORDS];
	static const struct column cols[] = { { "Name", "name", 8, false }, { "N", "n", 0, true } };

	memcpy(copy, line, LINE_MAX);
	int n = line_words(copy, w, LINE_WORDS);
	for (mode = REPLY_TEXT; mode <= REPLY_JSON; mode++) {
		reply_set_mode(mode);
		reply_begin("reply", n > 0 ? w[0] : line);
		if (n > 0) {
			struct nearest near;

			nearest_init(&near, w[0]);
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				nearest_offer(&near, names[i]);
			reply_field("Nearest", "nearest", "%s", near.best ? near.best : "");
			reply_table("words", cols, 2);
			for (int i = 0; i < n; i++) {
				const char *cells[] = { w[i], "1" };

				reply_row(cells);
			}
			reply_table_end();
			reply_text("line", line, strlen(line));
		}
		if (n < 0 || (n > 1 && w[1][0] == 'x'))
			reply_error("%s", line);
		reply_end();
		CHECK(mode == REPLY_TEXT || (!braces && !in_string));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct line l;

	memset(&l, 0, sizeof(l));
	l.prompt = "lucid# ";
	l.out = screen;
	l.complete = complete;
	reply_setup(answer);
	column = 0;
	line_redraw(&l);
	for (size_t i = 0; i < size; i++) {
		enum line_result r = line_key(&l, data[i]);

		CHECK(l.len < LINE_MAX && l.cur <= l.len && l.buf[l.len] == '\0');
		CHECK(r != LINE_MORE || column == (long)(strlen(l.prompt) + l.cur));
		if (r == LINE_DONE && !l.too_long)
			reply_to(l.buf);
		if (r != LINE_MORE) {
			line_reset(&l);
			line_redraw(&l);
		}
	}
	return 0;
}
