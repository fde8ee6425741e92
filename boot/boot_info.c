/* Checks the struct boot_info that lucid.efi hands over. It comes from a
 * separate program, so its counts and strings are verified before any of
 * them is used. */
#include "boot/boot_info.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define fail(...) ({ snprintf(err, errlen, __VA_ARGS__); -1; })

int boot_info_check(const struct boot_info *bi, char *err, size_t errlen)
{
	if (bi->magic != BOOT_INFO_MAGIC)
		return fail("boot information has bad magic 0x%llx", (unsigned long long)bi->magic);
	if (bi->version != BOOT_INFO_VERSION)
		return fail("boot information version %u, lucid expects %u (rebuild lucid.efi)",
			    bi->version, BOOT_INFO_VERSION);
	if (!bi->nmem || bi->nmem > BOOT_MAX_MEM)
		return fail("boot information lists %u memory ranges (1..%u allowed)", bi->nmem, BOOT_MAX_MEM);
	if (bi->nmod > BOOT_MAX_MODULES)
		return fail("boot information lists %u modules (at most %u)", bi->nmod, BOOT_MAX_MODULES);
	if (bi->rsdp_copy_len > sizeof(bi->rsdp_copy))
		return fail("boot information RSDP copy length %u is invalid", bi->rsdp_copy_len);
	if (strnlen(bi->loader, sizeof(bi->loader)) == sizeof(bi->loader) ||
	    strnlen(bi->cmdline, sizeof(bi->cmdline)) == sizeof(bi->cmdline))
		return fail("boot information strings are not terminated");
	for (u32 i = 0; i < bi->nmod; i++) {
		const struct boot_module *m = &bi->mod[i];
		if (strnlen(m->name, sizeof(m->name)) == sizeof(m->name))
			return fail("module %u name is not terminated", i);
		if (m->base + m->size < m->base)
			return fail("module '%s' wraps around the address space", m->name);
	}
	return 0;
}
