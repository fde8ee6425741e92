/* A VM's RAM, carved from the page allocator: the host pages behind a
 * struct guest_mem (hv/emul/guest_mem.h), which says where each piece sits
 * in the guest-physical space. */
#ifndef HV_GUEST_RAM_H
#define HV_GUEST_RAM_H

#include "hv/emul/guest_mem.h"

/* Fills the empty *gm with size bytes (a multiple of PAGE_SIZE) of RAM
 * from guest-physical 0 up, in at most GMEM_MAX_REGIONS pieces, each
 * starting on a 2 MiB boundary where the free memory allows. Returns 0,
 * or -1 with nothing allocated and the reason in err: too little free
 * memory, or free memory in more pieces than a VM may have. The pages
 * are not cleared. */
int guest_ram_alloc(struct guest_mem *gm, u64 size, char *err, size_t errlen);
/* Gives every page of *gm back to the allocator and empties it. */
void guest_ram_free(struct guest_mem *gm);
/* Clears all of *gm's RAM. */
void guest_ram_zero(const struct guest_mem *gm);

#endif
