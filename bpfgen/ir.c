/* ir.c - building IR: programs, functions, blocks, vregs, instructions. */
#include <string.h>

#include "ir.h"
#include "session.h"

struct ir_program *ir__new_program(struct session *s)
{
	struct ir_program *p = arena__alloc(&s->arena, sizeof(*p));

	p->s = s;
	p->maxstringlen = 128;
	p->maxmapentries = 2048;
	p->maxaction = 100000;
	return p;
}

struct ir_func *ir__new_func(struct ir_program *p, enum ir_func_kind kind,
			     const char *name)
{
	struct ir_func *f = arena__alloc(&p->s->arena, sizeof(*f));

	f->id = p->funcs.n;
	f->kind = kind;
	f->name = name;
	f->ret = IRT_NONE;
	f->ret_slot = -1;
	vec__push(&p->s->arena, &p->funcs, f);
	return f;
}

struct ir_block *ir__new_block(struct ir_program *p, struct ir_func *f)
{
	struct ir_block *b = arena__alloc(&p->s->arena, sizeof(*b));

	b->id = f->blocks.n;
	b->loc = f->loc;
	vec__push(&p->s->arena, &f->blocks, b);
	return b;
}

int ir__new_reg(struct ir_program *p, struct ir_func *f, enum ir_type t)
{
	if (f->nregs == f->reg_cap) {
		int cap = f->reg_cap ? f->reg_cap * 2 : 16;
		enum ir_type *nt = arena__alloc(&p->s->arena,
						sizeof(*nt) * (size_t)cap);

		if (f->nregs)
			memcpy(nt, f->reg_types,
			       sizeof(*nt) * (size_t)f->nregs);
		f->reg_types = nt;
		f->reg_cap = cap;
	}
	f->reg_types[f->nregs] = t;
	return f->nregs++;
}

int ir__new_slot(struct ir_program *p, struct ir_func *f, enum ir_type t,
		 struct vardecl *decl)
{
	struct ir_slot *sl = arena__alloc(&p->s->arena, sizeof(*sl));

	sl->type = t;
	sl->decl = decl;
	vec__push(&p->s->arena, &f->slots, sl);
	return f->slots.n - 1;
}

struct ir_insn *ir__emit(struct ir_program *p, struct ir_block *b,
			 enum ir_opcode opc)
{
	struct ir_insn *in = arena__alloc(&p->s->arena, sizeof(*in));

	in->opc = opc;
	in->dst = -1;
	in->slot = -1;
	in->gid = -1;
	in->target = -1;
	in->target2 = -1;
	in->on_error = -1;
	in->val_slot = -1;
	in->loc = b->loc;
	vec__push(&p->s->arena, &b->insns, in);
	return in;
}

int ir__strtab(struct ir_program *p, const char *str)
{
	vec_foreach(i, &p->strtab)
		if (strcmp(vec_at(&p->strtab, i), str) == 0)
			return i;
	vec__push(&p->s->arena, &p->strtab,
		  arena__strdup(&p->s->arena, str));
	return p->strtab.n - 1;
}

struct ir_format *ir__format(struct ir_program *p, const char *fmt,
			     int nargs, const enum ir_type *types)
{
	struct ir_format *f;

	vec_foreach(i, &p->formats) {
		f = vec_at(&p->formats, i);
		if (f->nargs == nargs && strcmp(f->fmt, fmt) == 0 &&
		    (!nargs || !memcmp(f->arg_types, types,
				       sizeof(*types) * (size_t)nargs)))
			return f;
	}
	f = arena__alloc(&p->s->arena, sizeof(*f));
	f->id = p->formats.n;
	f->fmt = arena__strdup(&p->s->arena, fmt);
	f->nargs = nargs;
	if (nargs) {
		f->arg_types = arena__alloc(&p->s->arena,
					    sizeof(*types) * (size_t)nargs);
		memcpy(f->arg_types, types, sizeof(*types) * (size_t)nargs);
	}
	vec__push(&p->s->arena, &p->formats, f);
	return f;
}

/* floor(log2 v) for v > 0 */
static int ilog2_u64(uint64_t v)
{
	int r = 0;

	while (v >>= 1)
		r++;
	return r;
}

int ir__hist_bucket(const struct ir_map *m, int64_t v)
{
	if (m->hist == IRH_LOG) {
		if (v == 0)
			return 64;
		if (v > 0)
			return 65 + ilog2_u64((uint64_t)v);
		/* -v as unsigned: INT64_MIN stays 2^63 */
		return 63 - ilog2_u64(-(uint64_t)v);
	}
	if (m->hist == IRH_LINEAR) {
		int64_t b;

		if (v < m->hist_lo)
			return 0;
		b = 1 + (int64_t)((uint64_t)(v - m->hist_lo) /
				  (uint64_t)m->hist_step);
		return b >= m->nbuckets - 1 ? m->nbuckets - 1 : (int)b;
	}
	return 0;
}

int64_t ir__hist_label(const struct ir_map *m, int b)
{
	if (m->hist == IRH_LOG) {
		if (b == 64)
			return 0;
		if (b > 64)
			return (int64_t)1 << (b - 65);
		return b == 0 ? INT64_MIN : -((int64_t)1 << (63 - b));
	}
	if (b == 0)
		return m->hist_lo;
	if (b == m->nbuckets - 1)
		return m->hist_lo + (int64_t)(b - 2) * m->hist_step;
	return m->hist_lo + (int64_t)(b - 1) * m->hist_step;
}

struct ir_val ir__reg(int reg)
{
	struct ir_val v = { .kind = IRV_REG, .reg = reg };

	return v;
}

struct ir_val ir__imm(int64_t imm)
{
	struct ir_val v = { .kind = IRV_IMM, .imm = imm };

	return v;
}

bool ir__may_fault(const struct ir_insn *in)
{
	switch (in->opc) {
	case IR_BIN:
		return in->op == OP_DIV || in->op == OP_MOD;
	case IR_STAT_GET:
		return in->statop != SO_COUNT && in->statop != SO_SUM;
	case IR_REGEX:
	case IR_MAP_SET:
	case IR_MAP_ADD:
	case IR_STAT_ADD:
	case IR_CALL:
	case IR_BUILTIN:
	case IR_PRINT_HIST:
	case IR_ERROR:
	case IR_LOOP:
	case IR_FOREACH:
		return true;
	default:
		return false;
	}
}

struct ir_insn *ir__terminator(const struct ir_block *b)
{
	struct ir_insn *in;

	if (!b->insns.n)
		return NULL;
	in = vec_at(&b->insns, b->insns.n - 1);
	if (in->opc == IR_JMP || in->opc == IR_BR || in->opc == IR_RET)
		return in;
	return NULL;
}
