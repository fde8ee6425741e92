/* The AMD SVM back end (arch/x86/virt.h). */
#ifndef ARCH_X86_SVM_SVM_H
#define ARCH_X86_SVM_SVM_H

#include "arch/x86/cpu_features.h"
#include "arch/x86/virt.h"

/* Returns the SVM back end if this CPU can run it, else NULL. */
const struct virt_ops *svm_probe(const struct cpu_features *f);

#endif
