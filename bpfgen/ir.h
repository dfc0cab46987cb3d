/* ir.h - bstap's intermediate representation.
 *
 * The IR sits between the elaborated AST and BPF.  It has two consumers:
 *
 *   - the BPF back end (isel.c -> regalloc.c -> emit.c), which turns
 *     every IR function that runs in the kernel into BPF instructions;
 *   - the IR interpreter (runtime/interp.c), which runs begin, end and
 *     error probes in user space over the very same maps.
 *
 * Why two consumers and not BPF_PROG_TEST_RUN for begin/end: end probes
 * sort whole maps, loop without bound, print aggregates and build long
 * strings; all of that is natural in user space and awkward under the
 * verifier.  The lowering (lower.c) is shared, so the language has one
 * meaning: there is one code generator up to the IR, and the IR's
 * semantics are written down here once.
 *
 * Shape: a program is a set of functions; a function is a CFG of basic
 * blocks; a block is a list of three-address instructions over virtual
 * registers (vregs) and ends in exactly one terminator.  Vregs are not
 * SSA: a vreg may be assigned in several blocks.  Every vreg has one
 * type for its whole life: a 64-bit long, or a string (a buffer of
 * MAXSTRINGLEN bytes holding a NUL-terminated string).
 *
 * Locals live in frame slots (IR_LOAD_LOCAL/IR_STORE_LOCAL) so that
 * outlined regions (loop bodies, see IR_LOOP/IR_FOREACH) can reach their
 * parent's variables; a pass may promote slots that no region touches
 * to plain vregs.
 *
 * Faults: every instruction that can fail at run time (division by zero,
 * a full map, a string overflow in strict mode, an explicit error())
 * names an error block, `on_error`, where control goes with the message
 * in the function's error state; -1 means "abort the probe": the probe
 * returns and the error is reported as stap does (ERROR: ...).  try/catch
 * lowers to on_error edges into the catch block.
 *
 * Refinements by the IR owner (additions only; no field changed meaning):
 *   - ir_insn.near / ir_insn.callee, IR_ERRMSG, the dst of IR_LOOP and
 *     IR_FOREACH (how the loop ended), IRV_NONE keys as '*' wildcards in
 *     IR_MAP_EXISTS / IR_MAP_DELETE, key_size 4 (a u32 index 0) for the
 *     array-shaped maps, ir__format(), ir__hist_bucket(), layout__*_of(),
 *     ir__may_fault(), struct ir_func.probe_kind, struct
 *     ir_program.interp, the fields of struct ir_control after
 *     `reserved` (boot_offset_ns, dropped, target_pid, nr_cpus).  Each
 *     is documented where it is declared.
 *   - lower.c never leaves an unreachable block (the verifier rejects
 *     dead code): constant conditions become IR_JMP, and blocks no edge
 *     reaches (jumps, branches, on_error of faulting insns) are dropped.
 *     on_error is -1 on every insn for which ir__may_fault() is false.
 *   - on_error == -1 means "propagate": out of a region the region
 *     returns IRR_ERROR and its IR_LOOP/IR_FOREACH faults in turn; out
 *     of a script function its IR_CALL faults in turn; out of a probe the
 *     probe is aborted and the error reported.  The error state (message
 *     and the "near ... at file:line:col" of the faulting insn) is one per
 *     running probe, shared by the functions and regions it runs.
 */
#ifndef BSTAP_IR_H
#define BSTAP_IR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "ast.h"

struct session;

/* ---- types and operands ------------------------------------------------ */

enum ir_type {
	IRT_NONE = 0,
	IRT_LONG,
	IRT_STR,
};

/* An operand: a vreg or an immediate long. */
struct ir_val {
	enum { IRV_NONE = 0, IRV_REG, IRV_IMM } kind;
	int reg;		/* IRV_REG: vreg number */
	int64_t imm;		/* IRV_IMM */
};

/* ---- maps: the data model shared by the kernel and user space ----------
 *
 * Layout rules (computed once in layout.c, used by isel and interpreter):
 *   - key: the columns in order, a long as 8 bytes (little-endian int64),
 *     a string as strlen_max bytes, NUL-padded; no other padding;
 *   - IRM_GLOBALS: one BPF array map with one entry; the value holds
 *     every scalar global at its `off` (longs 8-aligned) and, first, the
 *     control block struct ir_control;
 *   - IRM_ARRAY: BPF hash map; value is one long (8 bytes) or one string;
 *     a per-CPU hash of longs when struct ir_map.percpu is set;
 *   - IRM_STATS: per-CPU hash map (per-CPU array with one entry for a
 *     scalar statistic); value is struct ir_stat followed by nbuckets
 *     int64 histogram buckets;
 *   - IRM_SCRATCH: per-CPU array, one entry: string temporaries and
 *     frames of functions (there is no recursion, so each function's
 *     frame has a fixed place);
 *   - IRM_RINGBUF: the output ring buffer (records: runtime/record.h).
 *
 * The maps indexed by position (IRM_GLOBALS, IRM_SCRATCH and a scalar
 * IRM_STATS) have nkeys == 0 and key_size == 4: a u32 index, always 0.
 * IRM_SCRATCH.val_size is left 0 by layout.c: the BPF back end sizes it
 * (it alone knows its frames and temporaries) before writing the object.
 * IRM_RINGBUF: max_entries is the buffer size in bytes, key/val sizes 0.
 *
 * Histograms (IRM_STATS with hist != IRH_NONE): ir__hist_bucket() is the
 * bucket of a value; the kernel side must compute the same.
 *   IRH_LOG: nbuckets == 128; bucket 64 holds 0; a value v > 0 goes to
 *     64 + (floor(log2 v) + 1), a value v < 0 to 64 - (floor(log2 -v) + 1)
 *     (INT64_MIN to bucket 0); bucket b's label is 0 for b == 64,
 *     2^(b-65) above and -2^(63-b) below.
 *   IRH_LINEAR: nbuckets == (hi - lo) / step + 3; bucket 0 is underflow
 *     (v < lo), bucket 1 + (v - lo) / step otherwise, capped at
 *     nbuckets - 1 (overflow).
 */
enum ir_map_kind {
	IRM_GLOBALS,
	IRM_ARRAY,
	IRM_STATS,
	IRM_SCRATCH,
	IRM_RINGBUF,
};

#define IR_MAX_KEYS 9		/* stap allows up to 9 index expressions */

struct ir_control {		/* first bytes of the IRM_GLOBALS value */
	int64_t one;		/* always 1 (written by runtime/run.c before
				 * any probe runs): a kernel-side `a[k]++` on
				 * a per-CPU array inserts a new key with the
				 * value it points to, G + 0, one instruction
				 * (bpfgen/isel.c, sel_map_add) */
	int64_t exit_requested;	/* the stop word, checked on probe entry:
				 * 0 running; 1 exit() called or the runtime
				 * stopping (set only from 0, by cmpxchg);
				 * < 0 an uncaught kernel error with a fixed
				 * message: -(1 + the .rodata offset of its
				 * {struct rec_hdr, message[MAXSTRINGLEN]}
				 * record), one plain store at the fault
				 * site (a later fault may replace an
				 * earlier one; exit() never replaces
				 * one).  runtime/run.c prints the record as
				 * if it had come through the ring buffer */
	int64_t error_count;	/* errors raised in the kernel */
	int64_t skipped;	/* probes skipped (stap's "skipped probes");
				 * the back end also counts dropped records
				 * here until it switches to `dropped` */
	int64_t reserved;	/* old name of boot_offset_ns: the runtime
				 * writes the offset into both until the
				 * back end reads boot_offset_ns */
	/* added by the runtime owner (written by runtime/run.c after the
	 * globals are initialized and before any probe runs): */
	int64_t boot_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns:
				 * gettimeofday_*() = ktime_get_ns() + this */
	int64_t dropped;	/* records lost because the ring buffer was
				 * full (the kernel side adds 1 per loss);
				 * reported with the skipped probes */
	int64_t target_pid;	/* target(): the -c child or -x PID, 0 */
	int64_t nr_cpus;	/* possible CPUs (libbpf_num_possible_cpus),
				 * the per-CPU maps' value count */
};

struct ir_stat {		/* head of an IRM_STATS value */
	int64_t count, sum, min, max;
	int64_t sumsq;		/* for @variance */
};

enum ir_hist_kind { IRH_NONE, IRH_LOG, IRH_LINEAR };

struct ir_map {
	int id;
	enum ir_map_kind kind;
	const char *name;		/* global name, or "__globals" etc. */
	struct vardecl *decl;		/* the global it holds, if any */
	int nkeys;
	enum ir_type key_types[IR_MAX_KEYS];
	int key_off[IR_MAX_KEYS];
	int key_size;
	enum ir_type val_type;		/* IRM_ARRAY */
	int val_size;
	int64_t max_entries;
	/* global a%: a full map makes room for a new key, never an error.
	 * Kernel side: the map is an LRU hash (elf.c), whose eviction is
	 * the kernel's approximation of "least recently used".  User space
	 * (the interpreter) is exact: a new key in a map holding
	 * max_entries keys first deletes the OLDEST one (stap's rule),
	 * where age is insertion order: storing to an existing key (=, +=,
	 * <<<) keeps its place, delete then store makes it the newest.
	 * Keys the interpreter did not insert itself (kernel probes ran
	 * between the begin and the end probes) count as newer than all it
	 * knew before and, the kernel's own order being invisible, as
	 * inserted in key order (numbers ascending, strings bytewise,
	 * column by column).  In end and error probes the kernel probes
	 * are detached, and the map's entries first move to a plain hash
	 * map (runtime/interp.c, wrap_unlru) so the LRU evicts nothing. */
	bool wrap;
	/* IRM_ARRAY of longs that kernel-side code only adds to (+=, ++,
	 * --; delete, `in` and key-only foreach allowed), never reads or
	 * assigns: a per-CPU hash (LRU per-CPU when wrap), layout.c
	 * decides.  The kernel adds to this CPU's copy without a second
	 * lookup or a lost race: a new key is inserted with BPF_ANY, which
	 * on a per-CPU hash sets only this CPU's copy of an entry another
	 * CPU inserted meanwhile.  User space reads the sum of the copies
	 * and writes the value into CPU 0's copy, the others zeroed
	 * (runtime/mapval.c). */
	bool percpu;
	/* IRM_STATS histogram: buckets follow struct ir_stat */
	enum ir_hist_kind hist;
	int64_t hist_lo, hist_hi, hist_step;
	int nbuckets;
	int fd;				/* runtime: the map's fd once created */
};

/* A scalar global's place in the IRM_GLOBALS value. */
struct ir_global {
	struct vardecl *decl;
	enum ir_type type;
	int off;
};

/* ---- formats (printf family) -------------------------------------------- */

struct ir_format {
	int id;
	const char *fmt;		/* stap printf format, as written */
	int nargs;
	enum ir_type *arg_types;
};

/* ---- instructions ------------------------------------------------------- */

enum ir_opcode {
	/* dst = a                       (long: copy; string: copy bytes) */
	IR_MOV,
	/* dst = imm                                                  [long] */
	IR_CONST,
	/* dst = strtab[imm]                                        [string] */
	IR_STRCONST,
	/* dst = a <binop> b; binop in `op` (OP_ADD..OP_BXOR, OP_LSHR);
	 * OP_DIV and OP_MOD fault on b == 0 (stap: "division by 0"); 64-bit
	 * two's complement, wrapping; DIV/MOD truncate toward 0 (C), and
	 * INT64_MIN / -1 is INT64_MIN, INT64_MIN % -1 is 0; OP_SHR is
	 * arithmetic, OP_LSHR logical (zero fill).  Shift counts: the
	 * lowering only emits counts in 0..63 (an immediate) or a register
	 * it has masked with 63; both back ends take the count mod 64.
	 * The script-level rule for other counts (stap's: the value is
	 * left unchanged) is lowered explicitly (lower_expr.c)    [long] */
	IR_BIN,
	/* dst = <unop> a; op is OP_NEG, OP_BNOT or OP_NOT (logical) [long] */
	IR_UN,
	/* dst = (a <cmp> b) ? 1 : 0; op OP_LT..OP_NE                [long] */
	IR_CMP,
	/* dst = strcmp(a, b) <cmp> 0 ? 1 : 0                 [long from str] */
	IR_STRCMP,
	/* dst = a . b, truncated to MAXSTRINGLEN-1 bytes          [string] */
	IR_CONCAT,
	/* dst = a =~ strtab[imm] (regex, compiled at translate time)  [long] */
	IR_REGEX,
	/* dst = the message of the error being handled (the catch
	 * variable of try/catch); valid in an on_error block     [string] */
	IR_ERRMSG,

	/* locals: frame slot `slot` of the current function, or of the
	 * region's owner for code in a region */
	IR_LOAD_LOCAL,		/* dst = frame[slot] */
	IR_STORE_LOCAL,		/* frame[slot] = a */
	/* scalar globals: globals[gid] */
	IR_LOAD_GLOBAL,		/* dst = globals[gid] */
	IR_STORE_GLOBAL,	/* globals[gid] = a */

	/* associative arrays; keys in args[0..nargs) */
	IR_MAP_GET,		/* dst = map[keys] or 0 / "" if absent */
	IR_MAP_SET,		/* map[keys] = a; faults when full unless wrap
				 * ("Array overflow, check MAXMAPENTRIES");
				 * a wrapping map evicts (see ir_map.wrap) */
	IR_MAP_ADD,		/* map[keys] += a (atomic add in the kernel) */
	IR_MAP_DELETE,		/* delete map[keys]; IRV_NONE keys are '*'
				 * (delete every matching entry) */
	IR_MAP_CLEAR,		/* delete map (every entry) */
	IR_MAP_EXISTS,		/* dst = [keys] in map; IRV_NONE keys are
				 * '*' (any entry matching the others) */
	/* statistics (scalar statistics are maps with nkeys == 0) */
	IR_STAT_ADD,		/* map[keys] <<< a */
	IR_STAT_GET,		/* dst = @statop(map[keys]); `statop` says which;
				 * @count/@sum of nothing are 0; the others
				 * fault: "empty aggregate" (scalar, or an
				 * element with count 0), "aggregate element
				 * not found" (absent array element).
				 * @avg = sum / count (truncated); @variance =
				 * (n*sumsq - sum^2) / (n*(n-1)), 0 if n < 2 */

	/* calls */
	IR_CALL,		/* dst = func(args); fn = callee */
	IR_BUILTIN,		/* dst = builtin(args); builtin = the entry,
				 * callee = its name as called; dst -1 for a
				 * void built-in */
	IR_PRINTF,		/* print format `fmt` with args */
	IR_SPRINTF,		/* dst = sprintf(format fmt, args)      [string] */
	IR_PRINT_HIST,		/* print the histogram of map[keys]; an
				 * empty scalar prints the header only; an
				 * absent array element faults "aggregate
				 * element not found" */
	IR_EXIT,		/* exit(): set control.exit_requested */
	/* dst = context variable imm of the probe's provider data (a
	 * kernel.trace field: struct prov_trace_data.fields[imm]), read
	 * from the probe's context record; only in a kernel-side probe
	 * function itself: for a use in one of its regions, lower.c reads
	 * the field once at entry into a frame slot, which regions reach;
	 * a string that cannot be read is "".  Never faults.
	 *                                              [long or string] */
	IR_CTX,
	IR_ERROR,		/* error(a): raise with message a (faults) */

	/* outlined regions (loop bodies): see struct ir_func.region_of */
	IR_LOOP,		/* run region `fn` until it breaks; at most imm
				 * iterations in the kernel (0: default bound),
				 * exceeding it faults like MAXACTION.
				 * dst (long): how the loop ended: 0 (the
				 * region returned IRR_BREAK, or the entries
				 * ran out), IRR_RETURN or IRR_NEXT: the owner
				 * then returns / leaves the probe.  A region
				 * returning IRR_ERROR makes this insn fault
				 * (on_error), the error state kept. */
	IR_FOREACH,		/* for each entry of map (sorted per `sort_*`,
				 * at most limit `a` entries when a is set):
				 * store the keys into frame slots key_slots[],
				 * the value into val_slot (-1: none), run
				 * region `fn`; slice: args[i] is IRV_NONE for
				 * '*' or a value the key must equal, nargs
				 * is 0 without a slice; dst: as IR_LOOP.
				 * A sort on the value of a statistics map
				 * sorts on sort_agg of each entry. Ties
				 * break on the keys in order, ascending. */

	/* terminators: exactly one, last in every block */
	IR_JMP,			/* goto target */
	IR_BR,			/* if (a != 0) goto target else goto target2 */
	IR_RET,			/* return a (or nothing); in a region: returns
				 * region code imm (enum ir_region_code);
				 * a probe returns nothing (also for `next`) */
};

/* What a region returns to its IR_LOOP / IR_FOREACH. */
enum ir_region_code {
	IRR_CONTINUE = 0,	/* next iteration */
	IRR_BREAK = 1,		/* leave the loop */
	IRR_RETURN = 2,		/* return from the owner (value in the owner's
				 * return slot) */
	IRR_NEXT = 3,		/* stap `next`: leave the probe */
	IRR_ERROR = 4,		/* a fault nobody in the region caught */
};

struct ir_func;
struct builtin;

struct ir_insn {
	enum ir_opcode opc;
	int dst;			/* vreg or -1 */
	struct ir_val a, b;
	int64_t imm;
	enum op op;			/* IR_BIN, IR_UN, IR_CMP, IR_STRCMP */
	enum statop statop;		/* IR_STAT_GET */
	int slot;			/* IR_*_LOCAL */
	int gid;			/* IR_*_GLOBAL */
	struct ir_map *map;		/* IR_MAP_*, IR_STAT_*, IR_FOREACH */
	struct ir_func *fn;		/* IR_CALL, IR_LOOP, IR_FOREACH */
	const struct builtin *builtin;	/* IR_BUILTIN */
	struct ir_format *fmt;		/* IR_PRINTF, IR_SPRINTF */
	int nargs;
	struct ir_val *args;		/* keys, call arguments, printf args */
	int target, target2;		/* block ids for IR_JMP / IR_BR */
	int on_error;			/* block id, or -1 = abort the probe */
	/* IR_FOREACH */
	int key_slots[IR_MAX_KEYS];
	int val_slot;
	int sort_column;		/* 0 value, i >= 1 key i */
	int sort_dir;			/* 0 unsorted, +1, -1 */
	enum statop sort_agg;		/* stats arrays: sort on this */
	struct loc loc;			/* script position, for errors and for
					 * mapping verifier rejections back */
	/* added by the IR owner: */
	const char *near;		/* faulting insns: the token stap names
					 * in "ERROR: msg near <near> at loc",
					 * e.g. "operator '/'" */
	const char *callee;		/* IR_BUILTIN: the name called */
};

struct ir_block {
	int id;
	struct vec insns;		/* of struct ir_insn * */
	struct loc loc;
};

struct ir_slot {
	enum ir_type type;
	struct vardecl *decl;		/* the local it holds, or NULL */
	bool used_by_region;		/* some region reaches it */
};

enum ir_func_kind {
	IRF_PROBE,			/* a derived probe's body */
	IRF_FUNCTION,			/* a script function */
	IRF_REGION,			/* an outlined loop body */
};

struct ir_func {
	int id;
	enum ir_func_kind kind;
	const char *name;
	struct derived_probe *probe;	/* IRF_PROBE */
	struct funcdecl *decl;		/* IRF_FUNCTION */
	struct ir_func *region_of;	/* IRF_REGION: the owner whose frame
					 * it shares */
	bool user_space;		/* runs in the interpreter (begin, end,
					 * error) rather than in the kernel.
					 * Functions and regions: false iff a
					 * kernel-side probe can reach them
					 * (so the back end compiles them);
					 * the interpreter runs any function */
	enum ir_type ret;		/* IRF_FUNCTION */
	int nparams;			/* params are frame slots 0..nparams-1;
					 * every slot starts at 0 / "" when
					 * the probe or function is entered */
	int ret_slot;			/* frame slot of the return value or -1 */
	struct vec blocks;		/* of struct ir_block *; [0] is entry */
	int nregs;
	enum ir_type *reg_types;	/* [nregs] (grown by ir__new_reg) */
	int reg_cap;
	struct vec slots;		/* of struct ir_slot * */
	struct loc loc;
	void *be;			/* BPF back end's data */
	/* added by the IR owner: IRF_PROBE: "begin", "end", "error",
	 * "never" for user-space probes (the first component of the
	 * point), NULL otherwise */
	const char *probe_kind;
};

struct ir_program {
	struct session *s;
	struct vec funcs;		/* of struct ir_func * */
	struct vec maps;		/* of struct ir_map * */
	struct vec globals;		/* of struct ir_global * */
	struct vec formats;		/* of struct ir_format * */
	struct vec strtab;		/* of const char * (string literals) */
	struct ir_map *globals_map, *scratch_map, *ringbuf_map;
	int globals_size;		/* bytes of the IRM_GLOBALS value */
	int maxstringlen;		/* -D MAXSTRINGLEN, default 128 */
	int64_t maxmapentries;		/* -D MAXMAPENTRIES, default 2048 */
	int64_t maxaction;		/* -D MAXACTION: loop bound */
	/* added by the IR owner: the interpreter's state that lives from
	 * one user-space probe to the next (regex cache, tokenize()),
	 * owned by runtime/interp.c; NULL until the first probe runs */
	void *interp;
	/* added by the IR owner: the saved object this program was read
	 * from (bstap --run, bpfgen/meta.c), NULL when it was translated
	 * here; ir__check then calls a failure a corrupt file, not a bug */
	const char *origin;
};

/* ---- building (ir.c) --------------------------------------------------- */

struct ir_program *ir__new_program(struct session *s);
struct ir_func *ir__new_func(struct ir_program *p, enum ir_func_kind kind,
			     const char *name);
struct ir_block *ir__new_block(struct ir_program *p, struct ir_func *f);
int ir__new_reg(struct ir_program *p, struct ir_func *f, enum ir_type t);
int ir__new_slot(struct ir_program *p, struct ir_func *f, enum ir_type t,
		 struct vardecl *decl);
struct ir_insn *ir__emit(struct ir_program *p, struct ir_block *b,
			 enum ir_opcode opc);
int ir__strtab(struct ir_program *p, const char *str);
/* The format `fmt` with these argument types, interned (one id per
 * distinct (fmt, types)). */
struct ir_format *ir__format(struct ir_program *p, const char *fmt,
			     int nargs, const enum ir_type *types);
/* The histogram bucket of v in map m (see "Histograms" above). */
int ir__hist_bucket(const struct ir_map *m, int64_t v);
/* The label of bucket b (log: the bucket's low value; linear: lo +
 * (b - 1) * step, with b == 0 labelled lo and the overflow bucket
 * labelled lo + (b - 2) * step, as stap prints them). */
int64_t ir__hist_label(const struct ir_map *m, int b);
struct ir_val ir__reg(int reg);
struct ir_val ir__imm(int64_t imm);
/* Whether in can fault at run time (and so follows on_error): IR_BIN
 * OP_DIV/OP_MOD, IR_REGEX (kernel side), IR_MAP_SET, IR_MAP_ADD,
 * IR_STAT_ADD (map full), IR_STAT_GET of @min/@max/@avg/@variance (empty
 * aggregate), IR_CALL, IR_BUILTIN, IR_PRINT_HIST, IR_ERROR, IR_LOOP,
 * IR_FOREACH.  on_error is -1 on every other instruction. */
bool ir__may_fault(const struct ir_insn *in);
/* The last instruction of b, if it is a terminator; NULL otherwise. */
struct ir_insn *ir__terminator(const struct ir_block *b);

/* ---- passes (one per file; the driver is bpfgen/translate.c) ------------ */

/* layout.c: maps, key/value layouts, globals offsets, formats. */
int layout__program(struct session *s, struct ir_program *p);
/* The IRM_ARRAY / IRM_STATS map of a global, or its IRM_GLOBALS place;
 * NULL if layout did not place it. */
struct ir_map *layout__map_of(const struct ir_program *p,
			      const struct vardecl *decl);
struct ir_global *layout__global_of(const struct ir_program *p,
				    const struct vardecl *decl);
/* Added by the BPF back end owner: narrow string key columns.  A
 * string key column is as wide as the longest string any instruction
 * of the program can use as that key, NUL included, rounded up to 8:
 * execname() 16, a literal its length + 1, anything else MAXSTRINGLEN
 * (a column nothing writes: 8).  Every stored key string therefore has
 * its NUL inside the column; a longer string (there is none by
 * construction) is encoded unterminated, and so matches nothing.
 * layout__key_widths() recomputes key_off / key_size of every map from
 * the lowered IR (pass3__translate calls it right after lowering, so
 * -p3 shows the final layout); the widths then live in key_off, and
 * ir__key_width() reads them back. */
int layout__key_widths(struct ir_program *p);
/* Sets struct ir_map.percpu from the lowered IR (after
 * layout__key_widths): ncpus is the number of possible CPUs, for the
 * size bound.  The rule is written above layout__percpu in layout.c. */
int layout__percpu(struct ir_program *p, int ncpus);
/* Interval timer probes that need user space and read no context run
 * in the interpreter (probe_kind "timer"); the rule is in place.c.
 * Called by lower__program before the functions' sides are set. */
int place__timers(struct session *s, struct ir_program *p);
static inline int ir__key_width(const struct ir_map *m, int i)
{
	return (i + 1 < m->nkeys ? m->key_off[i + 1] : m->key_size) -
		m->key_off[i];
}
/* lower.c: AST -> IR for every derived probe and used function.
 * Precondition: pass 2 succeeded (types are known). */
int lower__program(struct session *s, struct ir_program *p);
/* irverify.c: IR well-formedness (every block ends in one terminator,
 * every vreg has a type and is used with it). */
int ir__check(struct session *s, struct ir_program *p);
/* print: -p3 output. */
void ir__print(FILE *f, const struct ir_program *p);

#endif
