/* Writes to the control registers lucid intercepts: CR4, whose bits turn
 * on CPU state (PKRU with PKE, VMX, CET...) that lucid would have to switch
 * between VMs before a guest could use it. A write is checked as the CPU
 * checks it and against what the guest's CPUID offers (one rule: a bit is
 * the guest's when CPUID offers its feature, hv/exits/cpuid_view.h); a
 * refused one raises #GP(0), an accepted one goes to the back end, which
 * does what the CPU does on such a write (flushes the guest's TLB where
 * the change asks for it).
 *
 * And writes to DR7, where the back end asks for them (SVM on QEMU's TCG,
 * arch/x86/svm/svm.c): checked as the CPU checks a MOV to DR7, and held
 * by the back end. */
#ifndef HV_CR_H
#define HV_CR_H

#include "hv/core/vcpu.h"

enum exit_action cr_write_exit(struct vcpu *v, struct exit_record *x);
enum exit_action dr_write_exit(struct vcpu *v, struct exit_record *x);

#endif
