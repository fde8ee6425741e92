/* `console VM`: COM1 carries one VM's serial port both ways, as virsh's
 * console does, until Ctrl-] or the VM stops. */
#ifndef HV_CONSOLE_ATTACH_H
#define HV_CONSOLE_ATTACH_H

#include "lib/types.h"

struct vm;

#define ATTACH_ESCAPE 0x1d	/* Ctrl-] */
#define ATTACH_REPLAY 2048	/* recent output shown first (from a line's start) */

/* Connects COM1 to vm's serial port, which it must have (uart_present),
 * and shows its recent output. The log is muted meanwhile: what lucid
 * logs stays in the ring, for 'log'. */
void attach_start(struct vm *vm);
/* Moves what was typed to the guest and its output to COM1. Returns
 * false when nothing is attached, after detaching if the user typed
 * Ctrl-] or the VM stopped. */
bool attach_poll(void);

#endif
