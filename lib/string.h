/* The handful of string and memory routines lucid needs. gcc may emit calls
 * to memcpy/memset/memmove/memcmp on its own, so these names are fixed. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "lib/types.h"

#ifdef LUCID_HOST_TEST
/* Host unit tests link against libc: give lucid's versions their own names
 * there so both can coexist and the tests exercise lucid's. */
#define memcpy lucid_memcpy
#define memmove lucid_memmove
#define memset lucid_memset
#define memcmp lucid_memcmp
#define strlen lucid_strlen
#define strnlen lucid_strnlen
#define strcmp lucid_strcmp
#define strncmp lucid_strncmp
#define strlcpy lucid_strlcpy
#endif

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always terminates (when size > 0);
 * returns strlen(src) so callers can detect truncation. */
size_t strlcpy(char *dst, const char *src, size_t size);

/* Reads an unsigned number, decimal or 0x/0X hexadecimal, from the start of
 * s (at most len bytes; no NUL needed). Returns the number of bytes used, 0
 * when s does not start with a digit; "0x" with no hex digit after it reads
 * as the number 0, one byte. A number too large for 64 bits is consumed
 * whole, sets *overflow and gives *val = UINT64_MAX. */
size_t str_to_u64(const char *s, size_t len, u64 *val, bool *overflow);

#endif
