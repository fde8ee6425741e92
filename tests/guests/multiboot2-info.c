/* multiboot2-info: lucid's multiboot2 information is right. guests.cfg boots
 * this guest with memory = 16M, cmdline "mem=16 check=mb2" and one module,
 * pattern.bin, with the argument "size=12345". The guest walks the raw tags:
 * EAX holds the magic, the block is 8-aligned with reserved 0, every tag is
 * 8-aligned and the end tag closes it at total_size; the basic memory tag,
 * the memory map tag (24-byte entries, RAM from 1 MiB to mem= MiB), the
 * command line, the loader name "lucid...", the module tag (page-aligned as
 * the header asks, the size its string states, the content of
 * mkpattern.py), and that none of it overlaps the guest's image. 32-bit. */
#include "guest.h"

struct tag {
	u32 type, size;
};

void test_main(void)
{
	u32 info = entry_state.ebx, total, off;
	const struct tag *cmd = NULL, *name = NULL, *meminfo = NULL, *mmap = NULL, *mod = NULL;
	u32 n_mods = 0;
	bool tags_ok = true, ended = false;
	u64 mem = 0, ram_end = 0, covered = MiB(1);
	bool map_ok;

	test_check(entry_state.eax == MB2_MAGIC, "EAX holds the multiboot2 magic (%#x)",
		   entry_state.eax);
	total = ((const u32 *)(uptr)info)[0];
	for (off = 8; off + 8 <= total;) {
		const struct tag *t = (const struct tag *)(uptr)(info + off);

		if (t->size < 8 || off + t->size > total) {
			tags_ok = false;
			break;
		}
		if (t->type == 0) {
			ended = t->size == 8 && off + 8 == total;
			break;
		}
		if (t->type == 1)
			cmd = t;
		else if (t->type == 2)
			name = t;
		else if (t->type == 3 && !n_mods++)
			mod = t;
		else if (t->type == 4)
			meminfo = t;
		else if (t->type == 6)
			mmap = t;
		off += (t->size + 7) & ~7u;
	}
	if (!test_check(info % 8 == 0 && ((const u32 *)(uptr)info)[1] == 0 && tags_ok && ended,
			"info at %#x, %u bytes, 8-aligned tags closed by the end tag", info, total))
		return;
	if (!test_check(cmd && name && meminfo && mmap && mod,
			"tags present: command line %d, loader name %d, basic memory %d, "
			"memory map %d, module %d",
			!!cmd, !!name, !!meminfo, !!mmap, !!mod))
		return;
	if (!cmdline_u64("mem", &mem)) {
		test_fail("no mem=MiB on the command line");
		return;
	}

	{
		u32 lower = ((const u32 *)meminfo)[2], upper = ((const u32 *)meminfo)[3];

		test_check(lower > 0 && lower <= 640 && upper == mem * 1024 - 1024,
			   "basic memory: %u KiB lower, %u KiB upper for %u MiB", lower, upper,
			   (u32)mem);
	}

	{
		const u32 *m = (const u32 *)mmap;
		u32 esize = m[2], e;

		map_ok = esize == 24 && m[3] == 0 && (mmap->size - 16) % esize == 0;
		for (e = 16; map_ok && e + esize <= mmap->size; e += esize) {
			const u8 *p = (const u8 *)mmap + e;
			u64 base, len;
			u32 type;

			memcpy(&base, p, 8);
			memcpy(&len, p + 8, 8);
			memcpy(&type, p + 16, 4);
			if (type == 1) {
				if (base + len > ram_end)
					ram_end = base + len;
				if (base <= covered && base + len > covered)
					covered = base + len;
			}
		}
		test_check(map_ok && ram_end == MiB(mem) && covered == MiB(mem),
			   "memory map: 24-byte entries, RAM from 1 MiB to %u MiB "
			   "(ends at %#llx, covered to %#llx)",
			   (u32)mem, (unsigned long long)ram_end, (unsigned long long)covered);
	}

	{
		const char *s = (const char *)cmd + 8;

		test_check(has_token(s, "mem=16") && has_token(s, "check=mb2"),
			   "command line has mem=16 and check=mb2 (\"%s\")", s);
	}
	test_check(!strncmp((const char *)name + 8, "lucid", 5), "boot loader name \"%s\" is lucid's",
		   (const char *)name + 8);

	if (test_check(n_mods == 1, "one module tag (%u)", n_mods)) {
		u32 start = ((const u32 *)mod)[2], end = ((const u32 *)mod)[3];
		const char *s = (const char *)mod + 16;

		test_check(start % PAGE_SIZE == 0 && end - start == PATTERN_SIZE &&
				   has_token(s, "size=12345"),
			   "module at %#x, page-aligned, %u bytes, command line \"%s\"", start,
			   end - start, s);
		test_check(end - start == PATTERN_SIZE &&
				   pattern_ok((const void *)(uptr)start, PATTERN_SIZE),
			   "module content is pattern.bin");
		test_check(placed_outside_image(info, total, ram_end) &&
				   placed_outside_image(start, end - start, ram_end),
			   "the info and the module are in RAM, clear of the image");
	}
}
