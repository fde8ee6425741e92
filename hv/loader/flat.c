/* A flat binary: the file is copied to the address the VM's configuration
 * names and started at the entry it names, in real or protected mode. No
 * header, no boot information: everything comes from the request. A
 * real-mode image and its entry must lie below 1 MiB, a protected-mode one
 * below 4 GiB (paging is off). */
#include "hv/loader/layout.h"

int flat_image_load(struct loader *l, struct guest_entry *e)
{
	const struct load_request *rq = l->rq;

	if (rq->flat_mode != GUEST_REAL && rq->flat_mode != GUEST_PROTECTED)
		return ld_fail(l, "flat image mode %d is neither real nor protected", rq->flat_mode);
	if (rq->nmods || rq->initrd.size || (rq->cmdline && rq->cmdline[0]))
		return ld_fail(l, "a flat image cannot be given a command line, modules or an initrd");
	l->limit = rq->flat_mode == GUEST_REAL ? HIGH_MEM_START : GiB(4);
	/* The caller chose the address: any RAM will do, reserved or not. */
	l->usable_only = false;
	if (ld_add_segment(l, "flat image", -1, rq->flat_load, rq->kernel.data, rq->kernel.size,
			   rq->kernel.size) ||
	    ld_check_entry(l, rq->flat_entry) || ld_commit(l))
		return -1;
	e->mode = rq->flat_mode;
	e->ip = rq->flat_entry;
	e->end = l->kernel_end;
	return 0;
}
