/* The runtime's copy of the boot information (struct boot_info), from a
 * multiboot1 info block or multiboot2 tags, and the helpers built on it.
 * Guests that test the loader read the raw structures themselves; this
 * copy is for the others (RAM size, command line). */
#include "guest.h"

struct boot_info boot;

static void copy_str(char *dst, size_t size, u32 addr)
{
	const char *s = (const char *)(uptr)addr;
	size_t i;

	for (i = 0; i + 1 < size && s[i]; i++)
		dst[i] = s[i];
	dst[i] = '\0';
}

static void add_range(u64 base, u64 size, u32 type)
{
	if (boot.n_mmap >= ARRAY_SIZE(boot.mmap))
		return;
	boot.mmap[boot.n_mmap++] = (struct mem_range){ base, size, type };
	if (type == 1 && base + size > boot.ram_end)
		boot.ram_end = base + size;
}

static void add_module(u32 start, u32 end, u32 str)
{
	struct boot_module *m;

	if (boot.n_mods >= ARRAY_SIZE(boot.mods))
		return;
	m = &boot.mods[boot.n_mods++];
	m->start = start;
	m->end = end;
	if (str)
		copy_str(m->cmdline, sizeof(m->cmdline), str);
}

struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
};

static void parse_mb1(const struct mb1_info *mi)
{
	if (mi->flags & (1u << 0)) {
		boot.has_meminfo = true;
		boot.mem_lower = mi->mem_lower;
		boot.mem_upper = mi->mem_upper;
	}
	if (mi->flags & (1u << 2)) {
		boot.has_cmdline = true;
		copy_str(boot.cmdline, sizeof(boot.cmdline), mi->cmdline);
	}
	if (mi->flags & (1u << 3)) {
		const u32 *m = (const u32 *)(uptr)mi->mods_addr;

		for (u32 i = 0; i < mi->mods_count; i++, m += 4)
			add_module(m[0], m[1], m[2]);
	}
	if (mi->flags & (1u << 6)) {
		/* Entries: u32 size (not counting itself), u64 base, u64 length, u32 type. */
		u32 off = 0;

		while (off + 24 <= mi->mmap_length) {
			const u8 *e = (const u8 *)(uptr)(mi->mmap_addr + off);
			u32 size;
			u64 base, len;
			u32 type;

			memcpy(&size, e, 4);
			memcpy(&base, e + 4, 8);
			memcpy(&len, e + 12, 8);
			memcpy(&type, e + 20, 4);
			add_range(base, len, type);
			off += size + 4;
		}
	}
	if (mi->flags & (1u << 9)) {
		boot.has_loader = true;
		copy_str(boot.loader, sizeof(boot.loader), mi->boot_loader_name);
	}
}

static void parse_mb2(u32 info)
{
	u32 total = *(const u32 *)(uptr)info;
	u32 off = 8;

	while (off + 8 <= total) {
		const u8 *t = (const u8 *)(uptr)(info + off);
		u32 type = *(const u32 *)t, size = *(const u32 *)(t + 4);

		if (type == 0 || size < 8)
			break;
		switch (type) {
		case 1:
			boot.has_cmdline = true;
			copy_str(boot.cmdline, sizeof(boot.cmdline), info + off + 8);
			break;
		case 2:
			boot.has_loader = true;
			copy_str(boot.loader, sizeof(boot.loader), info + off + 8);
			break;
		case 3:
			add_module(*(const u32 *)(t + 8), *(const u32 *)(t + 12), info + off + 16);
			break;
		case 4:
			boot.has_meminfo = true;
			boot.mem_lower = *(const u32 *)(t + 8);
			boot.mem_upper = *(const u32 *)(t + 12);
			break;
		case 6: {
			u32 esize = *(const u32 *)(t + 8);

			for (u32 e = 16; esize >= 24 && e + esize <= size; e += esize) {
				u64 base, len;
				u32 etype;

				memcpy(&base, t + e, 8);
				memcpy(&len, t + e + 8, 8);
				memcpy(&etype, t + e + 16, 4);
				add_range(base, len, etype);
			}
			break;
		}
		}
		off += (size + 7) & ~7u;
	}
}

void boot_parse(void);
void boot_parse(void)
{
	boot.info = entry_state.ebx;
	if (entry_state.from_real)
		boot.kind = BOOT_FLAT_RM;
	else if (entry_state.eax == MB1_MAGIC)
		boot.kind = BOOT_MB1;
	else if (entry_state.eax == MB2_MAGIC)
		boot.kind = BOOT_MB2;
	else
		boot.kind = BOOT_FLAT_PM;
	if (boot.kind == BOOT_MB1)
		parse_mb1((const struct mb1_info *)(uptr)boot.info);
	else if (boot.kind == BOOT_MB2)
		parse_mb2(boot.info);
}

u64 parse_u64(const char *s, const char **end)
{
	u64 v = 0;
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		v = v * base + d;
	}
	if (end)
		*end = s;
	return v;
}

bool cmdline_get(const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *s = boot.cmdline;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, key, klen) && s[klen] == '=') {
			size_t i = 0;

			s += klen + 1;
			while (s[i] && s[i] != ' ' && i + 1 < size) {
				buf[i] = s[i];
				i++;
			}
			buf[i] = '\0';
			return true;
		}
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

bool cmdline_u64(const char *key, u64 *val)
{
	char buf[32];
	const char *end;

	if (!cmdline_get(key, buf, sizeof(buf)) || !buf[0])
		return false;
	*val = parse_u64(buf, &end);
	return *end == '\0';
}

bool has_token(const char *s, const char *word)
{
	size_t n = strlen(word);

	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, word, n) && (s[n] == ' ' || s[n] == '\0'))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

/* Cut [cut_lo, cut_hi) out of the ranges in out[0..n). */
static u32 cut(struct mem_range *out, u32 n, u32 max, u64 cut_lo, u64 cut_hi)
{
	for (u32 i = 0; i < n; i++) {
		u64 lo = out[i].base, hi = lo + out[i].size;

		if (cut_hi <= lo || cut_lo >= hi)
			continue;
		if (cut_lo > lo && cut_hi < hi) {
			if (n < max) {
				out[n++] = (struct mem_range){ cut_hi, hi - cut_hi, 1 };
			}
			out[i].size = cut_lo - lo;
		} else if (cut_lo > lo) {
			out[i].size = cut_lo - lo;
		} else if (cut_hi < hi) {
			out[i].base = cut_hi;
			out[i].size = hi - cut_hi;
		} else {
			out[i].size = 0;
		}
	}
	return n;
}

u32 free_ram(struct mem_range *out, u32 max)
{
	u32 n = 0, m = 0;

	for (u32 i = 0; i < boot.n_mmap && n < max; i++) {
		if (boot.mmap[i].type == 1)
			out[n++] = boot.mmap[i];
	}
	n = cut(out, n, max, 0, PAGE_SIZE);
	n = cut(out, n, max, (uptr)__image_start, (uptr)__image_end);
	for (u32 i = 0; i < boot.n_mods; i++)
		n = cut(out, n, max, boot.mods[i].start & ~(u64)(PAGE_SIZE - 1),
			boot.mods[i].end);
	for (u32 i = 0; i < n; i++) {
		if (out[i].size)
			out[m++] = out[i];
	}
	return m;
}

bool placed_outside_image(u64 a, u64 len, u64 ram_end)
{
	return a + len <= ram_end &&
	       (a + len <= (uptr)__image_start || a >= (uptr)__image_end);
}

bool pattern_ok(const void *p, u32 len)
{
	const u8 *b = p;
	u32 x = PATTERN_SEED;

	for (u32 i = 0; i < len; i++) {
		x = lcg_next(x);
		if (b[i] != (u8)(x >> 24))
			return false;
	}
	return true;
}
