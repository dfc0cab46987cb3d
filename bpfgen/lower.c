/* lower.c - the elaborated AST to IR: probes, functions, statements.
 *
 * Every derived probe becomes an IRF_PROBE function (user_space for
 * begin/end/error/never), every used script function an IRF_FUNCTION,
 * every loop body an IRF_REGION sharing its owner's frame.  Expressions
 * are in lower_expr.c.  After lowering, unreachable blocks are dropped
 * (the BPF verifier rejects dead code) and each function's user_space
 * says whether any kernel-side probe can reach it.
 */
#include <errno.h>
#include <string.h>

#include "lower.h"
#include "provider.h"

enum ir_type lower__type(enum type t)
{
	switch (t) {
	case TY_LONG:
		return IRT_LONG;
	case TY_STRING:
		return IRT_STR;
	default:
		return IRT_NONE;
	}
}

/* ---- emission helpers --------------------------------------------------- */

struct ir_insn *lower__emit(struct lower *l, enum ir_opcode opc)
{
	struct ir_insn *in = ir__emit(l->p, l->b, opc);

	in->loc = l->loc;
	in->on_error = l->on_error;
	return in;
}

struct ir_block *lower__block(struct lower *l)
{
	struct ir_block *b = ir__new_block(l->p, l->f);

	b->loc = l->loc;
	return b;
}

void lower__set_block(struct lower *l, struct ir_block *b)
{
	l->b = b;
}

/* After a terminator: code that follows is unreachable until the next
 * lower__set_block; it goes to a fresh block that cleanup drops. */
static void after_terminator(struct lower *l)
{
	l->b = lower__block(l);
}

void lower__jmp(struct lower *l, struct ir_block *to)
{
	struct ir_insn *in = lower__emit(l, IR_JMP);

	in->target = to->id;
	after_terminator(l);
}

void lower__br(struct lower *l, struct ir_val c, struct ir_block *t,
	       struct ir_block *e)
{
	struct ir_insn *in;

	/* a constant condition: one edge only, so that cleanup drops the
	 * dead side (the BPF verifier rejects unreachable code) */
	if (c.kind == IRV_IMM) {
		lower__jmp(l, c.imm ? t : e);
		return;
	}
	in = lower__emit(l, IR_BR);
	in->a = c;
	in->target = t->id;
	in->target2 = e->id;
	after_terminator(l);
}

static void emit_ret(struct lower *l, struct ir_val v, int64_t code)
{
	struct ir_insn *in = lower__emit(l, IR_RET);

	in->a = v;
	in->imm = code;
	after_terminator(l);
}

static struct ir_val none(void)
{
	struct ir_val v = { .kind = IRV_NONE };

	return v;
}

int lower__slot(struct lower *l, struct vardecl *d)
{
	struct ir_func *o = l->owner;
	struct ir_slot *sl;
	int id = -1;

	vec_foreach(i, &o->slots) {
		sl = vec_at(&o->slots, i);
		if (sl->decl == d)
			id = i;
	}
	if (id < 0) {
		enum ir_type t = lower__type(d->type);

		if (t == IRT_NONE) {
			diag__error(l->s, &d->loc, "semantic error",
				    "unresolved type for local '%s'", d->name);
			t = IRT_LONG;
		}
		id = ir__new_slot(l->p, o, t, d);
	}
	if (l->f != o) {
		sl = vec_at(&o->slots, id);
		sl->used_by_region = true;
	}
	return id;
}

struct ir_func *lower__func_of(struct ir_program *p,
			       const struct funcdecl *fd)
{
	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);

		if (f->kind == IRF_FUNCTION && f->decl == fd)
			return f;
	}
	return NULL;
}

/* ---- loops: outlined regions -------------------------------------------- */

/* Start a region of the current owner; the caller's state is in *saved. */
static struct ir_func *region_begin(struct lower *l, struct lower *saved,
				    const char *what)
{
	struct ir_func *r;

	*saved = *l;
	r = ir__new_func(l->p, IRF_REGION,
			 arena__printf(&l->s->arena, "%s.%s%d",
				       l->owner->name, what, ++l->nregions));
	r->region_of = l->owner;
	r->user_space = l->owner->user_space;
	r->loc = l->loc;
	l->f = r;
	l->on_error = -1;
	l->loop = NULL;
	l->region_exits = false;
	lower__set_block(l, lower__block(l));
	return r;
}

/* Back to the caller's function; returns whether the region may return
 * IRR_RETURN / IRR_NEXT. */
static bool region_end(struct lower *l, const struct lower *saved)
{
	bool exits = l->region_exits;
	int n = l->nregions;

	*l = *saved;
	l->nregions = n;
	return exits;
}

/* After an IR_LOOP / IR_FOREACH whose dst is `code`: leave the owner (or
 * pass the code on, from a region) when the body returned or did next. */
static void loop_dispatch(struct lower *l, int code, bool exits)
{
	struct ir_block *out, *cont;

	if (!exits)
		return;
	out = lower__block(l);
	cont = lower__block(l);
	lower__br(l, ir__reg(code), out, cont);
	lower__set_block(l, out);
	if (l->f != l->owner) {
		struct ir_block *rb = lower__block(l), *nb = lower__block(l);
		struct ir_insn *in = lower__emit(l, IR_CMP);

		in->op = OP_EQ;
		in->a = ir__reg(code);
		in->b = ir__imm(IRR_RETURN);
		in->dst = ir__new_reg(l->p, l->f, IRT_LONG);
		lower__br(l, ir__reg(in->dst), rb, nb);
		lower__set_block(l, rb);
		emit_ret(l, none(), IRR_RETURN);
		lower__set_block(l, nb);
		emit_ret(l, none(), IRR_NEXT);
		l->region_exits = true;
	} else if (l->owner->kind == IRF_FUNCTION &&
		   l->owner->ret != IRT_NONE && l->owner->ret_slot >= 0) {
		struct ir_insn *in = lower__emit(l, IR_LOAD_LOCAL);

		in->slot = l->owner->ret_slot;
		in->dst = ir__new_reg(l->p, l->f, l->owner->ret);
		emit_ret(l, ir__reg(in->dst), 0);
	} else {
		emit_ret(l, none(), 0);
	}
	lower__set_block(l, cont);
}

/* Emit the IR_LOOP / IR_FOREACH `in` of region r in the caller. */
static void loop_insn(struct lower *l, struct ir_insn *in, struct ir_func *r,
		      bool exits)
{
	in->fn = r;
	in->dst = ir__new_reg(l->p, l->f, IRT_LONG);
	in->near = "keyword";
	loop_dispatch(l, in->dst, exits);
}

/* The shared shape of while and for:
 *   region: [if (!cond) return BREAK]; body; latch: [step]; CONTINUE */
static void lower_loop(struct lower *l, struct stmt *st, struct expr *cond,
		       struct expr *step, const char *what)
{
	struct lower saved;
	struct lower_loop lp = { 0 };
	struct ir_func *r = region_begin(l, &saved, what);
	struct ir_block *latch = lower__block(l);
	struct ir_insn *in;
	bool exits;

	lp.region = r;
	lp.latch = latch->id;
	l->loop = &lp;
	if (cond) {
		struct ir_block *body = lower__block(l);
		struct ir_block *brk = lower__block(l);

		lower__br(l, lower__expr(l, cond, true), body, brk);
		lower__set_block(l, brk);
		emit_ret(l, none(), IRR_BREAK);
		lower__set_block(l, body);
	}
	lower__stmt(l, st->then);
	lower__jmp(l, latch);
	lower__set_block(l, latch);
	if (step)
		lower__expr(l, step, false);
	emit_ret(l, none(), IRR_CONTINUE);
	exits = region_end(l, &saved);

	in = lower__emit(l, IR_LOOP);
	in->imm = 0;
	loop_insn(l, in, r, exits);
}

/* while '(' expr ')' stmt */
static void lower_while(struct lower *l, struct stmt *st)
{
	lower_loop(l, st, st->e, NULL, "while");
}

/* for '(' [expr] ';' [expr] ';' [expr] ')' stmt */
static void lower_for(struct lower *l, struct stmt *st)
{
	if (st->init)
		lower__expr(l, st->init, false);
	lower_loop(l, st, st->e, st->step, "for");
}

static int foreach_slot(struct lower *l, struct expr *v, struct ir_func *r)
{
	int slot;

	if (v->kind != EX_SYM || !v->decl || v->decl->is_global) {
		diag__error(l->s, &v->loc, "semantic error",
			    "foreach needs local variables for keys and "
			    "value");
		return -1;
	}
	/* the slot is the owner's; mark it as reached by the region */
	slot = lower__slot(l, v->decl);
	((struct ir_slot *)vec_at(&r->region_of->slots, slot))
		->used_by_region = true;
	return slot;
}

/* foreach '(' [value '='] keys 'in' array [slice] ['@'agg] [+-]
 *         ['limit' expr] ')' stmt */
static void lower_foreach(struct lower *l, struct stmt *st)
{
	struct expr *arr = st->array;
	struct expr *sym = arr && arr->kind == EX_INDEX ? arr->a : arr;
	struct ir_map *m = sym ? lower__map(l, sym) : NULL;
	struct ir_val *slice = NULL;
	struct ir_val limit = none();
	struct lower saved;
	struct lower_loop lp = { 0 };
	struct ir_func *r;
	struct ir_block *latch;
	struct ir_insn *in;
	bool exits;

	if (!m)
		return;
	if (st->keys.n != m->nkeys) {
		diag__error(l->s, &st->loc, "semantic error",
			    "foreach over '%s' needs %d keys, not %d",
			    sym->str, m->nkeys, st->keys.n);
		return;
	}
	if (st->value && m->kind == IRM_STATS) {
		diag__error(l->s, &st->value->loc, "semantic error",
			    "foreach cannot take the value of statistics "
			    "array '%s'; use @count(%s[...]) and friends",
			    sym->str, sym->str);
		return;
	}
	if (arr->kind == EX_INDEX) {
		if (arr->args.n != m->nkeys) {
			diag__error(l->s, &arr->loc, "semantic error",
				    "slice of '%s' needs %d keys, not %d",
				    sym->str, m->nkeys, arr->args.n);
			return;
		}
		slice = lower__keys(l, &arr->args, true);
	}
	if (st->limit)
		limit = lower__expr(l, st->limit, true);

	r = region_begin(l, &saved, "foreach");
	latch = lower__block(l);
	lp.region = r;
	lp.latch = latch->id;
	l->loop = &lp;
	lower__stmt(l, st->then);
	lower__jmp(l, latch);
	lower__set_block(l, latch);
	emit_ret(l, none(), IRR_CONTINUE);
	exits = region_end(l, &saved);

	in = lower__emit(l, IR_FOREACH);
	in->map = m;
	for (int i = 0; i < st->keys.n; i++)
		in->key_slots[i] = foreach_slot(l, vec_at(&st->keys, i), r);
	in->val_slot = st->value ? foreach_slot(l, st->value, r) : -1;
	in->sort_column = st->sort_column;
	in->sort_dir = st->sort_dir;
	in->sort_agg = st->has_agg ? st->agg : SO_COUNT;
	in->a = limit;
	in->args = slice;
	in->nargs = slice ? m->nkeys : 0;
	loop_insn(l, in, r, exits);
}

/* ---- other statements --------------------------------------------------- */

/* if '(' expr ')' stmt ['else' stmt] */
static void lower_if(struct lower *l, struct stmt *st)
{
	struct ir_block *bt = lower__block(l), *join = lower__block(l);
	struct ir_block *bf = st->els ? lower__block(l) : join;

	lower__br(l, lower__expr(l, st->e, true), bt, bf);
	lower__set_block(l, bt);
	lower__stmt(l, st->then);
	lower__jmp(l, join);
	if (st->els) {
		lower__set_block(l, bf);
		lower__stmt(l, st->els);
		lower__jmp(l, join);
	}
	lower__set_block(l, join);
}

static void store_zero(struct lower *l, struct expr *e)
{
	struct ir_global *g = e->decl->is_global ?
			      layout__global_of(l->p, e->decl) : NULL;
	enum ir_type t = g ? g->type : lower__type(e->decl->type);
	struct ir_val v = t == IRT_STR ? ir__reg(lower__strconst(l, ""))
				       : ir__imm(0);
	struct ir_insn *in;

	if (e->decl->is_global) {
		if (!g)
			return;
		in = lower__emit(l, IR_STORE_GLOBAL);
		vec_foreach(i, &l->p->globals)
			if (vec_at(&l->p->globals, i) == g)
				in->gid = i;
	} else {
		int slot = lower__slot(l, e->decl);

		in = lower__emit(l, IR_STORE_LOCAL);
		in->slot = slot;
	}
	in->a = v;
}

/* delete array | delete array '[' keys ']' | delete scalar */
static void lower_delete(struct lower *l, struct stmt *st)
{
	struct expr *e = st->e;
	struct ir_insn *in;

	if (e->kind == EX_SYM && e->decl) {
		struct ir_map *m = e->decl->is_global ?
				   layout__map_of(l->p, e->decl) : NULL;

		if (m) {
			in = lower__emit(l, IR_MAP_CLEAR);
			in->map = m;
		} else {
			store_zero(l, e);
		}
		return;
	}
	if (e->kind == EX_INDEX && e->a && e->a->kind == EX_SYM) {
		struct ir_map *m = lower__map(l, e->a);
		struct ir_val *keys;

		if (!m)
			return;
		if (e->args.n != m->nkeys) {
			diag__error(l->s, &e->loc, "semantic error",
				    "array '%s' takes %d index expressions, "
				    "not %d", e->a->str, m->nkeys, e->args.n);
			return;
		}
		keys = lower__keys(l, &e->args, true);
		in = lower__emit(l, IR_MAP_DELETE);
		in->map = m;
		in->args = keys;
		in->nargs = e->args.n;
		return;
	}
	diag__error(l->s, &e->loc, "semantic error",
		    "delete needs a variable, an array or an array element");
}

/* next ';' */
static void lower_next(struct lower *l, struct stmt *st)
{
	if (l->owner->kind != IRF_PROBE) {
		lower__unsupported(l, &st->loc, "'next' in a function");
		return;
	}
	if (l->f != l->owner) {
		l->region_exits = true;
		emit_ret(l, none(), IRR_NEXT);
	} else {
		emit_ret(l, none(), 0);
	}
}

/* return [expr] ';' */
static void lower_return(struct lower *l, struct stmt *st)
{
	struct ir_func *o = l->owner;
	struct ir_val v = none();

	if (o->kind != IRF_FUNCTION) {
		/* stap: return in a probe leaves it, like next */
		lower_next(l, st);
		return;
	}
	if (st->e) {
		v = lower__expr(l, st->e, true);
		if (o->ret == IRT_NONE) {
			diag__error(l->s, &st->e->loc, "semantic error",
				    "function '%s' returns no value",
				    o->name);
			return;
		}
	} else if (o->ret != IRT_NONE) {
		/* stap returns 0 / "" */
		v = o->ret == IRT_STR ? ir__reg(lower__strconst(l, ""))
				      : ir__imm(0);
	}
	if (l->f == o) {
		emit_ret(l, v, 0);
		return;
	}
	if (o->ret != IRT_NONE) {
		struct ir_insn *in;

		if (o->ret_slot < 0)
			o->ret_slot = ir__new_slot(l->p, o, o->ret, NULL);
		((struct ir_slot *)vec_at(&o->slots, o->ret_slot))
			->used_by_region = true;
		in = lower__emit(l, IR_STORE_LOCAL);
		in->slot = o->ret_slot;
		in->a = v;
	}
	l->region_exits = true;
	emit_ret(l, none(), IRR_RETURN);
}

/* break ';' | continue ';' */
static void lower_break(struct lower *l, struct stmt *st)
{
	struct ir_insn *in;

	if (!l->loop) {
		diag__error(l->s, &st->loc, "semantic error",
			    "'%s' outside a loop",
			    st->kind == ST_BREAK ? "break" : "continue");
		return;
	}
	if (st->kind == ST_BREAK) {
		emit_ret(l, none(), IRR_BREAK);
		return;
	}
	in = lower__emit(l, IR_JMP);
	in->target = l->loop->latch;
	after_terminator(l);
}

/* try stmt catch ['(' name ')'] stmt */
static void lower_try(struct lower *l, struct stmt *st)
{
	struct ir_block *cb = lower__block(l), *join = lower__block(l);
	int saved = l->on_error;

	l->on_error = cb->id;
	lower__stmt(l, st->then);
	l->on_error = saved;
	lower__jmp(l, join);

	lower__set_block(l, cb);
	if (st->catch_var) {
		struct expr *v = st->catch_var;
		struct ir_insn *m = lower__emit(l, IR_ERRMSG), *in;

		m->dst = ir__new_reg(l->p, l->f, IRT_STR);
		if (v->kind != EX_SYM || !v->decl) {
			diag__error(l->s, &v->loc, "semantic error",
				    "catch needs a variable name");
		} else if (v->decl->is_global) {
			struct ir_global *g = layout__global_of(l->p, v->decl);

			in = lower__emit(l, IR_STORE_GLOBAL);
			in->a = ir__reg(m->dst);
			vec_foreach(i, &l->p->globals)
				if (vec_at(&l->p->globals, i) == g)
					in->gid = i;
		} else {
			int slot = lower__slot(l, v->decl);

			in = lower__emit(l, IR_STORE_LOCAL);
			in->slot = slot;
			in->a = ir__reg(m->dst);
		}
	}
	if (st->els)
		lower__stmt(l, st->els);
	lower__jmp(l, join);
	lower__set_block(l, join);
}

void lower__stmt(struct lower *l, struct stmt *st)
{
	struct loc saved = l->loc;

	if (!st)
		return;
	l->loc = st->loc;
	switch (st->kind) {
	case ST_BLOCK:
		vec_foreach(i, &st->body)
			lower__stmt(l, vec_at(&st->body, i));
		break;
	case ST_EXPR:
		lower__expr(l, st->e, false);
		break;
	case ST_IF:
		lower_if(l, st);
		break;
	case ST_WHILE:
		lower_while(l, st);
		break;
	case ST_FOR:
		lower_for(l, st);
		break;
	case ST_FOREACH:
		lower_foreach(l, st);
		break;
	case ST_DELETE:
		lower_delete(l, st);
		break;
	case ST_NEXT:
		lower_next(l, st);
		break;
	case ST_BREAK:
	case ST_CONTINUE:
		lower_break(l, st);
		break;
	case ST_RETURN:
		lower_return(l, st);
		break;
	case ST_TRY:
		lower_try(l, st);
		break;
	case ST_EMBEDDED:
		lower__unsupported(l, &st->loc, "embedded C code");
		break;
	case ST_NULL:
		break;
	}
	l->loc = saved;
}

/* ---- functions and probes ----------------------------------------------- */

static void begin_func(struct lower *l, struct ir_func *f)
{
	l->f = l->owner = f;
	l->on_error = -1;
	l->loop = NULL;
	l->nregions = 0;
	l->region_exits = false;
	l->loc = f->loc;
	l->ctx_block = NULL;
	l->nctx = 0;
	l->ctx_pos = 0;
	lower__set_block(l, lower__block(l));
}

/* function name '(' params ')' [':' type] '{' body '}' */
static void lower_function(struct lower *l, struct ir_func *f)
{
	struct funcdecl *fd = f->decl;

	begin_func(l, f);
	vec_foreach(i, &fd->params)
		lower__slot(l, vec_at(&fd->params, i));
	if (!fd->body) {
		lower__unsupported(l, &fd->loc,
				   "a function with embedded C code");
		return;
	}
	lower__stmt(l, fd->body);
	l->loc = fd->loc;
	if (f->ret == IRT_STR)
		emit_ret(l, ir__reg(lower__strconst(l, "")), 0);
	else if (f->ret == IRT_LONG)
		emit_ret(l, ir__imm(0), 0);
	else
		emit_ret(l, none(), 0);
}

/* probe point [if (cond)] '{' body '}' */
/* A kernel.trace probe: the fields its regions use are read at the
 * start of its entry block (lower__ctx inserts them there). */
static void begin_ctx(struct lower *l, struct derived_probe *dp)
{
	const struct prov_trace_data *td = dp->prov_data;

	l->ctx_block = NULL;
	l->nctx = 0;
	l->ctx_pos = 0;
	if (dp->prov != &prov_trace || !td)
		return;
	l->ctx_block = l->b;
	l->nctx = td->nfields;
	l->ctx_slot = arena__alloc(&l->s->arena,
				   sizeof(int) * (size_t)(td->nfields + 1));
	for (int i = 0; i < td->nfields; i++)
		l->ctx_slot[i] = -1;
}

/* Move the last insn of b to position *pos (then one further). */
static void move_to(struct ir_block *b, int *pos)
{
	struct vec *v = &b->insns;
	void *last = v->v[v->n - 1];

	memmove(&v->v[*pos + 1], &v->v[*pos],
		sizeof(void *) * (size_t)(v->n - 1 - *pos));
	v->v[(*pos)++] = last;
}

/* $field:  in the probe:  d = ctx field i
 *          in a region:   entry: r = ctx field i; store_local slot_i, r
 *                                (once, at the probe's entry)
 *                         here:  d = load_local slot_i
 * (regions cannot reach the context record, the probe's frame they
 * can) */
static struct ir_val ctx_value(struct lower *l, const struct ctx_field *cf,
				const struct loc *loc)
{
	const struct prov_trace_data *td = l->owner->probe ?
		l->owner->probe->prov_data : NULL;
	enum ir_type t = cf && cf->kind == CF_NUM ? IRT_LONG : IRT_STR;
	int idx = td && cf ? (int)(cf - td->fields) : -1, d;
	struct ir_insn *in;

	if (!l->ctx_block || idx < 0 || idx >= l->nctx) {
		lower__unsupported(l, loc, "a context variable here");
		return ir__imm(0);
	}
	if (l->f == l->owner) {
		/* in the probe itself: read where used, no copy */
		d = ir__new_reg(l->p, l->f, t);
		in = lower__emit(l, IR_CTX);
		in->dst = d;
		in->imm = idx;
		return ir__reg(d);
	}
	if (l->ctx_slot[idx] < 0) {
		struct ir_func *o = l->owner;
		int r = ir__new_reg(l->p, o, t);

		l->ctx_slot[idx] = ir__new_slot(l->p, o, t, NULL);
		in = ir__emit(l->p, l->ctx_block, IR_CTX);
		in->dst = r;
		in->imm = idx;
		in->loc = *loc;
		in->on_error = -1;
		move_to(l->ctx_block, &l->ctx_pos);
		in = ir__emit(l->p, l->ctx_block, IR_STORE_LOCAL);
		in->slot = l->ctx_slot[idx];
		in->a = ir__reg(r);
		in->loc = *loc;
		in->on_error = -1;
		move_to(l->ctx_block, &l->ctx_pos);
	}
	if (l->f != l->owner) {
		struct ir_slot *sl = vec_at(&l->owner->slots, l->ctx_slot[idx]);

		sl->used_by_region = true;
	}
	d = ir__new_reg(l->p, l->f, t);
	in = lower__emit(l, IR_LOAD_LOCAL);
	in->dst = d;
	in->slot = l->ctx_slot[idx];
	return ir__reg(d);
}

/* A pretty form (kernel.trace $name$, $$parms, $$vars):
 *   d = sprintf("name=0x%x name=\"%s\" ...", fields...)
 * ($name$ alone: "0x%x" or "\"%s\"") */
static struct ir_val ctx_pretty(struct lower *l, struct expr *e,
				const struct ctx_ref *r)
{
	const struct prov_trace_data *td = l->owner->probe ?
		l->owner->probe->prov_data : NULL;
	int n = r->field ? 1 : td ? td->nfields : 0, k = 0;
	struct ir_val *args = arena__alloc(&l->s->arena,
					   sizeof(*args) * (size_t)(n + 1));
	enum ir_type *types = arena__alloc(&l->s->arena,
					   sizeof(*types) * (size_t)(n + 1));
	char *fmt = "";
	struct ir_insn *in;

	for (int i = 0; i < n; i++) {
		const struct ctx_field *cf = r->field ? r->field :
			&td->fields[i];
		const char *conv = cf->kind == CF_NUM ? "0x%x" : "\"%s\"";

		fmt = r->field ? (char *)conv :
			arena__printf(&l->s->arena, "%s%s%s=%s", fmt,
				      k ? " " : "", cf->name, conv);
		types[k] = cf->kind == CF_NUM ? IRT_LONG : IRT_STR;
		args[k++] = ctx_value(l, cf, &e->loc);
	}
	in = lower__emit(l, IR_SPRINTF);
	in->fmt = ir__format(l->p, fmt, k, types);
	in->args = args;
	in->nargs = k;
	in->dst = ir__new_reg(l->p, l->f, IRT_STR);
	return ir__reg(in->dst);
}

/* $name, $name$, $$parms, $$vars, $$locals of a kernel.trace probe */
struct ir_val lower__ctx(struct lower *l, struct expr *e)
{
	const struct ctx_ref *r = e->target;

	if (r->pretty)
		return ctx_pretty(l, e, r);
	if (!r->field) {
		/* $$locals: a tracepoint has none */
		return ir__reg(lower__strconst(l, ""));
	}
	return ctx_value(l, r->field, &e->loc);
}

static void lower_probe(struct lower *l, struct ir_func *f)
{
	struct derived_probe *dp = f->probe;

	begin_func(l, f);
	begin_ctx(l, dp);
	if (dp->cond) {
		struct ir_block *body = lower__block(l), *out = lower__block(l);

		lower__br(l, lower__expr(l, dp->cond, true), body, out);
		lower__set_block(l, out);
		emit_ret(l, none(), 0);
		lower__set_block(l, body);
	}
	lower__stmt(l, dp->body);
	l->loc = dp->body ? dp->body->loc : f->loc;
	emit_ret(l, none(), 0);
}

/* "begin", "end", "error", "never" for probes run in user space. */
static const char *user_kind(const struct derived_probe *dp)
{
	static const char *const kinds[] = { "begin", "end", "error",
					     "never", NULL };
	const struct probe_point *pp = dp->point ? dp->point : dp->written;
	const struct ppcomp *c;

	if (!pp || !pp->comps.n)
		return NULL;
	c = vec_at(&pp->comps, 0);
	for (int i = 0; kinds[i]; i++)
		if (!strcmp(c->name, kinds[i]))
			return kinds[i];
	return NULL;
}

static const char *probe_name(struct lower *l, struct derived_probe *dp)
{
	return arena__printf(&l->s->arena, "probe_%d", dp->id);
}

/* ---- cleanup: drop unreachable blocks, renumber ------------------------- */

static void mark(struct ir_func *f, bool *seen, int id)
{
	struct ir_block *b;

	if (id < 0 || id >= f->blocks.n || seen[id])
		return;
	seen[id] = true;
	b = vec_at(&f->blocks, id);
	vec_foreach(i, &b->insns) {
		struct ir_insn *in = vec_at(&b->insns, i);

		if (ir__may_fault(in))
			mark(f, seen, in->on_error);
		if (in->opc == IR_JMP || in->opc == IR_BR)
			mark(f, seen, in->target);
		if (in->opc == IR_BR)
			mark(f, seen, in->target2);
	}
}

static void cleanup(struct session *s, struct ir_func *f)
{
	int n = f->blocks.n, k = 0;
	bool *seen = arena__alloc(&s->arena, (size_t)n + 1);
	int *map = arena__alloc(&s->arena, sizeof(int) * ((size_t)n + 1));

	mark(f, seen, 0);
	for (int i = 0; i < n; i++) {
		map[i] = seen[i] ? k : -1;
		if (seen[i]) {
			struct ir_block *b = vec_at(&f->blocks, i);

			b->id = k;
			f->blocks.v[k++] = b;
		}
	}
	f->blocks.n = k;
	for (int i = 0; i < k; i++) {
		struct ir_block *b = vec_at(&f->blocks, i);

		vec_foreach(j, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, j);

			if (in->target >= 0)
				in->target = map[in->target];
			if (in->target2 >= 0)
				in->target2 = map[in->target2];
			if (!ir__may_fault(in))
				in->on_error = -1;
			else if (in->on_error >= 0)
				in->on_error = map[in->on_error];
		}
	}
}

/* A function is kernel-side when a kernel-side probe can reach it. */
static void mark_kernel(struct ir_func *f)
{
	vec_foreach(i, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, i);

		vec_foreach(j, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, j);

			if ((in->opc == IR_CALL || in->opc == IR_LOOP ||
			     in->opc == IR_FOREACH) && in->fn &&
			    in->fn->user_space) {
				in->fn->user_space = false;
				mark_kernel(in->fn);
			}
		}
	}
}

static void set_sides(struct ir_program *p)
{
	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);

		if (f->kind != IRF_PROBE)
			f->user_space = true;
	}
	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);

		if (f->kind == IRF_PROBE && !f->user_space)
			mark_kernel(f);
	}
}

int lower__program(struct session *s, struct ir_program *p)
{
	struct lower l = { .s = s, .p = p, .on_error = -1 };
	struct program *prog = s->prog;
	int errors = s->errors;

	vec_foreach(i, &prog->probes) {
		struct derived_probe *dp = vec_at(&prog->probes, i);
		struct ir_func *f = ir__new_func(p, IRF_PROBE,
						 probe_name(&l, dp));

		f->probe = dp;
		f->probe_kind = user_kind(dp);
		f->user_space = f->probe_kind != NULL;
		f->loc = dp->body ? dp->body->loc : dp->user->loc;
	}
	vec_foreach(i, &prog->functions) {
		struct funcdecl *fd = vec_at(&prog->functions, i);
		struct ir_func *f = ir__new_func(p, IRF_FUNCTION, fd->name);

		f->decl = fd;
		f->loc = fd->loc;
		f->nparams = fd->params.n;
		f->ret = lower__type(fd->ret);
	}
	/* lowering adds regions to p->funcs: walk the first ones only */
	int n = p->funcs.n;

	for (int i = 0; i < n; i++) {
		struct ir_func *f = vec_at(&p->funcs, i);

		if (f->kind == IRF_PROBE)
			lower_probe(&l, f);
		else
			lower_function(&l, f);
	}
	vec_foreach(i, &p->funcs)
		cleanup(s, vec_at(&p->funcs, i));
	if (place__timers(s, p))
		return -ENOMEM;
	set_sides(p);
	return s->errors > errors ? -EINVAL : 0;
}
