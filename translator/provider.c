/* provider.c - the provider table, probe point matching and listing.
 *
 * Matching works on components: a user's point "perf.sw.*.sample(100)"
 * is compared component by component with a provider template
 * "perf.sw.cpu_clock" followed by the template suffixes; '*' in a name
 * matches any run of characters inside one component, a whole '**'
 * component matches any number of components, and {a,b} alternatives
 * are expanded before matching.  The concrete point takes the names
 * of the template and the parameters of the user's point.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elab.h"

const struct provider *const providers[] = {
	&prov_begin,
	&prov_end,
	&prov_error,
	&prov_never,
	&prov_timer,
	&prov_perf,
	&prov_trace,
	NULL,
};

/* ---- small helpers on points ---- */

const struct ppcomp *pp__comp(const struct probe_point *pt, int i)
{
	if (i < 0 || i >= pt->comps.n)
		return NULL;
	return vec_at(&pt->comps, i);
}

bool pp__is(const struct probe_point *pt, int i, const char *name)
{
	const struct ppcomp *c = pp__comp(pt, i);

	return c && strcmp(c->name, name) == 0;
}

int pp__num(struct session *s, const struct probe_point *pt, int i,
	    int64_t *out)
{
	const struct ppcomp *c = pp__comp(pt, i);

	if (!c || !c->arg || c->arg->kind != EX_NUM) {
		diag__error(s, c ? &c->loc : &pt->loc, "semantic error",
			    "expected a number as the parameter of '%s'",
			    c ? c->name : "?");
		return -EINVAL;
	}
	*out = c->arg->num;
	return 0;
}

int pp__find(const struct probe_point *pt, int from, const char *name)
{
	for (int i = from; i < pt->comps.n; i++)
		if (pp__is(pt, i, name))
			return i;
	return -1;
}

static void str_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A string built in a local buffer (no stdio: pp__str is hot). */
struct sbuf {
	char *p;
	size_t n, cap;
	char small[256];
};

static void sb_put(struct sbuf *b, const char *t, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *np = malloc(cap);

		if (!np)
			return;
		memcpy(np, b->p, b->n);
		if (b->p != b->small)
			free(b->p);
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, t, n);
	b->n += n;
}

static void sb_c(struct sbuf *b, char c)
{
	sb_put(b, &c, 1);
}

static void sb_s(struct sbuf *b, const char *t)
{
	sb_put(b, t, strlen(t));
}

char *pp__str(struct session *s, const struct probe_point *pt)
{
	struct sbuf b = { .cap = sizeof(b.small) };
	char num[32];
	char *res;

	b.p = b.small;
	vec_foreach(i, &pt->comps) {
		const struct ppcomp *c = vec_at(&pt->comps, i);

		if (i)
			sb_c(&b, '.');
		sb_s(&b, c->name);
		if (!c->arg)
			continue;
		sb_c(&b, '(');
		if (c->arg->kind == EX_NUM) {
			snprintf(num, sizeof(num), "%lld",
				 (long long)c->arg->num);
			sb_s(&b, num);
		} else if (c->arg->kind == EX_STR) {
			sb_c(&b, '"');
			for (const char *q = c->arg->str; *q; q++) {
				if (*q == '"' || *q == '\\')
					sb_c(&b, '\\');
				sb_c(&b, *q);
			}
			sb_c(&b, '"');
		} else {
			sb_c(&b, '?');
		}
		sb_c(&b, ')');
	}
	res = arena__strndup(&s->arena, b.p, b.n);
	if (b.p != b.small)
		free(b.p);
	return res;
}

/* glob: '*' matches any run of characters (also none). */
bool pp__glob(const char *pat, const char *name)
{
	const char *star = NULL, *back = NULL;

	while (*name) {
		if (*pat == '*') {
			star = ++pat;
			back = name;
		} else if (*pat == *name) {
			pat++;
			name++;
		} else if (star) {
			pat = star;
			name = ++back;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

/* ---- brace expansion ---- */

/* Expand the first {a,b,...} in name into out (char *); recursive. */
static void brace_name(struct session *s, const char *name, struct vec *out)
{
	const char *open = strchr(name, '{'), *close, *p, *alt;
	int depth = 0;

	if (!open) {
		vec__push(&s->arena, out, (void *)name);
		return;
	}
	for (close = open; *close; close++) {
		if (*close == '{')
			depth++;
		else if (*close == '}' && --depth == 0)
			break;
	}
	if (!*close) {
		vec__push(&s->arena, out, (void *)name);
		return;
	}
	alt = open + 1;
	depth = 0;
	for (p = alt; p <= close; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && depth)
			depth--;
		else if ((*p == ',' && !depth) || p == close) {
			char *n = arena__printf(&s->arena, "%.*s%.*s%s",
						(int)(open - name), name,
						(int)(p - alt), alt, close + 1);
			brace_name(s, n, out);
			alt = p + 1;
		}
	}
}

static void brace_rec(struct session *s, const struct probe_point *pt,
		      int i, struct probe_point *cur, struct vec *out)
{
	struct vec names = { 0 };
	const struct ppcomp *c;

	if (i == pt->comps.n) {
		struct probe_point *np = arena__alloc(&s->arena, sizeof(*np));

		*np = *cur;
		memset(&np->comps, 0, sizeof(np->comps));
		vec_foreach(k, &cur->comps)
			vec__push(&s->arena, &np->comps, vec_at(&cur->comps, k));
		vec__push(&s->arena, out, np);
		return;
	}
	c = vec_at(&pt->comps, i);
	brace_name(s, c->name, &names);
	vec_foreach(k, &names) {
		struct ppcomp *nc = arena__alloc(&s->arena, sizeof(*nc));

		*nc = *c;
		nc->name = vec_at(&names, k);
		vec__push(&s->arena, &cur->comps, nc);
		brace_rec(s, pt, i + 1, cur, out);
		cur->comps.n--;
	}
}

void pp__brace_expand(struct session *s, const struct probe_point *pt,
		      struct vec *out)
{
	struct probe_point cur = *pt;
	bool any = false;

	vec_foreach(i, &pt->comps) {
		const struct ppcomp *c = vec_at(&pt->comps, i);

		if (strchr(c->name, '{'))
			any = true;
	}
	if (!any) {
		vec__push(&s->arena, out, (void *)pt);
		return;
	}
	memset(&cur.comps, 0, sizeof(cur.comps));
	brace_rec(s, pt, 0, &cur, out);
}

/* ---- component matching ---- */

enum argk { AK_NONE, AK_NUM, AK_STR };

/* A target component: from a template or an alias name. */
struct tcomp {
	const char *name;
	enum argk argk;
	const struct expr *arg;	/* alias names: the exact parameter */
};

static enum argk arg_kind(const struct expr *a)
{
	if (!a)
		return AK_NONE;
	return a->kind == EX_STR ? AK_STR : AK_NUM;
}

static bool arg_ok(const struct ppcomp *pc, const struct tcomp *tc,
		   bool list)
{
	enum argk k = arg_kind(pc->arg);

	if (k == AK_NONE)
		return tc->argk == AK_NONE || list;
	if (k != tc->argk)
		return false;
	if (!tc->arg)
		return true;
	if (k == AK_NUM)
		return pc->arg->num == tc->arg->num;
	return pp__glob(pc->arg->str, tc->arg->str);
}

static bool is_dstar(const struct ppcomp *c)
{
	return strcmp(c->name, "**") == 0;
}

/* Match pattern comps [pi..np) against targets [ti..nt).  map[t] gets
 * the pattern index that matched target t (-1: absorbed by '**').  On
 * success returns the first unmatched pattern index: np for a full
 * match, less when allow_suffix let the targets run out first. */
static int match_rec(const struct probe_point *pat, int pi,
		     const struct tcomp *tc, int nt, int ti, int *map,
		     bool list, bool allow_suffix)
{
	int np = pat->comps.n;
	const struct ppcomp *pc;

	if (pi == np)
		return ti == nt ? np : -1;
	pc = vec_at(&pat->comps, pi);
	if (is_dstar(pc)) {
		for (int k = ti; k <= nt; k++) {
			int r = match_rec(pat, pi + 1, tc, nt, k, map, list,
					  allow_suffix);

			if (r >= 0) {
				for (int j = ti; j < k; j++)
					map[j] = -1;
				return r;
			}
		}
		return -1;
	}
	if (ti == nt)
		return allow_suffix ? pi : -1;
	if (!pp__glob(pc->name, tc[ti].name) || !arg_ok(pc, &tc[ti], list))
		return -1;
	map[ti] = pi;
	return match_rec(pat, pi + 1, tc, nt, ti + 1, map, list,
			 allow_suffix);
}

int pp__match_alias(const struct probe_point *pat,
		    const struct probe_point *name, bool allow_suffix)
{
	int nt = name->comps.n;
	struct tcomp tc[nt ? nt : 1];
	int map[nt ? nt : 1];

	for (int i = 0; i < nt; i++) {
		const struct ppcomp *c = vec_at(&name->comps, i);

		tc[i].name = c->name;
		tc[i].argk = arg_kind(c->arg);
		tc[i].arg = c->arg;
	}
	return match_rec(pat, 0, tc, nt, 0, map, false, allow_suffix);
}

/* ---- templates ---- */

/* Split "timer.ms(number)" into tcomps; returns the count. */
static int tmpl_parse(struct session *s, const char *t, struct tcomp *out,
		      int max)
{
	int n = 0;

	while (*t && n < max) {
		const char *end = t;

		while (*end && *end != '.' && *end != '(')
			end++;
		out[n].name = arena__strndup(&s->arena, t, (size_t)(end - t));
		out[n].argk = AK_NONE;
		out[n].arg = NULL;
		if (*end == '(') {
			out[n].argk = strncmp(end, "(string)", 8) == 0 ?
				      AK_STR : AK_NUM;
			const char *close = strchr(end, ')');

			end = close ? close + 1 : end + strlen(end);
		}
		n++;
		t = *end == '.' ? end + 1 : end;
	}
	return n;
}

static struct ppcomp *mkcomp(struct session *s, const char *name,
			     struct expr *arg, const struct loc *loc)
{
	struct ppcomp *c = arena__alloc(&s->arena, sizeof(*c));

	c->name = name;
	c->arg = arg;
	c->loc = *loc;
	return c;
}

/* Does pattern comp pc name one of the provider's suffixes? */
static const char *suffix_match(struct session *s, const struct provider *p,
				const struct ppcomp *pc, bool list)
{
	struct tcomp tc;

	for (int i = 0; p->suffixes && p->suffixes[i]; i++) {
		if (tmpl_parse(s, p->suffixes[i], &tc, 1) != 1)
			continue;
		if (strcmp(tc.name, pc->name) == 0 && arg_ok(pc, &tc, list))
			return p->suffixes[i];
	}
	return NULL;
}

/* A cheap test before parsing a template: a pattern whose first
 * component is a plain name must name the template's first one. */
static bool first_may_match(const struct probe_point *pat, const char *tmpl)
{
	const struct ppcomp *c = pat->comps.n ? vec_at(&pat->comps, 0) : NULL;
	size_t n;

	if (!c || strpbrk(c->name, "*{"))
		return true;
	n = strlen(c->name);
	return strncmp(tmpl, c->name, n) == 0 &&
	       (tmpl[n] == '\0' || tmpl[n] == '.' || tmpl[n] == '(');
}

/* Match pat against one template of p; on success push the concrete
 * point.  Suffix components must be literal and appear once each. */
static bool match_template(struct session *s, const struct provider *p,
			   const char *tmpl, const struct probe_point *pat,
			   struct vec *out, bool list)
{
	struct tcomp tc[16];
	int map[16];
	int nt, rest;
	struct probe_point *np;

	if (!first_may_match(pat, tmpl))
		return false;
	nt = tmpl_parse(s, tmpl, tc, 16);
	rest = match_rec(pat, 0, tc, nt, 0, map, list, p->suffixes != NULL);
	if (rest < 0)
		return false;
	for (int i = rest; i < pat->comps.n; i++) {
		const struct ppcomp *pc = vec_at(&pat->comps, i);

		if (!suffix_match(s, p, pc, list))
			return false;
		for (int j = rest; j < i; j++) {
			const struct ppcomp *pj = vec_at(&pat->comps, j);

			if (strcmp(pj->name, pc->name) == 0)
				return false;
		}
	}
	np = arena__alloc(&s->arena, sizeof(*np));
	*np = *pat;
	memset(&np->comps, 0, sizeof(np->comps));
	for (int i = 0; i < nt; i++) {
		const struct ppcomp *pc = NULL;
		struct expr *arg = NULL;

		if (map[i] >= 0) {
			pc = vec_at(&pat->comps, map[i]);
			arg = pc->arg;
		} else {
			/* absorbed by '**': the location of the '**' */
			for (int j = 0; j < pat->comps.n && !pc; j++)
				if (is_dstar(vec_at(&pat->comps, j)))
					pc = vec_at(&pat->comps, j);
		}
		if (!arg && tc[i].argk != AK_NONE) {
			if (!list)
				return false;
			arg = expr__new(s, tc[i].argk == AK_STR ? EX_STR :
					EX_WILD, pc ? &pc->loc : &pat->loc);
			arg->str = "";
		}
		vec__push(&s->arena, &np->comps,
			  mkcomp(s, tc[i].name, arg, pc ? &pc->loc : &pat->loc));
	}
	for (int i = rest; i < pat->comps.n; i++)
		vec__push(&s->arena, &np->comps, vec_at(&pat->comps, i));
	vec__push(&s->arena, out, np);
	return true;
}

int provider__match_one(struct session *s, const struct provider *p,
			const struct probe_point *pat, struct vec *out,
			bool list)
{
	int n = 0;

	for (int t = 0; p->points && p->points[t]; t++)
		if (match_template(s, p, p->points[t], pat, out, list))
			n++;
	return n;
}

int provider__match(struct session *s, const struct probe_point *pat,
		    struct vec *out, struct vec *provs, bool list)
{
	int n = 0;

	for (int i = 0; providers[i]; i++) {
		int k = provider__match_one(s, providers[i], pat, out, list);

		for (int j = 0; j < k; j++)
			vec__push(&s->arena, provs, (void *)providers[i]);
		n += k;
	}
	return n;
}

/* ---- listing ---- */

/* A point for listing: placeholder parameters (EX_WILD) print as
 * "(number)", string ones with an empty text as "(string)". */
static void list_point(FILE *f, const struct probe_point *pt)
{
	vec_foreach(i, &pt->comps) {
		const struct ppcomp *c = vec_at(&pt->comps, i);

		fprintf(f, "%s%s", i ? "." : "", c->name);
		if (!c->arg)
			continue;
		if (c->arg->kind == EX_WILD)
			fputs("(number)", f);
		else if (c->arg->kind == EX_NUM)
			fprintf(f, "(%lld)", (long long)c->arg->num);
		else if (!*c->arg->str)
			fputs("(string)", f);
		else {
			fputc('(', f);
			str_quoted(f, c->arg->str);
			fputc(')', f);
		}
	}
	fputc('\n', f);
}

static bool has_wildcard(const struct probe_point *pt)
{
	vec_foreach(i, &pt->comps)
		if (strchr(((struct ppcomp *)vec_at(&pt->comps, i))->name, '*'))
			return true;
	return false;
}

void provider__list_templates(struct session *s, FILE *f,
			      const struct provider *p, const char *pattern,
			      bool vars)
{
	struct probe_point *pat = list__parse_pattern(s, pattern);
	struct vec alts = { 0 };

	(void)vars;	/* template providers have no context variables */
	if (!pat)
		return;
	pp__brace_expand(s, pat, &alts);
	vec_foreach(a, &alts) {
		/* as with stap, '*' matches within one component and
		 * '**' across components: "perf.*" is not "perf.sw.x" */
		struct probe_point *pt = vec_at(&alts, a);
		struct vec out = { 0 };

		/* an exact point lists itself ("begin", not also
		 * "begin(number)"); wildcards and points lacking a
		 * parameter list the templates with placeholders */
		if (!has_wildcard(pt))
			provider__match_one(s, p, pt, &out, false);
		if (!out.n)
			provider__match_one(s, p, pt, &out, true);
		vec_foreach(i, &out)
			list_point(f, vec_at(&out, i));
	}
}
