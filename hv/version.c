#include "hv/version.h"

const char *version_line(void)
{
	return "lucid " LUCID_VERSION " (" LUCID_GITREV ") - bare-metal hypervisor";
}
