/* Guests built into lucid (hv/builtin/images.asm carries them). */
#ifndef HV_BUILTIN_BUILTIN_H
#define HV_BUILTIN_BUILTIN_H

#include "hv/loader/loader.h"

/* The built-in guest called `name`, or false. */
bool builtin_guest(const char *name, struct load_file *f);

#endif
