/* Byte-at-a-time string routines: simple and obviously correct. Nothing in
 * lucid copies enough memory for speed to matter yet. */
#include "lib/string.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	/* Eight bytes at a time (unaligned moves are fine on x86), then the
	 * rest: instruction bytes and device registers are short copies. */
	for (; n >= 8; n -= 8, d += 8, s += 8) {
		u64 w;

		__builtin_memcpy(&w, s, 8);
		__builtin_memcpy(d, &w, 8);
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

/* Eight bytes at a time too: a VM's RAM is zeroed with it, hundreds of
 * MiB at every start. */
void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	const u64 w = 0x0101010101010101ull * (u8)c;

	for (; n >= 8; n -= 8, d += 8)
		__builtin_memcpy(d, &w, 8);
	while (n--)
		*d++ = (u8)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

size_t str_to_u64(const char *s, size_t len, u64 *val, bool *overflow)
{
	unsigned base = 10;
	size_t i = 0;
	u64 v = 0;

	*val = 0;
	*overflow = false;
	if (!len || digit_value(s[0]) > 9)
		return 0;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
		base = 16;
		i = 2;
	}
	for (; i < len && digit_value(s[i]) < (int)base; i++) {
		unsigned d = (unsigned)digit_value(s[i]);

		if (v > (UINT64_MAX - d) / base)
			*overflow = true;
		else
			v = v * base + d;
	}
	*val = *overflow ? UINT64_MAX : v;
	return i;
}
