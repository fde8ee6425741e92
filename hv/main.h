#ifndef HV_MAIN_H
#define HV_MAIN_H

#include "boot/boot_info.h"

/* Where both boot paths meet. Never returns. */
__noreturn void hv_main(struct boot_info *bi);
/* Where each other CPU starts (boot/ap_start.asm), on its own stack. */
struct percpu;
__noreturn void hv_ap_main(struct percpu *p);

#endif
