#include "hv/version.h"
#include "gitrev.h" /* generated: build/gen/gitrev.h */

#define STR_(x) #x
#define STR(x) STR_(x)

const char *version_line(void)
{
	return "lucid " STR(LUCID_VERSION_MAJOR) "." STR(LUCID_VERSION_MINOR) "." STR(
		LUCID_VERSION_PATCH) " (" LUCID_GITREV ") - bare-metal hypervisor";
}
