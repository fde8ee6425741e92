/* From lucid.cfg to VMs: reads the config (a boot module named lucid.cfg,
 * else the built-in default), prints its problems, creates every valid VM
 * and starts those marked autostart. */
#ifndef HV_VM_CONFIG_H
#define HV_VM_CONFIG_H

#include "boot/boot_info.h"

void vm_config_apply(const struct boot_info *bi);

#endif
