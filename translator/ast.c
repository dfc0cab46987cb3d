/* ast.c - constructors and names for AST nodes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "passes.h"
#include "session.h"

const char *type__name(enum type t)
{
	switch (t) {
	case TY_LONG: return "long";
	case TY_STRING: return "string";
	case TY_STATS: return "stats";
	case TY_VOID: return "void";
	default: return "unknown";
	}
}

const char *op__spelling(enum op op)
{
	switch (op) {
	case OP_NONE: return "";
	case OP_ADD: return "+";
	case OP_SUB: return "-";
	case OP_MUL: return "*";
	case OP_DIV: return "/";
	case OP_MOD: return "%";
	case OP_SHL: return "<<";
	case OP_SHR: return ">>";
	case OP_BAND: return "&";
	case OP_BOR: return "|";
	case OP_BXOR: return "^";
	case OP_LAND: return "&&";
	case OP_LOR: return "||";
	case OP_LT: return "<";
	case OP_LE: return "<=";
	case OP_GT: return ">";
	case OP_GE: return ">=";
	case OP_EQ: return "==";
	case OP_NE: return "!=";
	case OP_CONCAT: return ".";
	case OP_MATCH: return "=~";
	case OP_NMATCH: return "!~";
	case OP_NEG: return "-";
	case OP_PLUS: return "+";
	case OP_NOT: return "!";
	case OP_BNOT: return "~";
	case OP_ADDR: return "&";
	case OP_ASSIGN: return "=";
	case OP_STATACC: return "<<<";
	case OP_INC: return "++";
	case OP_DEC: return "--";
	case OP_LSHR: return ">>>";
	}
	return "?";
}

const char *statop__name(enum statop so)
{
	switch (so) {
	case SO_COUNT: return "count";
	case SO_SUM: return "sum";
	case SO_MIN: return "min";
	case SO_MAX: return "max";
	case SO_AVG: return "avg";
	case SO_VARIANCE: return "variance";
	case SO_HIST_LOG: return "hist_log";
	case SO_HIST_LINEAR: return "hist_linear";
	}
	return "?";
}

struct expr *expr__new(struct session *s, enum expr_kind kind,
		       const struct loc *loc)
{
	struct expr *e = arena__alloc(&s->arena, sizeof(*e));

	e->kind = kind;
	if (loc)
		e->loc = *loc;
	return e;
}

struct stmt *stmt__new(struct session *s, enum stmt_kind kind,
		       const struct loc *loc)
{
	struct stmt *st = arena__alloc(&s->arena, sizeof(*st));

	st->kind = kind;
	if (loc)
		st->loc = *loc;
	return st;
}

/* Canonical text of a probe point, in the arena:
 *   comp ('.' comp)* ['?'] ['!'] [' if (' expr ')']
 *   comp = name ['(' number-or-string ')'] */
char *probe_point__str(struct session *s, const struct probe_point *pp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char *res;

	if (!f) {
		fprintf(stderr, "bstap: out of memory\n");
		exit(1);
	}
	probe_point__print(f, pp);
	fclose(f);
	res = arena__strndup(&s->arena, buf, len);
	free(buf);
	return res;
}

/* ---- small constructors for the parser and later passes ---- */

struct expr *expr__num(struct session *s, int64_t v, const struct loc *loc)
{
	struct expr *e = expr__new(s, EX_NUM, loc);

	e->num = v;
	return e;
}

struct expr *expr__str(struct session *s, const char *str,
		       const struct loc *loc)
{
	struct expr *e = expr__new(s, EX_STR, loc);

	e->str = str;
	return e;
}

struct expr *expr__sym(struct session *s, const char *name,
		       const struct loc *loc)
{
	struct expr *e = expr__new(s, EX_SYM, loc);

	e->str = name;
	return e;
}

struct expr *expr__unary(struct session *s, enum op op, struct expr *a,
			 const struct loc *loc)
{
	struct expr *e = expr__new(s, EX_UNARY, loc);

	e->op = op;
	e->a = a;
	return e;
}

/* The expression kind that carries a binary operator. */
static enum expr_kind binary_kind(enum op op)
{
	switch (op) {
	case OP_LAND:
	case OP_LOR:
		return EX_LOGICAL;
	case OP_LT: case OP_LE: case OP_GT: case OP_GE:
	case OP_EQ: case OP_NE:
		return EX_COMPARE;
	case OP_MATCH:
	case OP_NMATCH:
		return EX_REGEX;
	default:
		return EX_BINARY;
	}
}

struct expr *expr__binary(struct session *s, enum op op, struct expr *a,
			  struct expr *b, const struct loc *loc)
{
	struct expr *e = expr__new(s, binary_kind(op), loc);

	e->op = op;
	e->a = a;
	e->b = b;
	return e;
}

struct expr *expr__ternary(struct session *s, struct expr *cond,
			   struct expr *a, struct expr *b,
			   const struct loc *loc)
{
	struct expr *e = expr__new(s, EX_TERNARY, loc);

	e->a = cond;
	e->b = a;
	e->c = b;
	return e;
}

struct expr *expr__assign(struct session *s, enum op op, struct expr *lhs,
			  struct expr *rhs, const struct loc *loc)
{
	struct expr *e = expr__new(s, EX_ASSIGN, loc);

	e->op = op;
	e->a = lhs;
	e->b = rhs;
	return e;
}

struct expr *expr__incdec(struct session *s, enum op op, struct expr *a,
			  bool postfix, const struct loc *loc)
{
	struct expr *e = expr__new(s, EX_INCDEC, loc);

	e->op = op;
	e->a = a;
	e->postfix = postfix;
	return e;
}

struct expr *expr__call(struct session *s, const char *name,
			const struct loc *loc)
{
	struct expr *e = expr__new(s, EX_CALL, loc);

	e->str = name;
	return e;
}

struct stmt *stmt__expr(struct session *s, struct expr *e,
			const struct loc *loc)
{
	struct stmt *st = stmt__new(s, ST_EXPR, loc ? loc : &e->loc);

	st->e = e;
	return st;
}

struct stmt *stmt__block(struct session *s, const struct loc *loc)
{
	return stmt__new(s, ST_BLOCK, loc);
}
