/* preproc.c - the preprocessor, over the lexer's token vector.
 *
 * It evaluates conditionals
 *	%( CONDITION %? TOKENS [%: TOKENS] %)
 * expands @define macros (@name, @name(arg, ...)) and replaces the
 * script arguments $N (re-lexed as script text), @N (a string), $# and
 * @# (their count).  A first pass over each token vector matches the
 * %( %? %: %) markers with a stack, so evaluation never searches.
 *
 * Macros defined in a file are visible in that file only, after their
 * definition; those of the tapsets' *.stpm files are global.  A macro
 * body sees its own parameters and the macros of the scope it was
 * defined in; arguments are expanded where the macro is used.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "lexer.h"
#include "parser.h"
#include "passes.h"

#define PP_MAX_DEPTH	400		/* nesting of %( and macro calls */
#define PP_MAX_WORK	(1L << 22)	/* tokens emitted + expansions */
#define STPM_MAX_DEPTH	8		/* tapset directory levels */

/* ---- tables ------------------------------------------------------------ */

struct unit;

struct macro {
	const char *name;		/* without the '@' */
	const struct token *def;	/* the name in the @define */
	const struct unit *u;		/* body = u->t[lo..hi) */
	int lo, hi;
	bool parens;			/* declared with a parameter list */
	int nparams;
	const char **params;
	struct macro_table *scope;	/* where the body looks up macros */
	bool active;			/* being expanded (recursion check) */
	struct macro *next;		/* hash chain */
};

struct macro_table {
	struct macro **b;
	unsigned mask;
};

struct kv {
	const char *key, *val;
	struct kv *next;
};

struct preproc_state {
	struct macro_table global;	/* from *.stpm files */
	bool stpm_loaded;
	struct vec stpm_files;		/* of const char *: already read */
	bool config_loaded;
	struct kv **config;		/* CONFIG_* from the kernel config */
	unsigned config_mask;
	struct vec **argtoks;		/* lexed $N, by N - 1 */
};

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void table_init(struct session *s, struct macro_table *t,
		       unsigned size)
{
	t->b = arena__alloc(&s->arena, size * sizeof(*t->b));
	t->mask = size - 1;
}

static struct macro *table_find(const struct macro_table *t,
				const char *name)
{
	if (!t || !t->b)
		return NULL;
	for (struct macro *m = t->b[hash_str(name) & t->mask]; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static void table_add(struct macro_table *t, struct macro *m)
{
	unsigned h = hash_str(m->name) & t->mask;

	m->next = t->b[h];
	t->b[h] = m;
}

/* ---- token vectors and their %( %? %: %) structure ----------------------- */

/* A token array with, for each marker, its partner:
 *   at a conditional's %(   link = its %?,  end = its %)
 *   at that %?              link = its %: or its %)
 *   at a @define body's %(  link = -1,      end = its %)
 * Broken conditionals have link = -1 and are skipped. */
struct unit {
	struct token **t;
	int n;
	int *link, *end;
};

struct pp {
	struct session *s;
	struct preproc_state *st;
	struct macro_table *local;	/* this file's macros */
	bool stpm;			/* a *.stpm file: define globally */
	int depth;
	long work;
	bool stop;			/* budget or nesting exceeded */
};

/* A macro body being expanded. */
struct env {
	const struct macro *m;
	struct vec **args;		/* expanded arguments, by parameter */
};

static void pp_err(struct pp *p, const struct token *t, const char *fmt,
		   const char *arg)
{
	diag__error(p->s, t ? &t->loc : NULL, "parse error", fmt, arg);
	for (const struct token *f = t ? t->expanded_from : NULL; f;
	     f = f->expanded_from)
		diag__note(p->s, &f->loc, "in the expansion of '%s'", f->text);
}

/* Is the %( at i the body of "@define NAME[(a, b)]"? */
static bool is_define_body(struct token **t, int i)
{
	int j = i - 1;

	if (j >= 0 && t[j]->kind == ')') {
		for (j--; j >= 0 && (t[j]->kind == IDENT || t[j]->kind == ',');
		     j--)
			;
		if (j < 0 || t[j]->kind != '(')
			return false;
		j--;
	}
	return j >= 1 && t[j]->kind == IDENT && t[j - 1]->kind == AT_DEFINE;
}

struct open_pp {
	int at;			/* the %( */
	int then, els;		/* -1 until seen */
	bool def;
};

static struct unit *unit_build(struct pp *p, struct token **t, int n)
{
	struct unit *u = arena__alloc(&p->s->arena, sizeof(*u));
	struct open_pp *stack = NULL;
	int sp = 0, cap = 0;

	u->t = t;
	u->n = n;
	u->link = arena__alloc(&p->s->arena, (size_t)(n + 1) * sizeof(int));
	u->end = arena__alloc(&p->s->arena, (size_t)(n + 1) * sizeof(int));
	for (int i = 0; i < n; i++) {
		int k = t[i]->kind;
		struct open_pp *top = sp ? &stack[sp - 1] : NULL;

		u->link[i] = -1;
		u->end[i] = -1;
		switch (k) {
		case PP_IF:
			if (sp == cap) {
				cap = cap ? cap * 2 : 16;
				stack = realloc(stack, (size_t)cap *
						sizeof(*stack));
				if (!stack)
					abort();
			}
			stack[sp++] = (struct open_pp){
				.at = i, .then = -1, .els = -1,
				.def = is_define_body(t, i),
			};
			break;
		case PP_THEN:
			if (!top)
				pp_err(p, t[i], "'%s' without a matching '%%('",
				       "%?");
			else if (top->def)
				pp_err(p, t[i], "'%s' in a @define body; "
				       "a conditional starts with '%%('", "%?");
			else if (top->then >= 0)
				pp_err(p, t[i], "a second '%s' in one "
				       "conditional", "%?");
			else
				top->then = i;
			break;
		case PP_ELSE:
			if (!top)
				pp_err(p, t[i], "'%s' without a matching '%%('",
				       "%:");
			else if (top->def || top->then < 0)
				pp_err(p, t[i], "'%s' before the '%%?' of its "
				       "conditional", "%:");
			else if (top->els >= 0)
				pp_err(p, t[i], "a second '%s' in one "
				       "conditional", "%:");
			else
				top->els = i;
			break;
		case PP_END:
			if (!top) {
				pp_err(p, t[i], "'%s' without a matching '%%('",
				       "%)");
				break;
			}
			sp--;
			u->end[top->at] = i;
			if (top->def)
				break;
			if (top->then < 0) {
				pp_err(p, t[top->at], "preprocessor "
				       "conditional '%s' has no '%%?'", "%(");
				break;
			}
			u->link[top->at] = top->then;
			u->link[top->then] = top->els >= 0 ? top->els : i;
			if (top->els >= 0)
				u->link[top->els] = i;
			break;
		}
	}
	while (sp > 0) {
		struct open_pp *o = &stack[--sp];

		pp_err(p, t[o->at], "unbalanced '%s': missing '%%)'", "%(");
		u->end[o->at] = n;
		u->link[o->at] = -1;
	}
	free(stack);
	return u;
}

/* ---- output ---------------------------------------------------------- */

static bool pp_budget(struct pp *p, const struct token *t)
{
	if (p->stop)
		return false;
	if (++p->work > PP_MAX_WORK) {
		pp_err(p, t, "%s", "macro expansion too large");
		p->stop = true;
		return false;
	}
	return true;
}

static struct token *tok_copy(struct pp *p, const struct token *t,
			      const struct token *from)
{
	struct token *c = arena__alloc(&p->s->arena, sizeof(*c));

	*c = *t;
	c->expanded_from = from;
	return c;
}

static void emit(struct pp *p, struct token *t, const struct token *from,
		 struct vec *out)
{
	if (!pp_budget(p, t))
		return;
	vec__push(&p->s->arena, out, from ? tok_copy(p, t, from) : t);
}

static void pp_seq(struct pp *p, const struct unit *u, int lo, int hi,
		   const struct env *env, const struct token *from,
		   struct vec *out);

/* ---- the running system, for conditions ----------------------------- */

static void config_add(struct session *s, struct preproc_state *st,
		       const char *line)
{
	const char *eq = strchr(line, '=');
	size_t vlen;
	struct kv *kv;
	unsigned h;

	if (strncmp(line, "CONFIG_", 7) != 0 || !eq)
		return;
	kv = arena__alloc(&s->arena, sizeof(*kv));
	kv->key = arena__strndup(&s->arena, line, (size_t)(eq - line));
	eq++;
	vlen = strcspn(eq, "\r\n");
	if (vlen >= 2 && eq[0] == '"' && eq[vlen - 1] == '"') {
		eq++;
		vlen -= 2;
	}
	kv->val = arena__strndup(&s->arena, eq, vlen);
	h = hash_str(kv->key) & st->config_mask;
	kv->next = st->config[h];
	st->config[h] = kv;
}

/* The kernel config, from /proc/config.gz or /boot/config-RELEASE (gzopen
 * reads plain files too); missing config leaves every option unset. */
static void config_load(struct session *s, struct preproc_state *st)
{
	char path[512], line[4096];
	gzFile f;

	st->config_loaded = true;
	st->config_mask = 4095;
	st->config = arena__alloc(&s->arena, 4096 * sizeof(*st->config));
	f = gzopen("/proc/config.gz", "rb");
	if (!f) {
		snprintf(path, sizeof(path), "/boot/config-%s",
			 s->kernel_release ? s->kernel_release : "");
		f = gzopen(path, "rb");
	}
	if (!f)
		return;
	while (gzgets(f, line, sizeof(line)))
		config_add(s, st, line);
	gzclose(f);
}

static const char *config_get(struct session *s, struct preproc_state *st,
			      const char *name)
{
	if (!st->config_loaded)
		config_load(s, st);
	for (struct kv *kv = st->config[hash_str(name) & st->config_mask]; kv;
	     kv = kv->next)
		if (strcmp(kv->key, name) == 0)
			return kv->val;
	return NULL;
}

/* kernel_v: the release up to its first character that is not a digit
 * or a dot ("6.18.0-rc1" -> "6.18.0") */
static const char *kernel_v(struct session *s)
{
	const char *r = s->kernel_release ? s->kernel_release : "";

	return arena__strndup(&s->arena, r, strspn(r, "0123456789."));
}

/* ---- conditions ---------------------------------------------------------
 *
 * cond   = and ("||" and)*
 * and    = term ("&&" term)*
 * term   = "(" cond ")" | operand cmp operand
 * operand: kernel_v kernel_vr arch runtime systemtap_v
 *          systemtap_privilege guru_mode CONFIG_* number string
 */

struct cev {
	struct pp *p;
	struct token **t;
	int n, i;
	const struct token *start;	/* the %( */
	const struct token *stop;	/* the %? */
	int depth;
};

static const struct token *ce_peek(struct cev *c)
{
	return c->i < c->n ? c->t[c->i] : NULL;
}

static const struct token *ce_where(struct cev *c)
{
	const struct token *t = ce_peek(c);

	return t ? t : c->stop;
}

static bool cmp_result(int k, int op)
{
	switch (op) {
	case EQ: return k == 0;
	case NE: return k != 0;
	case '<': return k < 0;
	case LE: return k <= 0;
	case '>': return k > 0;
	case GE: return k >= 0;
	}
	return false;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* string comparison; == and != match shell globs on the right */
static bool cmp_glob(const char *l, int op, const char *r)
{
	if ((op == EQ || op == NE) && has_glob(r))
		return (fnmatch(r, l, 0) == 0) == (op == EQ);
	return cmp_result(strcmp(l, r), op);
}

/* version comparison ("2.6.32" < "6.18.0"); globs with == and != */
static bool cmp_version(const char *l, int op, const char *r)
{
	if ((op == EQ || op == NE) && has_glob(r))
		return (fnmatch(r, l, 0) == 0) == (op == EQ);
	return cmp_result(strverscmp(l, r), op);
}

static bool cmp_num(int64_t l, int op, int64_t r)
{
	return cmp_result(l < r ? -1 : l > r, op);
}

/* number, -number or string on the right; returns its kind or 0 */
static int ce_operand(struct cev *c, int64_t *num, const char **str)
{
	const struct token *t = ce_peek(c);

	if (t && t->kind == '-' && c->i + 1 < c->n &&
	    c->t[c->i + 1]->kind == NUMBER) {
		*num = -c->t[c->i + 1]->num;
		c->i += 2;
		return NUMBER;
	}
	if (t && (t->kind == NUMBER || t->kind == STRING)) {
		*num = t->num;
		*str = t->text;
		c->i++;
		return t->kind;
	}
	return 0;
}

static bool is_cmp(int k)
{
	return k == EQ || k == NE || k == '<' || k == LE || k == '>' ||
	       k == GE;
}

static bool ce_compare(struct cev *c)
{
	struct session *s = c->p->s;
	const struct token *l = ce_peek(c), *opt, *rt;
	int64_t ln = 0, rn = 0;
	const char *ls = NULL, *rs = NULL;
	int lk = 0, rk, op;

	if (!l) {
		pp_err(c->p, c->start, "%s", "expected a preprocessor "
		       "condition after '%('");
		return false;
	}
	if (l->kind == IDENT)
		c->i++;
	else if (!(lk = ce_operand(c, &ln, &ls))) {
		pp_err(c->p, l, "expected a preprocessor condition, found "
		       "'%s'", l->text);
		return false;
	}
	opt = ce_peek(c);
	if (!opt || !is_cmp(opt->kind)) {
		pp_err(c->p, ce_where(c), "%s", "expected a comparison "
		       "(==, !=, <, <=, >, >=) in the preprocessor condition");
		return false;
	}
	op = opt->kind;
	c->i++;
	rt = ce_where(c);
	rk = ce_operand(c, &rn, &rs);
	if (!rk) {
		pp_err(c->p, rt, "%s", "expected a number or a string in "
		       "the preprocessor condition");
		return false;
	}
	if (lk) {
		if (lk != rk) {
			pp_err(c->p, opt, "%s", "preprocessor condition "
			       "compares a number with a string");
			return false;
		}
		return lk == NUMBER ? cmp_num(ln, op, rn) : cmp_result(
			strcmp(ls, rs), op);
	}

	const char *name = l->text;

	if (!strcmp(name, "kernel_v") || !strcmp(name, "kernel_vr") ||
	    !strcmp(name, "systemtap_v")) {
		const char *v = !strcmp(name, "kernel_v") ? kernel_v(s) :
				!strcmp(name, "kernel_vr") ?
				(s->kernel_release ? s->kernel_release : "") :
				"4.8";
		if (rk != STRING) {
			pp_err(c->p, rt, "'%s' compares with a version string "
			       "such as \"2.6.32\"", name);
			return false;
		}
		return cmp_version(v, op, rs);
	}
	if (!strcmp(name, "arch") || !strcmp(name, "runtime") ||
	    !strcmp(name, "systemtap_privilege")) {
		const char *v = !strcmp(name, "arch") ?
				(s->arch ? s->arch : "") :
				!strcmp(name, "runtime") ? "bpf" : "stapdev";
		if (rk != STRING) {
			pp_err(c->p, rt, "'%s' compares with a string", name);
			return false;
		}
		return cmp_glob(v, op, rs);
	}
	if (!strcmp(name, "guru_mode")) {
		if (rk != NUMBER) {
			pp_err(c->p, rt, "'%s' compares with a number", name);
			return false;
		}
		return cmp_num(s->guru ? 1 : 0, op, rn);
	}
	if (!strncmp(name, "CONFIG_", 7)) {
		const char *v = config_get(s, c->p->st, name);
		char *end;
		long long n;

		if (rk == STRING)
			return cmp_glob(v ? v : "", op, rs);
		if (!v || !*v)
			return op == NE;
		n = strtoll(v, &end, 0);
		if (*end)
			return op == NE;
		return cmp_num(n, op, rn);
	}
	pp_err(c->p, l, "unknown name '%s' in a preprocessor condition "
	       "(expected kernel_v, kernel_vr, arch, runtime, systemtap_v, "
	       "systemtap_privilege, guru_mode or CONFIG_...)", name);
	return false;
}

static bool ce_or(struct cev *c);

static bool ce_term(struct cev *c)
{
	const struct token *t = ce_peek(c);
	bool v;

	if (!t || t->kind != '(')
		return ce_compare(c);
	if (++c->depth > 100) {
		pp_err(c->p, t, "%s", "preprocessor condition nested too "
		       "deeply");
		c->i = c->n;
		return false;
	}
	c->i++;
	v = ce_or(c);
	c->depth--;
	t = ce_peek(c);
	if (!t || t->kind != ')') {
		pp_err(c->p, ce_where(c), "%s", "expected ')' in the "
		       "preprocessor condition");
		c->i = c->n;
		return false;
	}
	c->i++;
	return v;
}

static bool ce_and(struct cev *c)
{
	bool v = ce_term(c);

	while (ce_peek(c) && ce_peek(c)->kind == ANDAND) {
		c->i++;
		v = ce_term(c) && v;
	}
	return v;
}

static bool ce_or(struct cev *c)
{
	bool v = ce_and(c);

	while (ce_peek(c) && ce_peek(c)->kind == OROR) {
		c->i++;
		v = ce_and(c) || v;
	}
	return v;
}

static bool pp_eval(struct pp *p, const struct token *start,
		    const struct token *stop, struct vec *toks)
{
	struct cev c = {
		.p = p, .t = (struct token **)toks->v, .n = toks->n,
		.start = start, .stop = stop,
	};
	int errors = p->s->errors;
	bool v = ce_or(&c);

	if (c.i < c.n && p->s->errors == errors)
		pp_err(p, c.t[c.i], "unexpected '%s' in the preprocessor "
		       "condition (expected '%%?')", c.t[c.i]->text);
	return v && p->s->errors == errors;
}

/* %( cond %? then [%: else] %) at i; returns the index after it */
static int pp_cond(struct pp *p, const struct unit *u, int i, int hi,
		   const struct env *env, const struct token *from,
		   struct vec *out)
{
	int then = u->link[i], end = u->end[i], els;
	struct vec cond = { 0 };

	if (end < 0 || end > hi)
		end = hi;
	if (then < 0 || then >= end)
		return end < hi ? end + 1 : hi;	/* diagnosed in unit_build */
	els = u->link[then];
	if (els < 0 || els > end)
		els = end;
	pp_seq(p, u, i + 1, then, env, from, &cond);
	if (pp_eval(p, u->t[i], u->t[then], &cond))
		pp_seq(p, u, then + 1, els, env, from, out);
	else if (els < end)
		pp_seq(p, u, els + 1, end, env, from, out);
	return end < hi ? end + 1 : hi;
}

/* ---- @define ------------------------------------------------------------- */

static bool builtin_at_name(const char *name)
{
	static const char *const names[] = {
		"cast", "var", "defined", "entry", "perf", "define", "count",
		"sum", "min", "max", "avg", "variance", "hist_log",
		"hist_linear", "const", "kregister", "uregister",
		"probewrite",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* "@define" NAME ["(" [IDENT ("," IDENT)*] ")"] "%(" BODY "%)" at i */
static int pp_define(struct pp *p, const struct unit *u, int i, int hi,
		     const struct env *env)
{
	struct token **t = u->t;
	struct macro *m, *old;
	struct macro_table *table = p->stpm ? &p->st->global : p->local;
	struct vec params = { 0 };
	int j = i + 1;

	if (j >= hi || t[j]->kind != IDENT) {
		pp_err(p, j < hi ? t[j] : t[i], "%s", "expected a macro name "
		       "after @define");
		return j;
	}
	m = arena__alloc(&p->s->arena, sizeof(*m));
	m->name = t[j]->text;
	m->def = t[j];
	j++;
	if (j < hi && t[j]->kind == '(') {
		m->parens = true;
		for (j++; j < hi && t[j]->kind != ')'; j++) {
			if (t[j]->kind != IDENT) {
				pp_err(p, t[j], "expected a parameter name in "
				       "@define, found '%s'", t[j]->text);
				return j;
			}
			vec__push(&p->s->arena, &params, (void *)t[j]->text);
			if (j + 1 < hi && t[j + 1]->kind == ',')
				j++;
		}
		if (j >= hi) {
			pp_err(p, t[i], "%s", "unterminated @define "
			       "parameter list");
			return hi;
		}
		j++;
	}
	if (j >= hi || t[j]->kind != PP_IF || u->end[j] < 0) {
		pp_err(p, j < hi ? t[j] : t[i], "%s", "expected '%(' and the "
		       "macro body after @define NAME");
		return j;
	}
	m->u = u;
	m->lo = j + 1;
	m->hi = u->end[j] < hi ? u->end[j] : hi;
	m->nparams = params.n;
	m->params = (const char **)params.v;
	m->scope = table;
	j = m->hi < hi ? m->hi + 1 : hi;

	if (env) {
		pp_err(p, t[i], "%s", "@define inside a macro body");
		return j;
	}
	if (builtin_at_name(m->name)) {
		pp_err(p, m->def, "cannot define macro '@%s': it is a "
		       "built-in", m->name);
		return j;
	}
	old = table_find(table, m->name);
	if (!old && !p->stpm)
		old = NULL;
	if (old) {
		pp_err(p, m->def, "attempt to redefine macro '@%s'", m->name);
		diag__note(p->s, &old->def->loc, "first defined here");
		return j;
	}
	table_add(table, m);
	return j;
}

/* ---- macro use ------------------------------------------------------------ */

/* Split "(" a, b ")" starting at the '(' at i into argument ranges
 * (pairs of lo, hi in r); returns the index after ')' or -1. */
static int split_args(struct pp *p, const struct unit *u, int i, int hi,
		      struct vec *lo_hi)
{
	int depth = 0, start = i + 1;

	for (int j = i + 1; j < hi; j++) {
		switch (u->t[j]->kind) {
		case '(': case '[': case '{': case PP_IF:
			depth++;
			break;
		case ']': case '}': case PP_END:
			depth--;
			break;
		case ')':
			if (depth-- > 0)
				break;
			/* fallthrough */
		case ',':
			if (depth > 0)
				break;
			vec__push(&p->s->arena, lo_hi,
				  (void *)(intptr_t)start);
			vec__push(&p->s->arena, lo_hi, (void *)(intptr_t)j);
			start = j + 1;
			if (u->t[j]->kind == ')')
				return j + 1;
			break;
		}
	}
	return -1;
}

/* @name or @name(args) at i; returns the index after it */
static int pp_macro(struct pp *p, const struct unit *u, int i, int hi,
		    const struct env *env, const struct token *from,
		    struct vec *out)
{
	const struct token *t = u->t[i];
	const char *name = t->text + 1;
	struct macro *m = NULL;
	struct vec **args = NULL;
	struct vec ranges = { 0 };
	const struct token *inv;
	int next = i + 1, nargs;

	if (env) {
		for (int k = 0; k < env->m->nparams; k++)
			if (!strcmp(env->m->params[k], name)) {
				struct vec *a = env->args[k];

				for (int q = 0; q < a->n; q++)
					emit(p, a->v[q], NULL, out);
				return i + 1;
			}
		m = table_find(env->m->scope, name);
	} else {
		m = table_find(p->local, name);
	}
	if (!m)
		m = table_find(&p->st->global, name);
	if (!m) {
		pp_err(p, t, "unknown macro '%s'", t->text);
		return i + 1;
	}
	if (m->parens) {
		if (next >= hi || u->t[next]->kind != '(') {
			pp_err(p, t, "macro '%s' takes a parenthesized "
			       "argument list", t->text);
			return next;
		}
		next = split_args(p, u, next, hi, &ranges);
		if (next < 0) {
			pp_err(p, t, "unterminated argument list of macro "
			       "'%s'", t->text);
			return hi;
		}
		nargs = ranges.n / 2;
		/* "@m()" is zero arguments, not one empty one */
		if (nargs == 1 && m->nparams == 0 &&
		    (intptr_t)ranges.v[0] == (intptr_t)ranges.v[1])
			nargs = 0;
		if (nargs != m->nparams) {
			diag__error(p->s, &t->loc, "parse error",
				    "macro '%s' takes %d argument%s, but %d "
				    "%s given", t->text, m->nparams,
				    m->nparams == 1 ? "" : "s", nargs,
				    nargs == 1 ? "was" : "were");
			diag__note(p->s, &m->def->loc, "defined here");
			return next;
		}
		args = arena__alloc(&p->s->arena,
				    (size_t)(nargs + 1) * sizeof(*args));
		for (int k = 0; k < nargs; k++) {
			args[k] = arena__alloc(&p->s->arena, sizeof(**args));
			pp_seq(p, u, (int)(intptr_t)ranges.v[2 * k],
			       (int)(intptr_t)ranges.v[2 * k + 1], env, from,
			       args[k]);
		}
	}
	if (m->active) {
		pp_err(p, t, "recursive invocation of macro '%s'", t->text);
		return next;
	}
	if (!pp_budget(p, t))
		return hi;
	inv = from ? tok_copy(p, t, from) : t;
	m->active = true;
	pp_seq(p, m->u, m->lo, m->hi, &(struct env){ .m = m, .args = args },
	       inv, out);
	m->active = false;
	return next;
}

/* ---- script arguments -------------------------------------------------- */

static struct token *tok_new(struct pp *p, int kind, const char *text,
			     const struct token *at, const struct token *from)
{
	struct token *t = arena__alloc(&p->s->arena, sizeof(*t));

	t->kind = kind;
	t->text = text;
	t->loc = at->loc;
	t->expanded_from = from;
	return t;
}

/* $N lexed as script text (once per N) */
static struct vec *arg_tokens(struct pp *p, int n)
{
	struct session *s = p->s;
	struct preproc_state *st = p->st;
	struct source *src;
	struct vec *v;

	if (!st->argtoks)
		st->argtoks = arena__alloc(&s->arena, (size_t)s->args.n *
					   sizeof(*st->argtoks));
	if (st->argtoks[n - 1])
		return st->argtoks[n - 1];
	src = arena__alloc(&s->arena, sizeof(*src));
	src->name = arena__printf(&s->arena, "<argument $%d>", n);
	src->text = s->args.v[n - 1];
	src->len = strlen(src->text);
	v = arena__alloc(&s->arena, sizeof(*v));
	lexer__tokenize(s, src, v);
	v->n--;				/* drop the end marker */
	st->argtoks[n - 1] = v;
	return v;
}

static void pp_scriptarg(struct pp *p, struct token *t,
			 const struct token *from, struct vec *out)
{
	struct session *s = p->s;
	const char *digits = t->text + 1;
	bool str = t->text[0] == '@';
	long n;

	if (*digits == '#') {
		struct token *c = tok_new(p, str ? STRING : NUMBER,
					  arena__printf(&s->arena, "%d",
							s->args.n), t, from);
		c->num = s->args.n;
		emit(p, c, NULL, out);
		return;
	}
	n = strlen(digits) > 9 ? 1000000000L : strtol(digits, NULL, 10);
	if (n < 1 || n > s->args.n) {
		diag__error(s, &t->loc, "parse error", "command line argument "
			    "index %ld out of range [1-%d]", n, s->args.n);
		return;
	}
	if (str) {
		emit(p, tok_new(p, STRING, s->args.v[n - 1], t, from), NULL,
		     out);
		return;
	}
	struct vec *v = arg_tokens(p, (int)n);

	for (int i = 0; i < v->n; i++) {
		struct token *c = tok_copy(p, v->v[i], from ? from : t);

		c->loc = t->loc;
		emit(p, c, NULL, out);
	}
}

/* ---- the driver ------------------------------------------------------------ */

static void pp_seq(struct pp *p, const struct unit *u, int lo, int hi,
		   const struct env *env, const struct token *from,
		   struct vec *out)
{
	if (++p->depth > PP_MAX_DEPTH) {
		if (!p->stop)
			pp_err(p, lo < u->n ? u->t[lo] : NULL, "%s",
			       "preprocessor conditionals or macros nested "
			       "too deeply");
		p->stop = true;
	}
	for (int i = lo; i < hi && !p->stop;) {
		struct token *t = u->t[i];

		switch (t->kind) {
		case PP_IF:
			if (u->link[i] < 0 && u->end[i] >= 0 &&
			    is_define_body(u->t, i)) {
				/* a body whose @define failed: skip it */
				i = u->end[i] < hi ? u->end[i] + 1 : hi;
				break;
			}
			i = pp_cond(p, u, i, hi, env, from, out);
			break;
		case PP_THEN:
		case PP_ELSE:
		case PP_END:
			i++;		/* stray: diagnosed in unit_build */
			break;
		case AT_DEFINE:
			i = pp_define(p, u, i, hi, env);
			break;
		case MACRO:
			i = pp_macro(p, u, i, hi, env, from, out);
			break;
		case SCRIPTARG:
			pp_scriptarg(p, t, from, out);
			i++;
			break;
		default:
			emit(p, t, from, out);
			i++;
			break;
		}
	}
	p->depth--;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int pp_file(struct session *s, struct preproc_state *st,
		   const struct vec *in, struct vec *out, bool stpm)
{
	struct macro_table local;
	struct pp p = { .s = s, .st = st, .local = &local, .stpm = stpm };
	struct token **t = (struct token **)in->v;
	int n = in->n, errors = s->errors;
	struct unit *u;

	table_init(s, &local, 64);
	if (out->cap - out->n < n + 1) {
		/* the output is about as long as the input */
		int cap = out->n + n + 16;
		void **v = arena__alloc(&s->arena, (size_t)cap * sizeof(*v));

		if (out->n)
			memcpy(v, out->v, (size_t)out->n * sizeof(*v));
		out->v = v;
		out->cap = cap;
	}
	if (n > 0 && t[n - 1]->kind == 0)
		n--;
	u = unit_build(&p, t, n);
	pp_seq(&p, u, 0, n, NULL, NULL, out);
	if (in->n > n)
		vec__push(&s->arena, out, t[n]);
	return s->errors > errors ? -EINVAL : 0;
}

/* ---- *.stpm: the tapsets' global macros ------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void stpm_find(struct session *s, const char *dir, int depth,
		      struct vec *found)
{
	DIR *d;
	struct dirent *e;

	if (depth > STPM_MAX_DEPTH || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		struct stat sb;
		char *path;

		if (e->d_name[0] == '.')
			continue;
		path = arena__printf(&s->arena, "%s/%s", dir, e->d_name);
		if (ends_with(e->d_name, ".stpm")) {
			vec__push(&s->arena, found, path);
			continue;
		}
		if (e->d_type == DT_DIR ||
		    (e->d_type == DT_UNKNOWN && stat(path, &sb) == 0 &&
		     S_ISDIR(sb.st_mode)))
			stpm_find(s, path, depth + 1, found);
	}
	closedir(d);
}

static void stpm_read(struct session *s, struct preproc_state *st,
		      const char *path)
{
	struct source *src = source__read(s, path, true);
	struct vec toks = { 0 }, out = { 0 };

	vec__push(&s->arena, &st->stpm_files, (void *)path);
	if (!src)
		return;
	lexer__tokenize(s, src, &toks);
	pp_file(s, st, &toks, &out, true);
	for (int i = 0; i < out.n; i++) {
		struct token *t = out.v[i];

		if (t->kind != 0) {
			diag__error(s, &t->loc, "parse error", "unexpected "
				    "'%s' in a macro file: only @define is "
				    "allowed", t->text);
			break;
		}
	}
}

static void stpm_load(struct session *s, struct preproc_state *st)
{
	struct vec found = { 0 };

	st->stpm_loaded = true;
	if (s->tapset_dir)
		stpm_find(s, s->tapset_dir, 0, &found);
	vec_foreach(i, &s->include_dirs)
		stpm_find(s, vec_at(&s->include_dirs, i), 0, &found);
	if (found.n > 1)
		qsort(found.v, (size_t)found.n, sizeof(void *), cmp_str);
	vec_foreach(i, &found)
		stpm_read(s, st, vec_at(&found, i));
}

static struct preproc_state *state_get(struct session *s)
{
	if (!s->pp) {
		s->pp = arena__alloc(&s->arena, sizeof(*s->pp));
		table_init(s, &s->pp->global, 256);
		stpm_load(s, s->pp);
	}
	return s->pp;
}

int preproc__run(struct session *s, const struct vec *in, struct vec *out)
{
	struct preproc_state *st = state_get(s);
	const struct token *first = in->n ? in->v[0] : NULL;
	const char *name = first && first->loc.src ? first->loc.src->name : "";

	if (ends_with(name, ".stpm")) {
		/* read at start-up already: keep its macros once */
		vec_foreach(i, &st->stpm_files)
			if (!strcmp(vec_at(&st->stpm_files, i), name)) {
				vec__push(&s->arena, out, in->v[in->n - 1]);
				return 0;
			}
		vec__push(&s->arena, &st->stpm_files, (void *)name);
		return pp_file(s, st, in, out, true);
	}
	return pp_file(s, st, in, out, false);
}
