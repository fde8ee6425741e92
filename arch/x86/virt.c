/* Picks the virtualisation back end once, at boot. */
#include "arch/x86/virt.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/fpu.h"
#include "arch/x86/guest_regs.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/vmx/vmx.h"
#include "lib/log.h"
#include "lib/spinlock.h"

const struct virt_ops *virt;

int virt_init(const struct cpu_features *f)
{
	const struct virt_ops *ops = NULL;

	if (f->virt == VIRT_SVM)
		ops = svm_probe(f);
	else if (f->virt == VIRT_VMX)
		ops = vmx_probe(f);
	if (!ops) {
		printk("lucid: no usable virtualisation back end (%s)\n",
		       f->virt == VIRT_NONE ? f->why_none : "see above");
		return -1;
	}
	if (fpu_init() || ops->cpu_init())
		return -1;
	guest_regs_init(f);
	virt = ops;
	return 0;
}

static bool bad_entry;

void virt_selftest_bad_entry(void)
{
	atomic_store(&bad_entry, true);
}

bool virt_selftest_take_bad_entry(void)
{
	return atomic_load(&bad_entry) && atomic_xchg(&bad_entry, false);
}

int virt_cpu_init(void)
{
	fpu_cpu_init();
	return virt->cpu_init();
}
