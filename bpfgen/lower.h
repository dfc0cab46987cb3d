/* lower.h - state shared by lower.c (statements, functions, probes) and
 * lower_expr.c (expressions).  Private to the lowering. */
#ifndef BSTAP_LOWER_H
#define BSTAP_LOWER_H

#include "ir.h"
#include "session.h"

/* The loop being lowered, innermost first: what break/continue do. */
struct lower_loop {
	struct lower_loop *up;
	struct ir_func *region;		/* the loop body's region */
	int latch;			/* block of `continue` in region */
};

struct lower {
	struct session *s;
	struct ir_program *p;
	struct ir_func *f;		/* function receiving code */
	struct ir_func *owner;		/* its frame's owner (f, or the
					 * function a region belongs to) */
	struct ir_block *b;		/* current block */
	int on_error;			/* block id of the active catch in f,
					 * or -1 (propagate) */
	struct lower_loop *loop;	/* innermost loop in f, or NULL */
	bool region_exits;		/* f (a region) may return
					 * IRR_RETURN / IRR_NEXT */
	int nregions;			/* regions made for the owner */
	struct loc loc;			/* position of the current node */
	/* kernel.trace probes: the block at the probe's entry where the
	 * context fields used are read (IR_CTX), and each field's slot */
	struct ir_block *ctx_block;
	int *ctx_slot;			/* by field index, -1: not read */
	int nctx;
	int ctx_pos;			/* where the next read goes in it */
};

/* lower.c */
struct ir_insn *lower__emit(struct lower *l, enum ir_opcode opc);
/* Start emitting into block b. */
void lower__set_block(struct lower *l, struct ir_block *b);
struct ir_block *lower__block(struct lower *l);
void lower__jmp(struct lower *l, struct ir_block *to);
void lower__br(struct lower *l, struct ir_val c, struct ir_block *t,
	       struct ir_block *e);
int lower__slot(struct lower *l, struct vardecl *d);
enum ir_type lower__type(enum type t);
void lower__stmt(struct lower *l, struct stmt *st);
struct ir_func *lower__func_of(struct ir_program *p,
			       const struct funcdecl *fd);

/* lower_expr.c */
/* The value of e; want == false for an expression statement (its value
 * is dropped, which lets `a[k] += v` become an atomic IR_MAP_ADD). */
struct ir_val lower__expr(struct lower *l, struct expr *e, bool want);
/* e's value in a register (strings always are). */
int lower__reg(struct lower *l, struct expr *e);
/* The keys of an index/in/delete/slice: IRV_NONE for '*' where
 * wild_ok, else a diagnostic.  Returns the array (args[0..n)). */
struct ir_val *lower__keys(struct lower *l, struct vec *keys, bool wild_ok);
/* The map of a global array or statistic named by e (EX_SYM), with a
 * diagnostic when e is not one. */
struct ir_map *lower__map(struct lower *l, struct expr *e);
/* A string constant in a new vreg. */
int lower__strconst(struct lower *l, const char *str);
/* The stap "near" text of e: "operator '/'", "identifier 'x'". */
const char *lower__near(struct lower *l, const struct expr *e);
/* $field of a kernel.trace probe (e->target: its struct ctx_field). */
struct ir_val lower__ctx(struct lower *l, struct expr *e);
void lower__unsupported(struct lower *l, const struct loc *loc,
			const char *what);

#endif
