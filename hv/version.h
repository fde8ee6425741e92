#ifndef HV_VERSION_H
#define HV_VERSION_H

#define LUCID_VERSION_MAJOR 0
#define LUCID_VERSION_MINOR 1
#define LUCID_VERSION_PATCH 0

/* "lucid 0.1.0 (abc1234) - bare-metal hypervisor" */
const char *version_line(void);

#endif
