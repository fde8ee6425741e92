/* What arch/ keeps of each vCPU and each VM. Generic code embeds these in
 * its struct vcpu and struct vm (hv/core/) and hands arch/ a pointer to
 * them, so that arch/ never sees those objects: the layers go from hv/
 * down to arch/, never back up.
 *
 * The guest's general registers belong to generic code, which reads and
 * writes them after every exit; arch/ reaches them through `regs`. */
#ifndef ARCH_X86_VCPU_ARCH_H
#define ARCH_X86_VCPU_ARCH_H

#include "arch/x86/guest_regs.h"
#include "lib/types.h"

struct vcpu_regs;
struct slat;

struct vm_arch {
	void *virt;		/* the back end's own per-VM state */
	struct slat *slat;	/* its second-level tables, inside virt (slat.h) */
};

struct vcpu_arch {
	struct vcpu_regs *regs;	/* generic code's copy, set before vcpu_init */
	struct vm_arch *vm;	/* its VM's, set before vcpu_init */
	void *virt;		/* the back end's own per-vCPU state */

	/* FPU/SSE/AVX state while another vCPU owns the registers
	 * (arch/x86/fpu.c). */
	void *fpu_area;
	u64 xcr0;
	/* arch/x86/guest_regs.c: in the CPU while this vCPU owns it. */
	u64 tsc_aux;
	u64 dr[4];
	u64 syscall_msrs[GUEST_SYSCALL_MSRS];	/* VMX only: see guest_regs.h */
	u64 cr2, dr6;				/* VMX only */
};

#endif
