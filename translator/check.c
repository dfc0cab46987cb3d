/* check.c - pass-2 checks on the resolved program that need no types.
 *
 *   - an array a foreach iterates is not modified in the loop's body,
 *     stap's rule: an element of it assigned (any '=', op= or '<<<'),
 *     incremented or decremented, or deleted; or a function called
 *     whose own body modifies it that way.  Reading it, nested foreach
 *     over it and "delete" of the whole array are allowed, as with stap;
 *     the function check looks at the called function's body only, not
 *     at the functions it calls in turn (stap does the same);
 *   - a probe condition assigns, increments or decrements nothing;
 *   - a histogram bucket (@hist_log(x)[i]) is read-only.
 *
 * Each derived probe has its own copy of the body, so an error in a
 * probe with several points is found several times; diag__error prints
 * it once.
 */
#include "elab.h"

/* The direct modifications of variables in one function's body. */
struct fnmods {
	struct vec vars;	/* of struct vardecl * */
	struct vec where;	/* of struct expr *, the modifying lvalue */
};

struct cctx {
	struct elab *e;
	struct session *s;
	struct hmap mods;	/* funcdecl -> struct fnmods * */
	struct vec loops;	/* of struct stmt *: the foreach loops open */
	struct fnmods *collect;	/* collecting a function's modifications */
	bool in_cond;		/* walking a probe condition */
};

static void c_expr(struct cctx *c, struct expr *x);
static void c_stmt(struct cctx *c, struct stmt *st);

/* The array variable a foreach iterates (the base of a slice too). */
static struct vardecl *foreach_var(const struct stmt *st)
{
	const struct expr *a = st->array;

	if (a && a->kind == EX_INDEX)
		a = a->a;
	return a && a->kind == EX_SYM ? a->decl : NULL;
}

static struct fnmods *fn_mods(struct cctx *c, struct funcdecl *fn);

static void note_foreach(struct cctx *c, const struct stmt *loop)
{
	diag__note(c->s, &loop->loc, "the 'foreach' over '%s' is here",
		   foreach_var(loop)->name);
}

/* An element of v, at lv, is modified: inside a foreach over v? */
static void modified(struct cctx *c, struct vardecl *v, struct expr *lv)
{
	if (c->collect) {
		vec__push(&c->s->arena, &c->collect->vars, v);
		vec__push(&c->s->arena, &c->collect->where, lv);
		return;
	}
	vec_foreach(i, &c->loops) {
		struct stmt *loop = vec_at(&c->loops, i);

		if (foreach_var(loop) != v)
			continue;
		diag__error(c->s, &lv->loc, "semantic error",
			    "variable '%s' modified during 'foreach' "
			    "iteration", v->name);
		note_foreach(c, loop);
		return;
	}
}

/* A call of fn inside foreach loops: does fn modify what they iterate? */
static void call_modifies(struct cctx *c, struct expr *call)
{
	struct fnmods *m;

	if (!call->fn || !c->loops.n || c->collect)
		return;
	m = fn_mods(c, call->fn);
	vec_foreach(i, &c->loops) {
		struct stmt *loop = vec_at(&c->loops, i);
		struct vardecl *v = foreach_var(loop);

		vec_foreach(k, &m->vars) {
			struct expr *lv = vec_at(&m->where, k);

			if (vec_at(&m->vars, k) != v)
				continue;
			diag__error(c->s, &call->loc, "semantic error",
				    "function call modifies var '%s' during "
				    "'foreach' iteration", v->name);
			diag__note(c->s, &lv->loc, "'%s' modifies '%s' here",
				   call->fn->name, v->name);
			note_foreach(c, loop);
			break;
		}
	}
}

/* x is the target of an assignment, ++/-- or delete. */
static void c_lvalue(struct cctx *c, struct expr *x, bool statacc)
{
	if (c->in_cond && (x->kind == EX_SYM || x->kind == EX_INDEX))
		diag__error(c->s, &x->loc, "semantic error",
			    "probe condition must not modify any variables");
	if (x->kind == EX_INDEX && x->a && x->a->kind == EX_HIST) {
		if (!c->collect)
			diag__error(c->s, &x->loc, "semantic error",
				    "assignment to a read-only histogram "
				    "bucket");
	} else if (x->kind == EX_INDEX && x->a && x->a->kind == EX_SYM &&
		 x->a->decl)
		modified(c, x->a->decl, x);
	else if (statacc && x->kind == EX_SYM && x->decl && c->collect)
		/* "s <<< v" on a statistic: stap counts it for functions */
		modified(c, x->decl, x);
}

static void c_exprs(struct cctx *c, struct vec *v)
{
	vec_foreach(i, v)
		c_expr(c, vec_at(v, i));
}

static void c_expr(struct cctx *c, struct expr *x)
{
	if (!x)
		return;
	switch (x->kind) {
	case EX_ASSIGN:
		c_lvalue(c, x->a, x->op == OP_STATACC);
		c_expr(c, x->a);
		c_expr(c, x->b);
		return;
	case EX_INCDEC:
		c_lvalue(c, x->a, false);
		c_expr(c, x->a);
		return;
	case EX_CALL:
		call_modifies(c, x);
		break;
	default:
		break;
	}
	c_expr(c, x->a);
	c_expr(c, x->b);
	c_expr(c, x->c);
	c_exprs(c, &x->args);
	vec_foreach(i, &x->chain) {
		struct chain *ch = vec_at(&x->chain, i);

		c_expr(c, ch->index);
	}
}

static void c_foreach(struct cctx *c, struct stmt *st)
{
	struct vardecl *v = foreach_var(st);

	if (st->array && st->array->kind == EX_INDEX)
		c_exprs(c, &st->array->args);
	c_expr(c, st->limit);
	if (v)
		vec__push(&c->s->arena, &c->loops, st);
	c_stmt(c, st->then);
	if (v)
		c->loops.n--;
}

static void c_stmt(struct cctx *c, struct stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case ST_BLOCK:
		vec_foreach(i, &st->body)
			c_stmt(c, vec_at(&st->body, i));
		return;
	case ST_FOREACH:
		c_foreach(c, st);
		return;
	case ST_DELETE:
		/* "delete a" (whole array or scalar) is not an element
		 * write: stap lets it through, and so do we */
		if (st->e && st->e->kind == EX_INDEX)
			c_lvalue(c, st->e, false);
		c_expr(c, st->e);
		return;
	default:
		break;
	}
	c_expr(c, st->e);
	c_expr(c, st->init);
	c_expr(c, st->step);
	c_expr(c, st->catch_var);
	c_stmt(c, st->then);
	c_stmt(c, st->els);
}

/* The variables fn's own body modifies element-wise (or with '<<<'). */
static struct fnmods *fn_mods(struct cctx *c, struct funcdecl *fn)
{
	void **slot = hmap__slot(c->s, &c->mods, fn);
	struct fnmods *m = *slot;
	struct cctx sub = { .e = c->e, .s = c->s };

	if (m)
		return m;
	m = arena__alloc(&c->s->arena, sizeof(*m));
	*slot = m;
	/* collecting reports nothing: what is wrong inside fn is found
	 * when fn's own body is checked */
	sub.collect = m;
	c_stmt(&sub, fn->body);
	return m;
}

void check__program(struct elab *e)
{
	struct cctx c = { .e = e, .s = e->s };

	if (e->listing)
		return;
	hmap__init(&c.mods, false);
	vec_foreach(i, &e->dpinfos) {
		struct derived_probe *dp =
			((struct dpinfo *)vec_at(&e->dpinfos, i))->dp;

		c.in_cond = true;
		c_expr(&c, dp->cond);
		c.in_cond = false;
		c_stmt(&c, dp->body);
	}
	vec_foreach(i, &e->fn_queue) {
		struct funcdecl *fn = vec_at(&e->fn_queue, i);

		c_stmt(&c, fn->body);
	}
}
