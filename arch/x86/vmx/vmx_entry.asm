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

%define GPR(n) [rax + 8 * (n)]
%define VMCS_HOST_RSP 0x6c14

global vmx_enter
vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                ; gprs, found again at [rsp] after the exit

	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	test esi, esi           ; the flags survive the MOVs below
	mov rax, rdi
	mov rcx, GPR(1)
	mov rdx, GPR(2)
	mov rbx, GPR(3)
	mov rbp, GPR(5)
	mov rsi, GPR(6)
	mov rdi, GPR(7)
	mov r8, GPR(8)
	mov r9, GPR(9)
	mov r10, GPR(10)
	mov r11, GPR(11)
	mov r12, GPR(12)
	mov r13, GPR(13)
	mov r14, GPR(14)
	mov r15, GPR(15)
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
	mov GPR(1), rcx
	mov GPR(2), rdx
	mov GPR(3), rbx
	mov GPR(5), rbp
	mov GPR(6), rsi
	mov GPR(7), rdi
	mov GPR(8), r8
	mov GPR(9), r9
	mov GPR(10), r10
	mov GPR(11), r11
	mov GPR(12), r12
	mov GPR(13), r13
	mov GPR(14), r14
	mov GPR(15), r15
	pop qword GPR(0)
	add rsp, 8              ; gprs
	xor eax, eax
vmx_return:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
