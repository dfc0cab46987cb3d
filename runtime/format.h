/* format.h - stap's printf semantics, in user space.
 *
 * Used for records from the kernel and by the IR interpreter.  Formats
 * are SystemTap's: %d %i %u %x %X %o %c %s %p %b %m %M %%, with flags
 * '-', '+', ' ', '#', '0', width and precision (also '*'), and the length
 * modifiers stap accepts (l, ll, h...) ignored.
 */
#ifndef BSTAP_FORMAT_H
#define BSTAP_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct fmt_arg {
	int is_str;		/* 0: long in l, 1: string in s */
	int64_t l;
	const char *s;
};

/* A growable output buffer. */
struct strbuf {
	char *buf;
	size_t len, cap;
};

void strbuf__init(struct strbuf *b);
void strbuf__free(struct strbuf *b);
void strbuf__putc(struct strbuf *b, char c);
void strbuf__puts(struct strbuf *b, const char *s, size_t n);
/* n copies of c (nothing when n <= 0). */
void strbuf__fill(struct strbuf *b, char c, long n);
void strbuf__printf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append the formatted text to out.  Returns 0 or -EINVAL for a bad
 * format (the translator checks formats at pass 2, so this is only for
 * formats made at run time). */
int format__run(struct strbuf *out, const char *fmt,
		const struct fmt_arg *args, int nargs);

/* How many arguments fmt consumes ('*' widths and precisions count, as
 * longs, before the value they apply to); -EINVAL for a bad format. */
int format__count_args(const char *fmt);

#endif
