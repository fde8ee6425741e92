; realmode: a flat binary written in nasm alone, entered in real mode.
; guests.cfg loads it at 0x10000 with mode = real, so lucid enters with
; CS:IP = 1000:0000 (CS = (entry >> 4) & 0xf000, IP = entry & 0xffff).
; It checks, reporting each through a hypercall made in real mode (buffers
; are linear addresses in 32-bit registers):
;   1. CS:IP is 1000:0000 and CR0.PE is clear;
;   2. an int3 goes through the real-mode IVT to our handler, which sees
;      our CS and the IP after the int3, and returns;
;   3. the version hypercall answers LUCID_ABI_VERSION in AX;
;   4. a console write from real mode returns its length.
; Then it powers off. Off lucid (bootsect.asm on plain QEMU) it prints its
; results on COM1 and reports a FAIL for the missing hypercalls.
;
; Data is addressed as [di + label] with DS = CS and DI = the IP measured
; at entry, so a wrong CS:IP split is reported rather than fatal; EBP holds
; the linear address of the first byte. Hypercall arguments use EAX, EBX,
; ECX, EDX and ESI, never DI.

%include "hypercall_abi.inc"

bits 16
org 0

start:
	mov ax, 0                   ; mov, not xor: keep EFLAGS; a stack below 0x7000
	mov ss, ax
	mov sp, 0x7000
	cli
	cld
	call .here
.here:
	pop di
	sub di, .here               ; di = IP of start
	mov ax, cs
	mov ds, ax
	mov es, ax
	mov [di + entry_cs], ax
	mov [di + entry_ip], di
	movzx ebp, ax
	shl ebp, 4
	movzx ecx, di
	add ebp, ecx                ; ebp = CS * 16 + IP
	mov eax, cr0
	mov [di + entry_cr0], eax
	call detect

	; 1. CS:IP and CR0.PE
	mov ax, [di + entry_cs]
	lea si, [di + msg_csip_cs]
	call hex16
	mov ax, [di + entry_ip]
	lea si, [di + msg_csip_ip]
	call hex16
	mov al, LUCID_TEST_FAIL
	cmp word [di + entry_cs], LOAD >> 4
	jne .csip_done
	cmp word [di + entry_ip], 0
	jne .csip_done
	test byte [di + entry_cr0], 1
	jnz .csip_done
	mov al, LUCID_TEST_PASS
.csip_done:
	mov si, msg_csip
	call report

	; 2. int3 through the IVT, whose vector 3 is at 0000:000c
	xor ax, ax
	mov es, ax
	mov eax, [es:3 * 4]
	mov [di + saved_ivt3], eax
	lea ax, [di + int3_handler]
	mov [es:3 * 4], ax
	mov [es:3 * 4 + 2], cs
	int3
.after_int3:
	mov eax, [di + saved_ivt3]
	mov [es:3 * 4], eax
	mov ax, cs
	mov es, ax
	mov al, LUCID_TEST_FAIL
	cmp byte [di + int3_seen], 1
	jne .int3_done
	mov cx, [di + int3_cs]
	cmp cx, [di + entry_cs]
	jne .int3_done
	lea cx, [di + .after_int3]
	cmp cx, [di + int3_ip]
	jne .int3_done
	mov al, LUCID_TEST_PASS
.int3_done:
	mov si, msg_int3
	call report

	cmp byte [di + on_lucid], 0
	je not_lucid

	; 3. version
	mov eax, LUCID_HC_VERSION
	call hypercall
	mov cx, ax
	mov al, LUCID_TEST_PASS
	cmp cx, LUCID_ABI_VERSION
	je .version_done
	mov al, LUCID_TEST_FAIL
.version_done:
	mov si, msg_version
	call report

	; 4. console write
	mov si, msg_console
	call strlen                 ; ecx = length
	mov edx, ecx                ; kept: the expected result
	movzx ebx, si
	add ebx, ebp
	mov eax, LUCID_HC_CONSOLE_WRITE
	call hypercall
	mov cl, LUCID_TEST_PASS
	cmp eax, edx
	je .console_done
	mov cl, LUCID_TEST_FAIL
.console_done:
	mov al, cl
	mov si, msg_console_result
	call report

	mov eax, LUCID_HC_SHUTDOWN
	mov ebx, LUCID_SHUTDOWN_POWEROFF
	call hypercall
	mov al, LUCID_TEST_FAIL
	mov si, msg_shutdown
	call report
	jmp halt

not_lucid:
	mov al, LUCID_TEST_FAIL
	mov si, msg_not_lucid
	call report
	mov dx, 0xf4                ; plain QEMU: isa-debug-exit, then ACPI off
	mov eax, 1
	out dx, eax
	mov dx, 0x604
	mov ax, 0x2000
	out dx, ax
halt:
	cli
	hlt
	jmp halt

; The IVT handler: record the CS:IP it will return to. DI is the caller's.
int3_handler:
	push bp
	mov bp, sp
	push ax
	mov ax, [bp + 2]
	mov [cs:di + int3_ip], ax
	mov ax, [bp + 4]
	mov [cs:di + int3_cs], ax
	mov byte [cs:di + int3_seen], 1
	pop ax
	pop bp
	iret

; Sets is_amd (AuthenticAMD: VMMCALL, else VMCALL) and on_lucid.
detect:
	pushad
	xor eax, eax
	cpuid
	cmp ebx, 0x68747541         ; "Auth"
	jne .vendor_done
	cmp edx, 0x69746e65         ; "enti"
	jne .vendor_done
	cmp ecx, 0x444d4163         ; "cAMD"
	jne .vendor_done
	mov byte [di + is_amd], 1
.vendor_done:
	mov eax, 1
	cpuid
	test ecx, 1 << 31
	jz .done
	mov eax, LUCID_CPUID_BASE
	cpuid
	cmp ebx, LUCID_CPUID_SIG_EBX
	jne .done
	cmp ecx, LUCID_CPUID_SIG_ECX
	jne .done
	cmp edx, LUCID_CPUID_SIG_EDX
	jne .done
	mov byte [di + on_lucid], 1
.done:
	popad
	ret

; eax = number, ebx, ecx, edx, esi = arguments: result in eax.
hypercall:
	cmp byte [di + is_amd], 0
	je .vmcall
	vmmcall
	ret
.vmcall:
	vmcall
	ret

; al = status, si = message (its label): one result.
report:
	pushad
	call strlen                 ; ecx = length
	cmp byte [di + on_lucid], 0
	je .serial
	mov edx, ecx
	movzx ecx, si
	add ecx, ebp
	movzx ebx, al
	mov eax, LUCID_HC_TEST_RESULT
	call hypercall
	popad
	ret
.serial:
	mov bl, al
	push si
	mov si, str_test
	call puts
	mov si, str_pass
	cmp bl, LUCID_TEST_PASS
	je .status
	mov si, str_fail
.status:
	call puts
	pop si
	call puts
	mov si, str_crlf
	call puts
	popad
	ret

; si = label of a NUL-terminated string: its length in ecx.
strlen:
	push bx
	mov bx, si
	add bx, di
	xor ecx, ecx
.next:
	cmp byte [bx], 0
	je .done
	inc bx
	inc ecx
	jmp .next
.done:
	pop bx
	ret

; si = label of a NUL-terminated string, to COM1.
puts:
	pushad
	mov bx, si
	add bx, di
.next:
	mov ah, [bx]
	test ah, ah
	jz .done
	mov dx, 0x3fd
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, 0x3f8
	mov al, ah
	out dx, al
	inc bx
	jmp .next
.done:
	popad
	ret

; ax = value, si = where (DS offset): four hex digits.
hex16:
	pusha
	mov cx, 4
.digit:
	rol ax, 4
	mov dl, al
	and dl, 0xf
	add dl, '0'
	cmp dl, '9'
	jbe .store
	add dl, 'a' - '9' - 1
.store:
	mov [si], dl
	inc si
	loop .digit
	popa
	ret

entry_cs:   dw 0
entry_ip:   dw 0
entry_cr0:  dd 0
saved_ivt3: dd 0
int3_cs:    dw 0
int3_ip:    dw 0
int3_seen:  db 0
on_lucid:   db 0
is_amd:     db 0

msg_csip:
	db "real mode: entered at CS:IP "
msg_csip_cs:
	db "????:"
msg_csip_ip:
	db "???? with CR0.PE clear", 0
msg_int3:           db "real-mode IVT: int3 reached its handler and came back", 0
msg_version:        db "real-mode hypercall: version reports the ABI version", 0
msg_console:        db "realmode: console write from real mode", 10, 0
msg_console_result: db "real-mode console write returns its length", 0
msg_shutdown:       db "shutdown hypercall returned", 0
msg_not_lucid:      db "not running under lucid: no hypercalls made", 0
str_test:           db "test: ", 0
str_pass:           db "PASS ", 0
str_fail:           db "FAIL ", 0
str_crlf:           db 13, 10, 0
