/* loader_load(): checks the request, picks the format and hands over to
 * its back end. Formats are recognised by their headers, never guessed:
 * a flat binary has none, so it must be asked for. */
#include "hv/loader/layout.h"
#include "lib/string.h"

const char *loader_format_name(enum load_format f)
{
	static const char *const names[] = {
		[LOAD_AUTO] = "auto", [LOAD_MULTIBOOT1] = "multiboot",
		[LOAD_MULTIBOOT2] = "multiboot2", [LOAD_LINUX] = "linux", [LOAD_FLAT] = "flat",
	};

	return (unsigned)f < ARRAY_SIZE(names) ? names[f] : "?";
}

static int check_request(struct loader *l)
{
	const struct load_request *rq = l->rq;

	if (!rq->kernel.size)
		return ld_fail(l, "is empty");
	if (!rq->kernel.data)
		return ld_fail(l, "has no data");
	if (rq->nmods > LOADER_MAX_MODULES)
		return ld_fail(l, "has %u modules; lucid passes at most %u", rq->nmods,
			       LOADER_MAX_MODULES);
	for (u32 i = 0; i < rq->nmods; i++)
		if (rq->mods[i].file.size && !rq->mods[i].file.data)
			return ld_fail(l, "module %u has no data", i);
	if (rq->initrd.size && !rq->initrd.data)
		return ld_fail(l, "initrd has no data");
	return 0;
}

/* A multiboot header whose checksum is wrong is not a header (the magic
 * number may be chance data), but is worth naming when nothing else is
 * found. */
static int no_header(struct loader *l, const char *which, s64 bad, const char *where)
{
	if (bad >= 0)
		return ld_fail(l, "%s header at 0x%llx has a bad checksum", which, ull((u64)bad));
	return ld_fail(l, "no %s header in the first %s", which, where);
}

int loader_load(const struct guest_mem *gm, const struct load_request *rq,
		struct guest_entry *e, char *err, size_t errlen)
{
	const struct load_file *k = &rq->kernel;
	struct loader l;
	s64 off1 = -1, off2 = -1, bad1 = -1, bad2 = -1;
	int rc;

	memset(e, 0, sizeof(*e));
	if (err && errlen)
		err[0] = '\0';
	ld_init(&l, gm, rq, err, errlen);
	if (check_request(&l))
		return -1;

	switch (rq->format) {
	case LOAD_AUTO:
		/* A bzImage has no multiboot header; its setup header ("HdrS"
		 * at 0x202) marks it. */
		off2 = mb2_find(k->data, k->size, &bad2);
		if (off2 < 0)
			off1 = mb1_find(k->data, k->size, &bad1);
		if (off2 >= 0)
			e->format = LOAD_MULTIBOOT2;
		else if (off1 >= 0)
			e->format = LOAD_MULTIBOOT1;
		else if (linux_is_bzimage(k->data, k->size))
			e->format = LOAD_LINUX;
		else if (bad2 >= 0)
			return no_header(&l, "multiboot2", bad2, NULL);
		else if (bad1 >= 0)
			return no_header(&l, "multiboot", bad1, NULL);
		else
			return ld_fail(&l, "no multiboot header (multiboot2 in the first 32 KiB, "
				       "multiboot in the first 8 KiB) and no Linux setup header; a "
				       "flat binary must be asked for as such");
		break;
	case LOAD_MULTIBOOT2:
		off2 = mb2_find(k->data, k->size, &bad2);
		if (off2 < 0)
			return no_header(&l, "multiboot2", bad2, "32 KiB");
		e->format = LOAD_MULTIBOOT2;
		break;
	case LOAD_MULTIBOOT1:
		off1 = mb1_find(k->data, k->size, &bad1);
		if (off1 < 0)
			return no_header(&l, "multiboot", bad1, "8 KiB");
		e->format = LOAD_MULTIBOOT1;
		break;
	case LOAD_LINUX:
		e->format = LOAD_LINUX;	/* linux_load() checks the header */
		break;
	case LOAD_FLAT:
		e->format = LOAD_FLAT;
		break;
	default:
		return ld_fail(&l, "load format %d is unknown", rq->format);
	}

	/* Multiboot has no initrd: the config names a multiboot kernel's
	 * modules itself (module =), in order, with their strings. */
	if (rq->initrd.size && (e->format == LOAD_MULTIBOOT1 || e->format == LOAD_MULTIBOOT2))
		rc = ld_fail(&l, "is a %s kernel, which takes no initrd (give the file as a "
			     "module instead)", loader_format_name(e->format));
	else if (e->format == LOAD_MULTIBOOT2)
		rc = mb2_load(&l, (u64)off2, e);
	else if (e->format == LOAD_LINUX)
		rc = linux_load(&l, e);
	else if (e->format == LOAD_MULTIBOOT1)
		rc = mb1_load(&l, (u64)off1, e);
	else
		rc = flat_image_load(&l, e);
	if (rc) {
		memset(e, 0, sizeof(*e));
		return -1;
	}
	return 0;
}
