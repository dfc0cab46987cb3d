/* diag.c - error and warning messages with a caret under the column. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

/* Print "        source: <line>" and a caret line under loc->col. */
static void diag_source(struct session *s, const struct loc *loc)
{
	const char *p, *end;
	int line = 1;

	if (!loc || !loc->src || !loc->src->text)
		return;
	p = loc->src->text;
	while (line < loc->line && *p) {
		if (*p++ == '\n')
			line++;
	}
	if (line != loc->line)
		return;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	fprintf(s->err, "        source: ");
	for (const char *q = p; q < end; q++)
		fputc(*q == '\t' ? ' ' : *q, s->err);
	fputc('\n', s->err);
	fprintf(s->err, "                ");
	for (int i = 1; i < loc->col && p + i - 1 < end; i++)
		fputc(' ', s->err);
	fprintf(s->err, "^\n");
}

static void diag_at(struct session *s, const struct loc *loc)
{
	if (loc && loc->src)
		fprintf(s->err, "        at: %s:%d:%d\n", loc->src->name,
			loc->line, loc->col);
}

static void vdiag(struct session *s, const struct loc *loc, const char *kind,
		  const char *fmt, va_list ap)
{
	fprintf(s->err, "%s: ", kind);
	vfprintf(s->err, fmt, ap);
	fputc('\n', s->err);
	diag_at(s, loc);
	diag_source(s, loc);
}

/* Has this error (place, kind and text) been printed before?  Remembers
 * it if not.  The list is short: passes stop after a few errors. */
static bool diag_repeated(struct session *s, const struct loc *loc,
			  const char *kind, const char *fmt, va_list ap)
{
	char *key, *msg;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return false;
	msg = arena__alloc_nz(&s->arena, (size_t)n + 1);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	key = arena__printf(&s->arena, "%s:%d:%d\n%s: %s",
			    loc && loc->src ? loc->src->name : "",
			    loc ? loc->line : 0, loc ? loc->col : 0, kind, msg);
	vec_foreach(i, &s->diag_seen) {
		if (!strcmp(vec_at(&s->diag_seen, i), key))
			return true;
	}
	vec__push(&s->arena, &s->diag_seen, key);
	return false;
}

/* An error repeated word for word at the same place (a node checked
 * twice) still counts, but is printed once, without its notes. */
void diag__error(struct session *s, const struct loc *loc, const char *kind,
		 const char *fmt, ...)
{
	va_list ap;
	bool again;

	s->errors++;
	va_start(ap, fmt);
	again = diag_repeated(s, loc, kind, fmt, ap);
	va_end(ap);
	s->diag_muted = again;
	if (again)
		return;
	va_start(ap, fmt);
	vdiag(s, loc, kind, fmt, ap);
	va_end(ap);
}

void diag__warning(struct session *s, const struct loc *loc,
		   const char *fmt, ...)
{
	va_list ap;

	s->diag_muted = false;
	if (s->suppress_warnings)
		return;
	va_start(ap, fmt);
	vdiag(s, loc, "WARNING", fmt, ap);
	va_end(ap);
	s->warnings++;
}

void diag__note(struct session *s, const struct loc *loc, const char *fmt,
		...)
{
	va_list ap;

	if (s->diag_muted)
		return;
	va_start(ap, fmt);
	fprintf(s->err, "        note: ");
	vfprintf(s->err, fmt, ap);
	fputc('\n', s->err);
	va_end(ap);
	diag_at(s, loc);
	diag_source(s, loc);
}

void diag__plain(struct session *s, const char *fmt, ...)
{
	va_list ap;

	s->diag_muted = false;
	va_start(ap, fmt);
	fprintf(s->err, "bstap: ");
	vfprintf(s->err, fmt, ap);
	fputc('\n', s->err);
	va_end(ap);
	s->errors++;
}
