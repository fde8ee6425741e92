; The first instructions of a test guest entered in 32-bit protected mode
; with paging off: by a multiboot1/2 loader (EAX = magic, EBX = info), by a
; flat protected-mode load (EAX = anything), or from entry16.asm.
;
; _start records the entry state for the guests that check it (nothing but
; a few movs may run before), takes its own stack, clears .bss and loads
; the runtime's GDT. A 32-bit guest then calls runtime_start() with the
; loader's segment registers still loaded (test_early() may look at them);
; a 64-bit guest (assembled with -DLONG_MODE) reloads them, builds identity
; page tables (2 MiB pages over 1 GiB) and switches to long mode first.

%include "tests/guests/lib/layout.inc"

extern __bss_start, __bss_end, runtime_start

section .entry progbits alloc exec nowrite align=16
bits 32
global _start
_start:
	; No stack yet: the loader's ESP is undefined.
	mov [entry_state + ES_EAX], eax
	mov [entry_state + ES_EBX], ebx
	mov [entry_state + ES_ECX], ecx
	mov [entry_state + ES_EDX], edx
	mov [entry_state + ES_ESI], esi
	mov [entry_state + ES_EDI], edi
	mov [entry_state + ES_EBP], ebp
	mov [entry_state + ES_ESP], esp
	mov esp, stack_top
	pushfd
	pop dword [entry_state + ES_EFLAGS]
	call .here              ; where we really are, against where we were linked
.here:
	pop eax
	sub eax, .here - _start
	mov [entry_state + ES_EIP], eax
	mov eax, cr0
	mov [entry_state + ES_CR0], eax
	mov eax, cr3
	mov [entry_state + ES_CR3], eax
	mov eax, cr4
	mov [entry_state + ES_CR4], eax
	mov [entry_state + ES_CS], cs
	mov [entry_state + ES_DS], ds
	mov [entry_state + ES_ES], es
	mov [entry_state + ES_FS], fs
	mov [entry_state + ES_GS], gs
	mov [entry_state + ES_SS], ss
	sgdt [entry_state + ES_GDTR]
	sidt [entry_state + ES_IDTR]

	cli
	cld
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	lgdt [gdt_ptr]

%ifndef LONG_MODE
	enable_fpu eax, [entry_state + ES_FPU_ENV]
	call runtime_start
.hang:
	cli
	hlt
	jmp .hang
%else
	jmp KCODE32:.reloaded
.reloaded:
	load_data_segments ax

	; Long mode is CPUID 0x80000001 EDX bit 29. Without it there is no
	; IDT yet to report through: ud2 triple-faults, and the missing
	; results say the rest.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; PML4[0] -> PDPT[0] -> PD: 512 2 MiB pages, present, writable, user.
	; The tables are in .bss, already zero.
	mov dword [pml4], pdpt + PTE_PWU
	mov dword [pdpt], pd + PTE_PWU
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_PWU | PTE_PS
	mov [pd + ecx * 8], eax
	inc ecx
	cmp ecx, 512
	jb .pd
	mov ebx, pml4
	enter_long_mode ebx, long_mode

.no_long_mode:
	ud2

bits 64
long_mode:
	mov ax, KDATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, stack_top
	enable_fpu rax, [entry_state + ES_FPU_ENV]
	xor ebp, ebp
	call runtime_start
.hang:
	cli
	hlt
	jmp .hang

section .bss
alignb 4096
global pml4
pml4:	resb 4096
pdpt:	resb 4096
pd:	resb 4096
%endif

section .data
align 16
global gdt, gdt_ptr
gdt:
	dq 0
	dq 0x00cf9b000000ffff   ; KCODE32
	dq 0x00cf93000000ffff   ; KDATA
	dq 0x00af9b000000ffff   ; KCODE64
	dq 0x00cffb000000ffff   ; UCODE32 (DPL 3)
	dq 0x00cff3000000ffff   ; UDATA (DPL 3)
	dq 0x00affb000000ffff   ; UCODE64 (DPL 3)
	dq 0, 0                 ; TSS, filled in by tss_init()
gdt_end:
	times (gdt_end - gdt) - GDT_SIZE db 0   ; both fail to assemble unless
	times GDT_SIZE - (gdt_end - gdt) db 0   ; GDT_SIZE is the size
align 4
	dw 0
gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt, 0

; In .data, not .bss: written before .bss is cleared (and by entry16.asm).
align 4
global entry_state
entry_state:
	times ES_SIZE db 0

section .bss
alignb 16
global stack_top, trap_stack_top, user_stack_top
	resb 16384
stack_top:
	resb 4096               ; TSS RSP0/ESP0: exceptions from CPL 3 land here
trap_stack_top:
	resb 4096
user_stack_top:
