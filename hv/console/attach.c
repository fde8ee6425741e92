/* What is typed waits in a buffer until the VM's receiver has room, so
 * a line pasted at once reaches a guest that drains its 16-byte FIFO at
 * its own pace; only a guest that stops reading loses what overflows
 * the buffer (COM1 is still read, for Ctrl-]). Its output comes from the UART model's
 * ring, so a slow COM1 never holds the guest up; what the ring dropped
 * before it was shown is said, not silently skipped. */
#include "hv/console/attach.h"
#include "drivers/uart16550.h"
#include "hv/core/vm.h"
#include "hv/vdev/uart.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/string.h"

/* Output moved per poll: the console's CPU also runs guests. */
#define OUTPUT_PER_POLL 1024

static struct {
	struct vm *vm;
	u64 pos; /* the next byte of its output to show */
	u8 typed[256];
	u32 ntyped;
} at;

static void show(const char *s)
{
	uart_log_sink(s, strlen(s));
}

void attach_start(struct vm *vm)
{
	u64 end = uart_output_end(vm), lost;
	u8 c = 0;

	at.vm = vm;
	at.ntyped = 0;
	at.pos = end > ATTACH_REPLAY ? end - ATTACH_REPLAY : 0;
	while (at.pos && at.pos < end && c != '\n')
		uart_output_read(vm, &at.pos, &c, 1, &lost);
	log_mute(true);
}

static void detach(const char *why)
{
	char line[96];

	log_mute(false);
	snprintf(line, sizeof(line), "\r\nlucid: %s; back at lucid's console\n", why);
	show(line);
	at.vm = NULL;
}

static void pump_output(void)
{
	u8 buf[256];
	u64 lost;

	for (u32 moved = 0; moved < OUTPUT_PER_POLL;) {
		u32 n = uart_output_read(at.vm, &at.pos, buf, sizeof(buf), &lost);
		if (lost) {
			char line[64];

			snprintf(line, sizeof(line), "\r\n[lucid: %llu bytes of output lost]\r\n",
				 (unsigned long long)lost);
			show(line);
		}
		if (!n)
			return;
		uart_log_sink((const char *)buf, n);
		moved += n;
	}
}

bool attach_poll(void)
{
	char why[64];
	int c;

	if (!at.vm)
		return false;
	struct log_hold h = log_hold();
	while (at.vm && (c = uart_getc(COM1_PORT)) >= 0) {
		if (c == ATTACH_ESCAPE)
			detach("Ctrl-] typed");
		else if (at.ntyped < sizeof(at.typed))
			at.typed[at.ntyped++] = (u8)c;
	}
	if (at.vm && at.ntyped) {
		u32 room = uart_input_room(at.vm);
		u32 n = uart_input(at.vm, at.typed, room < at.ntyped ? room : at.ntyped);

		memmove(at.typed, at.typed + n, at.ntyped - n);
		at.ntyped -= n;
	}
	if (at.vm) {
		bool stopped = !vm_booted(at.vm);

		pump_output();
		if (stopped) {
			snprintf(why, sizeof(why), "VM %s is %s", at.vm->name,
				 vm_state_name(at.vm->state));
			detach(why);
		}
	}
	log_release(h);
	return at.vm != NULL;
}
