/* irverify.c - IR well-formedness: an internal assertion after lowering.
 *
 * A failure is a bstap bug: it is reported as "internal error" with the
 * function, block and script position, and pass 3 fails cleanly.
 * Checked: every block ends in exactly one terminator and has none
 * before; jump and catch targets exist; vregs, slots, globals and maps
 * are in range; every operand has the type its opcode wants; keys match
 * the map's columns; printf arguments match their format; calls match
 * their callee; regions belong to the owner that runs them.
 */
#include <errno.h>
#include <stdarg.h>

#include "ir.h"
#include "session.h"

struct check {
	struct session *s;
	const struct ir_program *p;
	const struct ir_func *f;
	const struct ir_block *b;
	const struct ir_insn *in;
	int errors;
};

__attribute__((format(printf, 2, 3)))
static void bad(struct check *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->errors++ >= 10)
		return;
	if (c->p->origin) {		/* read from a saved object */
		if (c->errors == 1)
			diag__plain(c->s, "%s: the saved program is "
				    "inconsistent in %s: %s", c->p->origin,
				    c->f->name ? c->f->name : "?", msg);
		return;
	}
	if (c->in && c->in->loc.src)
		diag__plain(c->s, "internal error: IR check failed in %s, "
			    "b%d (%s:%d:%d): %s; this is a bstap bug",
			    c->f->name, c->b ? c->b->id : -1,
			    c->in->loc.src->name, c->in->loc.line,
			    c->in->loc.col, msg);
	else
		diag__plain(c->s, "internal error: IR check failed in %s, "
			    "b%d: %s; this is a bstap bug", c->f->name,
			    c->b ? c->b->id : -1, msg);
}

static const struct ir_func *owner(const struct ir_func *f)
{
	return f->region_of ? f->region_of : f;
}

/* The type of operand v; IRT_NONE for IRV_NONE. */
static enum ir_type vtype(struct check *c, struct ir_val v)
{
	if (v.kind == IRV_IMM)
		return IRT_LONG;
	if (v.kind != IRV_REG)
		return IRT_NONE;
	if (v.reg < 0 || v.reg >= c->f->nregs) {
		bad(c, "vreg r%d out of range", v.reg);
		return IRT_NONE;
	}
	return c->f->reg_types[v.reg];
}

static void want(struct check *c, struct ir_val v, enum ir_type t,
		 const char *what)
{
	enum ir_type have = vtype(c, v);

	if (have != t)
		bad(c, "%s: operand of type %d where %d is wanted", what,
		    (int)have, (int)t);
}

static void want_dst(struct check *c, enum ir_type t)
{
	const struct ir_insn *in = c->in;

	if (in->dst < 0 || in->dst >= c->f->nregs) {
		bad(c, "missing or out of range dst r%d", in->dst);
		return;
	}
	if (t != IRT_NONE && c->f->reg_types[in->dst] != t)
		bad(c, "dst r%d has type %d, the opcode makes %d", in->dst,
		    (int)c->f->reg_types[in->dst], (int)t);
}

static enum ir_type slot_type(struct check *c, int slot)
{
	const struct ir_func *o = owner(c->f);

	if (slot < 0 || slot >= o->slots.n) {
		bad(c, "slot %%%d out of range", slot);
		return IRT_NONE;
	}
	return ((const struct ir_slot *)vec_at(&o->slots, slot))->type;
}

static enum ir_type global_type(struct check *c, int gid)
{
	if (gid < 0 || gid >= c->p->globals.n) {
		bad(c, "global g%d out of range", gid);
		return IRT_NONE;
	}
	return ((const struct ir_global *)vec_at(&c->p->globals, gid))->type;
}

static void check_keys(struct check *c, bool wild_ok)
{
	const struct ir_insn *in = c->in;
	const struct ir_map *m = in->map;

	if (!m) {
		bad(c, "map operation without a map");
		return;
	}
	if (in->nargs != m->nkeys) {
		bad(c, "%d keys for map %s of %d columns", in->nargs,
		    m->name, m->nkeys);
		return;
	}
	for (int i = 0; i < in->nargs; i++) {
		if (in->args[i].kind == IRV_NONE) {
			if (!wild_ok)
				bad(c, "'*' key where none is allowed");
			continue;
		}
		want(c, in->args[i], m->key_types[i], "key");
	}
}

static void check_target(struct check *c, int id)
{
	if (id < 0 || id >= c->f->blocks.n)
		bad(c, "jump to missing block b%d", id);
}

static void check_region(struct check *c)
{
	const struct ir_func *r = c->in->fn;

	if (!r || r->kind != IRF_REGION)
		bad(c, "loop without a region");
	else if (r->region_of != owner(c->f))
		bad(c, "region %s belongs to another function", r->name);
	want_dst(c, IRT_LONG);
}

static void check_call(struct check *c)
{
	const struct ir_insn *in = c->in;
	const struct ir_func *g = in->fn;

	if (!g || g->kind != IRF_FUNCTION) {
		bad(c, "call of something that is not a function");
		return;
	}
	if (in->nargs != g->nparams) {
		bad(c, "%d arguments to %s of %d parameters", in->nargs,
		    g->name, g->nparams);
		return;
	}
	for (int i = 0; i < in->nargs; i++)
		want(c, in->args[i], ((const struct ir_slot *)
				      vec_at(&g->slots, i))->type, "argument");
	if (g->ret != IRT_NONE)
		want_dst(c, g->ret);
}

static void check_printf(struct check *c)
{
	const struct ir_insn *in = c->in;

	if (!in->fmt) {
		bad(c, "printf without a format");
		return;
	}
	if (in->nargs != in->fmt->nargs) {
		bad(c, "%d arguments for a format of %d", in->nargs,
		    in->fmt->nargs);
		return;
	}
	for (int i = 0; i < in->nargs; i++)
		want(c, in->args[i], in->fmt->arg_types[i], "printf argument");
	if (in->opc == IR_SPRINTF)
		want_dst(c, IRT_STR);
}

static void check_ret(struct check *c)
{
	const struct ir_insn *in = c->in;

	if (c->f->kind == IRF_REGION) {
		if (in->imm < IRR_CONTINUE || in->imm > IRR_NEXT)
			bad(c, "region returns code %lld", (long long)in->imm);
	} else if (c->f->kind == IRF_FUNCTION && c->f->ret != IRT_NONE) {
		want(c, in->a, c->f->ret, "return value");
	}
}

static void check_insn(struct check *c)
{
	const struct ir_insn *in = c->in;

	if (ir__may_fault(in) && in->on_error >= 0)
		check_target(c, in->on_error);
	switch (in->opc) {
	case IR_MOV:
		want_dst(c, IRT_NONE);
		if (in->dst >= 0 && in->dst < c->f->nregs)
			want(c, in->a, c->f->reg_types[in->dst], "mov");
		break;
	case IR_CONST:
		want_dst(c, IRT_LONG);
		break;
	case IR_STRCONST:
		want_dst(c, IRT_STR);
		if (in->imm < 0 || in->imm >= c->p->strtab.n)
			bad(c, "string s%lld out of range", (long long)in->imm);
		break;
	case IR_BIN:
	case IR_CMP:
		want(c, in->b, IRT_LONG, "right operand");
		/* fall through */
	case IR_UN:
		want(c, in->a, IRT_LONG, "operand");
		want_dst(c, IRT_LONG);
		break;
	case IR_STRCMP:
		want(c, in->a, IRT_STR, "left string");
		want(c, in->b, IRT_STR, "right string");
		want_dst(c, IRT_LONG);
		break;
	case IR_CONCAT:
		want(c, in->a, IRT_STR, "left string");
		want(c, in->b, IRT_STR, "right string");
		want_dst(c, IRT_STR);
		break;
	case IR_REGEX:
		want(c, in->a, IRT_STR, "regex subject");
		want_dst(c, IRT_LONG);
		break;
	case IR_ERRMSG:
		want_dst(c, IRT_STR);
		break;
	case IR_LOAD_LOCAL:
		want_dst(c, slot_type(c, in->slot));
		break;
	case IR_STORE_LOCAL:
		want(c, in->a, slot_type(c, in->slot), "stored value");
		break;
	case IR_LOAD_GLOBAL:
		want_dst(c, global_type(c, in->gid));
		break;
	case IR_STORE_GLOBAL:
		want(c, in->a, global_type(c, in->gid), "stored value");
		break;
	case IR_MAP_GET:
		check_keys(c, false);
		if (in->map)
			want_dst(c, in->map->val_type);
		break;
	case IR_MAP_SET:
		check_keys(c, false);
		if (in->map)
			want(c, in->a, in->map->val_type, "stored value");
		break;
	case IR_MAP_ADD:
		check_keys(c, false);
		want(c, in->a, IRT_LONG, "added value");
		break;
	case IR_MAP_DELETE:
		check_keys(c, true);
		break;
	case IR_MAP_CLEAR:
		if (!in->map)
			bad(c, "map_clear without a map");
		break;
	case IR_MAP_EXISTS:
		check_keys(c, true);
		want_dst(c, IRT_LONG);
		break;
	case IR_STAT_ADD:
	case IR_STAT_GET:
	case IR_PRINT_HIST:
		check_keys(c, false);
		if (in->map && in->map->kind != IRM_STATS)
			bad(c, "statistic operation on map %s", in->map->name);
		if (in->opc == IR_STAT_ADD)
			want(c, in->a, IRT_LONG, "statistic value");
		if (in->opc == IR_STAT_GET)
			want_dst(c, IRT_LONG);
		if (in->opc == IR_PRINT_HIST && in->map &&
		    in->map->hist == IRH_NONE)
			bad(c, "print_hist of %s without histogram",
			    in->map->name);
		break;
	case IR_CALL:
		check_call(c);
		break;
	case IR_BUILTIN:
		if (!in->callee)
			bad(c, "builtin without a name");
		for (int i = 0; i < in->nargs; i++)
			vtype(c, in->args[i]);
		break;
	case IR_PRINTF:
	case IR_SPRINTF:
		check_printf(c);
		break;
	case IR_EXIT:
	case IR_CTX:
		break;
	case IR_ERROR:
		want(c, in->a, IRT_STR, "error message");
		break;
	case IR_LOOP:
		check_region(c);
		break;
	case IR_FOREACH:
		check_region(c);
		if (in->map) {
			for (int i = 0; i < in->map->nkeys; i++)
				if (slot_type(c, in->key_slots[i]) !=
				    in->map->key_types[i])
					bad(c, "foreach key %d type", i + 1);
			if (in->nargs)
				check_keys(c, true);
			if (in->val_slot >= 0 &&
			    slot_type(c, in->val_slot) != in->map->val_type)
				bad(c, "foreach value type");
		} else {
			bad(c, "foreach without a map");
		}
		if (in->a.kind != IRV_NONE)
			want(c, in->a, IRT_LONG, "limit");
		break;
	case IR_JMP:
		check_target(c, in->target);
		break;
	case IR_BR:
		want(c, in->a, IRT_LONG, "branch condition");
		check_target(c, in->target);
		check_target(c, in->target2);
		break;
	case IR_RET:
		check_ret(c);
		break;
	}
}

static void check_func(struct check *c, const struct ir_func *f)
{
	c->f = f;
	c->b = NULL;
	c->in = NULL;
	if (!f->blocks.n)
		bad(c, "function without blocks");
	if (f->kind == IRF_REGION && !f->region_of)
		bad(c, "region without an owner");
	vec_foreach(i, &f->blocks) {
		const struct ir_block *b = vec_at(&f->blocks, i);

		c->b = b;
		c->in = NULL;
		if (b->id != i)
			bad(c, "block numbered %d at index %d", b->id, i);
		if (!ir__terminator(b))
			bad(c, "block does not end in a terminator");
		vec_foreach(j, &b->insns) {
			c->in = vec_at(&b->insns, j);
			if (j < b->insns.n - 1 && (c->in->opc == IR_JMP ||
			    c->in->opc == IR_BR || c->in->opc == IR_RET))
				bad(c, "terminator before the end of a block");
			check_insn(c);
		}
	}
}

int ir__check(struct session *s, struct ir_program *p)
{
	struct check c = { .s = s, .p = p };

	vec_foreach(i, &p->funcs)
		check_func(&c, vec_at(&p->funcs, i));
	return c.errors ? -EINVAL : 0;
}
