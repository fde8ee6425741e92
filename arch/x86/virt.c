/* Picks the virtualisation back end once, at boot; holds what both back
 * ends share (the event format). */
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

u32 virt_event_info(const struct event *e)
{
	u32 type = e->type == EV_NMI ? 2 : e->type == EV_EXCEPTION ? 3 : 0;

	return e->vector | type << 8 | EVENT_INFO_VALID;
}

void virt_event_from(u32 info, u32 error, struct event *e)
{
	/* 4: INT n; 5: INT1 (ICEBP), 6: INT3 and INTO (VMX alone) */
	static const u8 types[8] = { [0] = EV_INTR, [2] = EV_NMI, [3] = EV_EXCEPTION,
				     [4] = EV_SOFT, [5] = EV_SOFT, [6] = EV_SOFT };

	e->type = EV_NONE;
	if (info & EVENT_INFO_VALID)
		*e = (struct event){ types[(info >> 8) & 7], (u8)info,
				     (info & EVENT_INFO_HAS_ERROR) != 0, error };
}

int virt_cpu_init(void)
{
	fpu_cpu_init();
	return virt->cpu_init();
}
