/* emit.c - LIR after register allocation -> struct bpf_insn, and the
 * pass-4 driver codegen__program().
 *
 * A program is its probe's function followed by its subprograms; jumps
 * are resolved from labels, map loads become BPF_LD_IMM64 with src
 * BPF_PSEUDO_MAP_FD and imm 0, recorded in prog->relocs so that the ELF
 * writer emits a relocation against the map's symbol (libbpf fills in
 * the fd at load time).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf.h"
#include "lir.h"
#include "session.h"

static int slots_of(const struct lir *l)
{
	switch (l->kind) {
	case LK_LABEL:
		return 0;
	case LK_LDMAP:
	case LK_LDIMM64:
	case LK_FUNCADDR:
		return 2;
	default:
		return 1;
	}
}

static void add_line(struct cg *cg, struct bpf_probe_prog *out, int insn,
		     const struct loc *loc)
{
	struct bpf_line *last = out->lines.n ?
		vec_at(&out->lines, out->lines.n - 1) : NULL;
	struct bpf_line *ln;

	if (!loc->src)
		return;
	if (last && last->loc.src == loc->src && last->loc.line == loc->line)
		return;
	ln = arena__alloc(&cg->s->arena, sizeof(*ln));
	ln->insn = insn;
	ln->loc = *loc;
	vec__push(&cg->s->arena, &out->lines, ln);
}

/* Append lf's instructions at out->insns[pos...]; returns the new pos. */
static int emit_func(struct cg *cg, struct cg_prog *cp, struct lir_func *lf,
		     struct bpf_probe_prog *out, int pos)
{
	int *lblpos = calloc(lf->nlabels + 1, sizeof(int));
	int at = pos;

	lf->start = pos;
	for (int i = 0; i < lf->n; i++) {
		if (lf->v[i].kind == LK_LABEL)
			lblpos[lf->v[i].imm] = at;
		at += slots_of(&lf->v[i]);
	}
	for (int i = 0; i < lf->n; i++) {
		const struct lir *l = &lf->v[i];
		struct bpf_insn *x = &out->insns[pos];

		if (l->kind != LK_LABEL)
			add_line(cg, out, pos, &l->loc);
		switch (l->kind) {
		case LK_LABEL:
			break;
		case LK_OP:
			*x = BPF_RAW(l->code, l->dst, l->src < 0 ? 0 : l->src,
				     l->off, (int32_t)l->imm);
			break;
		case LK_JMP:
			*x = BPF_RAW(l->code, l->dst < 0 ? 0 : l->dst,
				     l->src < 0 ? 0 : l->src,
				     lblpos[l->target] - pos - 1,
				     (int32_t)l->imm);
			break;
		case LK_CALL:
			*x = BPF_CALL_HELPER((int32_t)l->imm);
			break;
		case LK_SUBCALL:
			/* patched below, once every subprogram has a start */
			*x = BPF_CALL_REL((int32_t)l->imm);
			break;
		case LK_EXIT:
			*x = BPF_EXIT_INSN();
			break;
		case LK_LDMAP: {
			struct bpf_map_reloc *r = arena__alloc(&cg->s->arena,
							       sizeof(*r));

			x[0] = BPF_LD_IMM64_LO(l->dst, BPF_PSEUDO_MAP_FD, 0);
			x[1] = BPF_LD_IMM64_HI(0);
			r->insn = pos;
			r->map = l->map;
			vec__push(&cg->s->arena, &out->relocs, r);
			break;
		}
		case LK_LDIMM64:
			x[0] = BPF_LD_IMM64_LO(l->dst, 0, l->imm);
			x[1] = BPF_LD_IMM64_HI(l->imm);
			break;
		case LK_FUNCADDR:
			x[0] = BPF_LD_IMM64_LO(l->dst, BPF_PSEUDO_FUNC,
					       l->imm);
			x[1] = BPF_LD_IMM64_HI(0);
			break;
		}
		pos += slots_of(l);
	}
	free(lblpos);
	(void)cp;
	return pos;
}

static int count_slots(const struct lir_func *lf)
{
	int n = 0;

	for (int i = 0; i < lf->n; i++)
		n += slots_of(&lf->v[i]);
	return n;
}

int emit__prog(struct cg *cg, struct cg_prog *cp, struct bpf_probe_prog *out)
{
	int total = count_slots(cp->main), pos;

	vec_foreach(i, &cp->subs)
		total += count_slots(vec_at(&cp->subs, i));
	out->insns = arena__alloc(&cg->s->arena, sizeof(struct bpf_insn) *
				  (total + 1));
	out->ninsns = total;
	pos = emit_func(cg, cp, cp->main, out, 0);
	vec_foreach(i, &cp->subs)
		pos = emit_func(cg, cp, vec_at(&cp->subs, i), out, pos);
	/* bpf-to-bpf calls: imm = start of callee - (pc + 1) */
	for (int i = 0; i < total; i++) {
		struct bpf_insn *x = &out->insns[i];

		if (x->code == (BPF_JMP | BPF_CALL) &&
		    x->src_reg == BPF_PSEUDO_CALL) {
			struct lir_func *callee = vec_at(&cp->subs, x->imm);

			x->imm = callee->start - i - 1;
		}
		if (x->code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    x->src_reg == BPF_PSEUDO_FUNC) {
			struct lir_func *callee = vec_at(&cp->subs, x->imm);

			x->imm = callee->start - i - 1;
		}
		if (x->code == (BPF_LD | BPF_DW | BPF_IMM))
			i++;
	}
	out->stack_size = cp->main->stack_size;
	vec_foreach(i, &cp->subs) {
		struct lir_func *s = vec_at(&cp->subs, i);

		if (s->stack_size > out->stack_size)
			out->stack_size = s->stack_size;
	}
	return 0;
}

/* ---- the driver ------------------------------------------------------------ */

static int compile_probe(struct cg *cg, struct bstap_object *o,
			 struct ir_func *f)
{
	struct arena *A = &cg->s->arena;
	struct cg_prog *cp = arena__alloc(A, sizeof(*cp));
	struct bpf_probe_prog *bp = arena__alloc(A, sizeof(*bp));
	int id = f->probe ? f->probe->id : f->id;

	cp->main = isel__func(cg, cp, f);
	if (!cp->main)
		return -EINVAL;
	cp->main->name = arena__printf(A, "probe_%d", id);
	if (regalloc__func(cg, cp->main))
		return -EINVAL;
	vec_foreach(i, &cp->subs)
		if (regalloc__func(cg, vec_at(&cp->subs, i)))
			return -EINVAL;
	bp->f = f;
	bp->dp = f->probe;
	bp->sec_name = "perf_event";
	bp->prog_name = cp->main->name;
	bp->type = BPF_PROG_TYPE_PERF_EVENT;
	if (emit__prog(cg, cp, bp))
		return -EINVAL;
	f->be = bp;
	vec__push(A, &o->progs, bp);
	return 0;
}

int codegen__program(struct session *s, struct ir_program *p,
		     struct bstap_object **out)
{
	struct cg *cg = arena__alloc(&s->arena, sizeof(*cg));
	struct bstap_object *o = arena__alloc(&s->arena, sizeof(*o));
	int msl = p->maxstringlen > 0 ? p->maxstringlen : 128;
	int rc = 0;

	cg->s = s;
	cg->p = p;
	o->ir = p;
	/* the zero area: as large as the largest value inserted from it */
	cg->zeros_off = 0;
	cg->zeros_size = msl;
	vec_foreach(i, &p->maps) {
		struct ir_map *m = vec_at(&p->maps, i);

		if (m->val_size > cg->zeros_size && m->kind != IRM_GLOBALS &&
		    m->kind != IRM_SCRATCH)
			cg->zeros_size = m->val_size;
		if (m->key_size > cg->zeros_size)
			cg->zeros_size = m->key_size;
	}
	cg->scratch_size = (cg->zeros_size + 7) & ~7;

	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);

		if (f->user_space || f->kind != IRF_PROBE)
			continue;
		if (compile_probe(cg, o, f))
			rc = -EINVAL;
	}
	if (rc)
		return rc;
	/* room for a variable offset plus a full string past the end */
	if (p->scratch_map) {
		int need = cg->scratch_size + 2 * msl;

		if (p->scratch_map->val_size < need)
			p->scratch_map->val_size = (need + 7) & ~7;
	}
	rc = elf__write(cg, o);
	if (rc)
		return rc;
	if (s->verbose && s->last_pass == 4)
		codegen__disasm_object(stdout, o);
	*out = o;
	return 0;
}

void codegen__free(struct bstap_object *o)
{
	if (!o)
		return;
	free(o->elf);
	o->elf = NULL;
	o->elf_size = 0;
}

const struct loc *codegen__insn_loc(const struct bpf_probe_prog *prog,
				    int insn)
{
	const struct loc *best = NULL;

	vec_foreach(i, &prog->lines) {
		const struct bpf_line *ln = vec_at(&prog->lines, i);

		if (ln->insn > insn)
			break;
		best = &ln->loc;
	}
	return best;
}
