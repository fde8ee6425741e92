/* The Intel VMX back end (arch/x86/virt.h). */
#ifndef ARCH_X86_VMX_VMX_H
#define ARCH_X86_VMX_VMX_H

#include "arch/x86/cpu_features.h"
#include "arch/x86/virt.h"

/* Returns the VMX back end if this CPU can run it, else NULL (after
 * naming what is missing). */
const struct virt_ops *vmx_probe(const struct cpu_features *f);

#endif
