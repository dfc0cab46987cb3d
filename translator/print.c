/* print.c - the -p1 printer: a parsed file back to a canonical script.
 *
 * The output re-parses to the same tree, so printing it again gives the
 * same text.  To make that hold whatever the precedence rules, every
 * nested operator expression is parenthesized; only the top of an
 * expression statement, a condition or a list element is left bare.
 * Simple statements end with ';' so that a following statement that
 * starts with '-', '(', '[' or '++' can never be glued onto them.
 *
 * print__expr and print__stmt work on any tree, also after pass 2.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "passes.h"

/* Single-threaded output: skip stdio's per-call locking. */
#define out_c(f, c)		putc_unlocked((c), (f))
#define out_s(f, s)		fputs_unlocked((s), (f))
#define out_n(f, s, n)		fwrite_unlocked((s), 1, (n), (f))

static void print_stmt_here(FILE *f, const struct stmt *st, int indent);

static void out_indent(FILE *f, int indent)
{
	while (indent-- > 0)
		out_c(f, '\t');
}

static void out_num(FILE *f, int64_t v)
{
	char buf[24];
	char *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	out_s(f, p);
}

/* string = '"' (char | '\n' | '\t' | '\"' | '\\' | '\' ooo)* '"' */
void print__string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;

	out_c(f, '"');
	for (; *p; p++) {
		unsigned c = *p;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			continue;
		out_n(f, run, (size_t)(p - run));
		run = p + 1;
		out_c(f, '\\');
		switch (c) {
		case '\n': out_c(f, 'n'); break;
		case '\t': out_c(f, 't'); break;
		case '"': out_c(f, '"'); break;
		case '\\': out_c(f, '\\'); break;
		default:
			out_c(f, (char)('0' + (c >> 6)));
			out_c(f, (char)('0' + ((c >> 3) & 7)));
			out_c(f, (char)('0' + (c & 7)));
		}
	}
	out_n(f, run, (size_t)(p - run));
	out_c(f, '"');
}

/* ---- expressions ------------------------------------------------------ */

/* Operator expressions are compound: they get parentheses when nested. */
static bool is_compound(const struct expr *e)
{
	switch (e->kind) {
	case EX_UNARY:
	case EX_BINARY:
	case EX_LOGICAL:
	case EX_COMPARE:
	case EX_REGEX:
	case EX_TERNARY:
	case EX_ASSIGN:
	case EX_INCDEC:
	case EX_IN:
		return true;
	default:
		return false;
	}
}

/* Prefix and postfix operators bind tighter than any binary one. */
static bool is_unary(const struct expr *e)
{
	return e->kind == EX_UNARY || e->kind == EX_INCDEC;
}

/* operand = primary | unary | '(' expr ')' */
static void print_sub(FILE *f, const struct expr *e)
{
	if (is_compound(e) && !is_unary(e)) {
		out_c(f, '(');
		print__expr(f, e);
		out_c(f, ')');
	} else {
		print__expr(f, e);
	}
}

/* list = expr (', ' expr)* */
static void print_list(FILE *f, const struct vec *v)
{
	vec_foreach(i, v) {
		if (i)
			out_s(f, ", ");
		print__expr(f, vec_at(v, i));
	}
}

/* suffixes = ('->' name | '[' expr ']')* '$'* */
static void print_chain(FILE *f, const struct expr *e)
{
	vec_foreach(i, &e->chain) {
		const struct chain *c = vec_at(&e->chain, i);

		if (c->kind == CH_MEMBER) {
			out_s(f, "->");
			out_s(f, c->name);
		} else {
			out_c(f, '[');
			print__expr(f, c->index);
			out_c(f, ']');
		}
	}
	for (int i = 0; i < e->deref_pretty; i++)
		out_c(f, '$');
}

/* unary = ('-' | '+' | '!' | '~' | '&') (primary | '(' expr ')')
 * A literal under '-' or '+' keeps its parentheses, "-(5)", so that it
 * stays apart from the negative literal "-5"; a nested unary gets them
 * too, so that "- -x" can never become "--x". */
static void print_unary(FILE *f, const struct expr *e)
{
	const struct expr *a = e->a;
	bool paren = is_compound(a);

	if (a->kind == EX_NUM &&
	    (a->num < 0 || e->op == OP_NEG || e->op == OP_PLUS))
		paren = true;
	out_s(f, op__spelling(e->op));
	if (paren)
		out_c(f, '(');
	print__expr(f, a);
	if (paren)
		out_c(f, ')');
}

/* binary = operand ' ' op ' ' operand */
static void print_binary(FILE *f, const struct expr *e)
{
	print_sub(f, e->a);
	out_c(f, ' ');
	out_s(f, op__spelling(e->op));
	out_c(f, ' ');
	print_sub(f, e->b);
}

/* assignment = lvalue ('=' | '<<<' | op '=') expr
 * The right side needs no parentheses: assignment binds loosest and to
 * the right, so it runs to the enclosing ')', ',', ';' or ']'. */
static void print_assign(FILE *f, const struct expr *e)
{
	print_sub(f, e->a);
	out_c(f, ' ');
	out_s(f, op__spelling(e->op));
	if (e->op != OP_ASSIGN && e->op != OP_STATACC)
		out_c(f, '=');
	out_c(f, ' ');
	print__expr(f, e->b);
}

/* '@' name '(' expr (', ' expr)* ')' */
static void print_at_call(FILE *f, const char *name, const struct expr *a,
			  const struct vec *args)
{
	out_c(f, '@');
	out_s(f, name);
	out_c(f, '(');
	if (a)
		print__expr(f, a);
	if (args && args->n) {
		out_s(f, ", ");
		print_list(f, args);
	}
	out_c(f, ')');
}

/* The name of a call, before or after pass 2. */
static const char *call_name(const struct expr *e)
{
	if (e->str)
		return e->str;
	if (e->fn)
		return e->fn->name;
	return "?";
}

/* expr = number | string | name | '$'target suffixes
 *      | name '[' list ']' | name '(' list ')'
 *      | unary | binary | operand '?' operand ':' operand
 *      | assignment | '++' lvalue | lvalue '++' | '[' list '] in' name
 *      | '@count(' expr ')' ... | '@hist_linear(' expr ', ' list ')'
 *      | '@cast(' expr ', ' string [', ' string] ')' suffixes
 *      | '@var(' string [', ' string] ')' suffixes
 *      | '@defined(' expr ')' | '@entry(' expr ')' | '@perf(' string ')'
 *      | '*' | '%{' code '%}' */
void print__expr(FILE *f, const struct expr *e)
{
	if (!e) {
		out_s(f, "<null>");
		return;
	}
	switch (e->kind) {
	case EX_NUM:
		out_num(f, e->num);
		break;
	case EX_STR:
		print__string(f, e->str ? e->str : "");
		break;
	case EX_SYM:
		out_s(f, e->str ? e->str : e->decl ? e->decl->name : "?");
		print_chain(f, e);
		break;
	case EX_TARGET:
		out_s(f, e->str);
		print_chain(f, e);
		break;
	case EX_INDEX:
		print_sub(f, e->a);
		out_c(f, '[');
		print_list(f, &e->args);
		out_c(f, ']');
		print_chain(f, e);
		break;
	case EX_CALL:
		out_s(f, call_name(e));
		out_c(f, '(');
		print_list(f, &e->args);
		out_c(f, ')');
		print_chain(f, e);
		break;
	case EX_UNARY:
		print_unary(f, e);
		break;
	case EX_BINARY:
	case EX_LOGICAL:
	case EX_COMPARE:
	case EX_REGEX:
		print_binary(f, e);
		break;
	case EX_TERNARY:
		print_sub(f, e->a);
		out_s(f, " ? ");
		print_sub(f, e->b);
		out_s(f, " : ");
		print_sub(f, e->c);
		break;
	case EX_ASSIGN:
		print_assign(f, e);
		break;
	case EX_INCDEC:
		if (!e->postfix)
			out_s(f, op__spelling(e->op));
		print_sub(f, e->a);
		if (e->postfix)
			out_s(f, op__spelling(e->op));
		break;
	case EX_IN:
		out_c(f, '[');
		print_list(f, &e->args);
		out_s(f, "] in ");
		print_sub(f, e->a);
		break;
	case EX_STATOP:
	case EX_HIST:
		print_at_call(f, statop__name(e->statop), e->a, &e->args);
		break;
	case EX_CAST:
		if (e->autocast) {
			/* stap's spelling of an autocast: "(s)->name" */
			out_c(f, '(');
			print__expr(f, e->a);
			out_c(f, ')');
			print_chain(f, e);
			break;
		}
		out_s(f, "@cast(");
		print__expr(f, e->a);
		out_s(f, ", ");
		print__string(f, e->str);
		if (e->module) {
			out_s(f, ", ");
			print__string(f, e->module);
		}
		out_c(f, ')');
		print_chain(f, e);
		break;
	case EX_VARAT:
		out_s(f, "@var(");
		print__string(f, e->str);
		if (e->module) {
			out_s(f, ", ");
			print__string(f, e->module);
		}
		out_c(f, ')');
		print_chain(f, e);
		break;
	case EX_DEFINED:
		print_at_call(f, "defined", e->a, NULL);
		break;
	case EX_ENTRY:
		print_at_call(f, "entry", e->a, NULL);
		break;
	case EX_PERF:
		out_s(f, "@perf(");
		print__string(f, e->str);
		out_c(f, ')');
		break;
	case EX_WILD:
		out_c(f, '*');
		break;
	case EX_EMBEDDED:
		out_s(f, "%{");
		out_s(f, e->str);
		out_s(f, "%}");
		break;
	}
}

/* ---- statements ------------------------------------------------------- */

/* Does st end with an 'if' that has no 'else'?  An 'else' printed after
 * it would bind to that inner 'if'. */
static bool ends_open_if(const struct stmt *st)
{
	switch (st->kind) {
	case ST_IF:
		return st->els ? ends_open_if(st->els) : true;
	case ST_WHILE:
	case ST_FOR:
	case ST_FOREACH:
		return st->then && ends_open_if(st->then);
	default:
		return false;
	}
}

/* block = '{' NL (stmt NL)* indent '}'   (no newline after '}') */
static void print_block(FILE *f, const struct stmt *st, int indent)
{
	out_s(f, "{\n");
	if (st->kind == ST_BLOCK) {
		vec_foreach(i, &st->body)
			print__stmt(f, vec_at(&st->body, i), indent + 1);
	} else {
		print__stmt(f, st, indent + 1);
	}
	out_indent(f, indent);
	out_c(f, '}');
}

/* The statement controlled by if/else/while/for/foreach, after its
 * header: ' ' block, or NL and the statement one level deeper.  Returns
 * true when it ended with '}' and no newline yet. */
static bool print_branch(FILE *f, const struct stmt *st, int indent,
			 bool force_braces)
{
	if (!st) {
		out_s(f, " {\n");
		out_indent(f, indent);
		out_c(f, '}');
		return true;
	}
	if (st->kind == ST_BLOCK || force_braces) {
		out_c(f, ' ');
		print_block(f, st, indent);
		return true;
	}
	out_c(f, '\n');
	print__stmt(f, st, indent + 1);
	return false;
}

/* if = 'if (' expr ')' branch ['else' (if | branch)] */
static void print_if(FILE *f, const struct stmt *st, int indent)
{
	bool brace;

	out_s(f, "if (");
	print__expr(f, st->e);
	out_c(f, ')');
	brace = print_branch(f, st->then, indent,
			     st->els && st->then && ends_open_if(st->then));
	if (!st->els) {
		if (brace)
			out_c(f, '\n');
		return;
	}
	if (brace) {
		out_s(f, " else");
	} else {
		out_indent(f, indent);
		out_s(f, "else");
	}
	if (st->els->kind == ST_IF) {
		out_c(f, ' ');
		print_if(f, st->els, indent);
		return;
	}
	if (print_branch(f, st->els, indent, false))
		out_c(f, '\n');
}

/* a foreach key or value: name ['+' | '-'] */
static void print_sorted(FILE *f, const struct expr *e, bool marked,
			 int dir)
{
	print__expr(f, e);
	if (marked && dir)
		out_c(f, dir > 0 ? '+' : '-');
}

/* foreach = 'foreach (' [value ['+'|'-'] ' = '] keys ' in ' array
 *           [' @' agg] ['+'|'-'] [' limit ' operand] ')' branch
 * keys = name ['+'|'-'] | '[' name ['+'|'-'] (', ' ...)* ']' */
static void print_foreach(FILE *f, const struct stmt *st, int indent)
{
	bool on_value = st->sort_column == 0;
	bool brackets = st->keys_bracketed || st->keys.n != 1;

	out_s(f, "foreach (");
	if (st->value) {
		print__expr(f, st->value);
		out_s(f, " = ");
	}
	if (brackets)
		out_c(f, '[');
	vec_foreach(i, &st->keys) {
		if (i)
			out_s(f, ", ");
		print_sorted(f, vec_at(&st->keys, i),
			     st->sort_column == i + 1, st->sort_dir);
	}
	if (brackets)
		out_c(f, ']');
	out_s(f, " in ");
	print__expr(f, st->array);
	if (st->has_agg) {
		out_s(f, " @");
		out_s(f, statop__name(st->agg));
	}
	if (on_value && st->sort_dir)
		out_c(f, st->sort_dir > 0 ? '+' : '-');
	if (st->limit) {
		out_s(f, " limit ");
		print_sub(f, st->limit);
	}
	out_c(f, ')');
	if (print_branch(f, st->then, indent, false))
		out_c(f, '\n');
}

/* for = 'for (' [expr] ';' [' ' expr] ';' [' ' expr] ')' branch */
static void print_for(FILE *f, const struct stmt *st, int indent)
{
	out_s(f, "for (");
	if (st->init)
		print__expr(f, st->init);
	out_c(f, ';');
	if (st->e) {
		out_c(f, ' ');
		print__expr(f, st->e);
	}
	out_c(f, ';');
	if (st->step) {
		out_c(f, ' ');
		print__expr(f, st->step);
	}
	out_c(f, ')');
	if (print_branch(f, st->then, indent, false))
		out_c(f, '\n');
}

/* try = 'try ' block ' catch' [' (' name ')'] ' ' block */
static void print_try(FILE *f, const struct stmt *st, int indent)
{
	out_s(f, "try ");
	if (st->then)
		print_block(f, st->then, indent);
	else
		out_s(f, "{\n}");
	out_s(f, " catch ");
	if (st->catch_var) {
		out_c(f, '(');
		print__expr(f, st->catch_var);
		out_s(f, ") ");
	}
	if (st->els)
		print_block(f, st->els, indent);
	else
		out_s(f, "{\n}");
	out_c(f, '\n');
}

/* A statement from the current column to the end of its line(s). */
static void print_stmt_here(FILE *f, const struct stmt *st, int indent)
{
	switch (st->kind) {
	case ST_BLOCK:
		print_block(f, st, indent);
		out_c(f, '\n');
		return;
	case ST_EXPR:
		print__expr(f, st->e);
		break;
	case ST_IF:
		print_if(f, st, indent);
		return;
	case ST_WHILE:
		out_s(f, "while (");
		print__expr(f, st->e);
		out_c(f, ')');
		if (print_branch(f, st->then, indent, false))
			out_c(f, '\n');
		return;
	case ST_FOR:
		print_for(f, st, indent);
		return;
	case ST_FOREACH:
		print_foreach(f, st, indent);
		return;
	case ST_DELETE:
		out_s(f, "delete ");
		print__expr(f, st->e);
		break;
	case ST_NEXT:
		out_s(f, "next");
		break;
	case ST_BREAK:
		out_s(f, "break");
		break;
	case ST_CONTINUE:
		out_s(f, "continue");
		break;
	case ST_RETURN:
		out_s(f, "return");
		if (st->e) {
			out_c(f, ' ');
			print__expr(f, st->e);
		}
		break;
	case ST_TRY:
		print_try(f, st, indent);
		return;
	case ST_EMBEDDED:
		/* ';' too: a following '-x' must not read as "%{ %} - x" */
		out_s(f, "%{");
		out_s(f, st->code);
		out_s(f, "%}");
		break;
	case ST_NULL:
		break;
	}
	/* simple statements end with ';' */
	out_s(f, ";\n");
}

/* stmt = indent (simple ';' | compound) NL */
void print__stmt(FILE *f, const struct stmt *st, int indent)
{
	out_indent(f, indent);
	if (!st) {
		out_s(f, ";\n");
		return;
	}
	print_stmt_here(f, st, indent);
}

/* ---- declarations ----------------------------------------------------- */

/* comp = name ['(' (number | string) ')'] */
static void print_ppcomp(FILE *f, const struct ppcomp *c, const char *name)
{
	out_s(f, name);
	if (!c->arg)
		return;
	out_c(f, '(');
	print__expr(f, c->arg);
	out_c(f, ')');
}

/* point = comp ('.' comp)* ['?'] ['!'] [' if (' expr ')']
 * names[i], when given, replaces the name of component i. */
static void print_point(FILE *f, const struct probe_point *pp,
			const char *const *names)
{
	vec_foreach(i, &pp->comps) {
		const struct ppcomp *c = vec_at(&pp->comps, i);

		if (i)
			out_c(f, '.');
		print_ppcomp(f, c, names ? names[i] : c->name);
	}
	if (pp->optional)
		out_c(f, '?');
	if (pp->sufficient)
		out_c(f, '!');
	if (pp->cond) {
		out_s(f, " if (");
		print__expr(f, pp->cond);
		out_c(f, ')');
	}
}

void probe_point__print(FILE *f, const struct probe_point *pp)
{
	print_point(f, pp, NULL);
}

/* ---- {a,b} groups in probe point names ----
 *
 * stap's -p1 shows a probe point with alternatives as the points it
 * stands for: "timer.{s,ms}(1)" is "timer.s(1), timer.ms(1)", with the
 * leftmost group varying slowest, nested groups flattened in order.
 * A point whose expansion would not read back as the same points (an
 * empty alternative, an unclosed group) or that names more than
 * PP_PRINT_MAX points is printed as written: pass 2 expands it alike. */

#define PP_PRINT_MAX 1024

/* the '}' closing the group that opens at open, or NULL */
static const char *group_close(const char *open)
{
	int depth = 0;

	for (const char *p = open; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p;
	}
	return NULL;
}

/* name = text ['{' name (',' name)* '}' name]
 * Push the expansions of name on out (the first group's alternatives
 * in order, each one expanded further); false when one is empty or
 * malformed, or when there are too many. */
static bool expand_name(struct arena *a, const char *name, struct vec *out)
{
	const char *open = strchr(name, '{'), *close, *alt;
	int depth = 0;

	if (!open) {
		if (!*name || strchr(name, '}') || out->n >= PP_PRINT_MAX)
			return false;
		vec__push(a, out, (void *)name);
		return true;
	}
	close = group_close(open);
	if (!close)
		return false;
	alt = open + 1;
	for (const char *p = alt; p <= close; p++) {
		if (*p == '{') {
			depth++;
		} else if (*p == '}' && p != close) {
			depth--;
		} else if ((*p == ',' && !depth) || p == close) {
			char *n = arena__printf(a, "%.*s%.*s%s",
						(int)(open - name), name,
						(int)(p - alt), alt, close + 1);

			if (p == alt || !expand_name(a, n, out))
				return false;
			alt = p + 1;
		}
	}
	return true;
}

/* The alternatives of every component name of pp into alts[] (each a
 * vec of names); false when pp is to be printed as written. */
static bool expand_point(struct arena *a, const struct probe_point *pp,
			 struct vec *alts)
{
	long total = 1;
	bool any = false;

	vec_foreach(i, &pp->comps) {
		const struct ppcomp *c = vec_at(&pp->comps, i);

		any |= strchr(c->name, '{') != NULL;
		if (!expand_name(a, c->name, &alts[i]))
			return false;
		total *= alts[i].n;
		if (total > PP_PRINT_MAX)
			return false;
	}
	return any;
}

/* points = point (', ' point)*, a point with {a,b} groups standing for
 * all of its alternatives */
static void print_points_expanded(FILE *f, struct session *s,
				  const struct probe_point *pp, bool first)
{
	int n = pp->comps.n;
	struct vec *alts;
	const char **names;
	int *idx;

	if (!s || !n) {
		if (!first)
			out_s(f, ", ");
		print_point(f, pp, NULL);
		return;
	}
	alts = arena__alloc(&s->arena, sizeof(*alts) * (size_t)n);
	if (!expand_point(&s->arena, pp, alts)) {
		if (!first)
			out_s(f, ", ");
		print_point(f, pp, NULL);
		return;
	}
	names = arena__alloc(&s->arena, sizeof(*names) * (size_t)n);
	idx = arena__alloc(&s->arena, sizeof(*idx) * (size_t)n);
	for (;;) {
		int i;

		for (i = 0; i < n; i++)
			names[i] = vec_at(&alts[i], idx[i]);
		if (!first)
			out_s(f, ", ");
		first = false;
		print_point(f, pp, names);
		/* the next combination: the last component fastest */
		for (i = n - 1; i >= 0 && ++idx[i] == alts[i].n; i--)
			idx[i] = 0;
		if (i < 0)
			break;
	}
}

/* points = point (', ' point)* */
static void print_points(FILE *f, struct session *s,
			 const struct vec *points)
{
	vec_foreach(i, points)
		print_points_expanded(f, s, vec_at(points, i), i == 0);
}

/* probe = ['private '] 'probe ' points ' ' block
 * alias = 'probe ' points (' = ' | ' += ') points ' ' block */
static void print_probe(FILE *f, struct session *s, const struct probe *p)
{
	if (p->is_private)
		out_s(f, "private ");
	out_s(f, "probe ");
	if (p->is_alias) {
		print_points(f, s, &p->alias_names);
		out_s(f, p->epilogue ? " += " : " = ");
	}
	print_points(f, s, &p->points);
	out_c(f, ' ');
	if (p->body)
		print_block(f, p->body, 0);
	else
		out_s(f, "{\n}");
	out_c(f, '\n');
}

/* param = name [':' type] */
static void print_param(FILE *f, const struct vardecl *v)
{
	out_s(f, v->name);
	if (v->type != TY_UNKNOWN) {
		out_c(f, ':');
		out_s(f, type__name(v->type));
	}
}

/* function = ['private '] 'function ' name [':' type]
 *            '(' [param (', ' param)*] ') ' (block | '%{' code '%}') */
static void print_function(FILE *f, const struct funcdecl *fn)
{
	if (fn->is_private)
		out_s(f, "private ");
	out_s(f, "function ");
	out_s(f, fn->name);
	if (fn->ret_declared) {
		out_c(f, ':');
		out_s(f, type__name(fn->ret));
	}
	out_c(f, '(');
	vec_foreach(i, &fn->params) {
		if (i)
			out_s(f, ", ");
		print_param(f, vec_at(&fn->params, i));
	}
	out_s(f, ") ");
	if (fn->embedded) {
		out_s(f, "%{");
		out_s(f, fn->embedded);
		out_s(f, "%}");
	} else if (fn->body) {
		print_block(f, fn->body, 0);
	} else {
		out_s(f, "{\n}");
	}
	out_c(f, '\n');
}

/* global = ['private '] 'global ' name ['%'] ['[' number ']']
 *          [' = ' literal] */
static void print_global(FILE *f, const struct vardecl *v)
{
	if (v->is_private)
		out_s(f, "private ");
	out_s(f, "global ");
	out_s(f, v->name);
	if (v->wrap)
		out_c(f, '%');
	if (v->maxsize > 0) {
		out_c(f, '[');
		out_num(f, v->maxsize);
		out_c(f, ']');
	}
	if (v->init) {
		out_s(f, " = ");
		print__expr(f, v->init);
	}
	out_c(f, '\n');
}

/* file = (probe | alias | function | global | '%{' code '%}')*
 * in source order */
void print__file(struct session *s, FILE *f, const struct stpfile *file)
{
	if (!file)
		return;
	flockfile(f);
	vec_foreach(i, &file->order) {
		const struct decl_ref *d = vec_at(&file->order, i);

		switch (d->kind) {
		case DK_PROBE:
		case DK_ALIAS:
			print_probe(f, s, d->ptr);
			break;
		case DK_FUNCTION:
			print_function(f, d->ptr);
			break;
		case DK_GLOBAL:
			print_global(f, d->ptr);
			break;
		case DK_EMBED:
			out_s(f, "%{");
			out_s(f, (const char *)d->ptr);
			out_s(f, "%}\n");
			break;
		}
	}
	funlockfile(f);
}
