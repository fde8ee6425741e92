/* Guest RAM access. Every copy first walks the regions to prove the whole
 * guest range is RAM, then copies region by region, so a partial copy never
 * happens. All range arithmetic is done on offsets within a region
 * (gpa - r->gpa against r->size), which cannot overflow, so a region may
 * even end at the top of the address space. */
#include "hv/emul/guest_mem.h"
#include "lib/string.h"

/* True if [gpa, gpa+len) runs past 2^64 - 1 (len > 0). */
static bool wraps(u64 gpa, u64 len)
{
	return len - 1 > ~gpa;
}

/* Host pointer to gpa and how many bytes of the len wanted follow it in
 * the same region (*n), or NULL if gpa is not RAM. At most 16 regions: a
 * linear scan. */
static u8 *chunk(const struct guest_mem *gm, u64 gpa, u64 len, u64 *n)
{
	for (u32 i = 0; i < gm->n && i < GMEM_MAX_REGIONS; i++) {
		const struct gmem_region *r = &gm->r[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size) {
			*n = MIN(len, r->size - (gpa - r->gpa));
			return (u8 *)(uintptr_t)r->hpa + (gpa - r->gpa);
		}
	}
	return NULL;
}

void *gmem_ptr(const struct guest_mem *gm, u64 gpa, u64 len)
{
	u64 n;
	u8 *p;

	if (len == 0 || wraps(gpa, len))
		return NULL;
	p = chunk(gm, gpa, len, &n);
	return p && n == len ? p : NULL;
}

bool gmem_is_ram(const struct guest_mem *gm, u64 gpa, u64 len)
{
	u64 n;

	if (len == 0)
		return true;
	if (wraps(gpa, len))
		return false;
	while (len) {
		if (!chunk(gm, gpa, len, &n))
			return false;
		gpa += n;
		len -= n;
	}
	return true;
}

enum op { OP_WRITE, OP_READ, OP_ZERO };

/* One walk for the three copies: prove the range, then copy piece by
 * piece. */
static int access(const struct guest_mem *gm, u64 gpa, u8 *buf, u64 len, enum op op)
{
	if (!gmem_is_ram(gm, gpa, len))
		return -1;
	while (len) {
		u64 n = 0;
		u8 *p = chunk(gm, gpa, len, &n);

		if (!p)
			return -1;	/* unreachable: gmem_is_ram() said yes */
		if (op == OP_WRITE)
			memcpy(p, buf, n);
		else if (op == OP_READ)
			memcpy(buf, p, n);
		else
			memset(p, 0, n);
		gpa += n;
		len -= n;
		if (buf)
			buf += n;
	}
	return 0;
}

int gmem_write(const struct guest_mem *gm, u64 gpa, const void *src, u64 len)
{
	return access(gm, gpa, (u8 *)(uintptr_t)src, len, OP_WRITE);
}

int gmem_read(const struct guest_mem *gm, u64 gpa, void *dst, u64 len)
{
	return access(gm, gpa, dst, len, OP_READ);
}

int gmem_zero(const struct guest_mem *gm, u64 gpa, u64 len)
{
	return access(gm, gpa, NULL, len, OP_ZERO);
}
