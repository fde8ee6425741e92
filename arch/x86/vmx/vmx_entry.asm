; One trip into a VMX guest and back. All policy is in C (vmx.c); this
; only moves registers. VM entry loads the guest's RSP, RIP and RFLAGS from
; the VMCS (vmx.c writes them), VM exit loads the host's CR0/3/4, selectors,
; bases, EFER, PAT and RSP/RIP from the VMCS: RSP is this stub's stack,
; written here before each entry because the caller's depth may vary, RIP
; is vmx_exit (vmx.c writes it once per CPU the VMCS is loaded on).
;
; int vmx_enter(u64 *gprs, int launched)
; gprs: the guest's 16 registers in hardware order (struct vcpu_regs);
; RSP lives in the VMCS and is copied by vmx.c. VMLAUNCH the first time
; (launched 0), VMRESUME after. Returns 0 after a VM exit (whatever its
; reason, a failed entry with exit-reason bit 31 among them), 1 when the
; instruction itself failed (VMfailInvalid or VMfailValid: vmx.c reads the
; VM-instruction error).

bits 64
section .text
%include "arch/x86/regs.inc"

%define GPR(n) [rax + 8 * (n)]
%define VMCS_HOST_RSP 0x6c14

global vmx_enter
vmx_enter:
	pushes rbp, rbx, r12, r13, r14, r15
	push rdi                ; gprs, found again at [rsp] after the exit

	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	test esi, esi           ; the flags survive the MOVs below
	mov rax, rdi
	guest_gprs load, rax
	mov rax, GPR(0)
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	; VMfail: CF or ZF set, the guest's values in our registers; the
	; callee-saved ones come back from the stack below.
	add rsp, 8              ; gprs
	mov eax, 1
	jmp vmx_return

	; VM exit: RSP as written above, interrupts off (RFLAGS is 2).
global vmx_exit
vmx_exit:
	push rax
	mov rax, [rsp + 8]      ; gprs
	guest_gprs store, rax
	pop qword GPR(0)
	add rsp, 8              ; gprs
	xor eax, eax
vmx_return:
	pops rbp, rbx, r12, r13, r14, r15
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
