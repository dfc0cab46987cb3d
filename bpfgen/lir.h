/* lir.h - the back end's low-level IR (private to bpfgen/isel.c,
 * regalloc.c, emit.c, disasm.c, elf.c).
 *
 * LIR is BPF instructions over registers that are either physical
 * (0..10 = r0..r10, pre-coloured: helper arguments, r0 results, the
 * frame pointer) or virtual (>= LIR_NPHYS), with labels in place of jump
 * offsets, map loads kept symbolic and calls marked with the number of
 * argument registers they read.  isel.c produces it, regalloc.c rewrites
 * virtual registers to physical ones (and adds spill code), emit.c turns
 * it into struct bpf_insn.
 */
#ifndef BSTAP_LIR_H
#define BSTAP_LIR_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen.h"
#include "ir.h"
#include "object.h"

#define LIR_NPHYS 11
#define LIR_FP 10
#define LIR_NONE (-1)

enum lir_kind {
	LK_OP,		/* code/dst/src/off/imm as in struct bpf_insn */
	LK_LABEL,	/* imm = label id */
	LK_JMP,		/* conditional or unconditional jump to `target` */
	LK_CALL,	/* helper imm; reads r1..r<nargs>, writes r0,
			 * clobbers r1-r5 */
	LK_SUBCALL,	/* bpf-to-bpf call of subprogram imm (index in
			 * struct cg_prog.subs); like LK_CALL */
	LK_LDMAP,	/* dst = &map (BPF_LD_IMM64, BPF_PSEUDO_MAP_FD) */
	LK_LDIMM64,	/* dst = imm (64 bit) */
	LK_FUNCADDR,	/* dst = &subprogram imm (BPF_PSEUDO_FUNC) */
	LK_EXIT,	/* return r0 */
};

struct lir {
	enum lir_kind kind;
	uint8_t code;
	int dst, src;		/* registers or LIR_NONE */
	int16_t off;
	int64_t imm;
	int target;		/* LK_JMP: label */
	int nargs;		/* LK_CALL/LK_SUBCALL */
	struct ir_map *map;	/* LK_LDMAP */
	struct loc loc;
};

struct lir_func {
	const char *name;
	struct ir_func *irf;
	struct lir *v;
	int n, cap;
	int nregs;		/* including the LIR_NPHYS physical ones */
	int nlabels;
	int stack_isel;		/* bytes below r10 isel uses */
	int stack_size;		/* total after regalloc */
	int nparams;		/* subprograms: incoming r1..r<nparams> */
	/* after emit: the instruction index where this function starts */
	int start;
};

/* One BPF program being built: the probe's function and its
 * subprograms (script functions, regions) in call order. */
struct cg_prog {
	struct lir_func *main;
	struct vec subs;	/* of struct lir_func * */
	struct vec sub_irf;	/* of struct ir_func *, parallel to subs */
};

/* The whole back end's state for one codegen__program call. */
struct cg {
	struct session *s;
	struct ir_program *p;
	int scratch_size;	/* bytes of the scratch value in use */
	int zeros_off;		/* never-written zero bytes in scratch */
	int zeros_size;
	struct vec frames_irf;	/* functions with a frame in scratch */
	int errors;
};

/* isel.c */
struct lir_func *isel__func(struct cg *cg, struct cg_prog *cp,
			    struct ir_func *f);
/* regalloc.c: virtual -> physical, spill code, stack size; 0 or -errno */
int regalloc__func(struct cg *cg, struct lir_func *lf);
/* emit.c */
int emit__prog(struct cg *cg, struct cg_prog *cp,
	       struct bpf_probe_prog *out);
/* elf.c */
int elf__write(struct cg *cg, struct bstap_object *o);
/* disasm.c: one instruction (two slots for ld_imm64); returns slots */
int disasm__insn(FILE *f, const struct bpf_insn *insn, int n_left,
		 const struct bpf_probe_prog *prog, int idx);

/* uses/defs of one LIR instruction (regalloc and the DCE pass) */
int lir__uses(const struct lir *l, int *out);	/* returns count */
int lir__defs(const struct lir *l, int *out);	/* incl. call clobbers */
bool lir__has_side_effects(const struct lir *l);

#endif
