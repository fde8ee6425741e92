/* The management console on COM1: lucid's equivalent of virsh
 * (docs/console.md). */
#ifndef HV_CONSOLE_CONSOLE_H
#define HV_CONSOLE_CONSOLE_H

#include "lib/types.h"

#define CONSOLE_PROMPT "lucid# "

/* Runs the console on this CPU; never returns (when no VM can run). */
__noreturn void console_run(void);
/* Takes the characters that have arrived, runs a completed line. */
void console_poll(void);

#endif
