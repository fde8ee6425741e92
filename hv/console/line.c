/* The console's line editor (line.h). */
#include "hv/console/line.h"
#include "lib/string.h"

#define ESC 0x1b
#define CTRL(k) ((k) & 0x1f)

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

static void put(struct line *l, const char *s, size_t n)
{
	if (n)
		l->out(s, n);
}

static void put_n(struct line *l, char c, u32 n)
{
	while (n--)
		l->out(&c, 1);
}

static void bell(struct line *l)
{
	put(l, "\a", 1);
}

/* Draws buf from the cursor on, blanks `erase` stale characters after it,
 * and moves back to the cursor. */
static void draw_tail(struct line *l, u32 erase)
{
	put(l, l->buf + l->cur, l->len - l->cur);
	put_n(l, ' ', erase);
	put_n(l, '\b', l->len - l->cur + erase);
}

static void move_to(struct line *l, u32 to)
{
	if (to < l->cur)
		put_n(l, '\b', l->cur - to);
	else
		put(l, l->buf + l->cur, to - l->cur);
	l->cur = to;
}

/* Replaces the whole line with s, cursor at its end. */
static void set_line(struct line *l, const char *s)
{
	u32 old = l->len;

	move_to(l, 0);
	l->len = (u32)strlcpy(l->buf, s, sizeof(l->buf));
	l->cur = 0;
	draw_tail(l, old > l->len ? old - l->len : 0);
	move_to(l, l->len);
}

static void insert(struct line *l, const char *s, u32 n)
{
	if (l->len + n >= sizeof(l->buf)) {
		l->too_long = true;
		bell(l);
		return;
	}
	memmove(l->buf + l->cur + n, l->buf + l->cur, l->len - l->cur);
	memcpy(l->buf + l->cur, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
	/* What was inserted and the rest, then back over the rest. */
	put(l, l->buf + l->cur, l->len - l->cur);
	l->cur += n;
	put_n(l, '\b', l->len - l->cur);
}

/* Deletes the characters in [from, to), cursor at from. */
static void cut(struct line *l, u32 from, u32 to)
{
	if (from >= to)
		return;
	move_to(l, from);
	memmove(l->buf + from, l->buf + to, l->len - to);
	l->len -= to - from;
	l->buf[l->len] = '\0';
	draw_tail(l, to - from);
}

static u32 word_start(const struct line *l, u32 at)
{
	while (at && l->buf[at - 1] == ' ')
		at--;
	while (at && l->buf[at - 1] != ' ')
		at--;
	return at;
}

/* History: entry `back` lines before the newest (1: the newest). */
static const char *history_at(const struct line *l, u32 back)
{
	return l->history[(l->nhistory - back) % LINE_HISTORY];
}

static void browse(struct line *l, int dir)
{
	u32 kept = l->nhistory < LINE_HISTORY ? l->nhistory : LINE_HISTORY;
	u32 to = l->browse + (u32)dir;

	if ((dir < 0 && !l->browse) || to > kept) {
		bell(l);
		return;
	}
	if (!l->browse)
		strlcpy(l->draft, l->buf, sizeof(l->draft));
	l->browse = to;
	set_line(l, to ? history_at(l, to) : l->draft);
}

static void remember(struct line *l)
{
	if (!l->len || l->too_long || (l->nhistory && !strcmp(history_at(l, 1), l->buf)))
		return;
	strlcpy(l->history[l->nhistory++ % LINE_HISTORY], l->buf, LINE_MAX);
}

void line_offer(struct line *l, const char *word)
{
	size_t n = strlen(word);

	if (n < l->word_len || strncmp(word, l->word, l->word_len) ||
	    l->matches_len + n + 1 > sizeof(l->matches))
		return;
	memcpy(l->matches + l->matches_len, word, n + 1);
	l->matches_len += (u32)n + 1;
	l->nmatches++;
}

/* Tab: completes the word before the cursor as far as the candidates
 * agree (a space after a single one); with nothing to add, lists them. */
static void complete(struct line *l)
{
	char head[LINE_MAX], *words[LINE_WORDS];
	u32 start = l->cur, common = 0;

	while (start && l->buf[start - 1] != ' ')
		start--;
	memcpy(head, l->buf, start);
	head[start] = '\0';
	int n = line_words(head, words, LINE_WORDS);
	if (n < 0 || !l->complete) {
		bell(l);
		return;
	}
	l->word = l->buf + start;
	l->word_len = l->cur - start;
	l->matches_len = l->nmatches = 0;
	l->complete(l, (u32)n, words);
	if (!l->nmatches) {
		bell(l);
		return;
	}
	/* The longest prefix every match shares. */
	common = (u32)strlen(l->matches);
	for (u32 at = common + 1; at < l->matches_len; at += (u32)strlen(l->matches + at) + 1) {
		u32 k = 0;

		while (k < common && l->matches[at + k] == l->matches[k])
			k++;
		common = k;
	}
	if (common > l->word_len) {
		insert(l, l->matches + l->word_len, common - l->word_len);
	} else if (l->nmatches == 1) {
		/* complete already */
	} else {
		put(l, "\n", 1);
		for (u32 at = 0; at < l->matches_len; at += (u32)strlen(l->matches + at) + 1) {
			put(l, l->matches + at, strlen(l->matches + at));
			put(l, "  ", 2);
		}
		put(l, "\n", 1);
		line_redraw(l);
		return;
	}
	if (l->nmatches == 1 && (l->cur == l->len || l->buf[l->cur] != ' '))
		insert(l, " ", 1);
}

/* The final byte of ESC [ ..., ESC O ... or ESC [ n ~. */
static void escape_key(struct line *l, int c)
{
	if (c == '~')
		c = l->esc_num == 1 || l->esc_num == 7 ? 'H' : l->esc_num == 4 || l->esc_num == 8 ? 'F'
		    : l->esc_num == 3 ? CTRL('d') : 0;
	switch (c) {
	case 'A': browse(l, 1); break;
	case 'B': browse(l, -1); break;
	case 'C': if (l->cur < l->len) move_to(l, l->cur + 1); break;
	case 'D': if (l->cur) move_to(l, l->cur - 1); break;
	case 'H': move_to(l, 0); break;
	case 'F': move_to(l, l->len); break;
	case CTRL('d'): cut(l, l->cur, l->cur < l->len ? l->cur + 1 : l->cur); break;
	}
}

/* Inside an escape sequence: returns whether c was part of one. */
static bool escape(struct line *l, int c)
{
	switch (l->esc) {
	case ESC_NONE:
		return false;
	case ESC_START:
		l->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
		l->esc_num = 0;
		return c >= 0x20;	/* Alt and a key: dropped */
	case ESC_CSI:
		if (c >= '0' && c <= '9') {
			l->esc_num = (u8)(l->esc_num * 10 + (c - '0'));
			return true;
		}
		if (c >= 0x20 && c < 0x40)	/* other parameters, intermediates */
			return true;
		break;
	}
	l->esc = ESC_NONE;
	if (c < 0x20 || c > 0x7e)	/* no sequence after all: a key */
		return false;
	escape_key(l, c);
	return true;
}

static enum line_result finish(struct line *l)
{
	move_to(l, l->len);
	put(l, "\n", 1);
	remember(l);
	return LINE_DONE;
}

enum line_result line_key(struct line *l, int c)
{
	bool after_cr = l->after_cr;

	l->after_cr = false;
	if (escape(l, c))
		return LINE_MORE;
	switch (c) {
	case '\r':
		l->after_cr = true;
		return finish(l);
	case '\n':
		return after_cr ? LINE_MORE : finish(l);
	case CTRL('c'):
		put(l, "^C\n", 3);
		line_reset(l);
		return LINE_CANCEL;
	case ESC: l->esc = ESC_START; break;
	case '\t': complete(l); break;
	case 0x7f: case '\b': if (l->cur) cut(l, l->cur - 1, l->cur); break;
	case CTRL('a'): move_to(l, 0); break;
	case CTRL('e'): move_to(l, l->len); break;
	case CTRL('b'): escape_key(l, 'D'); break;
	case CTRL('f'): escape_key(l, 'C'); break;
	case CTRL('p'): browse(l, 1); break;
	case CTRL('n'): browse(l, -1); break;
	case CTRL('d'): escape_key(l, CTRL('d')); break;
	case CTRL('k'): cut(l, l->cur, l->len); break;
	case CTRL('u'): cut(l, 0, l->len); l->too_long = false; break;
	case CTRL('w'): cut(l, word_start(l, l->cur), l->cur); break;
	case CTRL('l'): put(l, "\n", 1); line_redraw(l); break;
	default:
		if (c >= 0x20 && c < 0x7f) {
			char ch = (char)c;

			insert(l, &ch, 1);
		}
	}
	return LINE_MORE;
}

void line_reset(struct line *l)
{
	l->len = l->cur = l->browse = 0;
	l->too_long = false;
	l->esc = ESC_NONE;
	l->buf[0] = '\0';
}

void line_redraw(struct line *l)
{
	u32 cur = l->cur;

	put(l, l->prompt, strlen(l->prompt));
	put(l, l->buf, l->len);
	l->cur = l->len;
	move_to(l, cur);
}

int line_words(char *s, char **words, int max)
{
	int n = 0;

	for (char *p = s; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == max)
			return -1;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}
