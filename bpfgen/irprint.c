/* irprint.c - the -p3 listing of the IR.
 *
 *   program  := maps globals formats strings func*
 *   func     := 'func' name kind side ['returns' type] loc slots block*
 *   block    := 'b' N ':' insn*
 *   insn     := [dst ' = '] opcode operands ['[catch bN]'] '; file:line:col'
 *
 * e.g.  r5 = add r3, 7                     ; t.stp:3:12
 *       r6 = map_get @count[r1, r2]        ; t.stp:4:3
 * Deterministic: the same program prints the same text.
 */
#include <string.h>

#include "ir.h"

static const char *type_name(enum ir_type t)
{
	return t == IRT_LONG ? "long" : t == IRT_STR ? "string" : "none";
}

static int print_str(FILE *f, const char *s)
{
	int w = 2;

	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			w += fprintf(f, "\\%c", c);
		else if (c == '\n')
			w += fprintf(f, "\\n");
		else if (c == '\t')
			w += fprintf(f, "\\t");
		else if (c < 32 || c >= 127)
			w += fprintf(f, "\\%03o", c);
		else
			w += fprintf(f, "%c", c);
	}
	fputc('"', f);
	return w;
}

static const char *bin_name(enum op op)
{
	switch (op) {
	case OP_ADD: return "add";
	case OP_SUB: return "sub";
	case OP_MUL: return "mul";
	case OP_DIV: return "div";
	case OP_MOD: return "mod";
	case OP_SHL: return "shl";
	case OP_SHR: return "shr";
	case OP_LSHR: return "lshr";
	case OP_BAND: return "and";
	case OP_BOR: return "or";
	case OP_BXOR: return "xor";
	case OP_NEG: return "neg";
	case OP_NOT: return "not";
	case OP_BNOT: return "bnot";
	case OP_LT: return "lt";
	case OP_LE: return "le";
	case OP_GT: return "gt";
	case OP_GE: return "ge";
	case OP_EQ: return "eq";
	case OP_NE: return "ne";
	default: return op__spelling(op);
	}
}

static const char *kind_name(enum ir_map_kind k)
{
	switch (k) {
	case IRM_GLOBALS: return "globals";
	case IRM_ARRAY: return "array";
	case IRM_STATS: return "stats";
	case IRM_SCRATCH: return "scratch";
	case IRM_RINGBUF: return "ringbuf";
	}
	return "?";
}

static int val(FILE *f, struct ir_val v)
{
	switch (v.kind) {
	case IRV_REG: return fprintf(f, "r%d", v.reg);
	case IRV_IMM: return fprintf(f, "%lld", (long long)v.imm);
	default: return fprintf(f, "*");
	}
}

static int vals(FILE *f, const struct ir_val *v, int n)
{
	int w = 0;

	for (int i = 0; i < n; i++) {
		if (i)
			w += fprintf(f, ", ");
		w += val(f, v[i]);
	}
	return w;
}

/* @name[k1, k2] */
static int map_ref(FILE *f, const struct ir_insn *in)
{
	int w = fprintf(f, "@%s", in->map ? in->map->name : "?");

	if (in->nargs) {
		w += fprintf(f, "[");
		w += vals(f, in->args, in->nargs);
		w += fprintf(f, "]");
	}
	return w;
}

static int slot_ref(FILE *f, const struct ir_func *fn, int slot)
{
	const struct ir_func *o = fn->region_of ? fn->region_of : fn;
	const struct ir_slot *sl = slot >= 0 && slot < o->slots.n ?
				   vec_at(&o->slots, slot) : NULL;

	if (sl && sl->decl)
		return fprintf(f, "%%%d(%s)", slot, sl->decl->name);
	return fprintf(f, "%%%d", slot);
}

static int global_ref(FILE *f, const struct ir_program *p, int gid)
{
	const struct ir_global *g = gid >= 0 && gid < p->globals.n ?
				    vec_at(&p->globals, gid) : NULL;

	return fprintf(f, "g%d(%s)", gid, g ? g->decl->name : "?");
}

static const char *region_code(int64_t c)
{
	switch (c) {
	case IRR_CONTINUE: return "CONTINUE";
	case IRR_BREAK: return "BREAK";
	case IRR_RETURN: return "RETURN";
	case IRR_NEXT: return "NEXT";
	case IRR_ERROR: return "ERROR";
	}
	return "?";
}

static int foreach_ops(FILE *f, const struct ir_func *fn,
		       const struct ir_insn *in)
{
	int w = fprintf(f, "foreach @%s [", in->map->name);

	for (int i = 0; i < in->map->nkeys; i++) {
		if (i)
			w += fprintf(f, ", ");
		w += slot_ref(f, fn, in->key_slots[i]);
	}
	w += fprintf(f, "]");
	if (in->val_slot >= 0) {
		w += fprintf(f, " value ");
		w += slot_ref(f, fn, in->val_slot);
	}
	if (in->nargs) {
		w += fprintf(f, " slice [");
		w += vals(f, in->args, in->nargs);
		w += fprintf(f, "]");
	}
	if (in->sort_dir) {
		w += fprintf(f, " sort ");
		if (in->sort_column)
			w += fprintf(f, "key%d", in->sort_column);
		else if (in->map->kind == IRM_STATS)
			w += fprintf(f, "@%s", statop__name(in->sort_agg));
		else
			w += fprintf(f, "value");
		w += fprintf(f, "%s", in->sort_dir > 0 ? "+" : "-");
	}
	if (in->a.kind != IRV_NONE) {
		w += fprintf(f, " limit ");
		w += val(f, in->a);
	}
	return w + fprintf(f, " do %s", in->fn->name);
}

/* The operands of one instruction; returns the columns written. */
static int insn_ops(FILE *f, const struct ir_program *p,
		    const struct ir_func *fn, const struct ir_insn *in)
{
	int w = 0;

	switch (in->opc) {
	case IR_MOV:
		return fprintf(f, "mov ") + val(f, in->a);
	case IR_CONST:
		return fprintf(f, "const %lld", (long long)in->imm);
	case IR_STRCONST:
		w = fprintf(f, "strconst ");
		if (in->imm >= 0 && in->imm < p->strtab.n)
			w += print_str(f, vec_at(&p->strtab, (int)in->imm));
		return w;
	case IR_BIN:
	case IR_CMP:
	case IR_STRCMP:
		w = fprintf(f, "%s%s ", in->opc == IR_CMP ? "cmp." :
			    in->opc == IR_STRCMP ? "strcmp." : "",
			    bin_name(in->op));
		w += val(f, in->a) + fprintf(f, ", ");
		return w + val(f, in->b);
	case IR_UN:
		return fprintf(f, "%s ", bin_name(in->op)) + val(f, in->a);
	case IR_CONCAT:
		w = fprintf(f, "concat ") + val(f, in->a);
		return w + fprintf(f, ", ") + val(f, in->b);
	case IR_REGEX:
		w = fprintf(f, "regex ") + val(f, in->a) + fprintf(f, ", ");
		if (in->imm >= 0 && in->imm < p->strtab.n)
			w += print_str(f, vec_at(&p->strtab, (int)in->imm));
		return w;
	case IR_ERRMSG:
		return fprintf(f, "errmsg");
	case IR_LOAD_LOCAL:
		return fprintf(f, "load_local ") + slot_ref(f, fn, in->slot);
	case IR_STORE_LOCAL:
		w = fprintf(f, "store_local ") + slot_ref(f, fn, in->slot);
		return w + fprintf(f, ", ") + val(f, in->a);
	case IR_LOAD_GLOBAL:
		return fprintf(f, "load_global ") + global_ref(f, p, in->gid);
	case IR_STORE_GLOBAL:
		w = fprintf(f, "store_global ") + global_ref(f, p, in->gid);
		return w + fprintf(f, ", ") + val(f, in->a);
	case IR_MAP_GET:
		return fprintf(f, "map_get ") + map_ref(f, in);
	case IR_MAP_SET:
	case IR_MAP_ADD:
	case IR_STAT_ADD:
		w = fprintf(f, "%s ", in->opc == IR_MAP_SET ? "map_set" :
			    in->opc == IR_MAP_ADD ? "map_add" : "stat_add");
		w += map_ref(f, in) + fprintf(f, ", ");
		return w + val(f, in->a);
	case IR_MAP_DELETE:
		return fprintf(f, "map_delete ") + map_ref(f, in);
	case IR_MAP_CLEAR:
		return fprintf(f, "map_clear ") + map_ref(f, in);
	case IR_MAP_EXISTS:
		return fprintf(f, "map_exists ") + map_ref(f, in);
	case IR_STAT_GET:
		w = fprintf(f, "stat_get @%s ", statop__name(in->statop));
		return w + map_ref(f, in);
	case IR_CALL:
		w = fprintf(f, "call %s(", in->fn ? in->fn->name : "?");
		return w + vals(f, in->args, in->nargs) + fprintf(f, ")");
	case IR_BUILTIN:
		w = fprintf(f, "builtin %s(", in->callee ? in->callee : "?");
		return w + vals(f, in->args, in->nargs) + fprintf(f, ")");
	case IR_PRINTF:
	case IR_SPRINTF:
		w = fprintf(f, "%s f%d(", in->opc == IR_PRINTF ? "printf" :
			    "sprintf", in->fmt ? in->fmt->id : -1);
		w += vals(f, in->args, in->nargs) + fprintf(f, ")");
		return w;
	case IR_PRINT_HIST:
		return fprintf(f, "print_hist ") + map_ref(f, in);
	case IR_EXIT:
		return fprintf(f, "exit");
	case IR_CTX:
		return fprintf(f, "ctx field %lld", (long long)in->imm);
	case IR_ERROR:
		return fprintf(f, "error ") + val(f, in->a);
	case IR_LOOP:
		return fprintf(f, "loop %s", in->fn ? in->fn->name : "?");
	case IR_FOREACH:
		return foreach_ops(f, fn, in);
	case IR_JMP:
		return fprintf(f, "jmp b%d", in->target);
	case IR_BR:
		w = fprintf(f, "br ") + val(f, in->a);
		return w + fprintf(f, ", b%d, b%d", in->target, in->target2);
	case IR_RET:
		if (fn->kind == IRF_REGION)
			return fprintf(f, "ret %s", region_code(in->imm));
		w = fprintf(f, "ret");
		if (in->a.kind != IRV_NONE)
			w += fprintf(f, " ") + val(f, in->a);
		return w;
	}
	return fprintf(f, "?op%d", (int)in->opc);
}

static void loc_comment(FILE *f, int col, const struct loc *loc)
{
	if (!loc->src)
		return;
	fprintf(f, "%*s; %s:%d:%d", col < 40 ? 40 - col : 1, "",
		loc->src->name, loc->line, loc->col);
}

static void print_insn(FILE *f, const struct ir_program *p,
		       const struct ir_func *fn, const struct ir_insn *in)
{
	int w = fprintf(f, "\t");

	if (in->dst >= 0)
		w += fprintf(f, "r%d = ", in->dst);
	w += insn_ops(f, p, fn, in);
	if (ir__may_fault(in) && in->on_error >= 0)
		w += fprintf(f, " [catch b%d]", in->on_error);
	loc_comment(f, w + 7, &in->loc);
	fputc('\n', f);
}

static const char *func_kind(const struct ir_func *fn)
{
	switch (fn->kind) {
	case IRF_PROBE: return "probe";
	case IRF_FUNCTION: return "function";
	case IRF_REGION: return "region";
	}
	return "?";
}

/* " point(arg).point" of a derived probe */
static int print_point(FILE *f, const struct derived_probe *dp)
{
	const struct probe_point *pp = dp->point ? dp->point : dp->written;
	int w = 0;

	if (!pp)
		return 0;
	vec_foreach(i, &pp->comps) {
		const struct ppcomp *c = vec_at(&pp->comps, i);

		w += fprintf(f, "%s%s", i ? "." : " ", c->name);
		if (c->arg && c->arg->kind == EX_NUM)
			w += fprintf(f, "(%lld)", (long long)c->arg->num);
		else if (c->arg && c->arg->kind == EX_STR) {
			w += fprintf(f, "(");
			w += print_str(f, c->arg->str) + 2;
			fputc(')', f);
		}
	}
	return w;
}

static void print_func(FILE *f, const struct ir_program *p,
		       const struct ir_func *fn)
{
	int w = fprintf(f, "func %s %s %s", fn->name, func_kind(fn),
			fn->user_space ? "user" : "kernel");

	if (fn->kind == IRF_FUNCTION)
		w += fprintf(f, " returns %s params %d", type_name(fn->ret),
			     fn->nparams);
	if (fn->region_of)
		w += fprintf(f, " of %s", fn->region_of->name);
	if (fn->probe)
		w += print_point(f, fn->probe);
	loc_comment(f, w, &fn->loc);
	fputc('\n', f);
	vec_foreach(i, &fn->slots) {
		const struct ir_slot *sl = vec_at(&fn->slots, i);

		fprintf(f, "\tslot %%%d %s %s%s%s\n", i, type_name(sl->type),
			sl->decl ? sl->decl->name :
			i == fn->ret_slot ? "<return>" : "<temp>",
			i == fn->ret_slot ? " return" : "",
			sl->used_by_region ? " region" : "");
	}
	vec_foreach(i, &fn->blocks) {
		const struct ir_block *b = vec_at(&fn->blocks, i);

		fprintf(f, "b%d:\n", b->id);
		vec_foreach(j, &b->insns)
			print_insn(f, p, fn, vec_at(&b->insns, j));
	}
	fputc('\n', f);
}

static void print_map(FILE *f, const struct ir_map *m)
{
	fprintf(f, "map %d %s %s", m->id, m->name, kind_name(m->kind));
	if (m->nkeys) {
		fprintf(f, " [");
		for (int i = 0; i < m->nkeys; i++)
			fprintf(f, "%s%s", i ? ", " : "",
				type_name(m->key_types[i]));
		fprintf(f, "]");
	}
	if (m->kind == IRM_ARRAY)
		fprintf(f, " -> %s", type_name(m->val_type));
	if (m->hist == IRH_LOG)
		fprintf(f, " hist_log");
	else if (m->hist == IRH_LINEAR)
		fprintf(f, " hist_linear(%lld, %lld, %lld)",
			(long long)m->hist_lo, (long long)m->hist_hi,
			(long long)m->hist_step);
	fprintf(f, " key %d value %d entries %lld%s%s\n", m->key_size,
		m->val_size, (long long)m->max_entries,
		m->wrap ? " wrap" : "", m->percpu ? " percpu" : "");
}

void ir__print(FILE *f, const struct ir_program *p)
{
	fprintf(f, "# MAXSTRINGLEN %d MAXMAPENTRIES %lld MAXACTION %lld\n",
		p->maxstringlen, (long long)p->maxmapentries,
		(long long)p->maxaction);
	vec_foreach(i, &p->maps)
		print_map(f, vec_at(&p->maps, i));
	vec_foreach(i, &p->globals) {
		const struct ir_global *g = vec_at(&p->globals, i);

		fprintf(f, "global g%d %s %s offset %d\n", i, g->decl->name,
			type_name(g->type), g->off);
	}
	vec_foreach(i, &p->formats) {
		const struct ir_format *fm = vec_at(&p->formats, i);

		fprintf(f, "format f%d ", fm->id);
		print_str(f, fm->fmt);
		for (int j = 0; j < fm->nargs; j++)
			fprintf(f, " %s", type_name(fm->arg_types[j]));
		fputc('\n', f);
	}
	vec_foreach(i, &p->strtab) {
		fprintf(f, "string s%d ", i);
		print_str(f, vec_at(&p->strtab, i));
		fputc('\n', f);
	}
	fputc('\n', f);
	vec_foreach(i, &p->funcs)
		print_func(f, p, vec_at(&p->funcs, i));
}
