/* lucid's kernel command line: space-separated words, "key=value" or
 * "key". */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include "lib/types.h"

/* Copies the value of `key` into val (size len) and returns true if the
 * command line has key=value; true with an empty value for a bare key. */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len);

#endif
