/* isel.c - instruction selection: IR -> LIR.
 *
 * Every sequence is written so that the verifier accepts it by
 * construction: map lookups are null-checked before any use, every
 * variable offset into a map value is clamped first, ring-buffer records
 * are submitted on every path.  The comment above each sequence gives
 * its pseudo-C.
 *
 * Data model (see ir.h):
 *   G  = the IRM_GLOBALS value (struct ir_control, then the globals):
 *        the object's .bss section, whose address a probe loads
 *        directly (BPF_PSEUDO_MAP_VALUE; libbpf makes it a 1-entry
 *        array map, runtime/loader.c binds globals_map to it);
 *   S  = this CPU's IRM_SCRATCH value: a zero area never written
 *        (cg->zeros_off), then per function: string slots of its string
 *        vregs, key buffers of its map operations, its frame;
 *   a long vreg is a LIR vreg; a string vreg is a MAXSTRINGLEN buffer
 *   at a fixed offset in S.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf.h"
#include "lir.h"
#include "provider.h"
#include "record.h"
#include "session.h"

struct errstub {
	const char *msg;	/* "msg near <token> at file:line:col" */
	const char *bare;	/* "msg": what a catch sees */
	const char *sfx;	/* " near <token> at file:line:col" or "" */
	int label;
	uint32_t type;		/* REC_ERROR or REC_MAXACTION */
	int target;		/* catch label, or -1: report / propagate */
};

/* The out-of-line insert of an add to a per-CPU array (sel_map_add):
 * selected after the body, so the add's own path has no jump over it. */
struct coldadd {
	struct coldadd *next;
	struct ir_insn *in;
	int label, done;	/* where it starts; where it goes back to */
	int mp, key;		/* LIR vregs: &m, the key pointer */
};

struct isel {
	struct cg *cg;
	struct cg_prog *cp;
	struct ir_program *p;
	struct ir_func *f;
	struct lir_func *lf;
	int msl;			/* MAXSTRINGLEN */
	int *lreg;			/* IR long vreg -> LIR vreg */
	int *soff;			/* IR string vreg -> offset in S */
	int *nuses;			/* IR vreg -> number of uses */
	int *nsinks;			/* uses where a string can be written
					 * in place (printf arg, key column) */
	struct ir_insn **def;		/* IR vreg -> its only def, or NULL */
	bool *deferred;			/* string defs emitted at their use */
	bool *sunk;			/* pure builtins emitted at their use
					 * (a key column: stored at once) */
	int *slot_reg;			/* promoted long slot -> LIR vreg */
	int *slot_off;			/* string or frame slot -> off in S */
	int *blabel;			/* IR block -> label */
	int G, S;			/* LIR vregs, S == LIR_NONE if unused */
	int ctx;			/* LIR vreg: the context (r1 at entry)
					 * when the probe reads IR_CTX */
	int lbl_ret0;			/* r0 = 0; exit */
	struct ir_insn *cur;
	struct loc loc;
	int stack;			/* bytes of the function-long stack
					 * buffers (stack_alloc) and below */
	int stack_tmp;			/* bytes of the current instruction's
					 * buffers (stack_tmp), under `stack` */
	int stack_max;			/* high-water mark of both */
	struct errstub *stubs;
	int nstubs;
	struct coldadd *colds, **cold_tail;	/* in selection order */
	int err;
	struct fninfo *fi;		/* this function's plan */
	struct ir_func *frame_f;	/* whose frame slots (region: owner) */
	int errv;			/* vreg: pointer the error tails read */
	int lbl_prop;			/* propagate the error state, or -1 */
	bool want_errmsg;		/* the function reads IR_ERRMSG */
	int cur_block;			/* index of the block being selected */
	int zkey_off;			/* fp offset of a u32 0, or 0 */
	/* pure builtins (pid() ...) called twice or more, once in the
	 * entry block: the first call's value, reused by the others */
	const char *bc_name[8];
	int bc_reg[8];
	int nbc;
	int strctx_off;			/* fp offset of the string callbacks'
					 * context, or 0 */
	int sctx_off;			/* fp offset of the stat callbacks'
					 * context, or 0 */
	bool str_keys_fit;		/* str_key_stackable keys go on the
					 * stack (str_keys_fit()) */
	bool *errconst;			/* string vreg: a literal whose one
					 * use is an uncaught error() of the
					 * probe: never built (a fault stub) */
	bool *litstr;			/* string vreg: defined once, by a
					 * literal (then also in .rodata) */
};

/* ---- emitting LIR ------------------------------------------------------ */

static struct lir *put(struct isel *is, enum lir_kind kind)
{
	struct lir_func *lf = is->lf;
	struct lir *l;

	if (lf->n == lf->cap) {
		int cap = lf->cap ? lf->cap * 2 : 64;
		struct lir *v = arena__alloc(&is->cg->s->arena,
					     sizeof(*v) * cap);

		if (lf->n)
			memcpy(v, lf->v, sizeof(*v) * lf->n);
		lf->v = v;
		lf->cap = cap;
	}
	l = &lf->v[lf->n++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->dst = l->src = LIR_NONE;
	l->target = -1;
	l->loc = is->loc;
	return l;
}

static int vreg(struct isel *is)
{
	return is->lf->nregs++;
}

static int label(struct isel *is)
{
	return is->lf->nlabels++;
}

static void op_rr(struct isel *is, int op, int dst, int src)
{
	struct lir *l = put(is, LK_OP);

	l->code = BPF_ALU64 | op | BPF_X;
	l->dst = dst;
	l->src = src;
}

static bool fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static void movi(struct isel *is, int dst, int64_t imm);

/* A BPF immediate is 32 bits, sign-extended: a constant that does not
 * fit goes through a scratch register (ld_imm64) instead, so callers
 * never lose its high bits. */
static int wide_imm(struct isel *is, int64_t imm)
{
	int r = vreg(is);

	movi(is, r, imm);
	return r;
}

/* dst op= imm (64-bit ALU) */
static void op_ri(struct isel *is, int op, int dst, int64_t imm)
{
	struct lir *l;

	if (!fits32(imm)) {
		op_rr(is, op, dst, wide_imm(is, imm));
		return;
	}
	l = put(is, LK_OP);
	l->code = BPF_ALU64 | op | BPF_K;
	l->dst = dst;
	l->imm = imm;
}

static void mov(struct isel *is, int dst, int src)
{
	if (dst != src)
		op_rr(is, BPF_MOV, dst, src);
}

static void movi(struct isel *is, int dst, int64_t imm)
{
	if (fits32(imm)) {
		op_ri(is, BPF_MOV, dst, imm);
	} else {
		struct lir *l = put(is, LK_LDIMM64);

		l->dst = dst;
		l->imm = imm;
	}
}

static void ldx(struct isel *is, int size, int dst, int src, int off)
{
	struct lir *l = put(is, LK_OP);

	l->code = BPF_LDX | size | BPF_MEM;
	l->dst = dst;
	l->src = src;
	l->off = (int16_t)off;
}

static void stx(struct isel *is, int size, int dst, int off, int src)
{
	struct lir *l = put(is, LK_OP);

	l->code = BPF_STX | size | BPF_MEM;
	l->dst = dst;
	l->src = src;
	l->off = (int16_t)off;
}

/* *(size *)(dst + off) = imm.  A BPF_DW immediate store sign-extends
 * 32 bits: a wider constant is stored from a register. */
static void st(struct isel *is, int size, int dst, int off, int64_t imm)
{
	struct lir *l;

	if (size == BPF_DW && !fits32(imm)) {
		stx(is, size, dst, off, wide_imm(is, imm));
		return;
	}
	l = put(is, LK_OP);
	l->code = BPF_ST | size | BPF_MEM;
	l->dst = dst;
	l->off = (int16_t)off;
	l->imm = imm;
}

/* lock *(u64 *)(dst + off) += src */
static void xadd(struct isel *is, int dst, int off, int src)
{
	struct lir *l = put(is, LK_OP);

	l->code = BPF_STX | BPF_DW | BPF_ATOMIC;
	l->dst = dst;
	l->src = src;
	l->off = (int16_t)off;
	l->imm = BPF_ADD;
}

/* r0 = cmpxchg((u64 *)(dst + off), r0, src): src is stored when the
 * u64 equals r0; r0 gets the old value */
static void cmpxchg(struct isel *is, int dst, int off, int src)
{
	struct lir *l = put(is, LK_OP);

	l->code = BPF_STX | BPF_DW | BPF_ATOMIC;
	l->dst = dst;
	l->src = src;
	l->off = (int16_t)off;
	l->imm = BPF_CMPXCHG;
}

static void jmp_rr(struct isel *is, int op, int a, int b, int target)
{
	struct lir *l = put(is, LK_JMP);

	l->code = BPF_JMP | op | BPF_X;
	l->dst = a;
	l->src = b;
	l->target = target;
}

/* if (a op imm) goto target; a wide imm is compared from a register */
static void jmp_ri(struct isel *is, int op, int a, int64_t imm, int target)
{
	struct lir *l;

	if (!fits32(imm)) {
		jmp_rr(is, op, a, wide_imm(is, imm), target);
		return;
	}
	l = put(is, LK_JMP);
	l->code = BPF_JMP | op | BPF_K;
	l->dst = a;
	l->imm = imm;
	l->target = target;
}

static void ja(struct isel *is, int target)
{
	struct lir *l = put(is, LK_JMP);

	l->code = BPF_JMP | BPF_JA;
	l->target = target;
}

static void place(struct isel *is, int lbl)
{
	put(is, LK_LABEL)->imm = lbl;
}

static void call(struct isel *is, int helper, int nargs)
{
	struct lir *l = put(is, LK_CALL);

	l->imm = helper;
	l->nargs = nargs;
}

static void ldmap(struct isel *is, int dst, struct ir_map *m)
{
	struct lir *l = put(is, LK_LDMAP);

	l->dst = dst;
	l->map = m;
}

static void ret0(struct isel *is)
{
	ja(is, is->lbl_ret0);
}

/* dst = &.rodata[off] */
static void ldrodata(struct isel *is, int dst, int off)
{
	struct lir *l = put(is, LK_LDMAPVAL);

	l->dst = dst;
	l->map = is->cg->rodata_map;
	l->imm = off;
}

/* r0 = v; exit */
static void ret_val(struct isel *is, int v)
{
	mov(is, 0, v);
	put(is, LK_EXIT);
}

static void ret_imm(struct isel *is, int64_t v)
{
	movi(is, 0, v);
	put(is, LK_EXIT);
}

/* The label that propagates the error state already in S: the probe
 * reports it, a function returns 1, a region returns IRR_ERROR. */
static int prop_label(struct isel *is)
{
	if (is->lbl_prop < 0)
		is->lbl_prop = is->lf->nlabels++;
	return is->lbl_prop;
}

/* Where to go when the state is set: the catch block or propagate. */
static int state_target(struct isel *is, struct ir_insn *in)
{
	if (in && in->on_error >= 0)
		return is->blabel[in->on_error];
	return prop_label(is);
}

/* Stack bytes that keep their contents for the whole function (the
 * zero key, the callbacks' contexts); returns the offset from r10
 * (negative).  They go under everything used so far, the current
 * instruction's buffers included. */
static int stack_alloc(struct isel *is, int size)
{
	is->stack_max += (size + 7) & ~7;
	is->stack = is->stack_max;
	return -is->stack;
}

/* Stack bytes for the instruction being selected only (a key, a value,
 * a printf record, a context for one call): every instruction starts
 * again at `stack` (stack_tmp_reset), so the buffers of instructions
 * share their bytes.  Nothing reads them after the instruction's code
 * (its fault stubs run before any other instruction's code).  Returns
 * the offset from r10 (negative). */
static int stack_tmp(struct isel *is, int size)
{
	is->stack_tmp += (size + 7) & ~7;
	if (is->stack + is->stack_tmp > is->stack_max)
		is->stack_max = is->stack + is->stack_tmp;
	return -(is->stack + is->stack_tmp);
}

static void stack_tmp_reset(struct isel *is)
{
	is->stack_tmp = 0;
}

static void error_at(struct isel *is, const char *fmt, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, what);
	diag__error(is->cg->s, &is->loc, "semantic error", "%s", msg);
	is->err = -EINVAL;
}

/* ---- scratch ------------------------------------------------------------ */

/* Layout of the scratch value: the zero area, then what every probe
 * may reach (function frames, regions, subprograms' strings), then each
 * probe's own strings and keys, all probes from the same probe_base.
 * Probes are perf_event programs: the kernel runs at most one of them
 * per CPU at a time (bpf_prog_active), so their regions may overlap;
 * a call chain's frames are all in the common part and never do. */
int cg__scratch_alloc(struct cg *cg, int size)
{
	int off = (cg->scratch_size + 7) & ~7;

	cg->scratch_size = off + size;
	if (cg->scratch_size > cg->scratch_hwm)
		cg->scratch_hwm = cg->scratch_size;
	return off;
}

/* Scratch that several probes share (the error state, the string loop
 * state, tokenize()'s state, callbacks' temporaries): above everything
 * any probe has used so far, and below every later probe's region. */
int cg__scratch_alloc_shared(struct cg *cg, int size)
{
	int off;

	if (cg->scratch_hwm > cg->scratch_size)
		cg->scratch_size = cg->scratch_hwm;
	off = cg__scratch_alloc(cg, size);
	if (cg->probe_base < cg->scratch_size)
		cg->probe_base = cg->scratch_size;
	return off;
}

/* a callback (no fninfo) is shared by the probes that call it */
static int scratch_alloc(struct isel *is, int size)
{
	if (!is->fi)
		return cg__scratch_alloc_shared(is->cg, size);
	return cg__scratch_alloc(is->cg, size);
}

static int scratch_alloc_shared(struct isel *is, int size)
{
	return cg__scratch_alloc_shared(is->cg, size);
}

/* size bytes of data in .rodata (8-aligned, shared when equal) */
int cg__rodata_add(struct cg *cg, const void *data, int size)
{
	int off;

	for (off = 0; off + size <= cg->rodata_size; off += 8)
		if (!memcmp(cg->rodata + off, data, size))
			return off;
	off = (cg->rodata_size + 7) & ~7;
	if (off + size > cg->rodata_cap) {
		int cap = (off + size) * 2 + 256;
		char *n = arena__alloc(&cg->s->arena, cap);

		memset(n, 0, cap);
		if (cg->rodata_size)
			memcpy(n, cg->rodata, cg->rodata_size);
		cg->rodata = n;
		cg->rodata_cap = cap;
	}
	memcpy(cg->rodata + off, data, size);
	cg->rodata_size = off + size;
	return off;
}

/* The error state in S, one per running probe:
 *   +0        struct rec_hdr (filled in when it is reported)
 *   +8        message[MSL]: the bare message, as a catch sees it
 *   +len_off  u64: strlen(message) + 1 (what probe_read_kernel_str says)
 *   +len_off+8  u64: the .rodata offset of the fault site's
 *             " near <token> at file:line:col" (or of "")
 * The report appends the site to the message, in place. */
static int errrec(struct isel *is)
{
	if (is->cg->errrec_off < 0)
		is->cg->errrec_off = scratch_alloc_shared(is, 8 +
			((is->msl + 7) & ~7) + 16);
	return is->cg->errrec_off;
}

static int err_len_off(struct isel *is)
{
	return errrec(is) + 8 + ((is->msl + 7) & ~7);
}

static int err_site_off(struct isel *is)
{
	return err_len_off(is) + 8;
}

static int rcode(struct isel *is)
{
	if (is->cg->rcode_off < 0)
		is->cg->rcode_off = scratch_alloc_shared(is, 8);
	return is->cg->rcode_off;
}

/* dst = S + off */
static void sptr(struct isel *is, int dst, int off)
{
	mov(is, dst, is->S);
	if (off)
		op_ri(is, BPF_ADD, dst, off);
}

/* ---- operands ----------------------------------------------------------- */

/* A LIR register holding the long value v. */
static void sel_builtin(struct isel *is, struct ir_insn *in);

static int val(struct isel *is, struct ir_val v)
{
	int r;

	if (v.kind == IRV_REG && is->sunk[v.reg]) {
		is->sunk[v.reg] = false;
		sel_builtin(is, is->def[v.reg]);
	}
	if (v.kind == IRV_REG)
		return is->lreg[v.reg];
	r = vreg(is);
	movi(is, r, v.kind == IRV_IMM ? v.imm : 0);
	return r;
}

static bool is_imm32(struct ir_val v)
{
	return v.kind == IRV_IMM && fits32(v.imm);
}

/* ---- faults ------------------------------------------------------------- */

/* " near <token> at file:line:col" of the instruction being selected
 * (" at file:line:col" without a token), "" when it has no position */
static const char *site_text(struct isel *is, uint32_t type)
{
	struct ir_insn *in = is->cur;

	if (!in || !in->loc.src || type != REC_ERROR)
		return "";
	if (in->near)
		return arena__printf(&is->cg->s->arena, " near %s at %s:%d:%d",
				     in->near, in->loc.src->name, in->loc.line,
				     in->loc.col);
	return arena__printf(&is->cg->s->arena, " at %s:%d:%d",
			     in->loc.src->name, in->loc.line, in->loc.col);
}

/* The .rodata offset of the site text sfx (what S.err.site holds) */
static int site_off(struct isel *is, const char *sfx)
{
	return cg__rodata_add(is->cg, sfx, (int)strlen(sfx) + 1);
}

static int site_of(struct isel *is, uint32_t type)
{
	return site_off(is, site_text(is, type));
}

static int new_stub(struct isel *is, const char *msg, uint32_t type,
		    int target)
{
	struct errstub *n;
	const char *sfx = site_text(is, type);
	const char *full = arena__printf(&is->cg->s->arena, "%s%s", msg, sfx);
	for (int i = 0; i < is->nstubs; i++)
		if (!strcmp(is->stubs[i].msg, full) &&
		    is->stubs[i].type == type && is->stubs[i].target == target)
			return is->stubs[i].label;
	n = arena__alloc(&is->cg->s->arena, sizeof(*n) * (is->nstubs + 1));
	if (is->nstubs)
		memcpy(n, is->stubs, sizeof(*n) * is->nstubs);
	n[is->nstubs].msg = full;
	n[is->nstubs].bare = msg;
	n[is->nstubs].sfx = sfx;
	n[is->nstubs].label = label(is);
	n[is->nstubs].type = type;
	n[is->nstubs].target = target;
	is->stubs = n;
	return n[is->nstubs++].label;
}

/* The label to go to when the current instruction faults with msg
 * (reported as "msg near <token> at file:line:col", as stap says it;
 * a catch sees msg alone). */
static int fault_label_t(struct isel *is, const char *msg, uint32_t type)
{
	struct ir_insn *in = is->cur;
	const char *m = arena__strdup(&is->cg->s->arena, msg);

	if (in && in->on_error >= 0) {
		if (!is->want_errmsg)
			return is->blabel[in->on_error];
		return new_stub(is, m, type, is->blabel[in->on_error]);
	}
	return new_stub(is, m, type, -1);
}

static int fault_label(struct isel *is, const char *msg)
{
	return fault_label_t(is, msg, REC_ERROR);
}

static int probe_id(struct isel *is)
{
	return is->f->probe ? is->f->probe->id : is->f->id;
}

/* Reserve a ring-buffer record of size bytes: returns the vreg of the
 * record pointer; jumps to `dropped` when the buffer is full.
 *   rec = bpf_ringbuf_reserve(&ringbuf, size, 0);
 *   if (!rec) goto dropped;
 *   rec->type = type; rec->id = id; */
static int rec_reserve(struct isel *is, int size, uint32_t type, uint32_t id,
		       int dropped)
{
	int rec = vreg(is);

	ldmap(is, 1, is->p->ringbuf_map);
	movi(is, 2, size);
	movi(is, 3, 0);
	call(is, HELPER_ringbuf_reserve, 3);
	mov(is, rec, 0);
	jmp_ri(is, BPF_JEQ, rec, 0, dropped);
	if (id == 0 && type < 0x80000000u) {
		st(is, BPF_DW, rec, 0, (int32_t)type);
	} else {
		st(is, BPF_W, rec, 0, (int32_t)type);
		st(is, BPF_W, rec, 4, (int32_t)id);
	}
	return rec;
}

/* bpf_ringbuf_submit(rec, 0) */
static void rec_submit(struct isel *is, int rec)
{
	mov(is, 1, rec);
	movi(is, 2, 0);
	call(is, HELPER_ringbuf_submit, 2);
}

/* lock G->control.field += 1 */
static void count_control(struct isel *is, int off)
{
	int one = vreg(is);

	movi(is, one, 1);
	xadd(is, is->G, off, one);
}

/* Write the constant string msg (NUL-terminated, at most len bytes
 * with the NUL) at dst + off with 4-byte stores. */
static void store_cstr(struct isel *is, int dst, int off, const char *msg,
		       int len)
{
	int n = (int)strlen(msg) + 1;

	if (n > len)
		n = len;
	for (int i = 0; i < n; i += 4) {
		uint32_t w = 0;

		for (int j = 0; j < 4 && i + j < n; j++)
			w |= (uint32_t)(i + j == len - 1 ? 0 :
					(unsigned char)msg[i + j]) << (8 * j);
		st(is, BPF_W, dst, off + i, (int32_t)w);
	}
}

/* S.err = {msg: strcpy(src), len: its strlen + 1, site} */
static void copy_to_state(struct isel *is, int src, int site)
{
	st(is, BPF_DW, is->S, err_site_off(is), site);
	sptr(is, 1, errrec(is) + 8);
	movi(is, 2, is->msl);
	mov(is, 3, src);
	call(is, HELPER_probe_read_kernel_str, 3);
	stx(is, BPF_DW, is->S, err_len_off(is), 0);
}

/* The tail that copies the message errv into the state and goes to
 * target (a catch label, or -1: propagate). */
static int state_tail(struct isel *is, int *tails, int *ntails, int target)
{
	for (int i = 0; i < *ntails; i++)
		if (tails[2 * i] == target)
			return tails[2 * i + 1];
	tails[2 * *ntails] = target;
	tails[2 * *ntails + 1] = label(is);
	return tails[2 * (*ntails)++ + 1];
}

/* A probe reports the error state; the site's text (" near ... at
 * FILE:L:C" in .rodata) goes by its offset in the header, and user
 * space appends it to the message (a long message keeps its site):
 *   S.err.hdr = {REC_ERROR_AT, S.err.site & 0xffffff};
 *   errv = &S.err; goto report  */
static void report_state(struct isel *is, int report)
{
	int site = vreg(is);

	st(is, BPF_W, is->S, errrec(is), REC_ERROR_AT);
	ldx(is, BPF_DW, site, is->S, err_site_off(is));
	op_ri(is, BPF_AND, site, 0xffffff);
	stx(is, BPF_W, is->S, errrec(is) + 4, site);
	sptr(is, is->errv, errrec(is));
	ja(is, report);
}

/* The fault stubs, after the body.  Each goes to a shared tail:
 *   probe, uncaught:  site = 1 + rodata offset of {hdr, "msg near .."};
 *                     control.exit_requested = -site; return 0;
 *                     (one store: no probe starts after it; the
 *                     runtime polls the stop word and prints the
 *                     record: bpfgen/ir.h, struct ir_control)
 *   otherwise:        errv = &rodata"msg"; S.err.site = site;
 *                     goto tail(target);
 *   tail(target):     S.err.msg = strcpy(errv), S.err.len = r0;
 *                     goto catch / propagate;
 *   probe, uncaught, when the probe has a report tail anyway (a
 *   message built at run time) and at most 4 such stubs (cheaper):
 *                     errv = &rodata{hdr, "msg near .. at .."};
 *                     goto report;
 *   report:     one = 1;
 *               if (ringbuf_output(&ringbuf, errv, 8 + MSL, 0))
 *                 lock control.skipped += one;
 *               lock control.error_count += one; return 0;
 *   propagate:  probe: report_state (the site's offset), goto report;
 *               function: return 1;
 *               region: S.rcode = IRR_ERROR; return 1;  */
static void emit_stubs(struct isel *is)
{
	bool is_main = is->f->kind == IRF_PROBE;
	int report = label(is), cnt = label(is);
	int nuncaught = 0;
	bool need_report = false, via_report;
	struct arena *A = &is->cg->s->arena;
	int *tails = arena__alloc(A, sizeof(int) * 2 * (is->nstubs + 1));
	int ntails = 0;

	for (int i = 0; i < is->nstubs; i++)
		nuncaught += is_main && is->stubs[i].target < 0;
	via_report = is_main && is->lbl_prop >= 0 && nuncaught <= 4;

	is->errv = vreg(is);
	is->loc = is->f->loc;
	for (int i = 0; i < is->nstubs; i++) {
		struct errstub *es = &is->stubs[i];
		int n = (int)strlen(es->msg);

		if (n > is->msl - 1)
			n = is->msl - 1;
		place(is, es->label);
		if (is_main && es->target < 0) {
			char *rec = arena__alloc(A, 8 + is->msl);
			struct rec_hdr h = { es->type, (uint32_t)probe_id(is) };

			memset(rec, 0, 8 + is->msl);
			memcpy(rec, &h, sizeof(h));
			memcpy(rec + 8, es->msg, n);
			if (via_report) {
				ldrodata(is, is->errv,
					 cg__rodata_add(is->cg, rec,
							8 + is->msl));
				ja(is, report);
				need_report = true;
				continue;
			}
			st(is, BPF_DW, is->G,
			   offsetof(struct ir_control, exit_requested),
			   -(1 + cg__rodata_add(is->cg, rec, 8 + is->msl)));
			ret0(is);
			continue;
		}
		{
			int bn = (int)strlen(es->bare);
			char *m;

			if (bn > is->msl - 1)
				bn = is->msl - 1;
			m = arena__alloc(A, bn + 1);
			memcpy(m, es->bare, bn);
			m[bn] = 0;
			ldrodata(is, is->errv, cg__rodata_add(is->cg, m, bn + 1));
		}
		st(is, BPF_DW, is->S, err_site_off(is), site_off(is, es->sfx));
		ja(is, state_tail(is, tails, &ntails, es->target));
	}
	for (int i = 0; i < ntails; i++) {
		place(is, tails[2 * i + 1]);
		sptr(is, 1, errrec(is) + 8);
		movi(is, 2, is->msl);
		mov(is, 3, is->errv);
		call(is, HELPER_probe_read_kernel_str, 3);
		stx(is, BPF_DW, is->S, err_len_off(is), 0);
		ja(is, tails[2 * i] >= 0 ? tails[2 * i] : prop_label(is));
	}
	if (is->lbl_prop >= 0) {
		place(is, is->lbl_prop);
		if (is_main) {
			report_state(is, report);
			need_report = true;
		} else if (is->f->kind == IRF_FUNCTION) {
			ret_imm(is, 1);
		} else {
			st(is, BPF_DW, is->S, rcode(is), IRR_ERROR);
			ret_imm(is, 1);
		}
	}
	if (need_report) {
		place(is, report);
		ldmap(is, 1, is->p->ringbuf_map);
		mov(is, 2, is->errv);
		movi(is, 3, 8 + is->msl);
		movi(is, 4, 0);
		call(is, HELPER_ringbuf_output, 4);
		{
			/* one register holds the 1 both counters add */
			int one = vreg(is);

			movi(is, one, 1);
			jmp_ri(is, BPF_JEQ, 0, 0, cnt);
			xadd(is, is->G,
			     offsetof(struct ir_control, skipped), one);
			place(is, cnt);
			xadd(is, is->G,
			     offsetof(struct ir_control, error_count), one);
		}
		ret0(is);
	}
}

/* ---- strings ------------------------------------------------------------ */

/* bpf_probe_read_kernel_str(S + dst, MSL, src_reg) -> r0 */
static void strcpy_reg(struct isel *is, int dst_off, int src, int size)
{
	sptr(is, 1, dst_off);
	movi(is, 2, size);
	mov(is, 3, src);
	call(is, HELPER_probe_read_kernel_str, 3);
}

/* S[dst_off] = S[src_off] (string copy) */
static void strcpy_off(struct isel *is, int dst_off, int src_off)
{
	int t;

	if (dst_off == src_off)
		return;
	t = vreg(is);
	sptr(is, t, src_off);
	strcpy_reg(is, dst_off, t, is->msl);
}

static const char *strtab(struct isel *is, int64_t i)
{
	if (i < 0 || i >= is->p->strtab.n)
		return "";
	return vec_at(&is->p->strtab, i);
}

/* Build the literal str at S + off by stores. */
static void strconst(struct isel *is, int off, const char *str)
{
	int p = vreg(is);

	sptr(is, p, off);
	store_cstr(is, p, 0, str, is->msl);
}

/* emit the deferred def of string vreg r (execname) into dst_reg + off,
 * size bytes available */
static void emit_deferred(struct isel *is, int r, int dst_reg, int off,
			  int size);

/* The string operand v, as a pointer register (in S). */
static int str_ptr(struct isel *is, struct ir_val v)
{
	int r = vreg(is);

	if (v.kind != IRV_REG) {
		int off = scratch_alloc(is, is->msl);

		strconst(is, off, "");
		sptr(is, r, off);
		return r;
	}
	if (is->deferred[v.reg]) {
		/* used elsewhere than at a sink: materialise it */
		is->deferred[v.reg] = false;
		emit_deferred(is, v.reg, is->S, is->soff[v.reg], is->msl);
	}
	sptr(is, r, is->soff[v.reg]);
	return r;
}

/* ---- builtins ------------------------------------------------------------ */

static const char *builtin_name(const struct ir_insn *in)
{
	return in->callee ? in->callee : "?";
}

static bool is_execname(const struct ir_insn *in)
{
	return in && in->opc == IR_BUILTIN && in->callee &&
	       !strcmp(in->callee, "execname");
}

/* bpf_get_current_comm(dst + off, min(16, size)): pads with NULs */
static void emit_deferred(struct isel *is, int r, int dst_reg, int off,
			  int size)
{
	(void)r;
	mov(is, 1, dst_reg);
	if (off)
		op_ri(is, BPF_ADD, 1, off);
	movi(is, 2, size < 16 ? size : 16);
	call(is, HELPER_get_current_comm, 2);
}

/* Builtins whose value is the same all through one run of a probe. */
static bool pure_builtin(const struct ir_insn *in)
{
	static const char *const names[] = {
		"pid", "tid", "uid", "gid", "euid", "egid", "cpu",
	};

	if (in->opc != IR_BUILTIN || !in->callee || in->dst < 0)
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(in->callee, names[i]))
			return true;
	return false;
}

static int bc_find(struct isel *is, const char *name)
{
	for (int i = 0; i < is->nbc; i++)
		if (!strcmp(is->bc_name[i], name))
			return i;
	return -1;
}

static void sel_builtin_1(struct isel *is, struct ir_insn *in);
static int strtmp(struct isel *is);

/* The helper whose result a pid/tid or uid/gid builtin is half of
 * (0: none); builtins of one helper share one call. */
static int builtin_helper(const char *name)
{
	if (!strcmp(name, "pid") || !strcmp(name, "tid"))
		return HELPER_get_current_pid_tgid;
	if (!strcmp(name, "uid") || !strcmp(name, "euid") ||
	    !strcmp(name, "gid") || !strcmp(name, "egid"))
		return HELPER_get_current_uid_gid;
	return 0;
}

/* d = its half of r0, the result of builtin_helper(name):
 *   d = r0 >> 32 (pid, gid)  /  d = r0 & 0xffffffff (tid, uid) */
static void builtin_half(struct isel *is, const char *name, int d)
{
	if (!strcmp(name, "pid") || name[0] == 'g' || name[1] == 'g') {
		mov(is, d, 0);
		op_ri(is, BPF_RSH, d, 32);
	} else if (d != LIR_NONE) {
		/* w<d> = w0: a 32-bit move zero-extends */
		struct lir *l = put(is, LK_OP);

		l->code = BPF_ALU | BPF_MOV | BPF_X;
		l->dst = d;
		l->src = 0;
	}
}

/* How many instructions of f define IR register r */
static int ndefs_of(struct ir_func *f, int r)
{
	int n = 0;

	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns)
			n += ((struct ir_insn *)vec_at(&b->insns, ii))->dst == r;
	}
	return n;
}

/* The register for the cached value of builtin `name`: the vreg of
 * its block-0 call when that is its destination's only definition (no
 * move later), else a new one */
static int bc_target(struct isel *is, const char *name)
{
	struct ir_block *b0 = vec_at(&is->f->blocks, 0);

	vec_foreach(k, &b0->insns) {
		struct ir_insn *o = vec_at(&b0->insns, k);

		if (!pure_builtin(o) || strcmp(o->callee, name))
			continue;
		if (o->dst < is->f->nregs && ndefs_of(is->f, o->dst) == 1 &&
		    is->f->reg_types[o->dst] == IRT_LONG)
			return is->lreg[o->dst];
		break;
	}
	return vreg(is);
}

/* After builtin `name` called its helper in block 0: the other cached
 * builtins of that helper take their half of r0 now. */
static void bc_partners(struct isel *is, const char *name)
{
	int h = builtin_helper(name);

	for (int j = 0; h && j < is->nbc; j++) {
		if (is->bc_reg[j] != LIR_NONE ||
		    builtin_helper(is->bc_name[j]) != h)
			continue;
		is->bc_reg[j] = bc_target(is, is->bc_name[j]);
		builtin_half(is, is->bc_name[j], is->bc_reg[j]);
	}
}
static bool sel_strfunc(struct isel *is, struct ir_insn *in, const char *name,
			int d);

/* dst = builtin(args); a pure builtin computed in the entry block is
 * computed once (d = cached) */
static void sel_builtin(struct isel *is, struct ir_insn *in)
{
	int k = pure_builtin(in) ? bc_find(is, in->callee) : -1;

	if (in->dst >= 0 && in->dst < is->f->nregs && is->sunk[in->dst])
		return;		/* at its use (val) */
	if (k < 0) {
		sel_builtin_1(is, in);
		return;
	}
	if (is->bc_reg[k] != LIR_NONE) {
		mov(is, is->lreg[in->dst], is->bc_reg[k]);
		return;
	}
	if (is->cur_block != 0) {
		sel_builtin_1(is, in);
		return;
	}
	is->bc_reg[k] = vreg(is);
	if (builtin_helper(in->callee)) {
		/* the partners' halves first: r0 may then be in's */
		call(is, builtin_helper(in->callee), 0);
		bc_partners(is, in->callee);
		builtin_half(is, in->callee, is->lreg[in->dst]);
	} else {
		sel_builtin_1(is, in);
	}
	mov(is, is->bc_reg[k], is->lreg[in->dst]);
}

static void sel_builtin_1(struct isel *is, struct ir_insn *in)
{
	const char *name = builtin_name(in);
	int d = in->dst >= 0 && is->f->reg_types[in->dst] == IRT_LONG ?
		is->lreg[in->dst] : LIR_NONE;

	if (builtin_helper(name)) {
		/* d = bpf_get_current_pid_tgid() >> 32 (pid) / & 0xffffffff
		 * (tid); bpf_get_current_uid_gid(): gid << 32 | uid */
		call(is, builtin_helper(name), 0);
		builtin_half(is, name, d);
	} else if (!strcmp(name, "cpu")) {
		/* d = bpf_get_smp_processor_id() */
		call(is, HELPER_get_smp_processor_id, 0);
		mov(is, d, 0);
	} else if (!strncmp(name, "gettimeofday_", 13) ||
		   !strcmp(name, "local_clock_ns") ||
		   !strncmp(name, "cpu_clock_", 10)) {
		/* d = bpf_ktime_get_ns() [+ G->control.reserved: realtime
		 * offset]; then scaled to the unit */
		int64_t div = 1;
		const char *u = strrchr(name, '_') + 1;

		call(is, HELPER_ktime_get_ns, 0);
		mov(is, d, 0);
		if (name[0] == 'g') {
			int t = vreg(is);

			ldx(is, BPF_DW, t, is->G, CODEGEN_BOOT_OFFSET_OFF);
			op_rr(is, BPF_ADD, d, t);
		}
		if (!strcmp(u, "us"))
			div = 1000;
		else if (!strcmp(u, "ms"))
			div = 1000000;
		else if (!strcmp(u, "s"))
			div = 1000000000;
		if (div > 1)
			op_ri(is, BPF_DIV, d, div);
	} else if (!strcmp(name, "target")) {
		/* d = G->control.target_pid (the -c child or -x PID, 0) */
		ldx(is, BPF_DW, d, is->G,
		    offsetof(struct ir_control, target_pid));
	} else if (!strcmp(name, "execname")) {
		/* get_current_comm(S + slot, 16) */
		if (!is->deferred[in->dst])
			emit_deferred(is, in->dst, is->S, is->soff[in->dst],
				      is->msl);
	} else if (!strcmp(name, "strlen")) {
		/* d = probe_read_kernel_str(tmp, MSL, a) - 1, >= 0 */
		int t = str_ptr(is, in->args[0]);
		int l = label(is);

		strcpy_reg(is, strtmp(is), t, is->msl);
		mov(is, d, 0);
		op_ri(is, BPF_SUB, d, 1);
		jmp_ri(is, BPF_JSGE, d, 0, l);
		movi(is, d, 0);
		place(is, l);
	} else if (!sel_strfunc(is, in, name, d)) {
		error_at(is, "function '%s' is not available in kernel-side "
			 "probes (timer.*, perf.*)", name);
	}
}

/* ---- arithmetic ---------------------------------------------------------- */

static int alu_op(enum op op)
{
	switch (op) {
	case OP_ADD: return BPF_ADD;
	case OP_SUB: return BPF_SUB;
	case OP_MUL: return BPF_MUL;
	case OP_SHL: return BPF_LSH;
	case OP_SHR: return BPF_ARSH;
	case OP_LSHR: return BPF_RSH;	/* counts: 0..63 or masked (ir.h) */
	case OP_BAND: return BPF_AND;
	case OP_BOR: return BPF_OR;
	case OP_BXOR: return BPF_XOR;
	default: return -1;
	}
}

static int jmp_op(enum op op)
{
	switch (op) {
	case OP_LT: return BPF_JSLT;
	case OP_LE: return BPF_JSLE;
	case OP_GT: return BPF_JSGT;
	case OP_GE: return BPF_JSGE;
	case OP_EQ: return BPF_JEQ;
	case OP_NE: return BPF_JNE;
	default: return -1;
	}
}

/* Signed 64-bit division / modulo from unsigned BPF_DIV / BPF_MOD:
 *   if (b == 0) fault("division by 0");
 *   ua = a < 0 ? -a : a;  ub = b < 0 ? -b : b;
 *   q = ua / ub  (or ua % ub);
 *   div: if ((a ^ b) < 0) q = -q;   mod: if (a < 0) q = -q;  */
static void sel_divmod(struct isel *is, struct ir_insn *in)
{
	bool mod = in->op == OP_MOD;
	int d = is->lreg[in->dst];
	int a = val(is, in->a);
	int ua = vreg(is), q = vreg(is), l1 = label(is), l3 = label(is);

	if (in->b.kind == IRV_IMM && in->b.imm == 0) {
		ja(is, fault_label(is, "division by 0"));
		movi(is, d, 0);
		return;
	}
	mov(is, ua, a);
	jmp_ri(is, BPF_JSGE, ua, 0, l1);
	op_ri(is, BPF_NEG, ua, 0);
	place(is, l1);
	mov(is, q, ua);
	if (in->b.kind == IRV_IMM && in->b.imm > 0 && fits32(in->b.imm)) {
		op_ri(is, mod ? BPF_MOD : BPF_DIV, q, in->b.imm);
		/* sign of the result: the sign of a */
		jmp_ri(is, BPF_JSGE, a, 0, l3);
		op_ri(is, BPF_NEG, q, 0);
	} else {
		int b = val(is, in->b), ub = vreg(is), s = vreg(is);
		int l2 = label(is);

		jmp_ri(is, BPF_JEQ, b, 0, fault_label(is, "division by 0"));
		mov(is, ub, b);
		jmp_ri(is, BPF_JSGE, ub, 0, l2);
		op_ri(is, BPF_NEG, ub, 0);
		place(is, l2);
		op_rr(is, mod ? BPF_MOD : BPF_DIV, q, ub);
		mov(is, s, a);
		if (!mod)
			op_rr(is, BPF_XOR, s, b);
		jmp_ri(is, BPF_JSGE, s, 0, l3);
		op_ri(is, BPF_NEG, q, 0);
	}
	place(is, l3);
	mov(is, d, q);
}

/* d = a op b */
static void sel_bin(struct isel *is, struct ir_insn *in)
{
	int d = is->lreg[in->dst];
	int op = alu_op(in->op);
	int t;

	if (in->op == OP_DIV || in->op == OP_MOD) {
		sel_divmod(is, in);
		return;
	}
	if (op < 0) {
		error_at(is, "operator '%s' is not supported here",
			 op__spelling(in->op));
		return;
	}
	/* t = a; t op= b; d = t  (t coalesces with d) */
	t = (in->b.kind == IRV_REG && is->lreg[in->b.reg] == d) ? vreg(is) : d;
	if (in->a.kind == IRV_REG)
		mov(is, t, is->lreg[in->a.reg]);
	else
		movi(is, t, in->a.imm);
	if (is_imm32(in->b))
		op_ri(is, op, t, in->b.imm);
	else
		op_rr(is, op, t, val(is, in->b));
	mov(is, d, t);
}

/* d = op a */
static void sel_un(struct isel *is, struct ir_insn *in)
{
	int d = is->lreg[in->dst];
	int a = val(is, in->a);

	switch (in->op) {
	case OP_NEG:
		mov(is, d, a);
		op_ri(is, BPF_NEG, d, 0);
		break;
	case OP_BNOT:
		mov(is, d, a);
		op_ri(is, BPF_XOR, d, -1);
		break;
	case OP_PLUS:
		mov(is, d, a);
		break;
	default: {
		/* d = !a:  t = 1; if (a == 0) goto l; t = 0; l: d = t */
		int t = vreg(is), l = label(is);

		movi(is, t, 1);
		jmp_ri(is, BPF_JEQ, a, 0, l);
		movi(is, t, 0);
		place(is, l);
		mov(is, d, t);
	}
	}
}

/* if (a op b) goto yes */
static void cmp_jump(struct isel *is, struct ir_insn *in, int yes)
{
	int op = jmp_op(in->op);

	if (is_imm32(in->b))
		jmp_ri(is, op, val(is, in->a), in->b.imm, yes);
	else
		jmp_rr(is, op, val(is, in->a), val(is, in->b), yes);
}

/* d = a op b ? 1 : 0:  t = 1; if (a op b) goto l; t = 0; l: d = t */
static void sel_cmp(struct isel *is, struct ir_insn *in)
{
	int t = vreg(is), l = label(is);

	movi(is, t, 1);
	cmp_jump(is, in, l);
	movi(is, t, 0);
	place(is, l);
	mov(is, is->lreg[in->dst], t);
}

/* d = a . b:
 *   n = probe_read_kernel_str(S + d, MSL, a) - 1;  clamp n to [0, MSL-1]
 *   probe_read_kernel_str(S + d + n, MSL - n, b)  */
static void sel_concat(struct isel *is, struct ir_insn *in)
{
	int doff = is->soff[in->dst];
	int pb, n = vreg(is), sz = vreg(is), l1 = label(is), l2 = label(is);

	if (in->b.kind == IRV_REG && is->soff[in->b.reg] == doff &&
	    !is->deferred[in->b.reg]) {
		int t = scratch_alloc(is, is->msl);

		strcpy_off(is, t, doff);
		pb = vreg(is);
		sptr(is, pb, t);
	} else {
		pb = str_ptr(is, in->b);
	}
	strcpy_reg(is, doff, str_ptr(is, in->a), is->msl);
	mov(is, n, 0);
	op_ri(is, BPF_SUB, n, 1);
	jmp_ri(is, BPF_JSGE, n, 0, l1);
	movi(is, n, 0);
	place(is, l1);
	jmp_ri(is, BPF_JLE, n, is->msl - 1, l2);
	movi(is, n, is->msl - 1);
	place(is, l2);
	movi(is, sz, is->msl);
	op_rr(is, BPF_SUB, sz, n);
	sptr(is, 1, doff);
	op_rr(is, BPF_ADD, 1, n);
	mov(is, 2, sz);
	mov(is, 3, pb);
	call(is, HELPER_probe_read_kernel_str, 3);
}

/* ---- locals and globals ------------------------------------------------- */

static struct ir_slot *slot_of(struct isel *is, int slot)
{
	return vec_at(&is->frame_f->slots, slot);
}

static void sel_local(struct isel *is, struct ir_insn *in)
{
	struct ir_slot *sl = slot_of(is, in->slot);
	bool load = in->opc == IR_LOAD_LOCAL;

	if (sl->type == IRT_STR) {
		if (load)
			strcpy_off(is, is->soff[in->dst], is->slot_off[in->slot]);
		else if (in->a.kind == IRV_REG && is->deferred[in->a.reg])
			emit_deferred(is, in->a.reg, is->S,
				      is->slot_off[in->slot], is->msl);
		else if (in->a.kind == IRV_REG)
			strcpy_off(is, is->slot_off[in->slot],
				   is->soff[in->a.reg]);
		else
			strconst(is, is->slot_off[in->slot], "");
		return;
	}
	if (is->slot_reg[in->slot] != LIR_NONE) {
		int r = is->slot_reg[in->slot];

		if (load)
			mov(is, is->lreg[in->dst], r);
		else if (in->a.kind == IRV_IMM)
			movi(is, r, in->a.imm);
		else
			mov(is, r, is->lreg[in->a.reg]);
		return;
	}
	if (load) {
		ldx(is, BPF_DW, is->lreg[in->dst], is->S,
		    is->slot_off[in->slot]);
	} else {
		stx(is, BPF_DW, is->S, is->slot_off[in->slot], val(is, in->a));
	}
}

static struct ir_global *global_of(struct isel *is, int gid)
{
	return vec_at(&is->p->globals, gid);
}

static void sel_global(struct isel *is, struct ir_insn *in)
{
	struct ir_global *g = global_of(is, in->gid);
	int off = g->off;

	if (g->type == IRT_STR) {
		if (in->opc == IR_LOAD_GLOBAL) {
			/* S[d] = strcpy(G + off) */
			int t = vreg(is);

			mov(is, t, is->G);
			op_ri(is, BPF_ADD, t, off);
			strcpy_reg(is, is->soff[in->dst], t, is->msl);
		} else {
			/* strcpy(G + off, a) */
			int t = str_ptr(is, in->a);

			mov(is, 1, is->G);
			op_ri(is, BPF_ADD, 1, off);
			movi(is, 2, is->msl);
			mov(is, 3, t);
			call(is, HELPER_probe_read_kernel_str, 3);
		}
		return;
	}
	if (in->opc == IR_LOAD_GLOBAL)
		ldx(is, BPF_DW, is->lreg[in->dst], is->G, off);
	else if (is_imm32(in->a))
		st(is, BPF_DW, is->G, off, (int32_t)in->a.imm);
	else
		stx(is, BPF_DW, is->G, off, val(is, in->a));
}

/* ---- map keys ------------------------------------------------------------ */

/* A string key column of w bytes at S + off, NUL-padded:
 *   n = probe_read_kernel_str(col, w, s);  n = clamp(n, 0, w);
 *   probe_read_kernel(col + n, w - n, zeros);  */
static void str_column(struct isel *is, int off, struct ir_val s, int w)
{
	int src = str_ptr(is, s), n = vreg(is);
	int l1 = label(is), l2 = label(is);

	strcpy_reg(is, off, src, w);
	mov(is, n, 0);
	jmp_ri(is, BPF_JSGE, n, 0, l1);
	movi(is, n, 0);
	place(is, l1);
	jmp_ri(is, BPF_JLE, n, w, l2);
	movi(is, n, w);
	place(is, l2);
	sptr(is, 1, off);
	op_rr(is, BPF_ADD, 1, n);
	movi(is, 2, w);
	op_rr(is, BPF_SUB, 2, n);
	sptr(is, 3, is->cg->zeros_off);
	call(is, HELPER_probe_read_kernel, 3);
}

/* A key with a string column on the stack: at most this many bytes,
 * and the largest of one probe's at most STR_KEYS_STACK_MAX (a key is
 * a buffer of its instruction only, stack_tmp: the keys of a probe
 * share their bytes) */
#define STR_KEY_STACK_MAX 64
#define STR_KEYS_STACK_MAX 192

static bool has_str_key(const struct ir_map *m)
{
	for (int i = 0; i < m->nkeys; i++)
		if (m->key_types[i] == IRT_STR)
			return true;
	return false;
}

/* Whether in's key (with a string column) may go on the stack: a small
 * key of a plain lookup / update / delete (no '*' columns: the slice
 * callbacks read their key from S) */
static bool str_key_stackable(const struct ir_insn *in)
{
	const struct ir_map *m = in ? in->map : NULL;

	if (!m || !m->nkeys || !has_str_key(m) ||
	    m->key_size > STR_KEY_STACK_MAX ||
	    (m->kind != IRM_ARRAY && m->kind != IRM_STATS))
		return false;
	switch (in->opc) {
	case IR_MAP_GET: case IR_MAP_SET: case IR_MAP_ADD:
	case IR_MAP_EXISTS: case IR_MAP_DELETE: case IR_STAT_ADD:
		break;
	default:
		return false;
	}
	for (int i = 0; i < in->nargs; i++)
		if (in->args[i].kind == IRV_NONE)
			return false;
	return true;
}

/* Whether f's stackable string keys fit the stack budget */
static bool str_keys_fit(const struct ir_func *f)
{
	int largest = 0;

	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);

			if (str_key_stackable(in) &&
			    in->map->key_size > largest)
				largest = in->map->key_size;
		}
	}
	return largest <= STR_KEYS_STACK_MAX;
}

/* A string key on the stack at fp + off (see build_key), written
 * through k + koff (k: LIR_NONE for fp + off); the column is zeroed
 * first where what writes it does not fill all of it. */
static void stack_str_column(struct isel *is, int k, int koff, int off,
			     struct ir_val s, int w)
{
	bool comm = s.kind == IRV_REG && is->deferred[s.reg];

	if (!(comm && w == 16))
		for (int b = 0; b < w; b += 8)
			st(is, BPF_DW, LIR_FP, off + b, 0);
	int base = k != LIR_NONE ? k : LIR_FP;	/* k: fp + off - koff */

	if (k == LIR_NONE)
		koff = off;
	if (comm) {
		emit_deferred(is, s.reg, base, koff, w);
		return;
	}
	if (s.kind != IRV_REG)
		return;		/* "" */
	/* the string fits with its NUL (layout.c): the rest stays 0 */
	mov(is, 3, str_ptr(is, s));
	mov(is, 1, base);
	if (koff)
		op_ri(is, BPF_ADD, 1, koff);
	movi(is, 2, w);
	call(is, HELPER_probe_read_kernel_str, 3);
}

/* Build the key of map m from args into memory; returns the register
 * pointing at it.  Long-only keys go on the stack, and so do small keys
 * with a string column (str_key_stackable: a string column is zeroed,
 * then written: execname() by get_current_comm, another string by
 * probe_read_kernel_str, whose NUL the column always has room for).
 * Other keys with a string column go to a key buffer in S that belongs
 * to this instruction only, so bytes that nobody writes stay zero.  A
 * string column there is copied with probe_read_kernel_str and the rest
 * of the column zeroed:
 *   n = probe_read_kernel_str(col, w, s);  n = clamp(n, 0, w);
 *   probe_read_kernel(col + n, w - n, zeros);  */
static int build_key(struct isel *is, struct ir_map *m, struct ir_val *args)
{
	bool strkey = false;
	int base, k = vreg(is);

	if (m->nkeys == 0) {
		/* u32 index 0 (the probe prologue's, when there is one) */
		int off = is->zkey_off;

		if (!off) {
			off = stack_tmp(is, 8);
			st(is, BPF_W, LIR_FP, off, 0);
		}
		mov(is, k, LIR_FP);
		op_ri(is, BPF_ADD, k, off);
		return k;
	}
	for (int i = 0; i < m->nkeys; i++)
		if (m->key_types[i] == IRT_STR)
			strkey = true;
	if (!strkey || (is->str_keys_fit && is->cur && is->cur->map == m &&
			is->cur->args == args && str_key_stackable(is->cur))) {
		int off = stack_tmp(is, m->key_size);
		bool kfirst = strkey && m->nkeys == 1;

		/* k first when only the string column is written through
		 * it; else last: no register held across the columns' calls */
		if (kfirst) {
			mov(is, k, LIR_FP);
			op_ri(is, BPF_ADD, k, off);
		}
		for (int i = 0; i < m->nkeys; i++) {
			if (m->key_types[i] == IRT_STR)
				stack_str_column(is, kfirst ? k : LIR_NONE,
						 m->key_off[i],
						 off + m->key_off[i], args[i],
						 ir__key_width(m, i));
			else if (is_imm32(args[i]))
				st(is, BPF_DW, LIR_FP, off + m->key_off[i],
				   (int32_t)args[i].imm);
			else
				stx(is, BPF_DW, LIR_FP, off + m->key_off[i],
				    val(is, args[i]));
		}
		if (!kfirst) {
			mov(is, k, LIR_FP);
			op_ri(is, BPF_ADD, k, off);
		}
		return k;
	}
	base = scratch_alloc(is, m->key_size);
	for (int i = 0; i < m->nkeys; i++) {
		int off = base + m->key_off[i];
		int w = (i + 1 < m->nkeys ? m->key_off[i + 1] : m->key_size) -
			m->key_off[i];

		if (m->key_types[i] == IRT_LONG) {
			if (is_imm32(args[i]))
				st(is, BPF_DW, is->S, off,
				   (int32_t)args[i].imm);
			else
				stx(is, BPF_DW, is->S, off, val(is, args[i]));
		} else if (args[i].kind == IRV_REG &&
			   is->deferred[args[i].reg]) {
			/* comm straight into the key, NUL-padded to 16; the
			 * rest of the column is never written: stays zero */
			emit_deferred(is, args[i].reg, is->S, off, w);
		} else {
			str_column(is, off, args[i], w);
		}
	}
	sptr(is, k, base);
	return k;
}

/* v = bpf_map_lookup_elem(mp, key), mp: a register holding &m, or
 * LIR_NONE to load &m into r1 here */
static int lookup_mp(struct isel *is, struct ir_map *m, int mp, int key)
{
	int v = vreg(is);

	if (mp == LIR_NONE)
		ldmap(is, 1, m);
	else
		mov(is, 1, mp);
	mov(is, 2, key);
	call(is, HELPER_map_lookup_elem, 2);
	mov(is, v, 0);
	return v;
}

/* v = bpf_map_lookup_elem(&m, key) */
static int lookup(struct isel *is, struct ir_map *m, int key)
{
	return lookup_mp(is, m, LIR_NONE, key);
}

/* r0 = bpf_map_update_elem(mp or &m, key, value, flags) */
static void update_mp(struct isel *is, struct ir_map *m, int mp, int key,
		      int value, int flags)
{
	if (mp == LIR_NONE)
		ldmap(is, 1, m);
	else
		mov(is, 1, mp);
	mov(is, 2, key);
	mov(is, 3, value);
	movi(is, 4, flags);
	call(is, HELPER_map_update_elem, 4);
}

/* r0 = bpf_map_update_elem(&m, key, value, flags) */
static void update(struct isel *is, struct ir_map *m, int key, int value,
		   int flags)
{
	update_mp(is, m, LIR_NONE, key, value, flags);
}

/* stap: "check size limit (N)" for global a[N], else MAXMAPENTRIES */
static const char *full_msg(struct isel *is, struct ir_map *m)
{
	if (m->decl && m->decl->maxsize > 0)
		return arena__printf(&is->cg->s->arena,
				     "Array overflow, check size limit (%lld)",
				     (long long)m->decl->maxsize);
	return "Array overflow, check MAXMAPENTRIES";
}

/* d = m[keys] or 0/"":
 *   v = lookup(&m, key); if (!v) { d = 0; } else d = *v;  */
static void sel_map_get(struct isel *is, struct ir_insn *in)
{
	struct ir_map *m = in->map;
	int v = lookup(is, m, build_key(is, m, in->args));
	int miss = label(is), done = label(is);

	if (m->val_type == IRT_STR) {
		int doff = is->soff[in->dst];

		jmp_ri(is, BPF_JEQ, v, 0, miss);
		strcpy_reg(is, doff, v, is->msl);
		ja(is, done);
		place(is, miss);
		st(is, BPF_B, is->S, doff, 0);
		place(is, done);
		return;
	}
	{
		int d = is->lreg[in->dst], t = vreg(is);

		movi(is, t, 0);
		jmp_ri(is, BPF_JEQ, v, 0, miss);
		ldx(is, BPF_DW, t, v, 0);
		place(is, miss);
		mov(is, d, t);
	}
}

/* m[keys] = a:
 *   r0 = update(&m, key, &a, BPF_ANY);
 *   if (r0 < 0) fault("Array overflow")  (not for a wrapping map) */
static void sel_map_set(struct isel *is, struct ir_insn *in)
{
	struct ir_map *m = in->map;
	int key = build_key(is, m, in->args), value = vreg(is);

	if (m->val_type == IRT_STR) {
		value = str_ptr(is, in->a);
	} else {
		int off = stack_tmp(is, 8);

		if (is_imm32(in->a))
			st(is, BPF_DW, LIR_FP, off, (int32_t)in->a.imm);
		else
			stx(is, BPF_DW, LIR_FP, off, val(is, in->a));
		mov(is, value, LIR_FP);
		op_ri(is, BPF_ADD, value, off);
	}
	update(is, m, key, value, BPF_ANY);
	if (!m->wrap)
		jmp_ri(is, BPF_JSLT, 0, 0, fault_label(is, full_msg(is, m)));
}

/* dst = a pointer to size zero bytes: the zero area of S, or .rodata
 * when this function has no S */
static void zeros_ptr(struct isel *is, int dst, int size)
{
	if (is->S != LIR_NONE) {
		sptr(is, dst, is->cg->zeros_off);
	} else {
		char *z = arena__alloc(&is->cg->s->arena, size);

		ldrodata(is, dst, cg__rodata_add(is->cg, z, size));
	}
}

/* v = &m[key], inserted as zeros when absent:
 *   v = lookup(&m, key);
 *   if (!v) { update(&m, key, zeros, BPF_NOEXIST); v = lookup(&m, key);
 *             if (!v) fault("Array overflow") / goto done (wrap) }
 * (a lost race with another CPU's insert is harmless: NOEXIST fails,
 * the second lookup finds the other CPU's entry).
 * Inserting the final value instead (from the stack, NOEXIST, a second
 * lookup only on -EEXIST) is not shorter: the value must be stored and
 * pointed to, and the -EEXIST retry still needs the second lookup; for
 * a 40-byte statistic it is 2 instructions longer still. */
static int lookup_or_insert(struct isel *is, struct ir_map *m, int key,
			    int done)
{
	int v = vreg(is), z = vreg(is), have = label(is), mp;

	if (m->nkeys == 0) {
		/* an array: the entry always exists */
		mov(is, v, lookup(is, m, key));
		jmp_ri(is, BPF_JEQ, v, 0, done);
		return v;
	}
	/* &m once in a register that survives the calls (2 + 3 slots
	 * instead of 3 * 2; regalloc reloads it with ld_imm64 rather than
	 * spill it) */
	mp = vreg(is);
	ldmap(is, mp, m);
	mov(is, v, lookup_mp(is, m, mp, key));
	jmp_ri(is, BPF_JNE, v, 0, have);
	zeros_ptr(is, z, m->val_size > 8 ? m->val_size : 8);
	update_mp(is, m, mp, key, z, BPF_NOEXIST);
	mov(is, v, lookup_mp(is, m, mp, key));
	jmp_ri(is, BPF_JEQ, v, 0,
	       m->wrap ? done : fault_label(is, full_msg(is, m)));
	place(is, have);
	return v;
}

/* m[keys] += a on a per-CPU array (struct ir_map.percpu, bpfgen/ir.h):
 *   v = lookup(&m, key);
 *   if (!v) goto insert;          (out of line: emit_cold_adds)
 *   lock *v += a;                 (this CPU's copy)
 * done:
 * The add is atomic although no other CPU writes this copy: for a
 * constant it is 2 instructions, a load-add-store 3. */
static void sel_map_add_percpu(struct isel *is, struct ir_insn *in)
{
	struct ir_map *m = in->map;
	struct coldadd *c = arena__alloc(&is->cg->s->arena, sizeof(*c));
	int v;

	memset(c, 0, sizeof(*c));
	c->in = in;
	c->key = build_key(is, m, in->args);
	c->label = label(is);
	c->done = label(is);
	/* &m in a register that survives the calls, as lookup_or_insert */
	c->mp = vreg(is);
	ldmap(is, c->mp, m);
	v = lookup_mp(is, m, c->mp, c->key);
	jmp_ri(is, BPF_JEQ, v, 0, c->label);
	xadd(is, v, 0, val(is, in->a));
	place(is, c->done);
	if (!is->cold_tail)
		is->cold_tail = &is->colds;
	*is->cold_tail = c;
	is->cold_tail = &c->next;
}

/* The inserts of the per-CPU adds, after the body:
 *   insert: r0 = update(&m, key, &a, BPF_ANY);
 *           if (r0 == 0) goto done;
 *           fault("Array overflow")         (a wrapping map: goto done)
 * BPF_ANY sets only this CPU's copy: a key another CPU inserted since
 * the lookup keeps that CPU's count, the other copies of a new key are
 * zeroed by the kernel.  &a is G + 0 (control.one) for a ++ in a probe,
 * a constant in .rodata, or a stack slot for a computed a. */
_Static_assert(offsetof(struct ir_control, one) == 0,
	       "emit_cold_adds points at control.one with G itself");

static void emit_cold_adds(struct isel *is)
{
	for (struct coldadd *c = is->colds; c; c = c->next) {
		struct ir_insn *in = c->in;
		struct ir_map *m = in->map;
		int value = vreg(is);

		is->cur = in;
		if (in->loc.src)
			is->loc = in->loc;
		place(is, c->label);
		stack_tmp_reset(is);
		if (in->a.kind == IRV_IMM && in->a.imm == 1 &&
		    is->G != LIR_NONE) {
			mov(is, value, is->G);	/* &control.one, offset 0 */
		} else if (in->a.kind != IRV_REG) {
			int64_t k = in->a.kind == IRV_IMM ? in->a.imm : 0;
			char *b = arena__alloc(&is->cg->s->arena, 8);

			memcpy(b, &k, 8);
			ldrodata(is, value, cg__rodata_add(is->cg, b, 8));
		} else {
			/* its own slot: the key may sit in this insn's
			 * stack_tmp bytes, still in use here */
			int off = stack_alloc(is, 8);

			stx(is, BPF_DW, LIR_FP, off, val(is, in->a));
			mov(is, value, LIR_FP);
			op_ri(is, BPF_ADD, value, off);
		}
		update_mp(is, m, c->mp, c->key, value, BPF_ANY);
		if (m->wrap) {
			ja(is, c->done);
			continue;
		}
		jmp_ri(is, BPF_JEQ, 0, 0, c->done);
		ja(is, fault_label(is, full_msg(is, m)));
	}
}

/* m[keys] += a:  v = lookup_or_insert(&m, key); lock *v += a;  */
static void sel_map_add(struct isel *is, struct ir_insn *in)
{
	struct ir_map *m = in->map;
	int key, done, v;

	if (m->percpu) {
		sel_map_add_percpu(is, in);
		return;
	}
	key = build_key(is, m, in->args);
	done = label(is);
	v = lookup_or_insert(is, m, key, done);

	/* a constant is set only now: no register held across the calls */
	xadd(is, v, 0, val(is, in->a));
	place(is, done);
}

static void sel_map_clear(struct isel *is, struct ir_map *m,
			  struct ir_val *args, int nargs);

/* delete m[keys] */
static void sel_map_delete(struct isel *is, struct ir_insn *in)
{
	struct ir_map *m = in->map;
	int key;

	for (int i = 0; i < in->nargs; i++)
		if (in->args[i].kind == IRV_NONE) {
			sel_map_clear(is, m, in->args, in->nargs);
			return;
		}
	key = build_key(is, m, in->args);
	ldmap(is, 1, m);
	mov(is, 2, key);
	call(is, HELPER_map_delete_elem, 2);
}

/* A new callback subprogram: an isel over a fresh lir_func. */
static void cb_begin(struct isel *is, struct isel *outer, const char *name)
{
	struct lir_func *lf = arena__alloc(&outer->cg->s->arena, sizeof(*lf));

	memset(is, 0, sizeof(*is));
	is->cg = outer->cg;
	is->p = outer->p;
	is->f = outer->f;
	is->loc = outer->loc;
	is->lf = lf;
	lf->name = name;
	lf->irf = outer->f;
	lf->nregs = LIR_NPHYS;
}

/* Register the callback (after regalloc); returns its subprogram index
 * or -1. */
static int cb_end(struct isel *is, struct isel *outer, struct ir_map *m,
		  enum statop op, int del)
{
	struct cg *cg = outer->cg;
	struct cg_statcb *sc;

	if (regalloc__func(cg, is->lf)) {
		outer->err = -EINVAL;
		return -1;
	}
	sc = arena__alloc(&cg->s->arena, sizeof(*sc));
	sc->map = m;
	sc->op = op;
	sc->del = del;
	sc->sub = cg->subs.n;
	vec__push(&cg->s->arena, &cg->subs, is->lf);
	vec__push(&cg->s->arena, &cg->statcbs, sc);
	return sc->sub;
}

/* if (memcmp(a + off, b + off, w)) goto ne;  by 8, 4, 2, 1 bytes */
static void cmp_bytes(struct isel *is, int a, int b, int off, int w, int ne)
{
	static const int sizes[] = { BPF_DW, BPF_W, BPF_H, BPF_B };
	static const int widths[] = { 8, 4, 2, 1 };

	for (int k = 0; k < 4; k++)
		while (w >= widths[k]) {
			int x = vreg(is), y = vreg(is);

			ldx(is, sizes[k], x, a, off);
			ldx(is, sizes[k], y, b, off);
			jmp_rr(is, BPF_JNE, x, y, ne);
			off += widths[k];
			w -= widths[k];
		}
}

static int key_width(struct ir_map *m, int i)
{
	return (i + 1 < m->nkeys ? m->key_off[i + 1] : m->key_size) -
		m->key_off[i];
}

/* The bpf_for_each_map_elem callback that deletes the entries whose
 * columns in `mask` equal those of the key *ctx (one per map and mask):
 *   long cb(map, key, value, void **ctx) {
 *     for each column i in mask: if (key.col[i] != (*ctx).col[i]) return 0;
 *     bpf_map_delete_elem(&m, key); return 0;
 *   }  */
static int delete_callback(struct isel *outer, struct ir_map *m,
			   unsigned mask)
{
	struct isel is;
	int kp, want, skip;

	vec_foreach(i, &outer->cg->statcbs) {
		struct cg_statcb *sc = vec_at(&outer->cg->statcbs, i);

		if (sc->map == m && sc->del == (int)mask + 1)
			return sc->sub;
	}
	cb_begin(&is, outer, arena__printf(&outer->cg->s->arena,
					   "delete_%d_%x", m->id, mask));
	kp = vreg(&is);
	want = vreg(&is);
	skip = label(&is);
	mov(&is, kp, 2);
	if (mask) {
		ldx(&is, BPF_DW, want, 4, 0);
		for (int i = 0; i < m->nkeys; i++)
			if (mask >> i & 1)
				cmp_bytes(&is, kp, want, m->key_off[i],
					  key_width(m, i), skip);
	}
	ldmap(&is, 1, m);
	mov(&is, 2, kp);
	call(&is, HELPER_map_delete_elem, 2);
	place(&is, skip);
	ret_imm(&is, 0);
	return cb_end(&is, outer, m, SO_COUNT, (int)mask + 1);
}

/* The bpf_loop callback that zeroes CPU i's value of a scalar statistic:
 *   long cb(u64 i, struct { void *key, *zeros; } *ctx) {
 *     v = bpf_map_lookup_percpu_elem(&m, ctx->key, i); if (!v) return 1;
 *     probe_read_kernel(v, val_size, ctx->zeros); return 0;
 *   }  */
static int zero_callback(struct isel *outer, struct ir_map *m)
{
	struct isel is;
	int ctx, stop;

	vec_foreach(i, &outer->cg->statcbs) {
		struct cg_statcb *sc = vec_at(&outer->cg->statcbs, i);

		if (sc->map == m && sc->del == -1)
			return sc->sub;
	}
	cb_begin(&is, outer, arena__printf(&outer->cg->s->arena, "zero_%d",
					   m->id));
	ctx = vreg(&is);
	stop = label(&is);
	mov(&is, 3, 1);
	mov(&is, ctx, 2);
	ldmap(&is, 1, m);
	ldx(&is, BPF_DW, 2, ctx, 0);
	call(&is, HELPER_map_lookup_percpu_elem, 3);
	jmp_ri(&is, BPF_JEQ, 0, 0, stop);
	mov(&is, 1, 0);
	movi(&is, 2, m->val_size);
	ldx(&is, BPF_DW, 3, ctx, 8);
	call(&is, HELPER_probe_read_kernel, 3);
	ret_imm(&is, 0);
	place(&is, stop);
	ret_imm(&is, 1);
	return cb_end(&is, outer, m, SO_COUNT, -1);
}

/* delete m (every entry) or a slice of it (IRV_NONE keys are '*'):
 *   ctx = &key;  bpf_for_each_map_elem(&m, delete_callback, &ctx, 0)
 * a scalar statistic: every CPU's value zeroed,
 *   ctx = {&key, zeros};  bpf_loop(CODEGEN_MAX_CPUS, zero_callback, &ctx, 0) */
static void sel_map_clear(struct isel *is, struct ir_map *m,
			  struct ir_val *args, int nargs)
{
	unsigned mask = 0;
	int key, ctx = stack_tmp(is, 16), sub;
	struct lir *l;

	for (int i = 0; i < nargs && i < m->nkeys; i++)
		if (args[i].kind != IRV_NONE)
			mask |= 1u << i;
	if (m->kind == IRM_STATS && m->nkeys == 0) {
		int z = vreg(is);

		key = build_key(is, m, NULL);
		sub = zero_callback(is, m);
		if (sub < 0)
			return;
		stx(is, BPF_DW, LIR_FP, ctx, key);
		/* S's zero area, or zeros in .rodata when the probe has
		 * no S */
		zeros_ptr(is, z, m->val_size > 8 ? m->val_size : 8);
		stx(is, BPF_DW, LIR_FP, ctx + 8, z);
		movi(is, 1, CODEGEN_MAX_CPUS);
		l = put(is, LK_FUNCADDR);
		l->dst = 2;
		l->imm = sub;
		mov(is, 3, LIR_FP);
		op_ri(is, BPF_ADD, 3, ctx);
		movi(is, 4, 0);
		call(is, HELPER_bpf_loop, 4);
		return;
	}
	if (m->kind != IRM_ARRAY && m->kind != IRM_STATS) {
		error_at(is, "%s", "this variable cannot be deleted here");
		return;
	}
	sub = delete_callback(is, m, mask);
	if (sub < 0)
		return;
	if (mask) {
		key = build_key(is, m, args);
		stx(is, BPF_DW, LIR_FP, ctx, key);
	}
	ldmap(is, 1, m);
	l = put(is, LK_FUNCADDR);
	l->dst = 2;
	l->imm = sub;
	if (mask) {
		mov(is, 3, LIR_FP);
		op_ri(is, BPF_ADD, 3, ctx);
	} else {
		movi(is, 3, 0);
	}
	movi(is, 4, 0);
	call(is, HELPER_for_each_map_elem, 4);
}

/* d = [keys] in m:  d = lookup(&m, key) != 0 */
static void sel_map_exists(struct isel *is, struct ir_insn *in)
{
	struct ir_map *m = in->map;
	int v, d = is->lreg[in->dst], t = vreg(is), l = label(is);

	for (int i = 0; i < in->nargs; i++)
		if (in->args[i].kind == IRV_NONE) {
			error_at(is, "%s", "membership of a slice ('*' keys) "
				 "is only supported in user-space probes: "
				 "begin/end/error, and timer probes that read "
				 "no task or CPU context");
			return;
		}
	v = lookup(is, m, build_key(is, m, in->args));
	movi(is, t, 0);
	jmp_ri(is, BPF_JEQ, v, 0, l);
	movi(is, t, 1);
	place(is, l);
	mov(is, d, t);
}

/* ---- string built-ins ------------------------------------------------------
 *
 * substr, stringat and strlen are straight-line code around
 * probe_read_kernel_str.  The ones that scan (isinstr, strpos,
 * str_replace, text_str, text_strn, strtol, tokenize) run a bpf_loop
 * callback shared by every call of the same kind: one step of a small
 * state machine per iteration.  The callback reaches its strings through
 * pointers in a context on the caller's stack, {a, b, c, d, sp}, and
 * keeps its indexes in the state at sp, in S (map memory: the verifier
 * sees unknown scalars there, so the callback's states converge at
 * once); every index
 * is checked against MSL - 1 before it is added to a pointer.  A nested
 * scan (a match at each position) is one machine over (i, j), so each
 * step is O(1) and the verifier sees no inner loop.  Semantics are the
 * interpreter's (runtime/interp.c), truncation at MSL - 1 included. */

enum strop {
	STROP_FIND = 1,		/* strstr(a, b): sp.V = index or -1 */
	STROP_REPLACE,		/* d = a with every b replaced by c */
	STROP_TEXT,		/* d = a escaped, C style (text_str) */
	STROP_STRTOL,		/* sp.V, sp.F = strtoll(a, sp.N) */
	STROP_CSET,		/* sp.cset |= the bytes of b */
	STROP_TOKEN,		/* d = the next token of a (tokenize) */
	STROP_CMP,		/* sp.V = the first a[i] - b[i] that is not
				 * 0, or 0 at a common NUL */
};

/* The loop state at S + cg->strst_off: u64 fields, then a 256-bit set */
enum {
	SS_I = 0, SS_J = 8, SS_O = 16, SS_K = 24, SS_V = 32, SS_F = 40,
	SS_N = 48, SS_P = 56, SS_CSET = 64, SS_SIZE = 96,
};

/* The context on the caller's stack: pointers */
enum { SC_A = 0, SC_B = 8, SC_C = 16, SC_D = 24, SC_ST = 32, SC_SIZE = 40 };

static int strst(struct isel *is)
{
	if (is->cg->strst_off < 0)
		is->cg->strst_off = scratch_alloc_shared(is, SS_SIZE);
	return is->cg->strst_off;
}

/* a MSL temporary in S, shared: only ever live inside one sequence */
static int strtmp(struct isel *is)
{
	if (is->cg->strtmp_off < 0)
		is->cg->strtmp_off = scratch_alloc_shared(is, is->msl);
	return is->cg->strtmp_off;
}

/* c = ptr[idx], or goto out when idx > MSL - 1 (unsigned: negative
 * too); c is a new vreg */
static int byte_at(struct isel *is, int ptr, int idx, int out)
{
	int t = vreg(is), c = vreg(is);

	jmp_ri(is, BPF_JGT, idx, is->msl - 1, out);
	mov(is, t, ptr);
	op_rr(is, BPF_ADD, t, idx);
	ldx(is, BPF_B, c, t, 0);
	return c;
}

/* v = sp.field  /  sp.field = v  /  sp.field = imm */
static int sld(struct isel *is, int sp, int field)
{
	int v = vreg(is);

	ldx(is, BPF_DW, v, sp, field);
	return v;
}

static void sput(struct isel *is, int sp, int field, int v)
{
	stx(is, BPF_DW, sp, field, v);
}

static void sputi(struct isel *is, int sp, int field, int32_t imm)
{
	st(is, BPF_DW, sp, field, imm);
}

/* v += imm; sp.field = v */
static void sinc(struct isel *is, int sp, int field, int v, int imm)
{
	op_ri(is, BPF_ADD, v, imm);
	sput(is, sp, field, v);
}

/* d[o++] = c, or goto full when o >= MSL - 1 (sp.O holds o) */
static void sputc(struct isel *is, int sp, int d, int c, int full)
{
	int o = sld(is, sp, SS_O), t = vreg(is);

	jmp_ri(is, BPF_JGE, o, is->msl - 1, full);
	mov(is, t, d);
	op_rr(is, BPF_ADD, t, o);
	stx(is, BPF_B, t, 0, c);
	sinc(is, sp, SS_O, o, 1);
}

static void sputc_imm(struct isel *is, int sp, int d, int c, int full)
{
	int r = vreg(is);

	movi(is, r, c);
	sputc(is, sp, d, r, full);
}

/* v = the digit value of c ('0'-'9', 'a'-'z', 'A'-'Z'), 99 if none:
 *   v = c - '0'; if (v <= 9) goto done;
 *   v = (c | 0x20) - 'a'; if (v <= 25) { v += 10; goto done; } v = 99 */
static int digit_val(struct isel *is, int c)
{
	int v = vreg(is), done = label(is), none = label(is);

	mov(is, v, c);
	op_ri(is, BPF_SUB, v, '0');
	jmp_ri(is, BPF_JLE, v, 9, done);
	mov(is, v, c);
	op_ri(is, BPF_OR, v, 0x20);
	op_ri(is, BPF_SUB, v, 'a');
	jmp_ri(is, BPF_JGT, v, 25, none);
	op_ri(is, BPF_ADD, v, 10);
	ja(is, done);
	place(is, none);
	movi(is, v, 99);
	place(is, done);
	return v;
}

/* The callback of kind op, built once: long cb(u64 i, void **ctx).
 * Returns its subprogram index, or -1. */
static void str_cb_body(struct isel *is, enum strop op, int ctx);

static int str_callback(struct isel *outer, enum strop op)
{
	static const char *const names[] = {
		"", "str_find", "str_replace", "str_text", "str_strtol",
		"str_cset", "str_token", "str_cmp",
	};
	struct isel is;
	int ctx, sub;

	vec_foreach(i, &outer->cg->statcbs) {
		struct cg_statcb *sc = vec_at(&outer->cg->statcbs, i);

		if (sc->strop == (int)op)
			return sc->sub;
	}
	cb_begin(&is, outer, names[op]);
	is.msl = outer->msl;
	ctx = vreg(&is);
	mov(&is, ctx, 2);
	str_cb_body(&is, op, ctx);
	sub = cb_end(&is, outer, NULL, SO_COUNT, 0);
	if (sub >= 0)
		((struct cg_statcb *)vec_at(&outer->cg->statcbs,
					    outer->cg->statcbs.n - 1))->strop = op;
	return sub;
}

/* isinstr / strpos: one step of the naive search, i = start, j = matched
 *   cn = b[j]; if (cn == 0) { sp.V = i; return 1; }
 *   ch = a[i + j]; if (ch == 0) return 1;     // no start fits any more
 *   if (ch == cn) sp.J = j + 1; else { sp.I = i + 1; sp.J = 0; }
 *   return 0;  */
static void cb_find(struct isel *is, int a, int b, int sp, int stop)
{
	int i = sld(is, sp, SS_I), j = sld(is, sp, SS_J), k = vreg(is);
	int cn, ch, more = label(is), miss = label(is);

	cn = byte_at(is, b, j, stop);
	jmp_ri(is, BPF_JNE, cn, 0, more);
	sput(is, sp, SS_V, i);
	ret_imm(is, 1);
	place(is, more);
	mov(is, k, i);
	op_rr(is, BPF_ADD, k, j);
	ch = byte_at(is, a, k, stop);
	jmp_ri(is, BPF_JEQ, ch, 0, stop);
	jmp_rr(is, BPF_JNE, ch, cn, miss);
	sinc(is, sp, SS_J, j, 1);
	ret_imm(is, 0);
	place(is, miss);
	sinc(is, sp, SS_I, i, 1);
	sputi(is, sp, SS_J, 0);
	ret_imm(is, 0);
}

/* str_replace(a, from b, to c) into d, o = sp.O:
 *   if (sp.F) {                     // copying c after a match
 *     ch = c[sp.K++]; if (ch == 0) { sp.F = 0; return 0; }  emit ch
 *   }
 *   cf = b[j]; ch = a[i + j];
 *   if (cf == 0 && j > 0) { sp.I = i + j; sp.J = sp.K = 0; sp.F = 1; }
 *   else if (cf != 0 && ch == cf) sp.J = j + 1;
 *   else { ch = a[i]; if (ch == 0) return 1; sp.I = i + 1; sp.J = 0;
 *          emit ch }
 *   emit ch: if (o >= MSL - 1) return 1; d[o++] = ch; return 0  */
static void cb_replace(struct isel *is, int a, int b, int c, int d, int sp,
		       int stop)
{
	int f = sld(is, sp, SS_F), e = vreg(is);
	int match = label(is), emit = label(is), put1 = label(is);
	int notend = label(is), lit = label(is);
	int i, j, k, ch, cf, c0, k2 = vreg(is);

	jmp_ri(is, BPF_JEQ, f, 0, match);
	k = sld(is, sp, SS_K);
	ch = byte_at(is, c, k, stop);
	jmp_ri(is, BPF_JNE, ch, 0, put1);
	sputi(is, sp, SS_F, 0);
	ret_imm(is, 0);
	place(is, put1);
	sinc(is, sp, SS_K, k, 1);
	mov(is, e, ch);
	ja(is, emit);
	place(is, match);
	i = sld(is, sp, SS_I);
	j = sld(is, sp, SS_J);
	cf = byte_at(is, b, j, stop);
	mov(is, k2, i);
	op_rr(is, BPF_ADD, k2, j);
	ch = byte_at(is, a, k2, stop);
	jmp_ri(is, BPF_JNE, cf, 0, notend);
	jmp_ri(is, BPF_JEQ, j, 0, lit);
	sput(is, sp, SS_I, k2);
	sputi(is, sp, SS_J, 0);
	sputi(is, sp, SS_K, 0);
	sputi(is, sp, SS_F, 1);
	ret_imm(is, 0);
	place(is, notend);
	jmp_rr(is, BPF_JNE, ch, cf, lit);
	sinc(is, sp, SS_J, j, 1);
	ret_imm(is, 0);
	place(is, lit);
	c0 = byte_at(is, a, i, stop);
	jmp_ri(is, BPF_JEQ, c0, 0, stop);
	sinc(is, sp, SS_I, i, 1);
	sputi(is, sp, SS_J, 0);
	mov(is, e, c0);
	place(is, emit);
	sputc(is, sp, d, e, stop);
	ret_imm(is, 0);
}

/* text_str: one input byte, i < sp.N, escaped as the interpreter does:
 *   \n \t \r \v \f \a \b \" \' \\ by name, other bytes < 32 or >= 127
 *   as \ooo, the rest as they are; output stops at MSL - 1 bytes */
static void cb_text(struct isel *is, int a, int d, int sp, int stop)
{
	static const struct { int c, e; } named[] = {
		{ '\n', 'n' }, { '\t', 't' }, { '\r', 'r' }, { '\v', 'v' },
		{ '\f', 'f' }, { '\a', 'a' }, { '\b', 'b' }, { '"', '"' },
		{ '\'', '\'' }, { '\\', '\\' },
	};
	int i = sld(is, sp, SS_I), n = sld(is, sp, SS_N), ch, e = vreg(is);
	int esc = label(is), oct = label(is);

	jmp_rr(is, BPF_JGE, i, n, stop);
	ch = byte_at(is, a, i, stop);
	jmp_ri(is, BPF_JEQ, ch, 0, stop);
	sinc(is, sp, SS_I, i, 1);
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		movi(is, e, named[k].e);
		jmp_ri(is, BPF_JEQ, ch, named[k].c, esc);
	}
	jmp_ri(is, BPF_JLT, ch, 32, oct);
	jmp_ri(is, BPF_JGE, ch, 127, oct);
	sputc(is, sp, d, ch, stop);
	ret_imm(is, 0);
	place(is, esc);
	sputc_imm(is, sp, d, '\\', stop);
	sputc(is, sp, d, e, stop);
	ret_imm(is, 0);
	place(is, oct);
	sputc_imm(is, sp, d, '\\', stop);
	for (int s = 6; s >= 0; s -= 3) {
		int t = vreg(is);

		mov(is, t, ch);
		if (s)
			op_ri(is, BPF_RSH, t, s);
		op_ri(is, BPF_AND, t, 7);
		op_ri(is, BPF_ADD, t, '0');
		sputc(is, sp, d, t, stop);
	}
	ret_imm(is, 0);
}

/* strtol (strtoll's grammar), base in sp.N, phase sp.P:
 *   P 0: skip white space; a sign sets sp.F bit 0 (negative); P = 1
 *   P 1: base 16 skips "0x"/"0X" before a hex digit; P = 2
 *   digits: v = digit(ch); if (v >= base) return 1;
 *     lim = (neg ? 2^63 : 2^63 - 1);
 *     if (sp.V > (lim - v) / base) sp.F |= 2   // overflow: clamps
 *     else sp.V = sp.V * base + v;  */
static void cb_strtol(struct isel *is, int a, int sp, int stop)
{
	int i = sld(is, sp, SS_I), ch, p, f, v, base, dv, lim = vreg(is);
	int skip = label(is), sgn = label(is), p1 = label(is);
	int p1x = label(is), dig = label(is), ovf = label(is);
	int next = label(is), t = vreg(is);

	ch = byte_at(is, a, i, stop);
	p = sld(is, sp, SS_P);
	jmp_ri(is, BPF_JNE, p, 0, p1);
	jmp_ri(is, BPF_JEQ, ch, ' ', skip);
	mov(is, t, ch);
	op_ri(is, BPF_SUB, t, '\t');
	jmp_ri(is, BPF_JGT, t, '\r' - '\t', sgn);
	place(is, skip);
	sinc(is, sp, SS_I, i, 1);
	ret_imm(is, 0);
	place(is, sgn);
	sputi(is, sp, SS_P, 1);
	jmp_ri(is, BPF_JEQ, ch, '+', skip);
	jmp_ri(is, BPF_JNE, ch, '-', p1x);
	f = sld(is, sp, SS_F);
	op_ri(is, BPF_OR, f, 1);
	sput(is, sp, SS_F, f);
	ja(is, skip);
	place(is, p1);
	jmp_ri(is, BPF_JNE, p, 1, dig);
	place(is, p1x);
	sputi(is, sp, SS_P, 2);
	base = sld(is, sp, SS_N);
	jmp_ri(is, BPF_JNE, base, 16, dig);
	jmp_ri(is, BPF_JNE, ch, '0', dig);
	{
		int k = vreg(is), x;

		mov(is, k, i);
		op_ri(is, BPF_ADD, k, 1);
		x = byte_at(is, a, k, dig);
		op_ri(is, BPF_OR, x, 0x20);
		jmp_ri(is, BPF_JNE, x, 'x', dig);
		op_ri(is, BPF_ADD, k, 1);
		x = byte_at(is, a, k, dig);
		jmp_ri(is, BPF_JGE, digit_val(is, x), 16, dig);
		sput(is, sp, SS_I, k);
		ret_imm(is, 0);
	}
	place(is, dig);
	dv = digit_val(is, ch);
	base = sld(is, sp, SS_N);
	jmp_rr(is, BPF_JGE, dv, base, stop);
	v = sld(is, sp, SS_V);
	f = sld(is, sp, SS_F);
	mov(is, t, f);
	op_ri(is, BPF_AND, t, 1);
	movi(is, lim, INT64_MAX);
	op_rr(is, BPF_ADD, lim, t);
	op_rr(is, BPF_SUB, lim, dv);
	op_rr(is, BPF_DIV, lim, base);
	jmp_rr(is, BPF_JGT, v, lim, ovf);
	op_rr(is, BPF_MUL, v, base);
	op_rr(is, BPF_ADD, v, dv);
	sput(is, sp, SS_V, v);
	ja(is, next);
	place(is, ovf);
	op_ri(is, BPF_OR, f, 2);
	sput(is, sp, SS_F, f);
	place(is, next);
	sinc(is, sp, SS_I, i, 1);
	ret_imm(is, 0);
}

/* sp.cset |= 1 << b[i] for each byte of b:
 *   ch = b[sp.I++]; if (ch == 0) return 1;
 *   sp.cset[ch >> 3] |= 1 << (ch & 7)  */
static void cb_cset(struct isel *is, int b, int sp, int stop)
{
	int i = sld(is, sp, SS_I), ch, p = vreg(is), x = vreg(is);
	int m = vreg(is), s = vreg(is);

	ch = byte_at(is, b, i, stop);
	jmp_ri(is, BPF_JEQ, ch, 0, stop);
	sinc(is, sp, SS_I, i, 1);
	mov(is, p, ch);
	op_ri(is, BPF_RSH, p, 3);
	op_rr(is, BPF_ADD, p, sp);
	mov(is, s, ch);
	op_ri(is, BPF_AND, s, 7);
	movi(is, m, 1);
	op_rr(is, BPF_LSH, m, s);
	ldx(is, BPF_B, x, p, SS_CSET);
	op_rr(is, BPF_OR, x, m);
	stx(is, BPF_B, p, SS_CSET, x);
	ret_imm(is, 0);
}

/* tokenize's scan of a from sp.I: delimiters (sp.cset) skipped while
 * sp.P == 0, then the token's bytes copied to d up to a delimiter:
 *   ch = a[i]; if (ch == 0) return 1;  dl = ch in sp.cset;
 *   if (!sp.P) { if (dl) { sp.I++; return 0; } sp.P = 1; }
 *   if (dl) return 1;  if (sp.O < MSL - 1) d[sp.O++] = ch;  sp.I++  */
static void cb_token(struct isel *is, int a, int d, int sp, int stop)
{
	int i = sld(is, sp, SS_I), ch, dl = vreg(is), s = vreg(is), p;
	int intok = label(is), start = label(is), adv = label(is);

	ch = byte_at(is, a, i, stop);
	jmp_ri(is, BPF_JEQ, ch, 0, stop);
	mov(is, dl, ch);
	op_ri(is, BPF_RSH, dl, 3);
	op_rr(is, BPF_ADD, dl, sp);
	ldx(is, BPF_B, dl, dl, SS_CSET);
	mov(is, s, ch);
	op_ri(is, BPF_AND, s, 7);
	op_rr(is, BPF_RSH, dl, s);
	op_ri(is, BPF_AND, dl, 1);
	p = sld(is, sp, SS_P);
	jmp_ri(is, BPF_JNE, p, 0, intok);
	jmp_ri(is, BPF_JEQ, dl, 0, start);
	ja(is, adv);
	place(is, start);
	sputi(is, sp, SS_P, 1);
	place(is, intok);
	jmp_ri(is, BPF_JNE, dl, 0, stop);
	sputc(is, sp, d, ch, adv);
	place(is, adv);
	sinc(is, sp, SS_I, i, 1);
	ret_imm(is, 0);
}

/* strcmp: one byte, i = sp.I (unsigned bytes, like strcmp)
 *   ca = a[i]; cb = b[i];
 *   if (ca != cb || ca == 0) { sp.V = ca - cb; return 1; }
 *   sp.I = i + 1; return 0;  */
static void cb_cmp(struct isel *is, int a, int b, int sp, int stop)
{
	int i = sld(is, sp, SS_I), ca, cb, end = label(is);

	ca = byte_at(is, a, i, stop);
	cb = byte_at(is, b, i, stop);
	jmp_rr(is, BPF_JNE, ca, cb, end);
	jmp_ri(is, BPF_JEQ, ca, 0, end);
	sinc(is, sp, SS_I, i, 1);
	ret_imm(is, 0);
	place(is, end);
	op_rr(is, BPF_SUB, ca, cb);
	sput(is, sp, SS_V, ca);
	ret_imm(is, 1);
}

static void str_cb_body(struct isel *is, enum strop op, int ctx)
{
	int a = vreg(is), b = vreg(is), c = vreg(is), d = vreg(is);
	int sp = vreg(is), stop = label(is);
	bool ua = op != STROP_CSET, ub = op == STROP_FIND ||
		op == STROP_REPLACE || op == STROP_CSET || op == STROP_CMP;
	bool ud = op == STROP_REPLACE || op == STROP_TEXT ||
		op == STROP_TOKEN;

	if (ua)
		ldx(is, BPF_DW, a, ctx, SC_A);
	if (ub)
		ldx(is, BPF_DW, b, ctx, SC_B);
	if (op == STROP_REPLACE)
		ldx(is, BPF_DW, c, ctx, SC_C);
	if (ud)
		ldx(is, BPF_DW, d, ctx, SC_D);
	ldx(is, BPF_DW, sp, ctx, SC_ST);
	switch (op) {
	case STROP_FIND: cb_find(is, a, b, sp, stop); break;
	case STROP_REPLACE: cb_replace(is, a, b, c, d, sp, stop); break;
	case STROP_TEXT: cb_text(is, a, d, sp, stop); break;
	case STROP_STRTOL: cb_strtol(is, a, sp, stop); break;
	case STROP_CSET: cb_cset(is, b, sp, stop); break;
	case STROP_TOKEN: cb_token(is, a, d, sp, stop); break;
	case STROP_CMP: cb_cmp(is, a, b, sp, stop); break;
	}
	place(is, stop);
	ret_imm(is, 1);
}

/* bpf_loop(bound, str_callback(op), &ctx{a, b, c, d, &S.sp}, 0), the
 * pointers given (LIR_NONE: not used by op) */
static void strloop(struct isel *is, enum strop op, int a, int b, int c,
		    int d, int64_t bound)
{
	int sub = str_callback(is, op), ptrs[4] = { a, b, c, d };
	int t = vreg(is);
	struct lir *l;

	if (sub < 0)
		return;
	if (!is->strctx_off)
		is->strctx_off = stack_alloc(is, SC_SIZE);
	for (int k = 0; k < 4; k++)
		if (ptrs[k] != LIR_NONE)
			stx(is, BPF_DW, LIR_FP, is->strctx_off + 8 * k, ptrs[k]);
	sptr(is, t, strst(is));
	stx(is, BPF_DW, LIR_FP, is->strctx_off + SC_ST, t);
	if (bound > (1 << 23))
		bound = 1 << 23;
	movi(is, 1, bound);
	l = put(is, LK_FUNCADDR);
	l->dst = 2;
	l->imm = sub;
	mov(is, 3, LIR_FP);
	op_ri(is, BPF_ADD, 3, is->strctx_off);
	movi(is, 4, 0);
	call(is, HELPER_bpf_loop, 4);
}

/* S.sp.field = imm */
static void st_init(struct isel *is, int field, int32_t imm)
{
	st(is, BPF_DW, is->S, strst(is) + field, imm);
}

/* The literal string operand v, or NULL: a vreg that only a literal
 * defines. */
static const char *str_literal(struct isel *is, struct ir_val v)
{
	if (v.kind != IRV_REG || v.reg < 0 || v.reg >= is->f->nregs ||
	    !is->litstr[v.reg])
		return NULL;
	return strtab(is, is->def[v.reg]->imm);
}

/* d = strcmp(a, b) op 0, without a byte loop in the program:
 *   a literal operand (in .rodata):
 *     r = bpf_strncmp(the other, MSL, &.rodata[lit])  (swapped op when
 *     the literal is a);
 *   else: sp = {I 0, V 0}; loop(CMP, a, b); r = sp.V;
 *   d = (r op 0), signed  */
static void sel_strcmp(struct isel *is, struct ir_insn *in, int btrue,
		       int bfalse)
{
	const char *la = str_literal(is, in->a), *lb = str_literal(is, in->b);
	int r = vreg(is), t, yes, op;
	bool swap = la && !lb;

	switch (in->op) {
	case OP_LT: op = swap ? BPF_JSGT : BPF_JSLT; break;
	case OP_LE: op = swap ? BPF_JSGE : BPF_JSLE; break;
	case OP_GT: op = swap ? BPF_JSLT : BPF_JSGT; break;
	case OP_GE: op = swap ? BPF_JSLE : BPF_JSGE; break;
	default: op = jmp_op(in->op); break;
	}
	if (la || lb) {
		const char *lit = lb ? lb : la;
		int other = str_ptr(is, lb ? in->a : in->b);
		int n = (int)strlen(lit) < is->msl - 1 ? (int)strlen(lit) :
			is->msl - 1;
		char *z = arena__alloc(&is->cg->s->arena, n + 1);

		memcpy(z, lit, n);
		z[n] = 0;
		mov(is, 1, other);
		movi(is, 2, is->msl);
		ldrodata(is, 3, cg__rodata_add(is->cg, z, n + 1));
		call(is, HELPER_strncmp, 3);
		mov(is, r, 0);
	} else {
		int a = str_ptr(is, in->a), b = str_ptr(is, in->b);

		st_init(is, SS_I, 0);
		st_init(is, SS_V, 0);
		strloop(is, STROP_CMP, a, b, LIR_NONE, LIR_NONE, is->msl);
		ldx(is, BPF_DW, r, is->S, strst(is) + SS_V);
	}
	if (btrue >= 0) {
		/* fused with the branch on the result */
		jmp_ri(is, op, r, 0, btrue);
		ja(is, bfalse);
		return;
	}
	t = vreg(is);
	yes = label(is);
	movi(is, t, 1);
	jmp_ri(is, op, r, 0, yes);
	movi(is, t, 0);
	place(is, yes);
	mov(is, is->lreg[in->dst], t);
}

/* d[min(S.sp.O, MSL - 1)] = 0 */
static void st_terminate(struct isel *is, int doff)
{
	int o = vreg(is), l = label(is);

	ldx(is, BPF_DW, o, is->S, strst(is) + SS_O);
	jmp_ri(is, BPF_JLE, o, is->msl - 1, l);
	movi(is, o, is->msl - 1);
	place(is, l);
	op_rr(is, BPF_ADD, o, is->S);
	st(is, BPF_B, o, doff, 0);
}

/* A fault whose message is formatted from the long v, for the
 * instruction being selected:
 *   caught, message unread: goto catch;
 *   S.err.site = site; tmp = v;
 *   S.err.len = bpf_snprintf(S.err.msg, MSL, fmt, &tmp, 8);
 *   goto catch / propagate  */
static void fault_fmt(struct isel *is, const char *fmt, int v)
{
	struct ir_insn *in = is->cur;
	int data;

	if (in->on_error >= 0 && !is->want_errmsg) {
		ja(is, is->blabel[in->on_error]);
		return;
	}
	data = stack_tmp(is, 8);
	stx(is, BPF_DW, LIR_FP, data, v);
	st(is, BPF_DW, is->S, err_site_off(is), site_of(is, REC_ERROR));
	sptr(is, 1, errrec(is) + 8);
	movi(is, 2, is->msl);
	ldrodata(is, 3, cg__rodata_add(is->cg, fmt, (int)strlen(fmt) + 1));
	mov(is, 4, LIR_FP);
	op_ri(is, BPF_ADD, 4, data);
	movi(is, 5, 8);
	call(is, HELPER_snprintf, 5);
	stx(is, BPF_DW, is->S, err_len_off(is), 0);
	ja(is, state_target(is, in));
}

/* d = substr(s, from, n), straight:
 *   len = probe_read_kernel_str(S + d, MSL, s) - 1;
 *   if (from > MSL - 1 || from >= len || n <= 0) d[0] = 0;
 *   else probe_read_kernel_str(S + d, min(n, MSL - 1) + 1, s + from);  */
static void sel_substr(struct isel *is, struct ir_insn *in)
{
	int doff = is->soff[in->dst], s = str_ptr(is, in->args[0]);
	int from = val(is, in->args[1]), n = val(is, in->args[2]);
	int len = vreg(is), m = vreg(is), empty = label(is), done = label(is);
	int ok = label(is);

	strcpy_reg(is, doff, s, is->msl);
	mov(is, len, 0);
	op_ri(is, BPF_SUB, len, 1);
	jmp_ri(is, BPF_JGT, from, is->msl - 1, empty);
	jmp_rr(is, BPF_JSGE, from, len, empty);
	jmp_ri(is, BPF_JSLE, n, 0, empty);
	mov(is, m, n);
	jmp_ri(is, BPF_JLE, m, is->msl - 1, ok);
	movi(is, m, is->msl - 1);
	place(is, ok);
	op_ri(is, BPF_ADD, m, 1);
	sptr(is, 1, doff);
	mov(is, 2, m);
	mov(is, 3, s);
	op_rr(is, BPF_ADD, 3, from);
	call(is, HELPER_probe_read_kernel_str, 3);
	ja(is, done);
	place(is, empty);
	st(is, BPF_B, is->S, doff, 0);
	place(is, done);
}

/* d = stringat(s, i):
 *   len = probe_read_kernel_str(tmp, MSL, s) - 1;
 *   if (i > MSL - 1 || i >= len) fault("Invalid index %lld", i);
 *   d = s[i]  */
static void sel_stringat(struct isel *is, struct ir_insn *in, int d)
{
	int s = str_ptr(is, in->args[0]), i = val(is, in->args[1]);
	int len = vreg(is), bad = label(is), ok = label(is), t = vreg(is);

	strcpy_reg(is, strtmp(is), s, is->msl);
	mov(is, len, 0);
	op_ri(is, BPF_SUB, len, 1);
	jmp_ri(is, BPF_JGT, i, is->msl - 1, bad);
	jmp_rr(is, BPF_JSLT, i, len, ok);
	place(is, bad);
	fault_fmt(is, "Invalid index %lld", i);
	place(is, ok);
	mov(is, t, s);
	op_rr(is, BPF_ADD, t, i);
	ldx(is, BPF_B, d, t, 0);
}

/* d = isinstr(a, b) / strpos(a, b):
 *   sp = {I 0, J 0, V -1}; loop(FIND, a, b);
 *   strpos: d = sp.V;  isinstr: d = ((u64)sp.V >> 63) ^ 1  */
static void sel_find(struct isel *is, struct ir_insn *in, int d, bool pos)
{
	int a = str_ptr(is, in->args[0]), b = str_ptr(is, in->args[1]);

	st_init(is, SS_I, 0);
	st_init(is, SS_J, 0);
	st_init(is, SS_V, -1);
	strloop(is, STROP_FIND, a, b, LIR_NONE, LIR_NONE,
		(int64_t)is->msl * (is->msl + 1) + 1);
	ldx(is, BPF_DW, d, is->S, strst(is) + SS_V);
	if (!pos) {
		op_ri(is, BPF_RSH, d, 63);
		op_ri(is, BPF_XOR, d, 1);
	}
}

/* d = str_replace(a, b, c): sp = {I, J, O, K, F all 0};
 * loop(REPLACE, a, b, c, d); d[O] = 0  */
static void sel_replace(struct isel *is, struct ir_insn *in)
{
	int doff = is->soff[in->dst], dp = vreg(is);
	int a = str_ptr(is, in->args[0]), b = str_ptr(is, in->args[1]);
	int c = str_ptr(is, in->args[2]);

	sptr(is, dp, doff);
	st_init(is, SS_I, 0);
	st_init(is, SS_J, 0);
	st_init(is, SS_O, 0);
	st_init(is, SS_K, 0);
	st_init(is, SS_F, 0);
	strloop(is, STROP_REPLACE, a, b, c, dp,
		2 * (int64_t)is->msl * (is->msl + 1) + 1);
	st_terminate(is, doff);
}

/* d = text_str(a) / text_strn(a, n, quoted):
 *   sp = {I 0, O quoted, N n > 0 ? n : MSL};  quoted: d[0] = '"';
 *   loop(TEXT, a, d);
 *   quoted: if (sp.O < MSL - 1) d[sp.O++] = '"';  d[sp.O] = 0  */
static void sel_text(struct isel *is, struct ir_insn *in, bool strn)
{
	int doff = is->soff[in->dst], dp = vreg(is);
	int a = str_ptr(is, in->args[0]);
	int q = LIR_NONE;

	sptr(is, dp, doff);
	st_init(is, SS_I, 0);
	st_init(is, SS_N, is->msl);
	st_init(is, SS_O, 0);
	if (strn) {
		int n = val(is, in->args[1]), l = label(is);

		jmp_ri(is, BPF_JSLE, n, 0, l);
		stx(is, BPF_DW, is->S, strst(is) + SS_N, n);
		place(is, l);
		if (in->nargs > 2 && !(in->args[2].kind == IRV_IMM &&
				       in->args[2].imm == 0)) {
			int l2 = label(is);

			q = val(is, in->args[2]);
			jmp_ri(is, BPF_JEQ, q, 0, l2);
			st(is, BPF_B, is->S, doff, '"');
			st_init(is, SS_O, 1);
			place(is, l2);
		}
	}
	strloop(is, STROP_TEXT, a, LIR_NONE, LIR_NONE, dp, is->msl + 1);
	if (q != LIR_NONE) {
		int o = vreg(is), l = label(is);

		jmp_ri(is, BPF_JEQ, q, 0, l);
		ldx(is, BPF_DW, o, is->S, strst(is) + SS_O);
		jmp_ri(is, BPF_JGE, o, is->msl - 1, l);
		op_rr(is, BPF_ADD, o, is->S);
		st(is, BPF_B, o, doff, '"');
		ldx(is, BPF_DW, o, is->S, strst(is) + SS_O);
		op_ri(is, BPF_ADD, o, 1);
		stx(is, BPF_DW, is->S, strst(is) + SS_O, o);
		place(is, l);
	}
	st_terminate(is, doff);
}

/* d = strtol(a, base):
 *   if (base - 2 > 34) fault("Invalid base %lld", base);
 *   sp = {I 0, V 0, F 0, P 0, N base}; loop(STRTOL, a);
 *   d = sp.F & 2 ? (sp.F & 1 ? INT64_MIN : INT64_MAX)
 *                : (sp.F & 1 ? -sp.V : sp.V)  */
static void sel_strtol(struct isel *is, struct ir_insn *in, int d)
{
	int a = str_ptr(is, in->args[0]), base = val(is, in->args[1]);
	int t = vreg(is), f = vreg(is), ok = label(is), pos = label(is);
	int done = label(is);

	if (in->args[1].kind != IRV_IMM ||
	    in->args[1].imm < 2 || in->args[1].imm > 36) {
		mov(is, t, base);
		op_ri(is, BPF_SUB, t, 2);
		jmp_ri(is, BPF_JLE, t, 34, ok);
		fault_fmt(is, "Invalid base %lld", base);
		place(is, ok);
	}
	st_init(is, SS_I, 0);
	st_init(is, SS_V, 0);
	st_init(is, SS_F, 0);
	st_init(is, SS_P, 0);
	stx(is, BPF_DW, is->S, strst(is) + SS_N, base);
	strloop(is, STROP_STRTOL, a, LIR_NONE, LIR_NONE, LIR_NONE,
		is->msl + 1);
	ldx(is, BPF_DW, f, is->S, strst(is) + SS_F);
	ldx(is, BPF_DW, d, is->S, strst(is) + SS_V);
	mov(is, t, f);
	op_ri(is, BPF_AND, t, 1);
	op_ri(is, BPF_AND, f, 2);
	jmp_ri(is, BPF_JEQ, f, 0, pos);
	movi(is, d, INT64_MAX);
	op_rr(is, BPF_ADD, d, t);
	ja(is, done);
	place(is, pos);
	jmp_ri(is, BPF_JEQ, t, 0, done);
	op_ri(is, BPF_NEG, d, 0);
	place(is, done);
}

/* d = tokenize(s, delim), with {pos, buf[MSL]} kept in S (per CPU):
 *   if (s[0]) { tok.buf = strcpy(s); tok.pos = 0; }
 *   sp.cset = {}; sp.I = 0; loop(CSET, delim);
 *   sp = {I tok.pos, O 0, P 0}; loop(TOKEN, tok.buf, d);
 *   tok.pos = sp.I; d[sp.O] = 0  */
static void sel_tokenize(struct isel *is, struct ir_insn *in)
{
	int doff = is->soff[in->dst], dp = vreg(is), buf = vreg(is);
	int s = str_ptr(is, in->args[0]), dl = str_ptr(is, in->args[1]);
	int c = vreg(is), keep = label(is), t = vreg(is);

	if (is->cg->tok_off < 0)
		is->cg->tok_off = scratch_alloc_shared(is, 8 + is->msl);
	ldx(is, BPF_B, c, s, 0);
	jmp_ri(is, BPF_JEQ, c, 0, keep);
	strcpy_reg(is, is->cg->tok_off + 8, s, is->msl);
	st(is, BPF_DW, is->S, is->cg->tok_off, 0);
	place(is, keep);
	for (int k = 0; k < 32; k += 8)
		st_init(is, SS_CSET + k, 0);
	st_init(is, SS_I, 0);
	strloop(is, STROP_CSET, LIR_NONE, dl, LIR_NONE, LIR_NONE,
		is->msl + 1);
	ldx(is, BPF_DW, t, is->S, is->cg->tok_off);
	stx(is, BPF_DW, is->S, strst(is) + SS_I, t);
	st_init(is, SS_O, 0);
	st_init(is, SS_P, 0);
	sptr(is, buf, is->cg->tok_off + 8);
	sptr(is, dp, doff);
	strloop(is, STROP_TOKEN, buf, LIR_NONE, LIR_NONE, dp, is->msl + 1);
	ldx(is, BPF_DW, t, is->S, strst(is) + SS_I);
	stx(is, BPF_DW, is->S, is->cg->tok_off, t);
	st_terminate(is, doff);
}

/* The string built-ins; false if name is none of them. */
/* Reading memory at an address: kernel_string(p), user_string(p),
 * their _n(p, n) forms, and the numbers kernel_long/int/short/char,
 * kernel_pointer, user_long/int/short/char, user_[u]intN.  A failed
 * read is an error, as in stap:
 *   strings: r = probe_read_{kernel,user}_str(S + d, size, p);
 *            (size: MSL, or n + 1 clamped to [1, MSL])
 *            if (r < 0) fault("{kernel,user} string copy fault");
 *   numbers: r = probe_read_{kernel,user}(fp - 8, N, p);
 *            if (r < 0) fault("{kernel,user} read fault");
 *            d = *(uN *)(fp - 8), sign-extended when signed */
static bool sel_memread(struct isel *is, struct ir_insn *in, const char *name,
			int d)
{
	static const struct {
		const char *name;
		int size;
		bool is_signed;
	} nums[] = {
		{ "long", 8, true }, { "int", 4, true }, { "short", 2, true },
		{ "char", 1, true }, { "pointer", 8, false },
		{ "int8", 1, true }, { "uint8", 1, false },
		{ "int16", 2, true }, { "uint16", 2, false },
		{ "int32", 4, true }, { "uint32", 4, false },
		{ "int64", 8, true }, { "uint64", 8, false },
	};
	static const int sz[9] = { [1] = BPF_B, [2] = BPF_H, [4] = BPF_W,
				   [8] = BPF_DW };
	bool user = !strncmp(name, "user_", 5);
	const char *what = name + (user ? 5 : 7);

	if (!user && strncmp(name, "kernel_", 7))
		return false;
	if (!strcmp(what, "string") || !strcmp(what, "string_n")) {
		int p = val(is, in->args[0]), doff = is->soff[in->dst];

		if (what[6] == '_') {
			/* size = n + 1, clamped to [1, MSL] (bounded for
			 * the verifier) */
			int n = vreg(is), l1 = label(is), l2 = label(is);

			mov(is, n, val(is, in->args[1]));
			op_ri(is, BPF_ADD, n, 1);
			jmp_ri(is, BPF_JSGE, n, 1, l1);
			movi(is, n, 1);
			place(is, l1);
			jmp_ri(is, BPF_JSLE, n, is->msl, l2);
			movi(is, n, is->msl);
			place(is, l2);
			sptr(is, 1, doff);
			mov(is, 2, n);
		} else {
			sptr(is, 1, doff);
			movi(is, 2, is->msl);
		}
		mov(is, 3, p);
		call(is, user ? HELPER_probe_read_user_str :
		     HELPER_probe_read_kernel_str, 3);
		jmp_ri(is, BPF_JSLT, 0, 0,
		       fault_label(is, user ? "user string copy fault" :
				   "kernel string copy fault"));
		return true;
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		int off;

		if (strcmp(what, nums[i].name) ||
		    (user && !strcmp(what, "pointer")))
			continue;
		off = stack_tmp(is, 8);
		mov(is, 3, val(is, in->args[0]));
		mov(is, 1, LIR_FP);
		op_ri(is, BPF_ADD, 1, off);
		movi(is, 2, nums[i].size);
		call(is, user ? HELPER_probe_read_user :
		     HELPER_probe_read_kernel, 3);
		jmp_ri(is, BPF_JSLT, 0, 0,
		       fault_label(is, user ? "user read fault" :
				   "kernel read fault"));
		ldx(is, sz[nums[i].size], d, LIR_FP, off);
		if (nums[i].is_signed && nums[i].size < 8) {
			op_ri(is, BPF_LSH, d, 64 - 8 * nums[i].size);
			op_ri(is, BPF_ARSH, d, 64 - 8 * nums[i].size);
		}
		return true;
	}
	return false;
}

static bool sel_strfunc(struct isel *is, struct ir_insn *in, const char *name,
			int d)
{
	if (!strcmp(name, "substr"))
		sel_substr(is, in);
	else if (!strcmp(name, "stringat"))
		sel_stringat(is, in, d);
	else if (!strcmp(name, "isinstr") || !strcmp(name, "strpos"))
		sel_find(is, in, d, name[0] == 's');
	else if (!strcmp(name, "str_replace"))
		sel_replace(is, in);
	else if (!strcmp(name, "text_str") || !strcmp(name, "text_strn"))
		sel_text(is, in, name[8] == 'n');
	else if (!strcmp(name, "strtol"))
		sel_strtol(is, in, d);
	else if (!strcmp(name, "tokenize"))
		sel_tokenize(is, in);
	else if (!sel_memread(is, in, name, d))
		return false;
	return true;
}

/* ---- statistics ---------------------------------------------------------- */

/* b = bucket of x (see ir.h "Histograms"), in [0, nbuckets):
 *   log:  x == 0 -> 64;  x > 0 -> 65 + ilog2(x);  x < 0 -> 63 - ilog2(-x)
 *         ilog2 by binary search: 6 steps of "if (u >> s) { u >>= s;
 *         r += s; }"
 *   linear: x < lo -> 0; else min(1 + (x - lo) / step, nbuckets - 1) */
static int hist_bucket(struct isel *is, struct ir_map *m, int x)
{
	int b = vreg(is), u = vreg(is), t = vreg(is);
	int done = label(is);

	if (m->hist == IRH_LOG) {
		/* b = 64; if (x == 0) goto done;
		 * u = x < 0 ? -x : x;  b = 65 + ilog2(u), by halving steps
		 *   (u >> 32 first, then "if (u >= 1 << s) { u >>= s;
		 *   b += s; }" for s = 16 .. 1);
		 * if (x < 0) b = 128 - b  (63 - ilog2(-x)) */
		int pos = label(is), nn = label(is), skip = label(is);

		(void)t;
		movi(is, b, 64);
		jmp_ri(is, BPF_JEQ, x, 0, done);
		mov(is, u, x);
		jmp_ri(is, BPF_JSGT, x, 0, pos);
		op_ri(is, BPF_NEG, u, 0);
		place(is, pos);
		movi(is, b, 65);
		{
			int h = vreg(is);

			mov(is, h, u);
			op_ri(is, BPF_RSH, h, 32);
			jmp_ri(is, BPF_JEQ, h, 0, skip);
			mov(is, u, h);
			op_ri(is, BPF_ADD, b, 32);
			place(is, skip);
		}
		for (int s = 16; s >= 1; s /= 2) {
			int l = label(is);

			jmp_ri(is, BPF_JLT, u, (int64_t)1 << s, l);
			if (s > 1)
				op_ri(is, BPF_RSH, u, s);
			op_ri(is, BPF_ADD, b, s);
			place(is, l);
		}
		jmp_ri(is, BPF_JSGT, x, 0, nn);
		op_ri(is, BPF_NEG, b, 0);
		op_ri(is, BPF_ADD, b, 128);
		place(is, nn);
	} else {
		movi(is, b, 0);
		if (fits32(m->hist_lo))
			jmp_ri(is, BPF_JSLT, x, m->hist_lo, done);
		else {
			movi(is, t, m->hist_lo);
			jmp_rr(is, BPF_JSLT, x, t, done);
		}
		mov(is, u, x);
		if (!m->hist_lo)
			;
		else if (fits32(-m->hist_lo))
			op_ri(is, BPF_SUB, u, m->hist_lo);
		else {
			movi(is, t, m->hist_lo);
			op_rr(is, BPF_SUB, u, t);
		}
		if (fits32(m->hist_step))
			op_ri(is, BPF_DIV, u, m->hist_step);
		else {
			movi(is, t, m->hist_step);
			op_rr(is, BPF_DIV, u, t);
		}
		movi(is, b, m->nbuckets - 1);
		jmp_ri(is, BPF_JGE, u, m->nbuckets - 2, done);
		mov(is, b, u);
		op_ri(is, BPF_ADD, b, 1);
	}
	place(is, done);
	/* the verifier knows the range on every path: log: b is a known
	 * constant in [0, 127]; linear: 0, nbuckets - 1, or u + 1 after
	 * u < nbuckets - 2 (unsigned) */
	return b;
}

/* Whether anything reads @min/@max of m: a @min/@max, a foreach
 * sorting on them, or the end-of-run display of an unread global. */
static bool stat_wants_minmax(struct isel *is, struct ir_map *m)
{
	if (!m->decl || !m->decl->read)
		return true;
	vec_foreach(fi, &is->p->funcs) {
		struct ir_func *f = vec_at(&is->p->funcs, fi);

		vec_foreach(bi, &f->blocks) {
			struct ir_block *b = vec_at(&f->blocks, bi);

			vec_foreach(ii, &b->insns) {
				struct ir_insn *in = vec_at(&b->insns, ii);

				if (in->map != m)
					continue;
				if (in->opc == IR_STAT_GET &&
				    (in->statop == SO_MIN ||
				     in->statop == SO_MAX))
					return true;
				if (in->opc == IR_FOREACH && in->sort_dir &&
				    (in->sort_agg == SO_MIN ||
				     in->sort_agg == SO_MAX))
					return true;
			}
		}
	}
	return false;
}

/* m[keys] <<< x on this CPU's value:
 *   v = lookup_or_insert(&m, key);
 *   @min/@max read:  c = v->count;
 *                    if (c == 0 || x < v->min) v->min = x;
 *                    if (c == 0 || x > v->max) v->max = x;
 *   v->count++; v->sum += x; v->sumsq += x * x  (@variance read);
 *   v->bucket[bucket(x)]++  (histograms)
 * The adds are BPF_ATOMIC adds: one instruction each.  The value is
 * this CPU's, so plain load/add/store would do as long as no program
 * touching the map can interrupt another on the same CPU (perf_event
 * programs run from the overflow handler under bpf_prog_active, which
 * also keeps kprobe/tracepoint programs off that CPU meanwhile, and a
 * cpu-clock event cannot interrupt itself), but they take three
 * instructions for one, and a raw tracepoint or fentry program (no
 * bpf_prog_active) could be interrupted by a perf_event one: atomics
 * stay.  */
static void sel_stat_add(struct isel *is, struct ir_insn *in)
{
	struct ir_map *m = in->map;
	int key = build_key(is, m, in->args), x, one, done = label(is);
	int v = lookup_or_insert(is, m, key, done);
	/* a constant x is compared and stored as an immediate, and set in
	 * a register only after the calls */
	bool kx = is_imm32(in->a);
	int32_t ix = kx ? (int32_t)in->a.imm : 0;

	if (stat_wants_minmax(is, m)) {
		int c = vreg(is), t = vreg(is);
		int setmin = label(is), nomin = label(is);
		int setmax = label(is), cnt = label(is);

		x = kx ? LIR_NONE : val(is, in->a);
		ldx(is, BPF_DW, c, v, offsetof(struct ir_stat, count));
		jmp_ri(is, BPF_JEQ, c, 0, setmin);
		ldx(is, BPF_DW, t, v, offsetof(struct ir_stat, min));
		if (kx)
			jmp_ri(is, BPF_JSLE, t, ix, nomin);
		else
			jmp_rr(is, BPF_JSGE, x, t, nomin);
		place(is, setmin);
		if (kx)
			st(is, BPF_DW, v, offsetof(struct ir_stat, min), ix);
		else
			stx(is, BPF_DW, v, offsetof(struct ir_stat, min), x);
		place(is, nomin);
		jmp_ri(is, BPF_JEQ, c, 0, setmax);
		ldx(is, BPF_DW, t, v, offsetof(struct ir_stat, max));
		if (kx)
			jmp_ri(is, BPF_JSGE, t, ix, cnt);
		else
			jmp_rr(is, BPF_JSLE, x, t, cnt);
		place(is, setmax);
		if (kx)
			st(is, BPF_DW, v, offsetof(struct ir_stat, max), ix);
		else
			stx(is, BPF_DW, v, offsetof(struct ir_stat, max), x);
		place(is, cnt);
	}
	x = val(is, in->a);
	if (in->a.kind == IRV_IMM && in->a.imm == 1) {
		one = x;
	} else {
		one = vreg(is);
		movi(is, one, 1);
	}
	xadd(is, v, offsetof(struct ir_stat, count), one);
	xadd(is, v, offsetof(struct ir_stat, sum), x);
	if (m->decl == NULL || m->decl->want_variance) {
		int sq = vreg(is);

		mov(is, sq, x);
		op_rr(is, BPF_MUL, sq, x);
		xadd(is, v, offsetof(struct ir_stat, sumsq), sq);
	}
	if (m->hist != IRH_NONE && m->nbuckets > 0) {
		/* p = v + 8 * b; lock *(p + sizeof(struct ir_stat)) += 1 */
		int b = hist_bucket(is, m, x);

		op_ri(is, BPF_LSH, b, 3);
		op_rr(is, BPF_ADD, b, v);
		xadd(is, b, sizeof(struct ir_stat), one);
	}
	place(is, done);
}

/* q = a / b, signed, for b > 0 (truncated towards zero, as C):
 *   q = a; if (q < 0) q = -q; q /= b; if (a < 0) q = -q;  */
static void sdiv_pos(struct isel *is, int q, int a, int b)
{
	int l1 = label(is), l2 = label(is);

	mov(is, q, a);
	jmp_ri(is, BPF_JSGE, q, 0, l1);
	op_ri(is, BPF_NEG, q, 0);
	place(is, l1);
	op_rr(is, BPF_DIV, q, b);
	jmp_ri(is, BPF_JSGE, a, 0, l2);
	op_ri(is, BPF_NEG, q, 0);
	place(is, l2);
}

/* The context of a stat-merging callback, on the caller's stack. */
enum {
	SCTX_KEY = 0,		/* pointer to the key */
	SCTX_N = 8,		/* count so far */
	SCTX_SUM = 16,
	SCTX_SQ = 24,		/* sum of squares */
	SCTX_ACC = 32,		/* min or max so far */
	SCTX_SIZE = 40,
};

static bool stat_mm(enum statop op)
{
	return op == SO_MIN || op == SO_MAX;
}

/* The bpf_loop callback that merges CPU `i`'s value of m into ctx (one
 * per map and statop, shared):
 *   long cb(u64 i, struct sctx *ctx) {
 *     v = bpf_map_lookup_percpu_elem(&m, ctx->key, i);
 *     if (!v) return 1;           // past the last CPU, or no such key
 *     c = v->count;
 *     @min: if (c == 0) return 0;
 *           if (ctx->n == 0 || v->min < ctx->acc) ctx->acc = v->min;
 *     ctx->n += c; ctx->sum += v->sum; ctx->sq += v->sumsq;  (as needed)
 *     return 0;
 *   }  */
static int stat_callback(struct isel *outer, struct ir_map *m,
			 enum statop op)
{
	struct isel is;
	int ctx, idx, v, c, t, u, stop, next;

	vec_foreach(i, &outer->cg->statcbs) {
		struct cg_statcb *sc = vec_at(&outer->cg->statcbs, i);

		if (sc->map == m && sc->op == op && !sc->del)
			return sc->sub;
	}
	cb_begin(&is, outer, arena__printf(&outer->cg->s->arena, "stat_%d_%s",
					   m->id, statop__name(op)));
	ctx = vreg(&is);
	idx = vreg(&is);
	v = vreg(&is);
	c = vreg(&is);
	stop = label(&is);
	next = label(&is);
	mov(&is, idx, 1);
	mov(&is, ctx, 2);
	ldmap(&is, 1, m);
	ldx(&is, BPF_DW, 2, ctx, SCTX_KEY);
	mov(&is, 3, idx);
	call(&is, HELPER_map_lookup_percpu_elem, 3);
	mov(&is, v, 0);
	jmp_ri(&is, BPF_JEQ, v, 0, stop);
	ldx(&is, BPF_DW, c, v, offsetof(struct ir_stat, count));
	t = vreg(&is);
	u = vreg(&is);
	if (stat_mm(op)) {
		int take = label(&is), skip = label(&is);
		int field = op == SO_MIN ? offsetof(struct ir_stat, min) :
			offsetof(struct ir_stat, max);

		jmp_ri(&is, BPF_JEQ, c, 0, next);
		ldx(&is, BPF_DW, t, v, field);
		ldx(&is, BPF_DW, u, ctx, SCTX_N);
		jmp_ri(&is, BPF_JEQ, u, 0, take);
		ldx(&is, BPF_DW, u, ctx, SCTX_ACC);
		jmp_rr(&is, op == SO_MIN ? BPF_JSGE : BPF_JSLE, t, u, skip);
		place(&is, take);
		stx(&is, BPF_DW, ctx, SCTX_ACC, t);
		place(&is, skip);
	}
	ldx(&is, BPF_DW, u, ctx, SCTX_N);
	op_rr(&is, BPF_ADD, u, c);
	stx(&is, BPF_DW, ctx, SCTX_N, u);
	if (op == SO_SUM || op == SO_AVG || op == SO_VARIANCE) {
		int t2 = vreg(&is), u2 = vreg(&is);

		ldx(&is, BPF_DW, t2, v, offsetof(struct ir_stat, sum));
		ldx(&is, BPF_DW, u2, ctx, SCTX_SUM);
		op_rr(&is, BPF_ADD, u2, t2);
		stx(&is, BPF_DW, ctx, SCTX_SUM, u2);
	}
	if (op == SO_VARIANCE) {
		int t2 = vreg(&is), u2 = vreg(&is);

		ldx(&is, BPF_DW, t2, v, offsetof(struct ir_stat, sumsq));
		ldx(&is, BPF_DW, u2, ctx, SCTX_SQ);
		op_rr(&is, BPF_ADD, u2, t2);
		stx(&is, BPF_DW, ctx, SCTX_SQ, u2);
	}
	place(&is, next);
	ret_imm(&is, 0);
	place(&is, stop);
	ret_imm(&is, 1);
	return cb_end(&is, outer, m, op, 0);
}

/* d = @op(m[keys]) merged over every CPU's value:
 *   ctx = {&key, 0, 0, 0, 0};
 *   r = bpf_loop(CODEGEN_MAX_CPUS, stat_callback(m, op), &ctx, 0);
 *   keyed, r == 1 (stopped at CPU 0): fault "aggregate element not found"
 *   ctx.n == 0: fault "empty aggregate"   (both: not @count, @sum)
 *   d = ctx.n / ctx.sum / ctx.acc / ctx.sum / ctx.n /
 *       (n * sq - sum * sum) / (n * (n - 1))  */
static void sel_stat_get(struct isel *is, struct ir_insn *in)
{
	struct ir_map *m = in->map;
	enum statop op = in->statop;
	bool checks = op != SO_COUNT && op != SO_SUM;
	int key, d = is->lreg[in->dst], off, sub, cp, n = vreg(is);
	struct lir *l;

	if (op != SO_COUNT && op != SO_SUM && !stat_mm(op) &&
	    op != SO_AVG && op != SO_VARIANCE) {
		error_at(is, "%s", "this statistic is not available in "
			 "kernel-side probes (print it from an end probe)");
		return;
	}
	key = build_key(is, m, in->args);
	/* @avg merges what @sum does */
	sub = stat_callback(is, m, op == SO_AVG ? SO_SUM : op);
	if (sub < 0)
		return;
	if (!is->sctx_off)
		is->sctx_off = stack_alloc(is, SCTX_SIZE);
	off = is->sctx_off;
	stx(is, BPF_DW, LIR_FP, off + SCTX_KEY, key);
	st(is, BPF_DW, LIR_FP, off + SCTX_N, 0);
	if (op == SO_SUM || op == SO_AVG || op == SO_VARIANCE)
		st(is, BPF_DW, LIR_FP, off + SCTX_SUM, 0);
	if (op == SO_VARIANCE)
		st(is, BPF_DW, LIR_FP, off + SCTX_SQ, 0);
	if (stat_mm(op))
		st(is, BPF_DW, LIR_FP, off + SCTX_ACC, 0);
	cp = vreg(is);
	mov(is, cp, LIR_FP);
	op_ri(is, BPF_ADD, cp, off);
	movi(is, 1, CODEGEN_MAX_CPUS);
	l = put(is, LK_FUNCADDR);
	l->dst = 2;
	l->imm = sub;
	mov(is, 3, cp);
	movi(is, 4, 0);
	call(is, HELPER_bpf_loop, 4);
	if (checks && m->nkeys)
		jmp_ri(is, BPF_JEQ, 0, 1,
		       fault_label(is, "aggregate element not found"));
	ldx(is, BPF_DW, n, LIR_FP, off + SCTX_N);
	if (checks)
		jmp_ri(is, BPF_JEQ, n, 0, fault_label(is, "empty aggregate"));
	switch (op) {
	case SO_COUNT:
		mov(is, d, n);
		break;
	case SO_SUM:
		ldx(is, BPF_DW, d, LIR_FP, off + SCTX_SUM);
		break;
	case SO_MIN:
	case SO_MAX:
		ldx(is, BPF_DW, d, LIR_FP, off + SCTX_ACC);
		break;
	case SO_AVG: {
		int q = vreg(is), sum = vreg(is);

		ldx(is, BPF_DW, sum, LIR_FP, off + SCTX_SUM);
		sdiv_pos(is, q, sum, n);
		mov(is, d, q);
		break;
	}
	default: {
		/* sample variance; 0 below two samples */
		int num = vreg(is), den = vreg(is), t = vreg(is), q = vreg(is);
		int sum = vreg(is), few = label(is);

		movi(is, q, 0);
		jmp_ri(is, BPF_JSLT, n, 2, few);
		ldx(is, BPF_DW, sum, LIR_FP, off + SCTX_SUM);
		ldx(is, BPF_DW, num, LIR_FP, off + SCTX_SQ);
		op_rr(is, BPF_MUL, num, n);
		mov(is, t, sum);
		op_rr(is, BPF_MUL, t, sum);
		op_rr(is, BPF_SUB, num, t);
		mov(is, den, n);
		op_ri(is, BPF_SUB, den, 1);
		op_rr(is, BPF_MUL, den, n);
		sdiv_pos(is, q, num, den);
		place(is, few);
		mov(is, d, q);
		break;
	}
	}
}

/* ---- output -------------------------------------------------------------- */

/* The printf record is built on the stack and sent with one
 * bpf_ringbuf_output when it is at most this big (fewer instructions
 * than reserve + submit); larger ones are reserved in the ring buffer. */
#define PRINTF_STACK_MAX 160

/* printf(fmt, args...), a record {REC_PRINTF, fmt->id} + the arguments
 * (8 bytes per long, MSL per string):
 *   small:  rec = stack; fill; if (ringbuf_output(&ringbuf, rec, size, 0))
 *             lock control.skipped++;
 *   large:  rec = ringbuf_reserve(size); if (!rec) { lock
 *             control.skipped++; goto out; }  fill; ringbuf_submit(rec)
 * The bytes of a string field past its NUL are not written.  */
static void sel_printf(struct isel *is, struct ir_insn *in)
{
	struct ir_format *fmt = in->fmt;
	int size = 8, off = 8, rec, base = 0;
	int dropped = label(is), done = label(is);
	int *vals = arena__alloc(&is->cg->s->arena,
				 sizeof(int) * (in->nargs + 1));
	bool small;

	for (int i = 0; i < in->nargs; i++) {
		enum ir_type t = fmt && i < fmt->nargs ? fmt->arg_types[i] :
			IRT_LONG;

		size += t == IRT_STR ? is->msl : 8;
		/* longs into registers before the call */
		if (t == IRT_LONG && !is_imm32(in->args[i]))
			vals[i] = val(is, in->args[i]);
		else if (t == IRT_STR && in->args[i].kind == IRV_REG &&
			 !is->deferred[in->args[i].reg])
			vals[i] = LIR_NONE;
	}
	small = size <= PRINTF_STACK_MAX &&
		is->stack + is->stack_tmp + size <= 256;
	if (small) {
		rec = LIR_FP;
		base = stack_tmp(is, size);
		st(is, BPF_DW, rec, base, REC_PRINTF);
		if (fmt && fmt->id)
			st(is, BPF_W, rec, base + 4, fmt->id);
	} else {
		rec = rec_reserve(is, size, REC_PRINTF,
				  fmt ? (uint32_t)fmt->id : 0, dropped);
	}
	for (int i = 0; i < in->nargs; i++) {
		enum ir_type t = fmt && i < fmt->nargs ? fmt->arg_types[i] :
			IRT_LONG;
		struct ir_val a = in->args[i];

		if (t == IRT_LONG) {
			if (is_imm32(a))
				st(is, BPF_DW, rec, base + off, (int32_t)a.imm);
			else
				stx(is, BPF_DW, rec, base + off, vals[i]);
			off += 8;
			continue;
		}
		if (a.kind == IRV_REG && is->deferred[a.reg]) {
			emit_deferred(is, a.reg, rec, base + off, is->msl);
		} else if (a.kind == IRV_REG) {
			int sp = vreg(is);

			sptr(is, sp, is->soff[a.reg]);
			mov(is, 1, rec);
			op_ri(is, BPF_ADD, 1, base + off);
			movi(is, 2, is->msl);
			mov(is, 3, sp);
			call(is, HELPER_probe_read_kernel_str, 3);
		} else {
			st(is, BPF_B, rec, base + off, 0);
		}
		off += is->msl;
	}
	if (small) {
		ldmap(is, 1, is->p->ringbuf_map);
		mov(is, 2, LIR_FP);
		op_ri(is, BPF_ADD, 2, base);
		movi(is, 3, size);
		movi(is, 4, 0);
		call(is, HELPER_ringbuf_output, 4);
		jmp_ri(is, BPF_JEQ, 0, 0, done);
		count_control(is, offsetof(struct ir_control, skipped));
		place(is, done);
		(void)dropped;
		return;
	}
	rec_submit(is, rec);
	ja(is, done);
	place(is, dropped);
	count_control(is, offsetof(struct ir_control, skipped));
	place(is, done);
}

/* The format in vreg fmt, or (fmt == LIR_NONE) at .rodata + ro; n u64
 * arguments at fp + data:
 *   r = bpf_snprintf(S + d, MSL, fmt, fp + data (or NULL), 8 * n);
 *   if (r < 0) S[d] = 0;          (l: the label placed after it) */
static void snprintf_call(struct isel *is, int doff, int fmt, int ro,
			  int data, int n, int l)
{
	sptr(is, 1, doff);
	movi(is, 2, is->msl);
	if (fmt != LIR_NONE)
		mov(is, 3, fmt);
	else
		ldrodata(is, 3, ro);
	if (n) {
		mov(is, 4, LIR_FP);
		op_ri(is, BPF_ADD, 4, data);
	} else {
		movi(is, 4, 0);
	}
	movi(is, 5, 8 * n);
	call(is, HELPER_snprintf, 5);
	jmp_ri(is, BPF_JSGE, 0, 0, l);
	st(is, BPF_B, is->S, doff, 0);
	place(is, l);
}

/* ---- sprintf in a kernel-side probe -------------------------------------
 *
 * bpf_snprintf takes %d %i %u %x %X %c %s %p with the flags "-+ 0" and a
 * width, and no letter or digit right after a %s.  A format within that
 * (bpf_format) is one call, as it always was.  Any other format is built
 * in two phases (sel_sprintf_2ph), with runtime/format.c's semantics:
 *   1. what bpf_snprintf cannot do is done first: a conversion is either
 *      rewritten into ones it can do ("%.5d" -> "%s%05llu" of the sign
 *      and the magnitude, "%#x" -> "0x%llx", "%08.3x" -> "%08llx"), or
 *      formatted into its own MSL temporary in S (a bpf_snprintf of a
 *      simpler format, a probe_read_kernel_str that truncates at the
 *      precision, the text_str loop for '#' on %s, a bpf_loop of octal
 *      digits, stores for %b);
 *   2. one bpf_snprintf assembles the result, taking the temporaries as
 *      %s with the width and '-' that remain.
 * Why this rather than one byte loop formatting everything: bpf_snprintf
 * already does the digits and the padding of almost every case, so a
 * conversion costs a few instructions or one more helper call instead of
 * a loop and its callback, and the common formats keep their single call.
 * A run-time width or zero count n ('*', or the digit count of an octal
 * or '*' number) is a "%s" of &run[MSL - 1 - n], run being MSL - 1
 * spaces (or zeros) and a NUL in .rodata.  Literal text bpf_snprintf
 * refuses (bytes that are not printable ASCII, a letter after a %s) is a
 * "%s" of a .rodata copy.  A NUL that stap writes (%0s, %b) ends the
 * string: the rest of the format is dropped there, at run time by a
 * second, shorter format when only the value tells.
 * Constant widths are clamped to 4 MSL and precisions to 2 MSL + 24:
 * past those, the first MSL - 1 bytes (all a string keeps) are the same.
 * One known difference: '#' on %s escapes into MSL - 1 bytes, so a width
 * of MSL or more around an escaped text longer than that pads less. */

enum { SPF_LEFT = 1, SPF_PLUS = 2, SPF_SPACE = 4, SPF_ALT = 8, SPF_ZERO = 16 };

#define SPF_MAXARGS 12		/* bpf_snprintf's MAX_BPRINTF_VARARGS */
#define SPF_OCT_CB 0x100	/* cg_statcb.strop of the octal callback
				 * (apart from enum strop's) */
#define SPF_OCT_DIGITS 22	/* octal digits of a u64 */

/* one conversion of the stap format */
struct spf_spec {
	int flags;		/* SPF_* */
	char conv;
	int64_t w, p;		/* constant width / precision, -1: none */
	int wr, pr;		/* LIR vreg of a run-time '*' one, or LIR_NONE */
	struct ir_val arg;	/* the converted argument */
};

/* the final bpf_snprintf being built */
struct spf {
	struct isel *is;
	char *fmt;		/* its format */
	size_t n, cap;
	bool after_s;		/* fmt ends with a %s */
	bool stopped;		/* a NUL was written: nothing more is seen */
	int nent;		/* its u64 arguments so far, stored by... */
	int ent_at[SPF_MAXARGS];	/* ...these LIR stores, whose fp offsets
					 * are set once their number is known */
	int pdata, pcap;	/* fp offset and size of a phase-1 call's */
	int dst;		/* offset in S of the result, free for one
				 * temporary (no argument is there), or -1 */
	int nstops;
	size_t stop_at[SPF_MAXARGS];	/* fmt is cut here at run time... */
	int stop_if[SPF_MAXARGS];	/* ...when this vreg is not 0 */
	const char *why;	/* set: the format cannot be done */
};

/* c may follow a %s in a bpf_snprintf format (NUL, space, punctuation) */
static bool spf_sep(char c)
{
	return !c || strchr(" \t\n\v\f\r", c) ||
	       (c > 0x20 && c < 0x7f && !(c >= '0' && c <= '9') &&
		!((c | 0x20) >= 'a' && (c | 0x20) <= 'z'));
}

/* c may be in a bpf_snprintf format: printable ASCII or white space */
static bool spf_plain(char c)
{
	return (c >= 0x20 && c < 0x7f) || (c && strchr("\t\n\v\f\r", c));
}

static void spf_raw(struct spf *f, const char *s, size_t len)
{
	if (f->n + len + 1 > f->cap) {
		size_t cap = (f->n + len + 1) * 2;
		char *n = arena__alloc(&f->is->cg->s->arena, cap);

		if (f->n)
			memcpy(n, f->fmt, f->n);
		f->fmt = n;
		f->cap = cap;
	}
	memcpy(f->fmt + f->n, s, len);
	f->n += len;
	f->fmt[f->n] = 0;
}

/* a conversion into the final format */
static void spf_conv(struct spf *f, const char *snip)
{
	size_t len = strlen(snip);

	spf_raw(f, snip, len);
	f->after_s = snip[len - 1] == 's';
}

/* "%[-][w]s" (or c) */
static void spf_conv_w(struct spf *f, bool left, int64_t w, char conv)
{
	spf_conv(f, arena__printf(&f->is->cg->s->arena, "%%%s%.0lld%c",
				  left ? "-" : "", (long long)(w > 0 ? w : 0),
				  conv));
}

/* the final call's next argument: data[nent++] = r (or the constant a) */
static void spf_ent_any(struct spf *f, int r, const struct ir_val *a)
{
	if (f->nent == SPF_MAXARGS) {
		f->why = "more than 12 bpf_snprintf arguments once "
			 "rewritten";
		return;
	}
	if (a)
		st(f->is, BPF_DW, LIR_FP, 0, (int32_t)a->imm);
	else
		stx(f->is, BPF_DW, LIR_FP, 0, r);
	f->ent_at[f->nent++] = f->is->lf->n - 1;
}

static void spf_ent(struct spf *f, int r)
{
	spf_ent_any(f, r, NULL);
}

static void spf_ent_val(struct spf *f, struct ir_val a)
{
	if (is_imm32(a))
		spf_ent_any(f, LIR_NONE, &a);
	else
		spf_ent(f, val(f->is, a));
}

/* A temporary of size bytes in S, for this sprintf only: the result's
 * own buffer the first time (the final bpf_snprintf copies its strings
 * in before it writes), new scratch then */
static int spf_temp(struct spf *f, int size)
{
	int t = f->dst;

	f->dst = -1;
	return t >= 0 ? t : scratch_alloc(f->is, size);
}

/* fp offset of n u64s for a phase-1 call, shared by the calls */
static int spf_pdata(struct spf *f, int n)
{
	if (8 * n > f->pcap) {
		f->pcap = 8 * n;
		f->pdata = stack_tmp(f->is, f->pcap);
	}
	return f->pdata;
}

/* r = &.rodata[the n bytes s, and a NUL] + k */
static int spf_ro(struct spf *f, const char *s, size_t n, int k)
{
	char *c = arena__alloc(&f->is->cg->s->arena, n + 1);
	int r = vreg(f->is);

	memcpy(c, s, n);
	c[n] = 0;
	ldrodata(f->is, r, cg__rodata_add(f->is->cg, c, (int)n + 1) + k);
	return r;
}

/* Literal text: in the format when bpf_snprintf takes it there, else
 * "%s" of a .rodata copy */
static void spf_lit(struct spf *f, const char *s, size_t n)
{
	bool inl;

	if (!n || f->stopped)
		return;
	inl = !f->after_s || spf_sep(s[0]);
	for (size_t i = 0; i < n; i++)
		inl = inl && spf_plain(s[i]);
	if (!inl) {
		spf_ent(f, spf_ro(f, s, n, 0));
		spf_conv(f, "%s");
		return;
	}
	for (size_t i = 0; i < n; i++)
		spf_raw(f, s[i] == '%' ? "%%" : s + i, s[i] == '%' ? 2 : 1);
	f->after_s = false;
}

/* r = clamp(r, lo, hi), signed */
static void spf_clamp(struct isel *is, int r, int64_t lo, int64_t hi)
{
	int a = label(is), b = label(is);

	jmp_ri(is, BPF_JSGE, r, lo, a);
	movi(is, r, lo);
	place(is, a);
	jmp_ri(is, BPF_JSLE, r, hi, b);
	movi(is, r, hi);
	place(is, b);
}

/* p = &run[MSL - 1 - n]: n (a vreg in [0, MSL - 1], or LIR_NONE: 0) of
 * c, from a .rodata run of MSL - 1 c and a NUL */
static int spf_fill(struct spf *f, char c, int n)
{
	struct isel *is = f->is;
	char *run = arena__alloc(&is->cg->s->arena, is->msl);
	int p;

	memset(run, c, is->msl - 1);
	p = spf_ro(f, run, is->msl - 1, is->msl - 1);
	if (n != LIR_NONE)
		op_rr(is, BPF_SUB, p, n);
	return p;
}

/* A phase-1 call: S[t] = bpf_snprintf(S + t, size, &.rodata"fmt", v, 8n)
 * (r0 = its length + 1) */
static void spf_pre(struct spf *f, int t, int size, const char *fmt,
		    const int *v, int n)
{
	struct isel *is = f->is;
	int data = spf_pdata(f, n);

	for (int i = 0; i < n; i++)
		stx(is, BPF_DW, LIR_FP, data + 8 * i, v[i]);
	sptr(is, 1, t);
	movi(is, 2, size);
	ldrodata(is, 3, cg__rodata_add(is->cg, fmt, (int)strlen(fmt) + 1));
	mov(is, 4, LIR_FP);
	op_ri(is, BPF_ADD, 4, data);
	movi(is, 5, 8 * n);
	call(is, HELPER_snprintf, 5);
}

/* A run-time width ('*', w):
 *   left = flags.LEFT || w < 0;  aw = clamp(|w|, 0, 4 MSL)  */
static void spf_width_rt_c(struct spf *f, struct spf_spec *sp, int *aw,
			   int *left, bool clamp);

static void spf_width_rt(struct spf *f, struct spf_spec *sp, int *aw,
			 int *left)
{
	spf_width_rt_c(f, sp, aw, left, true);
}

/* as spf_width_rt; clamp false leaves aw >= 0 unbounded (the caller
 * clamps it once the precision is known) */
static void spf_width_rt_c(struct spf *f, struct spf_spec *sp, int *aw,
			   int *left, bool clamp)
{
	struct isel *is = f->is;
	int pos = label(is);

	*aw = vreg(is);
	*left = vreg(is);
	mov(is, *aw, sp->wr);
	movi(is, *left, !!(sp->flags & SPF_LEFT));
	jmp_ri(is, BPF_JSGE, *aw, 0, pos);
	op_ri(is, BPF_NEG, *aw, 0);
	movi(is, *left, 1);
	place(is, pos);
	if (clamp)
		spf_clamp(is, *aw, 0, 4 * is->msl);
	else
		spf_clamp(is, *aw, 0, INT32_MAX);	/* INT64_MIN: 0 */
}

/* The padding of a field to a run-time width, size = width - length:
 *   size = clamp(size, 0, MSL - 1);
 *   lp = spaces(size); rp = ""; if (left) { lp = ""; rp = spaces(size); } */
static void spf_pads(struct spf *f, int size, int left, int *lp, int *rp)
{
	struct isel *is = f->is;
	int s, e, l = label(is);

	spf_clamp(is, size, 0, is->msl - 1);
	s = spf_fill(f, ' ', size);
	e = spf_fill(f, ' ', LIR_NONE);
	*lp = vreg(is);
	*rp = vreg(is);
	mov(is, *lp, s);
	mov(is, *rp, e);
	jmp_ri(is, BPF_JEQ, left, 0, l);
	mov(is, *lp, e);
	mov(is, *rp, s);
	place(is, l);
}

/* The sign and the magnitude of a %d / %i:
 *   mag = v; sign = "+" / " " / "" (flags); slen = 1 / 1 / 0;
 *   if (mag < 0) { mag = -mag; sign = "-"; slen = 1; }
 * (-INT64_MIN is itself, and right as a u64) */
static void spf_sign(struct spf *f, struct spf_spec *sp, int v, int *mag,
		     int *sign, int *slen)
{
	static const char signs[] = "-\0+\0 ";	/* "-" "+" " ", "" at 1 */
	struct isel *is = f->is;
	int k = sp->flags & SPF_PLUS ? 2 : sp->flags & SPF_SPACE ? 4 : 1;
	int pos = label(is);

	*mag = vreg(is);
	*sign = vreg(is);
	mov(is, *mag, v);
	ldrodata(is, *sign, cg__rodata_add(is->cg, signs, sizeof(signs)) + k);
	if (slen) {
		*slen = vreg(is);
		movi(is, *slen, k != 1);
	}
	jmp_ri(is, BPF_JSGE, *mag, 0, pos);
	op_ri(is, BPF_NEG, *mag, 0);
	ldrodata(is, *sign, cg__rodata_add(is->cg, signs, sizeof(signs)));
	if (slen)
		movi(is, *slen, 1);
	place(is, pos);
}

/* The octal digits callback, built once: long spf_oct(u64 i, void **ctx)
 * with ctx = {&S.sp, digits}, one digit per call, lowest first:
 *   if (i > 21) return 1;
 *   v = sp.V; sp.V = v >> 3; v &= 7;
 *   digits[21 - i] = '0' + v; if (v) sp.N = i + 1;
 *   return 0;  */
static int spf_oct_callback(struct isel *outer)
{
	struct isel is;
	int i, ctx, sp, d, v, t, sub, stop, zero;

	vec_foreach(k, &outer->cg->statcbs) {
		struct cg_statcb *sc = vec_at(&outer->cg->statcbs, k);

		if (sc->strop == SPF_OCT_CB)
			return sc->sub;
	}
	cb_begin(&is, outer, "spf_oct");
	is.msl = outer->msl;
	i = vreg(&is);
	ctx = vreg(&is);
	stop = label(&is);
	zero = label(&is);
	mov(&is, i, 1);
	mov(&is, ctx, 2);
	jmp_ri(&is, BPF_JGT, i, SPF_OCT_DIGITS - 1, stop);
	sp = sld(&is, ctx, 0);
	d = sld(&is, ctx, 8);
	v = sld(&is, sp, SS_V);
	t = vreg(&is);
	mov(&is, t, v);
	op_ri(&is, BPF_RSH, t, 3);
	sput(&is, sp, SS_V, t);
	op_ri(&is, BPF_AND, v, 7);
	t = vreg(&is);
	movi(&is, t, SPF_OCT_DIGITS - 1);
	op_rr(&is, BPF_SUB, t, i);
	op_rr(&is, BPF_ADD, d, t);
	t = vreg(&is);
	mov(&is, t, v);
	op_ri(&is, BPF_ADD, t, '0');
	stx(&is, BPF_B, d, 0, t);
	jmp_ri(&is, BPF_JEQ, v, 0, zero);
	t = vreg(&is);
	mov(&is, t, i);
	sinc(&is, sp, SS_N, t, 1);
	place(&is, zero);
	ret_imm(&is, 0);
	place(&is, stop);
	ret_imm(&is, 1);
	sub = cb_end(&is, outer, NULL, SO_COUNT, 0);
	if (sub >= 0)
		((struct cg_statcb *)vec_at(&outer->cg->statcbs,
			outer->cg->statcbs.n - 1))->strop = SPF_OCT_CB;
	return sub;
}

/* n = the number of octal digits of v (at least 1), in a new 24-byte
 * buffer: buf[0] '0', the 22 digits of v (leading zeros included) at
 * buf[1..22], a NUL: the n digits are at &buf[23 - n], and any count up
 * to 23 of zero-padded digits at &buf[23 - count]:
 *   buf[0] = '0'; S.sp.V = v; S.sp.N = 1; ctx = {&S.sp, &buf[1]};
 *   bpf_loop(22, spf_oct, &ctx, 0); buf[23] = 0;
 *   n = clamp(S.sp.N, 1, 22)   (for the verifier: S is opaque to it) */
static int spf_oct(struct spf *f, int v, int *buf)
{
	struct isel *is = f->is;
	int sub = spf_oct_callback(is), t = vreg(is), n = vreg(is);
	int ctx = spf_pdata(f, 2);
	struct lir *l;

	*buf = spf_temp(f, SPF_OCT_DIGITS + 2);
	st(is, BPF_B, is->S, *buf, '0');
	stx(is, BPF_DW, is->S, strst(is) + SS_V, v);
	st_init(is, SS_N, 1);
	sptr(is, t, strst(is));
	stx(is, BPF_DW, LIR_FP, ctx, t);
	t = vreg(is);
	sptr(is, t, *buf + 1);
	stx(is, BPF_DW, LIR_FP, ctx + 8, t);
	movi(is, 1, SPF_OCT_DIGITS);
	l = put(is, LK_FUNCADDR);
	l->dst = 2;
	l->imm = sub;
	mov(is, 3, LIR_FP);
	op_ri(is, BPF_ADD, 3, ctx);
	movi(is, 4, 0);
	call(is, HELPER_bpf_loop, 4);
	st(is, BPF_B, is->S, *buf + SPF_OCT_DIGITS + 1, 0);
	ldx(is, BPF_DW, n, is->S, strst(is) + SS_N);
	spf_clamp(is, n, 1, SPF_OCT_DIGITS);
	return n;
}

/* %o with a constant width w and precision p whose zeros fit in the
 * buffer (p + '#' <= 23, '0' without '-': w <= 23): the buffer's own
 * leading zeros are the precision's, the '#' prefix's and the '0' flag's
 *   n = spf_oct(v, buf); dn = max(n, p) + '#'; ['0': dn = max(dn, w)]
 *   "%[-][w]s" of &buf[23 - dn]  */
static bool spf_oct_const(struct spf *f, struct spf_spec *sp)
{
	struct isel *is = f->is;
	bool zero = (sp->flags & SPF_ZERO) && !(sp->flags & SPF_LEFT);
	bool alt = sp->flags & SPF_ALT;
	int n, buf, dn, l, ptr;

	if (sp->wr != LIR_NONE || sp->pr != LIR_NONE ||
	    sp->p + alt > SPF_OCT_DIGITS + 1 ||
	    (zero && sp->w > SPF_OCT_DIGITS + 1))
		return false;
	n = spf_oct(f, val(is, sp->arg), &buf);
	dn = vreg(is);
	mov(is, dn, n);
	if (sp->p > 1) {
		l = label(is);
		jmp_ri(is, BPF_JSGE, dn, sp->p, l);
		movi(is, dn, sp->p);
		place(is, l);
	}
	if (alt)
		op_ri(is, BPF_ADD, dn, 1);
	if (zero && sp->w > 1) {
		l = label(is);
		jmp_ri(is, BPF_JSGE, dn, sp->w, l);
		movi(is, dn, sp->w);
		place(is, l);
	}
	ptr = vreg(is);
	sptr(is, ptr, buf + SPF_OCT_DIGITS + 1);
	op_rr(is, BPF_SUB, ptr, dn);
	spf_ent(f, ptr);
	spf_conv_w(f, sp->flags & SPF_LEFT, sp->w, 's');
	return true;
}

/* A number field formatted at run time: a '*' width or precision, a
 * large precision, %p with a '*' width, %o beyond spf_oct_const.  T is
 * one MSL temporary:
 *   [left, aw: the width; p = clamp(p, 0, 2 MSL + 24)]
 *   [%p: p = !left && aw > 18 ? 16 : max(aw - 2, 0)   (put_pointer)]
 *   d/i: mag, sign, slen = spf_sign(v)  | else mag = v, sign = prefix
 *   n = bpf_snprintf(S + strtmp, MSL, "%llu" | "%llx" | "%llX", mag) - 1,
 *       digits = S + strtmp   | octal: n = spf_oct(mag, buf),
 *       digits = &buf[23 - n]
 *   dn = max(p, n); zeros = dn - n; size = aw - slen - plen - dn;
 *   if (zero && !left && size > 0) { zeros += size; size = 0; }
 *   zeros = min(zeros, MSL - 1); lp, rp = spf_pads(size)
 *   T = bpf_snprintf(T, MSL, "%s%s%s%s%s", lp, sign, zeros(zeros),
 *                    digits, rp)       (no width: "%s%s%s")
 * and "%s" of T in the final format. */
static void spf_int_rt(struct spf *f, struct spf_spec *sp)
{
	struct isel *is = f->is;
	char c = sp->conv == 'p' ? 'x' : sp->conv;
	bool sgn = c == 'd' || c == 'i', padded = sp->wr != LIR_NONE ||
		sp->w > 0;
	const char *pfx = "";
	int v = val(is, sp->arg), aw = vreg(is), left, p = vreg(is);
	int mag, sign, slen = LIR_NONE, n, dig, dn, size, zeros, t;
	int lp = LIR_NONE, rp = LIR_NONE, l;
	int args[5], na = 0;

	if (sp->wr != LIR_NONE) {
		spf_width_rt_c(f, sp, &aw, &left, sp->pr == LIR_NONE &&
			       sp->p <= 2 * is->msl + 24);
	} else {
		movi(is, aw, sp->w > 0 ? sp->w : 0);
		left = vreg(is);
		movi(is, left, !!(sp->flags & SPF_LEFT));
	}
	if (sp->conv == 'p') {
		/* p = aw - 2; if (p < 0) p = 0;
		 * if (!left && aw > 18) p = 16 */
		int a = label(is);

		mov(is, p, aw);
		op_ri(is, BPF_SUB, p, 2);
		spf_clamp(is, p, 0, 4 * is->msl);
		jmp_ri(is, BPF_JNE, left, 0, a);
		jmp_ri(is, BPF_JSLE, aw, 18, a);
		movi(is, p, 16);
		place(is, a);
		pfx = "0x";
	} else if (sp->pr != LIR_NONE || sp->p > 2 * is->msl + 24) {
		/* a clamped precision keeps the spaces before the digits:
		 *   p = max(p, 0);
		 *   if (p > PMAX) { aw = aw > p ? aw - (p - PMAX) :
		 *                        min(aw, PMAX); p = PMAX; }
		 *   aw = min(aw, 4 MSL)  */
		int64_t pmax = 2 * is->msl + 24;
		int ok = label(is), shorter = label(is), done = label(is);

		if (sp->pr != LIR_NONE)
			mov(is, p, sp->pr);
		else
			movi(is, p, sp->p);
		spf_clamp(is, p, 0, INT32_MAX);
		jmp_ri(is, BPF_JSLE, p, pmax, ok);
		jmp_rr(is, BPF_JSGT, aw, p, shorter);
		spf_clamp(is, aw, 0, pmax);
		ja(is, done);
		place(is, shorter);
		op_rr(is, BPF_SUB, aw, p);
		op_ri(is, BPF_ADD, aw, pmax);
		place(is, done);
		movi(is, p, pmax);
		place(is, ok);
		spf_clamp(is, aw, 0, 4 * is->msl);
	} else if (sp->p > 1) {
		movi(is, p, sp->p);
	}
	if (sp->flags & SPF_ALT && sp->conv != 'p')
		pfx = c == 'x' ? "0x" : c == 'X' ? "0X" : c == 'o' ? "0" : "";
	if (sgn) {
		spf_sign(f, sp, v, &mag, &sign, &slen);
	} else {
		mag = v;
		sign = spf_ro(f, pfx, strlen(pfx), 0);
	}
	if (c == 'o') {
		n = spf_oct(f, mag, &t);
		dig = vreg(is);
		sptr(is, dig, t + SPF_OCT_DIGITS + 1);
		op_rr(is, BPF_SUB, dig, n);
	} else {
		spf_pre(f, strtmp(is), is->msl, c == 'x' ? "%llx" :
			c == 'X' ? "%llX" : "%llu", &mag, 1);
		n = vreg(is);
		mov(is, n, 0);
		op_ri(is, BPF_SUB, n, 1);
		dig = vreg(is);
		sptr(is, dig, strtmp(is));
	}
	/* dn = max(p, n); zeros = dn - n  (a constant p <= 1: n, 0) */
	dn = n;
	zeros = LIR_NONE;
	if (sp->conv == 'p' || sp->pr != LIR_NONE || sp->p > 1) {
		dn = vreg(is);
		zeros = vreg(is);
		l = label(is);
		mov(is, dn, n);
		jmp_rr(is, BPF_JSGE, dn, p, l);
		mov(is, dn, p);
		place(is, l);
		mov(is, zeros, dn);
		op_rr(is, BPF_SUB, zeros, n);
	}
	if (padded) {
		/* size = aw - slen - plen - dn; '0': the zeros take it */
		size = vreg(is);
		mov(is, size, aw);
		if (slen != LIR_NONE)
			op_rr(is, BPF_SUB, size, slen);
		op_rr(is, BPF_SUB, size, dn);
		if (strlen(pfx))
			op_ri(is, BPF_SUB, size, (int)strlen(pfx));
		if (sp->flags & SPF_ZERO) {
			l = label(is);
			if (zeros == LIR_NONE) {
				zeros = vreg(is);
				movi(is, zeros, 0);
			}
			jmp_ri(is, BPF_JNE, left, 0, l);
			jmp_ri(is, BPF_JSLE, size, 0, l);
			op_rr(is, BPF_ADD, zeros, size);
			movi(is, size, 0);
			place(is, l);
		}
		spf_pads(f, size, left, &lp, &rp);
	}
	if (zeros != LIR_NONE)
		spf_clamp(is, zeros, 0, is->msl - 1);
	zeros = spf_fill(f, '0', zeros);
	if (padded)
		args[na++] = lp;
	args[na++] = sign;
	args[na++] = zeros;
	args[na++] = dig;
	if (padded)
		args[na++] = rp;
	t = spf_temp(f, is->msl);
	spf_pre(f, t, is->msl, padded ? "%s%s%s%s%s" : "%s%s%s", args, na);
	n = vreg(is);
	sptr(is, n, t);
	spf_ent(f, n);
	spf_conv(f, "%s");
}

/* T = bpf_snprintf(fmt, v...) into a new MSL temporary, then "%[-]ws"
 * of it in the final format */
static void spf_field(struct spf *f, const char *fmt, const int *v, int n,
		      bool left, int64_t w)
{
	struct isel *is = f->is;
	int t = spf_temp(f, is->msl), p = vreg(is);

	spf_pre(f, t, is->msl, fmt, v, n);
	sptr(is, p, t);
	spf_ent(f, p);
	spf_conv_w(f, left, w, 's');
}

/* "%0dllc": at least d digits, zero-padded ("%llc" for d <= 1) */
static const char *spf_digits(struct arena *A, int64_t d, char c)
{
	if (d <= 1)
		return arena__printf(A, "%%ll%c", c);
	return arena__printf(A, "%%0%lldll%c", (long long)d, c);
}

/* %d %i %u %x %X with a constant width w and precision p <= MSL - 32
 * (stap: p is a minimum digit count; '0' pads the rest of the width with
 * zeros all the same; '#' is "0x"/"0X", also for 0):
 *   d/i, p <= 1:          "%[-][+ ][0][w]lld" of v
 *   d/i, '0', p < w:      "%[+ ]0wlld" of v     (p < w: w covers p)
 *   d/i, w <= p:          "%s%0pllu" of spf_sign(v)
 *   d/i, else:            T = "%s%0pllu" of spf_sign(v); "%[-]ws" of T
 *   u/x/X, '0':           pfx "%0{max(p, w - |pfx|)}llx" of v
 *   u/x/X, p <= 1, '-' or no pfx:  pfx "%[-]{w - |pfx|}llx" of v
 *   u/x/X, w <= |pfx| + p:  pfx "%0pllx" of v     (no room for spaces)
 *   u/x/X, else:          T = pfx "%0pllx" of v; "%[-]ws" of T  */
static void spf_int_const(struct spf *f, struct spf_spec *sp)
{
	struct arena *A = &f->is->cg->s->arena;
	bool left = sp->flags & SPF_LEFT;
	bool zero = (sp->flags & SPF_ZERO) && !left;
	int64_t w = sp->w, p = sp->p;
	int mag, sign, v[2];
	const char *pfx = "";
	char c = sp->conv;

	if (c == 'd' || c == 'i') {
		const char *sf = sp->flags & SPF_PLUS ? "+" :
			sp->flags & SPF_SPACE ? " " : "";

		if (p <= 1 || (zero && p < w)) {
			spf_conv(f, arena__printf(A, "%%%s%s%s%.0lldlld",
				 left ? "-" : "", sf, zero ? "0" : "",
				 (long long)(w > 0 ? w : 0)));
			spf_ent_val(f, sp->arg);
			return;
		}
		spf_sign(f, sp, val(f->is, sp->arg), &mag, &sign, NULL);
		if (w <= p) {
			spf_ent(f, sign);
			spf_ent(f, mag);
			spf_conv(f, arena__printf(A, "%%s%%0%lldllu",
						  (long long)p));
			return;
		}
		v[0] = sign;
		v[1] = mag;
		spf_field(f, arena__printf(A, "%%s%%0%lldllu", (long long)p), v,
			  2, left, w);
		return;
	}
	if (sp->flags & SPF_ALT && c != 'u')
		pfx = c == 'x' ? "0x" : "0X";
	if (zero) {
		int64_t d = w - (int64_t)strlen(pfx) > p ?
			w - (int64_t)strlen(pfx) : p;

		spf_lit(f, pfx, strlen(pfx));
		spf_conv(f, spf_digits(A, d, c));
	} else if (p <= 1 && (left || !*pfx)) {
		spf_lit(f, pfx, strlen(pfx));
		spf_conv(f, arena__printf(A, "%%%s%.0lldll%c", left ? "-" : "",
			 (long long)(w > (int64_t)strlen(pfx) ?
				     w - (int64_t)strlen(pfx) : 0), c));
	} else if (w <= (int64_t)strlen(pfx) + (p > 1 ? p : 1)) {
		spf_lit(f, pfx, strlen(pfx));
		spf_conv(f, spf_digits(A, p, c));
	} else {
		v[0] = val(f->is, sp->arg);
		spf_field(f, arena__printf(A, "%s%s", pfx, spf_digits(A, p, c)),
			  v, 1, left, w);
		return;
	}
	spf_ent_val(f, sp->arg);
}

static void spf_int(struct spf *f, struct spf_spec *sp)
{
	if (sp->conv == 'o' && spf_oct_const(f, sp))
		return;
	if (sp->conv == 'o' || sp->wr != LIR_NONE || sp->pr != LIR_NONE ||
	    sp->p > f->is->msl - 32)
		spf_int_rt(f, sp);
	else
		spf_int_const(f, sp);
}

/* A field padded to a run-time width: T = bpf_snprintf(T, MSL, "%s" fmt
 * "%s", lp, v, rp) with lp, rp = spf_pads(aw - len); "%s" of T */
static void spf_field_rt(struct spf *f, struct spf_spec *sp, const char *fmt,
			 int v, int len)
{
	struct isel *is = f->is;
	int aw, left, a[3], t = spf_temp(f, is->msl), tp = vreg(is);

	spf_width_rt(f, sp, &aw, &left);
	op_rr(is, BPF_SUB, aw, len);
	spf_pads(f, aw, left, &a[0], &a[2]);
	a[1] = v;
	spf_pre(f, t, is->msl, arena__printf(&is->cg->s->arena, "%%s%s%%s",
					      fmt), a, 3);
	sptr(is, tp, t);
	spf_ent(f, tp);
	spf_conv(f, "%s");
}

/* %s (stap: the precision is a maximum byte count, '#' escapes C style
 * as text_str does, '0' writes a NUL after the field):
 *   plain:     "%[-][w]s" of s
 *   else:      T = '#' ? text_str(s, first p bytes)
 *                      : probe_read_kernel_str(T, min(p, MSL - 1) + 1, s);
 *              "%[-][w]s" of T, or with a '*' width (T is then strtmp):
 *              spf_field_rt("%s", T, strlen(T))  */
static void spf_str(struct spf *f, struct spf_spec *sp)
{
	struct isel *is = f->is;
	int s = str_ptr(is, sp->arg), t, tp, len = vreg(is);
	bool alt = sp->flags & SPF_ALT, rt = sp->wr != LIR_NONE;

	if (!alt && !rt && sp->pr == LIR_NONE &&
	    (sp->p < 0 || sp->p >= is->msl - 1)) {
		spf_ent(f, s);
		spf_conv_w(f, sp->flags & SPF_LEFT, sp->w, 's');
		return;
	}
	t = rt ? strtmp(is) : spf_temp(f, is->msl);
	tp = vreg(is);
	sptr(is, tp, t);
	if (alt) {
		/* S.sp = {I 0, O 0, N p}; loop(TEXT, s, T); T[S.sp.O] = 0;
		 * len = S.sp.O */
		st_init(is, SS_I, 0);
		st_init(is, SS_O, 0);
		if (sp->pr != LIR_NONE) {
			int n = vreg(is);

			mov(is, n, sp->pr);
			spf_clamp(is, n, 0, is->msl);
			stx(is, BPF_DW, is->S, strst(is) + SS_N, n);
		} else {
			st_init(is, SS_N, sp->p >= 0 && sp->p < is->msl ?
				(int)sp->p : is->msl);
		}
		strloop(is, STROP_TEXT, s, LIR_NONE, LIR_NONE, tp, is->msl + 1);
		st_terminate(is, t);
		if (rt)
			ldx(is, BPF_DW, len, is->S, strst(is) + SS_O);
	} else {
		/* len = probe_read_kernel_str(T, size, s) - 1 */
		sptr(is, 1, t);
		if (sp->pr != LIR_NONE) {
			mov(is, 2, sp->pr);
			spf_clamp(is, 2, 0, is->msl - 1);
			op_ri(is, BPF_ADD, 2, 1);
		} else {
			movi(is, 2, sp->p >= 0 && sp->p < is->msl - 1 ?
			     sp->p + 1 : is->msl);
		}
		mov(is, 3, s);
		call(is, HELPER_probe_read_kernel_str, 3);
		if (rt) {
			mov(is, len, 0);
			op_ri(is, BPF_SUB, len, 1);
		}
	}
	if (rt) {
		spf_clamp(is, len, 0, is->msl - 1);
		spf_field_rt(f, sp, "%s", tp, len);
		return;
	}
	spf_ent(f, tp);
	spf_conv_w(f, sp->flags & SPF_LEFT, sp->w, 's');
}

/* %c (flags but '-' and the precision do nothing):
 *   "%[-][w]c" of v;
 *   a '*' width: spf_field_rt("%c", v, 1); a NUL byte ends the string
 *   there: stop if (v & 0xff) == 0  */
static void spf_chr(struct spf *f, struct spf_spec *sp)
{
	struct isel *is = f->is;
	int v, one = vreg(is), z = vreg(is), l = label(is);

	if (sp->wr == LIR_NONE) {
		spf_ent_val(f, sp->arg);
		spf_conv_w(f, sp->flags & SPF_LEFT, sp->w, 'c');
		return;
	}
	v = val(is, sp->arg);
	movi(is, one, 1);
	spf_field_rt(f, sp, "%c", v, one);
	mov(is, z, v);
	op_ri(is, BPF_AND, z, 0xff);
	movi(is, one, 1);
	jmp_ri(is, BPF_JEQ, z, 0, l);
	movi(is, one, 0);
	place(is, l);
	if (f->nstops < SPF_MAXARGS) {
		f->stop_at[f->nstops] = f->n;
		f->stop_if[f->nstops++] = one;
	}
}

/* %p, "0x" and at least 16 hex digits (put_pointer): flags but '-' and
 * the precision do nothing; a constant width w:
 *   none:            "0x%016llx"
 *   no '-', w > 18:  (w - 18 spaces) "0x%016llx"
 *   else:            "0x%0{w - 2}llx"  (fewer digits below 18: stap's)
 * a '*' width: spf_int_rt  */
static void spf_ptr(struct spf *f, struct spf_spec *sp)
{
	struct arena *A = &f->is->cg->s->arena;
	int64_t w = sp->w;

	if (sp->wr != LIR_NONE) {
		sp->flags &= SPF_LEFT;
		spf_int_rt(f, sp);
		return;
	}
	if (w < 0 || (!(sp->flags & SPF_LEFT) && w > 18)) {
		char *pad = arena__alloc(A, w > 18 ? w - 18 + 3 : 3);

		memset(pad, ' ', w > 18 ? w - 18 : 0);
		strcpy(pad + (w > 18 ? w - 18 : 0), "0x");
		spf_lit(f, pad, strlen(pad));
		spf_conv(f, "%016llx");
	} else {
		spf_lit(f, "0x", 2);
		spf_conv(f, w - 2 > 1 ? arena__printf(A, "%%0%lldllx",
						      (long long)(w - 2)) :
			 "%llx");
	}
	spf_ent_val(f, sp->arg);
}

/* %b, the value's bytes (little-endian): the precision 1, 2, 4 or 8 of
 * them, padded with NULs to the width (put_binary).  A NUL ends the
 * string, so:
 *   padding before the bytes: stop here;
 *   else T = v; T[nb] = 0; "%s" of T; then padding: stop; else stop at
 *   run time when one of the nb bytes is 0:
 *     x = v | ~(2^(8 nb) - 1); z = (x - 0x01..01) & ~x & 0x80..80  */
static void spf_bin(struct spf *f, struct spf_spec *sp)
{
	struct isel *is = f->is;
	int64_t nb = sp->p, w = sp->w;
	int t, tp, v, x, z, nx;

	if (sp->wr != LIR_NONE || sp->pr != LIR_NONE) {
		f->why = "a '*' width or precision on '%b'";
		return;
	}
	if (nb != 1 && nb != 2 && nb != 4 && nb != 8)
		nb = -1;
	if (w < 0)
		w = nb = nb < 0 ? 8 : nb;
	else if (nb < 0)
		nb = w == 1 || w == 2 || w == 4 || w == 8 ? w : 8;
	if (!(sp->flags & SPF_LEFT) && w > nb) {
		f->stopped = true;
		return;
	}
	v = val(is, sp->arg);
	t = spf_temp(f, 16);
	stx(is, BPF_DW, is->S, t, v);
	st(is, BPF_B, is->S, t + (int)nb, 0);
	tp = vreg(is);
	sptr(is, tp, t);
	spf_ent(f, tp);
	spf_conv(f, "%s");
	if (w > nb) {
		f->stopped = true;
		return;
	}
	x = vreg(is);
	z = vreg(is);
	nx = vreg(is);
	mov(is, x, v);
	if (nb < 8)
		op_ri(is, BPF_OR, x, (int64_t)(~0ULL << (8 * nb)));
	mov(is, z, x);
	op_ri(is, BPF_SUB, z, 0x0101010101010101LL);
	mov(is, nx, x);
	op_ri(is, BPF_XOR, nx, -1);
	op_rr(is, BPF_AND, z, nx);
	op_ri(is, BPF_AND, z, (int64_t)0x8080808080808080ULL);
	if (f->nstops < SPF_MAXARGS) {
		f->stop_at[f->nstops] = f->n;
		f->stop_if[f->nstops++] = z;
	}
}

/* The next argument of the stap format, a long for a '*' or a value */
static bool spf_arg(struct spf *f, struct ir_insn *in, int *next,
		    enum ir_type want, struct ir_val *a)
{
	enum ir_type t;

	if (*next >= in->nargs) {
		f->why = "a conversion without its argument";
		return false;
	}
	t = *next < in->fmt->nargs ? in->fmt->arg_types[*next] : IRT_LONG;
	if (t != want) {
		f->why = "an argument of the wrong type";
		return false;
	}
	*a = in->args[(*next)++];
	return true;
}

/* Constant widths and precisions, clamped (see the block comment)
 * keeping the padding before the digits: a precision above PMAX counts
 * as PMAX and a width above it loses as much; then width <= 4 MSL.
 * (A run-time '*' one keeps its vreg: spf_int_rt clamps it alike.) */
static void spf_clamp_const(struct isel *is, struct spf_spec *sp)
{
	int64_t pmax = 2 * is->msl + 24, wmax = 4 * is->msl;

	if (sp->pr == LIR_NONE && sp->wr == LIR_NONE && sp->p > pmax) {
		if (sp->w > sp->p)
			sp->w -= sp->p - pmax;
		else if (sp->w > pmax)
			sp->w = pmax;
		sp->p = pmax;
	}
	if (sp->p > (int64_t)1 << 31)
		sp->p = (int64_t)1 << 31;	/* run-time width: spf_int_rt */
	if (sp->w > wmax)
		sp->w = wmax;
}

/* A width or a precision: digits, or '*' (a constant argument is one;
 * a negative '*' width means '-', a negative precision 0) */
static void spf_num(struct spf *f, struct ir_insn *in, int *next,
		    const char **pp, struct spf_spec *sp, bool prec)
{
	int64_t v, max = (int64_t)1 << 40;	/* spf_clamp_const after */
	int *r = prec ? &sp->pr : &sp->wr;
	const char *p = *pp;
	struct ir_val a;

	if (*p != '*') {
		if (!prec && !(*p >= '0' && *p <= '9'))
			return;
		for (v = 0; *p >= '0' && *p <= '9'; p++)
			v = v < max ? v * 10 + (*p - '0') : max;
		*pp = p;
	} else {
		*pp = p + 1;
		if (!spf_arg(f, in, next, IRT_LONG, &a) || f->stopped)
			return;
		if (a.kind != IRV_IMM) {
			*r = val(f->is, a);
			return;
		}
		v = a.imm;
		if (v < 0 && prec)
			v = 0;
		if (v < 0 && v != INT64_MIN) {
			sp->flags |= SPF_LEFT;
			v = -v;
		}
		if (v < 0) {
			sp->flags |= SPF_LEFT;
			v = 0;
		}
	}
	if (prec)
		sp->p = v < max ? v : max;
	else
		sp->w = v < max ? v : max;
}

/* The final call, at the cut of the first run-time stop that holds (its
 * arguments are at the bottom of the instruction's stack: their stores
 * get their offsets now):
 *   f = &rodata"fmt"; if (stop_k) f = &rodata"fmt cut at k" (last first)
 *   r = bpf_snprintf(S + d, MSL, f, data, 8 * n); if (r < 0) S[d] = 0  */
static void spf_final(struct spf *f, int doff)
{
	struct isel *is = f->is;
	int fv = vreg(is), l = label(is), data = 0;

	if (f->nent)
		data = stack_tmp(is, 8 * f->nent);
	for (int k = 0; k < f->nent; k++)
		is->lf->v[f->ent_at[k]].off = (int16_t)(data + 8 * k);
	ldrodata(is, fv, cg__rodata_add(is->cg, f->fmt, (int)f->n + 1));
	for (int k = f->nstops - 1; k >= 0; k--) {
		char *cut = arena__strndup(&is->cg->s->arena, f->fmt,
					   f->stop_at[k]);
		int skip = label(is);

		jmp_ri(is, BPF_JEQ, f->stop_if[k], 0, skip);
		ldrodata(is, fv, cg__rodata_add(is->cg, cut,
						(int)f->stop_at[k] + 1));
		place(is, skip);
	}
	snprintf_call(is, doff, fv, 0, data, f->nent, l);
}

/* d = sprintf(fmt, args) for a format bpf_snprintf does not take as it
 * is: phase 1 per conversion, in order, then spf_final.  NULL, or why
 * it cannot. */
static const char *sel_sprintf_2ph(struct isel *is, struct ir_insn *in)
{
	const char *p = in->fmt->fmt;
	char *run = arena__alloc(&is->cg->s->arena, strlen(p) + 1);
	struct spf F = { .is = is }, *f = &F;
	int next = 0;
	size_t rn = 0;

	F.dst = is->soff[in->dst];
	for (int i = 0; i < in->nargs; i++)
		if (in->args[i].kind == IRV_REG &&
		    i < in->fmt->nargs && in->fmt->arg_types[i] == IRT_STR &&
		    is->soff[in->args[i].reg] == F.dst)
			F.dst = -1;

	while (*p && !f->why) {
		struct spf_spec sp = { .w = -1, .p = -1, .wr = LIR_NONE,
				       .pr = LIR_NONE };
		const char *fl;

		if (*p != '%' || p[1] == '%') {
			run[rn++] = *p;
			p += *p == '%' ? 2 : 1;
			continue;
		}
		spf_lit(f, run, rn);
		rn = 0;
		for (p++; *p && (fl = strchr("-+ #0", *p)); p++)
			sp.flags |= 1 << (fl - "-+ #0");
		spf_num(f, in, &next, &p, &sp, false);
		if (*p == '.') {
			p++;
			sp.p = 0;
			spf_num(f, in, &next, &p, &sp, true);
		}
		spf_clamp_const(is, &sp);
		while (*p && strchr("hlLjzt", *p))
			p++;
		sp.conv = *p;
		if (!sp.conv || f->why)
			break;
		p++;
		if (!strchr("diouxXcpbs", sp.conv)) {
			f->why = arena__printf(&is->cg->s->arena,
					       "the conversion '%%%c'", sp.conv);
			break;
		}
		if (!spf_arg(f, in, &next, sp.conv == 's' ? IRT_STR : IRT_LONG,
			     &sp.arg) || f->stopped)
			continue;
		switch (sp.conv) {
		case 's': spf_str(f, &sp); break;
		case 'c': spf_chr(f, &sp); break;
		case 'p': spf_ptr(f, &sp); break;
		case 'b': spf_bin(f, &sp); break;
		default: spf_int(f, &sp); break;
		}
		if (sp.conv == 's' && sp.flags & SPF_ZERO)
			f->stopped = true;
	}
	spf_lit(f, run, rn);
	if (!f->why && !f->fmt)
		spf_raw(f, "", 0);
	if (!f->why)
		spf_final(f, is->soff[in->dst]);
	return f->why;
}

/* The stap format fmt as a bpf_snprintf format, or NULL with *why set:
 * numbers are 64 bits ("%d" -> "%lld"), %p is "0x%016llx"; bpf_snprintf
 * takes flags "-+ 0" and a width, no precision, '*' or '#', only
 * printable ASCII or white space outside conversions, and no letter or
 * digit right after a %s. */
static char *bpf_format(struct isel *is, const char *fmt, int *nconv,
			const char **why)
{
	struct arena *A = &is->cg->s->arena;
	size_t cap = strlen(fmt) * 4 + 16, n = 0;
	char *out = arena__alloc(A, cap);
	bool after_s = false;	/* out ends with a %s conversion */

	*nconv = 0;
	for (const char *p = fmt; *p; p++) {
		char flags[8], conv;
		int nf = 0, width = -1;

		if (*p != '%') {
			unsigned char c = (unsigned char)*p;

			if (c >= 0x80 || (c < 0x20 && !strchr("\t\n\v\f\r", c)) ||
			    c == 0x7f) {
				*why = "a byte that is neither printable nor "
				       "white space";
				return NULL;
			}
			out[n++] = *p;
			after_s = false;
			continue;
		}
		if (p[1] == '%') {
			out[n++] = '%';
			out[n++] = '%';
			p++;
			after_s = false;
			continue;
		}
		for (p++; *p && strchr("-+ #0", *p); p++) {
			if (*p == '#') {
				*why = "the '#' flag";
				return NULL;
			}
			if (nf < 4 && !memchr(flags, *p, nf))
				flags[nf++] = *p;
		}
		if (*p == '*') {
			*why = "a '*' width";
			return NULL;
		}
		if (*p >= '0' && *p <= '9')
			width = (int)strtol(p, (char **)&p, 10);
		if (*p == '.') {
			*why = "a precision";
			return NULL;
		}
		while (*p && strchr("hlLjzt", *p))
			p++;
		conv = *p;
		if (!conv) {
			*why = "a '%' at the end";
			return NULL;
		}
		if (strchr("dicsuxXp", conv) == NULL) {
			*why = arena__printf(A, "the conversion '%%%c'", conv);
			return NULL;
		}
		for (int i = 0; i < nf; i++)
			if ((flags[i] != '-' && !strchr("diuxX", conv)) ||
			    ((flags[i] == '+' || flags[i] == ' ') &&
			     !strchr("di", conv))) {
				*why = arena__printf(A, "the '%c' flag on '%%%c'",
						     flags[i], conv);
				return NULL;
			}
		if (conv == 's' && !spf_sep(p[1])) {
			*why = "a letter or a digit right after '%s'";
			return NULL;
		}
		if (conv == 'p' && (nf || width >= 0)) {
			*why = "flags or a width on '%p'";
			return NULL;
		}
		if (conv == 'p' && after_s) {
			/* "0x..." would put a digit right after the %s */
			*why = "a '%p' right after '%s'";
			return NULL;
		}
		after_s = conv == 's';
		(*nconv)++;
		if (conv == 'p') {
			memcpy(out + n, "0x%016llx", 9);
			n += 9;
			continue;
		}
		out[n++] = '%';
		memcpy(out + n, flags, nf);
		n += nf;
		if (width >= 0)
			n += snprintf(out + n, cap - n, "%d", width);
		if (strchr("diuxX", conv)) {
			out[n++] = 'l';
			out[n++] = 'l';
		}
		out[n++] = conv;
	}
	out[n] = 0;
	return out;
}

/* d = sprintf(fmt, args), a format bpf_snprintf takes as it is
 * (bpf_format):
 *   data[i] = arg i (a long, or a pointer to the string);
 *   r = bpf_snprintf(S + d, MSL, &rodata"fmt'", data, 8 * nargs);
 *   if (r < 0) S[d] = 0;
 * any other: sel_sprintf_2ph  */
static void sel_sprintf(struct isel *is, struct ir_insn *in)
{
	const char *why = NULL;
	int nconv, doff = is->soff[in->dst], data = 0, l = label(is);
	char *bf = in->fmt ? bpf_format(is, in->fmt->fmt, &nconv, &why) : NULL;
	int *vals;

	if (!bf || nconv != in->nargs || in->nargs > 12) {
		/* not as it is: two phases */
		why = in->fmt ? sel_sprintf_2ph(is, in) : "no format";
		if (!why)
			return;
		diag__error(is->cg->s, &is->loc, "semantic error",
			    "sprintf format \"%s\" cannot be formatted in a "
			    "kernel-side probe: it has %s",
			    in->fmt ? in->fmt->fmt : "?", why);
		is->err = -EINVAL;
		return;
	}
	vals = arena__alloc(&is->cg->s->arena, sizeof(int) * (in->nargs + 1));
	for (int i = 0; i < in->nargs; i++) {
		enum ir_type t = i < in->fmt->nargs ? in->fmt->arg_types[i] :
			IRT_LONG;

		vals[i] = LIR_NONE;
		if (t == IRT_STR)
			vals[i] = str_ptr(is, in->args[i]);
		else if (!is_imm32(in->args[i]))
			vals[i] = val(is, in->args[i]);
	}
	if (in->nargs)
		data = stack_tmp(is, 8 * in->nargs);
	for (int i = 0; i < in->nargs; i++) {
		if (vals[i] == LIR_NONE)
			st(is, BPF_DW, LIR_FP, data + 8 * i,
			   (int32_t)in->args[i].imm);
		else
			stx(is, BPF_DW, LIR_FP, data + 8 * i, vals[i]);
	}
	snprintf_call(is, doff, LIR_NONE,
		      cg__rodata_add(is->cg, bf, (int)strlen(bf) + 1), data,
		      in->nargs, l);
}

/* exit(): the stop word goes from 0 (running) to 1, never over an
 * error's site; send REC_EXIT:
 *   r0 = 0; cmpxchg(&G->control.exit_requested, r0, 1); send REC_EXIT */
static void sel_exit(struct isel *is)
{
	int dropped = label(is), done = label(is), rec, one = vreg(is);

	movi(is, one, 1);
	movi(is, 0, 0);
	cmpxchg(is, is->G, offsetof(struct ir_control, exit_requested), one);
	rec = rec_reserve(is, 8, REC_EXIT, 0, dropped);
	rec_submit(is, rec);
	ja(is, done);
	place(is, dropped);
	count_control(is, offsetof(struct ir_control, skipped));
	place(is, done);
}

/* error(msg): S.err = {msg, site of the error() call}; goto catch /
 * propagate (a probe reports it, "msg near identifier 'error' at ..") */
static void sel_error(struct isel *is, struct ir_insn *in)
{
	if (in->on_error >= 0 && !is->want_errmsg) {
		ja(is, is->blabel[in->on_error]);
		return;
	}
	if (in->a.kind == IRV_REG && is->errconst[in->a.reg]) {
		ja(is, fault_label(is, strtab(is, is->def[in->a.reg]->imm)));
		return;
	}
	copy_to_state(is, str_ptr(is, in->a), site_of(is, REC_ERROR));
	ja(is, state_target(is, in));
}

/* print the histogram: REC_PRINT_HIST {map id} + key bytes */
static void sel_print_hist(struct isel *is, struct ir_insn *in)
{
	struct ir_map *m = in->map;
	int key = build_key(is, m, in->args), rec;
	int dropped = label(is), done = label(is);

	rec = rec_reserve(is, 8 + m->key_size, REC_PRINT_HIST,
			  (uint32_t)m->id, dropped);
	for (int o = 0; o + 8 <= m->key_size; o += 8) {
		int t = vreg(is);

		ldx(is, BPF_DW, t, key, o);
		stx(is, BPF_DW, rec, 8 + o, t);
	}
	for (int o = m->key_size & ~7; o < m->key_size; o++) {
		int t = vreg(is);

		ldx(is, BPF_B, t, key, o);
		stx(is, BPF_B, rec, 8 + o, t);
	}
	rec_submit(is, rec);
	ja(is, done);
	place(is, dropped);
	count_control(is, offsetof(struct ir_control, skipped));
	place(is, done);
}

/* ---- calls, returns, loops ----------------------------------------------- */

static struct fninfo *fi_of(struct ir_func *f)
{
	return f ? f->be : NULL;
}

static int max_params(struct ir_func *fn, struct ir_insn *in)
{
	return in->nargs < fn->nparams ? in->nargs : fn->nparams;
}

/* d = fn(args) (see struct fninfo for the convention):
 *   callee.frame[i] = arg i   (strings; longs past the registers)
 *   r1 = G; r2 = S; r3.. = long args;  call fn
 *   if (r0 != 0) goto catch / propagate    (a callee that may fault)
 *   d = r0 / *(S + ret) / strcpy(S + ret)  */
static void sel_call(struct isel *is, struct ir_insn *in)
{
	struct ir_func *fn = in->fn;
	struct fninfo *c = fi_of(fn);
	int vals[6], regs[6], n = 0, k = 1;
	struct lir *l;

	if (!c || c->sub < 0) {
		error_at(is, "%s", "call of a function that was not planned");
		return;
	}
	for (int i = 0; i < max_params(fn, in); i++) {
		struct ir_slot *sl = vec_at(&fn->slots, i);
		struct ir_val a = in->args[i];

		if (sl->type == IRT_STR) {
			int off = c->slot_off[i];

			if (a.kind == IRV_REG && is->deferred[a.reg])
				emit_deferred(is, a.reg, is->S, off, is->msl);
			else if (a.kind == IRV_REG)
				strcpy_off(is, off, is->soff[a.reg]);
			else
				strconst(is, off, "");
		} else if (c->param_reg[i]) {
			regs[n] = c->param_reg[i];
			vals[n++] = val(is, a);
		} else if (is_imm32(a)) {
			st(is, BPF_DW, is->S, c->slot_off[i], (int32_t)a.imm);
		} else {
			stx(is, BPF_DW, is->S, c->slot_off[i], val(is, a));
		}
	}
	if (c->need_G)
		mov(is, k++, is->G);
	if (c->need_S)
		mov(is, k++, is->S);
	for (int i = 0; i < n; i++) {
		mov(is, regs[i], vals[i]);
		if (regs[i] >= k)
			k = regs[i] + 1;
	}
	l = put(is, LK_SUBCALL);
	l->imm = c->sub;
	l->nargs = k - 1;
	if (c->may_fault)
		jmp_ri(is, BPF_JNE, 0, 0, state_target(is, in));
	if (in->dst < 0)
		return;
	if (is->f->reg_types[in->dst] == IRT_STR)
		strcpy_off(is, is->soff[in->dst], c->ret_off);
	else if (c->may_fault)
		ldx(is, BPF_DW, is->lreg[in->dst], is->S, c->ret_off);
	else
		mov(is, is->lreg[in->dst], 0);
}

/* return a:
 *   probe:    return 0
 *   function: r0 = a, or *(S + ret) = a; r0 = 0 (it may fault, or a
 *             string)
 *   region:   CONTINUE: return 0; BREAK: return 1;
 *             other codes: S.rcode = code; return 1  */
static void sel_ret(struct isel *is, struct ir_insn *in)
{
	struct fninfo *fi = is->fi;

	if (is->f->kind == IRF_PROBE) {
		ret0(is);
		return;
	}
	if (is->f->kind == IRF_REGION) {
		if (in->imm == IRR_CONTINUE || in->imm == IRR_BREAK) {
			ret_imm(is, in->imm == IRR_BREAK);
			return;
		}
		st(is, BPF_DW, is->S, rcode(is), (int32_t)in->imm);
		ret_imm(is, 1);
		return;
	}
	if (is->f->ret == IRT_STR) {
		struct ir_val a = in->a;

		if (a.kind == IRV_REG && is->deferred[a.reg])
			emit_deferred(is, a.reg, is->S, fi->ret_off, is->msl);
		else if (a.kind == IRV_REG)
			strcpy_off(is, fi->ret_off, is->soff[a.reg]);
		else
			strconst(is, fi->ret_off, "");
		ret_imm(is, 0);
		return;
	}
	if (is->f->ret == IRT_LONG && fi->may_fault) {
		if (is_imm32(in->a) || in->a.kind == IRV_NONE)
			st(is, BPF_DW, is->S, fi->ret_off,
			   in->a.kind == IRV_IMM ? in->a.imm : 0);
		else
			stx(is, BPF_DW, is->S, fi->ret_off, val(is, in->a));
		ret_imm(is, 0);
		return;
	}
	if (in->a.kind == IRV_REG)
		ret_val(is, val(is, in->a));
	else
		ret_imm(is, in->a.kind == IRV_IMM ? in->a.imm : 0);
}

/* The callback's context on this function's stack: {G, S}; returns
 * the register pointing at it. */
static int region_ctx(struct isel *is)
{
	int off = stack_tmp(is, 16), r = vreg(is);

	stx(is, BPF_DW, LIR_FP, off, is->G);
	stx(is, BPF_DW, LIR_FP, off + 8, is->S);
	mov(is, r, LIR_FP);
	op_ri(is, BPF_ADD, r, off);
	return r;
}

static void funcaddr(struct isel *is, int dst, struct ir_func *fn)
{
	struct lir *l = put(is, LK_FUNCADDR);

	l->dst = dst;
	l->imm = fi_of(fn)->sub;
}

/* After the helper: d = S.rcode; if (d == IRR_ERROR) goto catch /
 * propagate  (no test when the region cannot fault; a catch clears
 * S.rcode first) */
static void loop_end(struct isel *is, struct ir_insn *in)
{
	struct fninfo *r = fi_of(in->fn);
	int d;

	if (in->dst < 0 && r && !r->may_fault)
		return;
	d = in->dst >= 0 ? is->lreg[in->dst] : vreg(is);
	ldx(is, BPF_DW, d, is->S, rcode(is));
	if (r && !r->may_fault)
		return;
	if (in->on_error < 0) {
		jmp_ri(is, BPF_JEQ, d, IRR_ERROR, state_target(is, in));
		return;
	}
	{
		/* caught here: S.rcode is every loop's, and an enclosing
		 * loop must not read this IRR_ERROR as its own
		 *   if (d == IRR_ERROR) { S.rcode = 0; goto catch; } */
		int ok = label(is);

		jmp_ri(is, BPF_JNE, d, IRR_ERROR, ok);
		st(is, BPF_DW, is->S, rcode(is), 0);
		ja(is, state_target(is, in));
		place(is, ok);
	}
}

/* d = loop(region):
 *   ctx = {G, S}; S.rcode = 0;
 *   n = bpf_loop(bound + 1, region, &ctx, 0);
 *   if (n > bound) fault("MAXACTION exceeded");  then loop_end */
static void sel_loop(struct isel *is, struct ir_insn *in)
{
	int64_t bound = in->imm > 0 ? in->imm :
		(is->p->maxaction > 0 ? is->p->maxaction : 100000);
	int ctx;

	if (bound > (1 << 23) - 1)
		bound = (1 << 23) - 1;
	ctx = region_ctx(is);
	st(is, BPF_DW, is->S, rcode(is), 0);
	movi(is, 1, bound + 1);
	funcaddr(is, 2, in->fn);
	mov(is, 3, ctx);
	movi(is, 4, 0);
	call(is, HELPER_bpf_loop, 4);
	jmp_ri(is, BPF_JSGT, 0, bound,
	       fault_label_t(is, "MAXACTION exceeded", REC_MAXACTION));
	loop_end(is, in);
}

/* d = foreach (keys in m [slice] limit a) region:
 *   S.cnt = a; S.slice[i] = args[i]; ctx = {G, S}; S.rcode = 0;
 *   bpf_for_each_map_elem(&m, region, &ctx, 0);  then loop_end */
static void sel_foreach(struct isel *is, struct ir_insn *in)
{
	struct fninfo *r = fi_of(in->fn);
	int ctx;

	if (in->sort_dir) {
		error_at(is, "%s", "sorted foreach is only supported in "
			 "user-space probes: begin/end/error, and timer probes "
			 "that read no task or CPU context");
		return;
	}
	if (in->a.kind != IRV_NONE) {
		if (is_imm32(in->a))
			st(is, BPF_DW, is->S, r->cnt_off, (int32_t)in->a.imm);
		else
			stx(is, BPF_DW, is->S, r->cnt_off, val(is, in->a));
	}
	for (int i = 0; i < in->nargs && i < in->map->nkeys; i++) {
		if (in->args[i].kind == IRV_NONE)
			continue;
		if (in->map->key_types[i] != IRT_LONG) {
			/* S.slice[i] = the string, NUL-padded to the column */
			str_column(is, r->slice_off[i], in->args[i],
				   key_width(in->map, i));
			continue;
		}
		if (is_imm32(in->args[i]))
			st(is, BPF_DW, is->S, r->slice_off[i],
			   (int32_t)in->args[i].imm);
		else
			stx(is, BPF_DW, is->S, r->slice_off[i],
			    val(is, in->args[i]));
	}
	ctx = region_ctx(is);
	st(is, BPF_DW, is->S, rcode(is), 0);
	ldmap(is, 1, in->map);
	funcaddr(is, 2, in->fn);
	mov(is, 3, ctx);
	movi(is, 4, 0);
	call(is, HELPER_for_each_map_elem, 4);
	loop_end(is, in);
}

/* d = the message of the error being handled: strcpy(S.err.msg) */
/* The context field of IR_CTX: a kernel.trace probe's record field. */
static const struct ctx_field *ctx_field_of(struct isel *is,
					    const struct ir_insn *in)
{
	const struct derived_probe *dp = is->f->probe;
	const struct prov_trace_data *td;

	if (!dp || dp->prov != &prov_trace || !dp->prov_data)
		return NULL;
	td = dp->prov_data;
	return in->imm >= 0 && in->imm < td->nfields ? &td->fields[in->imm] :
		NULL;
}

/* d = a field of the probe's context record (BPF_PROG_TYPE_TRACEPOINT:
 * ctx points at the raw trace record):
 *   number:   d = *(uN *)(ctx + off);  signed: d <<= k; d s>>= k
 *   char[N]:  probe_read_kernel_str(S + d, min(N, MSL), ctx + off)
 *   data_loc: o = *(u32 *)(ctx + off) & 0xffff;
 *             probe_read_kernel_str(S + d, MSL, ctx + o)
 * (the helper leaves "" when it cannot read) */
static void sel_ctx(struct isel *is, struct ir_insn *in)
{
	static const int sz[9] = { [1] = BPF_B, [2] = BPF_H, [4] = BPF_W,
				   [8] = BPF_DW };
	const struct ctx_field *cf = ctx_field_of(is, in);

	if (!cf || is->ctx == LIR_NONE) {
		error_at(is, "%s", "internal error: context variable without "
			 "a context");
		return;
	}
	if (cf->kind == CF_NUM) {
		int d = is->lreg[in->dst];

		int vs = cf->vsize > 0 && cf->vsize < cf->size ? cf->vsize :
			cf->size;

		ldx(is, sz[cf->size], d, is->ctx, cf->off);
		if (vs < cf->size || (cf->is_signed && vs < 8)) {
			/* the value's bytes only (an int in an 8-byte
			 * syscall slot), sign-extended when signed */
			op_ri(is, BPF_LSH, d, 64 - 8 * vs);
			op_ri(is, cf->is_signed ? BPF_ARSH : BPF_RSH, d,
			      64 - 8 * vs);
		}
		return;
	}
	sptr(is, 1, is->soff[in->dst]);
	if (cf->kind == CF_STR) {
		movi(is, 2, cf->size < is->msl ? cf->size : is->msl);
		mov(is, 3, is->ctx);
		op_ri(is, BPF_ADD, 3, cf->off);
	} else {
		int o = vreg(is);

		ldx(is, BPF_W, o, is->ctx, cf->off);
		op_ri(is, BPF_AND, o, 0xffff);
		movi(is, 2, is->msl);
		mov(is, 3, is->ctx);
		op_rr(is, BPF_ADD, 3, o);
	}
	call(is, HELPER_probe_read_kernel_str, 3);
}

static void sel_errmsg(struct isel *is, struct ir_insn *in)
{
	strcpy_off(is, is->soff[in->dst], errrec(is) + 8);
}

/* ---- one instruction ----------------------------------------------------- */

static bool fuse_cmp_br(struct isel *is, struct ir_insn *in,
			struct ir_insn *next)
{
	return (in->opc == IR_CMP || in->opc == IR_STRCMP) && next &&
	       next->opc == IR_BR &&
	       next->a.kind == IRV_REG && next->a.reg == in->dst &&
	       is->nuses[in->dst] == 1;
}

static void sel_insn(struct isel *is, struct ir_insn *in)
{
	is->cur = in;
	if (in->loc.src)
		is->loc = in->loc;
	switch (in->opc) {
	case IR_MOV:
		if (is->f->reg_types[in->dst] == IRT_STR) {
			if (in->a.kind == IRV_REG && is->deferred[in->a.reg])
				emit_deferred(is, in->a.reg, is->S,
					      is->soff[in->dst], is->msl);
			else if (in->a.kind == IRV_REG)
				strcpy_off(is, is->soff[in->dst],
					   is->soff[in->a.reg]);
			else
				strconst(is, is->soff[in->dst], "");
		} else if (in->a.kind == IRV_REG) {
			mov(is, is->lreg[in->dst], is->lreg[in->a.reg]);
		} else {
			movi(is, is->lreg[in->dst], in->a.imm);
		}
		break;
	case IR_CONST:
		movi(is, is->lreg[in->dst], in->imm);
		break;
	case IR_STRCONST:
		if (!is->errconst[in->dst])
			strconst(is, is->soff[in->dst], strtab(is, in->imm));
		break;
	case IR_BIN: sel_bin(is, in); break;
	case IR_UN: sel_un(is, in); break;
	case IR_CMP: sel_cmp(is, in); break;
	case IR_STRCMP: sel_strcmp(is, in, -1, -1); break;
	case IR_CONCAT: sel_concat(is, in); break;
	case IR_LOAD_LOCAL:
	case IR_STORE_LOCAL: sel_local(is, in); break;
	case IR_LOAD_GLOBAL:
	case IR_STORE_GLOBAL: sel_global(is, in); break;
	case IR_MAP_GET: sel_map_get(is, in); break;
	case IR_MAP_SET: sel_map_set(is, in); break;
	case IR_MAP_ADD: sel_map_add(is, in); break;
	case IR_MAP_DELETE: sel_map_delete(is, in); break;
	case IR_MAP_EXISTS: sel_map_exists(is, in); break;
	case IR_STAT_ADD: sel_stat_add(is, in); break;
	case IR_BUILTIN: sel_builtin(is, in); break;
	case IR_PRINTF: sel_printf(is, in); break;
	case IR_PRINT_HIST: sel_print_hist(is, in); break;
	case IR_EXIT: sel_exit(is); break;
	case IR_CTX: sel_ctx(is, in); break;
	case IR_ERROR: sel_error(is, in); break;
	case IR_JMP:
		ja(is, is->blabel[in->target]);
		break;
	case IR_BR:
		/* if (a != 0) goto target; goto target2 */
		jmp_ri(is, BPF_JNE, val(is, in->a), 0, is->blabel[in->target]);
		ja(is, is->blabel[in->target2]);
		break;
	case IR_RET: sel_ret(is, in); break;
	case IR_CALL: sel_call(is, in); break;
	case IR_LOOP: sel_loop(is, in); break;
	case IR_FOREACH: sel_foreach(is, in); break;
	case IR_ERRMSG: sel_errmsg(is, in); break;
	case IR_REGEX:
		error_at(is, "%s", "regular expression matching (=~, !~) "
			 "is only available in user-space probes: "
			 "begin/end/error, and timer probes that read no task "
			 "or CPU context");
		break;
	case IR_SPRINTF: sel_sprintf(is, in); break;
	case IR_STAT_GET: sel_stat_get(is, in); break;
	case IR_MAP_CLEAR: sel_map_clear(is, in->map, NULL, 0); break;
	default:
		error_at(is, "%s", "this operation is not supported in "
			 "kernel-side probes yet");
		break;
	}
}

/* ---- the function -------------------------------------------------------- */

static void count_uses(struct isel *is, struct ir_val v)
{
	if (v.kind == IRV_REG && v.reg >= 0 && v.reg < is->f->nregs)
		is->nuses[v.reg]++;
}

/* Uses and single defs of every IR vreg; deferral of execname. */
/* A literal whose every use is a string compare that reads it from
 * .rodata (sel_strcmp: b when both are literals) is never built. */
static void lit_compares(struct isel *is)
{
	struct ir_func *f = is->f;
	int *cnt = arena__alloc(&is->cg->s->arena,
				sizeof(int) * (f->nregs + 1));

	memset(cnt, 0, sizeof(int) * (f->nregs + 1));
	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);
			bool la = in->a.kind == IRV_REG && in->a.reg >= 0 &&
				  in->a.reg < f->nregs && is->litstr[in->a.reg];
			bool lb = in->b.kind == IRV_REG && in->b.reg >= 0 &&
				  in->b.reg < f->nregs && is->litstr[in->b.reg];

			if (in->opc != IR_STRCMP)
				continue;
			if (lb)
				cnt[in->b.reg]++;
			else if (la)
				cnt[in->a.reg]++;
		}
	}
	for (int r = 0; r < f->nregs; r++)
		if (is->litstr[r] && cnt[r] == is->nuses[r])
			is->errconst[r] = true;
}

/* Whether block b has a pure builtin other than in's whose value comes
 * from the same helper call (pid and tid; uid and gid) */
static bool bc_partner_in(struct ir_block *b, const struct ir_insn *in)
{
	int h = builtin_helper(in->callee);

	vec_foreach(k, &b->insns) {
		struct ir_insn *o = vec_at(&b->insns, k);

		if (h && pure_builtin(o) && builtin_helper(o->callee) == h &&
		    strcmp(o->callee, in->callee))
			return true;
	}
	return false;
}

/* Whether map instruction in builds its key with val() of each long
 * column (build_key) */
static bool key_by_val(const struct ir_insn *in)
{
	if (!in->map || !in->map->nkeys)
		return false;
	switch (in->opc) {
	case IR_MAP_GET: case IR_MAP_SET: case IR_MAP_ADD:
	case IR_MAP_EXISTS: case IR_MAP_DELETE: case IR_STAT_ADD:
		break;
	default:
		return false;
	}
	for (int i = 0; i < in->nargs && i < in->map->nkeys; i++)
		if (in->args[i].kind == IRV_NONE)
			return false;
	return in->nargs >= in->map->nkeys;
}

/* A pure builtin used once, as a long key column of a map instruction
 * later in its block, is selected there: its value goes to the key at
 * once instead of waiting in a register across the other columns'
 * calls. */
static void sink_key_builtins(struct isel *is, const int *ndefs)
{
	struct ir_func *f = is->f;

	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);

			if (!key_by_val(in))
				continue;
			for (int i = 0; i < in->map->nkeys; i++) {
				struct ir_val v = in->args[i];
				struct ir_insn *d;
				bool before = false;

				if (v.kind != IRV_REG || v.reg < 0 ||
				    v.reg >= f->nregs || ndefs[v.reg] != 1 ||
				    is->nuses[v.reg] != 1 ||
				    in->map->key_types[i] != IRT_LONG ||
				    f->reg_types[v.reg] != IRT_LONG)
					continue;
				d = is->def[v.reg];
				if (!d || !pure_builtin(d))
					continue;
				for (int j = 0; j < (int)ii; j++)
					before |= vec_at(&b->insns, j) == d;
				is->sunk[v.reg] = before;
			}
		}
	}
}

static void prescan(struct isel *is)
{
	struct ir_func *f = is->f;
	int *ndefs = arena__alloc(&is->cg->s->arena,
				  sizeof(int) * (f->nregs + 1));

	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);

			count_uses(is, in->a);
			count_uses(is, in->b);
			for (int k = 0; k < in->nargs; k++) {
				struct ir_val v = in->args[k];

				count_uses(is, v);
				if (v.kind != IRV_REG || v.reg < 0 ||
				    v.reg >= f->nregs)
					continue;
				if (in->opc == IR_PRINTF ||
				    (in->map && in->opc != IR_FOREACH &&
				     k < in->map->nkeys))
					is->nsinks[v.reg]++;
			}
			if ((in->opc == IR_STORE_LOCAL || in->opc == IR_MOV) &&
			    in->a.kind == IRV_REG && in->a.reg >= 0 &&
			    in->a.reg < f->nregs)
				is->nsinks[in->a.reg]++;
			if (in->dst >= 0 && in->dst < f->nregs) {
				ndefs[in->dst]++;
				is->def[in->dst] = in;
			}
		}
	}
	/* pure builtins called twice or more, one of them in block 0 */
	{
		struct ir_block *b0 = f->blocks.n ? vec_at(&f->blocks, 0) : NULL;

		for (int ii = 0; b0 && ii < b0->insns.n; ii++) {
			struct ir_insn *in = vec_at(&b0->insns, ii);
			int n = 0;

			if (!pure_builtin(in) || bc_find(is, in->callee) >= 0 ||
			    is->nbc == 8)
				continue;
			vec_foreach(bi, &f->blocks) {
				struct ir_block *b = vec_at(&f->blocks, bi);

				vec_foreach(k, &b->insns) {
					struct ir_insn *o = vec_at(&b->insns, k);

					n += pure_builtin(o) &&
					     !strcmp(o->callee, in->callee);
				}
			}
			if (n < 2 && !bc_partner_in(b0, in))
				continue;
			is->bc_name[is->nbc] = in->callee;
			is->bc_reg[is->nbc++] = LIR_NONE;
		}
	}
	sink_key_builtins(is, ndefs);
	/* a string defined once by execname() and used once can be written
	 * by get_current_comm straight where it is used */
	for (int r = 0; r < f->nregs; r++)
		is->deferred[r] = f->reg_types[r] == IRT_STR &&
				  ndefs[r] == 1 && is->nuses[r] == 1 &&
				  is->nsinks[r] == 1 &&
				  is_execname(is->def[r]);
	for (int r = 0; r < f->nregs; r++)
		is->litstr[r] = f->reg_types[r] == IRT_STR && ndefs[r] == 1 &&
				is->def[r] && is->def[r]->opc == IR_STRCONST;
	lit_compares(is);
	/* error("literal") uncaught in a probe: a fault site whose message
	 * is known now */
	if (f->kind != IRF_PROBE)
		return;
	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);
			int r = in->a.reg;

			if (in->opc != IR_ERROR || in->on_error >= 0 ||
			    in->a.kind != IRV_REG || r < 0 || r >= f->nregs)
				continue;
			if (ndefs[r] == 1 && is->nuses[r] == 1 && is->def[r] &&
			    is->def[r]->opc == IR_STRCONST)
				is->errconst[r] = true;
		}
	}
}

static bool needs_scratch(struct isel *is)
{
	struct ir_func *f = is->f;

	if (f->kind != IRF_PROBE)
		return is->fi->need_S;
	for (int r = 0; r < f->nregs; r++)
		if (f->reg_types[r] == IRT_STR && !is->deferred[r] &&
		    !is->errconst[r])
			return true;
	vec_foreach(i, &f->slots) {
		struct ir_slot *sl = vec_at(&f->slots, i);

		if (sl->type == IRT_STR || sl->used_by_region)
			return true;
	}
	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);
			struct fninfo *c = fi_of(in->fn);

			if (in->opc == IR_LOOP ||
			    in->opc == IR_FOREACH || in->opc == IR_ERRMSG)
				return true;
			if (in->opc == IR_CALL && c &&
			    (c->need_S || c->may_fault || c->ret_off >= 0))
				return true;
			if (in->map && has_str_key(in->map) &&
			    !(is->str_keys_fit && str_key_stackable(in)))
				return true;
		}
	}
	return false;
}

/* Registers and scratch places of vregs; frame slots were placed by
 * the plan (a region uses its owner's). */
static void assign_homes(struct isel *is)
{
	struct ir_func *f = is->f, *ff = is->frame_f;
	struct fninfo *ffi = fi_of(ff);
	struct arena *A = &is->cg->s->arena;
	int nslots = ff->slots.n;

	is->lreg = arena__alloc(A, sizeof(int) * (f->nregs + 1));
	is->soff = arena__alloc(A, sizeof(int) * (f->nregs + 1));
	for (int r = 0; r < f->nregs; r++) {
		is->lreg[r] = LIR_NONE;
		if (f->reg_types[r] == IRT_STR)
			is->soff[r] = scratch_alloc(is, is->msl);
		else
			is->lreg[r] = vreg(is);
	}
	is->slot_reg = arena__alloc(A, sizeof(int) * (nslots + 1));
	is->slot_off = ffi->slot_off;
	for (int i = 0; i < nslots; i++)
		is->slot_reg[i] = ffi->slot_off[i] < 0 && f == ff ? vreg(is) :
			LIR_NONE;
}

/* Locals start at 0 / "" (parameters excepted). */
static void init_locals(struct isel *is, int from)
{
	for (int i = from; i < is->f->slots.n; i++) {
		struct ir_slot *sl = vec_at(&is->f->slots, i);

		if (is->slot_reg[i] != LIR_NONE)
			movi(is, is->slot_reg[i], 0);
		else if (sl->type == IRT_STR)
			st(is, BPF_B, is->S, is->slot_off[i], 0);
		else
			st(is, BPF_DW, is->S, is->slot_off[i], 0);
	}
}

/* Whether f itself looks up a map by the u32 index 0 (a scalar
 * statistic): the prologue then leaves a 0 on the stack for it. */
static bool uses_zkey(const struct ir_func *f)
{
	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);

			if (in->map && in->map->nkeys == 0 &&
			    (in->map->kind == IRM_STATS ||
			     in->map->kind == IRM_ARRAY))
				return true;
		}
	}
	return false;
}

/* The countdown data of a timer.X(N).randomize(M) probe, or NULL. */
static const struct prov_timer_data *timer_countdown_of(struct ir_func *f)
{
	const struct derived_probe *dp = f->probe;
	const struct prov_timer_data *d;

	if (f->kind != IRF_PROBE || !dp || dp->prov != &prov_timer ||
	    !dp->prov_data)
		return NULL;
	d = dp->prov_data;
	return d->randomize && d->ticks_span > 0 ? d : NULL;
}

/* A randomized interval timer (struct prov_timer_data): its event fires
 * every base period and the probe runs when its countdown reaches 1, a
 * new count drawn each time.  The countdown is 8 bytes of per-CPU
 * scratch no other code uses (the event stays on one CPU):
 *   c = S->cd;
 *   if (c > 1) { S->cd = c - 1; return 0; }
 *   S->cd = lo + get_prandom_u32() % span;
 *   if (c == 0) return 0;        (the first base period only arms it) */
static void timer_countdown(struct isel *is, const struct prov_timer_data *d)
{
	int off = scratch_alloc_shared(is, 8);
	int c = vreg(is), r = vreg(is), wait = label(is), go = label(is);

	ldx(is, BPF_DW, c, is->S, off);
	jmp_ri(is, BPF_JSGT, c, 1, wait);
	call(is, HELPER_get_prandom_u32, 0);
	mov(is, r, 0);
	op_ri(is, BPF_MOD, r, d->ticks_span);
	op_ri(is, BPF_ADD, r, d->ticks_lo);
	stx(is, BPF_DW, is->S, off, r);
	jmp_ri(is, BPF_JEQ, c, 0, is->lbl_ret0);
	ja(is, go);
	place(is, wait);
	op_ri(is, BPF_SUB, c, 1);
	stx(is, BPF_DW, is->S, off, c);
	ret0(is);
	place(is, go);
}

/* Probe prologue:
 *   ctx = r1;              (a probe reading IR_CTX)
 *   G = &globals.bss[0];   (BPF_PSEUDO_MAP_VALUE: no lookup, no check)
 *   if (G->control.exit_requested) return 0;
 *   *(u32 *)(fp - 4) = 0;                        (if S or a scalar
 *   S = map_lookup_elem(&scratch, fp - 4);        statistic is used)
 *   if (!S) return 0;
 *   (a randomized timer: timer_countdown)
 * Promoted long locals start at 0; strings at "". */
static bool reads_ctx(const struct ir_func *f)
{
	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns)
			if (((struct ir_insn *)vec_at(&b->insns, ii))->opc ==
			    IR_CTX)
				return true;
	}
	return false;
}

static void prologue(struct isel *is, bool need_s)
{
	int t, ctx = LIR_NONE;
	struct lir *l;
	const struct prov_timer_data *cd = timer_countdown_of(is->f);

	if (reads_ctx(is->f)) {
		/* the context (r1) before any call clobbers it */
		ctx = vreg(is);
		mov(is, ctx, 1);
	}
	is->ctx = ctx;
	t = vreg(is);
	l = put(is, LK_LDMAPVAL);

	need_s |= cd != NULL;

	is->G = vreg(is);
	l->dst = is->G;
	l->map = is->p->globals_map;
	l->imm = 0;
	ldx(is, BPF_DW, t, is->G,
	    offsetof(struct ir_control, exit_requested));
	jmp_ri(is, BPF_JNE, t, 0, is->lbl_ret0);
	if (need_s || uses_zkey(is->f)) {
		int key = vreg(is), off = stack_alloc(is, 8);

		st(is, BPF_W, LIR_FP, off + 4, 0);
		is->zkey_off = off + 4;	/* stays 0: reused as a u32 key */
		if (need_s) {
			mov(is, key, LIR_FP);
			op_ri(is, BPF_ADD, key, off + 4);
			is->S = lookup(is, is->p->scratch_map, key);
			jmp_ri(is, BPF_JEQ, is->S, 0, is->lbl_ret0);
		}
	}
	if (cd)
		timer_countdown(is, cd);
	init_locals(is, 0);
}

/* Function prologue: G = r1, S = r2 (as needed), long parameters from
 * the next registers (into S when a region reads them). */
static void prologue_function(struct isel *is)
{
	struct fninfo *fi = is->fi;
	int k = 1;

	if (fi->need_G) {
		is->G = vreg(is);
		mov(is, is->G, k++);
	}
	if (fi->need_S) {
		is->S = vreg(is);
		mov(is, is->S, k++);
	}
	for (int i = 0; i < is->f->nparams; i++) {
		int r = fi->param_reg[i];

		if (!r)
			continue;
		if (is->slot_reg[i] != LIR_NONE)
			mov(is, is->slot_reg[i], r);
		else
			stx(is, BPF_DW, is->S, is->slot_off[i], r);
	}
	init_locals(is, is->f->nparams);
}

/* Region prologue: ctx (r2 for bpf_loop, r4 for for_each_map_elem) is
 * {G, S}.  A foreach region then filters and copies its entry:
 *   if (key.col[i] != S.slice[i]) return 0;       (each slice column)
 *   if (S.cnt-- <= 0) return 1;                     (a limit)
 *   frame.k[i] = key.col[i]; frame.v = *value;  */
static void prologue_region(struct isel *is)
{
	struct ir_insn *site = is->fi->site;
	bool fe = site && site->opc == IR_FOREACH;
	int ctx = vreg(is), kp = vreg(is), vp = vreg(is);

	mov(is, ctx, fe ? 4 : 2);
	if (fe) {
		mov(is, kp, 2);
		mov(is, vp, 3);
	}
	is->G = vreg(is);
	is->S = vreg(is);
	ldx(is, BPF_DW, is->G, ctx, 0);
	ldx(is, BPF_DW, is->S, ctx, 8);
	if (!fe)
		return;
	{
		struct ir_map *m = site->map;
		int stop = label(is), skip = label(is), go = label(is);

		for (int i = 0; i < site->nargs && i < m->nkeys; i++) {
			int t, u;

			if (site->args[i].kind == IRV_NONE)
				continue;
			t = vreg(is);
			if (m->key_types[i] != IRT_LONG) {
				/* memcmp(key.col[i], S.slice[i], w) */
				u = vreg(is);
				mov(is, t, kp);
				op_ri(is, BPF_ADD, t, m->key_off[i]);
				sptr(is, u, is->fi->slice_off[i]);
				cmp_bytes(is, t, u, 0, key_width(m, i), skip);
				continue;
			}
			u = vreg(is);
			ldx(is, BPF_DW, t, kp, m->key_off[i]);
			ldx(is, BPF_DW, u, is->S, is->fi->slice_off[i]);
			jmp_rr(is, BPF_JNE, t, u, skip);
		}
		if (site->a.kind != IRV_NONE) {
			int t = vreg(is);

			ldx(is, BPF_DW, t, is->S, is->fi->cnt_off);
			jmp_ri(is, BPF_JSLE, t, 0, stop);
			op_ri(is, BPF_SUB, t, 1);
			stx(is, BPF_DW, is->S, is->fi->cnt_off, t);
		}
		for (int i = 0; i < m->nkeys; i++) {
			int slot = site->key_slots[i], off, w;

			if (slot < 0 || slot >= is->frame_f->slots.n)
				continue;
			off = is->slot_off[slot];
			w = (i + 1 < m->nkeys ? m->key_off[i + 1] :
			     m->key_size) - m->key_off[i];
			if (m->key_types[i] == IRT_LONG) {
				int t = vreg(is);

				ldx(is, BPF_DW, t, kp, m->key_off[i]);
				stx(is, BPF_DW, is->S, off, t);
			} else {
				sptr(is, 1, off);
				movi(is, 2, w < is->msl ? w : is->msl);
				mov(is, 3, kp);
				op_ri(is, BPF_ADD, 3, m->key_off[i]);
				call(is, HELPER_probe_read_kernel_str, 3);
			}
		}
		if (site->val_slot >= 0 && site->val_slot < is->frame_f->slots.n &&
		    m->kind == IRM_ARRAY) {
			int off = is->slot_off[site->val_slot];

			if (m->val_type == IRT_STR) {
				sptr(is, 1, off);
				movi(is, 2, is->msl);
				mov(is, 3, vp);
				call(is, HELPER_probe_read_kernel_str, 3);
			} else {
				int t = vreg(is);

				ldx(is, BPF_DW, t, vp, 0);
				stx(is, BPF_DW, is->S, off, t);
			}
		}
		ja(is, go);
		place(is, skip);
		ret_imm(is, 0);
		place(is, stop);
		ret_imm(is, 1);
		place(is, go);
	}
}

static bool reads_errmsg(struct ir_func *f)
{
	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns)
			if (((struct ir_insn *)vec_at(&b->insns, ii))->opc ==
			    IR_ERRMSG)
				return true;
	}
	return false;
}

static struct ir_func *frame_owner(struct ir_func *f)
{
	while (f->kind == IRF_REGION && f->region_of)
		f = f->region_of;
	return f;
}

struct lir_func *isel__func(struct cg *cg, struct cg_prog *cp,
			    struct ir_func *f)
{
	struct arena *A = &cg->s->arena;
	struct isel is = {
		.cg = cg, .cp = cp, .p = cg->p, .f = f,
		.msl = cg->p->maxstringlen > 0 ? cg->p->maxstringlen : 128,
		.S = LIR_NONE, .G = LIR_NONE, .ctx = LIR_NONE, .loc = f->loc,
		.fi = fi_of(f), .frame_f = frame_owner(f), .lbl_prop = -1,
	};
	struct lir_func *lf = arena__alloc(A, sizeof(*lf));

	lf->name = f->name;
	lf->irf = f;
	lf->nregs = LIR_NPHYS;
	is.lf = lf;
	if (!is.fi || !fi_of(is.frame_f)) {
		diag__error(cg->s, &f->loc, "internal error",
			    "function '%s' was not planned", f->name);
		return NULL;
	}
	is.want_errmsg = reads_errmsg(f);
	is.nuses = arena__alloc(A, sizeof(int) * (f->nregs + 1));
	is.nsinks = arena__alloc(A, sizeof(int) * (f->nregs + 1));
	is.def = arena__alloc(A, sizeof(*is.def) * (f->nregs + 1));
	is.deferred = arena__alloc(A, sizeof(bool) * (f->nregs + 1));
	is.sunk = arena__alloc(A, sizeof(bool) * (f->nregs + 1));
	is.errconst = arena__alloc(A, sizeof(bool) * (f->nregs + 1));
	is.litstr = arena__alloc(A, sizeof(bool) * (f->nregs + 1));
	is.blabel = arena__alloc(A, sizeof(int) * (f->blocks.n + 1));
	for (int i = 0; i < f->blocks.n; i++)
		is.blabel[i] = label(&is);
	is.lbl_ret0 = label(&is);

	prescan(&is);
	assign_homes(&is);
	is.str_keys_fit = f->kind == IRF_PROBE && str_keys_fit(f);
	if (f->kind == IRF_PROBE)
		prologue(&is, needs_scratch(&is));
	else if (f->kind == IRF_FUNCTION)
		prologue_function(&is);
	else
		prologue_region(&is);

	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		is.cur_block = bi;
		place(&is, is.blabel[b->id >= 0 && b->id < f->blocks.n ?
				     b->id : bi]);
		for (int ii = 0; ii < b->insns.n && !is.err; ii++) {
			struct ir_insn *in = vec_at(&b->insns, ii);
			struct ir_insn *next = ii + 1 < b->insns.n ?
				vec_at(&b->insns, ii + 1) : NULL;

			stack_tmp_reset(&is);

			if (fuse_cmp_br(&is, in, next)) {
				/* if (a op b) goto T; goto F */
				is.cur = in;
				if (in->loc.src)
					is.loc = in->loc;
				if (in->opc == IR_STRCMP) {
					sel_strcmp(&is, in,
						   is.blabel[next->target],
						   is.blabel[next->target2]);
				} else {
					cmp_jump(&is, in,
						 is.blabel[next->target]);
					ja(&is, is.blabel[next->target2]);
				}
				ii++;
				continue;
			}
			sel_insn(&is, in);
		}
		if (is.err)
			break;
	}
	emit_cold_adds(&is);
	emit_stubs(&is);
	/* return 0 */
	place(&is, is.lbl_ret0);
	ret_imm(&is, 0);
	lf->stack_isel = is.stack_max;
	if (is.err)
		return NULL;
	if (cg->scratch_hwm > 32768 - 2 * is.msl) {
		diag__error(cg->s, &f->loc, "semantic error",
			    "probe needs %d bytes of per-CPU scratch memory "
			    "(strings, keys), at most %d are available",
			    cg->scratch_hwm, 32768 - 2 * is.msl);
		return NULL;
	}
	return lf;
}

/* ---- the plan: call graph, conventions, frames ----------------------------- */

static struct fninfo *fi_new(struct cg *cg, struct ir_func *f)
{
	struct fninfo *fi = f->be;

	if (fi)
		return fi;
	fi = arena__alloc(&cg->s->arena, sizeof(*fi));
	memset(fi, 0, sizeof(*fi));
	fi->f = f;
	fi->sub = -1;
	fi->ret_off = -1;
	fi->cnt_off = -1;
	f->be = fi;
	return fi;
}

static bool insn_may_fault(const struct ir_insn *in)
{
	struct fninfo *c = fi_of(in->fn);

	if (in->on_error >= 0)
		return false;
	switch (in->opc) {
	case IR_BIN:
		/* a constant non-zero divisor cannot fault */
		return (in->op == OP_DIV || in->op == OP_MOD) &&
		       (in->b.kind != IRV_IMM || in->b.imm == 0);
	case IR_MAP_SET:
		return !in->map->wrap;
	case IR_MAP_ADD:
	case IR_STAT_ADD:
		/* full map; a scalar statistic's entry always exists */
		return !in->map->wrap && in->map->nkeys > 0;
	case IR_FOREACH:
		/* only through its region (no bound of its own) */
		return !c || c->may_fault;
	case IR_ERROR:
	case IR_LOOP:
		return true;
	case IR_STAT_GET:
		return in->statop != SO_COUNT && in->statop != SO_SUM;
	case IR_CALL:
		return c && c->may_fault;
	case IR_BUILTIN:
		/* stringat: "Invalid index"; strtol: "Invalid base" */
		return in->callee && (!strcmp(in->callee, "stringat") ||
				      !strcmp(in->callee, "strtol"));
	default:
		return false;
	}
}

/* need_G / need_S / may_fault of f, its callees and regions done. */
static void plan_flags(struct cg *cg, struct fninfo *fi)
{
	struct ir_func *f = fi->f;

	(void)cg;
	for (int r = 0; r < f->nregs; r++)
		if (f->reg_types[r] == IRT_STR)
			fi->need_S = true;
	vec_foreach(i, &f->slots) {
		struct ir_slot *sl = vec_at(&f->slots, i);

		if (sl->type == IRT_STR || sl->used_by_region)
			fi->need_S = true;
	}
	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);
			struct fninfo *c = fi_of(in->fn);

			if (insn_may_fault(in))
				fi->may_fault = true;
			if (in->on_error >= 0)
				fi->need_S = true;
			switch (in->opc) {
			case IR_LOAD_GLOBAL:
			case IR_STORE_GLOBAL:
			case IR_EXIT:
			case IR_PRINTF:
			case IR_PRINT_HIST:
				fi->need_G = true;
				break;
			case IR_BUILTIN:
				if (in->callee &&
				    (!strncmp(in->callee, "gettimeofday_", 13) ||
				     !strcmp(in->callee, "target")))
					fi->need_G = true;
				break;
			case IR_STAT_ADD:
			case IR_SPRINTF:
			case IR_ERROR:
			case IR_ERRMSG:
				fi->need_S = true;
				break;
			case IR_CALL:
				if (c) {
					fi->need_G |= c->need_G;
					fi->need_S |= c->need_S || c->may_fault ||
						      c->ret_off >= 0;
				}
				break;
			case IR_LOOP:
			case IR_FOREACH:
				fi->need_S = true;
				if (c)
					fi->need_G |= c->need_G ||
						      c->need_S;
				break;
			default:
				break;
			}
			if (in->map)
				for (int k = 0; k < in->map->nkeys; k++)
					if (in->map->key_types[k] == IRT_STR)
						fi->need_S = true;
		}
	}
	if (f->kind != IRF_PROBE && fi->may_fault)
		fi->need_S = true;
	if (f->kind == IRF_REGION) {
		/* the context carries both: the owner must have them */
		fi->need_G = fi->need_S = true;
	}
}

/* Frame slots of a probe or function: S for strings, slots a region
 * reaches and parameters past the registers; vregs otherwise. */
static void plan_frame(struct cg *cg, struct fninfo *fi)
{
	struct ir_func *f = fi->f;
	int msl = cg->p->maxstringlen > 0 ? cg->p->maxstringlen : 128;
	int nslots = f->slots.n, nlong = 0, avail, reg;

	fi->slot_off = arena__alloc(&cg->s->arena, sizeof(int) * (nslots + 1));
	fi->param_reg = arena__alloc(&cg->s->arena,
				     sizeof(int) * (nslots + 1));
	for (int i = 0; i < f->nparams && i < nslots; i++)
		if (((struct ir_slot *)vec_at(&f->slots, i))->type == IRT_LONG)
			nlong++;
	if (f->kind == IRF_FUNCTION) {
		avail = 5 - fi->need_G - fi->need_S;
		if (nlong > avail && !fi->need_S) {
			fi->need_S = true;
			avail--;
		}
		reg = 1 + fi->need_G + fi->need_S;
		if (f->ret == IRT_STR)
			fi->ret_off = cg__scratch_alloc(cg, msl);
		else if (f->ret == IRT_LONG && fi->may_fault)
			fi->ret_off = cg__scratch_alloc(cg, 8);
	} else {
		reg = 6;
	}
	for (int i = 0; i < nslots; i++) {
		struct ir_slot *sl = vec_at(&f->slots, i);
		bool param = f->kind == IRF_FUNCTION && i < f->nparams;

		fi->param_reg[i] = 0;
		fi->slot_off[i] = -1;
		if (param && sl->type == IRT_LONG && reg <= 5)
			fi->param_reg[i] = reg++;
		if (sl->type == IRT_STR)
			fi->slot_off[i] = cg__scratch_alloc(cg, msl);
		else if (sl->used_by_region || (param && !fi->param_reg[i]))
			fi->slot_off[i] = cg__scratch_alloc(cg, 8);
	}
}

static int plan_walk(struct cg *cg, struct ir_func *f, struct ir_insn *site,
		     struct ir_func **path, int depth)
{
	struct fninfo *fi = fi_new(cg, f);
	int rc;

	if (fi->state == 2)
		return 0;
	if (fi->state == 1) {
		char *cyc = "";

		for (int i = 0; i < depth; i++)
			if (path[i] == f) {
				for (int k = i; k < depth; k++)
					if (path[k]->kind == IRF_FUNCTION)
						cyc = arena__printf(
							&cg->s->arena, "%s%s -> ",
							cyc, path[k]->name);
				break;
			}
		diag__error(cg->s, &site->loc, "semantic error",
			    "recursive call of function '%s' (%s%s) is not "
			    "supported in kernel-side probes (only in "
			    "user-space ones: begin/end/error, and timer probes "
			    "that read no task or CPU context)", f->name, cyc,
			    f->name);
		return -ELOOP;
	}
	if (f->user_space) {
		diag__error(cg->s, site ? &site->loc : &f->loc,
			    "internal error", "function '%s' is user-space "
			    "only but a kernel-side probe reaches it", f->name);
		return -EINVAL;
	}
	fi->state = 1;
	path[depth] = f;
	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);

			if ((in->opc != IR_CALL && in->opc != IR_LOOP &&
			     in->opc != IR_FOREACH) || !in->fn)
				continue;
			if (in->opc != IR_CALL) {
				struct fninfo *r = fi_new(cg, in->fn);

				r->site = in;
			}
			rc = plan_walk(cg, in->fn, in, path, depth + 1);
			if (rc)
				return rc;
		}
	}
	plan_flags(cg, fi);
	if (f->kind == IRF_FUNCTION) {
		plan_frame(cg, fi);
	} else if (fi->site && fi->site->opc == IR_FOREACH) {
		fi->cnt_off = cg__scratch_alloc(cg, 8);
		for (int i = 0; i < IR_MAX_KEYS; i++)
			fi->slice_off[i] = -1;
		for (int i = 0; i < fi->site->nargs && i < IR_MAX_KEYS; i++)
			if (fi->site->args[i].kind != IRV_NONE)
				fi->slice_off[i] = cg__scratch_alloc(cg,
					i < fi->site->map->nkeys &&
					fi->site->map->key_types[i] == IRT_STR ?
					key_width(fi->site->map, i) : 8);
	}
	fi->state = 2;
	return 0;
}

int isel__plan(struct cg *cg)
{
	struct ir_program *p = cg->p;
	struct ir_func **path = arena__alloc(&cg->s->arena, sizeof(*path) *
					     (p->funcs.n + 2));
	int rc = 0, base;

	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);

		if (f->user_space || f->kind != IRF_PROBE)
			continue;
		if (plan_walk(cg, f, NULL, path, 0))
			rc = -EINVAL;
	}
	if (rc)
		return rc;
	/* probes' frames after every function's and region's: all from
	 * the same base, as probes never nest (see cg__scratch_alloc) */
	base = cg->scratch_hwm;
	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);

		if (f->user_space || f->kind != IRF_PROBE)
			continue;
		cg->scratch_size = base;
		plan_frame(cg, fi_of(f));
	}
	cg->scratch_size = cg->scratch_hwm;
	return 0;
}
