/* The string routines the guests use, and those gcc may call on its own
 * (memset, memcpy, memcmp) even in freestanding code. */
#include "guest.h"

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;

	if (p < q) {
		while (n--)
			*p++ = *q++;
	} else {
		while (n--)
			p[n] = q[n];
	}
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *p = a, *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b || !*a)
			return (u8)*a - (u8)*b;
	}
	return 0;
}

bool has_token(const char *s, const char *word)
{
	size_t n = strlen(word);

	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, word, n) && (s[n] == ' ' || s[n] == '\0'))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}
