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
#include "provider.h"
#include "session.h"

static int slots_of(const struct lir *l)
{
	switch (l->kind) {
	case LK_LABEL:
		return 0;
	case LK_LDMAP:
	case LK_LDIMM64:
	case LK_FUNCADDR:
	case LK_LDMAPVAL:
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

static void reloc(struct cg *cg, struct vec *v, enum cg_reloc_kind kind,
		  int insn, struct ir_map *m, int sub)
{
	struct cg_reloc *r = arena__alloc(&cg->s->arena, sizeof(*r));

	r->kind = kind;
	r->insn = insn;
	r->map = m;
	r->sub = sub;
	vec__push(&cg->s->arena, v, r);
}

/* lf's instructions at insns[pos...], references left symbolic in
 * relocs (calls and function addresses with imm 0, map values with
 * the offset in the second slot); returns the new pos. */
static int emit_func(struct cg *cg, struct lir_func *lf,
		     struct bpf_insn *insns, int pos, struct vec *relocs,
		     struct bpf_probe_prog *lines)
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
		struct bpf_insn *x = &insns[pos];

		if (l->kind != LK_LABEL && lines)
			add_line(cg, lines, pos, &l->loc);
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
			*x = BPF_CALL_REL(0);
			reloc(cg, relocs, CR_CALL, pos, NULL, (int)l->imm);
			break;
		case LK_EXIT:
			*x = BPF_EXIT_INSN();
			break;
		case LK_LDMAP:
			x[0] = BPF_LD_IMM64_LO(l->dst, BPF_PSEUDO_MAP_FD, 0);
			x[1] = BPF_LD_IMM64_HI(0);
			reloc(cg, relocs, CR_MAP, pos, l->map, -1);
			break;
		case LK_LDMAPVAL:
			x[0] = BPF_LD_IMM64_LO(l->dst, BPF_PSEUDO_MAP_VALUE, 0);
			x[1] = BPF_RAW(0, 0, 0, 0, (int32_t)l->imm);
			reloc(cg, relocs, CR_MAPVAL, pos, l->map, -1);
			break;
		case LK_LDIMM64:
			x[0] = BPF_LD_IMM64_LO(l->dst, 0, l->imm);
			x[1] = BPF_LD_IMM64_HI(l->imm);
			break;
		case LK_FUNCADDR:
			x[0] = BPF_LD_IMM64_LO(l->dst, BPF_PSEUDO_FUNC, 0);
			x[1] = BPF_LD_IMM64_HI(0);
			reloc(cg, relocs, CR_FUNC, pos, NULL, (int)l->imm);
			break;
		}
		pos += slots_of(l);
	}
	free(lblpos);
	return pos;
}

static int count_slots(const struct lir_func *lf)
{
	int n = 0;

	for (int i = 0; i < lf->n; i++)
		n += slots_of(&lf->v[i]);
	return n;
}

/* The subprograms lf reaches, in the order of first reference, into
 * order[] (seen[] marks them); returns the new count. */
static int reach(struct cg *cg, struct lir_func *lf, int *order, int n,
		 bool *seen)
{
	for (int i = 0; i < lf->n; i++) {
		const struct lir *l = &lf->v[i];
		int s = (int)l->imm;

		if (l->kind != LK_SUBCALL && l->kind != LK_FUNCADDR)
			continue;
		if (s < 0 || s >= cg->subs.n || seen[s])
			continue;
		seen[s] = true;
		order[n++] = s;
		n = reach(cg, vec_at(&cg->subs, s), order, n, seen);
	}
	return n;
}

/* The ELF section of one probe: its main function alone. */
static struct cg_sec *emit_main_sec(struct cg *cg, struct lir_func *lf)
{
	struct cg_sec *sec = arena__alloc(&cg->s->arena, sizeof(*sec));

	memset(sec, 0, sizeof(*sec));
	sec->n = count_slots(lf);
	sec->insns = arena__alloc(&cg->s->arena,
				  sizeof(struct bpf_insn) * (sec->n + 1));
	emit_func(cg, lf, sec->insns, 0, &sec->relocs, NULL);
	return sec;
}

/* The program as the kernel will see it once libbpf has appended the
 * subprograms it uses: main, then those subprograms; calls resolved. */
int emit__prog(struct cg *cg, struct cg_prog *cp, struct bpf_probe_prog *out)
{
	bool *seen = calloc(cg->subs.n + 1, sizeof(bool));
	int *order = calloc(cg->subs.n + 1, sizeof(int));
	int *start = calloc(cg->subs.n + 1, sizeof(int));
	int nsub = reach(cg, cp->main, order, 0, seen);
	int total = count_slots(cp->main), pos;
	struct vec relocs = { 0 };

	for (int i = 0; i < nsub; i++)
		total += count_slots(vec_at(&cg->subs, order[i]));
	out->insns = arena__alloc(&cg->s->arena, sizeof(struct bpf_insn) *
				  (total + 1));
	out->ninsns = total;
	pos = emit_func(cg, cp->main, out->insns, 0, &relocs, out);
	for (int i = 0; i < nsub; i++) {
		start[order[i]] = pos;
		pos = emit_func(cg, vec_at(&cg->subs, order[i]), out->insns,
				pos, &relocs, out);
	}
	out->stack_size = cp->main->stack_size;
	vec_foreach(i, &relocs) {
		struct cg_reloc *r = vec_at(&relocs, i);
		struct bpf_insn *x = &out->insns[r->insn];

		if (r->kind == CR_CALL || r->kind == CR_FUNC) {
			x->imm = start[r->sub] - r->insn - 1;
		} else {
			struct bpf_map_reloc *m = arena__alloc(&cg->s->arena,
							       sizeof(*m));

			m->insn = r->insn;
			m->map = r->map;
			vec__push(&cg->s->arena, &out->relocs, m);
		}
	}
	for (int i = 0; i < nsub; i++) {
		struct lir_func *s = vec_at(&cg->subs, order[i]);

		/* each frame has its own 512 bytes; report the largest */
		if (s->stack_size > out->stack_size)
			out->stack_size = s->stack_size;
	}
	vec__push(&cg->s->arena, &cg->main_secs, emit_main_sec(cg, cp->main));
	free(seen);
	free(order);
	free(start);
	return 0;
}

/* ".text": every subprogram once; calls between them are relative
 * (libbpf wants a relocation only for function addresses). */
static int emit_text(struct cg *cg)
{
	struct cg_sec *sec;
	int total = 0, pos = 0, j = 0;

	if (!cg->subs.n)
		return 0;
	sec = arena__alloc(&cg->s->arena, sizeof(*sec));
	memset(sec, 0, sizeof(*sec));
	vec_foreach(i, &cg->subs)
		total += count_slots(vec_at(&cg->subs, i));
	sec->n = total;
	sec->insns = arena__alloc(&cg->s->arena,
				  sizeof(struct bpf_insn) * (total + 1));
	sec->starts = arena__alloc(&cg->s->arena,
				   sizeof(int) * (cg->subs.n + 1));
	vec_foreach(i, &cg->subs) {
		sec->starts[i] = pos;
		pos = emit_func(cg, vec_at(&cg->subs, i), sec->insns, pos,
				&sec->relocs, NULL);
	}
	vec_foreach(i, &sec->relocs) {
		struct cg_reloc *r = vec_at(&sec->relocs, i);

		if (r->kind == CR_CALL) {
			sec->insns[r->insn].imm = sec->starts[r->sub] -
						  r->insn - 1;
			continue;
		}
		vec_at(&sec->relocs, j++) = r;
	}
	sec->relocs.n = j;
	cg->text = sec;
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
	bp->f = f;
	bp->dp = f->probe;
	bp->sec_name = "perf_event";
	bp->prog_name = cp->main->name;
	bp->type = emit__prog_type(f->probe);
	if (emit__prog(cg, cp, bp))
		return -EINVAL;
	vec__push(A, &o->progs, bp);
	return 0;
}

/* The BPF program type of a kernel-side probe: its context.  Every
 * program sits in the one "perf_event" section (elf.c); the loader sets
 * the type of the others before loading (runtime/loader.c). */
int emit__prog_type(const struct derived_probe *dp)
{
	if (dp && dp->prov == &prov_trace)
		return BPF_PROG_TYPE_TRACEPOINT;
	return BPF_PROG_TYPE_PERF_EVENT;
}

/* Script functions and regions that kernel-side probes reach: one
 * subprogram each, numbered first so that callers can name them. */
static int compile_subs(struct cg *cg)
{
	struct ir_program *p = cg->p;
	int rc = 0;

	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);
		struct fninfo *fi = f->be;

		if (f->kind == IRF_PROBE || !fi || fi->state != 2)
			continue;
		fi->sub = cg->subs.n;
		vec__push(&cg->s->arena, &cg->subs, NULL);
	}
	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);
		struct fninfo *fi = f->be;
		struct lir_func *lf;

		if (f->kind == IRF_PROBE || !fi || fi->sub < 0)
			continue;
		lf = isel__func(cg, NULL, f);
		if (!lf || regalloc__func(cg, lf)) {
			rc = -EINVAL;
			continue;
		}
		lf->name = arena__printf(&cg->s->arena, "%s%s",
					 f->kind == IRF_FUNCTION ? "fn_" : "",
					 f->name);
		for (char *c = (char *)lf->name; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' &&
			      *c <= 'Z') || (*c >= '0' && *c <= '9')))
				*c = '_';
		fi->lf = lf;
		vec_at(&cg->subs, fi->sub) = lf;
	}
	return rc;
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
	/* string key columns were narrowed by pass 3
	 * (layout__key_widths, translate.c) */
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
	cg->scratch_hwm = cg->scratch_size;
	cg->errrec_off = cg->rcode_off = -1;
	cg->strst_off = cg->strtmp_off = cg->tok_off = -1;
	cg->rodata_map = arena__alloc(&s->arena, sizeof(*cg->rodata_map));
	memset(cg->rodata_map, 0, sizeof(*cg->rodata_map));
	cg->rodata_map->name = ".rodata";
	cg->rodata_map->id = -1;
	cg->rodata_map->fd = -1;

	if (isel__plan(cg))
		return -EINVAL;
	rc = compile_subs(cg);
	if (rc)
		return rc;
	cg->probe_base = cg->scratch_hwm;
	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);

		if (f->user_space || f->kind != IRF_PROBE)
			continue;
		cg->scratch_size = cg->probe_base;
		if (compile_probe(cg, o, f))
			rc = -EINVAL;
	}
	if (rc)
		return rc;
	emit_text(cg);
	/* room for a variable offset plus a full string past the end */
	if (p->scratch_map) {
		int need = cg->scratch_hwm + 2 * msl;

		if (p->scratch_map->val_size < need)
			p->scratch_map->val_size = (need + 7) & ~7;
	}
	rc = elf__write(cg, o);
	if (rc)
		return rc;
	/* debugging aid: BSTAP_DUMP_ELF=file.o keeps a copy of the object
	 * (for readelf, llvm-objdump, bpftool -d prog loadall) */
	if (getenv("BSTAP_DUMP_ELF")) {
		FILE *df = fopen(getenv("BSTAP_DUMP_ELF"), "wb");

		if (df) {
			fwrite(o->elf, 1, o->elf_size, df);
			fclose(df);
		}
	}
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
