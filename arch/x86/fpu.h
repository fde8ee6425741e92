/* Guest FPU, SSE and AVX registers. lucid itself never touches them (it is
 * built with -mgeneral-regs-only), so a vCPU's registers stay live in the
 * CPU until another vCPU runs there: only then are they saved (XSAVE, or
 * FXSAVE on CPUs without it) and the other's restored. XCR0 is per vCPU.
 *
 * While a vCPU owns the registers, the CPU's XCR0 is the truth, not
 * v->xcr0: QEMU's TCG (7.2) does not intercept XSETBV, so a guest there
 * changes XCR0 without lucid seeing it. lucid reads it back when the vCPU
 * gives up the registers and when a guest asks for the XSAVE size. */
#ifndef ARCH_X86_FPU_H
#define ARCH_X86_FPU_H

#include "lib/types.h"

struct vcpu_arch;

/* On the boot CPU: finds what the CPU can save and enables FXSR/XSAVE.
 * Returns 0, or -1 after printing why. */
int fpu_init(void);
/* On every other CPU: enables FXSR/XSAVE as on the boot CPU. */
void fpu_cpu_init(void);
/* Allocates v's save area in the reset state. Returns 0 or -1. */
int fpu_vcpu_init(struct vcpu_arch *v);
/* Puts v's registers and XCR0 back in the reset state, in the same save
 * area (a VM's reboot), so that it cannot fail. */
void fpu_vcpu_reset(struct vcpu_arch *v);
void fpu_vcpu_free(struct vcpu_arch *v);
/* Puts v's registers and XCR0 into this CPU before it enters the guest. */
void fpu_switch_to(struct vcpu_arch *v);
/* On the CPU that holds v's registers, if any: saves them into v, so
 * that v's state is whole in memory. */
void fpu_put(struct vcpu_arch *v);
/* Forgets v everywhere (its VM is gone or reset). */
void fpu_forget(struct vcpu_arch *v);
/* XSETBV by v, already checked with fpu_xcr0_valid: into the CPU at once
 * if v owns its registers, so that reading it back never loses it. */
void fpu_set_guest_xcr0(struct vcpu_arch *v, u64 val);
/* v's XCR0: from the CPU while v owns its registers. */
u64 fpu_guest_xcr0(struct vcpu_arch *v);
/* The XCR0 bits lucid switches, so a guest may enable them; 0 without
 * XSAVE. */
u64 fpu_guest_xfeatures(void);
/* Whether the guest may set XCR0 to `val` (XSETBV's rules). */
bool fpu_xcr0_valid(u64 val);

#endif
