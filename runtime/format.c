/* format.c - stap's printf, in user space.
 *
 * The conversions follow SystemTap's runtime semantics rather than C's:
 *   - every number is 64 bits (%u of -1 is 18446744073709551615, %x of
 *     -1 is ffffffffffffffff); length modifiers (h, l, ll, L, z...) are
 *     accepted and ignored;
 *   - precision on a number is a minimum digit count, and the '0' flag
 *     still pads the rest of the width with zeros ("%05.3d" of 7 is
 *     "00007");
 *   - '#' prefixes "0x"/"0X" for %x/%X and "0" for %o, also for zero;
 *   - %p is "0x" followed by 16 zero-padded hex digits (a width above 18
 *     pads with spaces on the left; '-' grows the digit run instead);
 *   - %s: precision is the maximum number of bytes; '#' prints the string
 *     with C escapes (\n, \", \\, \ooo); '0' appends a NUL byte;
 *   - %c prints the low byte of a number;
 *   - %b writes the number's bytes (little-endian, as the host stores
 *     them): precision 1, 2, 4 or 8 bytes, width pads with NUL bytes;
 *     neither given: 8 bytes;
 *   - %m writes `precision` raw bytes of a string argument (default 1),
 *     %M writes them as two lowercase hex digits each; bytes past the
 *     string's end are NULs; width pads with spaces;
 *   - '*' takes the width or precision from the next (long) argument; a
 *     negative width means '-', a negative precision means 0;
 *   - a precision above FMT_PAD_MAX (64 KiB) counts as that much, the
 *     width reduced as much (the padding before the digits stays
 *     width - precision), and a width at most 2 * FMT_PAD_MAX: output
 *     stays bounded; a '*' width of INT64_MIN (whose negation does not
 *     exist) is a width of 0.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* the widest width or precision honoured (see the header comment) */
#define FMT_PAD_MAX 65536L

#include "format.h"

void strbuf__init(struct strbuf *b)
{
	b->buf = NULL;
	b->len = b->cap = 0;
}

void strbuf__free(struct strbuf *b)
{
	free(b->buf);
	strbuf__init(b);
}

static void strbuf__grow(struct strbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->len + n + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap * 2 : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (!p) {
		fprintf(stderr, "bstap: out of memory\n");
		abort();
	}
	b->buf = p;
	b->cap = cap;
}

void strbuf__putc(struct strbuf *b, char c)
{
	strbuf__grow(b, 1);
	b->buf[b->len++] = c;
	b->buf[b->len] = '\0';
}

void strbuf__puts(struct strbuf *b, const char *s, size_t n)
{
	strbuf__grow(b, n);
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void strbuf__fill(struct strbuf *b, char c, long n)
{
	if (n <= 0)
		return;
	strbuf__grow(b, n);
	memset(b->buf + b->len, c, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void strbuf__printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	strbuf__grow(b, n);
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* ---- one conversion specification ---- */

enum {
	F_LEFT = 1,	/* '-' */
	F_PLUS = 2,	/* '+' */
	F_SPACE = 4,	/* ' ' */
	F_ALT = 8,	/* '#' */
	F_ZERO = 16,	/* '0' */
};

struct spec {
	int flags;
	long width;		/* -1: none */
	long prec;		/* -1: none */
	char conv;
};

struct argv_cursor {
	const struct fmt_arg *args;
	int nargs, next;
};

static int next_long(struct argv_cursor *c, int64_t *out)
{
	if (c->next >= c->nargs || c->args[c->next].is_str)
		return -EINVAL;
	*out = c->args[c->next++].l;
	return 0;
}

static int next_str(struct argv_cursor *c, const char **out)
{
	if (c->next >= c->nargs || !c->args[c->next].is_str)
		return -EINVAL;
	*out = c->args[c->next++].s;
	if (!*out)
		*out = "";
	return 0;
}

/* Number body: sign, prefix, zeros, digits, with width padding. */
static void put_number(struct strbuf *b, uint64_t num, int base, bool is_signed,
		       bool upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[72], sign = 0;
	const char *prefix = "";
	long size = sp->width < 0 ? 0 : sp->width;
	long prec = sp->prec < 0 ? 0 : sp->prec;
	int flags = sp->flags, n = 0;

	if (flags & F_LEFT)
		flags &= ~F_ZERO;
	if (is_signed) {
		if ((int64_t)num < 0) {
			sign = '-';
			num = -num;
		} else if (flags & F_PLUS) {
			sign = '+';
		} else if (flags & F_SPACE) {
			sign = ' ';
		}
	}
	if (sign)
		size--;
	if (flags & F_ALT) {
		if (base == 16)
			prefix = upper ? "0X" : "0x";
		else if (base == 8)
			prefix = "0";
		size -= strlen(prefix);
	}
	do {
		tmp[n++] = digits[num % base];
		num /= base;
	} while (num);
	if (prec < n)
		prec = n;
	size -= prec;
	if (!(flags & (F_ZERO | F_LEFT)))
		strbuf__fill(b, ' ', size), size = 0;
	if (sign)
		strbuf__putc(b, sign);
	strbuf__puts(b, prefix, strlen(prefix));
	if (!(flags & F_LEFT))
		strbuf__fill(b, '0', size), size = 0;
	strbuf__fill(b, '0', prec - n);
	while (n > 0)
		strbuf__putc(b, tmp[--n]);
	strbuf__fill(b, ' ', size);
}

/* %p: "0x" + at least 16 digits, as stap's runtime lays it out. */
static void put_pointer(struct strbuf *b, uint64_t v, const struct spec *sp)
{
	const long len = 2 * 8 + 2;
	long width = sp->width < 0 ? len : sp->width;
	struct spec num = { .flags = (sp->flags & F_LEFT) | F_ZERO };

	if (!(sp->flags & F_LEFT) && width > len) {
		strbuf__fill(b, ' ', width - len);
		width = len;
	}
	strbuf__puts(b, "0x", 2);
	width -= 2;
	num.width = width;
	num.prec = width;
	put_number(b, v, 16, false, false, &num);
}

/* %b: the value's bytes, padded with NULs to the width. */
static void put_binary(struct strbuf *b, int64_t v, const struct spec *sp)
{
	long width = sp->width, prec = sp->prec;
	unsigned char bytes[8];

	if (prec != 1 && prec != 2 && prec != 4 && prec != 8)
		prec = -1;
	if (width < 0) {
		if (prec < 0)
			prec = 8;
		width = prec;
	} else if (prec < 0) {
		prec = (width == 1 || width == 2 || width == 4 || width == 8)
			? width : 8;
	}
	for (int i = 0; i < 8; i++)
		bytes[i] = (uint64_t)v >> (8 * i);
	if (!(sp->flags & F_LEFT))
		strbuf__fill(b, '\0', width - prec);
	strbuf__puts(b, (const char *)bytes, prec);
	if (sp->flags & F_LEFT)
		strbuf__fill(b, '\0', width - prec);
}

/* '#' on %s: the string with C escapes. */
static void put_escaped(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		const char *e = NULL;

		switch (c) {
		case '\a': e = "\\a"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\v': e = "\\v"; break;
		case '"': e = "\\\""; break;
		case '\'': e = "\\'"; break;
		case '\\': e = "\\\\"; break;
		}
		if (e)
			strbuf__puts(out, e, strlen(e));
		else if (c < 0x20 || c >= 0x7f)
			strbuf__printf(out, "\\%03o", c);
		else
			strbuf__putc(out, c);
	}
}

static void put_string(struct strbuf *b, const char *s, const struct spec *sp)
{
	size_t len = strlen(s);
	struct strbuf tmp;

	if (sp->prec >= 0 && (size_t)sp->prec < len)
		len = sp->prec;
	strbuf__init(&tmp);
	if (sp->flags & F_ALT)
		put_escaped(&tmp, s, len);
	else
		strbuf__puts(&tmp, s, len);
	if (!(sp->flags & F_LEFT))
		strbuf__fill(b, ' ', sp->width - (long)tmp.len);
	if (tmp.len)
		strbuf__puts(b, tmp.buf, tmp.len);
	if (sp->flags & F_LEFT)
		strbuf__fill(b, ' ', sp->width - (long)tmp.len);
	if (sp->flags & F_ZERO)
		strbuf__putc(b, '\0');
	strbuf__free(&tmp);
}

/* %m and %M: `prec` bytes of the string (NULs past its end). */
static void put_memory(struct strbuf *b, const char *s, const struct spec *sp)
{
	long n = sp->prec > 0 ? sp->prec : 1;
	long slen = strlen(s);
	long shown = sp->conv == 'M' ? 2 * n : n;

	if (!(sp->flags & F_LEFT))
		strbuf__fill(b, ' ', sp->width - shown);
	for (long i = 0; i < n; i++) {
		unsigned char c = i < slen ? (unsigned char)s[i] : 0;

		if (sp->conv == 'M')
			strbuf__printf(b, "%02x", c);
		else
			strbuf__putc(b, (char)c);
	}
	if (sp->flags & F_LEFT)
		strbuf__fill(b, ' ', sp->width - shown);
}

static void put_char(struct strbuf *b, int64_t v, const struct spec *sp)
{
	if (!(sp->flags & F_LEFT))
		strbuf__fill(b, ' ', sp->width - 1);
	strbuf__putc(b, (char)(unsigned char)v);
	if (sp->flags & F_LEFT)
		strbuf__fill(b, ' ', sp->width - 1);
}

/* flags: [-+ #0]*  width: digits | '*'  precision: '.' (digits | '*')?
 * length: h hh l ll L j z t (ignored)  conversion: one letter */
static int parse_spec(const char **pp, struct argv_cursor *c, struct spec *sp)
{
	const char *p = *pp;
	int64_t v;

	sp->flags = 0;
	sp->width = sp->prec = -1;
	for (;; p++) {
		if (*p == '-') sp->flags |= F_LEFT;
		else if (*p == '+') sp->flags |= F_PLUS;
		else if (*p == ' ') sp->flags |= F_SPACE;
		else if (*p == '#') sp->flags |= F_ALT;
		else if (*p == '0') sp->flags |= F_ZERO;
		else break;
	}
	if (*p == '*') {
		p++;
		if (next_long(c, &v))
			return -EINVAL;
		if (v == INT64_MIN) {
			/* -v does not exist: stap's runtime ends up with
			 * a negative width, which pads nothing (a width of
			 * 0, not "no width": %p keeps its short form) */
			v = 0;
		} else if (v < 0) {
			sp->flags |= F_LEFT;
			v = -v;
		}
		sp->width = v;
	} else if (*p >= '0' && *p <= '9') {
		sp->width = strtol(p, (char **)&p, 10);
		if (sp->width < 0)
			sp->width = LONG_MAX;
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			p++;
			if (next_long(c, &v))
				return -EINVAL;
			sp->prec = v < 0 ? 0 : v;
		} else {
			sp->prec = strtol(p, (char **)&p, 10);
			if (sp->prec < 0)
				sp->prec = LONG_MAX;
		}
	}
	/* bounded output: a precision above FMT_PAD_MAX counts as that,
	 * the width losing as much, so the spaces before the digits stay
	 * width - precision; then at most FMT_PAD_MAX more padding */
	if (sp->prec > FMT_PAD_MAX) {
		if (sp->width > sp->prec)
			sp->width -= sp->prec - FMT_PAD_MAX;
		else if (sp->width > FMT_PAD_MAX)
			sp->width = FMT_PAD_MAX;
		sp->prec = FMT_PAD_MAX;
	}
	if (sp->width > 2 * FMT_PAD_MAX)
		sp->width = 2 * FMT_PAD_MAX;
	while (*p && strchr("hlLjzt", *p))
		p++;
	if (!*p)
		return -EINVAL;
	sp->conv = *p++;
	*pp = p;
	return 0;
}

static int convert(struct strbuf *out, const struct spec *sp,
		   struct argv_cursor *c)
{
	const char *s;
	int64_t v;

	switch (sp->conv) {
	case '%':
		strbuf__putc(out, '%');
		return 0;
	case 's': case 'm': case 'M':
		if (next_str(c, &s))
			return -EINVAL;
		if (sp->conv == 's')
			put_string(out, s, sp);
		else
			put_memory(out, s, sp);
		return 0;
	}
	if (next_long(c, &v))
		return -EINVAL;
	switch (sp->conv) {
	case 'd': case 'i':
		put_number(out, v, 10, true, false, sp);
		break;
	case 'u':
		put_number(out, v, 10, false, false, sp);
		break;
	case 'x': case 'X':
		put_number(out, v, 16, false, sp->conv == 'X', sp);
		break;
	case 'o':
		put_number(out, v, 8, false, false, sp);
		break;
	case 'p':
		put_pointer(out, v, sp);
		break;
	case 'c':
		put_char(out, v, sp);
		break;
	case 'b':
		put_binary(out, v, sp);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

int format__run(struct strbuf *out, const char *fmt,
		const struct fmt_arg *args, int nargs)
{
	struct argv_cursor c = { .args = args, .nargs = nargs, .next = 0 };
	struct spec sp;
	const char *p = fmt, *lit;
	int err;

	while (*p) {
		lit = p;
		while (*p && *p != '%')
			p++;
		if (p > lit)
			strbuf__puts(out, lit, p - lit);
		if (!*p)
			break;
		p++;
		err = parse_spec(&p, &c, &sp);
		if (!err)
			err = convert(out, &sp, &c);
		if (err)
			return err;
	}
	return 0;
}

int format__count_args(const char *fmt)
{
	int n = 0;

	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		while (*p && strchr("-+ #0", *p))
			p++;
		if (*p == '*')
			n++, p++;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.') {
			p++;
			if (*p == '*')
				n++, p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		while (*p && strchr("hlLjzt", *p))
			p++;
		if (!*p)
			return -EINVAL;
		if (*p != '%')
			n++;
	}
	return n;
}
