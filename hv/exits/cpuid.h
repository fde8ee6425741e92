/* What a guest sees when it executes CPUID. */
#ifndef HV_CPUID_H
#define HV_CPUID_H

#include "hv/core/vcpu.h"

/* Works out the guests' CPUID view from this CPU's; after fpu_init. */
void cpuid_init(void);
enum exit_action cpuid_exit(struct vcpu *v, struct exit_record *x);
/* The CR4 bits a guest may set: those whose features its CPUID offers. */
u64 cpuid_cr4_allowed(void);
/* Whether guests see an Intel CPU (the host's vendor, "GenuineIntel"). */
bool cpuid_guest_intel(void);

#endif
