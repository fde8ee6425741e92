; Entry for flat binaries started in real mode: lucid (or bootsect.asm)
; jumps here with CS = (entry >> 4) & 0xf000, IP = entry & 0xffff. This
; must be the image's first byte (guest.ld puts .entry16 first).
;
; We record CS, IP, EFLAGS and CR0 in registers that survive the switch,
; take a scratch stack below 0x7000, load the runtime's GDT, enter
; protected mode and continue at _start like a flat protected-mode guest,
; with entry_state.from_real set. Everything is addressed relative to the
; measured IP, so a wrong CS:IP split is reported instead of crashing.

%include "tests/guests/lib/layout.inc"

extern _start, gdt, entry_state

section .entry16 progbits alloc exec nowrite align=16
bits 16
global _start16
_start16:
	mov ax, 0               ; mov, not xor: EFLAGS is still the loader's
	mov ss, ax
	mov sp, 0x7000
	pushfd
	pop ebp
	cli
	cld
	xor esi, esi
	mov si, cs
	shl esi, 16
	call .here
.here:
	pop si                  ; esi = CS << 16 | IP of .here
	sub si, .here - _start16
	mov edi, cr0
	mov ax, cs
	mov ds, ax
	mov bx, si
	o32 lgdt [bx + (gdtr16 - _start16)]
	mov eax, cr0
	or al, CR0_PE
	mov cr0, eax
	jmp dword KCODE32:.protected

bits 32
.protected:
	load_data_segments ax
	mov dword [entry_state + ES_FROM_REAL], 1
	mov [entry_state + ES_RM_IP], si
	shr esi, 16
	mov [entry_state + ES_RM_CS], si
	mov [entry_state + ES_RM_EFLAGS], ebp
	mov [entry_state + ES_RM_CR0], edi
	xor eax, eax
	xor ebx, ebx
	jmp _start

align 4
gdtr16:
	dw GDT_SIZE - 1
	dd gdt
