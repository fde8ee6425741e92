; lucid's built-in demo guest, "hello": what the default configuration runs
; when no lucid.cfg was given. A multiboot kernel (a.out kludge, so the
; flat binary carries its own load address) that greets through lucid's
; console hypercall and powers its VM off.
bits 32
org 0x100000

MB_MAGIC  equ 0x1BADB002
MB_FLAGS  equ 1 << 16          ; the load addresses below are valid
HC_CONSOLE_WRITE equ 1         ; hv/exits/hypercall_abi.h
HC_SHUTDOWN equ 2

header:
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	dd header, header, end, end, start

start:
	mov esp, stack_top
	; VMMCALL on AMD, VMCALL on Intel: the other one is #UD.
	xor eax, eax
	cpuid
	cmp ebx, 0x68747541        ; "Auth"enticAMD
	sete [amd]
	mov eax, HC_CONSOLE_WRITE
	mov ebx, msg
	mov ecx, msg_len
	call hypercall
	mov eax, HC_SHUTDOWN
	xor ebx, ebx
	call hypercall
.hang:
	cli
	hlt
	jmp .hang

hypercall:
	cmp byte [amd], 0
	je .intel
	vmmcall
	ret
.intel:
	vmcall
	ret

msg: db "Hello from lucid's built-in guest, running in its own VM.", 10
msg_len equ $ - msg
amd: db 0
align 16
stack: times 256 db 0
stack_top:
end:
