/* A small vsnprintf. Output goes through struct out so that truncation is
 * handled in one place: every character is counted, only those that fit
 * are stored. */
#include "lib/fmt.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
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

enum {
	F_LEFT = 1,
	F_ZERO = 2,
	F_PLUS = 4,
	F_SPACE = 8,
	F_ALT = 16,
};

static void put_str(struct out *o, const char *s, int width, int prec, int flags)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len] && (prec < 0 || len < prec))
		len++;
	if (!(flags & F_LEFT))
		pad(o, ' ', width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (flags & F_LEFT)
		pad(o, ' ', width - len);
}

static void put_num(struct out *o, u64 v, bool neg, unsigned base, bool upper,
		    int width, int prec, int flags)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	const char *prefix = "";

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	if (prec < 0)
		prec = 1;
	else
		flags &= ~F_ZERO; /* C: a precision disables zero padding */

	if (neg)
		prefix = "-";
	else if (flags & F_PLUS)
		prefix = "+";
	else if (flags & F_SPACE)
		prefix = " ";
	else if ((flags & F_ALT) && base == 16 && n)
		prefix = upper ? "0X" : "0x";
	else if ((flags & F_ALT) && base == 8 && n >= prec)
		prefix = "0";

	int plen = 0;
	while (prefix[plen])
		plen++;
	int zeros = prec > n ? prec - n : 0;
	int body = plen + zeros + n;

	if (!(flags & F_LEFT) && !(flags & F_ZERO))
		pad(o, ' ', width - body);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!(flags & F_LEFT) && (flags & F_ZERO))
		pad(o, '0', width - body);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (flags & F_LEFT)
		pad(o, ' ', width - body);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		const char *start = fmt++;
		int flags = 0, width = 0, prec = -1, lng = 0;

		for (;; fmt++) {
			if (*fmt == '-')
				flags |= F_LEFT;
			else if (*fmt == '0')
				flags |= F_ZERO;
			else if (*fmt == '+')
				flags |= F_PLUS;
			else if (*fmt == ' ')
				flags |= F_SPACE;
			else if (*fmt == '#')
				flags |= F_ALT;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		/* lng: -2 hh, -1 h, 0 int, 1 long, 2 long long / size_t / intmax_t */
		if (*fmt == 'h') {
			lng = -1;
			if (*++fmt == 'h') {
				lng = -2;
				fmt++;
			}
		} else if (*fmt == 'l') {
			lng = 1;
			if (*++fmt == 'l') {
				lng = 2;
				fmt++;
			}
		} else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') {
			lng = 2;
			fmt++;
		}

		char c = *fmt;
		if (c)
			fmt++;
		switch (c) {
		case 'd':
		case 'i': {
			s64 v;
			if (lng >= 1)
				v = lng == 1 ? va_arg(ap, long) : va_arg(ap, long long);
			else
				v = va_arg(ap, int);
			if (lng == -1)
				v = (short)v;
			else if (lng == -2)
				v = (signed char)v;
			u64 mag = v < 0 ? -(u64)v : (u64)v;
			put_num(&o, mag, v < 0, 10, false, width, prec, flags);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			u64 v;
			if (lng >= 1)
				v = lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned long long);
			else
				v = va_arg(ap, unsigned int);
			if (lng == -1)
				v = (unsigned short)v;
			else if (lng == -2)
				v = (unsigned char)v;
			unsigned base = c == 'u' ? 10 : c == 'o' ? 8 : 16;
			put_num(&o, v, false, base, c == 'X', width, prec, flags & ~(F_PLUS | F_SPACE));
			break;
		}
		case 'p':
			put_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, width, prec,
				(flags | F_ALT) & ~(F_PLUS | F_SPACE));
			break;
		case 's':
			put_str(&o, va_arg(ap, const char *), width, prec, flags);
			break;
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
			/* Unknown conversion: print it as written, consume nothing. */
			while (start < fmt)
				put(&o, *start++);
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

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
