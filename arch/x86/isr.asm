; Interrupt and exception entry stubs: one per vector. Each pushes a dummy
; error code where the CPU pushes none, then the vector number, so that
; every frame has the layout of struct trap_frame (arch/x86/trap.h), saves
; the general registers and calls trap_dispatch(frame).

bits 64
%include "arch/x86/regs.inc"
extern trap_dispatch

; Vectors for which the CPU pushes an error code.
%define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text
%assign v 0
%rep 256
align 16
isr_stub_ %+ v:
%if !HAS_ERR(v)
	push 0
%endif
	push v
	jmp isr_common
%assign v v + 1
%endrep

isr_common:
	; struct trap_frame's registers, pushed from its last to its first
	pushes rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15
	mov rdi, rsp
	cld
	call trap_dispatch
	pops rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15
	add rsp, 16             ; vector and error code
	iretq

section .rodata
global isr_stubs
align 8
isr_stubs:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v + 1
%endrep
