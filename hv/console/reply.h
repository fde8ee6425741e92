/* A console command's answer, written once and shown two ways: for a
 * person (aligned text) or, after `json on`, for a program (one JSON
 * object a line, docs/console.md has the schema). Pure code over an
 * output callback.
 *
 * An answer is reply_begin, its parts, reply_end. An error replaces the
 * parts, so a command checks its input before it says anything. */
#ifndef HV_CONSOLE_REPLY_H
#define HV_CONSOLE_REPLY_H

#include "lib/fmt.h"
#include "lib/types.h"

enum reply_mode { REPLY_TEXT, REPLY_JSON };

#define REPLY_COLUMNS_MAX 8

struct column {
	const char *title;	/* text: the heading */
	const char *key;	/* JSON: the member's name */
	u8 width;		/* text: the column's width */
	bool number;		/* JSON: a number, not a string */
};

void reply_setup(void (*out)(const char *s, size_t n));
void reply_set_mode(enum reply_mode m);
enum reply_mode reply_mode(void);

/* kind: "reply" (what a command says) or "event" (a change nobody asked
 * about); name: the command or the event. */
void reply_begin(const char *kind, const char *name);
void reply_end(void);
void reply_error(const char *fmt, ...) __printf(1, 2);
/* A sentence. JSON: member "message", once an answer. */
void reply_message(const char *fmt, ...) __printf(1, 2);
/* Text: "Label:  value" on a line (just the value, label NULL; with
 * label REPLY_STAT "  key=value", as virsh's domstats); JSON: "key":
 * "value". */
#define REPLY_STAT ((const char *)1)
void reply_field(const char *label, const char *key, const char *fmt, ...) __printf(3, 4);
/* The same with a number: "Label:  n unit"; JSON "key": n. */
void reply_number(const char *label, const char *key, u64 n, const char *unit);
/* Text: the bytes as they are; JSON: "key": "the bytes" (escaped). */
void reply_text(const char *key, const char *s, size_t n);
/* Text: a table; JSON: "key": [ {row}, ... ]. Cells are strings; at
 * most REPLY_COLUMNS_MAX columns. */
void reply_table(const char *key, const struct column *cols, u32 ncols);
void reply_row(const char *const *cells);
void reply_table_end(void);

#endif
