/* The Intel Virtual Machine Control Structure (SDM vol. 3C, chapter 25,
 * and appendix B for the encodings): what a VMX back end reads and writes
 * with VMREAD/VMWRITE, the control bits it sets, the exit reasons and
 * error numbers it gets back, and the capability MSRs that say what this
 * CPU allows.
 *
 * Unlike the VMCB, the VMCS has no layout software may rely on: a field
 * is named by a 32-bit encoding (SDM 25.11.2) that also carries the
 * field's width and type:
 *   bit 0       access: 0 the whole field, 1 the high 32 bits of a 64-bit
 *               one (lucid runs in 64-bit mode and always reads it whole)
 *   bits 9:1    index
 *   bits 11:10  type: 0 control, 1 read-only data (exit information),
 *               2 guest state, 3 host state
 *   bits 14:13  width: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural (64-bit)
 *   bit 12 and bits 31:15 are 0.
 * Each group below is checked against its width and type, so a typo in an
 * encoding stops the build. */
#ifndef ARCH_X86_VMX_VMCS_H
#define ARCH_X86_VMX_VMCS_H

#include "lib/types.h"

#define VMCS_ENC_HIGH     (1u << 0)
#define VMCS_ENC_RESERVED 0xffff9000u	/* bit 12, bits 31:15 */
#define VMCS_TYPE(enc)    (((enc) >> 10) & 3u)
#define VMCS_WIDTH(enc)   (((enc) >> 13) & 3u)

#define VMCS_TYPE_CONTROL  0u
#define VMCS_TYPE_READONLY 1u
#define VMCS_TYPE_GUEST    2u
#define VMCS_TYPE_HOST     3u
#define VMCS_WIDTH_16      0u
#define VMCS_WIDTH_64      1u
#define VMCS_WIDTH_32      2u
#define VMCS_WIDTH_NATURAL 3u

/* The encoding names a whole field of the width and type of its group. */
#define VMCS_CHECK(f, width, type)                                            \
	_Static_assert(VMCS_WIDTH(f) == VMCS_WIDTH_##width &&                 \
		       VMCS_TYPE(f) == VMCS_TYPE_##type &&                    \
		       !((f) & (VMCS_ENC_HIGH | VMCS_ENC_RESERVED)),          \
		       #f " is not of width " #width ", type " #type)

/* 16-bit control fields */
#define VMCS_VPID                   0x0000
#define VMCS_POSTED_INTR_VECTOR     0x0002
#define VMCS_EPTP_INDEX             0x0004
VMCS_CHECK(VMCS_VPID, 16, CONTROL);
VMCS_CHECK(VMCS_POSTED_INTR_VECTOR, 16, CONTROL);
VMCS_CHECK(VMCS_EPTP_INDEX, 16, CONTROL);

/* 16-bit guest-state fields: selectors, ES to TR in steps of 2 */
#define VMCS_GUEST_ES_SEL           0x0800
#define VMCS_GUEST_CS_SEL           0x0802
#define VMCS_GUEST_SS_SEL           0x0804
#define VMCS_GUEST_DS_SEL           0x0806
#define VMCS_GUEST_FS_SEL           0x0808
#define VMCS_GUEST_GS_SEL           0x080a
#define VMCS_GUEST_LDTR_SEL         0x080c
#define VMCS_GUEST_TR_SEL           0x080e
#define VMCS_GUEST_INTR_STATUS      0x0810
#define VMCS_GUEST_PML_INDEX        0x0812
VMCS_CHECK(VMCS_GUEST_ES_SEL, 16, GUEST);
VMCS_CHECK(VMCS_GUEST_CS_SEL, 16, GUEST);
VMCS_CHECK(VMCS_GUEST_SS_SEL, 16, GUEST);
VMCS_CHECK(VMCS_GUEST_DS_SEL, 16, GUEST);
VMCS_CHECK(VMCS_GUEST_FS_SEL, 16, GUEST);
VMCS_CHECK(VMCS_GUEST_GS_SEL, 16, GUEST);
VMCS_CHECK(VMCS_GUEST_LDTR_SEL, 16, GUEST);
VMCS_CHECK(VMCS_GUEST_TR_SEL, 16, GUEST);
VMCS_CHECK(VMCS_GUEST_INTR_STATUS, 16, GUEST);
VMCS_CHECK(VMCS_GUEST_PML_INDEX, 16, GUEST);

/* 16-bit host-state fields */
#define VMCS_HOST_ES_SEL            0x0c00
#define VMCS_HOST_CS_SEL            0x0c02
#define VMCS_HOST_SS_SEL            0x0c04
#define VMCS_HOST_DS_SEL            0x0c06
#define VMCS_HOST_FS_SEL            0x0c08
#define VMCS_HOST_GS_SEL            0x0c0a
#define VMCS_HOST_TR_SEL            0x0c0c
VMCS_CHECK(VMCS_HOST_ES_SEL, 16, HOST);
VMCS_CHECK(VMCS_HOST_CS_SEL, 16, HOST);
VMCS_CHECK(VMCS_HOST_SS_SEL, 16, HOST);
VMCS_CHECK(VMCS_HOST_DS_SEL, 16, HOST);
VMCS_CHECK(VMCS_HOST_FS_SEL, 16, HOST);
VMCS_CHECK(VMCS_HOST_GS_SEL, 16, HOST);
VMCS_CHECK(VMCS_HOST_TR_SEL, 16, HOST);

/* 64-bit control fields: physical addresses unless said otherwise */
#define VMCS_IO_BITMAP_A            0x2000	/* ports 0000-7fff */
#define VMCS_IO_BITMAP_B            0x2002	/* ports 8000-ffff */
#define VMCS_MSR_BITMAP             0x2004
#define VMCS_EXIT_MSR_STORE_ADDR    0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR     0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR    0x200a
#define VMCS_EXECUTIVE_VMCS_PTR     0x200c
#define VMCS_PML_ADDR               0x200e
#define VMCS_TSC_OFFSET             0x2010	/* a value */
#define VMCS_VIRTUAL_APIC_ADDR      0x2012
#define VMCS_APIC_ACCESS_ADDR       0x2014
#define VMCS_POSTED_INTR_DESC_ADDR  0x2016
#define VMCS_VMFUNC_CONTROLS        0x2018	/* a value */
#define VMCS_EPT_POINTER            0x201a
#define VMCS_EOI_EXIT_BITMAP0       0x201c	/* vectors 0-63; 1-3 follow */
#define VMCS_EOI_EXIT_BITMAP1       0x201e
#define VMCS_EOI_EXIT_BITMAP2       0x2020
#define VMCS_EOI_EXIT_BITMAP3       0x2022
#define VMCS_EPTP_LIST_ADDR         0x2024
#define VMCS_VMREAD_BITMAP          0x2026
#define VMCS_VMWRITE_BITMAP         0x2028
#define VMCS_VE_INFO_ADDR           0x202a
#define VMCS_XSS_EXIT_BITMAP        0x202c	/* a value */
#define VMCS_TSC_MULTIPLIER         0x2032	/* a value */
VMCS_CHECK(VMCS_IO_BITMAP_A, 64, CONTROL);
VMCS_CHECK(VMCS_IO_BITMAP_B, 64, CONTROL);
VMCS_CHECK(VMCS_MSR_BITMAP, 64, CONTROL);
VMCS_CHECK(VMCS_EXIT_MSR_STORE_ADDR, 64, CONTROL);
VMCS_CHECK(VMCS_EXIT_MSR_LOAD_ADDR, 64, CONTROL);
VMCS_CHECK(VMCS_ENTRY_MSR_LOAD_ADDR, 64, CONTROL);
VMCS_CHECK(VMCS_EXECUTIVE_VMCS_PTR, 64, CONTROL);
VMCS_CHECK(VMCS_PML_ADDR, 64, CONTROL);
VMCS_CHECK(VMCS_TSC_OFFSET, 64, CONTROL);
VMCS_CHECK(VMCS_VIRTUAL_APIC_ADDR, 64, CONTROL);
VMCS_CHECK(VMCS_APIC_ACCESS_ADDR, 64, CONTROL);
VMCS_CHECK(VMCS_POSTED_INTR_DESC_ADDR, 64, CONTROL);
VMCS_CHECK(VMCS_VMFUNC_CONTROLS, 64, CONTROL);
VMCS_CHECK(VMCS_EPT_POINTER, 64, CONTROL);
VMCS_CHECK(VMCS_EOI_EXIT_BITMAP0, 64, CONTROL);
VMCS_CHECK(VMCS_EOI_EXIT_BITMAP1, 64, CONTROL);
VMCS_CHECK(VMCS_EOI_EXIT_BITMAP2, 64, CONTROL);
VMCS_CHECK(VMCS_EOI_EXIT_BITMAP3, 64, CONTROL);
VMCS_CHECK(VMCS_EPTP_LIST_ADDR, 64, CONTROL);
VMCS_CHECK(VMCS_VMREAD_BITMAP, 64, CONTROL);
VMCS_CHECK(VMCS_VMWRITE_BITMAP, 64, CONTROL);
VMCS_CHECK(VMCS_VE_INFO_ADDR, 64, CONTROL);
VMCS_CHECK(VMCS_XSS_EXIT_BITMAP, 64, CONTROL);
VMCS_CHECK(VMCS_TSC_MULTIPLIER, 64, CONTROL);

/* 64-bit read-only data field */
#define VMCS_GUEST_PHYS_ADDR        0x2400	/* of an EPT violation or misconfiguration */
VMCS_CHECK(VMCS_GUEST_PHYS_ADDR, 64, READONLY);

/* 64-bit guest-state fields */
#define VMCS_LINK_POINTER           0x2800	/* all ones: no shadow VMCS */
#define VMCS_GUEST_DEBUGCTL         0x2802
#define VMCS_GUEST_PAT              0x2804
#define VMCS_GUEST_EFER             0x2806
#define VMCS_GUEST_PERF_GLOBAL_CTRL 0x2808
#define VMCS_GUEST_PDPTE0           0x280a	/* PAE paging with EPT; 1-3 follow */
#define VMCS_GUEST_PDPTE1           0x280c
#define VMCS_GUEST_PDPTE2           0x280e
#define VMCS_GUEST_PDPTE3           0x2810
#define VMCS_GUEST_BNDCFGS          0x2812
VMCS_CHECK(VMCS_LINK_POINTER, 64, GUEST);
VMCS_CHECK(VMCS_GUEST_DEBUGCTL, 64, GUEST);
VMCS_CHECK(VMCS_GUEST_PAT, 64, GUEST);
VMCS_CHECK(VMCS_GUEST_EFER, 64, GUEST);
VMCS_CHECK(VMCS_GUEST_PERF_GLOBAL_CTRL, 64, GUEST);
VMCS_CHECK(VMCS_GUEST_PDPTE0, 64, GUEST);
VMCS_CHECK(VMCS_GUEST_PDPTE1, 64, GUEST);
VMCS_CHECK(VMCS_GUEST_PDPTE2, 64, GUEST);
VMCS_CHECK(VMCS_GUEST_PDPTE3, 64, GUEST);
VMCS_CHECK(VMCS_GUEST_BNDCFGS, 64, GUEST);

/* 64-bit host-state fields */
#define VMCS_HOST_PAT               0x2c00
#define VMCS_HOST_EFER              0x2c02
#define VMCS_HOST_PERF_GLOBAL_CTRL  0x2c04
VMCS_CHECK(VMCS_HOST_PAT, 64, HOST);
VMCS_CHECK(VMCS_HOST_EFER, 64, HOST);
VMCS_CHECK(VMCS_HOST_PERF_GLOBAL_CTRL, 64, HOST);

/* 32-bit control fields */
#define VMCS_PIN_CONTROLS           0x4000	/* VMX_PIN_* */
#define VMCS_PROC_CONTROLS          0x4002	/* VMX_PROC_* */
#define VMCS_EXCEPTION_BITMAP       0x4004	/* one bit per vector */
#define VMCS_PF_ERROR_MASK          0x4006
#define VMCS_PF_ERROR_MATCH         0x4008
#define VMCS_CR3_TARGET_COUNT       0x400a
#define VMCS_EXIT_CONTROLS          0x400c	/* VMX_EXIT_CTL_* */
#define VMCS_EXIT_MSR_STORE_COUNT   0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT    0x4010
#define VMCS_ENTRY_CONTROLS         0x4012	/* VMX_ENTRY_CTL_* */
#define VMCS_ENTRY_MSR_LOAD_COUNT   0x4014
#define VMCS_ENTRY_INTR_INFO        0x4016	/* the event to inject: VMX_INTR_* */
#define VMCS_ENTRY_EXC_ERROR_CODE   0x4018
#define VMCS_ENTRY_INSN_LEN         0x401a	/* of a software interrupt or exception */
#define VMCS_TPR_THRESHOLD          0x401c
#define VMCS_PROC2_CONTROLS         0x401e	/* VMX_PROC2_* */
#define VMCS_PLE_GAP                0x4020
#define VMCS_PLE_WINDOW             0x4022
VMCS_CHECK(VMCS_PIN_CONTROLS, 32, CONTROL);
VMCS_CHECK(VMCS_PROC_CONTROLS, 32, CONTROL);
VMCS_CHECK(VMCS_EXCEPTION_BITMAP, 32, CONTROL);
VMCS_CHECK(VMCS_PF_ERROR_MASK, 32, CONTROL);
VMCS_CHECK(VMCS_PF_ERROR_MATCH, 32, CONTROL);
VMCS_CHECK(VMCS_CR3_TARGET_COUNT, 32, CONTROL);
VMCS_CHECK(VMCS_EXIT_CONTROLS, 32, CONTROL);
VMCS_CHECK(VMCS_EXIT_MSR_STORE_COUNT, 32, CONTROL);
VMCS_CHECK(VMCS_EXIT_MSR_LOAD_COUNT, 32, CONTROL);
VMCS_CHECK(VMCS_ENTRY_CONTROLS, 32, CONTROL);
VMCS_CHECK(VMCS_ENTRY_MSR_LOAD_COUNT, 32, CONTROL);
VMCS_CHECK(VMCS_ENTRY_INTR_INFO, 32, CONTROL);
VMCS_CHECK(VMCS_ENTRY_EXC_ERROR_CODE, 32, CONTROL);
VMCS_CHECK(VMCS_ENTRY_INSN_LEN, 32, CONTROL);
VMCS_CHECK(VMCS_TPR_THRESHOLD, 32, CONTROL);
VMCS_CHECK(VMCS_PROC2_CONTROLS, 32, CONTROL);
VMCS_CHECK(VMCS_PLE_GAP, 32, CONTROL);
VMCS_CHECK(VMCS_PLE_WINDOW, 32, CONTROL);

/* 32-bit read-only data fields: what the last exit or VMX instruction said */
#define VMCS_INSN_ERROR             0x4400	/* VMX_INSN_ERR_* */
#define VMCS_EXIT_REASON            0x4402	/* VMX_EXIT_* in bits 15:0 */
#define VMCS_EXIT_INTR_INFO         0x4404	/* VMX_INTR_* */
#define VMCS_EXIT_INTR_ERROR_CODE   0x4406
#define VMCS_IDT_VECTORING_INFO     0x4408	/* VMX_INTR_*: the event the exit cut off */
#define VMCS_IDT_VECTORING_ERROR    0x440a
#define VMCS_EXIT_INSN_LEN          0x440c
#define VMCS_EXIT_INSN_INFO         0x440e
VMCS_CHECK(VMCS_INSN_ERROR, 32, READONLY);
VMCS_CHECK(VMCS_EXIT_REASON, 32, READONLY);
VMCS_CHECK(VMCS_EXIT_INTR_INFO, 32, READONLY);
VMCS_CHECK(VMCS_EXIT_INTR_ERROR_CODE, 32, READONLY);
VMCS_CHECK(VMCS_IDT_VECTORING_INFO, 32, READONLY);
VMCS_CHECK(VMCS_IDT_VECTORING_ERROR, 32, READONLY);
VMCS_CHECK(VMCS_EXIT_INSN_LEN, 32, READONLY);
VMCS_CHECK(VMCS_EXIT_INSN_INFO, 32, READONLY);

/* 32-bit guest-state fields: limits and access rights, ES to TR (then
 * GDTR and IDTR limits) in steps of 2 */
#define VMCS_GUEST_ES_LIMIT         0x4800
#define VMCS_GUEST_CS_LIMIT         0x4802
#define VMCS_GUEST_SS_LIMIT         0x4804
#define VMCS_GUEST_DS_LIMIT         0x4806
#define VMCS_GUEST_FS_LIMIT         0x4808
#define VMCS_GUEST_GS_LIMIT         0x480a
#define VMCS_GUEST_LDTR_LIMIT       0x480c
#define VMCS_GUEST_TR_LIMIT         0x480e
#define VMCS_GUEST_GDTR_LIMIT       0x4810
#define VMCS_GUEST_IDTR_LIMIT       0x4812
#define VMCS_GUEST_ES_AR            0x4814
#define VMCS_GUEST_CS_AR            0x4816
#define VMCS_GUEST_SS_AR            0x4818
#define VMCS_GUEST_DS_AR            0x481a
#define VMCS_GUEST_FS_AR            0x481c
#define VMCS_GUEST_GS_AR            0x481e
#define VMCS_GUEST_LDTR_AR          0x4820
#define VMCS_GUEST_TR_AR            0x4822
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824	/* VMX_INTERRUPTIBILITY_* */
#define VMCS_GUEST_ACTIVITY         0x4826	/* VMX_ACTIVITY_* */
#define VMCS_GUEST_SMBASE           0x4828
#define VMCS_GUEST_SYSENTER_CS      0x482a
#define VMCS_PREEMPT_TIMER_VALUE    0x482e
VMCS_CHECK(VMCS_GUEST_ES_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_CS_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_SS_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_DS_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_FS_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_GS_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_LDTR_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_TR_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_GDTR_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_IDTR_LIMIT, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_ES_AR, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_CS_AR, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_SS_AR, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_DS_AR, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_FS_AR, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_GS_AR, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_LDTR_AR, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_TR_AR, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_INTERRUPTIBILITY, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_ACTIVITY, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_SMBASE, 32, GUEST);
VMCS_CHECK(VMCS_GUEST_SYSENTER_CS, 32, GUEST);
VMCS_CHECK(VMCS_PREEMPT_TIMER_VALUE, 32, GUEST);

/* 32-bit host-state field */
#define VMCS_HOST_SYSENTER_CS       0x4c00
VMCS_CHECK(VMCS_HOST_SYSENTER_CS, 32, HOST);

/* Natural-width control fields */
#define VMCS_CR0_GUEST_HOST_MASK    0x6000	/* bits the host owns: writes exit */
#define VMCS_CR4_GUEST_HOST_MASK    0x6002
#define VMCS_CR0_READ_SHADOW        0x6004	/* what the guest reads of those bits */
#define VMCS_CR4_READ_SHADOW        0x6006
#define VMCS_CR3_TARGET0            0x6008
#define VMCS_CR3_TARGET1            0x600a
#define VMCS_CR3_TARGET2            0x600c
#define VMCS_CR3_TARGET3            0x600e
VMCS_CHECK(VMCS_CR0_GUEST_HOST_MASK, NATURAL, CONTROL);
VMCS_CHECK(VMCS_CR4_GUEST_HOST_MASK, NATURAL, CONTROL);
VMCS_CHECK(VMCS_CR0_READ_SHADOW, NATURAL, CONTROL);
VMCS_CHECK(VMCS_CR4_READ_SHADOW, NATURAL, CONTROL);
VMCS_CHECK(VMCS_CR3_TARGET0, NATURAL, CONTROL);
VMCS_CHECK(VMCS_CR3_TARGET1, NATURAL, CONTROL);
VMCS_CHECK(VMCS_CR3_TARGET2, NATURAL, CONTROL);
VMCS_CHECK(VMCS_CR3_TARGET3, NATURAL, CONTROL);

/* Natural-width read-only data fields */
#define VMCS_EXIT_QUALIFICATION     0x6400
#define VMCS_IO_RCX                 0x6402	/* an SMI that followed I/O */
#define VMCS_IO_RSI                 0x6404
#define VMCS_IO_RDI                 0x6406
#define VMCS_IO_RIP                 0x6408
#define VMCS_GUEST_LINEAR_ADDR      0x640a
VMCS_CHECK(VMCS_EXIT_QUALIFICATION, NATURAL, READONLY);
VMCS_CHECK(VMCS_IO_RCX, NATURAL, READONLY);
VMCS_CHECK(VMCS_IO_RSI, NATURAL, READONLY);
VMCS_CHECK(VMCS_IO_RDI, NATURAL, READONLY);
VMCS_CHECK(VMCS_IO_RIP, NATURAL, READONLY);
VMCS_CHECK(VMCS_GUEST_LINEAR_ADDR, NATURAL, READONLY);

/* Natural-width guest-state fields */
#define VMCS_GUEST_CR0              0x6800
#define VMCS_GUEST_CR3              0x6802
#define VMCS_GUEST_CR4              0x6804
#define VMCS_GUEST_ES_BASE          0x6806
#define VMCS_GUEST_CS_BASE          0x6808
#define VMCS_GUEST_SS_BASE          0x680a
#define VMCS_GUEST_DS_BASE          0x680c
#define VMCS_GUEST_FS_BASE          0x680e
#define VMCS_GUEST_GS_BASE          0x6810
#define VMCS_GUEST_LDTR_BASE        0x6812
#define VMCS_GUEST_TR_BASE          0x6814
#define VMCS_GUEST_GDTR_BASE        0x6816
#define VMCS_GUEST_IDTR_BASE        0x6818
#define VMCS_GUEST_DR7              0x681a
#define VMCS_GUEST_RSP              0x681c
#define VMCS_GUEST_RIP              0x681e
#define VMCS_GUEST_RFLAGS           0x6820
#define VMCS_GUEST_PENDING_DBG      0x6822
#define VMCS_GUEST_SYSENTER_ESP     0x6824
#define VMCS_GUEST_SYSENTER_EIP     0x6826
VMCS_CHECK(VMCS_GUEST_CR0, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_CR3, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_CR4, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_ES_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_CS_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_SS_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_DS_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_FS_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_GS_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_LDTR_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_TR_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_GDTR_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_IDTR_BASE, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_DR7, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_RSP, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_RIP, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_RFLAGS, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_PENDING_DBG, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_SYSENTER_ESP, NATURAL, GUEST);
VMCS_CHECK(VMCS_GUEST_SYSENTER_EIP, NATURAL, GUEST);

/* Natural-width host-state fields */
#define VMCS_HOST_CR0               0x6c00
#define VMCS_HOST_CR3               0x6c02
#define VMCS_HOST_CR4               0x6c04
#define VMCS_HOST_FS_BASE           0x6c06
#define VMCS_HOST_GS_BASE           0x6c08
#define VMCS_HOST_TR_BASE           0x6c0a
#define VMCS_HOST_GDTR_BASE         0x6c0c
#define VMCS_HOST_IDTR_BASE         0x6c0e
#define VMCS_HOST_SYSENTER_ESP      0x6c10
#define VMCS_HOST_SYSENTER_EIP      0x6c12
#define VMCS_HOST_RSP               0x6c14
#define VMCS_HOST_RIP               0x6c16
VMCS_CHECK(VMCS_HOST_CR0, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_CR3, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_CR4, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_FS_BASE, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_GS_BASE, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_TR_BASE, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_GDTR_BASE, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_IDTR_BASE, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_SYSENTER_ESP, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_SYSENTER_EIP, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_RSP, NATURAL, HOST);
VMCS_CHECK(VMCS_HOST_RIP, NATURAL, HOST);

/* Pin-based VM-execution controls (SDM 25.6.1). The bits not named here
 * are reserved; the capability MSR says which of them must be 1. */
#define VMX_PIN_EXTINT_EXIT       (1u << 0)	/* external interrupts exit */
#define VMX_PIN_NMI_EXIT          (1u << 3)
#define VMX_PIN_VIRTUAL_NMIS      (1u << 5)	/* NMI blocking tracked for the guest */
#define VMX_PIN_PREEMPT_TIMER     (1u << 6)

/* Primary processor-based VM-execution controls (SDM 25.6.2) */
#define VMX_PROC_INTR_WINDOW      (1u << 2)	/* exit once the guest takes interrupts */
#define VMX_PROC_TSC_OFFSET       (1u << 3)
#define VMX_PROC_HLT_EXIT         (1u << 7)
#define VMX_PROC_INVLPG_EXIT      (1u << 9)
#define VMX_PROC_MWAIT_EXIT       (1u << 10)
#define VMX_PROC_RDPMC_EXIT       (1u << 11)
#define VMX_PROC_RDTSC_EXIT       (1u << 12)
#define VMX_PROC_CR3_LOAD_EXIT    (1u << 15)	/* must be 1 without the TRUE_* MSRs */
#define VMX_PROC_CR3_STORE_EXIT   (1u << 16)	/* likewise */
#define VMX_PROC_CR8_LOAD_EXIT    (1u << 19)	/* without a TPR shadow, the guest's */
#define VMX_PROC_CR8_STORE_EXIT   (1u << 20)	/* CR8 is the real APIC's TPR */
#define VMX_PROC_TPR_SHADOW       (1u << 21)
#define VMX_PROC_NMI_WINDOW       (1u << 22)	/* exit once the guest takes NMIs */
#define VMX_PROC_MOV_DR_EXIT      (1u << 23)
#define VMX_PROC_UNCOND_IO_EXIT   (1u << 24)
#define VMX_PROC_IO_BITMAPS       (1u << 25)
#define VMX_PROC_MONITOR_TRAP     (1u << 27)
#define VMX_PROC_MSR_BITMAPS      (1u << 28)
#define VMX_PROC_MONITOR_EXIT     (1u << 29)
#define VMX_PROC_PAUSE_EXIT       (1u << 30)
#define VMX_PROC_SECONDARY        (1u << 31)	/* use VMCS_PROC2_CONTROLS */

/* Secondary processor-based VM-execution controls (SDM 25.6.2) */
#define VMX_PROC2_APIC_ACCESS     (1u << 0)	/* virtualize APIC accesses */
#define VMX_PROC2_EPT             (1u << 1)
#define VMX_PROC2_DESC_EXIT       (1u << 2)	/* LGDT, SIDT, LTR... exit */
#define VMX_PROC2_RDTSCP          (1u << 3)	/* else RDTSCP raises #UD */
#define VMX_PROC2_X2APIC_MODE     (1u << 4)	/* virtualize x2APIC mode */
#define VMX_PROC2_VPID            (1u << 5)
#define VMX_PROC2_WBINVD_EXIT     (1u << 6)
#define VMX_PROC2_UNRESTRICTED    (1u << 7)	/* real mode, unpaged protected mode */
#define VMX_PROC2_INVPCID         (1u << 12)	/* else INVPCID raises #UD */
#define VMX_PROC2_XSAVES          (1u << 20)	/* else XSAVES/XRSTORS raise #UD */

/* VM-exit controls (SDM 25.7.1) */
#define VMX_EXIT_CTL_SAVE_DEBUG   (1u << 2)	/* DR7 and IA32_DEBUGCTL */
#define VMX_EXIT_CTL_HOST_64      (1u << 9)	/* host address-space size: 64-bit */
#define VMX_EXIT_CTL_ACK_INTR     (1u << 15)	/* the interrupt taken: its vector in VMCS_EXIT_INTR_INFO */
#define VMX_EXIT_CTL_SAVE_PAT     (1u << 18)
#define VMX_EXIT_CTL_LOAD_PAT     (1u << 19)
#define VMX_EXIT_CTL_SAVE_EFER    (1u << 20)
#define VMX_EXIT_CTL_LOAD_EFER    (1u << 21)
#define VMX_EXIT_CTL_SAVE_PREEMPT (1u << 22)	/* the preemption timer's value */

/* VM-entry controls (SDM 25.8.1) */
#define VMX_ENTRY_CTL_LOAD_DEBUG  (1u << 2)	/* DR7 and IA32_DEBUGCTL */
#define VMX_ENTRY_CTL_IA32E_GUEST (1u << 9)	/* the guest is in IA-32e mode */
#define VMX_ENTRY_CTL_LOAD_PAT    (1u << 14)
#define VMX_ENTRY_CTL_LOAD_EFER   (1u << 15)

/* Basic exit reasons (SDM appendix C), bits 15:0 of
 * VMCS_EXIT_REASON. */
#define VMX_EXIT_EXCEPTION_NMI     0
#define VMX_EXIT_EXTINT            1
#define VMX_EXIT_TRIPLE_FAULT      2
#define VMX_EXIT_INIT              3
#define VMX_EXIT_SIPI              4
#define VMX_EXIT_IO_SMI            5
#define VMX_EXIT_OTHER_SMI         6
#define VMX_EXIT_INTR_WINDOW       7
#define VMX_EXIT_NMI_WINDOW        8
#define VMX_EXIT_TASK_SWITCH       9
#define VMX_EXIT_CPUID             10
#define VMX_EXIT_GETSEC            11
#define VMX_EXIT_HLT               12
#define VMX_EXIT_INVD              13
#define VMX_EXIT_INVLPG            14
#define VMX_EXIT_RDPMC             15
#define VMX_EXIT_RDTSC             16
#define VMX_EXIT_RSM               17
#define VMX_EXIT_VMCALL            18
#define VMX_EXIT_VMCLEAR           19
#define VMX_EXIT_VMLAUNCH          20
#define VMX_EXIT_VMPTRLD           21
#define VMX_EXIT_VMPTRST           22
#define VMX_EXIT_VMREAD            23
#define VMX_EXIT_VMRESUME          24
#define VMX_EXIT_VMWRITE           25
#define VMX_EXIT_VMXOFF            26
#define VMX_EXIT_VMXON             27
#define VMX_EXIT_CR_ACCESS         28
#define VMX_EXIT_DR_ACCESS         29
#define VMX_EXIT_IO                30
#define VMX_EXIT_RDMSR             31
#define VMX_EXIT_WRMSR             32
#define VMX_EXIT_BAD_GUEST_STATE   33	/* VM-entry failures: bit 31 is set too */
#define VMX_EXIT_BAD_MSR_LOAD      34
#define VMX_EXIT_MWAIT             36
#define VMX_EXIT_MONITOR_TRAP      37
#define VMX_EXIT_MONITOR           39
#define VMX_EXIT_PAUSE             40
#define VMX_EXIT_MACHINE_CHECK     41	/* during VM entry */
#define VMX_EXIT_TPR_BELOW         43
#define VMX_EXIT_APIC_ACCESS       44
#define VMX_EXIT_VIRTUALIZED_EOI   45
#define VMX_EXIT_GDTR_IDTR         46
#define VMX_EXIT_LDTR_TR           47
#define VMX_EXIT_EPT_VIOLATION     48
#define VMX_EXIT_EPT_MISCONFIG     49
#define VMX_EXIT_INVEPT            50
#define VMX_EXIT_RDTSCP            51
#define VMX_EXIT_PREEMPT_TIMER     52
#define VMX_EXIT_INVVPID           53
#define VMX_EXIT_WBINVD            54
#define VMX_EXIT_XSETBV            55
#define VMX_EXIT_APIC_WRITE        56
#define VMX_EXIT_RDRAND            57
#define VMX_EXIT_INVPCID           58
#define VMX_EXIT_VMFUNC            59
#define VMX_EXIT_ENCLS             60
#define VMX_EXIT_RDSEED            61
#define VMX_EXIT_PML_FULL          62
#define VMX_EXIT_XSAVES            63
#define VMX_EXIT_XRSTORS           64
#define VMX_EXIT_REASON_BASIC      0xffffu
#define VMX_EXIT_ENTRY_FAILED      (1u << 31)

/* Interruption-information format (SDM 25.8.3, 25.9.2, 25.9.3): the
 * event to inject, the one that caused an exit, the one an exit cut off. */
#define VMX_INTR_VECTOR            0xffu
#define VMX_INTR_TYPE_MASK         (7u << 8)
#define VMX_INTR_TYPE_EXTINT       (0u << 8)
#define VMX_INTR_TYPE_NMI          (2u << 8)
#define VMX_INTR_TYPE_HW_EXC       (3u << 8)
#define VMX_INTR_TYPE_SW_INTR      (4u << 8)	/* INT n */
#define VMX_INTR_TYPE_PRIV_SW_EXC  (5u << 8)	/* INT1 (ICEBP) */
#define VMX_INTR_TYPE_SW_EXC       (6u << 8)	/* INT3, INTO */
#define VMX_INTR_TYPE_OTHER        (7u << 8)	/* MTF, on injection */
#define VMX_INTR_HAS_ERROR         (1u << 11)
#define VMX_INTR_NMI_UNBLOCKED     (1u << 12)	/* exits only: IRET had unblocked NMIs */
#define VMX_INTR_VALID             (1u << 31)

/* VMCS_GUEST_INTERRUPTIBILITY, VMCS_GUEST_ACTIVITY (SDM 25.4.2) */
#define VMX_INTERRUPTIBILITY_STI    (1u << 0)
#define VMX_INTERRUPTIBILITY_MOV_SS (1u << 1)
#define VMX_INTERRUPTIBILITY_SMI    (1u << 2)
#define VMX_INTERRUPTIBILITY_NMI    (1u << 3)
#define VMX_INTERRUPTIBILITY_ENCLAVE (1u << 4)	/* an SGX enclave was interrupted */
#define VMX_ACTIVITY_ACTIVE         0
#define VMX_ACTIVITY_HLT            1
#define VMX_ACTIVITY_SHUTDOWN       2
#define VMX_ACTIVITY_WAIT_SIPI      3

/* VM-instruction error numbers (SDM 31.4), in VMCS_INSN_ERROR after a
 * VMX instruction failed with a current VMCS (VMfailValid). */
#define VMX_INSN_ERR_VMCALL_IN_ROOT          1
#define VMX_INSN_ERR_VMCLEAR_BAD_ADDR        2
#define VMX_INSN_ERR_VMCLEAR_VMXON_PTR       3
#define VMX_INSN_ERR_VMLAUNCH_NOT_CLEAR      4
#define VMX_INSN_ERR_VMRESUME_NOT_LAUNCHED   5
#define VMX_INSN_ERR_VMRESUME_AFTER_VMXOFF   6
#define VMX_INSN_ERR_ENTRY_BAD_CONTROLS      7
#define VMX_INSN_ERR_ENTRY_BAD_HOST_STATE    8
#define VMX_INSN_ERR_VMPTRLD_BAD_ADDR        9
#define VMX_INSN_ERR_VMPTRLD_VMXON_PTR       10
#define VMX_INSN_ERR_VMPTRLD_BAD_REVISION    11
#define VMX_INSN_ERR_BAD_FIELD               12
#define VMX_INSN_ERR_VMWRITE_READ_ONLY       13
#define VMX_INSN_ERR_VMXON_IN_ROOT           15
#define VMX_INSN_ERR_ENTRY_BAD_EXEC_VMCS     16
#define VMX_INSN_ERR_ENTRY_EXEC_NOT_LAUNCHED 17
#define VMX_INSN_ERR_ENTRY_EXEC_NOT_VMXON    18
#define VMX_INSN_ERR_VMCALL_NOT_CLEAR        19
#define VMX_INSN_ERR_VMCALL_BAD_EXIT_CTLS    20
#define VMX_INSN_ERR_VMCALL_BAD_MSEG_REV     22
#define VMX_INSN_ERR_VMXOFF_DUAL_MONITOR     23
#define VMX_INSN_ERR_VMCALL_BAD_SMM_FEATURES 24
#define VMX_INSN_ERR_ENTRY_BAD_EXEC_CTLS     25
#define VMX_INSN_ERR_ENTRY_MOV_SS_BLOCKING   26
#define VMX_INSN_ERR_BAD_INVEPT_INVVPID      28

/* What each error number means, in the SDM's words; read it through
 * vmx_insn_error_name(), which knows its bounds and gaps. */
static const char *const vmx_insn_errors[] __unused = {
	[VMX_INSN_ERR_VMCALL_IN_ROOT] = "VMCALL executed in VMX root operation",
	[VMX_INSN_ERR_VMCLEAR_BAD_ADDR] = "VMCLEAR with invalid physical address",
	[VMX_INSN_ERR_VMCLEAR_VMXON_PTR] = "VMCLEAR with VMXON pointer",
	[VMX_INSN_ERR_VMLAUNCH_NOT_CLEAR] = "VMLAUNCH with non-clear VMCS",
	[VMX_INSN_ERR_VMRESUME_NOT_LAUNCHED] = "VMRESUME with non-launched VMCS",
	[VMX_INSN_ERR_VMRESUME_AFTER_VMXOFF] = "VMRESUME after VMXOFF",
	[VMX_INSN_ERR_ENTRY_BAD_CONTROLS] = "VM entry with invalid control field(s)",
	[VMX_INSN_ERR_ENTRY_BAD_HOST_STATE] = "VM entry with invalid host-state field(s)",
	[VMX_INSN_ERR_VMPTRLD_BAD_ADDR] = "VMPTRLD with invalid physical address",
	[VMX_INSN_ERR_VMPTRLD_VMXON_PTR] = "VMPTRLD with VMXON pointer",
	[VMX_INSN_ERR_VMPTRLD_BAD_REVISION] = "VMPTRLD with incorrect VMCS revision identifier",
	[VMX_INSN_ERR_BAD_FIELD] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[VMX_INSN_ERR_VMWRITE_READ_ONLY] = "VMWRITE to read-only VMCS component",
	[VMX_INSN_ERR_VMXON_IN_ROOT] = "VMXON executed in VMX root operation",
	[VMX_INSN_ERR_ENTRY_BAD_EXEC_VMCS] = "VM entry with invalid executive-VMCS pointer",
	[VMX_INSN_ERR_ENTRY_EXEC_NOT_LAUNCHED] = "VM entry with non-launched executive VMCS",
	[VMX_INSN_ERR_ENTRY_EXEC_NOT_VMXON] =
		"VM entry with executive-VMCS pointer not VMXON pointer",
	[VMX_INSN_ERR_VMCALL_NOT_CLEAR] = "VMCALL with non-clear VMCS",
	[VMX_INSN_ERR_VMCALL_BAD_EXIT_CTLS] = "VMCALL with invalid VM-exit control fields",
	[VMX_INSN_ERR_VMCALL_BAD_MSEG_REV] = "VMCALL with incorrect MSEG revision identifier",
	[VMX_INSN_ERR_VMXOFF_DUAL_MONITOR] =
		"VMXOFF under dual-monitor treatment of SMIs and SMM",
	[VMX_INSN_ERR_VMCALL_BAD_SMM_FEATURES] = "VMCALL with invalid SMM-monitor features",
	[VMX_INSN_ERR_ENTRY_BAD_EXEC_CTLS] =
		"VM entry with invalid VM-execution control fields in executive VMCS",
	[VMX_INSN_ERR_ENTRY_MOV_SS_BLOCKING] = "VM entry with events blocked by MOV SS",
	[VMX_INSN_ERR_BAD_INVEPT_INVVPID] = "invalid operand to INVEPT/INVVPID",
};

/* The VMX capability MSRs (SDM appendix A). A control MSR holds
 * in its low 32 bits the control bits that must be 1, in its high 32 bits
 * those that may be 1. The TRUE_* ones exist when VMX_BASIC_TRUE_CTLS is
 * set, and also allow 0 for some bits the older ones report as must-be-1. */
#define MSR_VMX_BASIC                0x480
#define MSR_VMX_PINBASED_CTLS        0x481
#define MSR_VMX_PROCBASED_CTLS       0x482
#define MSR_VMX_EXIT_CTLS            0x483
#define MSR_VMX_ENTRY_CTLS           0x484
#define MSR_VMX_MISC                 0x485
#define MSR_VMX_CR0_FIXED0           0x486	/* bits of CR0 that must be 1 */
#define MSR_VMX_CR0_FIXED1           0x487	/* bits of CR0 that may be 1 */
#define MSR_VMX_CR4_FIXED0           0x488
#define MSR_VMX_CR4_FIXED1           0x489
#define MSR_VMX_VMCS_ENUM            0x48a
#define MSR_VMX_PROCBASED_CTLS2      0x48b	/* only if VMX_PROC_SECONDARY may be 1 */
#define MSR_VMX_EPT_VPID_CAP         0x48c	/* only if EPT or VPID may be 1 */
#define MSR_VMX_TRUE_PINBASED_CTLS   0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS  0x48e
#define MSR_VMX_TRUE_EXIT_CTLS       0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS      0x490
#define MSR_VMX_VMFUNC               0x491

/* IA32_VMX_BASIC */
#define VMX_BASIC_REVISION           0x7fffffffull	/* the VMCS revision identifier */
#define VMX_BASIC_INSOUTS_INFO       (1ull << 54)	/* exits describe INS/OUTS */
#define VMX_BASIC_TRUE_CTLS          (1ull << 55)

#endif
