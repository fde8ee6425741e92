/* The two legacy 8259 interrupt controllers, which lucid does not use. */
#ifndef DRIVERS_PIC8259_H
#define DRIVERS_PIC8259_H

#include "lib/types.h"

/* Moves the 8259s' sixteen inputs to vectors base..base+15 and masks
 * them all. base is a multiple of 8, at least 32. */
void pic8259_disable(u8 base);

#endif
