/* RDMSR/WRMSR from a guest: the few MSRs a guest owns are emulated; every
 * other MSR, and above all the host's (EFER.SVME, VM_HSAVE_PA, VM_CR),
 * raises #GP in the guest. MSRs that the hardware switches on entry and
 * exit never get here (the back end passes them through). */
#ifndef HV_MSR_H
#define HV_MSR_H

#include "hv/core/vcpu.h"

enum exit_action msr_read_exit(struct vcpu *v, struct exit_record *x);
enum exit_action msr_write_exit(struct vcpu *v, struct exit_record *x);

#endif
