/* print_p2.c - the -p2 output: the elaborated program, in the spirit
 * of stap -p2.  Deterministic (tests compare it with golden files):
 *
 *   # global
 *   count:long
 *   c:long [string, long]
 *   # functions
 *   f:long (a:long)
 *     # locals
 *     x:string
 *   {
 *   ...body (print.c)...
 *   }
 *   # probes
 *   timer.ms(100) /<- written point as the user wrote it ->/  if (cond)
 *     # locals
 *     y:long
 *   {
 *   ...
 *   }
 */
#include <string.h>

#include "elab.h"
#include "passes.h"

static void print_var(FILE *f, const struct vardecl *v)
{
	fprintf(f, "%s:%s", v->name, type__name(v->type));
	if (v->arity > 0) {
		fputs(" [", f);
		for (int i = 0; i < v->arity; i++)
			fprintf(f, "%s%s", i ? ", " : "",
				type__name(v->key_types ? v->key_types[i] :
					   TY_UNKNOWN));
		fputc(']', f);
	}
}

static void print_global(FILE *f, const struct vardecl *v)
{
	print_var(f, v);
	if (v->maxsize)
		fprintf(f, " /* size %lld%s */", (long long)v->maxsize,
			v->wrap ? ", wrapping" : "");
	else if (v->wrap)
		fputs(" /* wrapping */", f);
	if (v->init) {
		fputs(" = ", f);
		print__expr(f, v->init);
	}
	fputc('\n', f);
}

static void print_locals(FILE *f, const struct vec *locals)
{
	if (!locals->n)
		return;
	fputs("  # locals\n", f);
	vec_foreach(i, locals) {
		fputs("  ", f);
		print_var(f, vec_at(locals, i));
		fputc('\n', f);
	}
}

static void print_body(FILE *f, const struct stmt *body)
{
	if (!body) {
		fputs("{\n}\n", f);
		return;
	}
	print__stmt(f, body, 0);
}

static void print_function(FILE *f, const struct funcdecl *fn)
{
	fprintf(f, "%s:%s (", fn->name, type__name(fn->ret));
	vec_foreach(i, &fn->params) {
		if (i)
			fputs(", ", f);
		print_var(f, vec_at(&fn->params, i));
	}
	fputs(")\n", f);
	print_locals(f, &fn->locals);
	if (fn->embedded)
		fprintf(f, "%%{%s%%}\n", fn->embedded);
	else
		print_body(f, fn->body);
}

static void print_probe(struct session *s, FILE *f,
			const struct derived_probe *dp)
{
	fprintf(f, "%s /* <- %s", pp__str(s, dp->point),
		pp__str(s, dp->written));
	/* the first alias is the one the written point named */
	for (int i = 1; i < dp->alias_chain.n; i++) {
		const struct probe *a = vec_at(&dp->alias_chain, i);

		if (a->alias_names.n)
			fprintf(f, " <- %s",
				pp__str(s, vec_at(&a->alias_names, 0)));
	}
	fputs(" */", f);
	if (dp->cond) {
		fputs(" if (", f);
		print__expr(f, dp->cond);
		fputc(')', f);
	}
	fputc('\n', f);
	print_locals(f, &dp->locals);
	print_body(f, dp->body);
}

void print__program(struct session *s, FILE *f, const struct program *p)
{
	if (!p)
		return;
	if (p->globals.n) {
		fputs("# global\n", f);
		vec_foreach(i, &p->globals)
			print_global(f, vec_at(&p->globals, i));
	}
	if (p->functions.n) {
		fputs("# functions\n", f);
		vec_foreach(i, &p->functions)
			print_function(f, vec_at(&p->functions, i));
	}
	fputs("# probes\n", f);
	vec_foreach(i, &p->probes)
		print_probe(s, f, vec_at(&p->probes, i));
}
