/* Binary search over the sorted symbol table. */
#include "arch/x86/symbols.h"

extern const char __text_start[], __text_end[];

const char *symbol_lookup(u64 addr, u64 *offset)
{
	u32 lo = 0, hi = nksyms;

	if (addr < (u64)(uintptr_t)__text_start || addr >= (u64)(uintptr_t)__text_end || !nksyms)
		return NULL;
	while (hi - lo > 1) {
		u32 mid = lo + (hi - lo) / 2;
		if (ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms[lo].addr > addr)
		return NULL;
	*offset = addr - ksyms[lo].addr;
	return &ksym_names[ksyms[lo].name];
}
