/* MMIO exits: a nested-page fault on a device's range. lucid fetches the
 * instruction through the guest's paging, decodes it (hv/emul/insn.c), does
 * the access against the device and completes the instruction. A fault on
 * an address no device claims, or an instruction lucid does not emulate,
 * crashes the VM with a line saying which; so does a fault the CPU took
 * while delivering an event (its IDT, GDT, TSS or stack outside RAM),
 * which is no access of the instruction at RIP. */
#ifndef HV_MMIO_H
#define HV_MMIO_H

#include "hv/vdev/bus.h"
#include "hv/core/vcpu.h"

enum exit_action mmio_exit(struct vcpu *v, struct exit_record *x);

#endif
