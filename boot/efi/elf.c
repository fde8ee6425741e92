/* lucid.efi: checks the embedded lucid.elf, claims the physical range it is
 * linked for and lays its PT_LOAD segments out in a staging copy. lucid runs
 * exactly where it is linked (identity-mapped, nothing to relocate); the
 * staging copy moves there after ExitBootServices (jump.asm), since
 * firmware data may occupy the range until then. */
#include <elf.h>

#include "boot/efi/loader.h"

/* The handoff header sits this close to the start of the image. */
#define HANDOFF_WINDOW KiB(32)
#define PHYS_LIMIT (1ull << 52)

static const char *elf_check_header(const u8 *elf, u64 size)
{
	const Elf64_Ehdr *eh = (const void *)elf;

	if (size < sizeof(*eh) || CompareMem(eh->e_ident, ELFMAG, SELFMAG))
		return "not an ELF file";
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return "not little-endian ELF64";
	if (eh->e_machine != EM_X86_64)
		return "not x86-64";
	if (eh->e_type != ET_EXEC)
		return "not an executable";
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0)
		return "no usable program header table";
	if (eh->e_phoff > size || (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return "program headers out of bounds";
	return NULL;
}

/* Checks every PT_LOAD against the file and the address space, and returns
 * the span [*lo, *hi) they cover. */
static const char *elf_check_segments(const u8 *elf, u64 size, u64 *lo, u64 *hi)
{
	const Elf64_Ehdr *eh = (const void *)elf;
	const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff);

	*lo = ~0ull;
	*hi = 0;
	for (unsigned int i = 0; i < eh->e_phnum; i++, ph++) {
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (ph->p_offset > size || size - ph->p_offset < ph->p_filesz)
			return "segment data out of bounds";
		if (ph->p_filesz > ph->p_memsz)
			return "segment file size exceeds memory size";
		/* x86-64 has at most 52 physical address bits; this also
		 * keeps every sum below from wrapping. */
		if (ph->p_paddr >= PHYS_LIMIT || ph->p_memsz >= PHYS_LIMIT)
			return "segment beyond the physical address space";
		*lo = MIN(*lo, ph->p_paddr);
		*hi = MAX(*hi, ph->p_paddr + ph->p_memsz);
	}
	if (*hi == 0)
		return "no loadable segment";
	return NULL;
}

static void elf_stage_segments(const u8 *elf, u64 start, u8 *staging)
{
	const Elf64_Ehdr *eh = (const void *)elf;
	const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff);

	for (unsigned int i = 0; i < eh->e_phnum; i++, ph++) {
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		/* The gaps and the .bss are already zero. */
		uefi_call_wrapper(BS->CopyMem, 3, staging + (ph->p_paddr - start),
				  (void *)(elf + ph->p_offset), ph->p_filesz);
	}
}

/* Looks in the staging copy, where p is found at p - start + staging. */
static const struct lucid_handoff *find_handoff(u64 lo, u64 hi, u64 start, u64 staging)
{
	u64 end = MIN(hi, lo + HANDOFF_WINDOW);

	for (u64 p = ALIGN_UP(lo, 8); p + sizeof(struct lucid_handoff) <= end; p += 8) {
		const struct lucid_handoff *h = (const void *)(p - start + staging);

		if (h->magic == LUCID_HANDOFF_MAGIC)
			return h;
	}
	return NULL;
}

EFI_STATUS kernel_load(const u8 *elf, u64 size, struct kernel_image *k)
{
	const struct lucid_handoff *h;
	const char *err;
	u64 lo, hi;
	EFI_STATUS st;

	err = elf_check_header(elf, size);
	if (!err)
		err = elf_check_segments(elf, size, &lo, &hi);
	if (err) {
		Print(L"lucid.efi: embedded lucid.elf is invalid: %a\n", err);
		return EFI_LOAD_ERROR;
	}
	k->dst = ALIGN_DOWN(lo, PAGE_SIZE);
	k->size = ALIGN_UP(hi, PAGE_SIZE) - k->dst;
	if (k->dst + k->size > BELOW_4G) {
		Print(L"lucid.efi: lucid.elf is linked above 4 GiB (0x%lx-0x%lx)\n", lo, hi);
		return EFI_LOAD_ERROR;
	}

	/* Claim first, so that none of our own allocations lands there. */
	st = memmap_claim(k->dst, k->dst + k->size);
	if (EFI_ERROR(st))
		return st;
	st = alloc_low(k->size, &k->staging);
	if (EFI_ERROR(st)) {
		Print(L"lucid.efi: no memory below 4 GiB to stage lucid.elf (%r)\n", st);
		memmap_release();
		return st;
	}
	uefi_call_wrapper(BS->SetMem, 3, (void *)k->staging, k->size, 0);
	elf_stage_segments(elf, k->dst, (u8 *)k->staging);

	h = find_handoff(lo, hi, k->dst, k->staging);
	if (!h) {
		Print(L"lucid.efi: lucid.elf has no handoff header in its first 32 KiB\n");
		st = EFI_LOAD_ERROR;
	} else if (h->entry64 < lo || h->entry64 >= hi) {
		Print(L"lucid.efi: lucid.elf entry 0x%lx lies outside its image 0x%lx-0x%lx\n",
		      h->entry64, lo, hi);
		st = EFI_LOAD_ERROR;
	}
	if (EFI_ERROR(st)) {
		kernel_unload(k);
		return st;
	}
	k->entry64 = h->entry64;
	Print(L"lucid.efi: lucid.elf for 0x%lx-0x%lx staged at 0x%lx, entry 0x%lx\n",
	      lo, hi, k->staging, k->entry64);
	return EFI_SUCCESS;
}

void kernel_unload(struct kernel_image *k)
{
	if (k->size)
		free_pages(k->staging, k->size);
	memmap_release();
	k->size = 0;
}
