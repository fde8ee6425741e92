/* The console's line editor: pure code over two callbacks, one that
 * writes to the terminal and one that offers completions, so that host
 * tests and a fuzzer drive it byte by byte.
 *
 * It draws with printable bytes, backspace and space only, no terminal
 * escapes, so it works on any serial terminal; it reads the escapes that
 * terminals send for arrow, Home, End and Delete keys (ESC [ x, ESC O x,
 * ESC [ n ~), and swallows any other such sequence whole. A line ends at
 * CR, at LF, or at CR LF (counted once). */
#ifndef HV_CONSOLE_LINE_H
#define HV_CONSOLE_LINE_H

#include "lib/types.h"

#define LINE_MAX 128		/* characters in a line, with its NUL */
#define LINE_HISTORY 16		/* lines kept for up and down */
#define LINE_MATCHES 512	/* bytes of completion candidates kept */
#define LINE_WORDS 8		/* words in a command line */

enum line_result { LINE_MORE, LINE_DONE, LINE_CANCEL };

struct line {
	const char *prompt;
	void (*out)(const char *s, size_t n);
	/* Offers the candidates for word `index` (0: the command) of the
	 * line, by calling line_offer for each; the editor keeps those that
	 * start with what was typed. */
	void (*complete)(struct line *l, u32 index, char *const *words);

	char buf[LINE_MAX];
	u32 len, cur;		/* cur: the cursor, 0..len */
	bool too_long;		/* a character was refused: the line is void */
	bool after_cr;		/* an LF now ends nothing */
	u8 esc;			/* in an escape sequence: ESC, CSI or SS3 */
	u8 esc_num;		/* the number in ESC [ n ~ */

	char history[LINE_HISTORY][LINE_MAX];
	u32 nhistory;		/* lines ever kept; the last LINE_HISTORY remain */
	u32 browse;		/* lines back from the newest while browsing */
	char draft[LINE_MAX];	/* the line typed before browsing */

	const char *word;	/* during complete: what was typed of the word */
	u32 word_len;
	char matches[LINE_MATCHES];
	u32 matches_len, nmatches;
};

/* Takes one byte from the terminal. LINE_DONE: buf holds the line (NUL
 * ended, too_long if it must be refused), the cursor is on a fresh line,
 * and the line is in the history; the caller then calls line_reset.
 * LINE_CANCEL: Ctrl-C dropped the line. */
enum line_result line_key(struct line *l, int c);
/* An empty line, ready for the next; the history stays. */
void line_reset(struct line *l);
/* Draws the prompt and what was typed, cursor in place (after output
 * that ended the line on screen). */
void line_redraw(struct line *l);
/* From the complete callback: one candidate word. */
void line_offer(struct line *l, const char *word);
/* Splits s at spaces and tabs, in place. Returns the number of words, or
 * -1 when there are more than max. */
int line_words(char *s, char **words, int max);

#endif
