/* Function names for backtraces. The table is generated from lucid.elf's
 * own symbols at build time (tools/gen-ksyms, a second link pass). */
#ifndef ARCH_X86_SYMBOLS_H
#define ARCH_X86_SYMBOLS_H

#include "lib/types.h"

struct ksym {
	u64 addr;
	u32 name; /* offset into ksym_names */
	u32 reserved;
};

extern const struct ksym ksyms[];
extern const u32 nksyms;
extern const char ksym_names[];

/* Name of the function containing addr and the offset into it, or NULL. */
const char *symbol_lookup(u64 addr, u64 *offset);

#endif
