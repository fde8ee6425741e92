/* ELF32 (i386) and ELF64 (x86-64) executables, loaded by their program
 * headers at the physical addresses (p_paddr) they name, as GRUB and QEMU
 * load multiboot kernels. Headers are copied out of the file with memcpy
 * (the file need not be aligned) and every offset and size is checked
 * against the file before use. */
#include "hv/loader/layout.h"
#include "lib/string.h"

enum {
	ELFCLASS32 = 1,
	ELFCLASS64 = 2,
	ELFDATA2LSB = 1,
	ET_EXEC = 2,
	EM_386 = 3,
	EM_X86_64 = 62,
	PT_LOAD = 1,
	PF_X = 1,
};

struct elf32_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version, entry, phoff, shoff, flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 header");
_Static_assert(offsetof(struct elf32_ehdr, phoff) == 28, "ELF32 e_phoff");
_Static_assert(offsetof(struct elf32_ehdr, phnum) == 44, "ELF32 e_phnum");

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");
_Static_assert(offsetof(struct elf64_ehdr, phoff) == 32, "ELF64 e_phoff");
_Static_assert(offsetof(struct elf64_ehdr, phnum) == 56, "ELF64 e_phnum");

struct elf32_phdr {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 program header");

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");
_Static_assert(offsetof(struct elf64_phdr, paddr) == 24, "ELF64 p_paddr");

/* The fields lucid uses, from either class. */
struct ehdr {
	u16 type, machine, phentsize, phnum;
	u64 entry, phoff;
};

struct phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz;
};

bool elf_is_elf(const u8 *data, u64 size)
{
	return size >= 4 && !memcmp(data, "\177ELF", 4);
}

static int read_ehdr(struct loader *l, bool *is64, struct ehdr *h)
{
	const struct load_file *k = &l->rq->kernel;

	if (k->size < 16)
		return ld_fail(l, "ELF header is truncated (%llu bytes)", ull(k->size));
	if (k->data[5] != ELFDATA2LSB)
		return ld_fail(l, "is not a little-endian ELF file");
	if (k->data[4] == ELFCLASS32) {
		struct elf32_ehdr e;

		if (k->size < sizeof(e))
			return ld_fail(l, "ELF32 header is truncated (%llu bytes)", ull(k->size));
		memcpy(&e, k->data, sizeof(e));
		*h = (struct ehdr){ e.type, e.machine, e.phentsize, e.phnum, e.entry, e.phoff };
		*is64 = false;
		if (h->machine != EM_386)
			return ld_fail(l, "ELF32 machine %u is not i386 (3)", h->machine);
	} else if (k->data[4] == ELFCLASS64) {
		struct elf64_ehdr e;

		if (k->size < sizeof(e))
			return ld_fail(l, "ELF64 header is truncated (%llu bytes)", ull(k->size));
		memcpy(&e, k->data, sizeof(e));
		*h = (struct ehdr){ e.type, e.machine, e.phentsize, e.phnum, e.entry, e.phoff };
		*is64 = true;
		if (h->machine != EM_X86_64)
			return ld_fail(l, "ELF64 machine %u is not x86-64 (62)", h->machine);
	} else {
		return ld_fail(l, "ELF class %u is neither 32- nor 64-bit", k->data[4]);
	}
	if (h->type != ET_EXEC)
		return ld_fail(l, "ELF type %u is not an executable (2)", h->type);
	return 0;
}

static void read_phdr(const u8 *p, bool is64, struct phdr *ph)
{
	if (is64) {
		struct elf64_phdr e;

		memcpy(&e, p, sizeof(e));
		*ph = (struct phdr){ e.type, e.flags, e.offset, e.vaddr, e.paddr, e.filesz, e.memsz };
	} else {
		struct elf32_phdr e;

		memcpy(&e, p, sizeof(e));
		*ph = (struct phdr){ e.type, e.flags, e.offset, e.vaddr, e.paddr, e.filesz, e.memsz };
	}
}

int elf_load(struct loader *l, u64 *entry)
{
	const struct load_file *k = &l->rq->kernel;
	struct ehdr h = { 0 };
	bool is64 = false, translated = false;
	u64 phsize;

	if (read_ehdr(l, &is64, &h))
		return -1;
	phsize = is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
	if (h.phnum == 0)
		return ld_fail(l, "has no ELF program headers");
	if (h.phentsize < phsize)
		return ld_fail(l, "ELF program header size %u is too small", h.phentsize);
	/* phnum and phentsize are 16-bit: the product cannot overflow. */
	if (h.phoff > k->size || (u64)h.phnum * h.phentsize > k->size - h.phoff)
		return ld_fail(l, "ELF program headers (%u at 0x%llx) run past the end of the file "
			       "(%llu bytes)", h.phnum, ull(h.phoff), ull(k->size));

	*entry = h.entry;
	for (u32 i = 0; i < h.phnum; i++) {
		struct phdr ph;

		read_phdr(k->data + h.phoff + (u64)i * h.phentsize, is64, &ph);
		if (ph.type != PT_LOAD)
			continue;
		if (ph.offset > k->size || ph.filesz > k->size - ph.offset)
			return ld_fail(l, "ELF segment %u (0x%llx bytes at offset 0x%llx) runs past the "
				       "end of the file (%llu bytes)", i, ull(ph.filesz), ull(ph.offset),
				       ull(k->size));
		if (ph.filesz > ph.memsz)
			return ld_fail(l, "ELF segment %u has more bytes in the file (0x%llx) than in "
				       "memory (0x%llx)", i, ull(ph.filesz), ull(ph.memsz));
		if (!ph.memsz)
			continue;
		if (ld_add_segment(l, "ELF segment", (int)i, ph.paddr, k->data + ph.offset,
				   ph.filesz, ph.memsz))
			return -1;
		/* e_entry is virtual. Where the code's virtual and physical
		 * addresses differ (a higher-half kernel), the physical entry
		 * is found through the executable segment holding it, as
		 * QEMU does. */
		if (!translated && (ph.flags & PF_X) && ph.vaddr != ph.paddr &&
		    h.entry >= ph.vaddr && h.entry - ph.vaddr < ph.filesz) {
			*entry = h.entry - ph.vaddr + ph.paddr;
			translated = true;
		}
	}
	if (!l->nseg)
		return ld_fail(l, "has no loadable ELF segment");
	return 0;
}
