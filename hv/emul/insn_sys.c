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

/* The opcode at bytes[pos]: out->opcode and out->len (prefixes included),
 * and *modrm for MOV to CR or DR. */
static inline int opcode_at(const u8 *bytes, size_t n, u8 pos, struct insn_sys *out, u8 *modrm)
{
	u8 b[3];
	int err;

	if ((err = byte_at(bytes, n, pos, &b[0])))
		return err;
	out->opcode = b[0];
	if (b[0] == 0xf4) {	/* HLT */
		out->len = pos + 1;
		return 0;
	}
	if (b[0] != 0x0f)
		return INSN_EUNSUPPORTED;
	if ((err = byte_at(bytes, n, pos + 1, &b[1])))
		return err;
	out->opcode = 0x0f00u | b[1];
	switch (b[1]) {
	case 0xa2:	/* CPUID */
	case 0x30:	/* WRMSR */
	case 0x32:	/* RDMSR */
	case 0x08:	/* INVD */
		out->len = pos + 2;
		return 0;
	case 0x01:
	case 0x22:
	case 0x23:
		break;
	default:
		return INSN_EUNSUPPORTED;
	}
	if ((err = byte_at(bytes, n, pos + 2, &b[2])))
		return err;
	out->len = pos + 3;
	*modrm = b[2];
	if (b[1] != 0x01)
		return 0;
	out->opcode = 0x0f0100u | b[2];
	/* VMMCALL, VMCALL, XSETBV */
	return b[2] == 0xd9 || b[2] == 0xc1 || b[2] == 0xd1 ? 0 : INSN_EUNSUPPORTED;
}

int insn_sys_decode(const u8 *bytes, size_t n, enum insn_mode mode, struct insn_sys *out)
{
	struct insn_prefixes p;
	u8 pos = insn_prefixes(bytes, n, mode, &p), modrm = 0;
	int err;

	*out = (struct insn_sys){ 0 };
	err = opcode_at(bytes, n, pos, out, &modrm);
	if (!err && (out->opcode == 0x0f22 || out->opcode == 0x0f23))
		mov_to(modrm, &p, out);
	return err;
}
