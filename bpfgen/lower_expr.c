/* lower_expr.c - expressions to IR.
 *
 * Each function lowers one expression kind, written above it as the
 * source form it handles.  Values are longs (an ir_val, register or
 * immediate) or strings (always a register).
 */
#include <string.h>

#include "lower.h"

void lower__unsupported(struct lower *l, const struct loc *loc,
			const char *what)
{
	diag__error(l->s, loc, "semantic error",
		    "%s is not supported by bstap yet", what);
}

const char *lower__near(struct lower *l, const struct expr *e)
{
	struct arena *a = &l->s->arena;

	switch (e->kind) {
	case EX_BINARY:
	case EX_UNARY:
	case EX_COMPARE:
	case EX_LOGICAL:
	case EX_REGEX:
	case EX_ASSIGN:
	case EX_INCDEC:
		return arena__printf(a, "operator '%s'", op__spelling(e->op));
	case EX_STATOP:
	case EX_HIST:
		return arena__printf(a, "operator '@%s'",
				     statop__name(e->statop));
	case EX_SYM:
	case EX_CALL:
		return arena__printf(a, "identifier '%s'", e->str);
	case EX_INDEX:
	case EX_IN:
		if (e->a && e->a->kind == EX_SYM)
			return arena__printf(a, "identifier '%s'", e->a->str);
		return "operator '['";
	default:
		return "";
	}
}

static int new_reg(struct lower *l, enum ir_type t)
{
	return ir__new_reg(l->p, l->f, t);
}

int lower__strconst(struct lower *l, const char *str)
{
	struct ir_insn *in = lower__emit(l, IR_STRCONST);

	in->dst = new_reg(l, IRT_STR);
	in->imm = ir__strtab(l->p, str);
	return in->dst;
}

/* A long value in a register (some consumers want one). */
static int to_reg(struct lower *l, struct ir_val v)
{
	struct ir_insn *in;

	if (v.kind == IRV_REG)
		return v.reg;
	in = lower__emit(l, IR_CONST);
	in->dst = new_reg(l, IRT_LONG);
	in->imm = v.imm;
	return in->dst;
}

int lower__reg(struct lower *l, struct expr *e)
{
	return to_reg(l, lower__expr(l, e, true));
}

struct ir_map *lower__map(struct lower *l, struct expr *e)
{
	struct ir_map *m = NULL;

	if (e->kind == EX_SYM && e->decl && e->decl->is_global)
		m = layout__map_of(l->p, e->decl);
	if (!m)
		diag__error(l->s, &e->loc, "semantic error",
			    "'%s' is not a global array or statistic",
			    e->kind == EX_SYM ? e->str : "expression");
	return m;
}

struct ir_val *lower__keys(struct lower *l, struct vec *keys, bool wild_ok)
{
	struct ir_val *v = arena__alloc(&l->s->arena,
					sizeof(*v) * (size_t)(keys->n + 1));

	vec_foreach(i, keys) {
		struct expr *k = vec_at(keys, i);

		if (k->kind == EX_WILD) {
			if (!wild_ok)
				diag__error(l->s, &k->loc, "semantic error",
					    "'*' is only allowed in an array "
					    "slice of foreach, 'in' or "
					    "delete");
			v[i].kind = IRV_NONE;
			continue;
		}
		v[i] = lower__expr(l, k, true);
	}
	return v;
}

/* A zero of type t: 0 or "". */
static struct ir_val zero_of(struct lower *l, enum ir_type t)
{
	if (t == IRT_STR)
		return ir__reg(lower__strconst(l, ""));
	return ir__imm(0);
}

/* ---- variables: loads and stores -------------------------------------- */

/* What an lvalue names, with its keys evaluated once. */
struct lval {
	enum { LV_LOCAL, LV_GLOBAL, LV_ELEM } kind;
	enum ir_type type;
	int slot;
	struct ir_global *g;
	struct ir_map *map;
	struct ir_val *keys;
	int nkeys;
	const struct expr *e;
};

static int lval_of(struct lower *l, struct expr *e, struct lval *lv)
{
	memset(lv, 0, sizeof(*lv));
	lv->e = e;
	lv->type = lower__type(e->type);
	if (e->kind == EX_SYM) {
		if (!e->decl) {
			diag__error(l->s, &e->loc, "semantic error",
				    "unresolved symbol '%s'", e->str);
			return -1;
		}
		if (e->decl->is_global) {
			lv->kind = LV_GLOBAL;
			lv->g = layout__global_of(l->p, e->decl);
			if (!lv->g) {
				diag__error(l->s, &e->loc, "semantic error",
					    "'%s' is not a scalar global",
					    e->str);
				return -1;
			}
			lv->type = lv->g->type;
			return 0;
		}
		lv->kind = LV_LOCAL;
		lv->slot = lower__slot(l, e->decl);
		lv->type = lower__type(e->decl->type);
		return 0;
	}
	if (e->kind == EX_INDEX && e->a && e->a->kind == EX_SYM) {
		lv->kind = LV_ELEM;
		lv->map = lower__map(l, e->a);
		if (!lv->map)
			return -1;
		if (lv->map->kind != IRM_ARRAY) {
			diag__error(l->s, &e->loc, "semantic error",
				    "statistic '%s' can only be added to "
				    "(<<<) or read with @count, @sum, ...",
				    e->a->str);
			return -1;
		}
		if (e->args.n != lv->map->nkeys) {
			diag__error(l->s, &e->loc, "semantic error",
				    "array '%s' takes %d index expressions, "
				    "not %d", e->a->str, lv->map->nkeys,
				    e->args.n);
			return -1;
		}
		lv->keys = lower__keys(l, &e->args, false);
		lv->nkeys = e->args.n;
		lv->type = lv->map->val_type;
		return 0;
	}
	if (e->kind == EX_TARGET)
		lower__unsupported(l, &e->loc, "assigning a target variable");
	else
		diag__error(l->s, &e->loc, "semantic error",
			    "expected a variable or an array element to "
			    "assign to");
	return -1;
}

static int gid_of(struct lower *l, const struct ir_global *g)
{
	vec_foreach(i, &l->p->globals)
		if (vec_at(&l->p->globals, i) == g)
			return i;
	return -1;
}

static struct ir_val lval_load(struct lower *l, struct lval *lv)
{
	struct ir_insn *in;

	switch (lv->kind) {
	case LV_LOCAL:
		in = lower__emit(l, IR_LOAD_LOCAL);
		in->slot = lv->slot;
		break;
	case LV_GLOBAL:
		in = lower__emit(l, IR_LOAD_GLOBAL);
		in->gid = gid_of(l, lv->g);
		break;
	default:
		in = lower__emit(l, IR_MAP_GET);
		in->map = lv->map;
		in->args = lv->keys;
		in->nargs = lv->nkeys;
		break;
	}
	in->dst = new_reg(l, lv->type);
	return ir__reg(in->dst);
}

static void lval_store(struct lower *l, struct lval *lv, struct ir_val v)
{
	struct ir_insn *in;

	switch (lv->kind) {
	case LV_LOCAL:
		in = lower__emit(l, IR_STORE_LOCAL);
		in->slot = lv->slot;
		break;
	case LV_GLOBAL:
		in = lower__emit(l, IR_STORE_GLOBAL);
		in->gid = gid_of(l, lv->g);
		break;
	default:
		in = lower__emit(l, IR_MAP_SET);
		in->map = lv->map;
		in->args = lv->keys;
		in->nargs = lv->nkeys;
		in->near = lower__near(l, lv->e);
		/* stap names the array element, not the '=' */
		if (lv->e)
			in->loc = lv->e->loc;
		break;
	}
	in->a = v;
}

/* identifier */
static struct ir_val lower_sym(struct lower *l, struct expr *e)
{
	struct lval lv;

	if (e->decl && e->decl->is_global && layout__map_of(l->p, e->decl)) {
		diag__error(l->s, &e->loc, "semantic error",
			    "'%s' is an array or statistic; it needs an "
			    "index or an @operator here", e->str);
		return ir__imm(0);
	}
	if (lval_of(l, e, &lv))
		return ir__imm(0);
	return lval_load(l, &lv);
}

/* array '[' keys ']' */
static struct ir_val lower_index(struct lower *l, struct expr *e)
{
	struct lval lv;

	if (e->a && e->a->kind == EX_TARGET) {
		lower__unsupported(l, &e->loc, "indexing a target variable");
		return ir__imm(0);
	}
	if (lval_of(l, e, &lv))
		return ir__imm(0);
	return lval_load(l, &lv);
}

/* ---- operators ---------------------------------------------------------- */

static struct ir_val emit_raw_bin(struct lower *l, enum op op,
				  struct ir_val a, struct ir_val b,
				  const char *near)
{
	struct ir_insn *in = lower__emit(l, IR_BIN);

	in->op = op;
	in->a = a;
	in->b = b;
	in->dst = new_reg(l, IRT_LONG);
	if (op == OP_DIV || op == OP_MOD)
		in->near = near;
	return ir__reg(in->dst);
}

static bool is_shift(enum op op)
{
	return op == OP_SHL || op == OP_SHR || op == OP_LSHR;
}

/* a op c for a count c in 0..63 */
static int64_t shift_value(enum op op, int64_t a, int64_t c)
{
	switch (op) {
	case OP_SHL: return (int64_t)((uint64_t)a << c);
	case OP_SHR: return a >> c;
	default: return (int64_t)((uint64_t)a >> c);
	}
}

/* a << b, a >> b (arithmetic), a >>> b (logical), with stap's counts:
 * stap clamps the count to 0..64, and a 64-bit shift by 64 leaves the
 * value as it is on the machines stap runs on (x86-64 and arm64 take
 * the count mod 64), so a count outside 0..63 leaves a unchanged.  The
 * IR shifts take counts mod 64, so a count in a register is guarded,
 * without a branch:
 *   s = a op (b & 63);  ok = (b & -64) == 0;  r = a ^ ((a ^ s) & -ok) */
static struct ir_val emit_shift(struct lower *l, enum op op, struct ir_val a,
				struct ir_val b)
{
	struct ir_val s, t, ok, m;
	struct ir_insn *in;

	if (b.kind == IRV_IMM) {
		if (b.imm <= 0 || b.imm > 63)
			return a;
		if (a.kind == IRV_IMM)
			return ir__imm(shift_value(op, a.imm, b.imm));
		return emit_raw_bin(l, op, a, b, NULL);
	}
	t = emit_raw_bin(l, OP_BAND, b, ir__imm(63), NULL);
	s = emit_raw_bin(l, op, a, t, NULL);
	t = emit_raw_bin(l, OP_BAND, b, ir__imm(-64), NULL);
	in = lower__emit(l, IR_CMP);
	in->op = OP_EQ;
	in->a = t;
	in->b = ir__imm(0);
	in->dst = new_reg(l, IRT_LONG);
	ok = ir__reg(in->dst);
	in = lower__emit(l, IR_UN);
	in->op = OP_NEG;
	in->a = ok;
	in->dst = new_reg(l, IRT_LONG);
	m = ir__reg(in->dst);
	t = emit_raw_bin(l, OP_BXOR, a, s, NULL);
	t = emit_raw_bin(l, OP_BAND, t, m, NULL);
	return emit_raw_bin(l, OP_BXOR, a, t, NULL);
}

static struct ir_val emit_bin(struct lower *l, enum op op, struct ir_val a,
			      struct ir_val b, const char *near)
{
	if (is_shift(op))
		return emit_shift(l, op, a, b);
	return emit_raw_bin(l, op, a, b, near);
}

static struct ir_val emit_concat(struct lower *l, struct ir_val a,
				 struct ir_val b)
{
	struct ir_insn *in = lower__emit(l, IR_CONCAT);

	in->a = a;
	in->b = b;
	in->dst = new_reg(l, IRT_STR);
	return ir__reg(in->dst);
}

/* expr binop expr  (arithmetic, bitwise, '.') */
static struct ir_val lower_binary(struct lower *l, struct expr *e)
{
	struct ir_val a = lower__expr(l, e->a, true);
	struct ir_val b = lower__expr(l, e->b, true);

	if (e->op == OP_CONCAT)
		return emit_concat(l, a, b);
	/* fold constants the way the kernel would compute them */
	if (a.kind == IRV_IMM && b.kind == IRV_IMM) {
		uint64_t x = (uint64_t)a.imm, y = (uint64_t)b.imm;

		switch (e->op) {
		case OP_ADD: return ir__imm((int64_t)(x + y));
		case OP_SUB: return ir__imm((int64_t)(x - y));
		case OP_MUL: return ir__imm((int64_t)(x * y));
		case OP_BAND: return ir__imm((int64_t)(x & y));
		case OP_BOR: return ir__imm((int64_t)(x | y));
		case OP_BXOR: return ir__imm((int64_t)(x ^ y));
		default: break;
		}
	}
	return emit_bin(l, e->op, a, b, lower__near(l, e));
}

/* unop expr */
static struct ir_val lower_unary(struct lower *l, struct expr *e)
{
	struct ir_val a;
	struct ir_insn *in;

	if (e->op == OP_ADDR) {
		lower__unsupported(l, &e->loc, "'&' of a target variable");
		return ir__imm(0);
	}
	a = lower__expr(l, e->a, true);
	if (e->op == OP_PLUS)
		return a;
	if (a.kind == IRV_IMM) {
		if (e->op == OP_NEG)
			return ir__imm((int64_t)(0 - (uint64_t)a.imm));
		if (e->op == OP_BNOT)
			return ir__imm(~a.imm);
		if (e->op == OP_NOT)
			return ir__imm(!a.imm);
	}
	in = lower__emit(l, IR_UN);
	in->op = e->op;
	in->a = a;
	in->dst = new_reg(l, IRT_LONG);
	return ir__reg(in->dst);
}

/* expr cmpop expr  (numbers or strings) */
static struct ir_val lower_compare(struct lower *l, struct expr *e)
{
	struct ir_val a = lower__expr(l, e->a, true);
	struct ir_val b = lower__expr(l, e->b, true);
	bool str = e->a->type == TY_STRING || e->b->type == TY_STRING;
	struct ir_insn *in = lower__emit(l, str ? IR_STRCMP : IR_CMP);

	in->op = e->op;
	in->a = a;
	in->b = b;
	in->dst = new_reg(l, IRT_LONG);
	return ir__reg(in->dst);
}

/* expr && expr | expr || expr  (short circuit; the value is 0 or 1) */
static struct ir_val lower_logical(struct lower *l, struct expr *e)
{
	int r = new_reg(l, IRT_LONG);
	struct ir_block *rhs = lower__block(l), *done = lower__block(l);
	struct ir_insn *in;
	struct ir_val v = lower__expr(l, e->a, true);

	in = lower__emit(l, IR_CMP);
	in->op = OP_NE;
	in->a = v;
	in->b = ir__imm(0);
	in->dst = r;
	if (e->op == OP_LAND)
		lower__br(l, ir__reg(r), rhs, done);
	else
		lower__br(l, ir__reg(r), done, rhs);
	lower__set_block(l, rhs);
	v = lower__expr(l, e->b, true);
	in = lower__emit(l, IR_CMP);
	in->op = OP_NE;
	in->a = v;
	in->b = ir__imm(0);
	in->dst = r;
	lower__jmp(l, done);
	lower__set_block(l, done);
	return ir__reg(r);
}

/* expr =~ "regex" | expr !~ "regex" */
static struct ir_val lower_regex(struct lower *l, struct expr *e)
{
	struct ir_insn *in;
	int r;

	if (!e->b || e->b->kind != EX_STR) {
		diag__error(l->s, e->b ? &e->b->loc : &e->loc,
			    "semantic error", "the right side of '%s' must "
			    "be a string literal", op__spelling(e->op));
		return ir__imm(0);
	}
	r = lower__reg(l, e->a);
	in = lower__emit(l, IR_REGEX);
	in->a = ir__reg(r);
	in->imm = ir__strtab(l->p, e->b->str);
	in->dst = r = new_reg(l, IRT_LONG);
	in->near = lower__near(l, e);
	if (e->op == OP_NMATCH) {
		in = lower__emit(l, IR_UN);
		in->op = OP_NOT;
		in->a = ir__reg(r);
		in->dst = r = new_reg(l, IRT_LONG);
	}
	return ir__reg(r);
}

/* expr ? expr : expr */
static struct ir_val lower_ternary(struct lower *l, struct expr *e)
{
	enum ir_type t = lower__type(e->type);
	int r = new_reg(l, t == IRT_NONE ? IRT_LONG : t);
	struct ir_block *bt = lower__block(l), *bf = lower__block(l);
	struct ir_block *done = lower__block(l);
	struct ir_insn *in;
	struct ir_val v;

	lower__br(l, lower__expr(l, e->a, true), bt, bf);
	lower__set_block(l, bt);
	v = lower__expr(l, e->b, true);
	in = lower__emit(l, IR_MOV);
	in->a = v;
	in->dst = r;
	lower__jmp(l, done);
	lower__set_block(l, bf);
	v = lower__expr(l, e->c, true);
	in = lower__emit(l, IR_MOV);
	in->a = v;
	in->dst = r;
	lower__jmp(l, done);
	lower__set_block(l, done);
	return ir__reg(r);
}

/* ---- assignments -------------------------------------------------------- */

/* stat <<< expr  (scalar statistic or element of a statistics array) */
static struct ir_val lower_statacc(struct lower *l, struct expr *e)
{
	struct expr *lhs = e->a;
	struct expr *sym = lhs->kind == EX_INDEX ? lhs->a : lhs;
	struct ir_map *m = sym && sym->kind == EX_SYM ? lower__map(l, sym)
						       : NULL;
	struct ir_insn *in;
	struct ir_val *keys = NULL;
	struct ir_val v;

	if (!m)
		return ir__imm(0);
	if (m->kind != IRM_STATS) {
		diag__error(l->s, &e->loc, "semantic error",
			    "'<<<' needs a statistic; '%s' is an array",
			    sym->str);
		return ir__imm(0);
	}
	if (lhs->kind == EX_INDEX)
		keys = lower__keys(l, &lhs->args, false);
	v = lower__expr(l, e->b, true);
	in = lower__emit(l, IR_STAT_ADD);
	in->map = m;
	in->args = keys;
	in->nargs = lhs->kind == EX_INDEX ? lhs->args.n : 0;
	in->a = v;
	in->near = lower__near(l, e);
	return v;
}

/* lvalue = expr | lvalue op= expr */
static struct ir_val lower_assign(struct lower *l, struct expr *e, bool want)
{
	struct lval lv;
	struct ir_val v, old;

	if (e->op == OP_STATACC)
		return lower_statacc(l, e);
	if (lval_of(l, e->a, &lv))
		return ir__imm(0);
	if (e->op == OP_ASSIGN) {
		v = lower__expr(l, e->b, true);
		if (lv.type == IRT_STR)
			v = ir__reg(to_reg(l, v));
		lval_store(l, &lv, v);
		return v;
	}
	/* a[k] += v, value unused: one atomic add */
	if (!want && lv.kind == LV_ELEM && lv.type == IRT_LONG &&
	    (e->op == OP_ADD || e->op == OP_SUB)) {
		struct ir_insn *in;

		v = lower__expr(l, e->b, true);
		if (e->op == OP_SUB)
			v = emit_bin(l, OP_SUB, ir__imm(0), v, NULL);
		in = lower__emit(l, IR_MAP_ADD);
		in->map = lv.map;
		in->args = lv.keys;
		in->nargs = lv.nkeys;
		in->a = v;
		in->near = lower__near(l, e->a);
		in->loc = e->a->loc;	/* "near identifier 'a'" points at a */
		return v;
	}
	/* stap's order: the keys (lval_of), the value, then the read,
	 * so a function in the value that changes lvalue is seen */
	v = lower__expr(l, e->b, true);
	if (lv.type == IRT_STR)
		v = ir__reg(to_reg(l, v));
	old = lval_load(l, &lv);
	if (e->op == OP_CONCAT)
		v = emit_concat(l, old, v);
	else
		v = emit_bin(l, e->op, old, v, lower__near(l, e));
	lval_store(l, &lv, v);
	return v;
}

/* ++lvalue | --lvalue | lvalue++ | lvalue-- */
static struct ir_val lower_incdec(struct lower *l, struct expr *e, bool want)
{
	struct lval lv;
	struct ir_val old, v;
	int64_t d = e->op == OP_INC ? 1 : -1;

	if (lval_of(l, e->a, &lv))
		return ir__imm(0);
	if (!want && lv.kind == LV_ELEM) {
		struct ir_insn *in = lower__emit(l, IR_MAP_ADD);

		in->map = lv.map;
		in->args = lv.keys;
		in->nargs = lv.nkeys;
		in->a = ir__imm(d);
		in->near = lower__near(l, e->a);
		in->loc = e->a->loc;	/* "near identifier 'a'" points at a */
		return ir__imm(0);
	}
	old = lval_load(l, &lv);
	v = emit_bin(l, OP_ADD, old, ir__imm(d), NULL);
	lval_store(l, &lv, v);
	return e->postfix ? old : v;
}

/* '[' keys ']' in array | key in array */
static struct ir_val lower_in(struct lower *l, struct expr *e)
{
	struct ir_map *m = lower__map(l, e->a);
	struct ir_insn *in;
	struct ir_val *keys;

	if (!m)
		return ir__imm(0);
	if (e->args.n != m->nkeys) {
		diag__error(l->s, &e->loc, "semantic error",
			    "array '%s' takes %d index expressions, not %d",
			    e->a->str, m->nkeys, e->args.n);
		return ir__imm(0);
	}
	keys = lower__keys(l, &e->args, true);
	in = lower__emit(l, IR_MAP_EXISTS);
	in->map = m;
	in->args = keys;
	in->nargs = e->args.n;
	in->dst = new_reg(l, IRT_LONG);
	return ir__reg(in->dst);
}

/* '@' statop '(' stat ')' | '@' statop '(' stats '[' keys ']' ')' */
static struct ir_val lower_statop(struct lower *l, struct expr *e)
{
	struct expr *x = e->a;
	struct expr *sym = x && x->kind == EX_INDEX ? x->a : x;
	struct ir_map *m;
	struct ir_insn *in;
	struct ir_val *keys = NULL;

	if (!sym || sym->kind != EX_SYM) {
		diag__error(l->s, &e->loc, "semantic error",
			    "@%s needs a statistic", statop__name(e->statop));
		return ir__imm(0);
	}
	m = lower__map(l, sym);
	if (!m)
		return ir__imm(0);
	if (m->kind != IRM_STATS) {
		diag__error(l->s, &e->loc, "semantic error",
			    "@%s needs a statistic; '%s' is not one",
			    statop__name(e->statop), sym->str);
		return ir__imm(0);
	}
	if (x->kind == EX_INDEX)
		keys = lower__keys(l, &x->args, false);
	in = lower__emit(l, IR_STAT_GET);
	in->statop = e->statop;
	in->map = m;
	in->args = keys;
	in->nargs = x->kind == EX_INDEX ? x->args.n : 0;
	in->dst = new_reg(l, IRT_LONG);
	in->near = lower__near(l, e);	/* stap: "near operator '@max'" */
	return ir__reg(in->dst);
}

/* ---- calls -------------------------------------------------------------- */

/* The printf format of print-family arguments: "%d" / "%s" each, delim
 * between them (a literal, '%' doubled; NULL: none), "\n" at the end when
 * ln.  Types go to types[]. */
static char *print_format(struct lower *l, struct vec *args, int first,
			  const char *delim, bool ln, enum ir_type *types)
{
	struct arena *a = &l->s->arena;
	char *fmt = "";
	char *d = "";

	if (delim) {
		size_t n = strlen(delim), j = 0;

		d = arena__alloc(a, 2 * n + 1);
		for (size_t i = 0; i < n; i++) {
			if (delim[i] == '%')
				d[j++] = '%';
			d[j++] = delim[i];
		}
	}
	for (int i = first; i < args->n; i++) {
		struct expr *x = vec_at(args, i);

		types[i - first] = lower__type(x->type);
		fmt = arena__printf(a, "%s%s%s", fmt, i > first ? d : "",
				    x->type == TY_STRING ? "%s" : "%d");
	}
	if (ln)
		fmt = arena__printf(a, "%s\n", fmt);
	return fmt;
}

static struct ir_val *lower_args(struct lower *l, struct vec *args,
				 int first)
{
	struct ir_val *v = arena__alloc(&l->s->arena,
					sizeof(*v) * (size_t)(args->n + 1));

	for (int i = first; i < args->n; i++)
		v[i - first] = lower__expr(l, vec_at(args, i), true);
	return v;
}

/* print(@hist_log(x)) | print(@hist_linear(x, lo, hi, step)) */
static void lower_print_hist(struct lower *l, struct expr *h, bool ln)
{
	struct expr *x = h->a;
	struct expr *sym = x && x->kind == EX_INDEX ? x->a : x;
	struct ir_map *m = sym && sym->kind == EX_SYM ? lower__map(l, sym)
						       : NULL;
	struct ir_insn *in;
	struct ir_val *keys = NULL;

	if (!m)
		return;
	if (m->kind != IRM_STATS || m->hist == IRH_NONE) {
		diag__error(l->s, &h->loc, "semantic error",
			    "@%s needs a statistic with a histogram",
			    statop__name(h->statop));
		return;
	}
	if ((h->statop == SO_HIST_LOG) != (m->hist == IRH_LOG)) {
		diag__error(l->s, &h->loc, "semantic error",
			    "statistic '%s' has a %s histogram, not @%s",
			    sym->str, m->hist == IRH_LOG ? "log" : "linear",
			    statop__name(h->statop));
		return;
	}
	if (x->kind == EX_INDEX)
		keys = lower__keys(l, &x->args, false);
	in = lower__emit(l, IR_PRINT_HIST);
	in->map = m;
	in->args = keys;
	in->nargs = x->kind == EX_INDEX ? x->args.n : 0;
	in->near = lower__near(l, sym);
	if (ln) {
		in = lower__emit(l, IR_PRINTF);
		in->fmt = ir__format(l->p, "\n", 0, NULL);
	}
}

/* print(args) println(args) printd(delim, args) printdln(delim, args)
 * sprint(args) sprintln(args) printf(fmt, args) sprintf(fmt, args) */
static struct ir_val lower_print(struct lower *l, struct expr *e,
				 const char *name)
{
	bool s = name[0] == 's';
	const char *base = s ? name + 1 : name;
	bool ln = strstr(base, "ln") != NULL;
	bool is_printf = !strcmp(base, "printf");
	bool is_printd = !strncmp(base, "printd", 6);
	int first = is_printf || is_printd ? 1 : 0;
	int n = e->args.n - first;
	enum ir_type *types = arena__alloc(&l->s->arena,
					   sizeof(*types) * (size_t)(e->args.n + 1));
	const char *fmt;
	struct ir_val *args;
	struct ir_insn *in;

	if (e->args.n < first || (is_printf && n < 0)) {
		diag__error(l->s, &e->loc, "semantic error",
			    "%s needs a format argument", name);
		return ir__imm(0);
	}
	if (!s && (!strcmp(base, "print") || !strcmp(base, "println")) &&
	    e->args.n == 1 &&
	    ((struct expr *)vec_at(&e->args, 0))->kind == EX_HIST) {
		lower_print_hist(l, vec_at(&e->args, 0), ln);
		return ir__imm(0);
	}
	if (is_printf) {
		struct expr *f = vec_at(&e->args, 0);

		if (f->kind != EX_STR) {
			diag__error(l->s, &f->loc, "semantic error",
				    "the format of %s must be a string "
				    "literal", name);
			return ir__imm(0);
		}
		for (int i = 1; i < e->args.n; i++)
			types[i - 1] = lower__type(((struct expr *)
					vec_at(&e->args, i))->type);
		fmt = f->str;
		args = lower_args(l, &e->args, 1);
	} else if (is_printd) {
		struct expr *d = vec_at(&e->args, 0);

		if (d->kind == EX_STR) {
			fmt = print_format(l, &e->args, 1, d->str, ln, types);
			args = lower_args(l, &e->args, 1);
		} else {
			/* a computed delimiter: pass it as "%s" each time */
			struct ir_val dv = ir__reg(lower__reg(l, d));
			struct ir_val *v;
			char *f2 = "";

			n = e->args.n - 1;
			v = arena__alloc(&l->s->arena,
					 sizeof(*v) * (size_t)(2 * n + 1));
			types = arena__alloc(&l->s->arena,
					     sizeof(*types) * (size_t)(2 * n + 1));
			int k = 0;

			for (int i = 1; i < e->args.n; i++) {
				struct expr *x = vec_at(&e->args, i);

				if (i > 1) {
					f2 = arena__printf(&l->s->arena,
							   "%s%%s", f2);
					types[k] = IRT_STR;
					v[k++] = dv;
				}
				f2 = arena__printf(&l->s->arena, "%s%s", f2,
						   x->type == TY_STRING ?
						   "%s" : "%d");
				types[k] = lower__type(x->type);
				v[k++] = lower__expr(l, x, true);
			}
			if (ln)
				f2 = arena__printf(&l->s->arena, "%s\n", f2);
			fmt = f2;
			args = v;
			n = k;
		}
	} else {
		fmt = print_format(l, &e->args, 0, NULL, ln, types);
		args = lower_args(l, &e->args, 0);
	}
	for (int i = 0; i < n; i++)
		if (types[i] == IRT_NONE) {
			diag__error(l->s, &e->loc, "semantic error",
				    "argument %d of %s has no printable type",
				    i + 1, name);
			return ir__imm(0);
		}
	in = lower__emit(l, s ? IR_SPRINTF : IR_PRINTF);
	in->fmt = ir__format(l->p, fmt, n, types);
	in->args = args;
	in->nargs = n;
	if (s) {
		in->dst = new_reg(l, IRT_STR);
		return ir__reg(in->dst);
	}
	return ir__imm(0);
}

static bool is_print_family(const char *n)
{
	static const char *const names[] = {
		"print", "println", "printd", "printdln", "printf",
		"sprint", "sprintln", "sprintf", NULL,
	};

	for (int i = 0; names[i]; i++)
		if (!strcmp(n, names[i]))
			return true;
	return false;
}

/* name '(' args ')' */
static struct ir_val lower_call(struct lower *l, struct expr *e)
{
	struct ir_insn *in;
	struct ir_val *args;

	if (e->fn) {
		struct ir_func *callee = lower__func_of(l->p, e->fn);

		if (!callee) {
			diag__error(l->s, &e->loc, "semantic error",
				    "function '%s' was not lowered", e->str);
			return ir__imm(0);
		}
		if (e->fn->embedded && !e->fn->body) {
			lower__unsupported(l, &e->loc,
					   "a function with embedded C code");
			return ir__imm(0);
		}
		args = lower_args(l, &e->args, 0);
		in = lower__emit(l, IR_CALL);
		in->fn = callee;
		in->args = args;
		in->nargs = e->args.n;
		in->near = lower__near(l, e);
		if (callee->ret != IRT_NONE)
			in->dst = new_reg(l, callee->ret);
		return in->dst >= 0 ? ir__reg(in->dst) : ir__imm(0);
	}
	if (is_print_family(e->str))
		return lower_print(l, e, e->str);
	if (!strcmp(e->str, "exit") && e->args.n == 0) {
		lower__emit(l, IR_EXIT);
		return ir__imm(0);
	}
	if (!strcmp(e->str, "error") && e->args.n == 1) {
		int m = lower__reg(l, vec_at(&e->args, 0));

		in = lower__emit(l, IR_ERROR);
		in->a = ir__reg(m);
		in->near = lower__near(l, e);
		return ir__imm(0);
	}
	if (!e->builtin) {
		diag__error(l->s, &e->loc, "semantic error",
			    "unresolved function call '%s'", e->str);
		return ir__imm(0);
	}
	args = lower_args(l, &e->args, 0);
	in = lower__emit(l, IR_BUILTIN);
	in->builtin = e->builtin;
	in->callee = e->str;
	in->args = args;
	in->nargs = e->args.n;
	in->near = lower__near(l, e);
	if (lower__type(e->type) != IRT_NONE)
		in->dst = new_reg(l, lower__type(e->type));
	return in->dst >= 0 ? ir__reg(in->dst) : ir__imm(0);
}

/* ---- dispatch ----------------------------------------------------------- */

struct ir_val lower__expr(struct lower *l, struct expr *e, bool want)
{
	struct loc saved = l->loc;
	struct ir_val v = ir__imm(0);

	l->loc = e->loc;
	switch (e->kind) {
	case EX_NUM:
		v = ir__imm(e->num);
		break;
	case EX_STR:
		v = ir__reg(lower__strconst(l, e->str));
		break;
	case EX_SYM:
		v = lower_sym(l, e);
		break;
	case EX_INDEX:
		v = lower_index(l, e);
		break;
	case EX_CALL:
		v = lower_call(l, e);
		break;
	case EX_UNARY:
		v = lower_unary(l, e);
		break;
	case EX_BINARY:
		v = lower_binary(l, e);
		break;
	case EX_LOGICAL:
		v = lower_logical(l, e);
		break;
	case EX_COMPARE:
		v = lower_compare(l, e);
		break;
	case EX_REGEX:
		v = lower_regex(l, e);
		break;
	case EX_TERNARY:
		v = lower_ternary(l, e);
		break;
	case EX_ASSIGN:
		v = lower_assign(l, e, want);
		break;
	case EX_INCDEC:
		v = lower_incdec(l, e, want);
		break;
	case EX_IN:
		v = lower_in(l, e);
		break;
	case EX_STATOP:
		v = lower_statop(l, e);
		break;
	case EX_DEFINED:
		v = ir__imm(e->num);
		break;
	case EX_HIST:
		diag__error(l->s, &e->loc, "semantic error",
			    "@%s can only be printed: print(@%s(...))",
			    statop__name(e->statop), statop__name(e->statop));
		break;
	case EX_WILD:
		diag__error(l->s, &e->loc, "semantic error",
			    "'*' is only allowed in an array slice");
		break;
	case EX_TARGET:
		if (e->target) {
			v = lower__ctx(l, e);
			break;
		}
		lower__unsupported(l, &e->loc, "target variable '$...'");
		break;
	case EX_CAST:
		lower__unsupported(l, &e->loc, "@cast");
		break;
	case EX_VARAT:
		lower__unsupported(l, &e->loc, "@var");
		break;
	case EX_ENTRY:
		lower__unsupported(l, &e->loc, "@entry");
		break;
	case EX_PERF:
		lower__unsupported(l, &e->loc, "@perf");
		break;
	case EX_EMBEDDED:
		lower__unsupported(l, &e->loc, "embedded C code");
		break;
	}
	/* strings live in registers; an immediate is a long */
	if (v.kind == IRV_IMM && lower__type(e->type) == IRT_STR)
		v = zero_of(l, IRT_STR);
	l->loc = saved;
	return v;
}
