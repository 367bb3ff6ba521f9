// SPDX-License-Identifier: MIT
/*
 * A small printf: %d %i %u %x %X %p %s %c %%, the length modifiers l, ll
 * and z, a field width (also '*'), and the '0' and '-' flags.  Enough for
 * TAP lines and diagnostics; no floating point (we build with
 * -mgeneral-regs-only).
 *
 * printf() formats into a small buffer and hands it to the console in
 * pieces, holding the console lock for the whole call so that lines from
 * different vCPUs do not interleave.
 */
#include "fw.h"
#include "virtio_console.h"

struct fmt_sink {
	void (*put)(struct fmt_sink *s, char c);
	char *buf;
	size_t size, len; /* len counts every character, stored or not */
};

static void put_str(struct fmt_sink *s, const char *str, size_t n, int width, bool left)
{
	int pad = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (pad-- > 0)
			s->put(s, ' ');
	while (n--)
		s->put(s, *str++);
	if (left)
		while (pad-- > 0)
			s->put(s, ' ');
}

static void put_num(struct fmt_sink *s, uint64_t v, bool neg, unsigned int base, bool upper,
		    int width, bool zero, bool left, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = (int)strlen(prefix) + (neg ? 1 : 0), pad;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	pad = width - n - plen;
	if (!left && !zero)
		for (; pad > 0; pad--)
			s->put(s, ' ');
	if (neg)
		s->put(s, '-');
	while (*prefix)
		s->put(s, *prefix++);
	if (!left && zero)
		for (; pad > 0; pad--)
			s->put(s, '0');
	while (n)
		s->put(s, tmp[--n]);
	if (left)
		for (; pad > 0; pad--)
			s->put(s, ' ');
}

static void fmt_core(struct fmt_sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		bool zero = false, left = false;
		int width = 0, lng = 0;
		uint64_t u;
		int64_t i;

		if (*fmt != '%') {
			s->put(s, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			i = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = i < 0 ? -(uint64_t)i : (uint64_t)i;
			put_num(s, u, i < 0, 10, false, width, zero, left, "");
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_num(s, u, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, zero, left,
				"");
			break;
		case 'p':
			u = (uint64_t)va_arg(ap, void *);
			put_num(s, u, false, 16, false, width, zero, left, "0x");
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			if (!str)
				str = "(null)";
			put_str(s, str, strlen(str), width, left);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_str(s, &c, 1, width, left);
			break;
		}
		case '%':
			s->put(s, '%');
			break;
		case '\0':
			return;
		default:
			/* Unknown conversion: show it rather than guess at va_arg. */
			s->put(s, '%');
			s->put(s, *fmt);
			break;
		}
	}
}

static void put_buf(struct fmt_sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_sink s = { .put = put_buf, .buf = buf, .size = size };

	fmt_core(&s, fmt, ap);
	if (size)
		buf[MIN(s.len, size - 1)] = '\0';
	return (int)s.len;
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

/* printf: a 128-byte staging buffer, flushed to the console when full. */
struct con_sink {
	struct fmt_sink s;
	char stage[128];
	size_t fill;
};

static void put_con(struct fmt_sink *s, char c)
{
	struct con_sink *cs = (struct con_sink *)s;

	cs->stage[cs->fill++] = c;
	s->len++;
	if (cs->fill == sizeof(cs->stage)) {
		vcon_write_locked(cs->stage, cs->fill);
		cs->fill = 0;
	}
}

int vprintf(const char *fmt, va_list ap)
{
	struct con_sink cs = { .s = { .put = put_con } };

	if (!vcon_lock())
		return 0;
	fmt_core(&cs.s, fmt, ap);
	if (cs.fill)
		vcon_write_locked(cs.stage, cs.fill);
	vcon_unlock();
	return (int)cs.s.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
