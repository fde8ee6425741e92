/* Guest registers that neither VMRUN nor VMLAUNCH switches: the debug
 * address registers DR0-DR3 (DR7 is in the VMCB/VMCS), IA32_TSC_AUX (what
 * RDTSCP and RDPID return) and, under VMX, CR2, DR6 (the VMCB has them,
 * the VMCS not) and the syscall MSRs STAR, LSTAR, CSTAR, SFMASK and
 * KERNEL_GS_BASE (SVM's VMLOAD/VMSAVE switch those; the guest uses them
 * directly on both). lucid never uses any of them itself (its DR7 stays
 * 0; a page fault of its own is fatal), so like the FPU they stay in the
 * CPU until another vCPU runs there; only then are they saved and the
 * other's loaded. */
#ifndef ARCH_X86_GUEST_REGS_H
#define ARCH_X86_GUEST_REGS_H

#include "lib/types.h"

#define GUEST_SYSCALL_MSRS 5

struct vcpu_arch;
struct cpu_features;

void guest_regs_init(const struct cpu_features *f);
/* Puts v's registers into this CPU before it enters the guest. */
void guest_regs_switch_to(struct vcpu_arch *v);
/* On the CPU that holds v's registers, if any: saves them into v. */
void guest_regs_put(struct vcpu_arch *v);
/* Forgets v everywhere and clears its registers (reset, or VM gone). */
void guest_regs_reset(struct vcpu_arch *v);
/* The guest's RDMSR/WRMSR of IA32_TSC_AUX, on the CPU v runs on. Return 0,
 * or -1 for #GP (no RDTSCP on this machine; reserved bits 63:32). */
int guest_tsc_aux_read(const struct vcpu_arch *v, u64 *val);
int guest_tsc_aux_write(struct vcpu_arch *v, u64 val);
/* Under VMX: the guest's CR2 and DR6, in the CPU while v owns it, else as
 * saved. Called on v's CPU, or while v runs nowhere. */
void guest_set_cr2(struct vcpu_arch *v, u64 val);
u64 guest_dr6(const struct vcpu_arch *v);
void guest_set_dr6(struct vcpu_arch *v, u64 val);

/* The MSRs a guest reads and writes directly, on either back end: what
 * VM entry and exit switch (SYSENTER_*, FS and GS base) and the syscall
 * MSRs (VMLOAD/VMSAVE, or this file under VMX). Every other MSR exits to
 * hv/exits/msr.c. */
#define GUEST_PASSTHROUGH_MSRS 10
extern const u32 guest_passthrough_msrs[GUEST_PASSTHROUGH_MSRS];

#endif
