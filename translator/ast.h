/* ast.h - the parsed and elaborated SystemTap program.
 *
 * Pass 1 (parser.y) builds one `struct stpfile` per script or tapset file.
 * Pass 2 (elaborate.c and friends) resolves symbols, expands aliases,
 * infers types and produces a `struct program`.  All nodes live in the
 * session arena.  Fields marked [p2] are filled in by pass 2 only.
 */
#ifndef BSTAP_AST_H
#define BSTAP_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* ---- source positions ------------------------------------------------ */

struct source {
	const char *name;	/* path as given, or "<input>" for -e */
	const char *text;	/* whole file, NUL-terminated */
	size_t len;
	bool is_tapset;
};

struct loc {
	const struct source *src;
	int line, col;		/* 1-based */
};

/* ---- types ------------------------------------------------------------ */

enum type {
	TY_UNKNOWN = 0,
	TY_LONG,
	TY_STRING,
	TY_STATS,		/* statistic aggregate (x <<< v) */
	TY_VOID,		/* function without a return value */
};

const char *type__name(enum type t);	/* "long", "string", "stats", ... */

/* ---- operators ---------------------------------------------------------- */

enum op {
	OP_NONE = 0,
	/* binary arithmetic and bitwise */
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_SHL, OP_SHR, OP_BAND, OP_BOR, OP_BXOR,
	/* logical */
	OP_LAND, OP_LOR,
	/* comparison (numbers or strings) */
	OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
	/* strings */
	OP_CONCAT,		/* a . b, and .= */
	OP_MATCH, OP_NMATCH,	/* =~ !~ */
	/* unary */
	OP_NEG, OP_PLUS, OP_NOT, OP_BNOT, OP_ADDR /* &$target */,
	/* assignment family: EX_ASSIGN.op is OP_ASSIGN for '=', OP_STATACC
	 * for '<<<', otherwise the binary operator of a compound assignment
	 * (OP_ADD for '+=', OP_CONCAT for '.=', ...). */
	OP_ASSIGN, OP_STATACC,
	/* increment/decrement (EX_INCDEC) */
	OP_INC, OP_DEC,
	/* a >>> b, the logical right shift (binary; no '>>>=') */
	OP_LSHR,
};

const char *op__spelling(enum op op);	/* "+", "<<", "&&", "<<<", ... */

/* Statistic extractors and histograms: @count(x) ... @hist_linear(x,...) */
enum statop {
	SO_COUNT, SO_SUM, SO_MIN, SO_MAX, SO_AVG, SO_VARIANCE,
	SO_HIST_LOG, SO_HIST_LINEAR,
};

const char *statop__name(enum statop so);	/* "count", "hist_log", ... */

/* ---- expressions ------------------------------------------------------ */

enum expr_kind {
	EX_NUM,		/* num */
	EX_STR,		/* str (decoded bytes, NUL-terminated) */
	EX_SYM,		/* str = name; decl [p2] = local/param/global */
	EX_TARGET,	/* str = "$name" (also "$$vars", "$$parms", "$$locals",
			 * "$$return"); chain = suffixes; deref_pretty =
			 * number of trailing '$' (0, 1 = "$", 2 = "$$") */
	EX_INDEX,	/* a = array (EX_SYM, EX_TARGET chain is in chain),
			 * args = keys (EX_WILD for '*' slices) */
	EX_CALL,	/* str = function name, args; fn [p2].  A str starting
			 * with '@' is an operator kept as a call until pass 2
			 * folds or rejects it: @const, @kregister, @uregister,
			 * @probewrite (never seen by the back end) */
	EX_UNARY,	/* op, a */
	EX_BINARY,	/* op, a, b  (arithmetic, bitwise, OP_CONCAT) */
	EX_LOGICAL,	/* op (OP_LAND/OP_LOR), a, b */
	EX_COMPARE,	/* op, a, b */
	EX_REGEX,	/* op (OP_MATCH/OP_NMATCH), a, b (EX_STR literal) */
	EX_TERNARY,	/* a ? b : c */
	EX_ASSIGN,	/* a (lvalue) op= b */
	EX_INCDEC,	/* op (OP_INC/OP_DEC), a, postfix */
	EX_IN,		/* args = keys (EX_WILD allowed), a = array (EX_SYM) */
	EX_STATOP,	/* statop (SO_COUNT..SO_VARIANCE), a = operand,
			 * args = extra params (@variance(x, shift)) */
	EX_HIST,	/* statop (SO_HIST_LOG/SO_HIST_LINEAR), a = operand,
			 * args = lo, hi, step for linear */
	EX_CAST,	/* a = address expr, str = type name, module (or NULL),
			 * chain = suffixes; str NULL if autocast (below) */
	EX_VARAT,	/* str = "name[@file]", module (or NULL), chain */
	EX_DEFINED,	/* a = operand; num [p2] = 1 if it resolved */
	EX_ENTRY,	/* a = operand */
	EX_PERF,	/* str = counter name: @perf("name") */
	EX_WILD,	/* '*' in an array slice */
	EX_EMBEDDED,	/* str = %{ code %} used as an expression */
};

enum chain_kind {
	CH_MEMBER,	/* ->name (also .name after @cast) */
	CH_INDEX,	/* [expr] */
};

struct chain {
	enum chain_kind kind;
	const char *name;	/* CH_MEMBER */
	struct expr *index;	/* CH_INDEX */
	struct loc loc;
};

struct vardecl;
struct funcdecl;

struct expr {
	enum expr_kind kind;
	struct loc loc;
	enum op op;
	enum statop statop;
	bool postfix;		/* EX_INCDEC: x++ rather than ++x */
	int deref_pretty;	/* EX_TARGET: '$' suffixes */
	int64_t num;
	const char *str;
	const char *module;	/* EX_CAST, EX_VARAT */
	struct expr *a, *b, *c;
	struct vec args;	/* of struct expr * */
	struct vec chain;	/* of struct chain * */

	enum type type;			/* [p2] */
	struct vardecl *decl;		/* [p2] EX_SYM, EX_INDEX, EX_IN */
	struct funcdecl *fn;		/* [p2] EX_CALL to a script function */
	const struct builtin *builtin;	/* [p2] EX_CALL to a built-in */
	void *target;			/* [p2] provider data for $vars */
	void *be;			/* back end's annotation */
	/* EX_CAST written as "primary->member" with no type: stap's
	 * autocast (str NULL, a = the pointer value, chain as usual).
	 * Pass 2 rejects it until probes with type information exist. */
	bool autocast;
};

/* ---- statements -------------------------------------------------------- */

enum stmt_kind {
	ST_BLOCK,	/* body = statements */
	ST_EXPR,	/* e */
	ST_IF,		/* e, then, els (or NULL) */
	ST_WHILE,	/* e, then = body */
	ST_FOR,		/* init (expr or NULL), e = cond (or NULL),
			 * step (expr or NULL), then = body */
	ST_FOREACH,	/* see the foreach fields */
	ST_DELETE,	/* e = EX_SYM (whole array/scalar) or EX_INDEX */
	ST_NEXT,
	ST_BREAK,
	ST_CONTINUE,
	ST_RETURN,	/* e (or NULL) */
	ST_TRY,		/* then = try block, els = catch block,
			 * catch_var = EX_SYM or NULL */
	ST_EMBEDDED,	/* code */
	ST_NULL,	/* a lone ';' */
};

struct stmt {
	enum stmt_kind kind;
	struct loc loc;
	struct expr *e;
	struct expr *init, *step;	/* ST_FOR */
	struct stmt *then, *els;
	struct vec body;		/* ST_BLOCK: of struct stmt * */
	struct expr *catch_var;		/* ST_TRY */
	const char *code;		/* ST_EMBEDDED */

	/* ST_FOREACH:
	 *   foreach (value = [k1, k2] in array[slice] @agg sort limit N)
	 * keys: EX_SYM each (one key may be written without brackets);
	 * value: EX_SYM or NULL; array: EX_SYM, or EX_INDEX for a slice;
	 * sort_column: 0 = sort on the value, i >= 1 = on key i;
	 * sort_dir: 0 = unsorted, +1 ascending, -1 descending;
	 * agg: for statistics arrays the extractor to sort on (SO_COUNT
	 * by default, has_agg says whether '@op' was written). */
	struct vec keys;
	struct expr *value;
	struct expr *array;
	int sort_column, sort_dir;
	enum statop agg;
	bool has_agg;
	bool keys_bracketed;		/* "[k]" rather than "k" */
	struct expr *limit;

	void *be;
};

/* ---- declarations ------------------------------------------------------ */

struct vardecl {
	const char *name;
	struct loc loc;
	enum type type;			/* value type [p2 for inferred] */
	int arity;			/* 0 scalar, n > 0 array, -1 unknown */
	enum type *key_types;		/* [arity], [p2] */
	int64_t maxsize;		/* global a[N]; 0 = default */
	bool wrap;			/* global a% (wrapping array) */
	bool is_global, is_param, is_private, is_local;
	struct expr *init;		/* global initializer (literal) */
	struct stpfile *file;
	/* [p2] usage, for dropping unused globals and for the end-of-run
	 * print of written-but-never-read globals */
	bool read, written;
	/* [p2] statistics: the histogram shapes asked of this variable */
	bool want_hist_log;
	bool want_hist_linear;
	int64_t hist_lo, hist_hi, hist_step;
	bool want_variance;
	int variance_shift;
	int id;				/* [p2] dense index among globals/locals */
	void *be;
};

struct funcdecl {
	const char *name;
	struct loc loc;
	enum type ret;			/* declared ":type" or inferred [p2] */
	bool ret_declared;
	struct vec params;		/* of struct vardecl * */
	struct vec locals;		/* [p2] of struct vardecl * */
	struct stmt *body;		/* script body, or NULL */
	const char *embedded;		/* %{ ... %} body, or NULL */
	bool is_private;
	struct stpfile *file;
	bool used;			/* [p2] reachable from a probe */
	int id;				/* [p2] */
	void *be;
};

/* One component of a probe point: name, or name(arg).  name may hold
 * '*' and '**' wildcards and {a,b} alternatives before pass 2. */
struct ppcomp {
	const char *name;
	struct expr *arg;		/* NULL, EX_NUM or EX_STR */
	struct loc loc;
};

struct probe_point {
	struct vec comps;		/* of struct ppcomp * */
	bool optional;			/* trailing '?' */
	bool sufficient;		/* trailing '!' */
	struct expr *cond;		/* "if (expr)" or NULL */
	struct loc loc;
};

/* probe P1, P2 { body }  or an alias:
 * probe A1, A2 = P1, P2 { body }  (epilogue: '+=') */
struct probe {
	struct vec points;		/* of struct probe_point * */
	struct stmt *body;
	struct loc loc;
	bool is_private;
	/* aliases */
	bool is_alias;
	bool epilogue;			/* '+=' rather than '=' */
	struct vec alias_names;		/* of struct probe_point * */
	struct stpfile *file;
};

struct stpfile {
	const struct source *src;
	struct vec probes;		/* of struct probe * (not aliases) */
	struct vec aliases;		/* of struct probe * */
	struct vec functions;		/* of struct funcdecl * */
	struct vec globals;		/* of struct vardecl * */
	struct vec embeds;		/* of const char * (file-level %{ %}) */
	/* declarations in source order, for the -p1 printer:
	 * of struct decl_ref */
	struct vec order;
	bool is_tapset;
};

enum decl_kind { DK_PROBE, DK_ALIAS, DK_FUNCTION, DK_GLOBAL, DK_EMBED };

struct decl_ref {
	enum decl_kind kind;
	void *ptr;
};

/* ---- the elaborated program [p2] --------------------------------------- */

struct provider;

/* One probe instance after alias expansion and wildcard matching: one
 * concrete probe point and the body that runs there. */
struct derived_probe {
	int id;
	struct probe *user;		/* the probe the user wrote */
	struct probe_point *written;	/* the point as written */
	struct probe_point *point;	/* the concrete, resolved point */
	struct vec alias_chain;		/* of struct probe * expanded */
	struct stmt *body;		/* aliases' bodies and the user's */
	struct vec locals;		/* of struct vardecl * */
	struct expr *cond;		/* combined "if" condition or NULL */
	const struct provider *prov;
	void *prov_data;		/* provider's parse of the point */
	int64_t order;			/* begin(N)/end(N) sequence */
	void *be;
};

struct program {
	struct vec files;		/* user script first, then tapsets used */
	struct vec probes;		/* of struct derived_probe * */
	struct vec functions;		/* used functions, of struct funcdecl * */
	struct vec globals;		/* used globals, of struct vardecl * */
	struct vec embeds;		/* file-level embedded code used */
};

/* ---- helpers (ast.c) --------------------------------------------------- */

struct session;

struct expr *expr__new(struct session *s, enum expr_kind kind,
		       const struct loc *loc);
struct stmt *stmt__new(struct session *s, enum stmt_kind kind,
		       const struct loc *loc);
char *probe_point__str(struct session *s, const struct probe_point *pp);

/* ---- added by the printer engineer: shorthand constructors (ast.c) and
 * the probe point writer (print.c).  All take the session for its arena;
 * loc may be NULL. ---- */
#include <stdio.h>

/* Write pp canonically: comp('.'comp)* ['?'] ['!'] [" if (" cond ")"] */
void probe_point__print(FILE *f, const struct probe_point *pp);
/* Write s as a quoted, escaped string literal that re-lexes to s. */
void print__string(FILE *f, const char *s);

struct expr *expr__num(struct session *s, int64_t v, const struct loc *loc);
struct expr *expr__str(struct session *s, const char *str,
		       const struct loc *loc);
struct expr *expr__sym(struct session *s, const char *name,
		       const struct loc *loc);
/* op: OP_NEG, OP_PLUS, OP_NOT, OP_BNOT, OP_ADDR */
struct expr *expr__unary(struct session *s, enum op op, struct expr *a,
			 const struct loc *loc);
/* Picks the kind from op: EX_LOGICAL (&& ||), EX_COMPARE (< <= ... !=),
 * EX_REGEX (=~ !~), otherwise EX_BINARY (arithmetic, bitwise, '.'). */
struct expr *expr__binary(struct session *s, enum op op, struct expr *a,
			  struct expr *b, const struct loc *loc);
/* cond ? a : b  (stored as e->a, e->b, e->c) */
struct expr *expr__ternary(struct session *s, struct expr *cond,
			   struct expr *a, struct expr *b,
			   const struct loc *loc);
/* op: OP_ASSIGN, OP_STATACC, or the binary op of a compound assignment */
struct expr *expr__assign(struct session *s, enum op op, struct expr *lhs,
			  struct expr *rhs, const struct loc *loc);
/* op: OP_INC or OP_DEC */
struct expr *expr__incdec(struct session *s, enum op op, struct expr *a,
			  bool postfix, const struct loc *loc);
/* name(...): push the arguments on e->args */
struct expr *expr__call(struct session *s, const char *name,
			const struct loc *loc);
/* ST_EXPR; loc NULL = the expression's location */
struct stmt *stmt__expr(struct session *s, struct expr *e,
			const struct loc *loc);
struct stmt *stmt__block(struct session *s, const struct loc *loc);
/* ---- end of the printer engineer's additions ---- */

#endif
