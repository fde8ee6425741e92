/* Host tests for MMIO instruction decoding and emulation (hv/emul/insn.c). The
 * encodings in the tables were produced by nasm (or checked with objdump
 * where nasm will not emit them). Each decode runs on a heap copy of
 * exactly the bytes given, so reading one byte too far is an ASan report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/emul/insn.h"

#define M16 .mode = INSN_MODE_16
#define M32 .mode = INSN_MODE_32
#define M64 .mode = INSN_MODE_64
#define B(...) .b = { __VA_ARGS__ }, .n = sizeof((u8[]){ __VA_ARGS__ })
#define LD(sz, r) .kind = INSN_LOAD, .size = sz, .reg = r, .reg_size = sz
#define ST(sz, r) .kind = INSN_STORE, .size = sz, .reg = r, .reg_size = sz
#define IMM(sz, v) .kind = INSN_STORE_IMM, .size = sz, .reg_size = sz, .imm = v
#define EXT(sz, r, rsz, e) .kind = INSN_LOAD, .size = sz, .reg = r, \
	.reg_size = rsz, .ext = INSN_EXT_##e
#define HI .high8 = true
#define SEG(s) .seg1 = INSN_SEG_##s + 1

/* A decode that must succeed and take all n bytes. */
struct dcase {
	const char *text;
	enum insn_mode mode;
	u8 b[INSN_MAX_LEN + 1];
	u8 n;
	enum insn_kind kind;
	u8 size, reg, reg_size;
	bool high8;
	enum insn_ext ext;
	u64 imm;
	int seg1;	/* expected seg + 1, so that the default 0 is none */
};

static const struct dcase good[] = {
	/* 64-bit: MOV forms, REX.R/B/W and byte registers */
	{ "mov [rdi], al", M64, B(0x88, 0x07), ST(1, REG_RAX) },
	{ "mov [rdi], eax", M64, B(0x89, 0x07), ST(4, REG_RAX) },
	{ "mov [rdi], ax", M64, B(0x66, 0x89, 0x07), ST(2, REG_RAX) },
	{ "mov [rdi], rax", M64, B(0x48, 0x89, 0x07), ST(8, REG_RAX) },
	{ "mov [rdi], r9d", M64, B(0x44, 0x89, 0x0f), ST(4, REG_R9) },
	{ "mov [r8], ecx", M64, B(0x41, 0x89, 0x08), ST(4, REG_RCX) },
	{ "mov [rdi], ch", M64, B(0x88, 0x2f), ST(1, REG_RCX), HI },
	{ "mov [rsi], sil", M64, B(0x40, 0x88, 0x36), ST(1, REG_RSI) },
	{ "mov eax, [rdi]", M64, B(0x8b, 0x07), LD(4, REG_RAX) },
	{ "mov r15, [r13]", M64, B(0x4d, 0x8b, 0x7d, 0x00), LD(8, REG_R15) },
	{ "mov al, [rdi]", M64, B(0x8a, 0x07), LD(1, REG_RAX) },
	{ "mov ah, [rdi]", M64, B(0x8a, 0x27), LD(1, REG_RAX), HI },
	{ "mov bh, [rdi]", M64, B(0x8a, 0x3f), LD(1, REG_RBX), HI },
	{ "mov spl, [rdi]", M64, B(0x40, 0x8a, 0x27), LD(1, REG_RSP) },
	{ "mov dil, [rdi]", M64, B(0x40, 0x8a, 0x3f), LD(1, REG_RDI) },
	{ "mov r8b, [rdi]", M64, B(0x44, 0x8a, 0x07), LD(1, REG_R8) },
	/* 64-bit: every addressing form that changes the length */
	{ "mov eax, [rdi+8]", M64, B(0x8b, 0x47, 0x08), LD(4, REG_RAX) },
	{ "mov eax, [rdi+0x1000]", M64, B(0x8b, 0x87, 0x00, 0x10, 0x00, 0x00), LD(4, REG_RAX) },
	{ "mov eax, [rsp]", M64, B(0x8b, 0x04, 0x24), LD(4, REG_RAX) },
	{ "mov eax, [r12]", M64, B(0x41, 0x8b, 0x04, 0x24), LD(4, REG_RAX) },
	{ "mov eax, [rax+rcx*4+0x10]", M64, B(0x8b, 0x44, 0x88, 0x10), LD(4, REG_RAX) },
	{ "mov eax, [rcx*4+0x1000]", M64, B(0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00), LD(4, REG_RAX) },
	{ "mov eax, [rbp+rcx*4]", M64, B(0x8b, 0x44, 0x8d, 0x00), LD(4, REG_RAX) },
	{ "mov eax, [abs 0x1000]", M64, B(0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00), LD(4, REG_RAX) },
	{ "mov eax, [0x10] (REX.B, SIB base 5)", M64,
	  B(0x41, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00), LD(4, REG_RAX) },
	{ "mov eax, [r13+r14*8+0x12345678]", M64,
	  B(0x43, 0x8b, 0x84, 0xf5, 0x78, 0x56, 0x34, 0x12), LD(4, REG_RAX) },
	{ "mov eax, [rel lbl]", M64, B(0x8b, 0x05, 0xfa, 0xff, 0xff, 0xff), LD(4, REG_RAX) },
	{ "mov eax, [rip+0] (REX.B)", M64, B(0x41, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00), LD(4, REG_RAX) },
	{ "a32 mov eax, [rel lbl]", M64, B(0x67, 0x8b, 0x05, 0xf9, 0xff, 0xff, 0xff), LD(4, REG_RAX) },
	{ "mov eax, [eax]", M64, B(0x67, 0x8b, 0x00), LD(4, REG_RAX) },
	{ "mov eax, [esp+0x10]", M64, B(0x67, 0x8b, 0x44, 0x24, 0x10), LD(4, REG_RAX) },
	/* 64-bit: immediates */
	{ "mov byte [rdi], 0x12", M64, B(0xc6, 0x07, 0x12), IMM(1, 0x12) },
	{ "mov word [rdi], 0x1234", M64, B(0x66, 0xc7, 0x07, 0x34, 0x12), IMM(2, 0x1234) },
	{ "mov dword [rdi], 0x12345678", M64, B(0xc7, 0x07, 0x78, 0x56, 0x34, 0x12), IMM(4, 0x12345678) },
	{ "mov qword [rdi], -1", M64, B(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff), IMM(8, ~0ull) },
	{ "mov qword [rdi], 0x7fffffff", M64, B(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0x7f), IMM(8, 0x7fffffff) },
	{ "mov dword [rdi+0x10], 0x80000000", M64,
	  B(0xc7, 0x47, 0x10, 0x00, 0x00, 0x00, 0x80), IMM(4, 0x80000000) },
	{ "mov byte [rel lbl], 1", M64, B(0xc6, 0x05, 0xf9, 0xff, 0xff, 0xff, 0x01), IMM(1, 1) },
	{ "mov qword [rel lbl], -2", M64,
	  B(0x48, 0xc7, 0x05, 0xf5, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff), IMM(8, ~1ull) },
	{ "mov qword [r10+r11*2+0x100], -2", M64,
	  B(0x4b, 0xc7, 0x84, 0x5a, 0x00, 0x01, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff), IMM(8, ~1ull) },
	/* 64-bit: moffs is 8 bytes, 4 with 67 */
	{ "mov al, [abs qword 0x1122334455667788]", M64,
	  B(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), LD(1, REG_RAX) },
	{ "mov eax, [abs qword 0x1122334455667788]", M64,
	  B(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), LD(4, REG_RAX) },
	{ "mov rax, [abs qword 0x1122334455667788]", M64,
	  B(0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), LD(8, REG_RAX) },
	{ "mov [abs qword 0x1122334455667788], al", M64,
	  B(0xa2, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), ST(1, REG_RAX) },
	{ "mov [abs qword 0x1122334455667788], ax", M64,
	  B(0x66, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), ST(2, REG_RAX) },
	{ "mov [abs qword 0x1122334455667788], rax", M64,
	  B(0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), ST(8, REG_RAX) },
	{ "a32 mov eax, [abs dword 0x11223344]", M64, B(0x67, 0xa1, 0x44, 0x33, 0x22, 0x11), LD(4, REG_RAX) },
	/* 64-bit: MOVZX, MOVSX, MOVSXD, MOVNTI */
	{ "movzx eax, byte [rdi]", M64, B(0x0f, 0xb6, 0x07), EXT(1, REG_RAX, 4, ZERO) },
	{ "movzx eax, word [rdi]", M64, B(0x0f, 0xb7, 0x07), EXT(2, REG_RAX, 4, ZERO) },
	{ "movzx rax, byte [rdi]", M64, B(0x48, 0x0f, 0xb6, 0x07), EXT(1, REG_RAX, 8, ZERO) },
	{ "movzx ax, byte [rdi]", M64, B(0x66, 0x0f, 0xb6, 0x07), EXT(1, REG_RAX, 2, ZERO) },
	{ "movzx r11d, word [rbx+8]", M64, B(0x44, 0x0f, 0xb7, 0x5b, 0x08), EXT(2, REG_R11, 4, ZERO) },
	{ "movsx eax, byte [rdi]", M64, B(0x0f, 0xbe, 0x07), EXT(1, REG_RAX, 4, SIGN) },
	{ "movsx rax, word [rdi]", M64, B(0x48, 0x0f, 0xbf, 0x07), EXT(2, REG_RAX, 8, SIGN) },
	{ "movsx r10, byte [rdi]", M64, B(0x4c, 0x0f, 0xbe, 0x17), EXT(1, REG_R10, 8, SIGN) },
	{ "movsx ax, byte [rdi]", M64, B(0x66, 0x0f, 0xbe, 0x07), EXT(1, REG_RAX, 2, SIGN) },
	{ "movsxd rax, dword [rdi]", M64, B(0x48, 0x63, 0x07), EXT(4, REG_RAX, 8, SIGN) },
	{ "movsxd eax, dword [rdi]", M64, B(0x63, 0x07), EXT(4, REG_RAX, 4, SIGN) },
	{ "movnti [rdi], eax", M64, B(0x0f, 0xc3, 0x07), ST(4, REG_RAX) },
	{ "movnti [rdi], r8", M64, B(0x4c, 0x0f, 0xc3, 0x07), ST(8, REG_R8) },
	/* 64-bit: prefixes */
	{ "o16 mov [rdi], rax (REX.W wins)", M64, B(0x66, 0x48, 0x89, 0x07), ST(8, REG_RAX) },
	{ "rex.W o16 mov [rdi], ax (REX voided)", M64, B(0x48, 0x66, 0x89, 0x07), ST(2, REG_RAX) },
	{ "rex.R o16 mov [rdi], cx (REX voided)", M64, B(0x44, 0x66, 0x89, 0x0f), ST(2, REG_RCX) },
	{ "rex.R mov [rdi], rax (last REX counts)", M64, B(0x44, 0x48, 0x89, 0x07), ST(8, REG_RAX) },
	{ "rex cs mov [rdi], ah (REX voided)", M64, B(0x40, 0x2e, 0x88, 0x27), ST(1, REG_RAX), HI },
	{ "xrelease mov [rdi], eax", M64, B(0xf3, 0x89, 0x07), ST(4, REG_RAX) },
	{ "repne mov [rdi], al", M64, B(0xf2, 0x88, 0x07), ST(1, REG_RAX) },
	{ "mov eax, [fs:rdi]", M64, B(0x64, 0x8b, 0x07), LD(4, REG_RAX), SEG(FS) },
	{ "mov [gs:rax], rdx", M64, B(0x65, 0x48, 0x89, 0x10), ST(8, REG_RDX), SEG(GS) },
	{ "mov [gs:0x30], eax", M64, B(0x65, 0x89, 0x04, 0x25, 0x30, 0x00, 0x00, 0x00), ST(4, REG_RAX), SEG(GS) },
	{ "gs fs mov eax, [rdi] (last wins)", M64, B(0x65, 0x64, 0x8b, 0x07), LD(4, REG_RAX), SEG(FS) },
	{ "ds mov eax, [rdi] (ignored)", M64, B(0x3e, 0x8b, 0x07), LD(4, REG_RAX) },
	/* objdump: a null override after FS/GS leaves FS/GS in force */
	{ "gs cs mov eax, [rdi] (cs ignored)", M64, B(0x65, 0x2e, 0x8b, 0x07), LD(4, REG_RAX),
	  SEG(GS) },
	{ "fs ss es mov eax, [rdi] (ss, es ignored)", M64, B(0x64, 0x36, 0x26, 0x8b, 0x07),
	  LD(4, REG_RAX), SEG(FS) },
	{ "ds gs mov eax, [rdi]", M64, B(0x3e, 0x65, 0x8b, 0x07), LD(4, REG_RAX), SEG(GS) },
	{ "es mov eax, [rdi] (ignored)", M64, B(0x26, 0x8b, 0x07), LD(4, REG_RAX) },
	{ "cs cs cs mov qword [rax+rcx*4+0x1000], 0x12345678 (15 bytes)", M64,
	  B(0x2e, 0x2e, 0x2e, 0x48, 0xc7, 0x84, 0x88, 0x00, 0x10, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
	  IMM(8, 0x12345678) },

	/* 32-bit */
	{ "mov [edi], al", M32, B(0x88, 0x07), ST(1, REG_RAX) },
	{ "mov [edi], eax", M32, B(0x89, 0x07), ST(4, REG_RAX) },
	{ "mov [edi], ax", M32, B(0x66, 0x89, 0x07), ST(2, REG_RAX) },
	{ "mov ah, [edi]", M32, B(0x8a, 0x27), LD(1, REG_RAX), HI },
	{ "mov eax, [ebp+ecx*4+0x100]", M32, B(0x8b, 0x84, 0x8d, 0x00, 0x01, 0x00, 0x00), LD(4, REG_RAX) },
	{ "mov eax, [edi*2]", M32, B(0x8b, 0x04, 0x3f), LD(4, REG_RAX) },
	{ "mov ecx, [0x1000]", M32, B(0x8b, 0x0d, 0x00, 0x10, 0x00, 0x00), LD(4, REG_RCX) },
	{ "mov eax, [bx+si]", M32, B(0x67, 0x8b, 0x00), LD(4, REG_RAX) },
	{ "mov eax, [bp+si+0x1234]", M32, B(0x67, 0x8b, 0x82, 0x34, 0x12), LD(4, REG_RAX) },
	{ "a16 mov ecx, [0x1234]", M32, B(0x67, 0x8b, 0x0e, 0x34, 0x12), LD(4, REG_RCX) },
	{ "mov eax, [bp+8]", M32, B(0x67, 0x8b, 0x46, 0x08), LD(4, REG_RAX) },
	{ "mov al, [0x11223344]", M32, B(0xa0, 0x44, 0x33, 0x22, 0x11), LD(1, REG_RAX) },
	{ "mov eax, [0x11223344]", M32, B(0xa1, 0x44, 0x33, 0x22, 0x11), LD(4, REG_RAX) },
	{ "a16 mov eax, [0x1234]", M32, B(0x67, 0xa1, 0x34, 0x12), LD(4, REG_RAX) },
	{ "mov [0x11223344], eax", M32, B(0xa3, 0x44, 0x33, 0x22, 0x11), ST(4, REG_RAX) },
	{ "mov [0x11223344], ax", M32, B(0x66, 0xa3, 0x44, 0x33, 0x22, 0x11), ST(2, REG_RAX) },
	{ "mov dword [edi], 0x12345678", M32, B(0xc7, 0x07, 0x78, 0x56, 0x34, 0x12), IMM(4, 0x12345678) },
	{ "mov word [edi], 0xabcd", M32, B(0x66, 0xc7, 0x07, 0xcd, 0xab), IMM(2, 0xabcd) },
	{ "mov byte [edi+ebx], 0x80", M32, B(0xc6, 0x04, 0x1f, 0x80), IMM(1, 0x80) },
	{ "movzx eax, byte [edi]", M32, B(0x0f, 0xb6, 0x07), EXT(1, REG_RAX, 4, ZERO) },
	{ "movsx eax, word [edi]", M32, B(0x0f, 0xbf, 0x07), EXT(2, REG_RAX, 4, SIGN) },
	{ "movzx ax, byte [edi]", M32, B(0x66, 0x0f, 0xb6, 0x07), EXT(1, REG_RAX, 2, ZERO) },
	{ "movnti [edi], eax", M32, B(0x0f, 0xc3, 0x07), ST(4, REG_RAX) },
	{ "mov [es:edi], eax", M32, B(0x26, 0x89, 0x07), ST(4, REG_RAX), SEG(ES) },
	{ "mov eax, [cs:edi]", M32, B(0x2e, 0x8b, 0x07), LD(4, REG_RAX), SEG(CS) },
	{ "mov eax, [ss:edi]", M32, B(0x36, 0x8b, 0x07), LD(4, REG_RAX), SEG(SS) },
	{ "mov eax, [ds:ebp]", M32, B(0x3e, 0x8b, 0x45, 0x00), LD(4, REG_RAX), SEG(DS) },
	{ "gs cs mov eax, [edi] (last wins)", M32, B(0x65, 0x2e, 0x8b, 0x07), LD(4, REG_RAX),
	  SEG(CS) },
	{ "fs ss es mov eax, [edi] (last wins)", M32, B(0x64, 0x36, 0x26, 0x8b, 0x07),
	  LD(4, REG_RAX), SEG(ES) },
	{ "ds gs mov eax, [edi] (last wins)", M32, B(0x3e, 0x65, 0x8b, 0x07), LD(4, REG_RAX),
	  SEG(GS) },

	/* 16-bit */
	{ "mov [bx], al", M16, B(0x88, 0x07), ST(1, REG_RAX) },
	{ "mov [bx], ax", M16, B(0x89, 0x07), ST(2, REG_RAX) },
	{ "mov [bx], eax", M16, B(0x66, 0x89, 0x07), ST(4, REG_RAX) },
	{ "mov [bx], bh", M16, B(0x88, 0x3f), ST(1, REG_RBX), HI },
	{ "mov dh, [bx]", M16, B(0x8a, 0x37), LD(1, REG_RDX), HI },
	{ "mov ax, [bp+si+0x1234]", M16, B(0x8b, 0x82, 0x34, 0x12), LD(2, REG_RAX) },
	{ "mov cx, [0x1234]", M16, B(0x8b, 0x0e, 0x34, 0x12), LD(2, REG_RCX) },
	{ "mov ax, [bp]", M16, B(0x8b, 0x46, 0x00), LD(2, REG_RAX) },
	{ "mov ax, [si+8]", M16, B(0x8b, 0x44, 0x08), LD(2, REG_RAX) },
	{ "mov eax, [ebx+ecx*4+0x10]", M16, B(0x66, 0x67, 0x8b, 0x44, 0x8b, 0x10), LD(4, REG_RAX) },
	{ "a32 mov cx, [0x11223344]", M16, B(0x67, 0x8b, 0x0d, 0x44, 0x33, 0x22, 0x11), LD(2, REG_RCX) },
	{ "a32 mov cx, [eax*8+0x10]", M16,
	  B(0x67, 0x8b, 0x0c, 0xc5, 0x10, 0x00, 0x00, 0x00), LD(2, REG_RCX) },
	{ "mov al, [0x1234]", M16, B(0xa0, 0x34, 0x12), LD(1, REG_RAX) },
	{ "mov ax, [0x1234]", M16, B(0xa1, 0x34, 0x12), LD(2, REG_RAX) },
	{ "a32 mov ax, [0x11223344]", M16, B(0x67, 0xa1, 0x44, 0x33, 0x22, 0x11), LD(2, REG_RAX) },
	{ "mov [0x1234], ax", M16, B(0xa3, 0x34, 0x12), ST(2, REG_RAX) },
	{ "mov word [bx], 0x1234", M16, B(0xc7, 0x07, 0x34, 0x12), IMM(2, 0x1234) },
	{ "mov dword [bx], 0x12345678", M16, B(0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12), IMM(4, 0x12345678) },
	{ "mov byte [bx+di+0x10], 0xff", M16, B(0xc6, 0x41, 0x10, 0xff), IMM(1, 0xff) },
	{ "movzx ax, byte [bx]", M16, B(0x0f, 0xb6, 0x07), EXT(1, REG_RAX, 2, ZERO) },
	{ "movzx eax, word [bx]", M16, B(0x66, 0x0f, 0xb7, 0x07), EXT(2, REG_RAX, 4, ZERO) },
	{ "movsx ax, byte [bx]", M16, B(0x0f, 0xbe, 0x07), EXT(1, REG_RAX, 2, SIGN) },
	{ "movnti [bx], eax", M16, B(0x0f, 0xc3, 0x07), ST(4, REG_RAX) },
	{ "mov [es:bx], al", M16, B(0x26, 0x88, 0x07), ST(1, REG_RAX), SEG(ES) },
	{ "mov ax, [gs:bx]", M16, B(0x65, 0x8b, 0x07), LD(2, REG_RAX), SEG(GS) },
};

/* A decode that must fail. */
struct ecase {
	const char *text;
	enum insn_mode mode;
	u8 b[INSN_MAX_LEN + 2];
	u8 n;
	int err;
	u16 opcode;	/* expected out->opcode */
};

#define E(e, op) .err = INSN_E##e, .opcode = op

static const struct ecase bad[] = {
	{ "lock mov [rdi], eax", M64, B(0xf0, 0x89, 0x07), E(LOCK, 0x89) },
	{ "o16 lock mov [rdi], ax", M64, B(0x66, 0xf0, 0x89, 0x07), E(LOCK, 0x89) },
	{ "lock mov dword [rdi], 0x12345678", M64, B(0xf0, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12), E(LOCK, 0xc7) },
	{ "lock movzx eax, byte [rdi]", M64, B(0xf0, 0x0f, 0xb6, 0x07), E(LOCK, 0x0fb6) },
	{ "lock mov eax, [0x11223344]", M32, B(0xf0, 0xa1, 0x44, 0x33, 0x22, 0x11), E(LOCK, 0xa1) },
	{ "lock mov [bx], al", M16, B(0xf0, 0x88, 0x07), E(LOCK, 0x88) },
	{ "mov eax, ecx", M64, B(0x89, 0xc8), E(REGOP, 0x89) },
	{ "mov eax, ecx", M64, B(0x8b, 0xc1), E(REGOP, 0x8b) },
	{ "mov al, ah", M32, B(0x88, 0xe0), E(REGOP, 0x88) },
	{ "mov eax, 0x12345678", M64, B(0xc7, 0xc0, 0x78, 0x56, 0x34, 0x12), E(REGOP, 0xc7) },
	{ "movzx eax, al", M64, B(0x0f, 0xb6, 0xc0), E(REGOP, 0x0fb6) },
	{ "movsxd rax, eax", M64, B(0x48, 0x63, 0xc0), E(REGOP, 0x63) },
	{ "mov cx, ax", M16, B(0x8b, 0xc8), E(REGOP, 0x8b) },
	{ "C6 /1", M64, B(0xc6, 0x0f, 0x12), E(UNSUPPORTED, 0xc6) },
	{ "xbegin", M64, B(0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00), E(UNSUPPORTED, 0xc7) },
	{ "movsb", M64, B(0xa4), E(UNSUPPORTED, 0xa4) },
	{ "rep stosd", M64, B(0xf3, 0xab), E(UNSUPPORTED, 0xab) },
	{ "add [rdi], eax", M64, B(0x01, 0x07), E(UNSUPPORTED, 0x01) },
	{ "lock add [rdi], eax", M64, B(0xf0, 0x01, 0x07), E(UNSUPPORTED, 0x01) },
	{ "xchg [rdi], eax", M64, B(0x87, 0x07), E(UNSUPPORTED, 0x87) },
	{ "cmpxchg [rdi], ecx", M64, B(0x0f, 0xb1, 0x0f), E(UNSUPPORTED, 0x0fb1) },
	{ "vmovdqu ymm0, [rdi]", M64, B(0xc5, 0xfe, 0x6f, 0x07), E(UNSUPPORTED, 0xc5) },
	{ "movdqa xmm0, [rdi]", M64, B(0x66, 0x0f, 0x6f, 0x07), E(UNSUPPORTED, 0x0f6f) },
	{ "movntdqa xmm0, [rdi]", M64, B(0x66, 0x0f, 0x38, 0x2a, 0x07), E(UNSUPPORTED, 0x0f38) },
	{ "mov cr0, rax", M64, B(0x0f, 0x22, 0xc0), E(UNSUPPORTED, 0x0f22) },
	{ "mov [rdi], es", M64, B(0x8c, 0x07), E(UNSUPPORTED, 0x8c) },
	{ "push qword [rdi]", M64, B(0xff, 0x37), E(UNSUPPORTED, 0xff) },
	{ "66 movnti (#UD)", M64, B(0x66, 0x0f, 0xc3, 0x07), E(UNSUPPORTED, 0x0fc3) },
	{ "f3 movnti (#UD)", M32, B(0xf3, 0x0f, 0xc3, 0x07), E(UNSUPPORTED, 0x0fc3) },
	{ "arpl [edi], ax", M32, B(0x63, 0x07), E(UNSUPPORTED, 0x63) },
	{ "arpl [bx], ax", M16, B(0x63, 0x07), E(UNSUPPORTED, 0x63) },
	{ "dec eax (no REX in 32-bit mode)", M32, B(0x48, 0x8b, 0x07), E(UNSUPPORTED, 0x48) },
	{ "empty", M64, .n = 0, E(TRUNC, 0) },
	{ "lone 0F", M64, B(0x0f), E(TRUNC, 0x0f) },
	{ "prefixes only", M64, B(0x66, 0x67, 0x48), E(TRUNC, 0) },
	{ "cs x4 mov qword [rax+rcx*4+0x1000], 0x12345678 (16 bytes)", M64,
	  B(0x2e, 0x2e, 0x2e, 0x2e, 0x48, 0xc7, 0x84, 0x88, 0x00, 0x10, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
	  E(TOOLONG, 0xc7) },
	{ "15 prefixes", M32,
	  B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89),
	  E(TOOLONG, 0) },
	{ "15 REX", M64,
	  B(0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48),
	  E(TOOLONG, 0) },
};

/* A heap block of exactly n bytes holding b (ASan guards its end). */
static u8 *exact(const u8 *b, size_t n)
{
	u8 *p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, b, n);
	return p + (n ? 0 : 1);
}

static void unexact(u8 *p, size_t n)
{
	free(p - (n ? 0 : 1));
}

static int decode(const u8 *b, size_t n, enum insn_mode mode, struct insn *in)
{
	u8 *p = exact(b, n);
	int err = insn_decode(p, n, mode, in);

	unexact(p, n);
	return err;
}

static void check(const struct dcase *c, const struct insn *in)
{
	if (in->len != c->n || in->kind != c->kind || in->size != c->size ||
	    in->reg != c->reg || in->high8 != c->high8 || in->reg_size != c->reg_size ||
	    in->ext != c->ext || in->imm != c->imm || in->seg != c->seg1 - 1)
		fail_msg("%s: got len %u kind %d size %u reg %u high8 %d reg_size %u "
			 "ext %d imm %#llx seg %d", c->text, in->len, in->kind, in->size,
			 in->reg, in->high8, in->reg_size, in->ext,
			 (unsigned long long)in->imm, in->seg);
}

/* Each case decodes from exactly its bytes, and again with more bytes
 * after it, which must not change the result. */
static void test_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		const struct dcase *c = &good[i];
		u8 b[INSN_MAX_LEN + 8];
		struct insn in;
		int err = decode(c->b, c->n, c->mode, &in);

		if (err)
			fail_msg("%s: %s", c->text, insn_strerror(err));
		check(c, &in);
		memset(b, 0xff, sizeof(b));
		memcpy(b, c->b, c->n);
		if (insn_decode(b, sizeof(b), c->mode, &in))
			fail_msg("%s: failed with bytes after it", c->text);
		check(c, &in);
	}
}

static void test_decode_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		const struct dcase *c = &good[i];

		for (u8 n = 0; n < c->n; n++) {
			struct insn in;
			int err = decode(c->b, n, c->mode, &in);

			if (err != INSN_ETRUNC)
				fail_msg("%s: %u of %u bytes gave %d", c->text, n, c->n, err);
		}
	}
}

static void test_decode_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct ecase *c = &bad[i];
		struct insn in;
		int err = decode(c->b, c->n, c->mode, &in);

		if (err != c->err || in.opcode != c->opcode)
			fail_msg("%s: got %d (%s) opcode %#x, want %d opcode %#x", c->text,
				 err, insn_strerror(err), in.opcode, c->err, c->opcode);
	}
}

/* The segment of OUTS as insn_prefixes reads it (hv/exits/portio.c uses
 * it without decode assists); objdump agrees on each. */
static void test_prefixes_outs_segment(void **state)
{
	static const struct {
		const char *text;
		enum insn_mode mode;
		u8 b[4];
		u8 n;
		int seg;
	} cases[] = {
		{ "fs ds outsb", INSN_MODE_64, B(0x64, 0x3e, 0x6e), INSN_SEG_FS },
		{ "ds fs outsb", INSN_MODE_64, B(0x3e, 0x64, 0x6e), INSN_SEG_FS },
		{ "gs es outsb", INSN_MODE_64, B(0x65, 0x26, 0x6e), INSN_SEG_GS },
		{ "fs gs ss outsb", INSN_MODE_64, B(0x64, 0x65, 0x36, 0x6e), INSN_SEG_GS },
		{ "fs ds outsb (32-bit)", INSN_MODE_32, B(0x64, 0x3e, 0x6e), INSN_SEG_DS },
		{ "ds fs outsb (32-bit)", INSN_MODE_32, B(0x3e, 0x64, 0x6e), INSN_SEG_FS },
		{ "gs ss outsb (16-bit)", INSN_MODE_16, B(0x65, 0x36, 0x6e), INSN_SEG_SS },
		{ "outsb", INSN_MODE_64, B(0x6e), -1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct insn_prefixes p;
		u8 len = insn_prefixes(cases[i].b, cases[i].n, cases[i].mode, &p);

		if (len != cases[i].n - 1 || p.seg != cases[i].seg)
			fail_msg("%s: %u prefix bytes, segment %d; want %u, %d", cases[i].text,
				 len, p.seg, cases[i].n - 1, cases[i].seg);
	}
}

static void test_strerror(void **state)
{
	static const int errs[] = { INSN_ETRUNC, INSN_ETOOLONG, INSN_EUNSUPPORTED,
				    INSN_ELOCK, INSN_EREGOP };
	const char *unknown = insn_strerror(-100);

	(void)state;
	assert_non_null(unknown);
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
		const char *s = insn_strerror(errs[i]);

		assert_non_null(s);
		assert_string_not_equal(s, unknown);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, insn_strerror(errs[j]));
	}
}

/* insn_apply against a device that records what it was asked. */
struct dev {
	u64 val;	/* what a read returns */
	int reads, writes;
	u8 size;
	u64 written;
};

static u64 dev_read(void *ctx, u8 size)
{
	struct dev *d = ctx;

	d->reads++;
	d->size = size;
	return d->val;
}

static void dev_write(void *ctx, u8 size, u64 val)
{
	struct dev *d = ctx;

	d->writes++;
	d->size = size;
	d->written = val;
}

#define PATTERN(i) (0x0102030405060708ull * ((i) + 0x11))

/* Registers all different, RIP 0x1000. */
static struct vcpu_regs regs(void)
{
	struct vcpu_regs r = { .rip = 0x1000, .rflags = 0x202 };

	for (int i = 0; i < NR_GPRS; i++)
		r.gpr[i] = PATTERN(i);
	return r;
}

static struct dev run(enum insn_mode mode, const u8 *b, size_t n, struct vcpu_regs *r, u64 val)
{
	struct dev d = { .val = val };
	struct insn in;

	assert_int_equal(decode(b, n, mode, &in), 0);
	assert_int_equal(in.len, n);
	insn_apply(&in, r, mode, dev_read, dev_write, &d);
	assert_int_equal(d.reads + d.writes, 1);
	assert_int_equal(d.size, in.size);
	assert_int_equal(r->rflags, 0x202);
	return d;
}

#define RUN(mode, r, val, ...) \
	run(mode, (const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ }), r, val)

/* Runs a 64-bit load; reg must then hold want, every other register and
 * RIP as expected. */
static void load(u8 reg, u64 want, u64 val, const u8 *b, size_t n)
{
	struct vcpu_regs r = regs();
	struct dev d = run(INSN_MODE_64, b, n, &r, val);

	assert_int_equal(d.reads, 1);
	for (int i = 0; i < NR_GPRS; i++)
		assert_int_equal(r.gpr[i], i == reg ? want : PATTERN(i));
	assert_int_equal(r.rip, 0x1000 + n);
}

#define LOAD(reg, want, val, ...) \
	load(reg, want, val, (const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ }))

static void test_apply_load(void **state)
{
	u64 rax = PATTERN(REG_RAX);

	(void)state;
	/* A device's bits above size are ignored. */
	LOAD(REG_RAX, (rax & ~0xffull) | 0xab, 0xdeadbeefcafe00ab, 0x8a, 0x07);	/* mov al */
	LOAD(REG_RAX, (rax & ~0xff00ull) | 0xab00, 0xab, 0x8a, 0x27);		/* mov ah */
	LOAD(REG_RBX, (PATTERN(REG_RBX) & ~0xff00ull) | 0x1200, 0x12, 0x8a, 0x3f); /* mov bh */
	LOAD(REG_RSP, (PATTERN(REG_RSP) & ~0xffull) | 0x34, 0x34, 0x40, 0x8a, 0x27); /* mov spl */
	LOAD(REG_RAX, (rax & ~0xffffull) | 0x5678, 0x12345678, 0x66, 0x8b, 0x07); /* mov ax */
	LOAD(REG_RAX, 0x87654321, 0xffffffff87654321, 0x8b, 0x07);		/* mov eax */
	LOAD(REG_R15, 0x0123456789abcdef, 0x0123456789abcdef, 0x4d, 0x8b, 0x7d, 0x00);
	LOAD(REG_RAX, 0x1122334455667788, 0x1122334455667788,			/* mov rax, moffs */
	     0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
}

static void test_apply_extend(void **state)
{
	u64 rax = PATTERN(REG_RAX);

	(void)state;
	LOAD(REG_RAX, 0xffffff80, 0x80, 0x0f, 0xbe, 0x07);			/* movsx eax, byte */
	LOAD(REG_RAX, 0xffffffffffffff80, 0x80, 0x48, 0x0f, 0xbe, 0x07);	/* movsx rax, byte */
	LOAD(REG_RAX, 0x7f, 0xffffff7f, 0x48, 0x0f, 0xbe, 0x07);		/* movsx rax, byte */
	LOAD(REG_RAX, (rax & ~0xffffull) | 0xff80, 0x80, 0x66, 0x0f, 0xbe, 0x07); /* movsx ax, byte */
	LOAD(REG_RAX, 0xffffffffffff8000, 0x8000, 0x48, 0x0f, 0xbf, 0x07);	/* movsx rax, word */
	LOAD(REG_RAX, 0xffffffff80000000, 0x80000000, 0x48, 0x63, 0x07);	/* movsxd rax */
	LOAD(REG_RAX, 0x80000000, 0x80000000, 0x63, 0x07);			/* movsxd eax */
	LOAD(REG_RAX, 0xf0, 0xfffffff0, 0x0f, 0xb6, 0x07);			/* movzx eax, byte */
	LOAD(REG_RAX, 0xf0f0, 0xfffff0f0, 0x48, 0x0f, 0xb7, 0x07);		/* movzx rax, word */
	LOAD(REG_RAX, (rax & ~0xffffull) | 0x0080, 0x80, 0x66, 0x0f, 0xb6, 0x07); /* movzx ax, byte */
	LOAD(REG_R11, 0x8000, 0x8000, 0x44, 0x0f, 0xb7, 0x5b, 0x08);		/* movzx r11d, word */
}

/* Runs a 64-bit store; the device must see want in size bytes, and no
 * register but RIP may change. */
static void store(u8 size, u64 want, const struct vcpu_regs *in, const u8 *b, size_t n)
{
	struct vcpu_regs r = *in;
	struct dev d = run(INSN_MODE_64, b, n, &r, 0);

	assert_int_equal(d.writes, 1);
	assert_int_equal(d.size, size);
	assert_int_equal(d.written, want);
	for (int i = 0; i < NR_GPRS; i++)
		assert_int_equal(r.gpr[i], in->gpr[i]);
	assert_int_equal(r.rip, in->rip + n);
}

#define STORE(size, want, r, ...) \
	store(size, want, r, (const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ }))

static void test_apply_store(void **state)
{
	struct vcpu_regs r = regs();

	(void)state;
	r.gpr[REG_RAX] = 0x8877665544332211;
	r.gpr[REG_RCX] = 0xabcd;
	r.gpr[REG_RSP] = 0x7ffc5a;
	r.gpr[REG_R8] = 0xfedcba9876543210;
	r.gpr[REG_R9] = 0x1234567890abcdef;
	STORE(1, 0x22, &r, 0x88, 0x27);				/* mov [rdi], ah */
	STORE(1, 0xab, &r, 0x88, 0x2f);				/* mov [rdi], ch */
	STORE(1, 0x5a, &r, 0x40, 0x88, 0x27);			/* mov [rdi], spl */
	STORE(1, 0x11, &r, 0x88, 0x07);				/* mov [rdi], al */
	STORE(2, 0x2211, &r, 0x66, 0x89, 0x07);			/* mov [rdi], ax */
	STORE(4, 0x44332211, &r, 0x89, 0x07);			/* mov [rdi], eax */
	STORE(8, 0x8877665544332211, &r, 0x48, 0x89, 0x07);	/* mov [rdi], rax */
	STORE(4, 0x90abcdef, &r, 0x44, 0x89, 0x0f);		/* mov [rdi], r9d */
	STORE(8, 0xfedcba9876543210, &r, 0x4c, 0x0f, 0xc3, 0x07); /* movnti [rdi], r8 */
	STORE(2, 0x2211, &r, 0x66, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
	STORE(1, 0x12, &r, 0xc6, 0x07, 0x12);			/* mov byte [rdi], 0x12 */
	STORE(2, 0x1234, &r, 0x66, 0xc7, 0x07, 0x34, 0x12);
	STORE(4, 0x80000000, &r, 0xc7, 0x47, 0x10, 0x00, 0x00, 0x00, 0x80);
	STORE(8, ~0ull, &r, 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff);
}

static u64 rip_after(enum insn_mode mode, u64 rip)
{
	struct vcpu_regs r = regs();

	r.rip = rip;
	RUN(mode, &r, 0, 0x89, 0x47, 0x00);	/* [bx+0] or [edi+0]: 3 bytes */
	return r.rip;
}

static void test_apply_rip(void **state)
{
	(void)state;
	assert_int_equal(rip_after(INSN_MODE_16, 0x1234), 0x1237);
	assert_int_equal(rip_after(INSN_MODE_16, 0xfffe), 0x0001);
	assert_int_equal(rip_after(INSN_MODE_32, 0x12345678), 0x1234567b);
	assert_int_equal(rip_after(INSN_MODE_32, 0xfffffffe), 0x00000001);
	assert_int_equal(rip_after(INSN_MODE_64, 0xfffe), 0x10001);
	assert_int_equal(rip_after(INSN_MODE_64, 0xfffffffe), 0x100000001);
}

/* In 16-bit mode a 32-bit load still clears bits 63:32, and a 16-bit one
 * merges. */
static void test_apply_16(void **state)
{
	struct vcpu_regs r = regs();

	(void)state;
	RUN(INSN_MODE_16, &r, 0x12345678, 0x8b, 0x07);		/* mov ax, [bx] */
	assert_int_equal(r.gpr[REG_RAX], (PATTERN(REG_RAX) & ~0xffffull) | 0x5678);
	RUN(INSN_MODE_16, &r, 0x12345678, 0x66, 0x8b, 0x07);	/* mov eax, [bx] */
	assert_int_equal(r.gpr[REG_RAX], 0x12345678);
	RUN(INSN_MODE_16, &r, 0x9a, 0x8a, 0x37);		/* mov dh, [bx] */
	assert_int_equal(r.gpr[REG_RDX], (PATTERN(REG_RDX) & ~0xff00ull) | 0x9a00);
	assert_int_equal(r.rip, 0x1000 + 2 + 3 + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_prefixes_outs_segment),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_apply_load),
		cmocka_unit_test(test_apply_extend),
		cmocka_unit_test(test_apply_store),
		cmocka_unit_test(test_apply_rip),
		cmocka_unit_test(test_apply_16),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
