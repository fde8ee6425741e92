#include "hv/version.h"
#include "gitrev.h" /* generated: build/gen/gitrev.h */

const char *version_line(void)
{
	return "lucid " LUCID_VERSION " (" LUCID_GITREV ") - bare-metal hypervisor";
}
