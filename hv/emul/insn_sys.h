/* Decoding the instructions lucid completes after an exit: CPUID, RDMSR,
 * WRMSR, INVD, HLT, VMMCALL, VMCALL, XSETBV and MOV to a control or debug
 * register.
 * The hardware says how long each was (nRIP) and which register a MOV to
 * CR or DR used (decode assists) where it can; without those (QEMU's TCG has
 * neither) lucid reads the bytes itself. Prefixes the CPU ignores on these
 * instructions (segment overrides, 66, 67, REX...) count towards the length,
 * so RIP lands after the whole instruction. */
#ifndef HV_INSN_SYS_H
#define HV_INSN_SYS_H

#include "hv/emul/insn.h"

struct insn_sys {
	u8 len;		/* bytes, prefixes included */
	u32 opcode;	/* F4, 0Fxx or 0F01xx; set on INSN_EUNSUPPORTED too */
	u8 reg, gpr;	/* MOV to CR or DR: CRn or DRn, and the source register */
};

/* Decodes bytes[0..n) as one of the instructions above. Returns 0, or
 * INSN_ETRUNC (more bytes needed), INSN_ETOOLONG or INSN_EUNSUPPORTED
 * (another instruction: out->opcode says which). */
int insn_sys_decode(const u8 *bytes, size_t n, enum insn_mode mode, struct insn_sys *out);

#endif
