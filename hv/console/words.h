/* A console line as words, and the name nearest a mistyped one: pure
 * code, shared by the line editor's completion and the command table. */
#ifndef HV_CONSOLE_WORDS_H
#define HV_CONSOLE_WORDS_H

#include "lib/types.h"

#define WORDS_MAX 8

/* Splits s at spaces and tabs, in place. Returns the number of words, or
 * -1 when there are more than max. */
int words_split(char *s, char **words, int max);

/* The closest of the names offered to `word`, if one is close enough to
 * be what was meant: a typo or two away, or `word` cut short. */
struct nearest {
	const char *word;
	const char *best;	/* NULL: none close */
	u32 cost;
};

void nearest_init(struct nearest *n, const char *word);
void nearest_offer(struct nearest *n, const char *name);

#endif
