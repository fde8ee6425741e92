/* Formatted printing into a buffer, the printf subset lucid uses:
 * %d %i %u %x %X %o %p %s %c %%, flags "-0+ #", width and precision
 * (also as *), and the length modifiers hh h l ll z t j. Unknown
 * conversions are printed literally, so a bad format never reads stray
 * arguments. */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include "lib/types.h"

#ifdef LUCID_HOST_TEST
#define vsnprintf lucid_vsnprintf
#define snprintf lucid_snprintf
#endif

/* Like C's vsnprintf: writes at most size bytes including the terminating
 * NUL and returns the length the full output would have had. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
