; One trip into an SVM guest and back. All policy is in C (svm.c); this
; only moves registers, because VMRUN saves and restores little of the
; host: RSP, RAX, RIP, RFLAGS, CR0/3/4, EFER, GDTR/IDTR and CS/SS/DS/ES.
; FS, GS (lucid's per-CPU pointer), TR, LDTR and the syscall MSRs are
; swapped with VMLOAD/VMSAVE (each takes the VMCB address in RAX) while GIF is clear, so no interrupt or NMI
; can see the guest's GS base.
;
; void svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_vmcb_pa)
; gprs: the guest's 16 registers in hardware order (struct vcpu_regs);
; RAX and RSP live in the VMCB and are copied by svm.c.

bits 64
section .text
%include "arch/x86/regs.inc"

%define GPR(n) [rsi + 8 * (n)]

global svm_vmrun
svm_vmrun:
	pushes rbp, rbx, r12, r13, r14, r15
	push rdx                ; host_vmcb_pa
	push rsi                ; gprs

	clgi
	mov rax, rdi
	guest_gprs load, rsi
	mov rsi, GPR(6)
	vmload
	; With V_INTR_MASKING, a physical interrupt exits the guest only if
	; the host's IF was set at VMRUN. GIF is still clear here.
	sti
	vmrun
	; #VMEXIT: GIF clear, RAX = vmcb_pa, RSP as before.
global svm_vmexit_rip
svm_vmexit_rip:
	; Bochs 2.7 raises a guest's pending single-step trap here when the
	; guest had EFLAGS.TF set on an instruction lucid intercepts; on a CPU
	; that instruction never completes, so never traps. trap.c drops it
	; (svm_probe names this address); lucid owes the guest its trap and
	; gives it when it completes the instruction (svm_vcpu_complete).
	vmsave
	cli
	xchg rsi, [rsp]         ; rsi = gprs, stack = guest RSI
	guest_gprs store, rsi
	pop rax
	mov GPR(6), rax
	pop rax                 ; host_vmcb_pa
	vmload
	stgi                    ; IF is clear: interrupts wait for svm.c

	pops rbp, rbx, r12, r13, r14, r15
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
