/* elaborate.c - pass 2: from parsed files to the elaborated program.
 *
 *   1. index the user's script; parse and index the tapset library
 *      (tapset.c);
 *   2. derive probes: every probe point of the user's probes is brace-
 *      expanded, matched against probe aliases and provider templates,
 *      aliases are expanded recursively (prologue '=' bodies before the
 *      user's body, epilogue '+=' bodies after it, conditions and'ed,
 *      alias suffixes carried over), and each concrete point is handed
 *      to its provider (provider.h) -> struct derived_probe;
 *   3. resolve symbols in the derived probes and, transitively, in the
 *      functions they call (resolve.c); a reference to a tapset symbol
 *      includes its file, whose probes are derived in turn;
 *   4. infer types to a fixed point (types.c); check what stap checks
 *      on the resolved program (check.c: foreach over a modified array);
 *   5. compute usage, elide what is unused, warn (usage.c);
 *   6. fill s->prog in a deterministic order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elab.h"
#include "passes.h"

struct syminfo *elab__info(struct elab *e, const void *sym)
{
	void **slot = hmap__slot(e->s, &e->syminfo, sym);

	if (!*slot)
		*slot = arena__alloc(&e->s->arena, sizeof(struct syminfo));
	return *slot;
}

/* ---- deep copies (each derived probe owns its body) ---- */

static void clone_exprs(struct session *s, struct vec *v)
{
	struct vec old = *v;

	memset(v, 0, sizeof(*v));
	vec_foreach(i, &old)
		vec__push(&s->arena, v, ast__clone_expr(s, vec_at(&old, i)));
}

struct expr *ast__clone_expr(struct session *s, const struct expr *x)
{
	struct expr *e;
	struct vec chain;

	if (!x)
		return NULL;
	e = arena__alloc(&s->arena, sizeof(*e));
	*e = *x;
	e->a = ast__clone_expr(s, x->a);
	e->b = ast__clone_expr(s, x->b);
	e->c = ast__clone_expr(s, x->c);
	clone_exprs(s, &e->args);
	chain = x->chain;
	memset(&e->chain, 0, sizeof(e->chain));
	vec_foreach(i, &chain) {
		const struct chain *c = vec_at(&chain, i);
		struct chain *n = arena__alloc(&s->arena, sizeof(*n));

		*n = *c;
		n->index = ast__clone_expr(s, c->index);
		vec__push(&s->arena, &e->chain, n);
	}
	return e;
}

struct stmt *ast__clone_stmt(struct session *s, const struct stmt *x)
{
	struct stmt *st;
	struct vec body;

	if (!x)
		return NULL;
	st = arena__alloc(&s->arena, sizeof(*st));
	*st = *x;
	st->e = ast__clone_expr(s, x->e);
	st->init = ast__clone_expr(s, x->init);
	st->step = ast__clone_expr(s, x->step);
	st->then = ast__clone_stmt(s, x->then);
	st->els = ast__clone_stmt(s, x->els);
	st->catch_var = ast__clone_expr(s, x->catch_var);
	st->value = ast__clone_expr(s, x->value);
	st->array = ast__clone_expr(s, x->array);
	st->limit = ast__clone_expr(s, x->limit);
	clone_exprs(s, &st->keys);
	body = x->body;
	memset(&st->body, 0, sizeof(st->body));
	vec_foreach(i, &body)
		vec__push(&s->arena, &st->body,
			  ast__clone_stmt(s, vec_at(&body, i)));
	return st;
}

/* ---- including tapset files ---- */

void elab__include_file(struct elab *e, struct stpfile *f)
{
	void **slot = hmap__slot(e->s, &e->included, f);

	if (*slot)
		return;
	*slot = (void *)1;
	vec__push(&e->s->arena, &e->prog->files, f);
	/* a tapset global must not collide with one of the user's */
	vec_foreach(i, &f->globals) {
		struct vardecl *v = vec_at(&f->globals, i);
		struct libsym *u;

		if (f == e->s->user || v->is_private)
			continue;
		u = hmap__get(&e->user_globals, v->name);
		if (!u)
			continue;
		diag__error(e->s, &((struct vardecl *)u->ptr)->loc,
			    "semantic error", "global variable '%s' clashes "
			    "with a tapset global of the same name", v->name);
		diag__note(e->s, &v->loc, "the tapset global is here");
	}
	vec_foreach(i, &f->probes)
		vec__push(&e->s->arena, &e->probe_queue, vec_at(&f->probes, i));
	if (e->s->unoptimized) {
		vec_foreach(i, &f->functions) {
			struct funcdecl *fn = vec_at(&f->functions, i);

			fn->used = true;
			if (!hmap__get(&e->fn_done, fn)) {
				*hmap__slot(e->s, &e->fn_done, fn) = (void *)1;
				vec__push(&e->s->arena, &e->fn_queue, fn);
			}
		}
	}
}

/* ---- deriving probes ---- */

/* The expansion state while walking from the user's point inward. */
struct derive {
	struct probe *user;
	struct probe_point *written;
	struct vec chain;	/* of struct probe *: aliases expanded */
	struct vec body;	/* of struct piece *, in run order */
	struct vec conds;	/* of struct piece * */
	bool optional;
	int depth;
};

static struct piece *piece_new(struct session *s, struct stmt *st,
			       struct expr *cond, struct stpfile *f)
{
	struct piece *p = arena__alloc(&s->arena, sizeof(*p));

	p->st = st;
	p->cond = cond;
	p->file = f;
	return p;
}

static int derive_point(struct elab *e, struct derive *d,
			const struct probe_point *pt, struct stpfile *ptfile);

static bool empty_block(const struct stmt *st)
{
	return !st || (st->kind == ST_BLOCK && !st->body.n);
}

/* Make the derived probe for a concrete point claimed by a provider. */
static void derive_concrete(struct elab *e, struct derive *d,
			    struct probe_point *pt,
			    const struct provider *prov)
{
	struct session *s = e->s;
	struct derived_probe *dp = arena__alloc(&s->arena, sizeof(*dp));
	struct dpinfo *di = arena__alloc(&s->arena, sizeof(*di));

	dp->user = d->user;
	dp->written = d->written;
	dp->point = pt;
	dp->prov = prov;
	vec_foreach(i, &d->chain)
		vec__push(&s->arena, &dp->alias_chain, vec_at(&d->chain, i));
	di->dp = dp;
	hmap__init(&di->locals, true);
	vec_foreach(i, &d->body) {
		struct piece *p = vec_at(&d->body, i);

		struct piece *np = piece_new(s, ast__clone_stmt(s, p->st),
					     NULL, p->file);

		np->from_alias = p->from_alias;
		vec__push(&s->arena, &di->body, np);
	}
	vec_foreach(i, &d->conds) {
		struct piece *p = vec_at(&d->conds, i);

		vec__push(&s->arena, &di->conds,
			  piece_new(s, NULL, ast__clone_expr(s, p->cond),
				    p->file));
	}
	dp->id = e->next_probe_id++;
	vec__push(&s->arena, &e->dpinfos, di);
}

/* Try the providers; returns the number of probes derived, or -1 when
 * a provider claimed the point but rejected it. */
static int derive_providers(struct elab *e, struct derive *d,
			    const struct probe_point *pt)
{
	struct session *s = e->s;
	struct vec pts = { 0 }, provs = { 0 };
	int n = 0, bad = 0;

	provider__match(s, pt, &pts, &provs, false);
	vec_foreach(i, &pts) {
		struct probe_point *cp = vec_at(&pts, i);
		const struct provider *p = vec_at(&provs, i);
		struct vec exp = { 0 };

		if (p->expand) {
			if (p->expand(s, cp, &exp) < 0) {
				bad++;
				continue;
			}
		} else {
			vec__push(&s->arena, &exp, cp);
		}
		vec_foreach(k, &exp) {
			struct derived_probe tmp = { 0 };
			int r;

			tmp.point = vec_at(&exp, k);
			r = p->resolve(s, &tmp);
			if (r < 0) {
				bad++;
			} else if (r > 0) {
				derive_concrete(e, d, tmp.point, p);
				struct dpinfo *di = vec_at(&e->dpinfos,
							   e->dpinfos.n - 1);
				di->dp->prov_data = tmp.prov_data;
				di->dp->order = tmp.order;
				n++;
			}
		}
	}
	return n ? n : bad ? -1 : 0;
}

/* Expand alias a (matched as name, with pattern components from
 * `rest` on left over as a suffix). */
static int derive_alias(struct elab *e, struct derive *d, struct probe *a,
			const struct probe_point *pat, int rest)
{
	struct session *s = e->s;
	struct derive sub = *d;
	struct piece *mine = NULL;
	int total = 0, bad = 0;

	vec_foreach(i, &d->chain) {
		if (vec_at(&d->chain, i) != a)
			continue;
		diag__error(s, &pat->loc, "semantic error",
			    "recursive loop in the expansion of probe alias "
			    "'%s'", pp__str(s, vec_at(&a->alias_names, 0)));
		diag__note(s, &d->written->loc,
			   "while resolving probe point '%s'",
			   pp__str(s, d->written));
		return -1;
	}
	if (a->file && a->file->is_tapset)
		elab__include_file(e, a->file);
	memset(&sub.chain, 0, sizeof(sub.chain));
	vec_foreach(i, &d->chain)
		vec__push(&s->arena, &sub.chain, vec_at(&d->chain, i));
	vec__push(&s->arena, &sub.chain, a);
	memset(&sub.body, 0, sizeof(sub.body));
	if (!empty_block(a->body)) {
		mine = piece_new(s, a->body, NULL, a->file);
		mine->from_alias = true;
	}
	if (mine && !a->epilogue)
		vec__push(&s->arena, &sub.body, mine);
	vec_foreach(i, &d->body)
		vec__push(&s->arena, &sub.body, vec_at(&d->body, i));
	if (mine && a->epilogue)
		vec__push(&s->arena, &sub.body, mine);
	sub.depth = d->depth + 1;
	vec_foreach(i, &a->points) {
		const struct probe_point *q = vec_at(&a->points, i);
		struct probe_point *qq = (struct probe_point *)q;
		int n;

		if (rest < pat->comps.n) {
			/* alias suffix: append the leftover components */
			qq = arena__alloc(&s->arena, sizeof(*qq));
			*qq = *q;
			memset(&qq->comps, 0, sizeof(qq->comps));
			vec_foreach(k, &q->comps)
				vec__push(&s->arena, &qq->comps,
					  vec_at(&q->comps, k));
			for (int k = rest; k < pat->comps.n; k++)
				vec__push(&s->arena, &qq->comps,
					  vec_at(&pat->comps, k));
		}
		sub.optional = d->optional || q->optional || q->sufficient;
		n = derive_point(e, &sub, qq, a->file);
		if (n < 0)
			bad++;
		if (n > 0) {
			total += n;
			if (q->sufficient)
				break;
		}
	}
	return total ? total : bad ? -1 : 0;
}

static void collect_aliases(struct elab *e, const struct probe_point *pt,
			    bool suffix, struct vec *syms, struct vec *rests)
{
	/* as stap: every alias of a matching name expands, the library's
	 * (in file order) before the user's; none shadows another */
	struct vec *tables[2] = { &e->lib.aliases, &e->user_aliases };

	for (int t = 0; t < 2; t++) {
		vec_foreach(i, tables[t]) {
			struct libsym *l = vec_at(tables[t], i);
			int r = pp__match_alias(pt, l->name, suffix);

			if (r < 0 || (suffix && r == pt->comps.n))
				continue;
			/* one expansion per alias definition */
			bool dup = false;
			vec_foreach(k, syms)
				if (((struct libsym *)vec_at(syms, k))->ptr ==
				    l->ptr)
					dup = true;
			if (dup)
				continue;
			vec__push(&e->s->arena, syms, l);
			vec__push(&e->s->arena, rests, (void *)(intptr_t)r);
		}
	}
}

static void mismatch(struct elab *e, struct derive *d,
		     const struct probe_point *pt)
{
	struct session *s = e->s;

	diag__error(s, &pt->loc, "semantic error",
		    "probe point mismatch: no match for '%s'",
		    pp__str(s, pt));
	if (d->depth > 0)
		diag__note(s, &d->written->loc,
			   "while resolving probe point '%s'",
			   pp__str(s, d->written));
}

/* Derive one (sub-)point; returns the number of probes made, or -1
 * after an error. */
static int derive_one(struct elab *e, struct derive *d,
		      const struct probe_point *pt)
{
	struct vec syms = { 0 }, rests = { 0 };
	int total = 0, bad = 0;

	collect_aliases(e, pt, false, &syms, &rests);
	{
		int n = derive_providers(e, d, pt);

		if (n < 0)
			bad++;
		else
			total += n;
	}
	if (!syms.n && !total && !bad)
		collect_aliases(e, pt, true, &syms, &rests);
	vec_foreach(i, &syms) {
		struct libsym *l = vec_at(&syms, i);
		int n = derive_alias(e, d, l->ptr, pt,
				     (int)(intptr_t)vec_at(&rests, i));

		if (n < 0)
			bad++;
		else
			total += n;
	}
	if (total || bad)
		return total ? total : -1;
	if (d->optional)
		return 0;
	mismatch(e, d, pt);
	return -1;
}

static int derive_point(struct elab *e, struct derive *d,
			const struct probe_point *pt, struct stpfile *ptfile)
{
	struct session *s = e->s;
	struct vec alts = { 0 };
	struct derive sub = *d;
	int total = 0, bad = 0;

	if (d->depth > 32) {
		diag__error(s, &pt->loc, "semantic error",
			    "probe alias expansion nested too deeply");
		return -1;
	}
	memset(&sub.conds, 0, sizeof(sub.conds));
	vec_foreach(i, &d->conds)
		vec__push(&s->arena, &sub.conds, vec_at(&d->conds, i));
	if (pt->cond)
		vec__push(&s->arena, &sub.conds,
			  piece_new(s, NULL, pt->cond, ptfile));
	/* '!' (sufficient) implies '?' (optional), as with stap */
	sub.optional = d->optional || pt->optional || pt->sufficient;
	pp__brace_expand(s, pt, &alts);
	vec_foreach(i, &alts) {
		int n = derive_one(e, &sub, vec_at(&alts, i));

		if (n < 0)
			bad++;
		else
			total += n;
	}
	return bad && !total ? -1 : total;
}

/* Each point the user wrote, its {a,b} groups expanded first as stap's
 * parser does: each alternative is a written point of its own (shown
 * by -p2, and a '!' one that resolves ends the list). */
void elab__derive_probe(struct elab *e, struct probe *p)
{
	struct session *s = e->s;

	vec_foreach(i, &p->points) {
		struct vec alts = { 0 };

		pp__brace_expand(s, vec_at(&p->points, i), &alts);
		vec_foreach(k, &alts) {
			struct probe_point *pt = vec_at(&alts, k);
			struct derive d = { 0 };
			int n;

			d.user = p;
			d.written = pt;
			if (p->body)
				vec__push(&s->arena, &d.body,
					  piece_new(s, p->body, NULL,
						    p->file));
			n = derive_point(e, &d, pt, p->file);
			if (n > 0 && pt->sufficient)
				return;
		}
	}
}

/* ---- the driver ---- */

void elab__build_body(struct elab *e, struct dpinfo *di)
{
	struct session *s = e->s;
	struct derived_probe *dp = di->dp;
	struct stmt *blk;

	if (di->body.n == 1) {
		dp->body = ((struct piece *)vec_at(&di->body, 0))->st;
	} else {
		blk = stmt__new(s, ST_BLOCK, &dp->user->loc);
		vec_foreach(i, &di->body)
			vec__push(&s->arena, &blk->body,
				  ((struct piece *)vec_at(&di->body, i))->st);
		dp->body = blk;
	}
	if (!dp->body)
		dp->body = stmt__new(s, ST_BLOCK, &dp->user->loc);
	vec_foreach(i, &di->conds) {
		struct expr *c = ((struct piece *)vec_at(&di->conds, i))->cond;

		if (!dp->cond) {
			dp->cond = c;
		} else {
			struct expr *and = expr__new(s, EX_LOGICAL, &c->loc);

			and->op = OP_LAND;
			and->a = dp->cond;
			and->b = c;
			and->type = TY_LONG;
			dp->cond = and;
		}
	}
}

/* Resolve probes and functions until nothing new is pulled in. */
static void resolve_all(struct elab *e)
{
	int pi = 0, fi = 0, qi = 0;

	for (;;) {
		if (qi < e->probe_queue.n) {
			elab__derive_probe(e, vec_at(&e->probe_queue, qi++));
		} else if (pi < e->dpinfos.n) {
			resolve__probe(e, vec_at(&e->dpinfos, pi++));
		} else if (fi < e->fn_queue.n) {
			resolve__function(e, vec_at(&e->fn_queue, fi++));
		} else {
			break;
		}
	}
}

static bool included(struct elab *e, struct stpfile *f)
{
	return hmap__get(&e->included, f) != NULL;
}

static void fill_program(struct elab *e)
{
	struct session *s = e->s;
	struct program *prog = e->prog;

	vec_foreach(i, &e->dpinfos) {
		struct dpinfo *di = vec_at(&e->dpinfos, i);

		vec__push(&s->arena, &prog->probes, di->dp);
	}
	vec_foreach(i, &prog->files) {
		struct stpfile *f = vec_at(&prog->files, i);

		if (!included(e, f))
			continue;
		vec_foreach(k, &f->functions) {
			struct funcdecl *fn = vec_at(&f->functions, k);

			if (fn->used)
				vec__push(&s->arena, &prog->functions, fn);
		}
		vec_foreach(k, &f->globals) {
			struct vardecl *v = vec_at(&f->globals, k);

			if (v->read || v->written || s->unoptimized)
				vec__push(&s->arena, &prog->globals, v);
		}
		vec_foreach(k, &f->embeds)
			vec__push(&s->arena, &prog->embeds,
				  vec_at(&f->embeds, k));
	}
	vec_foreach(i, &prog->functions)
		((struct funcdecl *)vec_at(&prog->functions, i))->id = i;
	vec_foreach(i, &prog->globals)
		((struct vardecl *)vec_at(&prog->globals, i))->id = i;
}

/* The global a -G NAME=VALUE names: the user's script's own. */
static struct vardecl *gset_var(struct elab *e, const struct define *d)
{
	struct libsym *l = hmap__get(&e->user_globals, d->name);

	return l ? l->ptr : NULL;
}

static bool gset_is_num(const char *v)
{
	char *end;

	errno = 0;
	(void)strtoll(v, &end, 0);
	return !errno && end != v && !*end;
}

/* Before type inference: a -G value types a global the script never
 * assigns, as an initializer would. */
static void gsets_type(struct elab *e)
{
	vec_foreach(i, &e->s->global_sets) {
		const struct define *d = vec_at(&e->s->global_sets, i);
		struct vardecl *v = gset_var(e, d);

		if (v && v->type == TY_UNKNOWN && !v->init && v->arity <= 0)
			v->type = gset_is_num(d->value) ? TY_LONG : TY_STRING;
	}
}

/* After type inference: -G must name a scalar global of the script and
 * the value must fit its type (stap checks this when the module loads;
 * bstap says it before anything runs). */
static void gsets_check(struct elab *e, bool typed)
{
	struct session *s = e->s;

	vec_foreach(i, &s->global_sets) {
		const struct define *d = vec_at(&s->global_sets, i);
		struct vardecl *v = gset_var(e, d);

		if (!v) {
			diag__error(s, NULL, "semantic error", "unresolved "
				    "global variable '%s' in -G %s=%s: the "
				    "script declares no such global", d->name,
				    d->name, d->value);
		} else if (!typed) {
			continue;
		} else if (v->arity > 0 || v->type == TY_STATS) {
			diag__error(s, &v->loc, "semantic error", "-G %s=%s: "
				    "'%s' is %s; -G sets scalar globals only",
				    d->name, d->value, d->name, v->arity > 0 ?
				    "an array" : "a statistic");
		} else if (v->type == TY_LONG && !gset_is_num(d->value)) {
			diag__error(s, &v->loc, "semantic error", "-G %s=%s: "
				    "'%s' is a long and '%s' is not a number",
				    d->name, d->value, d->name, d->value);
		}
	}
}

int pass2__elaborate(struct session *s)
{
	struct elab *e = arena__alloc(&s->arena, sizeof(*e));

	e->s = s;
	e->prog = arena__alloc(&s->arena, sizeof(*e->prog));
	s->prog = e->prog;
	hmap__init(&e->included, false);
	hmap__init(&e->fn_done, false);
	hmap__init(&e->fn_locals, false);
	hmap__init(&e->syminfo, false);
	if (!s->user)
		return -EINVAL;
	elab__index_user(e, s->user);
	s->want_syscalls |= syscalls__wanted(s->user);
	library__load(s, &e->lib);
	elab__include_file(e, s->user);
	if (s->unoptimized) {
		/* -u: the user's functions are kept even when not called */
		vec_foreach(i, &s->user->functions) {
			struct funcdecl *fn = vec_at(&s->user->functions, i);

			fn->used = true;
			if (!hmap__get(&e->fn_done, fn)) {
				*hmap__slot(s, &e->fn_done, fn) = (void *)1;
				vec__push(&s->arena, &e->fn_queue, fn);
			}
		}
	}
	resolve_all(e);
	if (!e->dpinfos.n && !s->errors)
		diag__error(s, NULL, "semantic error", "no probes found");
	vec_foreach(i, &e->dpinfos)
		elab__build_body(e, vec_at(&e->dpinfos, i));
	/* type errors are independent of resolution errors: report both
	 * (types.c skips "unresolved type" once anything failed) */
	gsets_type(e);
	types__infer(e);
	check__program(e);
	gsets_check(e, !s->errors);
	if (s->errors)
		return -EINVAL;
	usage__analyze(e);
	fill_program(e);
	return s->errors ? -EINVAL : 0;
}
