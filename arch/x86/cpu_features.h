/* What this CPU offers, read once at boot from CPUID and the capability
 * MSRs. lucid needs either Intel VMX with EPT and unrestricted guest, or
 * AMD SVM with nested paging (NPT); the rest is used when present. */
#ifndef ARCH_X86_CPU_FEATURES_H
#define ARCH_X86_CPU_FEATURES_H

#include "lib/types.h"

enum virt_kind { VIRT_NONE, VIRT_VMX, VIRT_SVM };

struct cpu_features {
	char vendor[13];
	char brand[49];
	u32 family, model, stepping;
	bool x2apic;
	bool gb_pages;
	bool rdtscp;		/* and IA32_TSC_AUX */
	bool nested; /* CPUID says a hypervisor runs below lucid */
	bool qemu_tcg; /* that it is QEMU's TCG, an emulator (leaf 0x40000000) */

	bool vmx, vmx_firmware_off, vmx_ept, vmx_unrestricted, vmx_vpid;
	bool svm, svm_firmware_off, svm_npt, svm_nrip, svm_clean_bits, svm_decode_assists;
	u32 svm_asids;

	enum virt_kind virt; /* the back end lucid can use, or VIRT_NONE */
	char why_none[160];  /* when VIRT_NONE: what is missing */
};

void cpu_features_detect(struct cpu_features *f);
/* One line, e.g. "AMD SVM with NPT, nRIP, 16 ASIDs" or "none". */
void cpu_features_virt_summary(const struct cpu_features *f, char *buf, size_t len);

#endif
