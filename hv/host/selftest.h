/* Boot-time self-tests of lucid's own protections, chosen with
 * lucid.selftest=NAME on the command line. Each provokes a fault that must
 * happen; if it does not, lucid says so loudly. */
#ifndef HV_SELFTEST_H
#define HV_SELFTEST_H

void selftest_run(const char *name);

#endif
