/* A small vsnprintf for guest messages: %d %i %u %x %X %o %p %s %c %%, the
 * flags "-0#+ ", width and precision (also *), and the length modifiers
 * hh h l ll z t j. Unknown conversions are printed as they stand. */
#include "guest.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_ALT = 4, F_PLUS = 8, F_SPACE = 16 };

static void put_num(struct out *o, u64 v, bool neg, unsigned base, bool upper, int width,
		    int prec, int flags)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;
	const char *prefix = "";

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	if (prec < 0 && n == 0)
		tmp[n++] = '0';
	if (neg)
		prefix = "-";
	else if (flags & F_PLUS)
		prefix = "+";
	else if (flags & F_SPACE)
		prefix = " ";
	else if ((flags & F_ALT) && base == 16 && n && !(n == 1 && tmp[0] == '0'))
		prefix = upper ? "0X" : "0x";
	len = (n > prec ? n : prec) + (int)strlen(prefix);
	if (!(flags & F_LEFT) && !((flags & F_ZERO) && prec < 0))
		pad(o, ' ', width - len);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	if (!(flags & F_LEFT) && (flags & F_ZERO) && prec < 0)
		pad(o, '0', width - len);
	pad(o, '0', prec - n);
	while (n)
		put(o, tmp[--n]);
	if (flags & F_LEFT)
		pad(o, ' ', width - len);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (const char *p = fmt; *p; p++) {
		const char *start = p;
		int flags = 0, width = 0, prec = -1, lng = 0;
		u64 v;
		bool neg = false;

		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		for (;;) {
			char c = *++p;

			if (c == '-')
				flags |= F_LEFT;
			else if (c == '0')
				flags |= F_ZERO;
			else if (c == '#')
				flags |= F_ALT;
			else if (c == '+')
				flags |= F_PLUS;
			else if (c == ' ')
				flags |= F_SPACE;
			else
				break;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			p++;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		if (*p == '.') {
			prec = 0;
			if (*++p == '*') {
				prec = va_arg(ap, int);
				p++;
			}
			while (*p >= '0' && *p <= '9')
				prec = prec * 10 + (*p++ - '0');
		}
		/* lng: 0 int, 1 long, 2 long long, -1 short, -2 char */
		if (*p == 'h') {
			lng = -1;
			if (*++p == 'h') {
				lng = -2;
				p++;
			}
		} else if (*p == 'l') {
			lng = 1;
			if (*++p == 'l') {
				lng = 2;
				p++;
			}
		} else if (*p == 'z' || *p == 't') {
			lng = sizeof(size_t) == 8 ? 2 : 0;
			p++;
		} else if (*p == 'j') {
			lng = 2;
			p++;
		}
		switch (*p) {
		case 'd':
		case 'i': {
			s64 s;

			if (lng == 2)
				s = va_arg(ap, long long);
			else if (lng == 1)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng == -2)
				s = (signed char)s;
			neg = s < 0;
			v = neg ? -(u64)s : (u64)s;
			put_num(&o, v, neg, 10, false, width, prec, flags);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng == 2)
				v = va_arg(ap, unsigned long long);
			else if (lng == 1)
				v = va_arg(ap, unsigned long);
			else
				v = va_arg(ap, unsigned int);
			if (lng == -1)
				v = (u16)v;
			else if (lng == -2)
				v = (u8)v;
			put_num(&o, v, false, *p == 'o' ? 8 : *p == 'u' ? 10 : 16, *p == 'X', width,
				prec, flags & ~(F_PLUS | F_SPACE));
			break;
		case 'p':
			put_num(&o, (uptr)va_arg(ap, void *), false, 16, false, width, prec,
				F_ALT);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;

			if (!s)
				s = "(null)";
			while (s[len] && (prec < 0 || len < prec))
				len++;
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - len);
			for (int i = 0; i < len; i++)
				put(&o, s[i]);
			if (flags & F_LEFT)
				pad(&o, ' ', width - len);
			break;
		}
		case 'c':
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - 1);
			put(&o, (char)va_arg(ap, int));
			if (flags & F_LEFT)
				pad(&o, ' ', width - 1);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown: print it as written, consume nothing. */
			for (const char *q = start; q <= p && *q; q++)
				put(&o, *q);
			if (!*p)
				p--;
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
