/* MMIO instruction decoding and emulation (see insn.h). The decoder walks
 * the bytes once: legacy prefixes and REX, the opcode, then ModRM, SIB,
 * displacement and immediate. The memory operand's address is never
 * computed, only how many bytes encode it, since the fault already gave
 * the address; getting that length right is what keeps RIP right. */
#include "hv/emul/insn.h"
#include "lib/string.h"

#define REX_W 8
#define REX_R 4

/* Decoder state: the bytes, how far we are, and the prefixes seen. */
struct dec {
	const u8 *p;
	size_t n;
	u8 pos;
	struct insn_prefixes pfx;
};

/* Reads k (0..8) bytes little-endian into *v. Both limits are checked
 * byte by byte, so a short buffer is never read past its end. */
static int take(struct dec *d, u8 k, u64 *v)
{
	*v = 0;
	for (u8 i = 0; i < k; i++) {
		if (d->pos >= INSN_MAX_LEN)
			return INSN_ETOOLONG;
		if (d->pos >= d->n)
			return INSN_ETRUNC;
		*v |= (u64)d->p[d->pos++] << (8 * i);
	}
	return 0;
}

static int seg_prefix(u8 b)
{
	switch (b) {
	case 0x26: return INSN_SEG_ES;
	case 0x2e: return INSN_SEG_CS;
	case 0x36: return INSN_SEG_SS;
	case 0x3e: return INSN_SEG_DS;
	case 0x64: return INSN_SEG_FS;
	case 0x65: return INSN_SEG_GS;
	default: return -1;
	}
}

/* The override in effect after prefix seg: the last one, except that 64-bit
 * mode ignores ES, CS, SS and DS, so those leave an FS or GS override. */
static int seg_override(int cur, int seg, enum insn_mode mode)
{
	if (mode == INSN_MODE_64 && seg < INSN_SEG_FS && cur >= INSN_SEG_FS)
		return cur;
	return seg;
}

u8 insn_prefixes(const u8 *bytes, size_t n, enum insn_mode mode, struct insn_prefixes *out)
{
	u8 i;

	*out = (struct insn_prefixes){ .seg = -1 };
	for (i = 0; i < MIN(n, (size_t)INSN_MAX_LEN); i++) {
		u8 b = bytes[i];
		int seg = seg_prefix(b);

		if (mode == INSN_MODE_64 && (b & 0xf0) == 0x40) {
			out->rex = b;
			continue;
		}
		if (seg >= 0)
			out->seg = seg_override(out->seg, seg, mode);
		else if (b == 0xf0)
			out->lock = true;
		else if (b == 0xf2 || b == 0xf3)
			out->rep = true;
		else if (b == 0x66)
			out->opsize = true;
		else if (b == 0x67)
			out->adsize = true;
		else
			break;
		out->rex = 0;
	}
	return i;
}

static u8 operand_size(const struct dec *d, enum insn_mode mode)
{
	if (d->pfx.rex & REX_W)
		return 8;	/* REX.W wins over 66 */
	if (mode == INSN_MODE_16)
		return d->pfx.opsize ? 4 : 2;
	return d->pfx.opsize ? 2 : 4;
}

u8 insn_address_size(enum insn_mode mode, bool adsize)
{
	if (mode == INSN_MODE_64)
		return adsize ? 4 : 8;
	if (mode == INSN_MODE_16)
		return adsize ? 4 : 2;
	return adsize ? 2 : 4;
}

/* Consumes ModRM and whatever SIB and displacement follow it. */
static int modrm(struct dec *d, u8 asize, u8 *m)
{
	u64 b, sib = 0, disp;
	u8 mod, rm, dlen;
	int err = take(d, 1, &b);

	if (err)
		return err;
	*m = b;
	mod = b >> 6;
	rm = b & 7;
	if (mod == 3)
		return 0;
	if (asize == 2) {
		/* 16-bit forms: no SIB; [disp16] takes the place of [bp]. */
		dlen = mod == 1 ? 1 : mod == 2 || rm == 6 ? 2 : 0;
		return take(d, dlen, &disp);
	}
	if (rm == 4 && (err = take(d, 1, &sib)))
		return err;
	/* mod 0 with rm 5 is [disp32] (RIP-relative in 64-bit mode), with
	 * SIB base 5 it is [index*scale + disp32]. REX.B plays no part. */
	if (mod == 1)
		dlen = 1;
	else if (mod == 2 || rm == 5 || (rm == 4 && (sib & 7) == 5))
		dlen = 4;
	else
		dlen = 0;
	return take(d, dlen, &disp);
}

/* Fills in the opcode's operands; *has_modrm for the forms that take one. */
static int opcode(struct dec *d, enum insn_mode mode, u16 op, struct insn *out,
		  bool *has_modrm)
{
	u8 osize = operand_size(d, mode);

	*has_modrm = true;
	out->reg_size = 0;
	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		out->kind = op & 2 ? INSN_LOAD : INSN_STORE;
		out->size = op & 1 ? osize : 1;
		break;
	case 0xc6: case 0xc7:
		out->kind = INSN_STORE_IMM;
		out->size = op & 1 ? osize : 1;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		out->kind = op & 2 ? INSN_STORE : INSN_LOAD;
		out->size = op & 1 ? osize : 1;
		*has_modrm = false;
		break;
	case 0x63:
		if (mode != INSN_MODE_64)
			return INSN_EUNSUPPORTED;	/* ARPL */
		out->kind = INSN_LOAD;
		out->size = MIN(osize, 4);
		out->reg_size = osize;
		out->ext = INSN_EXT_SIGN;
		break;
	case 0x0fb6: case 0x0fb7: case 0x0fbe: case 0x0fbf:
		out->kind = INSN_LOAD;
		out->size = op & 1 ? 2 : 1;
		out->reg_size = osize;
		out->ext = op & 8 ? INSN_EXT_SIGN : INSN_EXT_ZERO;
		break;
	case 0x0fc3:
		/* MOVNTI is 32-bit unless REX.W; 66/F2/F3 make it #UD. */
		if (d->pfx.opsize || d->pfx.rep)
			return INSN_EUNSUPPORTED;
		out->kind = INSN_STORE;
		out->size = d->pfx.rex & REX_W ? 8 : 4;
		break;
	default:
		return INSN_EUNSUPPORTED;
	}
	if (!out->reg_size)
		out->reg_size = out->size;
	return 0;
}

int insn_decode(const u8 *bytes, size_t n, enum insn_mode mode, struct insn *out)
{
	struct dec d = { .p = bytes, .n = n };
	u64 v;
	u8 m = 0;
	bool has_modrm;
	int err;

	memset(out, 0, sizeof(*out));
	out->seg = -1;
	d.pos = insn_prefixes(bytes, n, mode, &d.pfx);
	if ((err = take(&d, 1, &v)))
		return err;
	out->opcode = (u16)v;
	if (v == 0x0f) {
		if ((err = take(&d, 1, &v)))
			return err;
		out->opcode = (u16)(0x0f00 | v);
	}
	if ((err = opcode(&d, mode, out->opcode, out, &has_modrm)))
		return err;

	if (has_modrm) {
		if ((err = modrm(&d, insn_address_size(mode, d.pfx.adsize), &m)))
			return err;
		out->reg = (m >> 3 & 7) | (d.pfx.rex & REX_R ? 8 : 0);
		if (out->kind == INSN_STORE_IMM && (m >> 3 & 7))
			return INSN_EUNSUPPORTED;	/* C6/C7 /1../7 */
	} else if ((err = take(&d, insn_address_size(mode, d.pfx.adsize), &v))) {
		return err;	/* moffs */
	}
	if (out->kind == INSN_STORE_IMM) {
		if ((err = take(&d, MIN(out->size, 4), &v)))
			return err;
		out->imm = out->size == 8 ? (u64)(s64)(s32)v : v;
	}
	/* Without a REX, byte registers 4..7 are AH, CH, DH, BH. */
	if (out->reg_size == 1 && !d.pfx.rex && out->reg >= 4) {
		out->reg -= 4;
		out->high8 = true;
	}
	if (mode != INSN_MODE_64 || d.pfx.seg >= INSN_SEG_FS)
		out->seg = d.pfx.seg;
	out->len = d.pos;

	if (d.pfx.lock)
		return INSN_ELOCK;
	if (m >> 6 == 3)
		return INSN_EREGOP;
	return 0;
}

const char *insn_strerror(int err)
{
	switch (err) {
	case 0: return "no error";
	case INSN_ETRUNC: return "instruction bytes ran out";
	case INSN_ETOOLONG: return "instruction longer than 15 bytes";
	case INSN_EUNSUPPORTED: return "not a supported MMIO instruction";
	case INSN_ELOCK: return "LOCK prefix on a move";
	case INSN_EREGOP: return "register operand, not memory";
	default: return "unknown instruction decode error";
	}
}

/* The register's low size bytes (bits 15:8 for AH..BH). */
static u64 get_reg(const struct vcpu_regs *r, const struct insn *in)
{
	u64 v = r->gpr[in->reg];

	return (in->high8 ? v >> 8 : v) & BYTES_MASK(in->reg_size);
}

/* Writes as a MOV does: a 32-bit destination clears bits 63:32, an 8- or
 * 16-bit one leaves every other bit alone. */
static void set_reg(struct vcpu_regs *r, const struct insn *in, u64 v)
{
	u64 *g = &r->gpr[in->reg];
	u64 m = BYTES_MASK(in->reg_size);

	if (in->high8)
		*g = (*g & ~0xff00ull) | (v & 0xff) << 8;
	else if (in->reg_size == 4)
		*g = v & m;
	else
		*g = (*g & ~m) | (v & m);
}

void insn_apply(const struct insn *in, struct vcpu_regs *regs, enum insn_mode mode,
		u64 (*read)(void *ctx, u8 size),
		void (*write)(void *ctx, u8 size, u64 val), void *ctx)
{
	if (in->kind == INSN_LOAD) {
		u64 v = read(ctx, in->size) & BYTES_MASK(in->size);
		u64 sign = 1ull << (8 * in->size - 1);

		if (in->ext == INSN_EXT_SIGN && in->size < 8 && (v & sign))
			v |= ~BYTES_MASK(in->size);
		set_reg(regs, in, v);
	} else {
		write(ctx, in->size, in->kind == INSN_STORE ? get_reg(regs, in) : in->imm);
	}
	regs->rip += in->len;
	if (mode == INSN_MODE_16)
		regs->rip &= 0xffff;
	else if (mode == INSN_MODE_32)
		regs->rip &= 0xffffffff;
}
