/* The "a.out kludge": a multiboot header that carries its own load
 * addresses, for kernels that are not ELF (multiboot1 flags bit 16, the
 * multiboot2 address tag). The header says where it itself must end up in
 * memory (header_addr); that fixes the file offset loading starts from. */
#include "hv/loader/layout.h"

int aout_kludge_load(struct loader *l, u64 hdr_off, u32 header_addr, u32 load_addr,
		     u32 load_end_addr, u32 bss_end_addr)
{
	const struct load_file *k = &l->rq->kernel;
	u64 load_off, load_len, memsz;

	if (load_addr > header_addr)
		return ld_fail(l, "load address 0x%x is above the header address 0x%x",
			       load_addr, header_addr);
	if (header_addr - load_addr > hdr_off)
		return ld_fail(l, "load address 0x%x is 0x%x bytes before the header, which is "
			       "only 0x%llx bytes into the file", load_addr, header_addr - load_addr,
			       ull(hdr_off));
	load_off = hdr_off - (header_addr - load_addr);
	if (load_end_addr == 0) {
		load_len = k->size - load_off;
	} else {
		if (load_end_addr < load_addr)
			return ld_fail(l, "load end address 0x%x is below the load address 0x%x",
				       load_end_addr, load_addr);
		load_len = load_end_addr - load_addr;
		if (load_len > k->size - load_off)
			return ld_fail(l, "load end address 0x%x is past the end of the file "
				       "(0x%llx bytes from offset 0x%llx)", load_end_addr,
				       ull(k->size - load_off), ull(load_off));
	}
	memsz = load_len;
	if (bss_end_addr) {
		if (bss_end_addr < (u64)load_addr + load_len)
			return ld_fail(l, "bss end address 0x%x is below the load end 0x%llx",
				       bss_end_addr, ull((u64)load_addr + load_len));
		memsz = bss_end_addr - load_addr;
	}
	if (!memsz)
		return ld_fail(l, "load addresses describe an empty image");
	return ld_add_segment(l, "image", -1, load_addr, k->data + load_off, load_len, memsz);
}
