/* regalloc.c - register allocation for LIR.
 *
 * Per function:
 *   1. liveness on the instruction-level CFG (backward, to a fixpoint);
 *   2. dead-code elimination of pure instructions whose result is dead;
 *   3. spill choice (choose_spills): wherever more values are live than
 *      there are registers (r0-r9), or more than four values live across
 *      a call (only r6-r9 survive calls), the cheapest vregs are marked
 *      for a stack slot; spill_rewrite() then gives every use a reload
 *      and every def a store through a fresh short-lived vreg; a vreg
 *      holding a map address (one ld_imm64 def) is spilled first, and
 *      costs no slot: each use gets its own ld_imm64 again;
 *   4. assignment (assign): greedy colouring of the interference graph
 *      in order of first appearance, physical registers pre-coloured,
 *      each vreg biased towards the colour of the registers it is moved
 *      to or from (so most moves disappear).  A call clobbers r0-r5, so
 *      a vreg live across one interferes with them and lands in r6-r9.
 *      A vreg that finds no colour goes back to step 3;
 *   5. on physical registers: "rX = K" is dropped where every path
 *      already leaves K in rX (drop_known_consts);
 *   6. stack slots for the spilled vregs (assign_slots): liveness of
 *      the slots over the spill stores and reloads, then a greedy
 *      colouring of their interference graph, so vregs whose values
 *      are never on the stack at the same time share 8 bytes.
 * Stack: isel's own bytes plus 8 per slot colour, at most 512.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf.h"
#include "lir.h"
#include "session.h"

#define NCOLORS 10		/* r0..r9 */
#define BPF_STACK_MAX 512

typedef uint64_t word;

struct ra {
	struct cg *cg;
	struct lir_func *lf;
	int n, nregs, words;
	word *live_in, *live_out;	/* [n][words] */
	int *lblpos;			/* label -> insn index */
	word *inter;			/* [nregs][words] */
	int *color;
	bool *spilled;
	bool *nospill;			/* spill temporaries */
	int *slot;			/* spilled vreg -> its slot number + 1
					 * (0: none yet) */
	int nslots;			/* slot numbers given out */
	int nslot_colors;		/* 8-byte stack slots they share */
};

static bool bit(const word *s, int i)
{
	return s[i / 64] >> (i % 64) & 1;
}

static void set(word *s, int i)
{
	s[i / 64] |= (word)1 << (i % 64);
}

/* ---- uses and defs ------------------------------------------------------ */

static bool is_alu(const struct lir *l)
{
	return l->kind == LK_OP && (BPF_CLASS(l->code) == BPF_ALU64 ||
				    BPF_CLASS(l->code) == BPF_ALU);
}

/* dst = src, all 64 bits: both hold one value (a 32-bit move is not a
 * copy: it zero-extends) */
static bool is_copy(const struct lir *l)
{
	return is_alu(l) && BPF_CLASS(l->code) == BPF_ALU64 &&
	       BPF_OP(l->code) == BPF_MOV && BPF_SRC(l->code) == BPF_X;
}

int lir__uses(const struct lir *l, int *out)
{
	int n = 0;

	switch (l->kind) {
	case LK_OP:
		switch (BPF_CLASS(l->code)) {
		case BPF_ALU64:
		case BPF_ALU:
			if (BPF_OP(l->code) != BPF_MOV)
				out[n++] = l->dst;
			if (BPF_SRC(l->code) == BPF_X)
				out[n++] = l->src;
			break;
		case BPF_LDX:
			out[n++] = l->src;
			break;
		case BPF_ST:
			out[n++] = l->dst;
			break;
		case BPF_STX:
			out[n++] = l->dst;
			out[n++] = l->src;
			if (BPF_MODE(l->code) == BPF_ATOMIC &&
			    l->imm == BPF_CMPXCHG)
				out[n++] = 0;	/* the expected value */
			break;
		}
		break;
	case LK_JMP:
		if (BPF_OP(l->code) != BPF_JA) {
			out[n++] = l->dst;
			if (BPF_SRC(l->code) == BPF_X)
				out[n++] = l->src;
		}
		break;
	case LK_CALL:
	case LK_SUBCALL:
		for (int i = 1; i <= l->nargs; i++)
			out[n++] = i;
		break;
	case LK_EXIT:
		out[n++] = 0;
		break;
	default:
		break;
	}
	return n;
}

int lir__defs(const struct lir *l, int *out)
{
	int n = 0;

	switch (l->kind) {
	case LK_OP:
		switch (BPF_CLASS(l->code)) {
		case BPF_ALU64:
		case BPF_ALU:
		case BPF_LDX:
			out[n++] = l->dst;
			break;
		case BPF_STX:
			if (BPF_MODE(l->code) == BPF_ATOMIC &&
			    (l->imm & BPF_FETCH))
				out[n++] = l->imm == BPF_CMPXCHG ? 0 : l->src;
			break;
		}
		break;
	case LK_CALL:
	case LK_SUBCALL:
		for (int i = 0; i <= 5; i++)
			out[n++] = i;
		break;
	case LK_LDMAP:
	case LK_LDIMM64:
	case LK_FUNCADDR:
	case LK_LDMAPVAL:
		out[n++] = l->dst;
		break;
	default:
		break;
	}
	return n;
}

bool lir__has_side_effects(const struct lir *l)
{
	switch (l->kind) {
	case LK_OP:
		return BPF_CLASS(l->code) == BPF_ST ||
		       BPF_CLASS(l->code) == BPF_STX;
	case LK_LDMAP:
	case LK_LDIMM64:
	case LK_FUNCADDR:
	case LK_LDMAPVAL:
		return false;
	default:
		return true;
	}
}

/* ---- CFG and liveness ----------------------------------------------------- */

static void label_positions(struct ra *ra)
{
	struct lir_func *lf = ra->lf;

	ra->lblpos = arena__alloc(&ra->cg->s->arena,
				  sizeof(int) * (lf->nlabels + 1));
	for (int i = 0; i < lf->nlabels; i++)
		ra->lblpos[i] = -1;
	for (int i = 0; i < lf->n; i++)
		if (lf->v[i].kind == LK_LABEL)
			ra->lblpos[lf->v[i].imm] = i;
}

static int succs(struct ra *ra, int i, int *out)
{
	const struct lir *l = &ra->lf->v[i];
	int n = 0;

	if (l->kind == LK_EXIT)
		return 0;
	if (l->kind == LK_JMP) {
		out[n++] = ra->lblpos[l->target];
		if (BPF_OP(l->code) == BPF_JA)
			return n;
	}
	if (i + 1 < ra->n)
		out[n++] = i + 1;
	return n;
}

static void liveness(struct ra *ra)
{
	struct lir_func *lf = ra->lf;
	size_t sz;
	bool changed = true;

	ra->n = lf->n;
	ra->nregs = lf->nregs;
	ra->words = (lf->nregs + 63) / 64;
	label_positions(ra);
	sz = sizeof(word) * (size_t)ra->words * (size_t)(ra->n + 1);
	free(ra->live_in);
	free(ra->live_out);
	ra->live_in = calloc(1, sz);
	ra->live_out = calloc(1, sz);
	while (changed) {
		changed = false;
		for (int i = ra->n - 1; i >= 0; i--) {
			word *in = ra->live_in + (size_t)i * ra->words;
			word *out = ra->live_out + (size_t)i * ra->words;
			int s[2], ns = succs(ra, i, s), u[8], nu, d[8], nd;

			for (int k = 0; k < ns; k++) {
				word *si = ra->live_in +
					   (size_t)s[k] * ra->words;

				for (int w = 0; w < ra->words; w++)
					out[w] |= si[w];
			}
			/* in = uses | (out - defs) */
			{
				word tmp[ra->words];

				memcpy(tmp, out, sizeof(tmp));
				nd = lir__defs(&lf->v[i], d);
				for (int k = 0; k < nd; k++)
					tmp[d[k] / 64] &=
						~((word)1 << (d[k] % 64));
				nu = lir__uses(&lf->v[i], u);
				for (int k = 0; k < nu; k++)
					if (u[k] >= 0)
						set(tmp, u[k]);
				tmp[LIR_FP / 64] &= ~((word)1 << LIR_FP);
				if (memcmp(tmp, in, sizeof(tmp))) {
					memcpy(in, tmp, sizeof(tmp));
					changed = true;
				}
			}
		}
	}
}

static word *live_out(struct ra *ra, int i)
{
	return ra->live_out + (size_t)i * ra->words;
}

/* Remove pure instructions whose results nobody reads. */
static bool dce(struct ra *ra)
{
	struct lir_func *lf = ra->lf;
	bool any = false;
	int j = 0;

	for (int i = 0; i < lf->n; i++) {
		struct lir *l = &lf->v[i];
		int d[8], nd;
		bool dead = false;

		if (!lir__has_side_effects(l)) {
			nd = lir__defs(l, d);
			dead = nd > 0;
			for (int k = 0; k < nd; k++)
				if (d[k] == LIR_FP || bit(live_out(ra, i), d[k]))
					dead = false;
		}
		if (is_copy(l) && l->dst == l->src)
			dead = true;
		if (dead) {
			any = true;
			continue;
		}
		lf->v[j++] = *l;
	}
	lf->n = j;
	return any;
}

/* ---- spill choice -------------------------------------------------------- */

static void ref_counts(struct ra *ra, int *refs)
{
	struct lir_func *lf = ra->lf;

	for (int i = 0; i < lf->n; i++) {
		int u[16], nu = lir__uses(&lf->v[i], u), d[8];
		int nd = lir__defs(&lf->v[i], d);

		for (int k = 0; k < nu; k++)
			if (u[k] >= 0)
				refs[u[k]]++;
		for (int k = 0; k < nd; k++)
			refs[d[k]]++;
	}
}

/* remat[r]: the one definition of vreg r when it is a map address
 * load, which costs nothing to repeat: the spiller reloads such a vreg
 * with a new ld_imm64 instead of a stack slot, and spills it first.
 * Other entries are left zeroed (kind LK_OP).  Caller frees. */
static struct lir *remat_defs(struct ra *ra)
{
	struct lir_func *lf = ra->lf;
	struct lir *remat = calloc(lf->nregs + 1, sizeof(*remat));
	int *ndefs = calloc(lf->nregs + 1, sizeof(int));

	for (int i = 0; i < lf->n; i++) {
		int d[8], nd = lir__defs(&lf->v[i], d);

		for (int k = 0; k < nd; k++) {
			int r = d[k];

			if (r < LIR_NPHYS || r >= lf->nregs)
				continue;
			if (ndefs[r]++ == 0 && lf->v[i].kind == LK_LDMAP)
				remat[r] = lf->v[i];
			else
				remat[r].kind = LK_OP;
		}
	}
	free(ndefs);
	return remat;
}

/* Pick, among the vregs live in set `live` and not yet spilled, the
 * cheapest one (a map address first, then the fewest references per
 * instruction of its life). */
static int cheapest(struct ra *ra, const word *live, const int *refs,
		    const int *span, const struct lir *remat)
{
	int best = -1;
	double bc = 0;

	for (int r = LIR_NPHYS; r < ra->nregs; r++) {
		double c;

		if (!bit(live, r) || ra->spilled[r] || ra->nospill[r])
			continue;
		c = remat[r].kind == LK_LDMAP ? -1.0 :
			(double)refs[r] / (double)(span[r] + 1);
		if (best < 0 || c < bc) {
			best = r;
			bc = c;
		}
	}
	return best;
}

/* Mark vregs for stack slots wherever the pressure exceeds what the
 * registers hold; returns the number of new spills. */
static int choose_spills(struct ra *ra)
{
	struct lir_func *lf = ra->lf;
	int *refs = calloc(ra->nregs, sizeof(int));
	int *span = calloc(ra->nregs, sizeof(int));
	struct lir *remat = remat_defs(ra);
	int nnew = 0;

	ref_counts(ra, refs);
	for (int i = 0; i < lf->n; i++)
		for (int r = LIR_NPHYS; r < ra->nregs; r++)
			if (bit(live_out(ra, i), r))
				span[r]++;
	for (int i = 0; i < lf->n; i++) {
		const struct lir *l = &lf->v[i];
		bool is_call = l->kind == LK_CALL || l->kind == LK_SUBCALL;
		int limit = is_call ? 4 : NCOLORS;

		for (;;) {
			word *lo = live_out(ra, i);
			int cnt = 0, v;

			for (int r = 0; r < ra->nregs; r++) {
				if (r == LIR_FP || !bit(lo, r))
					continue;
				if (r < LIR_NPHYS && is_call)
					continue;	/* r0 result */
				if (r >= LIR_NPHYS && ra->spilled[r])
					continue;
				cnt++;
			}
			if (cnt <= limit)
				break;
			v = cheapest(ra, lo, refs, span, remat);
			if (v < 0)
				break;
			ra->spilled[v] = true;
			nnew++;
		}
	}
	free(refs);
	free(span);
	free(remat);
	return nnew;
}

static struct lir *insert_at(struct ra *ra, int pos)
{
	struct lir_func *lf = ra->lf;

	if (lf->n == lf->cap) {
		int cap = lf->cap * 2 + 16;
		struct lir *v = arena__alloc(&ra->cg->s->arena,
					     sizeof(*v) * cap);

		memcpy(v, lf->v, sizeof(*v) * lf->n);
		lf->v = v;
		lf->cap = cap;
	}
	memmove(&lf->v[pos + 1], &lf->v[pos],
		sizeof(*lf->v) * (lf->n - pos));
	lf->n++;
	return &lf->v[pos];
}

static void grow_regs(struct ra *ra, int nregs)
{
	bool *s = calloc(nregs, sizeof(bool)), *ns = calloc(nregs,
							    sizeof(bool));
	int *sl = calloc(nregs, sizeof(int));

	memcpy(s, ra->spilled, sizeof(bool) * ra->nregs);
	memcpy(ns, ra->nospill, sizeof(bool) * ra->nregs);
	memcpy(sl, ra->slot, sizeof(int) * ra->nregs);
	free(ra->spilled);
	free(ra->nospill);
	free(ra->slot);
	ra->spilled = s;
	ra->nospill = ns;
	ra->slot = sl;
	ra->nregs = nregs;
}

/* Give every spilled vreg a stack slot, a reload before each use and a
 * store after each def, through fresh vregs that are never spilled:
 *   t = *(u64 *)(r10 - slot); insn(t ...); *(u64 *)(r10 - slot) = t  */
static void spill_rewrite(struct ra *ra)
{
	struct lir_func *lf = ra->lf;
	int nr = lf->nregs;
	struct lir *remat = remat_defs(ra);

	for (int r = LIR_NPHYS; r < nr; r++) {
		if (!ra->spilled[r] || ra->slot[r])
			continue;
		if (remat[r].kind == LK_LDMAP) {
			ra->spilled[r] = false;	/* gone after this */
			continue;
		}
		remat[r].kind = LK_OP;
		ra->slot[r] = ++ra->nslots;
	}
	for (int i = 0; i < lf->n; i++) {
		struct lir *l = &lf->v[i];
		int u[8], nu = lir__uses(l, u), d[8], nd = lir__defs(l, d);
		int victim = -1, t;

		/* a map address: no definition; each use loads its own */
		if (l->kind == LK_LDMAP && l->dst >= LIR_NPHYS &&
		    l->dst < nr && remat[l->dst].kind == LK_LDMAP) {
			memmove(&lf->v[i], &lf->v[i + 1],
				sizeof(*lf->v) * (lf->n - i - 1));
			lf->n--;
			i--;
			continue;
		}
		for (int k = 0; k < nu; k++)
			if (u[k] >= LIR_NPHYS && u[k] < nr &&
			    remat[u[k]].kind == LK_LDMAP) {
				struct lir *c;
				int r = u[k];

				if (l->dst != r && l->src != r)
					continue;	/* listed twice */
				t = lf->nregs++;
				grow_regs(ra, lf->nregs);
				ra->nospill[t] = true;
				if (l->dst == r)
					l->dst = t;
				if (l->src == r)
					l->src = t;
				c = insert_at(ra, i);
				*c = remat[r];
				c->dst = t;
				c->spill = 0;
				c->loc = lf->v[i + 1].loc;
				i++;
				l = &lf->v[i];
			}

		for (int k = 0; k < nu && victim < 0; k++)
			if (u[k] >= LIR_NPHYS && ra->spilled[u[k]])
				victim = u[k];
		for (int k = 0; k < nd && victim < 0; k++)
			if (d[k] >= LIR_NPHYS && ra->spilled[d[k]])
				victim = d[k];
		if (victim < 0)
			continue;
		t = lf->nregs++;
		grow_regs(ra, lf->nregs);
		ra->nospill[t] = true;
		{
			bool used = false, defd = false;
			struct lir *c;

			for (int k = 0; k < nu; k++)
				used |= u[k] == victim;
			for (int k = 0; k < nd; k++)
				defd |= d[k] == victim;
			if (l->dst == victim)
				l->dst = t;
			if (l->src == victim)
				l->src = t;
			if (defd) {
				struct lir copy = lf->v[i];

				c = insert_at(ra, i + 1);
				*c = copy;
				c->kind = LK_OP;
				c->code = BPF_STX | BPF_DW | BPF_MEM;
				c->dst = LIR_FP;
				c->src = t;
				c->off = 0;	/* assign_slots */
				c->imm = 0;
				c->spill = ra->slot[victim];
			}
			if (used) {
				struct lir copy = lf->v[i];

				c = insert_at(ra, i);
				*c = copy;
				c->kind = LK_OP;
				c->code = BPF_LDX | BPF_DW | BPF_MEM;
				c->dst = t;
				c->src = LIR_FP;
				c->off = 0;	/* assign_slots */
				c->imm = 0;
				c->spill = ra->slot[victim];
				i++;
			}
			i--;	/* the same insn may have another victim */
		}
	}
	free(remat);
}

/* ---- assignment ------------------------------------------------------------ */

static void interfere(struct ra *ra, int a, int b)
{
	if (a == b)
		return;
	set(ra->inter + (size_t)a * ra->words, b);
	set(ra->inter + (size_t)b * ra->words, a);
}

static void build_interference(struct ra *ra)
{
	struct lir_func *lf = ra->lf;

	free(ra->inter);
	ra->inter = calloc((size_t)ra->nregs * ra->words, sizeof(word));
	for (int i = 0; i < lf->n; i++) {
		const struct lir *l = &lf->v[i];
		word *lo = live_out(ra, i);
		int d[8], nd = lir__defs(l, d);
		int movsrc = is_copy(l) ? l->src : -1;

		for (int k = 0; k < nd; k++)
			for (int r = 0; r < ra->nregs; r++)
				if (bit(lo, r) && r != movsrc)
					interfere(ra, d[k], r);
	}
	/* values live at entry (the context in r1) */
	for (int r = 0; r < ra->nregs; r++)
		for (int q = r + 1; q < ra->nregs; q++)
			if (bit(ra->live_in, r) && bit(ra->live_in, q))
				interfere(ra, r, q);
}

/* Colour every vreg; returns the number that found no colour (marked
 * spilled for the next round). */
static int assign(struct ra *ra)
{
	struct lir_func *lf = ra->lf;
	int nregs = ra->nregs, failed = 0;
	int *order = calloc(nregs, sizeof(int)), no = 0;
	bool *seen = calloc(nregs, sizeof(bool));

	free(ra->color);
	ra->color = calloc(nregs, sizeof(int));
	for (int r = 0; r < nregs; r++)
		ra->color[r] = r < LIR_NPHYS ? r : -1;
	/* order of first appearance */
	for (int i = 0; i < lf->n; i++) {
		int u[16], nu = lir__uses(&lf->v[i], u), d[8];
		int nd = lir__defs(&lf->v[i], d);

		for (int k = 0; k < nd; k++)
			u[nu++] = d[k];
		for (int k = 0; k < nu; k++)
			if (u[k] >= LIR_NPHYS && !seen[u[k]]) {
				seen[u[k]] = true;
				order[no++] = u[k];
			}
	}
	for (int oi = 0; oi < no; oi++) {
		int v = order[oi], pick = -1;
		bool busy[LIR_NPHYS] = { false };
		const word *iv = ra->inter + (size_t)v * ra->words;

		for (int r = 0; r < nregs; r++)
			if (bit(iv, r) && ra->color[r] >= 0)
				busy[ra->color[r]] = true;
		/* bias: the colour of a move partner */
		for (int i = 0; i < lf->n && pick < 0; i++) {
			const struct lir *l = &lf->v[i];
			int other = -1;

			if (!is_copy(l))
				continue;
			if (l->dst == v)
				other = l->src;
			else if (l->src == v)
				other = l->dst;
			if (other >= 0 && ra->color[other] >= 0 &&
			    ra->color[other] < NCOLORS &&
			    !busy[ra->color[other]])
				pick = ra->color[other];
		}
		for (int c = 0; c < NCOLORS && pick < 0; c++)
			if (!busy[c])
				pick = c;
		if (pick < 0) {
			ra->spilled[v] = true;
			failed++;
			continue;
		}
		ra->color[v] = pick;
	}
	free(order);
	free(seen);
	return failed;
}

static void rewrite(struct ra *ra)
{
	struct lir_func *lf = ra->lf;

	for (int i = 0; i < lf->n; i++) {
		struct lir *l = &lf->v[i];

		if (l->dst >= 0)
			l->dst = ra->color[l->dst];
		if (l->src >= 0)
			l->src = ra->color[l->src];
	}
}

/* ---- spill slots ------------------------------------------------------- */

/* Slot s (1-based) read by l (a reload) or written (a spill store). */
static int slot_use(const struct lir *l)
{
	return l->spill && BPF_CLASS(l->code) == BPF_LDX ? l->spill : 0;
}

static int slot_def(const struct lir *l)
{
	return l->spill && BPF_CLASS(l->code) == BPF_STX ? l->spill : 0;
}

/* Give the spill slots stack offsets: a slot is live from a store to
 * the reloads that may read it; two slots that are live at once (one
 * stored while the other is live) interfere; each slot takes the
 * lowest 8-byte colour that none of its neighbours has.  A store
 * writes all 8 bytes, so it ends whatever lived there before. */
static int assign_slots(struct ra *ra)
{
	struct lir_func *lf = ra->lf;
	int n = lf->n, ns = ra->nslots + 1, words = (ns + 63) / 64;
	word *in = calloc((size_t)(n + 1) * words, sizeof(word));
	word *inter = calloc((size_t)ns * words, sizeof(word));
	int *color = calloc(ns, sizeof(int)), ncolors = 0, rc = 0;
	bool changed = true;

	if (!in || !inter || !color) {
		rc = -ENOMEM;
		goto out;
	}
	label_positions(ra);
	ra->n = n;
	/* in[i] = use(i) | (out(i) - def(i)), out(i) = U in[succ] */
	while (changed) {
		changed = false;
		for (int i = n - 1; i >= 0; i--) {
			word tmp[words];
			int s[2], nsu = succs(ra, i, s);
			int u = slot_use(&lf->v[i]), d = slot_def(&lf->v[i]);

			memset(tmp, 0, sizeof(tmp));
			for (int k = 0; k < nsu; k++)
				for (int w = 0; w < words; w++)
					tmp[w] |= in[(size_t)s[k] * words + w];
			if (d)
				tmp[d / 64] &= ~((word)1 << (d % 64));
			if (u)
				set(tmp, u);
			if (memcmp(tmp, in + (size_t)i * words, sizeof(tmp))) {
				memcpy(in + (size_t)i * words, tmp,
				       sizeof(tmp));
				changed = true;
			}
		}
	}
	for (int i = 0; i < n; i++) {
		int d = slot_def(&lf->v[i]), s[2], nsu;
		word out[words];

		if (!d)
			continue;
		memset(out, 0, sizeof(out));
		nsu = succs(ra, i, s);
		for (int k = 0; k < nsu; k++)
			for (int w = 0; w < words; w++)
				out[w] |= in[(size_t)s[k] * words + w];
		for (int q = 1; q < ns; q++)
			if (q != d && bit(out, q)) {
				set(inter + (size_t)d * words, q);
				set(inter + (size_t)q * words, d);
			}
	}
	/* slots read before any store on some path: live at the entry,
	 * together (the verifier rejects such a read anyway) */
	for (int a = 1; a < ns; a++)
		for (int b = a + 1; b < ns && n; b++)
			if (bit(in, a) && bit(in, b)) {
				set(inter + (size_t)a * words, b);
				set(inter + (size_t)b * words, a);
			}
	for (int a = 1; a < ns; a++) {
		const word *ia = inter + (size_t)a * words;
		int c = 1;

		for (bool clash = true; clash; ) {
			clash = false;
			for (int b = 1; b < a && !clash; b++)
				if (color[b] == c && bit(ia, b))
					clash = true;
			if (clash)
				c++;
		}
		color[a] = c;
	}
	for (int i = 0; i < n; i++) {
		struct lir *l = &lf->v[i];

		if (!l->spill)
			continue;
		if (color[l->spill] > ncolors)
			ncolors = color[l->spill];
		l->off = (int16_t)-(lf->stack_isel + 8 * color[l->spill]);
	}
	ra->nslot_colors = ncolors;
out:
	free(in);
	free(inter);
	free(color);
	return rc;
}

/* ---- redundant constants ------------------------------------------------- */

/* What the pass below knows of a physical register at a point:
 *   KR_ANY    nothing (it may be a pointer that is never NULL to the
 *             verifier, such as r10 + off: a test against 0 proves
 *             nothing about it);
 *   KR_SAFE   a scalar or a helper's result (possibly a pointer that
 *             the verifier turns into the scalar 0 when it is tested
 *             equal to 0, or one it knows is not NULL), or something
 *             computed from those alone;
 *   KR_CONST  the scalar `val`. */
enum { KR_TOP, KR_ANY, KR_SAFE, KR_CONST };

struct kreg {
	int8_t k;
	int64_t val;
};

static struct kreg kr_meet(struct kreg a, struct kreg b)
{
	if (a.k == KR_TOP)
		return b;
	if (b.k == KR_TOP)
		return a;
	if (a.k == KR_CONST && b.k == KR_CONST && a.val == b.val)
		return a;
	if (a.k == KR_ANY || b.k == KR_ANY)
		return (struct kreg){ KR_ANY, 0 };
	return (struct kreg){ KR_SAFE, 0 };
}

static bool kr_safe(struct kreg a)
{
	return a.k == KR_SAFE || a.k == KR_CONST;
}

/* The state after instruction l, from the one before it. */
static void kr_step(const struct lir *l, struct kreg *r)
{
	int d[8], nd = lir__defs(l, d);
	struct kreg any = { KR_ANY, 0 }, safe = { KR_SAFE, 0 };

	if (l->kind == LK_CALL || l->kind == LK_SUBCALL) {
		for (int i = 1; i <= 5; i++)
			r[i] = any;
		r[0] = safe;
		return;
	}
	if (l->kind == LK_LDIMM64) {
		r[l->dst] = (struct kreg){ KR_CONST, l->imm };
		return;
	}
	if (is_alu(l) && l->dst < NCOLORS) {
		bool k = BPF_SRC(l->code) == BPF_K;
		struct kreg src = k ? safe : l->src < NCOLORS ? r[l->src] : any;

		if (BPF_CLASS(l->code) == BPF_ALU)
			/* 32 bits: a scalar (or a verifier error) */
			r[l->dst] = kr_safe(src) ? safe : any;
		else if (BPF_OP(l->code) == BPF_MOV && k)
			r[l->dst] = (struct kreg){ KR_CONST,
						   (int32_t)l->imm };
		else if (BPF_OP(l->code) == BPF_MOV)
			r[l->dst] = kr_safe(src) ? src : any;
		else
			r[l->dst] = kr_safe(src) && kr_safe(r[l->dst]) ?
				    safe : any;
		return;
	}
	for (int i = 0; i < nd; i++)
		if (d[i] < NCOLORS)
			r[d[i]] = any;
}

/* The state on the taken edge (taken) or the fall-through of jump l:
 * "if (rX == 0)" makes rX the scalar 0 on the taken edge, "if (rX !=
 * 0)" on the other, when rX is KR_SAFE (the verifier does the same). */
static void kr_edge(const struct lir *l, struct kreg *r, bool taken)
{
	int op = BPF_OP(l->code);

	if (l->kind != LK_JMP || BPF_CLASS(l->code) != BPF_JMP ||
	    BPF_SRC(l->code) != BPF_K || l->imm != 0 || l->dst < 0 ||
	    l->dst >= NCOLORS || !kr_safe(r[l->dst]))
		return;
	if ((op == BPF_JEQ && taken) || (op == BPF_JNE && !taken))
		r[l->dst] = (struct kreg){ KR_CONST, 0 };
}

/* Drop "rX = K" where every path already leaves K in rX (the fault
 * stub's "r0 = 0" after "if (r0 == 0)", a constant set twice).  A
 * forward pass over physical registers, to a fixpoint. */
static void drop_known_consts(struct ra *ra)
{
	struct lir_func *lf = ra->lf;
	int n = lf->n, j = 0;
	struct kreg (*in)[NCOLORS] = calloc(n + 1, sizeof(*in));
	bool *reach = calloc(n + 1, sizeof(bool)), changed = true;

	label_positions(ra);
	ra->n = n;
	if (!n)
		goto out;
	for (int r = 0; r < NCOLORS; r++)
		in[0][r] = (struct kreg){ KR_ANY, 0 };
	reach[0] = true;
	while (changed) {
		changed = false;
		for (int i = 0; i < n; i++) {
			const struct lir *l = &lf->v[i];
			struct kreg out[NCOLORS];
			int s[2], ns;

			if (!reach[i])
				continue;
			memcpy(out, in[i], sizeof(out));
			kr_step(l, out);
			ns = succs(ra, i, s);
			for (int k = 0; k < ns; k++) {
				struct kreg e[NCOLORS];
				int t = s[k];

				if (t < 0 || t >= n)
					continue;
				memcpy(e, out, sizeof(e));
				/* the taken edge is s[0] of a conditional jump
				 * (unless it is also the next instruction) */
				if (l->kind == LK_JMP &&
				    BPF_OP(l->code) != BPF_JA &&
				    !(ns == 2 && s[0] == s[1]))
					kr_edge(l, e, k == 0);
				for (int r = 0; r < NCOLORS; r++) {
					struct kreg m = reach[t] ?
						kr_meet(in[t][r], e[r]) : e[r];

					if (!reach[t] || m.k != in[t][r].k ||
					    m.val != in[t][r].val) {
						in[t][r] = m;
						changed = true;
					}
				}
				reach[t] = true;
			}
		}
	}
	for (int i = 0; i < n; i++) {
		const struct lir *l = &lf->v[i];
		bool movk = is_alu(l) && BPF_CLASS(l->code) == BPF_ALU64 &&
			    BPF_OP(l->code) == BPF_MOV &&
			    BPF_SRC(l->code) == BPF_K;
		struct kreg c = reach[i] && l->dst >= 0 && l->dst < NCOLORS ?
				in[i][l->dst] : (struct kreg){ KR_ANY, 0 };

		if (c.k == KR_CONST &&
		    ((movk && c.val == (int32_t)l->imm) ||
		     (l->kind == LK_LDIMM64 && c.val == l->imm)))
			continue;
		lf->v[j++] = *l;
	}
	lf->n = j;
out:
	free(in);
	free(reach);
}

/* Drop "goto L" right before L (with only labels between). */
static void drop_fallthrough_jumps(struct lir_func *lf)
{
	int j = 0;

	for (int i = 0; i < lf->n; i++) {
		struct lir *l = &lf->v[i];

		if (l->kind == LK_JMP) {
			int k = i + 1;
			bool next = false;

			for (; k < lf->n && lf->v[k].kind == LK_LABEL; k++)
				if (lf->v[k].imm == l->target)
					next = true;
			if (next)
				continue;
		}
		lf->v[j++] = *l;
	}
	lf->n = j;
}

static int inverse_jmp(int op)
{
	switch (op) {
	case BPF_JEQ: return BPF_JNE;
	case BPF_JNE: return BPF_JEQ;
	case BPF_JGT: return BPF_JLE;
	case BPF_JLE: return BPF_JGT;
	case BPF_JGE: return BPF_JLT;
	case BPF_JLT: return BPF_JGE;
	case BPF_JSGT: return BPF_JSLE;
	case BPF_JSLE: return BPF_JSGT;
	case BPF_JSGE: return BPF_JSLT;
	case BPF_JSLT: return BPF_JSGE;
	default: return -1;
	}
}

/* "if (c) goto L1; goto L2; L1:"  ->  "if (!c) goto L2; L1:" */
static void invert_branches(struct lir_func *lf)
{
	int j = 0;

	for (int i = 0; i < lf->n; i++) {
		struct lir *l = &lf->v[i];
		int inv = l->kind == LK_JMP ? inverse_jmp(BPF_OP(l->code)) : -1;

		if (inv >= 0 && i + 1 < lf->n && lf->v[i + 1].kind == LK_JMP &&
		    BPF_OP(lf->v[i + 1].code) == BPF_JA) {
			bool next = false;

			for (int k = i + 2; k < lf->n &&
			     lf->v[k].kind == LK_LABEL; k++)
				if (lf->v[k].imm == l->target)
					next = true;
			if (next) {
				l->code = (uint8_t)((l->code & ~0xf0) | inv);
				l->target = lf->v[i + 1].target;
				lf->v[j++] = *l;
				i++;
				continue;
			}
		}
		lf->v[j++] = *l;
	}
	lf->n = j;
}

/* Thread jumps whose target is an unconditional jump. */
static void thread_jumps(struct lir_func *lf)
{
	int *pos = calloc(lf->nlabels + 1, sizeof(int));

	for (int i = 0; i < lf->n; i++)
		if (lf->v[i].kind == LK_LABEL)
			pos[lf->v[i].imm] = i;
	for (int i = 0; i < lf->n; i++) {
		struct lir *l = &lf->v[i];

		for (int hops = 0; l->kind == LK_JMP && hops < 8; hops++) {
			int k = pos[l->target];

			while (k < lf->n && lf->v[k].kind == LK_LABEL)
				k++;
			if (k >= lf->n || lf->v[k].kind != LK_JMP ||
			    BPF_OP(lf->v[k].code) != BPF_JA ||
			    lf->v[k].target == l->target)
				break;
			l->target = lf->v[k].target;
		}
	}
	free(pos);
}

/* Remove instructions no path from the entry reaches (the verifier
 * rejects unreachable code). */
static bool drop_unreachable(struct cg *cg, struct lir_func *lf)
{
	struct ra ra = { .cg = cg, .lf = lf, .n = lf->n };
	bool *seen = calloc(lf->n + 1, sizeof(bool)), any = false;
	int *stack = calloc(lf->n + 1, sizeof(int)), sp = 0, j = 0;

	label_positions(&ra);
	if (lf->n)
		stack[sp++] = 0, seen[0] = true;
	while (sp) {
		int i = stack[--sp], s[2], ns = succs(&ra, i, s);

		for (int k = 0; k < ns; k++)
			if (s[k] >= 0 && !seen[s[k]]) {
				seen[s[k]] = true;
				stack[sp++] = s[k];
			}
	}
	for (int i = 0; i < lf->n; i++) {
		if (!seen[i] && lf->v[i].kind != LK_LABEL) {
			any = true;
			continue;
		}
		lf->v[j++] = lf->v[i];
	}
	lf->n = j;
	free(seen);
	free(stack);
	return any;
}

/* Jump threading, unreachable code, jumps to the next instruction. */
static void cleanup_jumps(struct cg *cg, struct lir_func *lf)
{
	do {
		thread_jumps(lf);
		drop_fallthrough_jumps(lf);
		invert_branches(lf);
	} while (drop_unreachable(cg, lf));
}

/* Does l read a register as its source operand? */
static bool reg_source(const struct lir *l)
{
	int cls = BPF_CLASS(l->code);

	if (l->kind != LK_OP && l->kind != LK_JMP)
		return false;
	if (cls == BPF_STX)
		return true;
	if ((cls == BPF_ALU64 || cls == BPF_ALU) && BPF_OP(l->code) != BPF_END &&
	    BPF_OP(l->code) != BPF_NEG)
		return BPF_SRC(l->code) == BPF_X;
	if (cls == BPF_JMP || cls == BPF_JMP32)
		return l->kind == LK_JMP && BPF_OP(l->code) != BPF_JA &&
		       BPF_SRC(l->code) == BPF_X;
	return false;
}

int regalloc__func(struct cg *cg, struct lir_func *lf)
{
	struct ra ra = { .cg = cg, .lf = lf };
	int rc = 0;

	for (int i = 0; i < lf->n; i++) {
		const struct lir *l = &lf->v[i];

		if (l->dst < LIR_NONE || l->dst >= lf->nregs ||
		    l->src < LIR_NONE || l->src >= lf->nregs ||
		    (l->kind == LK_JMP && (l->target < 0 ||
					   l->target >= lf->nlabels)) ||
		    /* a BPF immediate is 32 bits (isel widens the others) */
		    ((l->kind == LK_OP || l->kind == LK_JMP) &&
		     l->imm != (int32_t)l->imm) ||
		    /* a register source that isel never set (found by the
		     * fuzzer: a missing scratch pointer) */
		    (l->src == LIR_NONE && reg_source(l))) {
			diag__error(cg->s, &l->loc, "internal error",
				    "bad LIR instruction %d in '%s' (kind %d, "
				    "code %#x, dst %d, src %d)", i, lf->name,
				    l->kind, l->code, l->dst, l->src);
			return -EINVAL;
		}
	}
	cleanup_jumps(cg, lf);
	ra.nregs = lf->nregs;
	ra.spilled = calloc(lf->nregs, sizeof(bool));
	ra.nospill = calloc(lf->nregs, sizeof(bool));
	ra.slot = calloc(lf->nregs, sizeof(int));
	do
		liveness(&ra);
	while (dce(&ra));
	for (int round = 0;; round++) {
		if (round == 0 && choose_spills(&ra)) {
			spill_rewrite(&ra);
			liveness(&ra);
		}
		build_interference(&ra);
		if (!assign(&ra))
			break;
		if (round > 32) {
			diag__error(cg->s, &lf->irf->loc, "semantic error",
				    "register allocation failed for '%s'",
				    lf->name);
			rc = -EINVAL;
			goto out;
		}
		spill_rewrite(&ra);
		liveness(&ra);
	}
	rewrite(&ra);
	/* moves that coalesced are now "rX = rX" */
	liveness(&ra);
	dce(&ra);
	drop_known_consts(&ra);
	rc = assign_slots(&ra);
	if (rc)
		goto out;
	lf->stack_size = lf->stack_isel + 8 * ra.nslot_colors;
	if (lf->stack_size > BPF_STACK_MAX) {
		diag__error(cg->s, &lf->irf->loc, "semantic error",
			    "probe '%s' needs %d bytes of BPF stack, the limit "
			    "is %d", lf->name, lf->stack_size, BPF_STACK_MAX);
		rc = -E2BIG;
	}
out:
	free(ra.live_in);
	free(ra.live_out);
	free(ra.inter);
	free(ra.color);
	free(ra.spilled);
	free(ra.nospill);
	free(ra.slot);
	return rc;
}
