/* The name nearest a mistyped one, for "did you mean" in the console and
 * in lucid.cfg's messages: a typo or two away, a swap of neighbours
 * counting as one ("laod", "load"), case aside, or the word cut short
 * ("mem", "memory"), which wins over any typo. */
#ifndef LIB_NEAREST_H
#define LIB_NEAREST_H

#include "lib/types.h"

#define NEAREST_MAX_LEN 32	/* longer words and names are never matched */

struct nearest {
	const char *word;
	const char *best;	/* NULL: none close */
	u32 cost;
};

void nearest_init(struct nearest *n, const char *word);
void nearest_offer(struct nearest *n, const char *name);

#endif
