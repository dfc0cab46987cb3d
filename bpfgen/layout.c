/* layout.c - maps, key/value layouts and global offsets (pass 3, first).
 *
 * From the elaborated program: one IRM_GLOBALS map holding struct
 * ir_control and every scalar global, one IRM_ARRAY map per global array,
 * one IRM_STATS map per statistic, the scratch map and the ring buffer.
 * The limits come from -D:
 *   MAXSTRINGLEN   bytes of a string, NUL included (default 128, 16..1024)
 *   MAXMAPENTRIES  entries of an array without [N] (default 2048)
 *   MAXACTION      iterations one loop may run in a kernel-side probe
 *                  before it faults (default 100000; stap counts
 *                  statements, bstap counts loop iterations); user-space
 *                  probes have no bound
 *   BUFFER_SIZE    ring buffer bytes (default 1 MiB, a power of 2)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "session.h"

static enum ir_type ir_type_of(enum type t)
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

static struct ir_map *new_map(struct ir_program *p, enum ir_map_kind kind,
			      const char *name)
{
	struct ir_map *m = arena__alloc(&p->s->arena, sizeof(*m));

	m->id = p->maps.n;
	m->kind = kind;
	m->name = name;
	m->fd = -1;
	vec__push(&p->s->arena, &p->maps, m);
	return m;
}

static int type_size(const struct ir_program *p, enum ir_type t)
{
	return t == IRT_STR ? p->maxstringlen : 8;
}

/* The key columns of an array or statistic from its declaration. */
static int layout_keys(struct session *s, struct ir_program *p,
		       struct ir_map *m, struct vardecl *d)
{
	int off = 0;

	if (d->arity > IR_MAX_KEYS) {
		diag__error(s, &d->loc, "semantic error",
			    "array '%s' has %d index expressions, at most %d "
			    "are supported", d->name, d->arity, IR_MAX_KEYS);
		return -EINVAL;
	}
	m->nkeys = d->arity > 0 ? d->arity : 0;
	for (int i = 0; i < m->nkeys; i++) {
		enum ir_type t = d->key_types ? ir_type_of(d->key_types[i])
					      : IRT_NONE;

		if (t == IRT_NONE) {
			diag__error(s, &d->loc, "semantic error",
				    "unresolved type of index %d of array "
				    "'%s'", i + 1, d->name);
			return -EINVAL;
		}
		m->key_types[i] = t;
		m->key_off[i] = off;
		off += type_size(p, t);
	}
	m->key_size = m->nkeys ? off : 4;
	return 0;
}

static int64_t entries_of(struct ir_program *p, const struct vardecl *d)
{
	return d->maxsize > 0 ? d->maxsize : p->maxmapentries;
}

/* A statistic: struct ir_stat, then the histogram buckets. */
static int layout_stats(struct session *s, struct ir_program *p,
			struct vardecl *d)
{
	struct ir_map *m = new_map(p, IRM_STATS, d->name);

	m->decl = d;
	if (layout_keys(s, p, m, d))
		return -EINVAL;
	m->max_entries = m->nkeys ? entries_of(p, d) : 1;
	m->wrap = d->wrap;
	if (d->want_hist_log && d->want_hist_linear) {
		diag__error(s, &d->loc, "semantic error",
			    "statistic '%s' is used with both @hist_log and "
			    "@hist_linear; bstap supports one histogram shape "
			    "per statistic", d->name);
		return -EINVAL;
	}
	if (d->want_hist_log) {
		m->hist = IRH_LOG;
		m->nbuckets = 128;
	} else if (d->want_hist_linear) {
		int64_t n;

		if (d->hist_step <= 0 || d->hist_hi <= d->hist_lo) {
			diag__error(s, &d->loc, "semantic error",
				    "@hist_linear of '%s': need low < high "
				    "and a positive step", d->name);
			return -EINVAL;
		}
		n = (d->hist_hi - d->hist_lo) / d->hist_step + 3;
		if (n > 258) {
			diag__error(s, &d->loc, "semantic error",
				    "@hist_linear of '%s' has %lld buckets, at "
				    "most 256 are supported", d->name,
				    (long long)(n - 2));
			return -EINVAL;
		}
		m->hist = IRH_LINEAR;
		m->hist_lo = d->hist_lo;
		m->hist_hi = d->hist_hi;
		m->hist_step = d->hist_step;
		m->nbuckets = (int)n;
	}
	m->val_size = (int)sizeof(struct ir_stat) + 8 * m->nbuckets;
	return 0;
}

static int layout_array(struct session *s, struct ir_program *p,
			struct vardecl *d)
{
	struct ir_map *m = new_map(p, IRM_ARRAY, d->name);

	m->decl = d;
	if (layout_keys(s, p, m, d))
		return -EINVAL;
	m->val_type = ir_type_of(d->type);
	if (m->val_type == IRT_NONE) {
		diag__error(s, &d->loc, "semantic error",
			    "unresolved type for array '%s'", d->name);
		return -EINVAL;
	}
	m->val_size = type_size(p, m->val_type);
	m->max_entries = entries_of(p, d);
	m->wrap = d->wrap;
	return 0;
}

static int layout_scalar(struct session *s, struct ir_program *p,
			 struct vardecl *d, int *off)
{
	struct ir_global *g = arena__alloc(&s->arena, sizeof(*g));

	g->decl = d;
	g->type = ir_type_of(d->type);
	if (g->type == IRT_NONE) {
		diag__error(s, &d->loc, "semantic error",
			    "unresolved type for global '%s'", d->name);
		return -EINVAL;
	}
	*off = (*off + 7) & ~7;
	g->off = *off;
	*off += type_size(p, g->type);
	vec__push(&s->arena, &p->globals, g);
	return 0;
}

static void layout_limits(struct session *s, struct ir_program *p)
{
	p->maxstringlen = (int)session__define_num(s, "MAXSTRINGLEN", 128,
						   16, 1024);
	p->maxmapentries = session__define_num(s, "MAXMAPENTRIES", 2048, 1,
					       1 << 24);
	p->maxaction = session__define_num(s, "MAXACTION", 100000, 1,
					   1 << 23);
}

int layout__program(struct session *s, struct ir_program *p)
{
	int off = (int)sizeof(struct ir_control);
	int64_t bufsize;

	layout_limits(s, p);
	p->globals_map = new_map(p, IRM_GLOBALS, "__globals");
	if (!s->prog)
		return -EINVAL;
	vec_foreach(i, &s->prog->globals) {
		struct vardecl *d = vec_at(&s->prog->globals, i);
		int rc;

		if (d->type == TY_STATS)
			rc = layout_stats(s, p, d);
		else if (d->arity > 0)
			rc = layout_array(s, p, d);
		else
			rc = layout_scalar(s, p, d, &off);
		if (rc)
			return rc;
	}
	off = (off + 7) & ~7;
	p->globals_size = off;
	p->globals_map->key_size = 4;
	p->globals_map->val_size = off;
	p->globals_map->max_entries = 1;

	p->scratch_map = new_map(p, IRM_SCRATCH, "__scratch");
	p->scratch_map->key_size = 4;
	p->scratch_map->max_entries = 1;

	bufsize = session__define_num(s, "BUFFER_SIZE", 1 << 20, 4096,
				      (int64_t)1 << 30);
	if (bufsize & (bufsize - 1)) {
		diag__plain(s, "-D BUFFER_SIZE=%lld: must be a power of 2",
			    (long long)bufsize);
		return -EINVAL;
	}
	p->ringbuf_map = new_map(p, IRM_RINGBUF, "__ringbuf");
	p->ringbuf_map->max_entries = bufsize;
	return s->errors ? -EINVAL : 0;
}

struct ir_map *layout__map_of(const struct ir_program *p,
			      const struct vardecl *decl)
{
	vec_foreach(i, &p->maps) {
		struct ir_map *m = vec_at(&p->maps, i);

		if (m->decl == decl)
			return m;
	}
	return NULL;
}

struct ir_global *layout__global_of(const struct ir_program *p,
				    const struct vardecl *decl)
{
	vec_foreach(i, &p->globals) {
		struct ir_global *g = vec_at(&p->globals, i);

		if (g->decl == decl)
			return g;
	}
	return NULL;
}

/* ---- narrow string key columns (after lowering) ------------------------ */

/* The longest string (NUL included) the string vreg reg of f can hold:
 * the maximum over its definitions; MAXSTRINGLEN when unknown. */
static int str_bound(const struct ir_program *p, const struct ir_func *f,
		     int reg, int depth)
{
	int best = 0;

	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);
			int n;

			if (in->dst != reg || in->opc == IR_BR ||
			    in->opc == IR_JMP || in->opc == IR_RET)
				continue;
			if (in->opc == IR_STRCONST && in->imm >= 0 &&
			    in->imm < p->strtab.n)
				n = (int)strlen(vec_at(&p->strtab, in->imm)) + 1;
			else if (in->opc == IR_BUILTIN && in->callee &&
				 (!strcmp(in->callee, "execname") ||
				  !strcmp(in->callee, "pexecname")))
				n = 16;		/* TASK_COMM_LEN */
			else if (in->opc == IR_MOV && in->a.kind == IRV_REG &&
				 in->a.reg != reg && depth < 4)
				n = str_bound(p, f, in->a.reg, depth + 1);
			else
				n = p->maxstringlen;
			if (n > best)
				best = n;
		}
	}
	if (!best || best > p->maxstringlen)
		best = p->maxstringlen;
	return best;
}

/* Widen the string columns of in's map to what in's keys need. */
static void widths_of_insn(const struct ir_program *p,
			   const struct ir_func *f, const struct ir_insn *in,
			   int *w)
{
	struct ir_map *m = in->map;

	for (int i = 0; i < in->nargs && i < m->nkeys; i++) {
		int n;

		if (m->key_types[i] != IRT_STR ||
		    in->args[i].kind == IRV_NONE)
			continue;
		n = in->args[i].kind == IRV_REG && in->args[i].reg >= 0 &&
		    in->args[i].reg < f->nregs
			? str_bound(p, f, in->args[i].reg, 0) : 1;
		if (n > w[m->id * IR_MAX_KEYS + i])
			w[m->id * IR_MAX_KEYS + i] = n;
	}
}

int layout__key_widths(struct ir_program *p)
{
	int nmaps = p->maps.n;
	int *w = calloc((size_t)nmaps * IR_MAX_KEYS + 1, sizeof(int));

	if (!w)
		return -ENOMEM;
	vec_foreach(fi, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, fi);

		vec_foreach(bi, &f->blocks) {
			struct ir_block *b = vec_at(&f->blocks, bi);

			vec_foreach(ii, &b->insns) {
				struct ir_insn *in = vec_at(&b->insns, ii);

				if (in->map && in->map->id >= 0 &&
				    in->map->id < nmaps && in->map->nkeys &&
				    in->args)
					widths_of_insn(p, f, in, w);
			}
		}
	}
	vec_foreach(i, &p->maps) {
		struct ir_map *m = vec_at(&p->maps, i);
		int off = 0;

		for (int k = 0; k < m->nkeys; k++) {
			int cw = 8;

			if (m->key_types[k] == IRT_STR)
				cw = (w[m->id * IR_MAX_KEYS + k] + 7) & ~7;
			if (cw < 8)
				cw = 8;
			m->key_off[k] = off;
			off += cw;
		}
		if (m->nkeys)
			m->key_size = off;
	}
	free(w);
	return 0;
}

/* ---- per-CPU counters ------------------------------------------------
 * An array of longs that kernel-side code only adds to becomes a per-CPU
 * hash (struct ir_map.percpu): no second lookup to insert a key, no race
 * between CPUs inserting it, no shared cache line per key.  Kernel-side
 * insns that keep the choice: IR_MAP_ADD, IR_MAP_DELETE, IR_MAP_CLEAR,
 * IR_MAP_EXISTS, and a foreach that binds no value and sorts on none
 * (every per-CPU copy exists for every key).  Anything else on the map in
 * the kernel (a read, an assignment) keeps it shared.  User space may do
 * anything: the interpreter sums the copies.  A map whose copies would
 * take more than PERCPU_BYTES_MAX stays shared too. */
#define PERCPU_BYTES_MAX (64LL << 20)

static bool keeps_percpu(const struct ir_insn *in)
{
	switch (in->opc) {
	case IR_MAP_ADD: case IR_MAP_DELETE: case IR_MAP_CLEAR:
	case IR_MAP_EXISTS:
		return true;
	case IR_FOREACH:
		return in->val_slot < 0 &&
		       (in->sort_dir == 0 || in->sort_column > 0);
	default:
		return false;
	}
}

int layout__percpu(struct ir_program *p, int ncpus)
{
	int nmaps = p->maps.n;
	/* per map: 1 a kernel-side add seen, 2 something else seen */
	unsigned char *seen = calloc((size_t)nmaps + 1, 1);

	if (!seen)
		return -ENOMEM;
	vec_foreach(fi, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, fi);

		if (f->user_space)
			continue;
		vec_foreach(bi, &f->blocks) {
			struct ir_block *b = vec_at(&f->blocks, bi);

			vec_foreach(ii, &b->insns) {
				struct ir_insn *in = vec_at(&b->insns, ii);
				struct ir_map *m = in->map;

				if (!m || m->id < 0 || m->id >= nmaps)
					continue;
				if (!keeps_percpu(in))
					seen[m->id] |= 2;
				else if (in->opc == IR_MAP_ADD)
					seen[m->id] |= 1;
			}
		}
	}
	if (ncpus < 1)
		ncpus = 1;
	vec_foreach(i, &p->maps) {
		struct ir_map *m = vec_at(&p->maps, i);

		m->percpu = m->kind == IRM_ARRAY && m->nkeys > 0 &&
			    m->val_type == IRT_LONG && seen[m->id] == 1 &&
			    m->max_entries * 8 * ncpus <= PERCPU_BYTES_MAX;
	}
	free(seen);
	return 0;
}
