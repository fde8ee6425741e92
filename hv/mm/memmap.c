/* Normalisation by sweeping over range boundaries: every elementary
 * interval between two boundaries takes the most restrictive type of the
 * ranges covering it. With at most BOOT_MAX_MEM inputs the quadratic
 * sweep costs nothing and is easy to check. */
#include "hv/mm/memmap.h"
#include "lib/fmt.h"

struct text {
	char *buf;
	size_t size;
	size_t len;
};

static void note(struct text *t, const char *fmt, ...) __printf(2, 3);
static void note(struct text *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->buf || t->len + 1 >= t->size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = MIN(t->len + (size_t)n, t->size - 1);
}

static void sort_u64(u64 *v, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		u64 x = v[i];
		u32 j = i;
		for (; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void append(struct memmap *m, u64 base, u64 end, u32 type)
{
	if (end <= base)
		return;
	if (m->n && m->r[m->n - 1].type == type && m->r[m->n - 1].base + m->r[m->n - 1].size == base) {
		m->r[m->n - 1].size += end - base;
		return;
	}
	m->r[m->n++] = (struct mem_range){ base, end - base, type, 0 };
}

/* Shrinks usable range *r to whole pages; false when none is left. */
static bool trim_to_pages(struct mem_range *r, struct text *w)
{
	u64 b = ALIGN_UP(r->base, PAGE_SIZE), e = ALIGN_DOWN(r->base + r->size, PAGE_SIZE);

	/* rounding up a start inside the last page wraps to 0 */
	if (b < r->base) {
		note(w, "usable range 0x%llx+0x%llx lies in the last page below 2^64; ignored\n",
		     (unsigned long long)r->base, (unsigned long long)r->size);
		return false;
	}
	if (e <= b)
		return false;
	r->base = b;
	r->size = e - b;
	return true;
}

int memmap_normalise(const struct mem_range *in, u32 n, struct memmap *out,
		     char *warn, size_t warnlen, char *err, size_t errlen)
{
	static u64 edge[2 * BOOT_MAX_MEM];
	struct text w = { warn, warnlen, 0 };
	u32 nedge = 0;
	bool overlap = false;

	if (warn && warnlen)
		warn[0] = '\0';
	out->n = 0;
	if (n > BOOT_MAX_MEM) {
		snprintf(err, errlen, "memory map has %u entries (at most %u)", n, BOOT_MAX_MEM);
		return -1;
	}
	for (u32 i = 0; i < n; i++) {
		u64 end = in[i].base + in[i].size;
		if (!in[i].size)
			continue;
		if (end < in[i].base) {
			note(&w, "memory range 0x%llx+0x%llx wraps past 2^64; ignored\n",
			     (unsigned long long)in[i].base, (unsigned long long)in[i].size);
			continue;
		}
		for (u32 j = 0; j < i && !overlap; j++) {
			u64 ej = in[j].base + in[j].size;
			if (in[j].size && ej >= in[j].base && in[i].base < ej && in[j].base < end)
				overlap = true;
		}
		edge[nedge++] = in[i].base;
		edge[nedge++] = end;
	}
	if (overlap)
		note(&w, "memory map has overlapping ranges; the more restrictive type is kept\n");
	sort_u64(edge, nedge);

	for (u32 e = 0; e + 1 < nedge; e++) {
		u64 a = edge[e], b = edge[e + 1];
		u32 type = 0;
		if (a == b)
			continue;
		for (u32 i = 0; i < n; i++) {
			u64 end = in[i].base + in[i].size;
			if (in[i].size && end > in[i].base && in[i].base <= a && b <= end)
				type = MAX(type, in[i].type < MEM_USABLE || in[i].type > MEM_BAD
						 ? (u32)MEM_RESERVED : in[i].type);
		}
		if (type)
			append(out, a, b, type);
	}

	/* Usable RAM is handed out in pages: trim partial pages at the ends. */
	u32 k = 0;
	for (u32 i = 0; i < out->n; i++) {
		struct mem_range r = out->r[i];
		if (r.type == MEM_USABLE && !trim_to_pages(&r, &w))
			continue;
		out->r[k++] = r;
	}
	out->n = k;

	if (!memmap_total(out, MEM_USABLE)) {
		snprintf(err, errlen, "memory map (%u entries) has no usable RAM", n);
		return -1;
	}
	return 0;
}

u64 memmap_total(const struct memmap *m, u32 type)
{
	u64 sum = 0;

	for (u32 i = 0; i < m->n; i++)
		if (m->r[i].type == type)
			sum += m->r[i].size;
	return sum;
}

u64 memmap_top(const struct memmap *m, u32 type)
{
	u64 top = 0;

	for (u32 i = 0; i < m->n; i++)
		if (m->r[i].type == type)
			top = MAX(top, m->r[i].base + m->r[i].size);
	return top;
}
