/* list.c - bstap -l PATTERN / -L PATTERN: the probe points matching a
 * pattern, sorted, one a line, like stap -l.
 *
 * Provider points come from each provider's list hook (the generic one
 * prints the templates: "timer.ms(number)"); probe aliases from the
 * tapset library are listed by name.  With -L an alias is followed by
 * the variables its body sets ("name:string") and the context variables
 * of its points ("$fd:long"), found by elaborating the alias alone.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "elab.h"
#include "passes.h"

struct probe_point *list__parse_pattern(struct session *s,
					const char *pattern)
{
	struct source *src = arena__alloc(&s->arena, sizeof(*src));
	struct stpfile *f;
	struct probe *p;

	src->name = "<pattern>";
	src->text = arena__printf(&s->arena, "probe %s {}\n", pattern);
	src->len = strlen(src->text);
	f = parse__file(s, src);
	if (!f || !f->probes.n)
		return NULL;
	p = vec_at(&f->probes, 0);
	return p->points.n ? vec_at(&p->points, 0) : NULL;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* -L for an alias: elaborate "probe NAME {}" alone, quietly. */
static void alias_vars(struct session *s, const struct library *lib,
		       struct probe_point *name, FILE *f)
{
	struct elab *e = arena__alloc(&s->arena, sizeof(*e));
	struct stpfile *user = arena__alloc(&s->arena, sizeof(*user));
	struct probe *p = arena__alloc(&s->arena, sizeof(*p));
	struct derived_probe *dp;
	FILE *olderr = s->err;
	int errors = s->errors, warnings = s->warnings;
	bool w = s->suppress_warnings;
	char *buf = NULL;
	size_t len = 0;

	e->s = s;
	e->prog = arena__alloc(&s->arena, sizeof(*e->prog));
	hmap__init(&e->included, false);
	hmap__init(&e->fn_done, false);
	hmap__init(&e->fn_locals, false);
	hmap__init(&e->syminfo, false);
	p->body = stmt__new(s, ST_BLOCK, &name->loc);
	p->file = user;
	p->loc = name->loc;
	vec__push(&s->arena, &p->points, name);
	vec__push(&s->arena, &user->probes, p);
	s->err = open_memstream(&buf, &len);
	s->suppress_warnings = true;
	elab__index_user(e, user);
	e->lib = *lib;
	elab__derive_probe(e, p);
	for (int i = 0, fi = 0; i < e->dpinfos.n || fi < e->fn_queue.n;) {
		if (i < e->dpinfos.n)
			resolve__probe(e, vec_at(&e->dpinfos, i++));
		else
			resolve__function(e, vec_at(&e->fn_queue, fi++));
	}
	vec_foreach(i, &e->dpinfos)
		elab__build_body(e, vec_at(&e->dpinfos, i));
	if (s->errors == errors)
		types__infer(e);
	fclose(s->err);
	free(buf);
	s->err = olderr;
	s->errors = errors;
	s->warnings = warnings;
	s->suppress_warnings = w;
	if (!e->dpinfos.n)
		return;
	dp = ((struct dpinfo *)vec_at(&e->dpinfos, 0))->dp;
	vec_foreach(i, &dp->locals) {
		struct vardecl *v = vec_at(&dp->locals, i);

		if (v->type != TY_UNKNOWN && v->name[0] != '_')
			fprintf(f, " %s:%s", v->name, type__name(v->type));
	}
}

static void list_aliases(struct session *s, struct library *lib,
			 struct probe_point *pat, FILE *f)
{
	vec_foreach(i, &lib->aliases) {
		struct libsym *l = vec_at(&lib->aliases, i);
		struct probe *a = l->ptr;

		if (a->is_private || pp__match_alias(pat, l->name, false) !=
		    pat->comps.n)
			continue;
		fputs(pp__str(s, l->name), f);
		if (s->list_vars)
			alias_vars(s, lib, l->name, f);
		fputc('\n', f);
	}
}

/* "begin(number)" when "begin" is listed too: stap lists the point
 * once, without its optional parameter.  lines is sorted. */
static bool has_plain_twin(const struct vec *lines, const char *line)
{
	static const char *const holders[] = { "(number)", "(string)" };
	size_t n = strlen(line);

	for (size_t k = 0; k < 2; k++) {
		size_t h = strlen(holders[k]);
		char *plain;
		bool found;

		if (n <= h || strcmp(line + n - h, holders[k]) != 0)
			continue;
		plain = strndup(line, n - h);
		if (!plain)
			return false;
		found = bsearch(&plain, lines->v, (size_t)lines->n,
				sizeof(void *), cmp_line) != NULL;
		free(plain);
		return found;
	}
	return false;
}

int list__probes(struct session *s)
{
	struct library lib = { 0 };
	struct probe_point *pat;
	struct vec alts = { 0 }, lines = { 0 };
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f;

	pat = list__parse_pattern(s, s->list_pattern);
	if (!pat || s->errors)
		return -EINVAL;
	if (pp__comp(pat, 0) && pp__comp(pat, 0)->name &&
	    (!fnmatch(pp__comp(pat, 0)->name, "syscall", 0) ||
	     !fnmatch(pp__comp(pat, 0)->name, "nd_syscall", 0)))
		s->want_syscalls = true;
	if (library__load(s, &lib))
		return -EINVAL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	for (int i = 0; providers[i]; i++) {
		if (providers[i]->list)
			providers[i]->list(s, f, s->list_pattern, s->list_vars);
		else
			provider__list_templates(s, f, providers[i],
						 s->list_pattern,
						 s->list_vars);
	}
	pp__brace_expand(s, pat, &alts);
	vec_foreach(i, &alts)
		list_aliases(s, &lib, vec_at(&alts, i), f);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		vec__push(&s->arena, &lines, line);
	if (lines.n)
		qsort(lines.v, (size_t)lines.n, sizeof(void *), cmp_line);
	vec_foreach(i, &lines) {
		if (i && strcmp(vec_at(&lines, i), vec_at(&lines, i - 1)) == 0)
			continue;
		if (has_plain_twin(&lines, vec_at(&lines, i)))
			continue;
		printf("%s\n", (char *)vec_at(&lines, i));
	}
	free(buf);
	return 0;
}
