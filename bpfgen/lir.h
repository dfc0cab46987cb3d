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
	LK_LDMAPVAL,	/* dst = &map's value + imm (BPF_PSEUDO_MAP_VALUE);
			 * map == cg->rodata_map: the .rodata constants */
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
	int nret;		/* LK_SUBCALL/LK_EXIT: r0 is read/written */
	struct ir_map *map;	/* LK_LDMAP */
	struct loc loc;
	int spill;		/* regalloc's spill store / reload: its slot
				 * number + 1 (off set by assign_slots),
				 * else 0 */
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

/* One BPF program being built: the probe's function; the subprograms
 * it reaches (indexes into cg->subs) are found by emit.c. */
struct cg_prog {
	struct lir_func *main;
};

/* Back-end data of one kernel-side IR function (ir_func.be).
 * Script functions and regions are compiled once into ".text" and
 * shared by every probe that reaches them; libbpf appends the ones a
 * program uses to it at load time.
 *
 * Calling convention of a script function subprogram:
 *   r1 = G (if need_G), then S (if need_S), then the first long
 *   parameters; the other parameters (strings always) are stored by the
 *   caller into the callee's frame slots in S.  A function that may
 *   fault returns r0 = 0 (ok) or 1 (error state set in S), its value in
 *   S + ret_off; otherwise r0 is the long value.  A string value is
 *   always returned in S + ret_off.
 * Regions are callbacks of bpf_loop (r2 = ctx) or bpf_for_each_map_elem
 * (r2 = key, r3 = value, r4 = ctx); ctx points to {G, S} on the
 * owner's stack.  They return 0 (go on) or 1 (stop), the region code in
 * S + cg->rcode_off. */
struct fninfo {
	struct ir_func *f;
	int *slot_off;		/* frame slot -> offset in S, or -1 (a vreg) */
	int *param_reg;		/* param slot -> argument register, or 0 */
	int sub;		/* index in cg->subs, -1 for a probe */
	bool need_G, need_S, may_fault;
	int ret_off;		/* in S, or -1 */
	int state;		/* call-graph walk: 0 new, 1 open, 2 done */
	struct lir_func *lf;
	/* regions: the IR_LOOP / IR_FOREACH that runs it, and for a
	 * foreach the places in S of its limit counter and slice values */
	struct ir_insn *site;
	int cnt_off;
	int slice_off[IR_MAX_KEYS];
};

/* A symbolic reference of an emitted instruction (emit.c -> elf.c). */
enum cg_reloc_kind { CR_MAP, CR_MAPVAL, CR_CALL, CR_FUNC };

struct cg_reloc {
	enum cg_reloc_kind kind;
	int insn;
	struct ir_map *map;	/* CR_MAP, CR_MAPVAL */
	int sub;		/* CR_CALL, CR_FUNC: index in cg->subs */
};

/* One ELF code section's instructions and their references. */
struct cg_sec {
	struct bpf_insn *insns;
	int n;
	struct vec relocs;	/* of struct cg_reloc * */
	int *starts;		/* .text: start of each subprogram */
};

/* A shared callback that merges a statistic over the CPUs (isel.c). */
struct cg_statcb {
	struct ir_map *map;
	enum statop op;
	int del;		/* 0: a stat merge; else 1 + the mask of the
				 * key columns a delete callback compares */
	int sub;		/* index in cg->subs */
	int strop;		/* a string built-in's bpf_loop callback
				 * (enum in isel.c), 0 for the others */
};

/* The whole back end's state for one codegen__program call. */
struct cg {
	struct session *s;
	struct ir_program *p;
	int scratch_size;	/* allocation cursor in the scratch value */
	int scratch_hwm;	/* bytes of the scratch value in use */
	int probe_base;		/* where each probe's own scratch starts:
				 * probe programs (all perf_event) never
				 * nest on one CPU (bpf_prog_active), so
				 * their regions overlap */
	int zeros_off;		/* never-written zero bytes in scratch */
	int zeros_size;
	struct vec frames_irf;	/* functions with a frame in scratch */
	int errors;
	struct vec subs;	/* of struct lir_func *: ".text" */
	struct ir_map *rodata_map;	/* ".rodata": constant strings */
	char *rodata;
	int rodata_size, rodata_cap;
	int errrec_off;		/* in S: {hdr, message}: the error state;
				 * -1 until used */
	int rcode_off;		/* in S: region code; -1 until used */
	struct vec main_secs;	/* of struct cg_sec *, parallel to o->progs */
	struct cg_sec *text;	/* ".text", NULL without subprograms */
	struct vec statcbs;	/* of struct cg_statcb *: stat callbacks */
	/* in S, -1 until used: the string built-ins' loop state (64
	 * bytes, then a 32-byte character set), a MSL temporary, and
	 * tokenize()'s {pos, buffer[MSL]} that lives from call to call */
	int strst_off, strtmp_off, tok_off;
};

/* isel.c: per-function plan (frames, conventions), before any isel */
int isel__plan(struct cg *cg);
int cg__scratch_alloc(struct cg *cg, int size);
int cg__scratch_alloc_shared(struct cg *cg, int size);
int cg__rodata_add(struct cg *cg, const void *data, int size);

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
