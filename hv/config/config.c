/* The lucid.cfg parser. The text arrives as a boot module, so it is read
 * in place, line by line, as (pointer, length) spans: nothing assumes a NUL
 * at the end, and nothing is copied but the values kept in struct config.
 *
 * Every problem gets one message naming its line. A problem inside a
 * [vm] section marks that VM invalid and reading goes on, so a typo stops
 * one VM, not all of them. A section whose header is rejected (bad or
 * duplicate name, one VM too many) is skipped up to the next header: its
 * header's message already says why. */
#include "hv/config/config.h"
#include "boot/boot_info.h"
#include "lib/fmt.h"
#include "lib/nearest.h"
#include "lib/string.h"

/* A name the boot loader could not hand over would never match. */
_Static_assert(CONFIG_FILE_NAME_MAX == BOOT_NAME_LEN - 1, "file names are boot module names");

const char config_default_text[] =
	"# lucid's built-in config: used when no lucid.cfg is given at boot.\n"
	"[vm \"hello\"]\n"
	"vcpus     = 1\n"
	"memory    = 16M\n"
	"kernel    = hello        # the demo guest built into lucid\n"
	"autostart = yes\n";

/* Room kept at the end of a diag buffer for "... and N more problems\n". */
#define DIAG_TAIL_ROOM 40
/* User text quoted in a message is cut to this many characters. */
#define SHOW_MAX 40
/* memory = is a whole number of pages. */
#define MEMORY_ALIGN KiB(4)

struct span {
	const char *s;
	size_t len;
};

enum key {
	KEY_VCPUS,
	KEY_CPUS,
	KEY_WEIGHT,
	KEY_MEMORY,
	KEY_KERNEL,
	KEY_INITRD,
	KEY_MODULE,
	KEY_CMDLINE,
	KEY_FORMAT,
	KEY_LOAD,
	KEY_ENTRY,
	KEY_MODE,
	KEY_PLATFORM,
	KEY_AUTOSTART,
	KEY_TESTDEV,
	KEY_DEBUG_EXIT,
	KEY_FW_CFG,
	NKEYS
};

struct parser;
struct key_def;

/* How a key's value is read, one parser per type. Each gets the value
 * without its comment, trimmed, and unquoted (except module's, which has a
 * name and a command line to split), and returns true when it was good. */
typedef bool parse_fn(struct parser *p, const struct key_def *k, struct span v);

/* A key: its name, its type's parser, the VM field it sets and, for some
 * types, the values it takes. */
struct key_def {
	const char *name;
	parse_fn *parse;
	size_t field;			/* offset in struct config_vm */
	u64 min, max;			/* parse_u32, _u64, _memory: the range; _cpus: max */
	const char *const *words;	/* parse_word: the values, in enum order */
	unsigned nwords;
	const char *not_word;		/* parse_word: "\"X\" is not ..." */
};

/* The table of keys, below the parsers. */
static const struct key_def keys[NKEYS];

struct parser {
	const char *file;
	struct config *cfg;
	struct config_diag *diag;
	u32 problems;
	u32 line;
	bool seen_header;
	bool in_section;	/* past a header, even a rejected one */
	struct config_vm *vm;	/* the section's VM; NULL if rejected */
	enum key key;		/* the key being read, for messages */
	bool quoted;		/* its value was in double quotes */
	u32 key_line[NKEYS];	/* where vm's keys were first given; 0: not */
	u32 key_ok;		/* bit per key: given with a good value */
	bool too_many_modules;	/* reported for this VM already */
};

/* --- diagnostics ---------------------------------------------------------- */

void config_diag_init(struct config_diag *d, char *buf, size_t size)
{
	*d = (struct config_diag){ .buf = buf, .size = size };
	if (size)
		buf[0] = '\0';
}

/* Rewrites the end of the text: the NUL, or the "more problems" line. */
static void diag_tail(struct config_diag *d)
{
	u32 more = d->count - d->shown;

	if (d->len >= d->size)
		return;
	if (more)
		snprintf(d->buf + d->len, d->size - d->len, "... and %u more problem%s\n",
			 more, more == 1 ? "" : "s");
	else
		d->buf[d->len] = '\0';
}

/* Once one message is dropped, all later ones are too, so the tail line
 * is always last. */
static void diag_add(struct config_diag *d, const char *msg, size_t n)
{
	bool dropping = d->shown < d->count;

	d->count++;
	if (!dropping && d->len + n + DIAG_TAIL_ROOM <= d->size) {
		memcpy(d->buf + d->len, msg, n);
		d->len += n;
		d->shown++;
	}
	diag_tail(d);
}

/* Appends to msg[0..n) and returns the new length, at most size-1. */
static size_t __printf(4, 5) addf(char *msg, size_t size, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(msg + n, size - n, fmt, ap);
	va_end(ap);
	n += r > 0 ? (size_t)r : 0;
	return MIN(n, size - 1);
}

/* "FILE:LINE: [vm "NAME": ][KEY: ]message". A problem found while a VM's
 * section is read is that VM's, and marks it invalid. Line 0 is the file
 * as a whole. */
static void __printf(4, 0) vreport(struct parser *p, u32 line, bool about_key, const char *fmt,
				   va_list ap)
{
	char msg[320];
	size_t n = 0;
	int r;

	p->problems++;
	n = addf(msg, sizeof(msg), n, "%s:", p->file);
	if (line)
		n = addf(msg, sizeof(msg), n, "%u:", line);
	n = addf(msg, sizeof(msg), n, " ");
	if (p->vm) {
		n = addf(msg, sizeof(msg), n, "vm \"%s\": ", p->vm->name);
		p->vm->valid = false;
	}
	if (about_key)
		n = addf(msg, sizeof(msg), n, "%s: ", keys[p->key].name);
	r = vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	n = MIN(n + (r > 0 ? (size_t)r : 0), sizeof(msg) - 2);
	msg[n++] = '\n';
	if (p->diag)
		diag_add(p->diag, msg, n);
}

/* A problem at the given line, of the current VM if there is one. */
static void __printf(3, 4) report(struct parser *p, u32 line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, line, false, fmt, ap);
	va_end(ap);
}

/* A problem with the value of the key on the current line. */
static void __printf(2, 3) key_report(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, p->line, true, fmt, ap);
	va_end(ap);
}

/* User text made safe to print: control bytes become '?', and long text
 * is cut short with "...". */
static const char *show(char out[SHOW_MAX + 1], struct span t)
{
	size_t n = MIN(t.len, SHOW_MAX);

	for (size_t i = 0; i < n; i++) {
		u8 c = (u8)t.s[i];
		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (t.len > SHOW_MAX)
		memcpy(out + SHOW_MAX - 3, "...", 3);
	out[n] = '\0';
	return out;
}

/* --- spans ---------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static struct span trim(struct span t)
{
	while (t.len && is_space(t.s[0]))
		t.s++, t.len--;
	while (t.len && is_space(t.s[t.len - 1]))
		t.len--;
	return t;
}

static struct span sub(struct span t, size_t from, size_t to)
{
	return (struct span){ t.s + from, to - from };
}

static bool span_is(struct span t, const char *word)
{
	size_t n = strlen(word);

	return t.len == n && !memcmp(t.s, word, n);
}

/* Index of the first c in t, or t.len. */
static size_t find(struct span t, char c)
{
	size_t i = 0;

	while (i < t.len && t.s[i] != c)
		i++;
	return i;
}

static void copy_out(char *dst, struct span t)
{
	memcpy(dst, t.s, t.len);
	dst[t.len] = '\0';
}

/* --- values --------------------------------------------------------------- */

/* A value that starts with a double quote is the text up to the next one
 * (it keeps '#' and spaces), and nothing may follow it. Any other value is
 * taken as it is. */
static bool unquote(struct parser *p, struct span *v, bool *quoted)
{
	char a[SHOW_MAX + 1];
	size_t close;

	*quoted = v->len && v->s[0] == '"';
	if (!*quoted)
		return true;
	close = 1 + find(sub(*v, 1, v->len), '"');
	/* The line's quotes pair up, but a module's command line can start
	 * at a quote that closes one in the name: module = a"b "c */
	if (close == v->len) {
		key_report(p, "missing closing quote");
		return false;
	}
	if (close != v->len - 1) {
		key_report(p, "text after the closing quote: \"%s\"",
			   show(a, sub(*v, close + 1, v->len)));
		return false;
	}
	*v = sub(*v, 1, close);
	return true;
}

/* The whole value as a number in [min, max]. */
static bool parse_number(struct parser *p, struct span v, u64 min, u64 max, u64 *out)
{
	char a[SHOW_MAX + 1];
	bool overflow;
	u64 n;
	size_t used = str_to_u64(v.s, v.len, &n, &overflow);

	if (!used || used != v.len) {
		key_report(p, "\"%s\" is not a number", show(a, v));
		return false;
	}
	if (overflow && max == UINT64_MAX) {
		key_report(p, "\"%s\" is too large (more than 64 bits)", show(a, v));
		return false;
	}
	if (overflow || n < min || n > max) {
		key_report(p, "\"%s\" is out of range (%llu to %llu)", show(a, v),
			   (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*out = n;
	return true;
}

/* A number of bytes with an optional K, M or G. */
static bool parse_size(struct parser *p, struct span v, u64 *out)
{
	char a[SHOW_MAX + 1];
	bool overflow;
	size_t used = str_to_u64(v.s, v.len, out, &overflow);
	unsigned shift = 0;

	if (used && used + 1 == v.len) {
		switch (v.s[used]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: used = 0; break;
		}
		if (used)
			used++;
	}
	if (!used || used != v.len) {
		key_report(p, "\"%s\" is not a size (use e.g. 256M)", show(a, v));
		return false;
	}
	if (overflow || *out > UINT64_MAX >> shift) {
		*out = UINT64_MAX;
		return true;	/* the caller's upper limit catches it */
	}
	*out <<= shift;
	return true;
}

/* A size as lucid.cfg writes it: 4K, 1M, 64G; plain bytes if no unit
 * divides it. */
static const char *size_text(char out[24], u64 bytes)
{
	static const char units[] = "GMK";

	for (unsigned i = 0; i < 3; i++) {
		unsigned shift = 30 - 10 * i;

		if (bytes && !(bytes & ((1ull << shift) - 1))) {
			snprintf(out, 24, "%llu%c", (unsigned long long)(bytes >> shift), units[i]);
			return out;
		}
	}
	snprintf(out, 24, "%llu", (unsigned long long)bytes);
	return out;
}

/* A kernel, initrd or module name: one word unless quoted. */
static bool file_name(struct parser *p, struct span v, bool quoted, char *dst)
{
	char a[SHOW_MAX + 1];

	if (!v.len) {
		key_report(p, "no name given");
		return false;
	}
	if (!quoted && (find(v, ' ') < v.len || find(v, '\t') < v.len)) {
		key_report(p, "\"%s\" has a space in it (quote a name with spaces; "
			   "arguments go in cmdline)", show(a, v));
		return false;
	}
	if (v.len > CONFIG_FILE_NAME_MAX) {
		key_report(p, "name too long (%zu characters, at most %d)", v.len,
			   CONFIG_FILE_NAME_MAX);
		return false;
	}
	copy_out(dst, v);
	return true;
}

static bool command_line(struct parser *p, struct span v, char *dst)
{
	if (v.len > CONFIG_CMDLINE_MAX) {
		key_report(p, "command line too long (%zu characters, at most %d)", v.len,
			   CONFIG_CMDLINE_MAX);
		return false;
	}
	copy_out(dst, v);
	return true;
}

/* --- keys ----------------------------------------------------------------- */

/* The VM field that key k sets. */
static void *field(struct parser *p, const struct key_def *k)
{
	return (char *)p->vm + k->field;
}

static bool parse_u32(struct parser *p, const struct key_def *k, struct span v)
{
	u64 n;

	if (!parse_number(p, v, k->min, k->max, &n))
		return false;
	*(u32 *)field(p, k) = (u32)n;
	return true;
}

static bool parse_u64(struct parser *p, const struct key_def *k, struct span v)
{
	return parse_number(p, v, k->min, k->max, field(p, k));
}

/* "1-2,4": numbers and ranges, each CPU once. */
static bool parse_cpus(struct parser *p, const struct key_def *k, struct span v)
{
	char a[SHOW_MAX + 1];
	u64 mask = 0;
	size_t pos = 0;

	for (;;) {
		size_t comma = pos + find(sub(v, pos, v.len), ',');
		struct span item = trim(sub(v, pos, comma));
		u64 lo, hi;
		bool overflow, overflow2 = false;
		size_t used = str_to_u64(item.s, item.len, &lo, &overflow);

		hi = lo;
		if (used) {
			struct span rest = trim(sub(item, used, item.len));
			if (rest.len && rest.s[0] == '-') {
				rest = trim(sub(rest, 1, rest.len));
				size_t used2 = str_to_u64(rest.s, rest.len, &hi, &overflow2);
				used = used2 == rest.len ? used2 : 0;
			} else if (rest.len) {
				used = 0;
			}
		}
		if (!used) {
			key_report(p, "\"%s\" is not a list of CPUs (use e.g. 1-2,4)", show(a, v));
			return false;
		}
		if (overflow || overflow2 || hi > k->max) {
			key_report(p, "\"%s\" is out of range (CPUs are 0 to %llu)", show(a, item),
				   (unsigned long long)k->max);
			return false;
		}
		if (lo > hi) {
			key_report(p, "\"%s\" is not a range (the lower CPU goes first)",
				   show(a, item));
			return false;
		}
		for (u64 c = lo; c <= hi; c++) {
			if (mask & (1ull << c)) {
				key_report(p, "CPU %llu is listed twice", (unsigned long long)c);
				return false;
			}
			mask |= 1ull << c;
		}
		if (comma == v.len)
			break;
		pos = comma + 1;
	}
	*(u64 *)field(p, k) = mask;
	return true;
}

static bool parse_memory(struct parser *p, const struct key_def *k, struct span v)
{
	char a[SHOW_MAX + 1], size[24];
	u64 bytes;

	if (!parse_size(p, v, &bytes))
		return false;
	if (bytes < k->min) {
		key_report(p, "\"%s\" is too small (at least %s)", show(a, v),
			   size_text(size, k->min));
		return false;
	}
	if (bytes > k->max) {
		key_report(p, "\"%s\" is too large (at most %s)", show(a, v),
			   size_text(size, k->max));
		return false;
	}
	if (!IS_ALIGNED(bytes, MEMORY_ALIGN)) {
		key_report(p, "\"%s\" is not a multiple of %s", show(a, v),
			   size_text(size, MEMORY_ALIGN));
		return false;
	}
	*(u64 *)field(p, k) = bytes;
	return true;
}

static bool parse_file(struct parser *p, const struct key_def *k, struct span v)
{
	return file_name(p, v, p->quoted, field(p, k));
}

static bool parse_cmdline(struct parser *p, const struct key_def *k, struct span v)
{
	return command_line(p, v, field(p, k));
}

/* "name the command line", the name quoted if it has spaces. */
static bool parse_module(struct parser *p, const struct key_def *k, struct span v)
{
	char a[SHOW_MAX + 1];
	struct config_module *m;
	struct span name, args;
	bool name_quoted = v.s[0] == '"', args_quoted;
	size_t end;

	(void)k;
	if (p->vm->nmodules == CONFIG_MAX_MODULES) {
		if (!p->too_many_modules)
			report(p, p->line, "more than %d modules", CONFIG_MAX_MODULES);
		p->too_many_modules = true;
		return false;
	}
	if (name_quoted) {
		end = 1 + find(sub(v, 1, v.len), '"');
		name = sub(v, 1, end);
		end++;
		if (end < v.len && !is_space(v.s[end])) {
			key_report(p, "text after the closing quote: \"%s\"",
				   show(a, sub(v, end, v.len)));
			return false;
		}
	} else {
		end = 0;
		while (end < v.len && !is_space(v.s[end]))
			end++;
		name = sub(v, 0, end);
	}
	args = trim(sub(v, end, v.len));
	m = &p->vm->modules[p->vm->nmodules];
	if (!file_name(p, name, true, m->name) || !unquote(p, &args, &args_quoted) ||
	    !command_line(p, args, m->cmdline))
		return false;
	p->vm->nmodules++;
	return true;
}

/* One of k's words, stored as its index: the field is an enum. */
static bool parse_word(struct parser *p, const struct key_def *k, struct span v)
{
	char a[SHOW_MAX + 1];

	for (unsigned i = 0; i < k->nwords; i++) {
		if (span_is(v, k->words[i])) {
			*(unsigned *)field(p, k) = i;
			return true;
		}
	}
	key_report(p, "\"%s\" is not %s", show(a, v), k->not_word);
	return false;
}

static bool parse_bool(struct parser *p, const struct key_def *k, struct span v)
{
	char a[SHOW_MAX + 1];
	bool *out = field(p, k);

	if (span_is(v, "yes") || span_is(v, "true") || span_is(v, "1"))
		*out = true;
	else if (span_is(v, "no") || span_is(v, "false") || span_is(v, "0"))
		*out = false;
	else {
		key_report(p, "\"%s\" is not yes or no (or true/false, 1/0)", show(a, v));
		return false;
	}
	return true;
}

static const char *const format_names[] = {
	[CONFIG_FORMAT_AUTO] = "auto",
	[CONFIG_FORMAT_MULTIBOOT1] = "multiboot1",
	[CONFIG_FORMAT_MULTIBOOT2] = "multiboot2",
	[CONFIG_FORMAT_LINUX] = "linux",
	[CONFIG_FORMAT_FLAT] = "flat",
};

const char *config_format_name(enum config_format f)
{
	return (unsigned)f < ARRAY_SIZE(format_names) ? format_names[f] : "?";
}

static const char *const mode_names[] = {
	[CONFIG_MODE_PROTECTED] = "protected",
	[CONFIG_MODE_REAL] = "real",
};

static const char *const platform_names[] = {
	[CONFIG_PLATFORM_PC] = "pc",
	[CONFIG_PLATFORM_NONE] = "none",
};

/* parse_word stores an enum through an unsigned. */
_Static_assert(sizeof(enum config_format) == sizeof(unsigned) &&
	       sizeof(enum config_mode) == sizeof(unsigned) &&
	       sizeof(enum config_platform) == sizeof(unsigned), "enums are unsigned");

#define FIELD(f) __builtin_offsetof(struct config_vm, f)
#define WORDS(names) .words = names, .nwords = ARRAY_SIZE(names)

static const struct key_def keys[NKEYS] = {
	[KEY_VCPUS] = { "vcpus", parse_u32, FIELD(vcpus), .min = 1, .max = CONFIG_MAX_VCPUS },
	[KEY_CPUS] = { "cpus", parse_cpus, FIELD(cpus), .max = CONFIG_MAX_PCPUS - 1 },
	[KEY_WEIGHT] = { "weight", parse_u32, FIELD(weight), .min = 1, .max = CONFIG_WEIGHT_MAX },
	[KEY_MEMORY] = { "memory", parse_memory, FIELD(memory), .min = MiB(1), .max = GiB(64) },
	[KEY_KERNEL] = { "kernel", parse_file, FIELD(kernel) },
	[KEY_INITRD] = { "initrd", parse_file, FIELD(initrd) },
	[KEY_MODULE] = { "module", parse_module },
	[KEY_CMDLINE] = { "cmdline", parse_cmdline, FIELD(cmdline) },
	[KEY_FORMAT] = { "format", parse_word, FIELD(format), WORDS(format_names),
			 .not_word = "one of auto, multiboot1, multiboot2, linux, flat" },
	[KEY_LOAD] = { "load", parse_u64, FIELD(load), .max = UINT64_MAX },
	[KEY_ENTRY] = { "entry", parse_u64, FIELD(entry), .max = UINT64_MAX },
	[KEY_MODE] = { "mode", parse_word, FIELD(mode), WORDS(mode_names),
		       .not_word = "real or protected" },
	[KEY_PLATFORM] = { "platform", parse_word, FIELD(platform), WORDS(platform_names),
			   .not_word = "pc or none" },
	[KEY_AUTOSTART] = { "autostart", parse_bool, FIELD(autostart) },
	[KEY_TESTDEV] = { "testdev", parse_bool, FIELD(testdev) },
	[KEY_DEBUG_EXIT] = { "debug-exit", parse_bool, FIELD(debug_exit) },
	[KEY_FW_CFG] = { "fw-cfg", parse_bool, FIELD(fw_cfg) },
};

/* What key i takes, from the table above and the constants its parser
 * checks against, in the words docs/config.md's table uses. */
const char *config_key(u32 i, char *what, size_t size)
{
	const struct key_def *k;
	char lo[24], hi[24], align[24];
	size_t n = 0;

	if (i >= NKEYS)
		return NULL;
	k = &keys[i];
	if ((k->parse == parse_u32 || k->parse == parse_u64) && k->max == UINT64_MAX)
		snprintf(what, size, "a number (64 bits)");
	else if (k->parse == parse_u32 || k->parse == parse_u64)
		snprintf(what, size, "%llu to %llu", (unsigned long long)k->min,
			 (unsigned long long)k->max);
	else if (k->parse == parse_cpus)
		snprintf(what, size, "CPUs 0 to %llu", (unsigned long long)k->max);
	else if (k->parse == parse_memory)
		snprintf(what, size, "%s to %s, a multiple of %s", size_text(lo, k->min),
			 size_text(hi, k->max), size_text(align, MEMORY_ALIGN));
	else if (k->parse == parse_file)
		snprintf(what, size, "a name of at most %d characters", CONFIG_FILE_NAME_MAX);
	else if (k->parse == parse_module)
		snprintf(what, size, "up to %d, each a name of at most %d characters and a "
			 "command line of at most %d characters", CONFIG_MAX_MODULES,
			 CONFIG_FILE_NAME_MAX, CONFIG_CMDLINE_MAX);
	else if (k->parse == parse_cmdline)
		snprintf(what, size, "at most %d characters", CONFIG_CMDLINE_MAX);
	else if (k->parse == parse_word)
		for (unsigned w = 0; w < k->nwords; w++)
			n = addf(what, size, n, "%s%s", !w ? "" : w + 1 < k->nwords ? ", " : " or ",
				 k->words[w]);
	else
		snprintf(what, size, "yes or no (or true/false, 1/0)");
	return k->name;
}

/* --- "did you mean" ------------------------------------------------------- */

/* The known key a near-miss was probably meant to be; NULL when nothing
 * is close (lib/nearest.h). */
static const char *suggest(struct span key)
{
	char word[NEAREST_MAX_LEN + 1];
	struct nearest n;

	if (key.len > NEAREST_MAX_LEN)
		return NULL;
	memcpy(word, key.s, key.len);
	word[key.len] = '\0';
	nearest_init(&n, word);
	for (unsigned k = 0; k < NKEYS; k++)
		nearest_offer(&n, keys[k].name);
	return n.best;
}

/* --- lines ---------------------------------------------------------------- */

/* The value up to a '#' outside double quotes, trimmed. */
static bool strip_comment(struct parser *p, struct span *v)
{
	bool in_quote = false;
	size_t i;

	for (i = 0; i < v->len; i++) {
		if (v->s[i] == '"')
			in_quote = !in_quote;
		else if (v->s[i] == '#' && !in_quote)
			break;
	}
	if (in_quote) {
		key_report(p, "missing closing quote");
		return false;
	}
	*v = trim(sub(*v, 0, i));
	return true;
}

static void parse_key(struct parser *p, struct span t)
{
	char a[SHOW_MAX + 1];
	size_t eq = find(t, '='), hash = find(t, '#');
	struct span key, v;
	const char *hint;
	int k;

	if (eq == t.len || hash < eq) {
		struct span what = trim(sub(t, 0, hash));
		report(p, p->line, "\"%s\" is not \"key = value\", a [vm \"name\"] header "
		       "or a # comment", show(a, what));
		return;
	}
	key = trim(sub(t, 0, eq));
	v = sub(t, eq + 1, t.len);
	if (!key.len) {
		report(p, p->line, "no key before \"=\"");
		return;
	}
	if (!p->in_section) {
		report(p, p->line, "key \"%s\" is outside any [vm \"name\"] section", show(a, key));
		return;
	}
	for (k = 0; k < NKEYS; k++)
		if (span_is(key, keys[k].name))
			break;
	if (k == NKEYS) {
		hint = suggest(key);
		if (hint)
			report(p, p->line, "unknown key \"%s\" (did you mean \"%s\"?)",
			       show(a, key), hint);
		else
			report(p, p->line, "unknown key \"%s\"", show(a, key));
		return;
	}
	p->key = (enum key)k;
	if (k != KEY_MODULE && p->key_line[k]) {
		report(p, p->line, "%s is given twice (first at line %u)", keys[k].name,
		       p->key_line[k]);
		return;
	}
	if (!p->key_line[k])
		p->key_line[k] = p->line;
	if (!strip_comment(p, &v))
		return;
	p->quoted = false;
	if (k != KEY_MODULE && !unquote(p, &v, &p->quoted))
		return;
	if (!v.len && !p->quoted && k != KEY_CMDLINE) {
		key_report(p, "no value given");
		return;
	}
	if (keys[k].parse(p, &keys[k], v))
		p->key_ok |= 1u << k;
}

/* Bits set in a CPU mask; a loop, as the kernel has no libgcc for
 * __builtin_popcount to call. */
static u32 cpu_count(u64 mask)
{
	u32 n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

static bool key_ok(const struct parser *p, enum key k)
{
	return p->key_ok & (1u << k);
}

/* Checks that need the whole section: required keys (reported at the
 * header), keys that depend on each other, CPUs dedicated twice. */
static void end_section(struct parser *p)
{
	struct config_vm *vm = p->vm;
	u32 ncpus;

	if (!vm)
		return;
	ncpus = cpu_count(vm->cpus);
	if (!p->key_line[KEY_MEMORY])
		report(p, vm->line, "no memory given");
	if (!p->key_line[KEY_KERNEL])
		report(p, vm->line, "no kernel given");

	if (!p->key_line[KEY_VCPUS])
		vm->vcpus = key_ok(p, KEY_CPUS) ? ncpus : 1;
	if (key_ok(p, KEY_CPUS) && !p->key_line[KEY_VCPUS] && ncpus > CONFIG_MAX_VCPUS)
		report(p, p->key_line[KEY_CPUS], "cpus: %u CPUs listed, but a VM has at most %d vCPUs",
		       ncpus, CONFIG_MAX_VCPUS);
	else if (key_ok(p, KEY_CPUS) && key_ok(p, KEY_VCPUS) && ncpus != vm->vcpus)
		report(p, p->key_line[KEY_CPUS], "cpus: %u CPU%s listed, but vcpus = %u",
		       ncpus, ncpus == 1 ? "" : "s", vm->vcpus);
	if (p->key_line[KEY_WEIGHT] && p->key_line[KEY_CPUS])
		report(p, p->key_line[KEY_WEIGHT],
		       "weight is only for VMs without cpus: a dedicated CPU is not shared");

	if (key_ok(p, KEY_FORMAT) || !p->key_line[KEY_FORMAT]) {
		static const enum key flat_only[] = { KEY_LOAD, KEY_ENTRY, KEY_MODE };

		if (vm->format == CONFIG_FORMAT_FLAT) {
			if (!p->key_line[KEY_LOAD])
				report(p, vm->line, "format = flat needs a load address");
			if (!p->key_line[KEY_ENTRY])
				vm->entry = vm->load;
		} else {
			for (unsigned i = 0; i < ARRAY_SIZE(flat_only); i++)
				if (p->key_line[flat_only[i]])
					report(p, p->key_line[flat_only[i]],
					       "%s is only for format = flat",
					       keys[flat_only[i]].name);
		}
	}
	if (vm->format == CONFIG_FORMAT_FLAT && key_ok(p, KEY_MEMORY)) {
		if (key_ok(p, KEY_LOAD) && vm->load >= vm->memory)
			report(p, p->key_line[KEY_LOAD],
			       "load: 0x%llx is beyond the end of memory (0x%llx)",
			       (unsigned long long)vm->load, (unsigned long long)vm->memory);
		if (key_ok(p, KEY_ENTRY) && vm->entry >= vm->memory)
			report(p, p->key_line[KEY_ENTRY],
			       "entry: 0x%llx is beyond the end of memory (0x%llx)",
			       (unsigned long long)vm->entry, (unsigned long long)vm->memory);
	}

	/* A dedicated CPU belongs to one VM. Only VMs that will run count. */
	if (key_ok(p, KEY_CPUS)) {
		for (struct config_vm *o = p->cfg->vms; o < vm; o++) {
			u64 both = o->cpus & vm->cpus;
			unsigned c = 0;

			if (!o->valid || !both)
				continue;
			while (!(both & (1ull << c)))
				c++;
			report(p, p->key_line[KEY_CPUS],
			       "cpus: CPU %u is already dedicated to vm \"%s\"", c, o->name);
			break;
		}
	}
	p->vm = NULL;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* [vm "name"], spaces allowed between the parts, a comment after. */
static void parse_header(struct parser *p, struct span t)
{
	char a[SHOW_MAX + 1];
	struct span kind, name, rest;
	size_t i = 1, close;
	struct config_vm *vm;

	end_section(p);
	p->seen_header = true;
	p->in_section = true;
	memset(p->key_line, 0, sizeof(p->key_line));
	p->key_ok = 0;
	p->too_many_modules = false;

	while (i < t.len && is_space(t.s[i]))
		i++;
	kind.s = t.s + i;
	while (i < t.len && name_char(t.s[i]))
		i++;
	kind.len = (size_t)(t.s + i - kind.s);
	while (i < t.len && is_space(t.s[i]))
		i++;
	if (kind.len && !span_is(kind, "vm") && find(t, ']') < t.len) {
		report(p, p->line, "unknown section [%s] (only [vm \"name\"] is known)",
		       show(a, kind));
		return;
	}
	if (!span_is(kind, "vm") || i == t.len || t.s[i] != '"')
		goto malformed;
	close = i + 1 + find(sub(t, i + 1, t.len), '"');
	if (close == t.len)
		goto malformed;
	name = sub(t, i + 1, close);
	rest = trim(sub(t, close + 1, t.len));
	if (!rest.len || rest.s[0] != ']')
		goto malformed;
	rest = trim(sub(rest, 1, rest.len));
	if (rest.len && rest.s[0] != '#')
		goto malformed;

	if (!name.len) {
		report(p, p->line, "vm name is empty");
		return;
	}
	for (size_t j = 0; j < name.len; j++) {
		if (!name_char(name.s[j])) {
			report(p, p->line, "vm name \"%s\" may only have letters, digits, "
			       "\"_\" and \"-\"", show(a, name));
			return;
		}
	}
	if (name.len > CONFIG_VM_NAME_MAX) {
		report(p, p->line, "vm name \"%s\" is longer than %d characters", show(a, name),
		       CONFIG_VM_NAME_MAX);
		return;
	}
	for (u32 j = 0; j < p->cfg->nvms; j++) {
		if (span_is(name, p->cfg->vms[j].name)) {
			report(p, p->line, "vm \"%s\" is defined twice (first at line %u)",
			       p->cfg->vms[j].name, p->cfg->vms[j].line);
			return;
		}
	}
	if (p->cfg->nvms == CONFIG_MAX_VMS) {
		report(p, p->line, "too many VMs (at most %d): vm \"%s\" is ignored",
		       CONFIG_MAX_VMS, show(a, name));
		return;
	}

	vm = &p->cfg->vms[p->cfg->nvms++];
	memset(vm, 0, sizeof(*vm));
	copy_out(vm->name, name);
	vm->valid = true;
	vm->line = p->line;
	vm->format = CONFIG_FORMAT_AUTO;
	vm->mode = CONFIG_MODE_PROTECTED;
	vm->autostart = true;
	vm->weight = CONFIG_WEIGHT_DEFAULT;
	p->vm = vm;
	return;

malformed:
	report(p, p->line, "\"%s\" is not a section header (use [vm \"name\"])",
	       show(a, trim(sub(t, 0, find(t, '#')))));
}

static void parse_line(struct parser *p, struct span line)
{
	struct span t;
	size_t n = line.len;

	if (n && line.s[n - 1] == '\r')
		n--;
	if (n > CONFIG_LINE_MAX) {
		report(p, p->line, "line too long (%zu characters, at most %d)", n,
		       CONFIG_LINE_MAX);
		return;
	}
	if (find(line, '\0') < line.len) {
		report(p, p->line, "binary data (a NUL byte); is this a text file?");
		return;
	}
	t = trim(line);
	if (!t.len || t.s[0] == '#')
		return;
	if (t.s[0] == '[') {
		parse_header(p, t);
		return;
	}
	if (p->in_section && !p->vm)
		return;		/* a rejected section: its header said why */
	parse_key(p, t);
}

u32 config_parse(const char *file, const char *text, size_t len, struct config *cfg,
		 struct config_diag *diag)
{
	struct parser p = { .file = file ? file : "lucid.cfg", .cfg = cfg, .diag = diag };
	size_t pos = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (diag)
		diag_tail(diag);
	/* A UTF-8 byte order mark, as some editors write. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		struct span rest = { text + pos, len - pos };
		size_t nl = find(rest, '\n');

		p.line++;
		parse_line(&p, sub(rest, 0, nl));
		pos += nl + 1;
	}
	end_section(&p);
	if (!p.seen_header)
		report(&p, 0, "no [vm \"name\"] section");
	return p.problems;
}

u32 config_default(struct config *cfg, struct config_diag *diag)
{
	return config_parse("built-in config", config_default_text,
			    sizeof(config_default_text) - 1, cfg, diag);
}
