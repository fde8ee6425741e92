#include "hv/builtin/builtin.h"
#include "lib/string.h"

extern const u8 builtin_hello_start[], builtin_hello_end[];

bool builtin_guest(const char *name, struct load_file *f)
{
	if (strcmp(name, "hello"))
		return false;
	*f = (struct load_file){ "hello", builtin_hello_start,
				 (u64)(builtin_hello_end - builtin_hello_start) };
	return true;
}
