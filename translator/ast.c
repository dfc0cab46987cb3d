/* ast.c - constructors and names for AST nodes. */
#include "ast.h"
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
