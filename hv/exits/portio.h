/* The VM's port bus: I/O port exits go to the device model that claimed
 * the port. Unclaimed ports behave like an empty ISA bus: reads return all
 * ones, writes are dropped. */
#ifndef HV_PORTIO_H
#define HV_PORTIO_H

#include "hv/vdev/bus.h"
#include "hv/core/vcpu.h"

enum exit_action portio_exit(struct vcpu *v, struct exit_record *x);

#endif
