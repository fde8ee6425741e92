/* The console's commands, virsh's verbs for lucid (docs/console.md):
 * a table that console.c parses lines against, completes from and
 * prints help from. A command is run only with the arguments it takes
 * and, if it names a VM, with that VM in a state it accepts; its answer
 * goes through reply.h, so each works for people and for programs. */
#ifndef HV_CONSOLE_COMMANDS_H
#define HV_CONSOLE_COMMANDS_H

#include "hv/core/vm.h"

enum command_arg {
	ARG_NONE,
	ARG_VM,		/* the first argument is a VM's name */
	ARG_COMMAND,	/* a command's name */
	ARG_WORD,	/* one of `words` */
};

struct command {
	const char *name;
	const char *usage;	/* its arguments, as `help` shows them */
	const char *help;
	u8 min_args, max_args;
	enum command_arg arg;
	const char *const *words; /* ARG_WORD: the words, NULL-ended */
	u32 states;		/* ARG_VM: the states it accepts, bits 1 << VM_* */
	void (*run)(struct vm *vm, int argc, char **argv);
	/* Or a verb of vm.h that the VM's own doing may overtake: it then
	 * fails, and the answer is the state the VM is in. */
	int (*verb)(struct vm *vm);
	const char *done;	/* "destroyed": what the verb did */
};

extern const struct command commands[];
extern const u32 ncommands;

/* `json on` and `console VM`: what only console.c can do. */
void console_set_json(bool on);
void console_attach(struct vm *vm);
/* `help`, which lists the table. */
void console_help(struct vm *vm, int argc, char **argv);

#endif
