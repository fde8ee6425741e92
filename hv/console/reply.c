/* Answers as text or JSON (reply.h). The JSON is plain ASCII: control
 * characters and bytes above 0x7e (a guest's output may be any bytes)
 * are written as \u00XX, so that a line is always valid JSON. */
#include "hv/console/reply.h"
#include "lib/string.h"

#define FIELD_MAX 256

static struct {
	void (*out)(const char *s, size_t n);
	enum reply_mode mode;
	const char *kind, *name;
	bool opened;		/* JSON: the object's head is out */
	bool failed;
	const struct column *cols;
	u32 ncols, rows;
} r;

void reply_setup(void (*out)(const char *s, size_t n))
{
	r.out = out;
}

void reply_set_mode(enum reply_mode m)
{
	r.mode = m;
}

enum reply_mode reply_mode(void)
{
	return r.mode;
}

static void put(const char *s)
{
	r.out(s, strlen(s));
}

static void put_json_string(const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t from = 0;

	put("\"");
	for (size_t i = 0; i < n; i++) {
		u8 c = (u8)s[i];
		char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			continue;
		r.out(s + from, i - from);
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			esc[2] = '\0';
		}
		put(esc);
		from = i + 1;
	}
	r.out(s + from, n - from);
	put("\"");
}

/* JSON: the object's head once, then `,"key":` for each member. */
static void head(void)
{
	if (r.opened)
		return;
	put("{\"");
	put(r.kind);
	put("\":");
	put_json_string(r.name, strlen(r.name));
	if (r.kind[0] == 'r')
		put(",\"ok\":true");
	r.opened = true;
}

static void member(const char *key)
{
	head();
	put(",\"");
	put(key);
	put("\":");
}

void reply_begin(const char *kind, const char *name)
{
	r.kind = kind;
	r.name = name;
	r.opened = r.failed = false;
}

void reply_end(void)
{
	if (r.mode == REPLY_TEXT || r.failed)
		return;
	head();
	put("}\n");
}

/* vsnprintf's length of what it wrote, not of what it would have. */
static size_t format(char *v, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(v, size, fmt, ap);

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

static void vfield(const char *label, const char *key, bool quoted, const char *fmt, va_list ap)
{
	char v[FIELD_MAX];
	size_t len = format(v, sizeof(v), fmt, ap);

	if (r.failed)
		return;
	if (r.mode == REPLY_JSON) {
		member(key);
		if (quoted)
			put_json_string(v, len);
		else
			r.out(v, len);
		return;
	}
	if (label == REPLY_STAT) {
		put("  ");
		put(key);
		put("=");
	} else if (label) {
		char l[32];

		snprintf(l, sizeof(l), "%s:", label);
		r.out(l, strlen(l));
		for (size_t pad = strlen(l); pad < sizeof(l) / 2; pad++)
			put(" ");
	}
	r.out(v, len);
	put("\n");
}

void reply_field(const char *label, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfield(label, key, true, fmt, ap);
	va_end(ap);
}

static void field_raw(const char *label, const char *key, const char *fmt, ...) __printf(3, 4);
static void field_raw(const char *label, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfield(label, key, false, fmt, ap);
	va_end(ap);
}

void reply_number(const char *label, const char *key, u64 n, const char *unit)
{
	if (r.mode == REPLY_JSON)
		field_raw(label, key, "%llu", (unsigned long long)n);
	else
		field_raw(label, key, "%llu%s%s", (unsigned long long)n, unit ? " " : "",
			  unit ? unit : "");
}

void reply_message(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfield(NULL, "message", true, fmt, ap);
	va_end(ap);
}

void reply_error(const char *fmt, ...)
{
	char v[FIELD_MAX];
	va_list ap;

	va_start(ap, fmt);
	size_t len = format(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (r.failed)
		return;
	if (r.mode == REPLY_TEXT) {
		put("error: ");
		r.out(v, len);
		put("\n");
	} else {
		/* Whatever was said is void: the object is closed as false. */
		if (r.opened)
			put("}\n");
		put("{\"reply\":");
		put_json_string(r.name, strlen(r.name));
		put(",\"ok\":false,\"error\":");
		put_json_string(v, len);
		put("}\n");
	}
	r.failed = true;
}

void reply_text(const char *key, const char *s, size_t n)
{
	if (r.failed)
		return;
	if (r.mode == REPLY_TEXT) {
		r.out(s, n);
		return;
	}
	member(key);
	put_json_string(s, n);
}

/* Text: one line of cells, each padded to its column but the last. */
static void text_row(const char *const *cells)
{
	for (u32 i = 0; i < r.ncols; i++) {
		size_t n = strlen(cells[i]);

		put(" ");
		r.out(cells[i], n);
		for (; i + 1 < r.ncols && n < r.cols[i].width; n++)
			put(" ");
	}
	put("\n");
}

void reply_table(const char *key, const struct column *cols, u32 ncols)
{
	const char *titles[REPLY_COLUMNS_MAX] = { NULL };
	u32 width = 1;

	if (r.failed)
		return;
	r.cols = cols;
	r.ncols = MIN(ncols, REPLY_COLUMNS_MAX);
	r.rows = 0;
	if (r.mode == REPLY_JSON) {
		member(key);
		put("[");
		return;
	}
	for (u32 i = 0; i < r.ncols; i++) {
		titles[i] = cols[i].title;
		width += 1 + (i + 1 < r.ncols ? cols[i].width : (u32)strlen(cols[i].title));
	}
	text_row(titles);
	while (width--)
		put("-");
	put("\n");
}

void reply_row(const char *const *cells)
{
	if (r.failed)
		return;
	if (r.mode == REPLY_TEXT) {
		text_row(cells);
		return;
	}
	put(r.rows++ ? ",{" : "{");
	for (u32 i = 0; i < r.ncols; i++) {
		put(i ? ",\"" : "\"");
		put(r.cols[i].key);
		put("\":");
		if (r.cols[i].number)
			put(cells[i]);
		else
			put_json_string(cells[i], strlen(cells[i]));
	}
	put("}");
}

void reply_table_end(void)
{
	if (!r.failed && r.mode == REPLY_JSON)
		put("]");
}
