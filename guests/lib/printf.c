/* A small printf: enough for test output, no floating point.
 * One formatting core writes through a sink, so printf (serial) and
 * snprintf (buffer) share it. */
#include "guest.h"

struct sink {
	void (*put)(struct sink *s, char c);
	char *buf;		/* snprintf only */
	size_t size, len;	/* len counts every character produced */
};

/* Divide *v by base in place and return the remainder. Done with 32-bit
 * arithmetic in 16-bit steps because 32-bit guests have no libgcc to
 * provide 64-bit division (base is at most 16, so nothing overflows). */
static unsigned divmod(uint64_t *v, unsigned base)
{
	uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v;
	uint32_t qhi = hi / base, r = hi % base;
	uint32_t t = (r << 16) | (lo >> 16);
	uint32_t q1 = t / base;

	t = ((t % base) << 16) | (lo & 0xffff);
	*v = ((uint64_t)qhi << 32) | (q1 << 16) | (t / base);
	return t % base;
}

static void put_padded(struct sink *s, const char *str, size_t n,
		       int width, int left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill--)
			s->put(s, pad);
	/* With zero padding a sign must come before the zeros; the caller
	 * emits it, see format_number. */
	while (n--)
		s->put(s, *str++);
	if (left)
		while (fill-- > 0)
			s->put(s, ' ');
}

static void format_number(struct sink *s, uint64_t v, int negative,
			  unsigned base, int upper, int width, int left,
			  char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int i = sizeof(tmp);

	do
		tmp[--i] = digits[divmod(&v, base)];
	while (v);
	if (negative) {
		if (pad == '0') {
			s->put(s, '-');
			width--;
		} else {
			tmp[--i] = '-';
		}
	}
	put_padded(s, tmp + i, sizeof(tmp) - i, width, left, pad);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			s->put(s, *fmt);
			continue;
		}
		fmt++;
		int left = 0, width = 0, longs = 0;
		char pad = ' ';

		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (left)
			pad = ' ';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}

		uint64_t u;
		int64_t d;
		switch (*fmt) {
		case 'd':
		case 'i':
			d = longs > 1 ? va_arg(ap, long long)
			  : longs ? va_arg(ap, long) : va_arg(ap, int);
			format_number(s, d < 0 ? -(uint64_t)d : (uint64_t)d,
				      d < 0, 10, 0, width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = longs > 1 ? va_arg(ap, unsigned long long)
			  : longs ? va_arg(ap, unsigned long)
			  : va_arg(ap, unsigned int);
			format_number(s, u, 0, *fmt == 'u' ? 10 : 16,
				      *fmt == 'X', width, left, pad);
			break;
		case 'p':
			s->put(s, '0');
			s->put(s, 'x');
			format_number(s, (uintptr_t)va_arg(ap, void *), 0, 16,
				      0, width, left, pad);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(s, &c, 1, width, left, ' ');
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			put_padded(s, str, strlen(str), width, left, ' ');
			break;
		}
		case '%':
			s->put(s, '%');
			break;
		case '\0':
			return;
		default:	/* unknown conversion: show it as written */
			s->put(s, '%');
			s->put(s, *fmt);
			break;
		}
	}
}

static void put_serial(struct sink *s, char c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
	s->len++;
}

static spinlock_t console_lock;

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { .put = put_serial };

	spin_lock(&console_lock);
	format(&s, fmt, ap);
	spin_unlock(&console_lock);
	return (int)s.len;
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

static void put_buffer(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct sink s = { .put = put_buffer, .buf = buf, .size = size };
	va_list ap;

	va_start(ap, fmt);
	format(&s, fmt, ap);
	va_end(ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}
