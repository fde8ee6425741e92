/* VMMCALL/VMCALL from a guest: lucid's hypercalls (hv/exits/hypercall_abi.h,
 * docs/hypercalls.md). */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include "hv/core/vcpu.h"

enum exit_action hypercall_exit(struct vcpu *v, struct exit_record *x);
/* Prints the console line v left unended, if any: when v is reset. */
void hypercall_console_end(struct vcpu *v);

#endif
