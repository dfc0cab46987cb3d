/* usage.c - who reads and writes what; elision of unused symbols.
 *
 * Sets vardecl.read / .written on globals (the runtime prints globals
 * that were written but never read when the session ends), and unless
 * -u was given:
 *   - an assignment statement to a local that is never read is elided
 *     (its right side stays if it has side effects): "WARNING: Eliding
 *     assignment to 'x'" for the user's code;
 *   - locals no longer referenced are dropped;
 *   - globals neither read nor written are dropped: "WARNING: Eliding
 *     unused variable 'x'" for the user's globals.
 * Also warns about variables read but never assigned.
 */
#include <string.h>

#include "elab.h"

#define U_READ 1
#define U_WRITE 2
/* a read that only serves its own update (x++, x += 1): like stap, it
 * does not make a global "read", so the end-of-run display shows it */
#define U_RMW 4
/* the value of the expression is discarded (expression statement) */
#define U_DISCARD 8

struct uctx {
	struct elab *e;
	struct session *s;
	bool count_only;
	struct hmap warned;	/* "src:line:col" already warned about */
};

static bool user_code(const struct loc *l)
{
	return l && l->src && !l->src->is_tapset;
}

static void mark(struct uctx *c, struct vardecl *v, int mode,
		 const struct loc *at)
{
	struct syminfo *si;

	if (!v)
		return;
	si = elab__info(c->e, v);
	si->refs++;
	if (c->count_only)
		return;
	if (mode & U_READ) {
		if (!si->local_read && at)
			si->first_read = *at;
		si->local_read = true;
		if (!(mode & U_RMW) || !v->is_global)
			v->read = true;
	}
	if (mode & U_WRITE) {
		si->local_written = true;
		v->written = true;
	}
}

static void u_expr(struct uctx *c, struct expr *x, int mode);
static void u_stmt(struct uctx *c, struct stmt *st);

static void u_exprs(struct uctx *c, struct vec *v)
{
	vec_foreach(i, v)
		u_expr(c, vec_at(v, i), U_READ);
}

/* x in position mode (U_READ for an rvalue, U_WRITE and/or U_READ for
 * the target of an assignment). */
static void u_expr(struct uctx *c, struct expr *x, int mode)
{
	/* an update whose value is discarded only reads for itself */
	int discard = mode & U_DISCARD ? U_RMW : 0;

	mode &= ~U_DISCARD;
	if (!x)
		return;
	switch (x->kind) {
	case EX_SYM:
		mark(c, x->decl, mode, &x->loc);
		return;
	case EX_INDEX:
		if (x->a && x->a->kind == EX_SYM)
			mark(c, x->a->decl, mode, &x->loc);
		else
			u_expr(c, x->a, U_READ);
		u_exprs(c, &x->args);
		return;
	case EX_IN:
		if (x->a && x->a->kind == EX_SYM)
			mark(c, x->a->decl, U_READ, &x->loc);
		u_exprs(c, &x->args);
		return;
	case EX_ASSIGN:
		u_expr(c, x->a, x->op == OP_ASSIGN || x->op == OP_STATACC ?
			   U_WRITE : U_READ | U_WRITE | discard);
		u_expr(c, x->b, U_READ);
		return;
	case EX_INCDEC:
		u_expr(c, x->a, U_READ | U_WRITE | discard);
		return;
	default:
		break;
	}
	u_expr(c, x->a, U_READ);
	u_expr(c, x->b, U_READ);
	u_expr(c, x->c, U_READ);
	u_exprs(c, &x->args);
	vec_foreach(i, &x->chain) {
		struct chain *ch = vec_at(&x->chain, i);

		u_expr(c, ch->index, U_READ);
	}
}

static void u_stmt(struct uctx *c, struct stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case ST_BLOCK:
		vec_foreach(i, &st->body)
			u_stmt(c, vec_at(&st->body, i));
		return;
	case ST_DELETE:
		if (st->e && st->e->kind == EX_SYM)
			mark(c, st->e->decl, U_WRITE, &st->e->loc);
		else if (st->e && st->e->kind == EX_INDEX) {
			if (st->e->a)
				mark(c, st->e->a->decl, U_WRITE, &st->e->loc);
			u_exprs(c, &st->e->args);
		}
		return;
	case ST_FOREACH:
		if (st->array && st->array->kind == EX_INDEX) {
			if (st->array->a)
				mark(c, st->array->a->decl, U_READ,
				     &st->array->loc);
			u_exprs(c, &st->array->args);
		} else if (st->array) {
			mark(c, st->array->decl, U_READ, &st->array->loc);
		}
		vec_foreach(i, &st->keys)
			u_expr(c, vec_at(&st->keys, i), U_WRITE);
		u_expr(c, st->value, U_WRITE);
		u_expr(c, st->limit, U_READ);
		u_stmt(c, st->then);
		return;
	case ST_TRY:
		u_stmt(c, st->then);
		u_expr(c, st->catch_var, U_WRITE);
		u_stmt(c, st->els);
		return;
	default:
		break;
	}
	u_expr(c, st->init, U_READ | U_DISCARD);
	u_expr(c, st->e, st->kind == ST_EXPR ? U_READ | U_DISCARD : U_READ);
	u_expr(c, st->step, U_READ | U_DISCARD);
	u_stmt(c, st->then);
	u_stmt(c, st->els);
}

/* Warn once per source position (alias bodies are copied into every
 * probe they expand to). */
static bool first_time(struct uctx *c, const struct loc *l)
{
	char *key = arena__printf(&c->s->arena, "%p:%d:%d",
				  (const void *)l->src, l->line, l->col);
	void **slot = hmap__slot(c->s, &c->warned, key);

	if (*slot)
		return false;
	*slot = (void *)1;
	return true;
}

/* ---- elision of dead local assignments ---- */

static bool side_effects(const struct expr *x)
{
	if (!x)
		return false;
	switch (x->kind) {
	case EX_ASSIGN:
	case EX_INCDEC:
	case EX_EMBEDDED:
		return true;
	case EX_CALL:
		if (x->fn || !x->builtin ||
		    (x->builtin->flags & BF_SIDE))
			return true;
		break;
	case EX_BINARY:
		/* can fault: "division by 0" must still be raised */
		if (x->op == OP_DIV || x->op == OP_MOD)
			return true;
		break;
	case EX_STATOP:
		/* @min/@max/@avg/@variance fault on an empty aggregate */
		if (x->statop != SO_COUNT && x->statop != SO_SUM)
			return true;
		break;
	default:
		break;
	}
	if (side_effects(x->a) || side_effects(x->b) || side_effects(x->c))
		return true;
	vec_foreach(i, &x->args)
		if (side_effects(vec_at(&x->args, i)))
			return true;
	return false;
}

static bool dead_local(struct uctx *c, const struct expr *lhs)
{
	struct syminfo *si;

	if (!lhs || lhs->kind != EX_SYM || !lhs->decl ||
	    !lhs->decl->is_local)
		return false;
	si = elab__info(c->e, lhs->decl);
	return !si->local_read;
}

/* Rewrite dead assignments in st; returns the number rewritten. */
static int elide(struct uctx *c, struct stmt *st)
{
	int n = 0;
	struct expr *x;

	if (!st)
		return 0;
	if (st->body.n) {
		struct vec old = st->body;

		memset(&st->body, 0, sizeof(st->body));
		vec_foreach(i, &old) {
			struct stmt *sub = vec_at(&old, i);

			int k = elide(c, sub);

			n += k;
			if (sub->kind == ST_NULL ||
			    (k && sub->kind == ST_BLOCK && !sub->body.n))
				continue;
			vec__push(&c->s->arena, &st->body, sub);
		}
	}
	n += elide(c, st->then) + elide(c, st->els);
	if (st->kind != ST_EXPR || !(x = st->e))
		return n;
	if (!((x->kind == EX_ASSIGN && x->op != OP_STATACC) ||
	      x->kind == EX_INCDEC) || !dead_local(c, x->a))
		return n;
	if (user_code(&x->loc) && first_time(c, &x->loc))
		diag__warning(c->s, &x->loc, "Eliding assignment to '%s'",
			      x->a->str);
	if (x->kind == EX_ASSIGN && side_effects(x->b)) {
		st->e = x->b;
	} else {
		st->kind = ST_NULL;
		st->e = NULL;
	}
	return n + 1;
}

/* ---- the walk over everything ---- */

static void reset(struct uctx *c, struct vardecl *v)
{
	struct syminfo *si = elab__info(c->e, v);

	si->refs = 0;
	if (c->count_only)
		return;
	si->local_read = si->local_written = false;
	v->read = v->written = false;
}

static void reset_all(struct uctx *c)
{
	struct elab *e = c->e;

	vec_foreach(i, &e->prog->files) {
		struct stpfile *f = vec_at(&e->prog->files, i);

		vec_foreach(k, &f->globals)
			reset(c, vec_at(&f->globals, k));
	}
	vec_foreach(i, &e->dpinfos) {
		struct derived_probe *dp =
			((struct dpinfo *)vec_at(&e->dpinfos, i))->dp;

		vec_foreach(k, &dp->locals)
			reset(c, vec_at(&dp->locals, k));
	}
	vec_foreach(i, &e->fn_queue) {
		struct funcdecl *fn = vec_at(&e->fn_queue, i);

		vec_foreach(k, &fn->locals)
			reset(c, vec_at(&fn->locals, k));
		vec_foreach(k, &fn->params)
			reset(c, vec_at(&fn->params, k));
	}
}

static void walk(struct uctx *c)
{
	struct elab *e = c->e;

	reset_all(c);
	vec_foreach(i, &e->dpinfos) {
		struct derived_probe *dp =
			((struct dpinfo *)vec_at(&e->dpinfos, i))->dp;

		u_expr(c, dp->cond, U_READ);
		u_stmt(c, dp->body);
	}
	vec_foreach(i, &e->fn_queue)
		u_stmt(c, ((struct funcdecl *)vec_at(&e->fn_queue, i))->body);
}

static int elide_all(struct uctx *c)
{
	struct elab *e = c->e;
	int n = 0;

	vec_foreach(i, &e->dpinfos)
		n += elide(c, ((struct dpinfo *)vec_at(&e->dpinfos, i))->dp->body);
	vec_foreach(i, &e->fn_queue)
		n += elide(c, ((struct funcdecl *)vec_at(&e->fn_queue, i))->body);
	return n;
}

static void prune_locals(struct uctx *c, struct vec *locals)
{
	struct vec old = *locals;

	memset(locals, 0, sizeof(*locals));
	vec_foreach(i, &old) {
		struct vardecl *v = vec_at(&old, i);

		if (!elab__info(c->e, v)->refs)
			continue;
		v->id = locals->n;
		vec__push(&c->s->arena, locals, v);
	}
}

static bool global_set(struct session *s, const char *name)
{
	vec_foreach(i, &s->global_sets)
		if (strcmp(((struct define *)vec_at(&s->global_sets, i))->name,
			   name) == 0)
			return true;
	return false;
}

static void warn_locals(struct uctx *c, struct vec *locals)
{
	vec_foreach(i, locals) {
		struct vardecl *v = vec_at(locals, i);
		struct syminfo *si = elab__info(c->e, v);

		if (si->local_read && !si->local_written &&
		    user_code(&si->first_read) &&
		    first_time(c, &si->first_read))
			diag__warning(c->s, &si->first_read,
				      "never-assigned local variable '%s'",
				      v->name);
	}
}

static void globals_flags(struct uctx *c)
{
	struct session *s = c->s;

	vec_foreach(i, &c->e->prog->files) {
		struct stpfile *f = vec_at(&c->e->prog->files, i);

		vec_foreach(k, &f->globals) {
			struct vardecl *v = vec_at(&f->globals, k);
			struct syminfo *si = elab__info(c->e, v);

			if (v->init || global_set(s, v->name))
				v->written = true;
			if (!v->read && !v->written && !s->unoptimized &&
			    user_code(&v->loc))
				diag__warning(s, &v->loc,
					      "Eliding unused variable '%s'",
					      v->name);
			else if (v->read && !v->written &&
				 user_code(&si->first_read))
				diag__warning(s, &si->first_read,
					      "never-assigned global variable "
					      "'%s'", v->name);
		}
	}
}

void usage__analyze(struct elab *e)
{
	struct uctx c = { .e = e, .s = e->s };
	int rounds = 0;

	hmap__init(&c.warned, true);
	walk(&c);
	if (!e->s->unoptimized) {
		while (elide_all(&c) && ++rounds < 16)
			walk(&c);
		c.count_only = true;
		walk(&c);
		c.count_only = false;
		vec_foreach(i, &e->dpinfos)
			prune_locals(&c, &((struct dpinfo *)
					   vec_at(&e->dpinfos, i))->dp->locals);
		vec_foreach(i, &e->fn_queue)
			prune_locals(&c, &((struct funcdecl *)
					   vec_at(&e->fn_queue, i))->locals);
	}
	vec_foreach(i, &e->dpinfos)
		warn_locals(&c, &((struct dpinfo *)
				  vec_at(&e->dpinfos, i))->dp->locals);
	vec_foreach(i, &e->fn_queue)
		warn_locals(&c, &((struct funcdecl *)
				  vec_at(&e->fn_queue, i))->locals);
	globals_flags(&c);
}
