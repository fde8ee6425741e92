/* Decoding and emulating the instructions a guest uses to touch MMIO.
 *
 * A nested-page fault on a device address gives lucid the guest-physical
 * address but, without decode assists, not the instruction. lucid fetches
 * up to 15 bytes at the guest's RIP, decodes them here, performs the access
 * against the device and updates the registers as the CPU would have.
 *
 * Only the plain moves compilers and drivers use for MMIO are supported:
 *   88/89/8A/8B    MOV r/m,r and MOV r,r/m
 *   C6 /0, C7 /0   MOV r/m,imm (imm32 sign-extended under REX.W)
 *   A0-A3          MOV AL/eAX <-> moffs (moffs as wide as the address size)
 *   0F B6/B7/BE/BF MOVZX, MOVSX
 *   63             MOVSXD (64-bit mode only)
 *   0F C3          MOVNTI
 * with prefixes 66, 67, segment overrides, REX, and F2/F3 (ignored).
 * ModRM, SIB and displacements are decoded only for their length: the
 * address comes from the fault. */
#ifndef HV_INSN_H
#define HV_INSN_H

#include "lib/types.h"
#include "arch/x86/virt.h"

#define INSN_MAX_LEN 15

/* The code segment's default operand and address size; INSN_MODE_64 is
 * 64-bit code in long mode (compatibility mode is 16 or 32). */
enum insn_mode { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };

enum insn_kind {
	INSN_LOAD,	/* memory -> register, MOVZX/MOVSX/MOVSXD included */
	INSN_STORE,	/* register -> memory */
	INSN_STORE_IMM,	/* immediate -> memory */
};

/* How a load widens the value read to the register. */
enum insn_ext { INSN_EXT_NONE, INSN_EXT_ZERO, INSN_EXT_SIGN };

/* Segment override prefixes, numbered as in a segment register field. */
enum insn_seg { INSN_SEG_ES, INSN_SEG_CS, INSN_SEG_SS, INSN_SEG_DS,
		INSN_SEG_FS, INSN_SEG_GS };

/* Decode errors: all negative, each a different reason. */
enum {
	INSN_ETRUNC = -1,	/* the bytes ended before the instruction did */
	INSN_ETOOLONG = -2,	/* longer than 15 bytes: the CPU raises #GP */
	INSN_EUNSUPPORTED = -3,	/* not one of the moves above (see opcode) */
	INSN_ELOCK = -4,	/* LOCK on a move: the CPU raises #UD */
	INSN_EREGOP = -5,	/* ModRM.mod = 3: a register, not memory */
};

struct insn {
	u8 len;		/* bytes, prefixes included */
	enum insn_kind kind;
	u8 size;	/* memory operand: 1, 2, 4 or 8 bytes */
	u8 reg;		/* the register, as an index into vcpu_regs.gpr */
	bool high8;	/* reg's bits 15:8: AH, CH, DH or BH (reg 0..3) */
	u8 reg_size;	/* register width: differs from size for MOVZX/MOVSX */
	enum insn_ext ext;
	u64 imm;	/* INSN_STORE_IMM: the value, sign-extended to size */
	int seg;	/* enum insn_seg override in effect, or -1 (64-bit mode
			 * ignores ES, CS, SS and DS overrides: -1 there) */
	u16 opcode;	/* the opcode, 0x0Fxx for two bytes; set on errors too
			 * once read, for reporting an unsupported one */
};

/* The code's default address size (2, 4, or 8 for 64-bit code) as a mode. */
static inline enum insn_mode insn_mode_of(u8 default_addr_size)
{
	return default_addr_size == 8 ? INSN_MODE_64 :
	       default_addr_size == 4 ? INSN_MODE_32 : INSN_MODE_16;
}

/* The legacy prefixes and REX in front of an opcode. */
struct insn_prefixes {
	int seg;	/* enum insn_seg of the last override, or -1; in 64-bit
			 * mode ES, CS, SS, DS never replace FS or GS */
	bool lock, rep, opsize, adsize;
	u8 rex;		/* only right before the opcode, only in 64-bit mode */
};

/* Reads the prefixes at bytes[0..n) (at most 15 bytes). Returns how many
 * bytes they take: the opcode's offset, or all the bytes read if no
 * opcode came. */
u8 insn_prefixes(const u8 *bytes, size_t n, enum insn_mode mode, struct insn_prefixes *out);
/* The address size (2, 4 or 8) in `mode`, with or without a 67 prefix. */
u8 insn_address_size(enum insn_mode mode, bool adsize);

/* Decodes the instruction at bytes[0..n). Returns 0 and fills *out, or one
 * of the INSN_E* errors; never reads past bytes[n-1] nor past 15 bytes. */
int insn_decode(const u8 *bytes, size_t n, enum insn_mode mode, struct insn *out);

/* What an INSN_E* error means, for log lines. */
const char *insn_strerror(int err);

/* Performs a decoded access. A load calls read(ctx, size), uses its low
 * size bytes and writes the register as the CPU does: a 32-bit register is
 * zero-extended to 64 bits, 8- and 16-bit ones keep the other bits. A
 * store calls write(ctx, size, value) with the register's low size bytes
 * or the immediate. Then RIP moves past the instruction, wrapping at 64 KiB
 * in 16-bit mode and at 4 GiB in 32-bit mode. */
void insn_apply(const struct insn *in, struct vcpu_regs *regs, enum insn_mode mode,
		u64 (*read)(void *ctx, u8 size),
		void (*write)(void *ctx, u8 size, u64 val), void *ctx);

#endif
