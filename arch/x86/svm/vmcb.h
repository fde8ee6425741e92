/* The AMD Virtual Machine Control Block (AMD64 APM vol. 2, appendix B):
 * one 4 KiB page per vCPU, a control area that says what to intercept and
 * reports exits, then the guest's saved state. Offsets are the manual's and
 * are checked below. */
#ifndef ARCH_X86_SVM_VMCB_H
#define ARCH_X86_SVM_VMCB_H

#include "lib/types.h"

struct vmcb_seg {
	u16 sel;
	u16 attr; /* descriptor bits 40-47 and 52-55, packed into 12 bits */
	u32 limit;
	u64 base;
} __packed;

struct vmcb_control {
	u32 cr_intercepts;   /* reads 15:0, writes 31:16 */
	u32 dr_intercepts;
	u32 exc_intercepts;  /* one bit per exception vector */
	u32 intercepts1;     /* INTERCEPT1() */
	u32 intercepts2;     /* INTERCEPT2() */
	u32 intercepts3;
	u8 reserved_018[0x03c - 0x018];
	u16 pause_threshold;
	u16 pause_count;
	u64 iopm_pa;
	u64 msrpm_pa;
	u64 tsc_offset;
	u32 asid;
	u8 tlb_control;
	u8 reserved_05d[3];
	u64 int_ctl;         /* V_TPR, V_IRQ, V_INTR_MASKING, ... */
	u64 int_state;       /* bit 0: interrupt shadow */
	u64 exit_code;
	u64 exit_info1;
	u64 exit_info2;
	u64 exit_int_info;
	u64 np_control;      /* bit 0: nested paging */
	u64 avic_apic_bar;
	u64 ghcb_pa;
	u64 event_inj;
	u64 n_cr3;
	u64 virt_ext;
	u32 clean;
	u32 reserved_0c4;
	u64 next_rip;
	u8 insn_len;
	u8 insn_bytes[15];
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	u8 reserved_0a0[0xcb - 0xa0];
	u8 cpl;
	u32 reserved_0cc;
	u64 efer;
	u8 reserved_0d8[0x148 - 0xd8];
	u64 cr4, cr3, cr0, dr7, dr6, rflags, rip;
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;
	u8 reserved_1e0[0x1f8 - 0x1e0];
	u64 rax;
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 cr2;
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;
	u64 dbgctl;
	u8 reserved_278[0xc00 - 0x278];
} __packed;

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __packed;

#define VMCB_CHECK(s, f, off) _Static_assert(__builtin_offsetof(struct s, f) == (off), #s "." #f)
VMCB_CHECK(vmcb_control, intercepts1, 0x00c);
VMCB_CHECK(vmcb_control, pause_threshold, 0x03c);
VMCB_CHECK(vmcb_control, iopm_pa, 0x040);
VMCB_CHECK(vmcb_control, msrpm_pa, 0x048);
VMCB_CHECK(vmcb_control, tsc_offset, 0x050);
VMCB_CHECK(vmcb_control, asid, 0x058);
VMCB_CHECK(vmcb_control, tlb_control, 0x05c);
VMCB_CHECK(vmcb_control, int_ctl, 0x060);
VMCB_CHECK(vmcb_control, int_state, 0x068);
VMCB_CHECK(vmcb_control, exit_code, 0x070);
VMCB_CHECK(vmcb_control, exit_info1, 0x078);
VMCB_CHECK(vmcb_control, exit_info2, 0x080);
VMCB_CHECK(vmcb_control, exit_int_info, 0x088);
VMCB_CHECK(vmcb_control, np_control, 0x090);
VMCB_CHECK(vmcb_control, event_inj, 0x0a8);
VMCB_CHECK(vmcb_control, n_cr3, 0x0b0);
VMCB_CHECK(vmcb_control, clean, 0x0c0);
VMCB_CHECK(vmcb_control, next_rip, 0x0c8);
VMCB_CHECK(vmcb_control, insn_len, 0x0d0);
VMCB_CHECK(vmcb_save, cs, 0x010);
VMCB_CHECK(vmcb_save, tr, 0x090);
VMCB_CHECK(vmcb_save, cpl, 0x0cb);
VMCB_CHECK(vmcb_save, efer, 0x0d0);
VMCB_CHECK(vmcb_save, cr4, 0x148);
VMCB_CHECK(vmcb_save, rflags, 0x170);
VMCB_CHECK(vmcb_save, rip, 0x178);
VMCB_CHECK(vmcb_save, rsp, 0x1d8);
VMCB_CHECK(vmcb_save, rax, 0x1f8);
VMCB_CHECK(vmcb_save, star, 0x200);
VMCB_CHECK(vmcb_save, cr2, 0x240);
VMCB_CHECK(vmcb_save, g_pat, 0x268);
_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");

/* cr_intercepts, dr_intercepts */
#define CR_INTERCEPT_WRITE(n) (1u << (16 + (n)))
#define DR_INTERCEPT_WRITE(n) (1u << (16 + (n)))

/* intercepts1 and intercepts2: the intercept of each exit code 0x060-0x07f
 * is bit (code - 0x060) of intercepts1, of 0x080-0x09f bit (code - 0x080)
 * of intercepts2 (APM vol. 2, appendix B and C). */
#define INTERCEPT1(exit) (1u << (SVM_EXIT_##exit - 0x060))
#define INTERCEPT2(exit) (1u << (SVM_EXIT_##exit - 0x080))

/* int_ctl */
#define V_IRQ            (1ull << 8)
#define V_IGN_TPR        (1ull << 20)
#define V_INTR_MASKING   (1ull << 24)
#define V_INTR_PRIO_SHIFT 16

/* event_inj and exit_int_info: virt.h's event format, the error code in
 * bits 63:32 */
#define EVENT_VALID      (1ull << 31)
#define EVENT_HAS_ERROR  (1ull << 11)

/* clean: VMCB areas unchanged since the last VMRUN of this VMCB on this
 * CPU, which the CPU may keep cached (APM vol. 2, 15.15). */
#define VMCB_CLEAN_INTERCEPTS (1u << 0)  /* intercept vectors, TSC offset */
#define VMCB_CLEAN_IOPM       (1u << 1)  /* IOPM and MSRPM bases */
#define VMCB_CLEAN_ASID       (1u << 2)
#define VMCB_CLEAN_TPR        (1u << 3)  /* int_ctl: V_TPR, V_IRQ, ... */
#define VMCB_CLEAN_NP         (1u << 4)  /* nested paging, nCR3, gPAT */
#define VMCB_CLEAN_CRX        (1u << 5)  /* CR0, CR3, CR4, EFER */
#define VMCB_CLEAN_DRX        (1u << 6)  /* DR6, DR7 */
#define VMCB_CLEAN_DT         (1u << 7)  /* GDTR, IDTR */
#define VMCB_CLEAN_SEG        (1u << 8)  /* CS, DS, SS, ES, CPL */
#define VMCB_CLEAN_CR2        (1u << 9)
#define VMCB_CLEAN_ALL        0x3ffu     /* the areas above */

/* tlb_control */
#define TLB_CONTROL_NONE      0
#define TLB_CONTROL_FLUSH_ALL 1

/* Exit codes (APM vol. 2, appendix C). */
#define SVM_EXIT_WRITE_CR0 0x010  /* + n for CRn */
#define SVM_EXIT_WRITE_CR4 0x014
#define SVM_EXIT_WRITE_DR0 0x030  /* + n for DRn */
#define SVM_EXIT_WRITE_DR7 0x037
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR      0x060
#define SVM_EXIT_NMI       0x061
#define SVM_EXIT_SMI       0x062
#define SVM_EXIT_INIT      0x063
#define SVM_EXIT_VINTR     0x064
#define SVM_EXIT_CPUID     0x072
#define SVM_EXIT_IRET      0x074
#define SVM_EXIT_INVD      0x076
#define SVM_EXIT_HLT       0x078
#define SVM_EXIT_INVLPGA   0x07a
#define SVM_EXIT_IOIO      0x07b
#define SVM_EXIT_MSR       0x07c
#define SVM_EXIT_TASKSW    0x07d
#define SVM_EXIT_FERR      0x07e
#define SVM_EXIT_SHUTDOWN  0x07f
#define SVM_EXIT_VMRUN     0x080
#define SVM_EXIT_VMMCALL   0x081
#define SVM_EXIT_VMLOAD    0x082
#define SVM_EXIT_VMSAVE    0x083
#define SVM_EXIT_STGI      0x084
#define SVM_EXIT_CLGI      0x085
#define SVM_EXIT_SKINIT    0x086
#define SVM_EXIT_ICEBP     0x088
#define SVM_EXIT_MONITOR   0x08a
#define SVM_EXIT_MWAIT     0x08b
#define SVM_EXIT_MWAIT_C   0x08c
#define SVM_EXIT_XSETBV    0x08d
#define SVM_EXIT_NPF       0x400
#define SVM_EXIT_INVALID   ((u64)-1)

/* IOIO exit_info1 */
#define IOIO_IN        (1u << 0)
#define IOIO_STR       (1u << 2)
#define IOIO_REP       (1u << 3)
#define IOIO_SIZE_SHIFT 4  /* bits 4-6: 1, 2 or 4 bytes, one-hot */
#define IOIO_A16       (1u << 7)  /* address size of INS/OUTS */
#define IOIO_A32       (1u << 8)
#define IOIO_A64       (1u << 9)
#define IOIO_SEG_SHIFT 10  /* bits 10-12: OUTS's segment, with decode assists */
#define IOIO_PORT_SHIFT 16

/* CR and DR write exit_info1, with decode assists: a MOV (not LMSW/CLTS;
 * CR only) and its source register */
#define CR_EXIT_MOV      (1ull << 63)
#define CR_EXIT_GPR_MASK 0xfull

/* #NPF exit_info1: a page-fault error code */
#define NPF_PRESENT (1ull << 0)
#define NPF_WRITE   (1ull << 1)
#define NPF_USER    (1ull << 2)
#define NPF_FETCH   (1ull << 4)
#define NPF_TABLE_WALK (1ull << 33)  /* while walking the guest's tables */

#define MSR_VM_HSAVE_PA 0xc0010117

#endif
