/* types.c - type inference over the whole program.
 *
 * Every variable (global, local, parameter), array key and value and
 * function return has one type: long, string or stats (globals only,
 * fed with <<< and read with @count() .. @hist_*()).  The program is
 * walked repeatedly; each walk fills in unknown types from the context
 * (assignments, operators, calls, printf formats, foreach) until a walk
 * changes nothing.  A last walk reports conflicts ("type mismatch (long
 * vs. string)" at the use, a note where the type was first inferred;
 * a return that disagrees with its function in stap's words, see
 * t_return), then whatever stayed unknown is "unresolved type".
 */
#include <string.h>

#include "elab.h"

struct tctx {
	struct elab *e;
	struct session *s;
	bool report;
	int changes;
	struct funcdecl *fn;
	/* a call's context may settle the callee's return type; off at
	 * first, so that a function's type comes from its own returns
	 * where they tell it (as in stap) */
	bool call_ret;
};

/* an expectation from the context */
struct want {
	enum type t;
	const struct loc *loc;	/* where the expectation comes from */
};

static const struct want ANY = { TY_UNKNOWN, NULL };
static const struct want LONG = { TY_LONG, NULL };
static const struct want STRING = { TY_STRING, NULL };

static enum type t_expr(struct tctx *c, struct expr *x, struct want w);
static void t_stmt(struct tctx *c, struct stmt *st);
static void t_hist(struct tctx *c, struct expr *x);

/* the type origin of an expression, for notes */
static const struct loc *origin(struct tctx *c, const struct expr *x)
{
	const void *sym = NULL;

	if (!x)
		return NULL;
	if ((x->kind == EX_SYM || x->kind == EX_INDEX) && x->decl)
		sym = x->decl;
	else if (x->kind == EX_INDEX && x->a && x->a->decl)
		sym = x->a->decl;
	else if (x->kind == EX_CALL && x->fn)
		sym = x->fn;
	if (sym) {
		struct syminfo *si = elab__info(c->e, sym);

		if (si->type_set)
			return &si->type_loc;
	}
	return &x->loc;
}

static void mismatch(struct tctx *c, const struct expr *x, enum type want,
		     enum type have, const struct loc *wloc)
{
	const struct loc *own = origin(c, x);
	bool sym = own && own != &x->loc && (own->line != x->loc.line ||
					     own->col != x->loc.col ||
					     own->src != x->loc.src);

	/* (the type established first vs. the conflicting one) */
	diag__error(c->s, &x->loc, "semantic error",
		    "type mismatch (%s vs. %s)",
		    type__name(sym ? have : want),
		    type__name(sym ? want : have));
	if (sym)
		diag__note(c->s, own, "type %s was first inferred here",
			   type__name(have));
	else if (wloc && wloc->src)
		diag__note(c->s, wloc, "type %s was first inferred here",
			   type__name(want));
}

/* Set an unknown slot; returns the slot's type. */
static enum type settle(struct tctx *c, enum type *slot, struct loc *sloc,
			bool *sset, enum type t, const struct loc *at)
{
	if (*slot == TY_UNKNOWN && t != TY_UNKNOWN && t != TY_VOID) {
		*slot = t;
		if (sloc && at) {
			*sloc = *at;
			*sset = true;
		}
		c->changes++;
	}
	return *slot;
}

/* ---- arity ---- */

static void set_arity(struct tctx *c, struct vardecl *v, int n,
		      const struct loc *at)
{
	struct syminfo *si;

	if (!v->is_global || (v->arity == n && !c->report))
		return;
	si = elab__info(c->e, v);
	if (!si->arity_set) {
		si->arity_set = true;
		si->arity_loc = *at;
		v->arity = n;
		if (n > 0) {
			v->key_types = arena__alloc(&c->s->arena,
						    sizeof(enum type) *
						    (size_t)n);
			si->key_locs = arena__alloc(&c->s->arena,
						    sizeof(struct loc) *
						    (size_t)n);
		}
		c->changes++;
		return;
	}
	if (v->arity == n || !c->report)
		return;
	if (n == 0)
		diag__error(c->s, at, "semantic error",
			    "array '%s' used as a scalar (inconsistent arity "
			    "%d vs. 0)", v->name, v->arity);
	else
		diag__error(c->s, at, "semantic error",
			    "inconsistent arity for '%s' (%d vs. %d)",
			    v->name, v->arity, n);
	diag__note(c->s, &si->arity_loc, "arity %d was first inferred here",
		   v->arity);
}

/* ---- symbols ---- */

/* A variable reference (EX_SYM) or array element (EX_INDEX), typed as
 * the value. stats_ok: the context reads statistics (<<<, @ops). */
static enum type t_var(struct tctx *c, struct expr *x, struct want w,
		       bool stats_ok)
{
	struct expr *sym = x->kind == EX_INDEX ? x->a : x;
	struct vardecl *v = sym ? sym->decl : NULL;
	struct syminfo *si;
	int errors = c->s->errors;

	if (!v)
		return TY_UNKNOWN;
	/* the common case, quickly: a known scalar in a fitting context */
	if (!c->report && x->kind == EX_SYM && v->type != TY_UNKNOWN &&
	    (!v->is_global || v->arity == 0)) {
		x->type = v->type;
		return x->type;
	}
	si = elab__info(c->e, v);
	if (c->report)
		si->refs++;
	if (x->kind == EX_INDEX) {
		set_arity(c, v, x->args.n, &x->loc);
		/* the keys and value of a misused name: follow-on errors */
		if (c->s->errors != errors)
			return x->type = v->type;
		vec_foreach(i, &x->args) {
			struct expr *k = vec_at(&x->args, i);
			struct want kw = { TY_UNKNOWN, NULL };
			enum type kt;

			if (k->kind == EX_WILD || i >= v->arity ||
			    !v->key_types)
				continue;
			kw.t = v->key_types[i];
			kw.loc = &si->key_locs[i];
			kt = t_expr(c, k, kw);
			bool kset = false;
			settle(c, &v->key_types[i], &si->key_locs[i], &kset,
			       kt, &k->loc);
			if (c->report && kt == TY_STATS)
				diag__error(c->s, &k->loc, "semantic error",
					    "statistics cannot be array keys");
		}
	} else if (v->is_global) {
		set_arity(c, v, 0, &x->loc);
		if (c->s->errors != errors)
			return x->type = v->type;
	}
	if (w.t == TY_STATS && v->type == TY_UNKNOWN && !v->is_global &&
	    c->report) {
		diag__error(c->s, &x->loc, "semantic error",
			    "aggregate locals not supported, missing global "
			    "declaration? ('%s')", v->name);
		return TY_UNKNOWN;
	}
	if (w.t != TY_STATS || v->is_global)
		settle(c, &v->type, &si->type_loc, &si->type_set, w.t,
		       &x->loc);
	x->type = v->type;
	if (!c->report)
		return x->type;
	if (v->type == TY_STATS && !stats_ok) {
		diag__error(c->s, &x->loc, "semantic error",
			    "statistics variable '%s' used as a scalar (read "
			    "it with @count, @sum, @min, @max, @avg)",
			    v->name);
		return x->type;
	}
	if (w.t != TY_UNKNOWN && v->type != TY_UNKNOWN && w.t != v->type)
		mismatch(c, x, w.t, v->type, w.loc);
	return x->type;
}

/* ---- calls ---- */

static void t_format(struct tctx *c, struct expr *x, int first)
{
	struct expr *f = vec_at(&x->args, 0);
	struct vec convs = { 0 };
	const char *err;
	int pos, nargs = x->args.n - first;

	if (f->kind != EX_STR) {
		t_expr(c, f, STRING);
		if (c->report)
			diag__error(c->s, &f->loc, "semantic error",
				    "the format of %s() must be a literal "
				    "string", x->str);
		return;
	}
	f->type = TY_STRING;
	if (format__parse(&c->s->arena, f->str, &convs, &err, &pos)) {
		if (c->report)
			diag__error(c->s, &f->loc, "semantic error",
				    "%s (at byte %d of the format)", err,
				    pos);
		return;
	}
	if (convs.n != nargs) {
		if (c->report)
			diag__error(c->s, &x->loc, "semantic error",
				    "format string of %s() expects %d "
				    "argument%s, %d given", x->str, convs.n,
				    convs.n == 1 ? "" : "s", nargs);
		for (int i = first; i < x->args.n; i++)
			t_expr(c, vec_at(&x->args, i), ANY);
		return;
	}
	vec_foreach(i, &convs) {
		struct fmt_conv *cv = vec_at(&convs, i);
		struct want w = { cv->type, &f->loc };

		t_expr(c, vec_at(&x->args, first + i), w);
	}
}

static void t_builtin_args(struct tctx *c, struct expr *x)
{
	const struct builtin *bi = x->builtin;
	int first = 0;

	if (bi->flags & (BF_FORMAT | BF_DELIM)) {
		struct expr *a0 = vec_at(&x->args, 0);

		if (bi->flags & BF_FORMAT) {
			t_format(c, x, 1);
			return;
		}
		t_expr(c, a0, STRING);
		if (a0->kind != EX_STR && c->report)
			diag__error(c->s, &a0->loc, "semantic error",
				    "the delimiter of %s() must be a literal "
				    "string", bi->name);
		first = 1;
	}
	for (int i = first; i < x->args.n; i++) {
		struct expr *a = vec_at(&x->args, i);
		struct want w = ANY;
		enum type t;

		if (i < BUILTIN_MAXARGS && (bi->max_args < 0 ?
					    i < 1 : i < bi->max_args))
			w.t = bi->args[i];
		if (a->kind == EX_HIST && (bi->flags & BF_HIST_OK)) {
			t_hist(c, a);
			continue;
		}
		t = t_expr(c, a, w);
		if (!c->report || w.t != TY_UNKNOWN)
			continue;
		if (t == TY_VOID)
			diag__error(c->s, &a->loc, "semantic error",
				    "a function without a value used as an "
				    "argument of %s()", bi->name);
	}
}

static enum type t_call(struct tctx *c, struct expr *x, struct want w)
{
	struct funcdecl *fn = x->fn;
	struct syminfo *fi;

	if (x->builtin) {
		t_builtin_args(c, x);
		x->type = x->builtin->ret;
		goto check;
	}
	if (!fn) {
		vec_foreach(i, &x->args)
			t_expr(c, vec_at(&x->args, i), ANY);
		return TY_UNKNOWN;
	}
	vec_foreach(i, &x->args) {
		struct expr *a = vec_at(&x->args, i);
		struct vardecl *p = vec_at(&fn->params, i);
		struct syminfo *pi = elab__info(c->e, p);
		struct want pw = { p->type, pi->type_set ? &pi->type_loc :
						    &p->loc };
		enum type at = t_expr(c, a, pw);

		settle(c, &p->type, &pi->type_loc, &pi->type_set, at,
		       &a->loc);
		if (c->report && at == TY_STATS)
			diag__error(c->s, &a->loc, "semantic error",
				    "statistics cannot be passed to functions");
	}
	fi = elab__info(c->e, fn);
	if (fn->ret != TY_VOID && w.t != TY_STATS && c->call_ret)
		settle(c, &fn->ret, &fi->type_loc, &fi->type_set, w.t,
		       &x->loc);
	x->type = fn->ret;
check:
	if (c->report && w.t != TY_UNKNOWN && x->type != TY_UNKNOWN &&
	    w.t != x->type) {
		if (x->type == TY_VOID)
			diag__error(c->s, &x->loc, "semantic error",
				    "function '%s' has no return value but is "
				    "used as a %s", x->str, type__name(w.t));
		else
			mismatch(c, x, w.t, x->type, w.loc);
	}
	return x->type;
}

/* ---- statistics ---- */

static void t_stats_operand(struct tctx *c, struct expr *a)
{
	struct want w = { TY_STATS, NULL };
	int errors = c->s->errors;

	if (a->kind != EX_SYM && a->kind != EX_INDEX) {
		t_expr(c, a, ANY);
		if (c->report)
			diag__error(c->s, &a->loc, "semantic error",
				    "expected a statistics variable");
		return;
	}
	t_var(c, a, w, true);
	/* t_var already said what is wrong with this use */
	if (c->report && c->s->errors == errors && a->type != TY_STATS &&
	    a->type != TY_UNKNOWN)
		diag__error(c->s, &a->loc, "semantic error",
			    "type mismatch (stats vs. %s): '%s' is not a "
			    "statistics variable", type__name(a->type),
			    a->kind == EX_SYM ? a->str : a->a->str);
}

static struct vardecl *stats_decl(struct expr *a)
{
	if (a->kind == EX_SYM)
		return a->decl;
	if (a->kind == EX_INDEX && a->a)
		return a->a->decl;
	return NULL;
}

static bool literal_arg(struct tctx *c, struct expr *x, int i, int64_t *v)
{
	struct expr *a = i < x->args.n ? vec_at(&x->args, i) : NULL;

	if (a && expr__const(a, v)) {
		a->type = TY_LONG;
		return true;
	}
	if (a)
		t_expr(c, a, LONG);
	if (c->report)
		diag__error(c->s, a ? &a->loc : &x->loc, "semantic error",
			    "@%s() wants literal numbers as parameters",
			    statop__name(x->statop));
	return false;
}

static void t_hist(struct tctx *c, struct expr *x)
{
	struct vardecl *v = stats_decl(x->a);
	int64_t lo, hi, step;

	t_stats_operand(c, x->a);
	x->type = TY_STATS;
	if (!v)
		return;
	if (x->statop == SO_HIST_LOG) {
		v->want_hist_log = true;
		return;
	}
	if (!literal_arg(c, x, 0, &lo) || !literal_arg(c, x, 1, &hi) ||
	    !literal_arg(c, x, 2, &step))
		return;
	if (step <= 0 || hi <= lo) {
		if (c->report)
			diag__error(c->s, &x->loc, "semantic error",
				    "@hist_linear() wants low < high and a "
				    "positive step");
		return;
	}
	if ((hi - lo) / step > 65536) {
		if (c->report)
			diag__error(c->s, &x->loc, "semantic error",
				    "@hist_linear() with too many buckets");
		return;
	}
	if (v->want_hist_linear && (v->hist_lo != lo || v->hist_hi != hi ||
				    v->hist_step != step)) {
		if (c->report)
			diag__error(c->s, &x->loc, "semantic error",
				    "@hist_linear() of '%s' used with "
				    "different parameters", v->name);
		return;
	}
	v->want_hist_linear = true;
	v->hist_lo = lo;
	v->hist_hi = hi;
	v->hist_step = step;
}

static void t_statop(struct tctx *c, struct expr *x)
{
	struct vardecl *v = stats_decl(x->a);
	int64_t shift = 0;

	t_stats_operand(c, x->a);
	x->type = TY_LONG;
	if (x->statop != SO_VARIANCE || !v)
		return;
	if (x->args.n && literal_arg(c, x, 0, &shift) &&
	    (shift < 0 || shift > 12)) {
		if (c->report)
			diag__error(c->s, &x->loc, "semantic error",
				    "@variance() shift must be 0 to 12");
		return;
	}
	v->want_variance = true;
	v->variance_shift = (int)shift;
}

/* ---- expressions ---- */

static enum type t_assign(struct tctx *c, struct expr *x, struct want w)
{
	enum type lt, rt;

	if (x->op == OP_STATACC) {
		t_stats_operand(c, x->a);
		t_expr(c, x->b, LONG);
		return x->type = TY_LONG;
	}
	if (x->a->kind != EX_SYM && x->a->kind != EX_INDEX &&
	    x->a->kind != EX_TARGET && c->report)
		diag__error(c->s, &x->a->loc, "semantic error",
			    "cannot assign to this expression");
	if (x->op == OP_ASSIGN) {
		struct want lw, rw;

		/* a conflict is reported at the target (as stap does),
		 * with a note where its type was first inferred */
		lt = t_expr(c, x->a, ANY);
		rt = t_expr(c, x->b, ANY);
		if (rt == TY_UNKNOWN && lt != TY_UNKNOWN) {
			lw.t = lt;
			lw.loc = origin(c, x->a);
			rt = t_expr(c, x->b, lw);
		} else if (rt != TY_UNKNOWN && rt != TY_VOID) {
			rw.t = rt;
			rw.loc = &x->b->loc;
			lt = t_expr(c, x->a, rw);
		}
		if (lt == TY_UNKNOWN && w.t != TY_UNKNOWN) {
			lt = t_expr(c, x->a, w);
			t_expr(c, x->b, w);
		}
		if (c->report && rt == TY_VOID)
			diag__error(c->s, &x->b->loc, "semantic error",
				    "assigning the value of a function that "
				    "returns none");
		return x->type = lt;
	}
	if (x->op == OP_CONCAT) {
		t_expr(c, x->a, STRING);
		t_expr(c, x->b, STRING);
		return x->type = TY_STRING;
	}
	t_expr(c, x->a, LONG);
	t_expr(c, x->b, LONG);
	return x->type = TY_LONG;
}

static enum type t_compare(struct tctx *c, struct expr *x)
{
	struct want w;
	enum type ta = t_expr(c, x->a, ANY), tb;

	w.t = ta;
	w.loc = origin(c, x->a);
	tb = t_expr(c, x->b, w);
	if (ta == TY_UNKNOWN && tb != TY_UNKNOWN) {
		w.t = tb;
		w.loc = origin(c, x->b);
		t_expr(c, x->a, w);
	}
	return x->type = TY_LONG;
}

static enum type t_ternary(struct tctx *c, struct expr *x, struct want w)
{
	enum type tb, tc;
	struct want bw;

	t_expr(c, x->a, LONG);
	tb = t_expr(c, x->b, w);
	bw.t = tb != TY_UNKNOWN ? tb : w.t;
	bw.loc = tb != TY_UNKNOWN ? origin(c, x->b) : w.loc;
	tc = t_expr(c, x->c, bw);
	if (tb == TY_UNKNOWN && tc != TY_UNKNOWN) {
		bw.t = tc;
		bw.loc = origin(c, x->c);
		tb = t_expr(c, x->b, bw);
	}
	return x->type = tb != TY_UNKNOWN ? tb : tc;
}

static enum type t_in(struct tctx *c, struct expr *x)
{
	struct expr *arr = x->a;
	struct vardecl *v = arr ? arr->decl : NULL;
	struct syminfo *si;

	if (!v)
		return x->type = TY_LONG;
	si = elab__info(c->e, v);
	if (c->report)
		si->refs++;
	set_arity(c, v, x->args.n, &x->loc);
	vec_foreach(i, &x->args) {
		struct expr *k = vec_at(&x->args, i);
		struct want kw = ANY;
		enum type kt;

		if (k->kind == EX_WILD || !v->key_types || i >= v->arity)
			continue;
		kw.t = v->key_types[i];
		kw.loc = &si->key_locs[i];
		kt = t_expr(c, k, kw);
		bool kset = false;
		settle(c, &v->key_types[i], &si->key_locs[i], &kset, kt,
		       &k->loc);
	}
	return x->type = TY_LONG;
}

static enum type t_expr(struct tctx *c, struct expr *x, struct want w)
{
	enum type t = TY_UNKNOWN;

	if (!x)
		return TY_UNKNOWN;
	switch (x->kind) {
	case EX_NUM:
		t = x->type = TY_LONG;
		break;
	case EX_STR:
		t = x->type = TY_STRING;
		break;
	case EX_SYM:
	case EX_INDEX:
		return t_var(c, x, w, false);
	case EX_CALL:
		return t_call(c, x, w);
	case EX_ASSIGN:
		t = t_assign(c, x, w);
		break;
	case EX_INCDEC:
		t_expr(c, x->a, LONG);
		t = x->type = TY_LONG;
		break;
	case EX_UNARY:
		if (x->op == OP_ADDR)
			t_expr(c, x->a, ANY);
		else
			t_expr(c, x->a, LONG);
		t = x->type = TY_LONG;
		break;
	case EX_BINARY:
		if (x->op == OP_CONCAT) {
			t_expr(c, x->a, STRING);
			t_expr(c, x->b, STRING);
			t = x->type = TY_STRING;
		} else {
			t_expr(c, x->a, LONG);
			t_expr(c, x->b, LONG);
			t = x->type = TY_LONG;
		}
		break;
	case EX_LOGICAL:
		t_expr(c, x->a, LONG);
		t_expr(c, x->b, LONG);
		t = x->type = TY_LONG;
		break;
	case EX_REGEX:
		t_expr(c, x->a, STRING);
		t_expr(c, x->b, STRING);
		if (c->report && x->b && x->b->kind != EX_STR)
			diag__error(c->s, &x->b->loc, "semantic error",
				    "a regular expression must be a literal "
				    "string");
		t = x->type = TY_LONG;
		break;
	case EX_COMPARE:
		t = t_compare(c, x);
		break;
	case EX_TERNARY:
		t = t_ternary(c, x, w);
		break;
	case EX_IN:
		t = t_in(c, x);
		break;
	case EX_STATOP:
		t_statop(c, x);
		t = TY_LONG;
		break;
	case EX_HIST:
		t_hist(c, x);
		if (c->report)
			diag__error(c->s, &x->loc, "semantic error",
				    "@%s() can only be printed: use it as an "
				    "argument of print() or println()",
				    statop__name(x->statop));
		return TY_STATS;
	case EX_DEFINED:
		t = x->type = TY_LONG;
		break;
	case EX_PERF:
	case EX_TARGET:
	case EX_ENTRY:
	case EX_VARAT:
	case EX_CAST:
		vec_foreach(i, &x->chain) {
			struct chain *ch = vec_at(&x->chain, i);

			if (ch->index)
				t_expr(c, ch->index, LONG);
		}
		if (x->kind == EX_CAST)
			t_expr(c, x->a, LONG);
		if (x->type == TY_UNKNOWN && x->target)
			x->type = TY_LONG;
		t = x->type;
		break;
	case EX_EMBEDDED:
		t = x->type = x->str && strstr(x->str, "/* string */") ?
			      TY_STRING : TY_LONG;
		break;
	case EX_WILD:
		return TY_UNKNOWN;
	}
	if (c->report && w.t != TY_UNKNOWN && t != TY_UNKNOWN && w.t != t) {
		if (t == TY_VOID)
			diag__error(c->s, &x->loc, "semantic error",
				    "expression without a value used as a %s",
				    type__name(w.t));
		else
			mismatch(c, x, w.t, t, w.loc);
	}
	return t;
}

/* ---- statements ---- */

static void t_foreach(struct tctx *c, struct stmt *st)
{
	struct expr *arr = st->array;
	struct expr *sym = arr && arr->kind == EX_INDEX ? arr->a : arr;
	struct vardecl *v = sym ? sym->decl : NULL;
	struct syminfo *si;

	if (!v)
		goto body;
	si = elab__info(c->e, v);
	if (c->report)
		si->refs++;
	set_arity(c, v, st->keys.n, &st->loc);
	if (arr->kind == EX_INDEX) {
		if (c->report && arr->args.n != st->keys.n)
			diag__error(c->s, &arr->loc, "semantic error",
				    "slice of '%s' has %d keys, foreach %d",
				    v->name, arr->args.n, st->keys.n);
		t_in(c, arr);
	}
	vec_foreach(i, &st->keys) {
		struct expr *k = vec_at(&st->keys, i);
		struct vardecl *kv = k->decl;
		struct want kw = ANY;

		if (!kv || !v->key_types || i >= v->arity)
			continue;
		kw.t = v->key_types[i];
		kw.loc = &si->key_locs[i];
		enum type kt = t_var(c, k, kw, false);
		bool kset = false;
		settle(c, &v->key_types[i], &si->key_locs[i], &kset, kt,
		       &k->loc);
	}
	if (st->value) {
		struct want vw = { v->type == TY_STATS ? TY_LONG : v->type,
				   si->type_set ? &si->type_loc : NULL };
		enum type vt = t_var(c, st->value, vw, false);

		if (v->type != TY_STATS)
			settle(c, &v->type, &si->type_loc, &si->type_set, vt,
			       &st->value->loc);
	}
	if (c->report && st->sort_column > st->keys.n)
		diag__error(c->s, &st->loc, "semantic error",
			    "foreach sorts on key %d of %d", st->sort_column,
			    st->keys.n);
	if (c->report && st->has_agg && v->type != TY_STATS &&
	    v->type != TY_UNKNOWN)
		diag__error(c->s, &st->loc, "semantic error",
			    "@%s sorting needs a statistics array",
			    statop__name(st->agg));
body:
	t_expr(c, st->limit, LONG);
	t_stmt(c, st->then);
}

static void t_delete(struct tctx *c, struct stmt *st)
{
	struct expr *x = st->e;
	struct vardecl *v;

	if (!x)
		return;
	if (x->kind == EX_INDEX) {
		t_var(c, x, ANY, true);
		return;
	}
	if (x->kind != EX_SYM) {
		if (c->report)
			diag__error(c->s, &x->loc, "semantic error",
				    "delete wants a variable or an array "
				    "element");
		return;
	}
	v = x->decl;
	if (v && c->report)
		elab__info(c->e, v)->refs++;
	if (v)
		x->type = v->type;
}

/* The type an expression has, without reporting anything: at the
 * fixpoint a quiet walk changes nothing. */
static enum type quiet_type(struct tctx *c, struct expr *x)
{
	bool report = c->report;
	enum type t;

	c->report = false;
	t = t_expr(c, x, ANY);
	c->report = report;
	return t;
}

static bool is_value_type(enum type t)
{
	return t == TY_LONG || t == TY_STRING;
}

/* A returned value that disagrees with the function's type, in stap's
 * words.  A variable or call that got its type elsewhere is wrong by
 * the function's type, with a note at that origin; any other value
 * conflicts with a declared type ("expected VALUE but found DECLARED",
 * stap's order) or with the type an earlier return or call inferred. */
static void return_mismatch(struct tctx *c, struct funcdecl *fn,
			    const struct expr *x, enum type t)
{
	struct syminfo *fi = elab__info(c->e, fn);
	const struct loc *own = origin(c, x);

	if (own && own != &x->loc &&
	    (own->src != x->loc.src || own->line != x->loc.line ||
	     own->col != x->loc.col)) {
		diag__error(c->s, &x->loc, "semantic error",
			    "type mismatch (%s)", type__name(fn->ret));
		diag__note(c->s, own, "type was first inferred here (%s)",
			   type__name(t));
	} else if (fn->ret_declared) {
		diag__error(c->s, &x->loc, "semantic error",
			    "type mismatch: expected %s but found %s",
			    type__name(t), type__name(fn->ret));
	} else {
		diag__error(c->s, &x->loc, "semantic error",
			    "type mismatch (%s)", type__name(t));
		diag__note(c->s, fi->type_set ? &fi->type_loc : &fn->loc,
			   "type was first inferred here (%s)",
			   type__name(fn->ret));
	}
}

/* 'return;' in a function that has a value, declared or from another
 * return: stap's "unknown" type against the function's. */
static void bare_return(struct tctx *c, struct funcdecl *fn,
			const struct stmt *st)
{
	struct syminfo *fi = elab__info(c->e, fn);

	if (!is_value_type(fn->ret))
		return;
	if (fn->ret_declared) {
		diag__error(c->s, &st->loc, "semantic error",
			    "type mismatch: expected unknown but found %s",
			    type__name(fn->ret));
		return;
	}
	diag__error(c->s, &st->loc, "semantic error",
		    "type mismatch (unknown)");
	diag__note(c->s, fi->type_set ? &fi->type_loc : &fn->loc,
		   "type was first inferred here (%s)", type__name(fn->ret));
}

/* return = 'return' [expr] ';'
 * The value settles the function's type; a value of the other type,
 * or no value in a function that has one, is a type mismatch. */
static void t_return(struct tctx *c, struct stmt *st)
{
	struct funcdecl *fn = c->fn;
	struct syminfo *fi;
	struct want w;
	enum type t;

	if (!fn)
		return;
	if (!st->e) {
		if (c->report)
			bare_return(c, fn, st);
		return;
	}
	fi = elab__info(c->e, fn);
	w.t = fn->ret == TY_VOID ? TY_UNKNOWN : fn->ret;
	w.loc = fi->type_set ? &fi->type_loc : &fn->loc;
	if (c->report && is_value_type(w.t)) {
		t = quiet_type(c, st->e);
		if (is_value_type(t) && t != w.t) {
			/* the value's own errors, then the conflict */
			t_expr(c, st->e, ANY);
			return_mismatch(c, fn, st->e, t);
			return;
		}
	}
	t = t_expr(c, st->e, w);
	settle(c, &fn->ret, &fi->type_loc, &fi->type_set, t, &st->e->loc);
	if (c->report && t == TY_STATS)
		diag__error(c->s, &st->e->loc, "semantic error",
			    "functions cannot return statistics");
}

static void t_stmt(struct tctx *c, struct stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case ST_BLOCK:
		vec_foreach(i, &st->body)
			t_stmt(c, vec_at(&st->body, i));
		break;
	case ST_EXPR:
		t_expr(c, st->e, ANY);
		break;
	case ST_IF:
	case ST_WHILE:
		t_expr(c, st->e, LONG);
		t_stmt(c, st->then);
		t_stmt(c, st->els);
		break;
	case ST_FOR:
		t_expr(c, st->init, ANY);
		t_expr(c, st->e, LONG);
		t_expr(c, st->step, ANY);
		t_stmt(c, st->then);
		break;
	case ST_FOREACH:
		t_foreach(c, st);
		break;
	case ST_DELETE:
		t_delete(c, st);
		break;
	case ST_RETURN:
		t_return(c, st);
		break;
	case ST_TRY:
		t_stmt(c, st->then);
		if (st->catch_var)
			t_var(c, st->catch_var, STRING, false);
		t_stmt(c, st->els);
		break;
	default:
		break;
	}
}

/* ---- driver ---- */

static bool has_value_return(const struct stmt *st)
{
	if (!st)
		return false;
	if (st->kind == ST_RETURN)
		return st->e != NULL;
	if (has_value_return(st->then) || has_value_return(st->els))
		return true;
	vec_foreach(i, &st->body)
		if (has_value_return(vec_at(&st->body, i)))
			return true;
	return false;
}

static void init_decl(struct tctx *c, struct vardecl *v)
{
	struct syminfo *si = elab__info(c->e, v);

	if (v->type != TY_UNKNOWN && !si->type_set) {
		si->type_set = true;
		si->type_loc = v->loc;
	}
}

static void init_types(struct tctx *c)
{
	struct elab *e = c->e;

	vec_foreach(i, &e->prog->files) {
		struct stpfile *f = vec_at(&e->prog->files, i);

		vec_foreach(k, &f->globals) {
			struct vardecl *v = vec_at(&f->globals, k);

			v->is_global = true;
			v->arity = -1;
			if (v->init && v->type == TY_UNKNOWN)
				v->type = v->init->kind == EX_STR ?
					  TY_STRING : TY_LONG;
			init_decl(c, v);
		}
	}
	vec_foreach(i, &e->fn_queue) {
		struct funcdecl *fn = vec_at(&e->fn_queue, i);
		struct syminfo *fi = elab__info(e, fn);

		vec_foreach(k, &fn->params)
			init_decl(c, vec_at(&fn->params, k));
		if (fn->ret_declared && fn->ret != TY_UNKNOWN) {
			fi->type_set = true;
			fi->type_loc = fn->loc;
		} else if (!fn->embedded && !has_value_return(fn->body)) {
			fn->ret = TY_VOID;
		}
	}
}

static void walk_all(struct tctx *c)
{
	struct elab *e = c->e;

	vec_foreach(i, &e->dpinfos) {
		struct derived_probe *dp =
			((struct dpinfo *)vec_at(&e->dpinfos, i))->dp;

		c->fn = NULL;
		t_expr(c, dp->cond, LONG);
		t_stmt(c, dp->body);
	}
	vec_foreach(i, &e->fn_queue) {
		c->fn = vec_at(&e->fn_queue, i);
		t_stmt(c, c->fn->body);
	}
	c->fn = NULL;
}

static void unresolved(struct tctx *c, struct vardecl *v, const char *what)
{
	struct syminfo *si = elab__info(c->e, v);

	if (v->is_global && !si->refs)
		return;	/* unused: elided later */
	if (v->type == TY_UNKNOWN && !si->reported) {
		si->reported = true;
		diag__error(c->s, &v->loc, "semantic error",
			    "unresolved type of %s '%s'", what, v->name);
	}
	for (int k = 0; k < v->arity && v->key_types; k++) {
		if (v->key_types[k] != TY_UNKNOWN)
			continue;
		diag__error(c->s, &v->loc, "semantic error",
			    "unresolved type of key %d of array '%s'", k + 1,
			    v->name);
		break;
	}
}

static void check_unresolved(struct tctx *c)
{
	struct elab *e = c->e;

	vec_foreach(i, &e->prog->files) {
		struct stpfile *f = vec_at(&e->prog->files, i);

		vec_foreach(k, &f->globals) {
			struct vardecl *v = vec_at(&f->globals, k);

			if (v->arity < 0)
				v->arity = 0;
			unresolved(c, v, "global");
		}
	}
	vec_foreach(i, &e->dpinfos) {
		struct derived_probe *dp =
			((struct dpinfo *)vec_at(&e->dpinfos, i))->dp;

		vec_foreach(k, &dp->locals)
			unresolved(c, vec_at(&dp->locals, k), "local");
	}
	vec_foreach(i, &e->fn_queue) {
		struct funcdecl *fn = vec_at(&e->fn_queue, i);

		vec_foreach(k, &fn->params)
			unresolved(c, vec_at(&fn->params, k), "parameter");
		vec_foreach(k, &fn->locals)
			unresolved(c, vec_at(&fn->locals, k), "local");
		if (fn->ret == TY_UNKNOWN && !fn->embedded)
			diag__error(c->s, &fn->loc, "semantic error",
				    "unresolved return type of function '%s'",
				    fn->name);
		else if (fn->ret == TY_UNKNOWN)
			fn->ret = TY_LONG;
	}
}

void types__infer(struct elab *e)
{
	struct tctx c = { .e = e, .s = e->s };
	int iter = 0;

	init_types(&c);
	/* to a fixpoint with the returns alone, then with calls too */
	for (int phase = 0; phase < 2; phase++) {
		c.call_ret = phase == 1;
		do {
			c.changes = 0;
			walk_all(&c);
		} while (c.changes && ++iter < 1000);
	}
	c.report = true;
	walk_all(&c);
	if (e->s->errors)
		return;
	check_unresolved(&c);
}
