/* resolve.c - symbol resolution in derived probes and functions.
 *
 * A name is, in order: a parameter of the enclosing function, a local
 * already seen in this probe or function, a global visible from the
 * file the code came from (its private globals, the user's, then the
 * library's: this includes the tapset file), or else a new local.  A
 * call is: a script function (the file's private ones, the user's), a
 * built-in (builtins.c), then a tapset function (including its file).
 * Target expressions ($var, @entry, @var, @cast, @perf) go to the
 * probe's provider.  @defined(X) becomes 1 or 0 here, and if/?:/&&/||
 * whose condition that decides are folded, so that unresolvable target
 * expressions in dead branches are not errors (as with stap).
 */
#include <errno.h>
#include <string.h>

#include "elab.h"

struct rctx {
	struct elab *e;
	struct session *s;
	struct stpfile *file;
	struct dpinfo *di;		/* in a probe */
	struct piece *piece;		/* the body piece being resolved */
	struct funcdecl *fn;		/* in a function */
	struct hmap *locals;		/* name -> vardecl */
	struct vec *local_list;
	bool in_cond;			/* probe condition */
	int suppress;			/* inside @defined() */
	bool failed;			/* a target failed inside @defined */
	int loops;			/* loop depth, for break/continue */
};

static void r_expr(struct rctx *c, struct expr **ep);
static void r_stmt(struct rctx *c, struct stmt **sp);

static bool in_user_file(const struct loc *l)
{
	return l->src && !l->src->is_tapset;
}

/* ---- symbols ---- */

static struct vardecl *new_local(struct rctx *c, struct expr *x)
{
	struct vardecl *v = arena__alloc(&c->s->arena, sizeof(*v));

	v->name = x->str;
	v->loc = x->loc;
	v->is_local = true;
	v->arity = 0;
	v->file = c->file;
	v->id = c->local_list->n;
	vec__push(&c->s->arena, c->local_list, v);
	*hmap__slot(c->s, c->locals, v->name) = v;
	return v;
}

static struct vardecl *lookup(struct rctx *c, struct expr *x)
{
	struct vardecl *v;

	if (c->fn) {
		vec_foreach(i, &c->fn->params) {
			v = vec_at(&c->fn->params, i);
			if (strcmp(v->name, x->str) == 0)
				return v;
		}
	}
	if (c->locals) {
		v = hmap__get(c->locals, x->str);
		if (v)
			return v;
	}
	return elab__find_global(c->e, c->file, x->str);
}

static void r_sym(struct rctx *c, struct expr *x)
{
	struct vardecl *v = lookup(c, x);

	if (!v) {
		if (c->in_cond) {
			diag__error(c->s, &x->loc, "semantic error",
				    "probe condition refers to '%s', which is "
				    "not a global variable", x->str);
			return;
		}
		v = new_local(c, x);
	}
	x->decl = v;
}

/* The array operand of a[...], foreach, in, delete: must be global. */
static void r_array(struct rctx *c, struct expr *x)
{
	struct syminfo *si;

	if (x->kind != EX_SYM) {
		r_expr(c, &x);
		return;
	}
	r_sym(c, x);
	if (!x->decl || x->decl->is_global)
		return;
	si = elab__info(c->e, x->decl);
	if (si->reported)
		return;
	si->reported = true;
	diag__error(c->s, &x->loc, "semantic error",
		    "array locals not supported, missing global declaration? "
		    "('%s')", x->str);
}

/* ---- @probewrite, @const, @kregister, @uregister ---- */

static bool writes_expr(const struct expr *x, const struct expr *var);

/* Is lv (an lvalue) the variable var, or an element of it? */
static bool same_var(const struct expr *lv, const struct expr *var)
{
	if (lv && lv->kind == EX_INDEX)
		lv = lv->a;
	return lv && lv->kind == var->kind && !lv->chain.n && lv->str &&
	       strcmp(lv->str, var->str) == 0;
}

static bool writes_exprs(const struct vec *v, const struct expr *var)
{
	vec_foreach(i, v)
		if (writes_expr(vec_at(v, i), var))
			return true;
	return false;
}

static bool writes_expr(const struct expr *x, const struct expr *var)
{
	if (!x)
		return false;
	if ((x->kind == EX_ASSIGN || x->kind == EX_INCDEC) &&
	    same_var(x->a, var))
		return true;
	if (writes_expr(x->a, var) || writes_expr(x->b, var) ||
	    writes_expr(x->c, var) || writes_exprs(&x->args, var))
		return true;
	vec_foreach(i, &x->chain) {
		const struct chain *ch = vec_at(&x->chain, i);

		if (writes_expr(ch->index, var))
			return true;
	}
	return false;
}

static bool writes_stmt(const struct stmt *st, const struct expr *var)
{
	if (!st)
		return false;
	if (st->kind == ST_DELETE && same_var(st->e, var))
		return true;
	if (st->kind == ST_FOREACH &&
	    (same_var(st->value, var) || writes_exprs(&st->keys, var)))
		return true;
	if (st->kind == ST_FOREACH) {
		vec_foreach(i, &st->keys)
			if (same_var(vec_at(&st->keys, i), var))
				return true;
	}
	if (writes_expr(st->e, var) || writes_expr(st->init, var) ||
	    writes_expr(st->step, var) || writes_expr(st->limit, var) ||
	    writes_stmt(st->then, var) || writes_stmt(st->els, var))
		return true;
	if (st->kind == ST_TRY && same_var(st->catch_var, var))
		return true;
	vec_foreach(i, &st->body)
		if (writes_stmt(vec_at(&st->body, i), var))
			return true;
	return false;
}

/* @probewrite(var) in a probe alias's body: 1 when the rest of the
 * probe handler (the code of the probe using the alias) writes var. */
static void r_probewrite(struct rctx *c, struct expr *x)
{
	const struct expr *var = x->args.n ? vec_at(&x->args, 0) : NULL;
	bool w = false;

	if (!c->di || !c->piece || !c->piece->from_alias) {
		diag__error(c->s, &x->loc, "semantic error", "@probewrite is "
			    "only allowed in the body of a probe alias");
		return;
	}
	if (!var || (var->kind != EX_SYM && var->kind != EX_TARGET))
		return;		/* diagnosed by the parser */
	vec_foreach(i, &c->di->body) {
		struct piece *pc = vec_at(&c->di->body, i);

		if (pc != c->piece && writes_stmt(pc->st, var))
			w = true;
	}
	x->kind = EX_NUM;
	x->num = w;
	x->str = NULL;
	x->type = TY_LONG;
	memset(&x->args, 0, sizeof(x->args));
}

static void r_at_op(struct rctx *c, struct expr *x)
{
	if (strcmp(x->str, "@probewrite") == 0) {
		r_probewrite(c, x);
	} else if (strcmp(x->str, "@const") == 0) {
		diag__error(c->s, &x->loc, "semantic error", "@const needs the "
			    "kernel's C headers, which bstap does not use; "
			    "write the constant's value instead");
	} else {
		diag__error(c->s, &x->loc, "semantic error", "%s is not "
			    "supported yet: reading registers needs probes "
			    "with a register context (kprobes/uprobes)",
			    x->str);
	}
}

/* ---- calls ---- */

static void r_call(struct rctx *c, struct expr *x)
{
	struct elab *e = c->e;
	bool exists = false;
	int n = x->args.n;
	struct funcdecl *fn;
	const struct builtin *bi;

	if (x->str && x->str[0] == '@') {
		r_at_op(c, x);
		return;
	}
	vec_foreach(i, &x->args)
		r_expr(c, (struct expr **)&x->args.v[i]);
	fn = elab__find_func(e, c->file, x->str, n, &x->loc, &exists, false);
	if (!fn) {
		bi = builtin__find(x->str);
		if (bi && n >= bi->min_args &&
		    (bi->max_args < 0 || n <= bi->max_args)) {
			x->builtin = bi;
			return;
		}
		fn = elab__find_func(e, c->file, x->str, n, &x->loc, &exists,
				     true);
		if (!fn && bi) {
			const char *qual = bi->min_args == bi->max_args ? "" :
					   n < bi->min_args ? "at least " :
					   "at most ";

			diag__error(c->s, &x->loc, "semantic error",
				    "wrong number of arguments to function "
				    "'%s': %d given, %s%d expected", x->str, n,
				    qual, n < bi->min_args ? bi->min_args :
				    bi->max_args);
			return;
		}
	}
	if (!fn) {
		if (exists)
			diag__error(c->s, &x->loc, "semantic error",
				    "no function '%s' takes %d argument%s",
				    x->str, n, n == 1 ? "" : "s");
		else
			diag__error(c->s, &x->loc, "semantic error",
				    "unresolved function call '%s'", x->str);
		return;
	}
	x->fn = fn;
	if (!fn->used) {
		fn->used = true;
		if (!hmap__get(&e->fn_done, fn)) {
			*hmap__slot(c->s, &e->fn_done, fn) = (void *)1;
			vec__push(&c->s->arena, &e->fn_queue, fn);
		}
	}
}

/* ---- target expressions ---- */

static const char *target_what(const struct expr *x)
{
	switch (x->kind) {
	case EX_ENTRY: return "@entry expression";
	case EX_VARAT: return "@var expression";
	case EX_CAST: return "@cast expression";
	case EX_PERF: return "@perf expression";
	default: return "target-symbol expression";
	}
}

static void r_target(struct rctx *c, struct expr *x)
{
	const struct provider *p = c->di ? c->di->dp->prov : NULL;
	int r = -ENOENT;

	vec_foreach(i, &x->chain) {
		struct chain *ch = vec_at(&x->chain, i);

		if (ch->index)
			r_expr(c, &ch->index);
	}
	if (x->autocast && c->suppress) {
		c->failed = true;
		return;
	}
	if (x->kind == EX_CAST && x->a)
		r_expr(c, &x->a);
	if (x->autocast) {
		diag__error(c->s, &x->loc, "semantic error", "'->' on a "
			    "plain value (autocast) needs type information "
			    "(kernel.function/process probes with BTF/DWARF "
			    "come later); use @cast(ptr, \"type\")->member");
		return;
	}
	if (p && p->target_var)
		r = p->target_var(c->s, c->di->dp, x);
	if (r == 0)
		return;
	if (c->suppress) {
		c->failed = true;
		return;
	}
	if (x->kind == EX_TARGET)
		diag__error(c->s, &x->loc, "semantic error",
			    "unresolved target-symbol expression '%s'",
			    x->str);
	else
		diag__error(c->s, &x->loc, "semantic error", "unresolved %s",
			    target_what(x));
	if (c->in_cond || !c->di || x->kind != EX_TARGET)
		return;
	diag__note(c->s, &c->di->dp->point->loc,
		   "probe point '%s' has no such context variable",
		   pp__str(c->s, c->di->dp->point));
}

/* ---- constant folding of @defined() decisions ---- */

bool expr__const(const struct expr *x, int64_t *val)
{
	int64_t a, b;

	if (!x)
		return false;
	switch (x->kind) {
	case EX_NUM:
	case EX_DEFINED:
		*val = x->num;
		return true;
	case EX_UNARY:
		if (!expr__const(x->a, &a))
			return false;
		if (x->op == OP_NOT)
			*val = !a;
		else if (x->op == OP_NEG)
			*val = -a;
		else if (x->op == OP_PLUS)
			*val = a;
		else
			return false;
		return true;
	case EX_LOGICAL:
		if (!expr__const(x->a, &a))
			return false;
		if (x->op == OP_LAND && !a) {
			*val = 0;
			return true;
		}
		if (x->op == OP_LOR && a) {
			*val = 1;
			return true;
		}
		if (!expr__const(x->b, &b))
			return false;
		*val = b != 0;
		return true;
	case EX_COMPARE:
		if (!expr__const(x->a, &a) || !expr__const(x->b, &b) ||
		    x->a->kind == EX_STR || x->b->kind == EX_STR)
			return false;
		switch (x->op) {
		case OP_EQ: *val = a == b; return true;
		case OP_NE: *val = a != b; return true;
		case OP_LT: *val = a < b; return true;
		case OP_LE: *val = a <= b; return true;
		case OP_GT: *val = a > b; return true;
		case OP_GE: *val = a >= b; return true;
		default: return false;
		}
	default:
		return false;
	}
}

static bool has_defined(const struct expr *x)
{
	if (!x)
		return false;
	if (x->kind == EX_DEFINED)
		return true;
	return has_defined(x->a) || has_defined(x->b);
}

/* A decided condition: fold only what @defined() decides. */
static bool decided(const struct expr *x, int64_t *val)
{
	return has_defined(x) && expr__const(x, val);
}

static struct expr *num_expr(struct rctx *c, const struct loc *loc,
			     int64_t v)
{
	struct expr *n = expr__new(c->s, EX_NUM, loc);

	n->num = v;
	n->type = TY_LONG;
	return n;
}

/* ---- expressions ---- */

/* '*' keys make a slice, which only foreach, 'in' and delete take:
 * an element read or written needs every key. */
static void r_no_wild(struct rctx *c, const struct expr *x)
{
	vec_foreach(i, &x->args) {
		const struct expr *k = vec_at(&x->args, i);

		if (k->kind != EX_WILD)
			continue;
		diag__error(c->s, &k->loc, "semantic error",
			    "wildcard not allowed in array index (a '*' "
			    "slice is for foreach, 'in' and delete only)");
		return;
	}
}

static void r_exprs(struct rctx *c, struct vec *v)
{
	vec_foreach(i, v)
		if (vec_at(v, i))
			r_expr(c, (struct expr **)&v->v[i]);
}

static void r_embedded(struct rctx *c, const struct loc *loc)
{
	if (c->s->guru || !in_user_file(loc))
		return;
	diag__error(c->s, loc, "semantic error",
		    "embedded C code is only allowed in guru mode (-g)");
}

static void r_expr(struct rctx *c, struct expr **ep)
{
	struct expr *x = *ep;
	int64_t v;

	if (!x)
		return;
	switch (x->kind) {
	case EX_NUM:
	case EX_STR:
	case EX_WILD:
		break;
	case EX_EMBEDDED:
		r_embedded(c, &x->loc);
		break;
	case EX_SYM:
		r_sym(c, x);
		break;
	case EX_TARGET:
	case EX_VARAT:
	case EX_CAST:
	case EX_PERF:
	case EX_ENTRY:
		r_target(c, x);
		break;
	case EX_DEFINED: {
		int save_failed = c->failed;

		c->suppress++;
		c->failed = false;
		r_expr(c, &x->a);
		x->num = !c->failed;
		x->type = TY_LONG;
		c->failed = save_failed;
		c->suppress--;
		break;
	}
	case EX_INDEX:
		r_array(c, x->a);
		r_exprs(c, &x->args);
		r_no_wild(c, x);
		break;
	case EX_IN:
		r_array(c, x->a);
		r_exprs(c, &x->args);
		break;
	case EX_CALL:
		r_call(c, x);
		break;
	case EX_LOGICAL:
		r_expr(c, &x->a);
		if (has_defined(x->a) && expr__const(x->a, &v) &&
		    ((x->op == OP_LAND && !v) || (x->op == OP_LOR && v))) {
			*ep = num_expr(c, &x->loc, x->op == OP_LOR);
			break;
		}
		r_expr(c, &x->b);
		break;
	case EX_TERNARY:
		r_expr(c, &x->a);
		if (decided(x->a, &v)) {
			*ep = v ? x->b : x->c;
			r_expr(c, ep);
			break;
		}
		r_expr(c, &x->b);
		r_expr(c, &x->c);
		break;
	case EX_STATOP:
	case EX_HIST:
		r_expr(c, &x->a);
		r_exprs(c, &x->args);
		break;
	default:
		/* unary, binary, compare, regex, assign, incdec */
		r_expr(c, &x->a);
		r_expr(c, &x->b);
		r_expr(c, &x->c);
		r_exprs(c, &x->args);
		break;
	}
}

/* ---- statements ---- */

static struct stmt *null_stmt(struct rctx *c, const struct loc *loc)
{
	return stmt__new(c->s, ST_NULL, loc);
}

static void r_foreach(struct rctx *c, struct stmt *st)
{
	if (st->array && st->array->kind == EX_INDEX) {
		r_array(c, st->array->a);
		r_exprs(c, &st->array->args);
	} else if (st->array) {
		r_array(c, st->array);
	}
	r_exprs(c, &st->keys);
	r_expr(c, &st->value);
	r_expr(c, &st->limit);
	c->loops++;
	r_stmt(c, &st->then);
	c->loops--;
}

static void r_stmt(struct rctx *c, struct stmt **sp)
{
	struct stmt *st = *sp;
	int64_t v;

	if (!st)
		return;
	switch (st->kind) {
	case ST_BLOCK:
		vec_foreach(i, &st->body)
			r_stmt(c, (struct stmt **)&st->body.v[i]);
		break;
	case ST_EXPR:
		r_expr(c, &st->e);
		break;
	case ST_DELETE:
		/* delete a[k, *]: the one place, with foreach and 'in', a
		 * slice is an index */
		if (st->e && st->e->kind == EX_INDEX) {
			r_array(c, st->e->a);
			r_exprs(c, &st->e->args);
		} else {
			r_expr(c, &st->e);
		}
		break;
	case ST_IF:
		r_expr(c, &st->e);
		if (decided(st->e, &v)) {
			*sp = v ? st->then :
			      st->els ? st->els : null_stmt(c, &st->loc);
			r_stmt(c, sp);
			break;
		}
		r_stmt(c, &st->then);
		r_stmt(c, &st->els);
		break;
	case ST_WHILE:
	case ST_FOR:
		r_expr(c, &st->init);
		r_expr(c, &st->e);
		r_expr(c, &st->step);
		c->loops++;
		r_stmt(c, &st->then);
		c->loops--;
		break;
	case ST_FOREACH:
		r_foreach(c, st);
		break;
	case ST_RETURN:
		if (!c->fn) {
			diag__error(c->s, &st->loc, "semantic error",
				    "'return' outside a function (use 'next' "
				    "to leave a probe)");
			break;
		}
		r_expr(c, &st->e);
		break;
	case ST_BREAK:
	case ST_CONTINUE:
		if (!c->loops)
			diag__error(c->s, &st->loc, "semantic error",
				    "'%s' outside a loop",
				    st->kind == ST_BREAK ? "break" :
				    "continue");
		break;
	case ST_TRY:
		r_stmt(c, &st->then);
		r_expr(c, &st->catch_var);
		r_stmt(c, &st->els);
		break;
	case ST_EMBEDDED:
		r_embedded(c, &st->loc);
		break;
	case ST_NEXT:
	case ST_NULL:
		break;
	}
}

/* ---- entry points ---- */

void resolve__probe(struct elab *e, struct dpinfo *di)
{
	struct rctx c = { .e = e, .s = e->s, .di = di };

	if (di->resolved)
		return;
	di->resolved = true;
	c.locals = &di->locals;
	c.local_list = &di->dp->locals;
	vec_foreach(i, &di->conds) {
		struct piece *p = vec_at(&di->conds, i);

		c.file = p->file;
		c.in_cond = true;
		r_expr(&c, &p->cond);
	}
	c.in_cond = false;
	vec_foreach(i, &di->body) {
		struct piece *p = vec_at(&di->body, i);

		c.file = p->file;
		c.piece = p;
		r_stmt(&c, &p->st);
	}
}

void resolve__function(struct elab *e, struct funcdecl *fn)
{
	struct rctx c = { .e = e, .s = e->s, .fn = fn, .file = fn->file };
	struct hmap *locals = arena__alloc(&e->s->arena, sizeof(*locals));

	hmap__init(locals, true);
	*hmap__slot(e->s, &e->fn_locals, fn) = locals;
	c.locals = locals;
	c.local_list = &fn->locals;
	vec_foreach(i, &fn->params) {
		struct vardecl *p = vec_at(&fn->params, i);

		p->is_param = true;
		p->arity = 0;
		p->file = fn->file;
		p->id = i;
	}
	if (fn->embedded)
		r_embedded(&c, &fn->loc);
	r_stmt(&c, &fn->body);
}
