/* The states a vCPU starts from, built in the vendor-neutral form that
 * virt->vcpu_reset loads (struct vcpu_state, arch/x86/virt.h). */
#ifndef HV_CORE_VCPU_STATE_H
#define HV_CORE_VCPU_STATE_H

#include "arch/x86/virt.h"
#include "hv/loader/loader.h"

/* Where a loader left the guest: real mode at e->ip (CS = ip >> 4 &
 * 0xf000); 32-bit protected mode on flat 4 GiB segments, paging off,
 * with EAX, EBX and ESP as the boot protocol gives them; or long mode
 * (Linux's 64-bit entry) on the loader's GDT and page tables, CS 0x10,
 * data 0x18, RSI = boot_params, IF = 0. */
void vcpu_state_from_entry(struct vcpu_state *st, const struct guest_entry *e);
/* An application processor's start at a start-up IPI's vector: real
 * mode at vector * 4096, CS = vector << 8, IP = 0. */
void vcpu_state_sipi(struct vcpu_state *st, u8 vector);

#endif
