#ifndef HV_VERSION_H
#define HV_VERSION_H

/* "lucid 0.1.0 (abc1234) - bare-metal hypervisor" */
const char *version_line(void);

#endif
