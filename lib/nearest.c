/* "Did you mean" (nearest.h). */
#include "lib/nearest.h"
#include "lib/string.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static u32 min3(u32 a, u32 b, u32 c)
{
	u32 m = a < b ? a : b;

	return m < c ? m : c;
}

/* Edits (insert, delete, change, swap two neighbours) from a to b,
 * case-blind. */
static u32 distance(const char *a, const char *b)
{
	u32 la = (u32)strnlen(a, NEAREST_MAX_LEN), lb = (u32)strnlen(b, NEAREST_MAX_LEN);
	u32 d[NEAREST_MAX_LEN + 1][NEAREST_MAX_LEN + 1];

	for (u32 i = 0; i <= la; i++)
		d[i][0] = i;
	for (u32 j = 0; j <= lb; j++)
		d[0][j] = j;
	for (u32 i = 1; i <= la; i++)
		for (u32 j = 1; j <= lb; j++) {
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1,
				       d[i - 1][j - 1] + (lower(a[i - 1]) != lower(b[j - 1])));
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	return d[la][lb];
}

void nearest_init(struct nearest *n, const char *word)
{
	n->word = word;
	n->best = NULL;
	n->cost = ~0u;
}

void nearest_offer(struct nearest *n, const char *name)
{
	size_t len = strnlen(n->word, NEAREST_MAX_LEN + 1);
	u32 cost, limit = len < 6 ? 2 : (u32)len / 3 + 1;

	if (!len || len > NEAREST_MAX_LEN || strnlen(name, NEAREST_MAX_LEN + 1) > NEAREST_MAX_LEN)
		return;
	/* A prefix costs less than any typo; a third of the word may be wrong. */
	cost = !strncmp(name, n->word, len) ? 0 : distance(n->word, name) + 1;
	if (cost <= limit && cost < n->cost) {
		n->best = name;
		n->cost = cost;
	}
}
