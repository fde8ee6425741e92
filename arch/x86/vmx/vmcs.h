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
 * Each field lucid uses is listed once, with the width and type its
 * group has: the list makes the names and checks each encoding against
 * them, so a typo in an encoding stops the build. A group of fields in
 * steps of 2 (the guest's segments, the PDPTEs) is listed whole: lucid
 * reaches its members by index. */
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

/* Every field: name (VMCS_ is prepended), encoding, width and type. */
#define VMCS_FIELDS(X)                                                         \
/* 16-bit control fields */                                                    \
	X(VPID, 0x0000, 16, CONTROL)                                           \
/* 16-bit guest-state fields: selectors, ES to TR in steps of 2 */             \
	X(GUEST_ES_SEL, 0x0800, 16, GUEST)                                     \
	X(GUEST_CS_SEL, 0x0802, 16, GUEST)                                     \
	X(GUEST_SS_SEL, 0x0804, 16, GUEST)                                     \
	X(GUEST_DS_SEL, 0x0806, 16, GUEST)                                     \
	X(GUEST_FS_SEL, 0x0808, 16, GUEST)                                     \
	X(GUEST_GS_SEL, 0x080a, 16, GUEST)                                     \
	X(GUEST_LDTR_SEL, 0x080c, 16, GUEST)                                   \
	X(GUEST_TR_SEL, 0x080e, 16, GUEST)                                     \
/* 16-bit host-state fields */                                                 \
	X(HOST_ES_SEL, 0x0c00, 16, HOST)                                       \
	X(HOST_CS_SEL, 0x0c02, 16, HOST)                                       \
	X(HOST_SS_SEL, 0x0c04, 16, HOST)                                       \
	X(HOST_DS_SEL, 0x0c06, 16, HOST)                                       \
	X(HOST_FS_SEL, 0x0c08, 16, HOST)                                       \
	X(HOST_GS_SEL, 0x0c0a, 16, HOST)                                       \
	X(HOST_TR_SEL, 0x0c0c, 16, HOST)                                       \
/* 64-bit control fields: physical addresses unless said otherwise */          \
	X(IO_BITMAP_A, 0x2000, 64, CONTROL) /* ports 0000-7fff */              \
	X(IO_BITMAP_B, 0x2002, 64, CONTROL) /* ports 8000-ffff */              \
	X(MSR_BITMAP, 0x2004, 64, CONTROL)                                     \
	X(TSC_OFFSET, 0x2010, 64, CONTROL) /* a value */                       \
	X(VIRTUAL_APIC_ADDR, 0x2012, 64, CONTROL)                              \
	X(EPT_POINTER, 0x201a, 64, CONTROL)                                    \
/* 64-bit read-only data field */                                              \
	X(GUEST_PHYS_ADDR, 0x2400, 64, READONLY) /* of an EPT violation or misconfiguration */ \
/* 64-bit guest-state fields */                                                \
	X(LINK_POINTER, 0x2800, 64, GUEST) /* all ones: no shadow VMCS */      \
	X(GUEST_DEBUGCTL, 0x2802, 64, GUEST)                                   \
	X(GUEST_PAT, 0x2804, 64, GUEST)                                        \
	X(GUEST_EFER, 0x2806, 64, GUEST)                                       \
	X(GUEST_PDPTE0, 0x280a, 64, GUEST) /* PAE paging with EPT; 1-3 follow */ \
	X(GUEST_PDPTE1, 0x280c, 64, GUEST)                                     \
	X(GUEST_PDPTE2, 0x280e, 64, GUEST)                                     \
	X(GUEST_PDPTE3, 0x2810, 64, GUEST)                                     \
/* 64-bit host-state fields */                                                 \
	X(HOST_PAT, 0x2c00, 64, HOST)                                          \
	X(HOST_EFER, 0x2c02, 64, HOST)                                         \
/* 32-bit control fields */                                                    \
	X(PIN_CONTROLS, 0x4000, 32, CONTROL) /* VMX_PIN_* */                   \
	X(PROC_CONTROLS, 0x4002, 32, CONTROL) /* VMX_PROC_* */                 \
	X(EXCEPTION_BITMAP, 0x4004, 32, CONTROL) /* one bit per vector */      \
	X(PF_ERROR_MASK, 0x4006, 32, CONTROL)                                  \
	X(PF_ERROR_MATCH, 0x4008, 32, CONTROL)                                 \
	X(CR3_TARGET_COUNT, 0x400a, 32, CONTROL)                               \
	X(EXIT_CONTROLS, 0x400c, 32, CONTROL) /* VMX_EXIT_CTL_* */             \
	X(EXIT_MSR_STORE_COUNT, 0x400e, 32, CONTROL)                           \
	X(EXIT_MSR_LOAD_COUNT, 0x4010, 32, CONTROL)                            \
	X(ENTRY_CONTROLS, 0x4012, 32, CONTROL) /* VMX_ENTRY_CTL_* */           \
	X(ENTRY_MSR_LOAD_COUNT, 0x4014, 32, CONTROL)                           \
	X(ENTRY_INTR_INFO, 0x4016, 32, CONTROL) /* the event to inject: VMX_INTR_* */ \
	X(ENTRY_EXC_ERROR_CODE, 0x4018, 32, CONTROL)                           \
	X(TPR_THRESHOLD, 0x401c, 32, CONTROL)                                  \
	X(PROC2_CONTROLS, 0x401e, 32, CONTROL) /* VMX_PROC2_* */               \
/* 32-bit read-only data fields: what the last exit or VMX instruction said */ \
	X(INSN_ERROR, 0x4400, 32, READONLY) /* VMX_INSN_ERR_* */               \
	X(EXIT_REASON, 0x4402, 32, READONLY) /* VMX_EXIT_* in bits 15:0 */     \
	X(EXIT_INTR_INFO, 0x4404, 32, READONLY) /* VMX_INTR_* */               \
	X(EXIT_INTR_ERROR_CODE, 0x4406, 32, READONLY)                          \
	X(IDT_VECTORING_INFO, 0x4408, 32, READONLY) /* VMX_INTR_*: the event the exit cut off */ \
	X(IDT_VECTORING_ERROR, 0x440a, 32, READONLY)                           \
	X(EXIT_INSN_LEN, 0x440c, 32, READONLY)                                 \
	X(EXIT_INSN_INFO, 0x440e, 32, READONLY)                                \
/* 32-bit guest-state fields: limits and access rights, ES to TR (then         \
 * GDTR and IDTR limits) in steps of 2 */                                      \
	X(GUEST_ES_LIMIT, 0x4800, 32, GUEST)                                   \
	X(GUEST_CS_LIMIT, 0x4802, 32, GUEST)                                   \
	X(GUEST_SS_LIMIT, 0x4804, 32, GUEST)                                   \
	X(GUEST_DS_LIMIT, 0x4806, 32, GUEST)                                   \
	X(GUEST_FS_LIMIT, 0x4808, 32, GUEST)                                   \
	X(GUEST_GS_LIMIT, 0x480a, 32, GUEST)                                   \
	X(GUEST_LDTR_LIMIT, 0x480c, 32, GUEST)                                 \
	X(GUEST_TR_LIMIT, 0x480e, 32, GUEST)                                   \
	X(GUEST_GDTR_LIMIT, 0x4810, 32, GUEST)                                 \
	X(GUEST_IDTR_LIMIT, 0x4812, 32, GUEST)                                 \
	X(GUEST_ES_AR, 0x4814, 32, GUEST)                                      \
	X(GUEST_CS_AR, 0x4816, 32, GUEST)                                      \
	X(GUEST_SS_AR, 0x4818, 32, GUEST)                                      \
	X(GUEST_DS_AR, 0x481a, 32, GUEST)                                      \
	X(GUEST_FS_AR, 0x481c, 32, GUEST)                                      \
	X(GUEST_GS_AR, 0x481e, 32, GUEST)                                      \
	X(GUEST_LDTR_AR, 0x4820, 32, GUEST)                                    \
	X(GUEST_TR_AR, 0x4822, 32, GUEST)                                      \
	X(GUEST_INTERRUPTIBILITY, 0x4824, 32, GUEST) /* VMX_INTERRUPTIBILITY_* */ \
	X(GUEST_ACTIVITY, 0x4826, 32, GUEST) /* VMX_ACTIVITY_* */              \
	X(GUEST_SYSENTER_CS, 0x482a, 32, GUEST)                                \
/* 32-bit host-state field */                                                  \
	X(HOST_SYSENTER_CS, 0x4c00, 32, HOST)                                  \
/* Natural-width control fields */                                             \
	X(CR0_GUEST_HOST_MASK, 0x6000, NATURAL, CONTROL) /* bits the host owns: writes exit */ \
	X(CR4_GUEST_HOST_MASK, 0x6002, NATURAL, CONTROL)                       \
	X(CR0_READ_SHADOW, 0x6004, NATURAL, CONTROL) /* what the guest reads of those bits */ \
	X(CR4_READ_SHADOW, 0x6006, NATURAL, CONTROL)                           \
/* Natural-width read-only data fields */                                      \
	X(EXIT_QUALIFICATION, 0x6400, NATURAL, READONLY)                       \
/* Natural-width guest-state fields */                                         \
	X(GUEST_CR0, 0x6800, NATURAL, GUEST)                                   \
	X(GUEST_CR3, 0x6802, NATURAL, GUEST)                                   \
	X(GUEST_CR4, 0x6804, NATURAL, GUEST)                                   \
	X(GUEST_ES_BASE, 0x6806, NATURAL, GUEST)                               \
	X(GUEST_CS_BASE, 0x6808, NATURAL, GUEST)                               \
	X(GUEST_SS_BASE, 0x680a, NATURAL, GUEST)                               \
	X(GUEST_DS_BASE, 0x680c, NATURAL, GUEST)                               \
	X(GUEST_FS_BASE, 0x680e, NATURAL, GUEST)                               \
	X(GUEST_GS_BASE, 0x6810, NATURAL, GUEST)                               \
	X(GUEST_LDTR_BASE, 0x6812, NATURAL, GUEST)                             \
	X(GUEST_TR_BASE, 0x6814, NATURAL, GUEST)                               \
	X(GUEST_GDTR_BASE, 0x6816, NATURAL, GUEST)                             \
	X(GUEST_IDTR_BASE, 0x6818, NATURAL, GUEST)                             \
	X(GUEST_DR7, 0x681a, NATURAL, GUEST)                                   \
	X(GUEST_RSP, 0x681c, NATURAL, GUEST)                                   \
	X(GUEST_RIP, 0x681e, NATURAL, GUEST)                                   \
	X(GUEST_RFLAGS, 0x6820, NATURAL, GUEST)                                \
	X(GUEST_PENDING_DBG, 0x6822, NATURAL, GUEST)                           \
	X(GUEST_SYSENTER_ESP, 0x6824, NATURAL, GUEST)                          \
	X(GUEST_SYSENTER_EIP, 0x6826, NATURAL, GUEST)                          \
/* Natural-width host-state fields */                                          \
	X(HOST_CR0, 0x6c00, NATURAL, HOST)                                     \
	X(HOST_CR3, 0x6c02, NATURAL, HOST)                                     \
	X(HOST_CR4, 0x6c04, NATURAL, HOST)                                     \
	X(HOST_FS_BASE, 0x6c06, NATURAL, HOST)                                 \
	X(HOST_GS_BASE, 0x6c08, NATURAL, HOST)                                 \
	X(HOST_TR_BASE, 0x6c0a, NATURAL, HOST)                                 \
	X(HOST_GDTR_BASE, 0x6c0c, NATURAL, HOST)                               \
	X(HOST_IDTR_BASE, 0x6c0e, NATURAL, HOST)                               \
	X(HOST_SYSENTER_ESP, 0x6c10, NATURAL, HOST)                            \
	X(HOST_SYSENTER_EIP, 0x6c12, NATURAL, HOST)                            \
	X(HOST_RSP, 0x6c14, NATURAL, HOST)                                     \
	X(HOST_RIP, 0x6c16, NATURAL, HOST)

#define VMCS_FIELD_NAME(name, enc, width, type) VMCS_##name = (enc),
enum vmcs_field { VMCS_FIELDS(VMCS_FIELD_NAME) };
#define VMCS_FIELD_CHECK(name, enc, width, type) VMCS_CHECK(VMCS_##name, width, type);
VMCS_FIELDS(VMCS_FIELD_CHECK)

/* The VMX control bits lucid sets, a list per control field: name, bit
 * number and the SDM's name for it (vmx_ctl_bits_text says it, for a bit
 * lucid needs and the CPU does not have). The capability MSR says which
 * of the others must be 1; lucid sets those without naming them. */

/* Pin-based VM-execution controls (SDM 25.6.1) */
#define VMX_PIN_BITS(X)                                                        \
	X(VMX_PIN_EXTINT_EXIT, 0, "external-interrupt exiting")                \
	X(VMX_PIN_NMI_EXIT, 3, "NMI exiting")                                  \
	X(VMX_PIN_VIRTUAL_NMIS, 5, "virtual NMIs") /* NMI blocking tracked for the guest */ \
	X(VMX_PIN_PREEMPT_TIMER, 6, "activate VMX-preemption timer")

/* Primary processor-based VM-execution controls (SDM 25.6.2) */
#define VMX_PROC_BITS(X)                                                       \
	X(VMX_PROC_INTR_WINDOW, 2, "interrupt-window exiting") /* exit once the guest takes interrupts */ \
	X(VMX_PROC_TSC_OFFSET, 3, "use TSC offsetting")                        \
	X(VMX_PROC_HLT_EXIT, 7, "HLT exiting")                                 \
	X(VMX_PROC_MWAIT_EXIT, 10, "MWAIT exiting")                            \
	X(VMX_PROC_TPR_SHADOW, 21, "use TPR shadow")                           \
	X(VMX_PROC_NMI_WINDOW, 22, "NMI-window exiting") /* exit once the guest takes NMIs */ \
	X(VMX_PROC_IO_BITMAPS, 25, "use I/O bitmaps")                          \
	X(VMX_PROC_MSR_BITMAPS, 28, "use MSR bitmaps")                         \
	X(VMX_PROC_MONITOR_EXIT, 29, "MONITOR exiting")                        \
	X(VMX_PROC_SECONDARY, 31, "activate secondary controls") /* use VMCS_PROC2_CONTROLS */

/* Secondary processor-based VM-execution controls (SDM 25.6.2) */
#define VMX_PROC2_BITS(X)                                                      \
	X(VMX_PROC2_EPT, 1, "enable EPT")                                      \
	X(VMX_PROC2_RDTSCP, 3, "enable RDTSCP") /* else RDTSCP raises #UD */   \
	X(VMX_PROC2_VPID, 5, "enable VPID")                                    \
	X(VMX_PROC2_UNRESTRICTED, 7, "unrestricted guest") /* real mode, unpaged protected mode */ \
	X(VMX_PROC2_INVPCID, 12, "enable INVPCID") /* else INVPCID raises #UD */ \
	X(VMX_PROC2_XSAVES, 20, "enable XSAVES/XRSTORS") /* else XSAVES/XRSTORS raise #UD */

/* VM-exit controls (SDM 25.7.1) */
#define VMX_EXIT_CTL_BITS(X)                                                   \
	X(VMX_EXIT_CTL_SAVE_DEBUG, 2, "save debug controls") /* DR7 and IA32_DEBUGCTL */ \
	X(VMX_EXIT_CTL_HOST_64, 9, "host address-space size") /* 64-bit */     \
	X(VMX_EXIT_CTL_ACK_INTR, 15, "acknowledge interrupt on exit") /* vector in VMCS_EXIT_INTR_INFO */ \
	X(VMX_EXIT_CTL_SAVE_PAT, 18, "save IA32_PAT")                          \
	X(VMX_EXIT_CTL_LOAD_PAT, 19, "load IA32_PAT")                          \
	X(VMX_EXIT_CTL_SAVE_EFER, 20, "save IA32_EFER")                        \
	X(VMX_EXIT_CTL_LOAD_EFER, 21, "load IA32_EFER")

/* VM-entry controls (SDM 25.8.1) */
#define VMX_ENTRY_CTL_BITS(X)                                                  \
	X(VMX_ENTRY_CTL_LOAD_DEBUG, 2, "load debug controls") /* DR7 and IA32_DEBUGCTL */ \
	X(VMX_ENTRY_CTL_IA32E_GUEST, 9, "IA-32e mode guest")                   \
	X(VMX_ENTRY_CTL_LOAD_PAT, 14, "load IA32_PAT")                         \
	X(VMX_ENTRY_CTL_LOAD_EFER, 15, "load IA32_EFER")

#define VMX_CTL_BIT(name, bit, text) name = 1u << (bit),
enum {
	VMX_PIN_BITS(VMX_CTL_BIT) VMX_PROC_BITS(VMX_CTL_BIT) VMX_PROC2_BITS(VMX_CTL_BIT)
	VMX_EXIT_CTL_BITS(VMX_CTL_BIT) VMX_ENTRY_CTL_BITS(VMX_CTL_BIT)
};

/* Basic exit reasons (SDM appendix C), bits 15:0 of
 * VMCS_EXIT_REASON: those lucid asks for or names (vmx.c's exit_kinds);
 * any other is EXIT_UNKNOWN there. */
#define VMX_EXIT_EXCEPTION_NMI     0
#define VMX_EXIT_EXTINT            1
#define VMX_EXIT_TRIPLE_FAULT      2
#define VMX_EXIT_INTR_WINDOW       7
#define VMX_EXIT_NMI_WINDOW        8
#define VMX_EXIT_CPUID             10
#define VMX_EXIT_GETSEC            11
#define VMX_EXIT_HLT               12
#define VMX_EXIT_INVD              13
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
#define VMX_EXIT_IO                30
#define VMX_EXIT_RDMSR             31
#define VMX_EXIT_WRMSR             32
#define VMX_EXIT_BAD_GUEST_STATE   33	/* VM-entry failures: bit 31 is set too */
#define VMX_EXIT_BAD_MSR_LOAD      34
#define VMX_EXIT_MWAIT             36
#define VMX_EXIT_MONITOR           39
#define VMX_EXIT_MACHINE_CHECK     41	/* during VM entry */
#define VMX_EXIT_EPT_VIOLATION     48
#define VMX_EXIT_EPT_MISCONFIG     49
#define VMX_EXIT_INVEPT            50
#define VMX_EXIT_INVVPID           53
#define VMX_EXIT_XSETBV            55
#define VMX_EXIT_VMFUNC            59
#define VMX_EXIT_REASON_BASIC      0xffffu
#define VMX_EXIT_ENTRY_FAILED      (1u << 31)

/* A guest segment's access rights (VMCS_GUEST_*_AR, SDM 25.4.1) */
#define AR_TYPE(ar) ((ar) & 0xfu)
#define AR_DPL(ar)  (((ar) >> 5) & 3u)
#define AR_TYPE_ACCESSED 1u
#define AR_S        (1u << 4)
#define AR_P        (1u << 7)
#define AR_L        (1u << 13)
#define AR_DB       (1u << 14)
#define AR_G        (1u << 15)
#define AR_UNUSABLE (1u << 16)
#define AR_RESERVED 0xfffe0f00u	/* bits 31:17, 11:8 */

/* Interruption-information format (SDM 25.8.3, 25.9.2, 25.9.3): the
 * event to inject, the one that caused an exit, the one an exit cut off. */
#define VMX_INTR_VECTOR            0xffu
#define VMX_INTR_TYPE_MASK         (7u << 8)
#define VMX_INTR_TYPE_EXTINT       (0u << 8)
#define VMX_INTR_TYPE_NMI          (2u << 8)
#define VMX_INTR_TYPE_HW_EXC       (3u << 8)
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
 * VMX instruction failed with a current VMCS (VMfailValid), and what each
 * means in the SDM's words (vmx_insn_error_name says it). */
#define VMX_INSN_ERRORS(X)                                                     \
	X(1, "VMCALL executed in VMX root operation")                          \
	X(2, "VMCLEAR with invalid physical address")                          \
	X(3, "VMCLEAR with VMXON pointer")                                     \
	X(4, "VMLAUNCH with non-clear VMCS")                                   \
	X(5, "VMRESUME with non-launched VMCS")                                \
	X(6, "VMRESUME after VMXOFF")                                          \
	X(7, "VM entry with invalid control field(s)")                         \
	X(8, "VM entry with invalid host-state field(s)")                      \
	X(9, "VMPTRLD with invalid physical address")                          \
	X(10, "VMPTRLD with VMXON pointer")                                    \
	X(11, "VMPTRLD with incorrect VMCS revision identifier")               \
	X(12, "VMREAD/VMWRITE from/to unsupported VMCS component")             \
	X(13, "VMWRITE to read-only VMCS component")                           \
	X(15, "VMXON executed in VMX root operation")                          \
	X(16, "VM entry with invalid executive-VMCS pointer")                  \
	X(17, "VM entry with non-launched executive VMCS")                     \
	X(18, "VM entry with executive-VMCS pointer not VMXON pointer")        \
	X(19, "VMCALL with non-clear VMCS")                                    \
	X(20, "VMCALL with invalid VM-exit control fields")                    \
	X(22, "VMCALL with incorrect MSEG revision identifier")                \
	X(23, "VMXOFF under dual-monitor treatment of SMIs and SMM")           \
	X(24, "VMCALL with invalid SMM-monitor features")                      \
	X(25, "VM entry with invalid VM-execution control fields in executive VMCS") \
	X(26, "VM entry with events blocked by MOV SS")                        \
	X(28, "invalid operand to INVEPT/INVVPID")

/* The VMX capability MSRs (SDM appendix A). A control MSR holds
 * in its low 32 bits the control bits that must be 1, in its high 32 bits
 * those that may be 1. The TRUE_* ones exist when VMX_BASIC_TRUE_CTLS is
 * set, and also allow 0 for some bits the older ones report as must-be-1. */
#define MSR_VMX_BASIC                0x480
#define MSR_VMX_PINBASED_CTLS        0x481
#define MSR_VMX_PROCBASED_CTLS       0x482
#define MSR_VMX_EXIT_CTLS            0x483
#define MSR_VMX_ENTRY_CTLS           0x484
#define MSR_VMX_CR0_FIXED0           0x486	/* bits of CR0 that must be 1 */
#define MSR_VMX_CR0_FIXED1           0x487	/* bits of CR0 that may be 1 */
#define MSR_VMX_CR4_FIXED0           0x488
#define MSR_VMX_CR4_FIXED1           0x489
#define MSR_VMX_PROCBASED_CTLS2      0x48b	/* only if VMX_PROC_SECONDARY may be 1 */
#define MSR_VMX_EPT_VPID_CAP         0x48c	/* only if EPT or VPID may be 1 */
#define MSR_VMX_TRUE_PINBASED_CTLS   0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS  0x48e
#define MSR_VMX_TRUE_EXIT_CTLS       0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS      0x490

/* IA32_VMX_BASIC */
#define VMX_BASIC_REVISION           0x7fffffffull	/* the VMCS revision identifier */
#define VMX_BASIC_INSOUTS_INFO       (1ull << 54)	/* exits describe INS/OUTS */
#define VMX_BASIC_TRUE_CTLS          (1ull << 55)

#endif
