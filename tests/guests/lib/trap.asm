; Exception entry and the catch_fault mechanism (see guest.h).
;
; Every vector has a stub that pushes a dummy error code where the CPU
; pushes none, then the vector, so trap_entry() in trap.c always sees one
; frame layout. trap_entry() does not return when the exception was
; expected: it calls catch_resume(), which drops the exception frame and
; everything fn had on the stack and returns from the catch_fault() that
; ran fn, with the vector. Nothing resumes a faulting instruction, so the
; stubs need not preserve the SSE state.
;
; catch_fault keeps the previous catch_sp on its frame, so catches nest;
; catch_sp == 0 means no catch is armed.

%include "tests/guests/lib/layout.inc"

extern trap_entry, user_stack_top

%define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .bss
global catch_sp
alignb 8
catch_sp:
	resq 1

section .text
%ifdef LONG_MODE
bits 64
%define PTR dq
%else
bits 32
%define PTR dd
%endif

%assign v 0
%rep 256
align 8
isr_stub_ %+ v:
%if !HAS_ERR(v)
	push 0
%endif
	push v
	jmp isr_common
%assign v v + 1
%endrep

%ifdef LONG_MODE
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	mov rbp, rsp
	and rsp, -16
	call trap_entry
	mov rsp, rbp
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16
	iretq

; u32 catch_fault(void (*fn)(void *) = rdi, void *arg = rsi)
global catch_fault
catch_fault:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	pushfq
	push qword [catch_sp]
	sub rsp, 8              ; the call below needs rsp 16-aligned
	mov [catch_sp], rsp
	mov rax, rdi
	mov rdi, rsi
	call rax
	mov eax, NO_FAULT
catch_out:
	mov rsp, [catch_sp]
	add rsp, 8
	pop qword [catch_sp]
	popfq
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; noreturn void catch_resume(u32 vector = edi)
global catch_resume
catch_resume:
	mov eax, edi
	load_data_segments cx
	jmp catch_out

; enter_user(struct { fn, arg, rflags } *rdi): iretq to fn(arg) at CPL 3
; on the user stack; fn's return lands in int 0x80, which catch_fault
; reports.
global enter_user
enter_user:
	mov rax, [rdi]
	mov rcx, [rdi + 16]
	mov rdi, [rdi + 8]
	push UDATA
	push user_stack_top
	push rcx                ; RFLAGS
	push UCODE64
	push user_entry
	iretq
user_entry:
	call rax
	int USER_RETURN_VECTOR

; The runtime's own data segments (the loader's, until now).
global segs_reload
segs_reload:
	load_data_segments ax
	ret

%else ; 32-bit

isr_common:
	pushad
	cld
	mov eax, esp
	push eax
	call trap_entry
	add esp, 4
	popad
	add esp, 8
	iretd

; u32 catch_fault(void (*fn)(void *), void *arg), cdecl
global catch_fault
catch_fault:
	push ebp
	push ebx
	push esi
	push edi
	pushfd
	push dword [catch_sp]
	mov [catch_sp], esp
	mov eax, [esp + 28]     ; fn: past 6 saved words and the return address
	push dword [esp + 32]   ; arg
	call eax
	mov eax, NO_FAULT
catch_out:
	mov esp, [catch_sp]
	pop dword [catch_sp]
	popfd
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

; noreturn void catch_resume(u32 vector)
global catch_resume
catch_resume:
	mov eax, [esp + 4]
	load_data_segments cx
	jmp catch_out

; enter_user(struct { fn, arg, eflags } *): iretd to fn(arg) at CPL 3.
; EBX need not survive: catch_fault restores it.
global enter_user
enter_user:
	mov eax, [esp + 4]
	mov ecx, [eax]          ; fn
	mov edx, [eax + 4]      ; arg
	mov ebx, [eax + 8]      ; EFLAGS
	mov eax, user_stack_top - 16
	mov [eax], edx          ; fn's argument, where cdecl wants it
	push UDATA
	push eax
	push ebx
	push UCODE32
	push user_entry
	iretd
user_entry:
	mov ax, UDATA           ; iret to CPL 3 nulled the DPL-0 data segments
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	call ecx                ; pushes the return address below the argument
	int USER_RETURN_VECTOR

; The runtime's own segments, CS included (the loader's, until now).
global segs_reload
segs_reload:
	jmp KCODE32:.cs
.cs:
	load_data_segments ax
	ret
%endif

section .rodata
global isr_stubs
align 8
isr_stubs:
%assign v 0
%rep 256
	PTR isr_stub_ %+ v
%assign v v + 1
%endrep
