/* multiboot1-info: lucid's multiboot1 information block is right. guests.cfg
 * boots this guest with memory = 16M, cmdline "mem=16 check=mb1" and one
 * module, pattern.bin, with the argument "size=12345". The guest checks the
 * raw block, not the runtime's copy: the flags (memory, command line,
 * modules, memory map, loader name), mem_lower/mem_upper, a well-formed
 * memory map whose RAM ends at mem= MiB and covers 1 MiB up to there, the
 * command line, the loader name "lucid...", the module (page-aligned as the
 * header asks, the size its command line states, the content of
 * mkpattern.py), and that none of it overlaps the guest's image. 32-bit. */
#include "guest.h"

struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb1_module {
	u32 start, end, cmdline, reserved;
};

#define F_MEM     (1u << 0)
#define F_CMDLINE (1u << 2)
#define F_MODS    (1u << 3)
#define F_MMAP    (1u << 6)
#define F_LOADER  (1u << 9)

void test_main(void)
{
	const struct mb1_info *mi = (const struct mb1_info *)(uptr)entry_state.ebx;
	u32 want = F_MEM | F_CMDLINE | F_MODS | F_MMAP | F_LOADER;
	u64 mem = 0, ram_end = 0, covered = MiB(1);
	bool map_ok = true, placed;
	const char *cmd, *name;
	u32 off;

	test_check(entry_state.eax == MB1_MAGIC, "EAX holds the multiboot1 magic (%#x)",
		   entry_state.eax);
	if (!test_check((mi->flags & want) == want,
			"flags have memory, command line, modules, memory map, loader name (%#x)",
			mi->flags))
		return;
	if (!cmdline_u64("mem", &mem)) {
		test_fail("no mem=MiB on the command line");
		return;
	}
	test_check(mi->mem_lower > 0 && mi->mem_lower <= 640 && mi->mem_upper == mem * 1024 - 1024,
		   "mem_lower %u KiB, mem_upper %u KiB for %u MiB", mi->mem_lower, mi->mem_upper,
		   (u32)mem);

	/* The map: entries in order of what they cover, so that "covered"
	 * can walk up from 1 MiB; lucid's map for contiguous RAM is sorted. */
	for (off = 0; off + 24 <= mi->mmap_length;) {
		const u8 *e = (const u8 *)(uptr)(mi->mmap_addr + off);
		u32 size, type;
		u64 base, len;

		memcpy(&size, e, 4);
		memcpy(&base, e + 4, 8);
		memcpy(&len, e + 12, 8);
		memcpy(&type, e + 20, 4);
		if (size < 20 || len == 0)
			map_ok = false;
		if (type == 1) {
			if (base + len > ram_end)
				ram_end = base + len;
			if (base <= covered && base + len > covered)
				covered = base + len;
		}
		off += size + 4;
	}
	test_check(map_ok && off == mi->mmap_length && ram_end == MiB(mem) && covered == MiB(mem),
		   "memory map: RAM from 1 MiB to %u MiB (ends at %#llx, covered to %#llx, %u bytes)",
		   (u32)mem, (unsigned long long)ram_end, (unsigned long long)covered,
		   mi->mmap_length);

	cmd = (const char *)(uptr)mi->cmdline;
	test_check(has_token(cmd, "mem=16") && has_token(cmd, "check=mb1"),
		   "command line has mem=16 and check=mb1 (\"%s\")", cmd);
	name = (const char *)(uptr)mi->boot_loader_name;
	test_check(!strncmp(name, "lucid", 5), "boot loader name \"%s\" is lucid's", name);

	if (test_check(mi->mods_count == 1, "one module (%u)", mi->mods_count)) {
		const struct mb1_module *m = (const struct mb1_module *)(uptr)mi->mods_addr;
		const char *mcmd = (const char *)(uptr)m->cmdline;

		test_check(m->start % PAGE_SIZE == 0 && m->end - m->start == PATTERN_SIZE &&
				   has_token(mcmd, "size=12345"),
			   "module at %#x, page-aligned, %u bytes, command line \"%s\"", m->start,
			   m->end - m->start, mcmd);
		test_check(m->end - m->start == PATTERN_SIZE &&
				   pattern_ok((const void *)(uptr)m->start, PATTERN_SIZE),
			   "module content is pattern.bin");
		placed = placed_outside_image(m->start, m->end - m->start, ram_end) &&
			 placed_outside_image(m->cmdline, strlen(mcmd) + 1, ram_end) &&
			 placed_outside_image(mi->mods_addr, 16, ram_end);
	} else {
		placed = false;
	}
	placed = placed && placed_outside_image(entry_state.ebx, sizeof(*mi), ram_end) &&
		 placed_outside_image(mi->mmap_addr, mi->mmap_length, ram_end) &&
		 placed_outside_image(mi->cmdline, strlen(cmd) + 1, ram_end) &&
		 placed_outside_image(mi->boot_loader_name, strlen(name) + 1, ram_end);
	test_check(placed, "the info, map, strings and module are in RAM, clear of the image");
}
