/* CPU feature detection. The capability MSRs are read only after CPUID
 * says they exist: reading an absent MSR faults. */
#include "arch/x86/cpu_features.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define VM_CR_SVMDIS (1ull << 4)

static void detect_identity(struct cpu_features *f)
{
	struct cpuid_regs r = cpuid(0, 0);

	memcpy(f->vendor, &r.ebx, 4);
	memcpy(f->vendor + 4, &r.edx, 4);
	memcpy(f->vendor + 8, &r.ecx, 4);
	f->vendor[12] = '\0';

	r = cpuid(1, 0);
	u32 fam = (r.eax >> 8) & 0xf, model = (r.eax >> 4) & 0xf;
	if (fam == 0xf)
		fam += (r.eax >> 20) & 0xff;
	if (fam >= 6)
		model |= ((r.eax >> 16) & 0xf) << 4;
	f->family = fam;
	f->model = model;
	f->stepping = r.eax & 0xf;
	f->x2apic = r.ecx & (1u << 21);
	f->nested = r.ecx & (1u << 31);
	f->vmx = r.ecx & (1u << 5);
	if (f->nested) {
		r = cpuid(0x40000000, 0);
		f->qemu_tcg = !memcmp(&r.ebx, "TCGT", 4) && !memcmp(&r.ecx, "CGTC", 4) &&
			      !memcmp(&r.edx, "GTCG", 4);
	}

	u32 maxext = cpuid(0x80000000, 0).eax;
	if (maxext >= 0x80000001) {
		r = cpuid(0x80000001, 0);
		f->svm = r.ecx & (1u << 2);
		f->gb_pages = r.edx & (1u << 26);
		f->rdtscp = r.edx & (1u << 27);
	}
	if (maxext >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i, 0);
			memcpy(f->brand + 16 * i, &r, 16);
		}
		f->brand[48] = '\0';
	} else {
		strlcpy(f->brand, "unknown", sizeof(f->brand));
	}
}

static void detect_vmx(struct cpu_features *f)
{
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);

	f->vmx_firmware_off = (fc & FC_LOCKED) && !(fc & FC_VMX_OUTSIDE_SMX);
	u64 basic = rdmsr(MSR_VMX_BASIC);
	u32 proc = vmx_ctl_may1(rdmsr(vmx_ctl_cap_msr(VMX_CTL_PROC, basic)));
	if (!(proc & VMX_PROC_SECONDARY)) /* nor, then, IA32_VMX_PROCBASED_CTLS2 */
		return;
	u32 proc2 = vmx_ctl_may1(rdmsr(MSR_VMX_PROCBASED_CTLS2));
	f->vmx_ept = proc2 & VMX_PROC2_EPT;
	f->vmx_vpid = proc2 & VMX_PROC2_VPID;
	f->vmx_unrestricted = proc2 & VMX_PROC2_UNRESTRICTED;
}

static void detect_svm(struct cpu_features *f)
{
	f->svm_firmware_off = rdmsr(MSR_VM_CR) & VM_CR_SVMDIS;
	if (cpuid(0x80000000, 0).eax < 0x8000000a)
		return;
	struct cpuid_regs r = cpuid(0x8000000a, 0);
	f->svm_asids = r.ebx;
	f->svm_npt = r.edx & (1u << 0);
	f->svm_nrip = r.edx & (1u << 3);
	f->svm_clean_bits = r.edx & (1u << 5);
	f->svm_decode_assists = r.edx & (1u << 7);
}

static void choose(struct cpu_features *f)
{
	char *why = f->why_none;
	size_t len = sizeof(f->why_none);

	if (f->vmx) {
		if (f->vmx_firmware_off)
			snprintf(why, len, "Intel VMX is disabled by the firmware "
				 "(IA32_FEATURE_CONTROL locked); enable VT-x in the firmware setup");
		else if (!f->vmx_ept || !f->vmx_unrestricted)
			snprintf(why, len, "Intel VMX lacks %s%s%s", f->vmx_ept ? "" : "EPT",
				 !f->vmx_ept && !f->vmx_unrestricted ? " and " : "",
				 f->vmx_unrestricted ? "" : "unrestricted guest");
		else
			f->virt = VIRT_VMX;
	} else if (f->svm) {
		if (f->svm_firmware_off)
			snprintf(why, len, "AMD SVM is disabled by the firmware "
				 "(VM_CR.SVMDIS); enable SVM in the firmware setup");
		else if (!f->svm_npt)
			snprintf(why, len, "AMD SVM has no nested paging (NPT)");
		else
			f->virt = VIRT_SVM;
	} else {
		snprintf(why, len, "this CPU has neither Intel VMX nor AMD SVM%s",
			 f->nested ? " (lucid runs under a hypervisor that hides them: "
				     "enable nested virtualisation)" : "");
	}
}

void cpu_features_detect(struct cpu_features *f)
{
	memset(f, 0, sizeof(*f));
	detect_identity(f);
	if (f->vmx)
		detect_vmx(f);
	if (f->svm)
		detect_svm(f);
	choose(f);
}

void cpu_features_virt_summary(const struct cpu_features *f, char *buf, size_t len)
{
	switch (f->virt) {
	case VIRT_VMX:
		snprintf(buf, len, "Intel VMX with EPT, unrestricted guest%s",
			 f->vmx_vpid ? ", VPID" : ", no VPID");
		break;
	case VIRT_SVM:
		snprintf(buf, len, "AMD SVM with NPT, %s, %s, %s, %u ASIDs",
			 f->svm_nrip ? "nRIP" : "no nRIP",
			 f->svm_clean_bits ? "clean bits" : "no clean bits",
			 f->svm_decode_assists ? "decode assists" : "no decode assists", f->svm_asids);
		break;
	default:
		snprintf(buf, len, "none");
		break;
	}
}
