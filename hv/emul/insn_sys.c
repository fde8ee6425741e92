/* Decoding the instructions lucid completes after an exit (insn_sys.h):
 * prefixes, then an opcode of one to three bytes, then for MOV to CR or
 * DR a ModRM byte whose mod field the CPU ignores. */
#include "hv/emul/insn_sys.h"

#define REX_R 4
#define REX_B 1

/* The byte at pos, within the n bytes and the 15 an instruction may have. */
static int byte_at(const u8 *bytes, size_t n, u8 pos, u8 *b)
{
	if (pos >= INSN_MAX_LEN)
		return INSN_ETOOLONG;
	if (pos >= n)
		return INSN_ETRUNC;
	*b = bytes[pos];
	return 0;
}

/* MOV to CR (0F 22 /r) and to DR (0F 23 /r): ModRM.reg is the CR or DR
 * (REX.R adds 8), ModRM.rm the register (REX.B adds 8). AMD also reads
 * LOCK MOV CR0 as CR8, the way to it outside 64-bit mode. */
static void mov_to(u8 modrm, const struct insn_prefixes *p, struct insn_sys *out)
{
	out->reg = (u8)(((modrm >> 3) & 7) | ((p->rex & REX_R) ? 8 : 0));
	out->gpr = (u8)((modrm & 7) | ((p->rex & REX_B) ? 8 : 0));
	if (p->lock && out->reg == 0 && out->opcode == 0x0f22)
		out->reg = 8;
}

/* The instructions above by their opcode bytes. */
static bool known(u32 opcode)
{
	switch (opcode) {
	case 0xf4:	/* HLT */
	case 0x0fa2:	/* CPUID */
	case 0x0f30:	/* WRMSR */
	case 0x0f32:	/* RDMSR */
	case 0x0f08:	/* INVD */
	case 0x0f22:	/* MOV to CR, ModRM follows */
	case 0x0f23:	/* MOV to DR, ModRM follows */
	case 0x0f01d9:	/* VMMCALL */
	case 0x0f01c1:	/* VMCALL */
	case 0x0f01d1:	/* XSETBV */
		return true;
	default:
		return false;
	}
}

int insn_sys_decode(const u8 *bytes, size_t n, enum insn_mode mode, struct insn_sys *out)
{
	struct insn_prefixes p;
	u8 pos = insn_prefixes(bytes, n, mode, &p), b;
	int err;

	/* The opcode, a byte at a time for as long as it may still become
	 * one of them. */
	*out = (struct insn_sys){ 0 };
	do {
		if ((err = byte_at(bytes, n, pos++, &b)))
			return err;
		out->opcode = out->opcode << 8 | b;
		if (!known(out->opcode) && out->opcode != 0x0f && out->opcode != 0x0f01)
			return INSN_EUNSUPPORTED;
	} while (!known(out->opcode));
	if (out->opcode == 0x0f22 || out->opcode == 0x0f23) {
		if ((err = byte_at(bytes, n, pos++, &b)))
			return err;
		mov_to(b, &p, out);
	}
	out->len = pos;
	return 0;
}
