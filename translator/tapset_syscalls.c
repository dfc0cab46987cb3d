/* tapset_syscalls.c - the syscall.* and nd_syscall.* probe aliases,
 * written as tapset text from the kernel's syscall tracepoints.
 *
 * For every tracefs event syscalls:sys_enter_NAME (and sys_exit_NAME):
 *
 *   probe syscall.NAME = kernel.trace("syscalls:sys_enter_NAME") {
 *           name = "NAME"
 *           ARG = $ARG                       (each argument field)
 *           argstr = sprintf("%d, 0x%x, ...", $ARG, ...)
 *   }
 *   probe syscall.NAME.return = kernel.trace("syscalls:sys_exit_NAME") {
 *           name = "NAME"
 *           retval = $ret
 *           retstr = return_str(1, retval)
 *   }
 *
 * and the same as nd_syscall.*.  The arguments keep the tracepoint's
 * names (stap's own tapsets rename a few: buf_uaddr for buf...);
 * addresses print in hex in argstr, the rest in decimal (strings behind
 * addresses are not read: a user_string() there can fault).  Variables
 * a probe does not use are elided, so a wide syscall.* costs only what
 * its body reads.  The text is built only when the script names such a
 * probe (syscalls__wanted), from format files the kernel provides, and
 * parsed as one more tapset file.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elab.h"

/* Does the script probe syscall.* or nd_syscall.* (or could a
 * wildcard first component match them)? */
bool syscalls__wanted(const struct stpfile *f)
{
	if (!f)
		return false;
	vec_foreach(i, &f->probes) {
		const struct probe *p = vec_at(&f->probes, i);

		vec_foreach(k, &p->points) {
			const struct probe_point *pt = vec_at(&p->points, k);
			const struct ppcomp *c = pp__comp(pt, 0);

			if (c && c->name &&
			    (!fnmatch(c->name, "syscall", 0) ||
			     !fnmatch(c->name, "nd_syscall", 0) ||
			     strchr(c->name, '{')))
				return true;
		}
	}
	return false;
}

static bool keyword(const char *n)
{
	static const char *const kw[] = {
		"if", "else", "for", "foreach", "in", "limit", "return",
		"delete", "while", "break", "continue", "next", "function",
		"probe", "global", "private", "try", "catch", "string", "long",
		"name", "argstr", "retval", "retstr", NULL,
	};

	for (int i = 0; kw[i]; i++)
		if (!strcmp(n, kw[i]))
			return true;
	return false;
}

/* The arguments of one syscall: its fields but __syscall_nr. */
static void entry_alias(FILE *b, const char *kind, const char *sc,
			const struct prov_trace_data *d)
{
	char fmt[256] = "", args[512] = "";
	size_t fn = 0, an = 0;

	fprintf(b, "probe %s.%s = kernel.trace(\"syscalls:sys_enter_%s\")"
		"\n{\n\tname = \"%s\"\n", kind, sc, sc, sc);
	for (int i = 0; i < d->nfields; i++) {
		const struct ctx_field *f = &d->fields[i];

		if (f->name[0] == '_' || f->kind != CF_NUM)
			continue;
		if (!keyword(f->name))
			fprintf(b, "\t%s = $%s\n", f->name, f->name);
		if (fn + 8 < sizeof(fmt) && an + strlen(f->name) + 4 <
		    sizeof(args)) {
			fn += (size_t)snprintf(fmt + fn, sizeof(fmt) - fn,
					       "%s%s", fn ? ", " : "",
					       f->is_ptr ? "0x%x" : "%d");
			an += (size_t)snprintf(args + an, sizeof(args) - an,
					       ", $%s", f->name);
		}
	}
	fprintf(b, "\targstr = sprintf(\"%s\"%s)\n}\n", fmt, args);
}

static void return_alias(FILE *b, const char *kind, const char *sc)
{
	fprintf(b, "probe %s.%s.return = kernel.trace(\"syscalls:"
		       "sys_exit_%s\")\n{\n\tname = \"%s\"\n\tretval = $ret\n"
		"\tretstr = return_str(1, retval)\n}\n", kind, sc, sc, sc);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *syscalls__tapset(struct session *s)
{
	const char *root = trace__root(s);
	struct vec names = { 0 };
	char *dir, *buf = NULL, *out;
	size_t len = 0;
	DIR *dd;
	FILE *b;
	struct dirent *de;

	if (!root)
		return NULL;
	dir = arena__printf(&s->arena, "%s/events/syscalls", root);
	dd = opendir(dir);
	if (!dd)
		return NULL;
	while ((de = readdir(dd)))
		if (!strncmp(de->d_name, "sys_enter_", 10))
			vec__push(&s->arena, &names,
				  arena__strdup(&s->arena, de->d_name + 10));
	closedir(dd);
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(void *), cmp_str);
	b = open_memstream(&buf, &len);
	if (!b)
		return NULL;
	fprintf(b, "// syscall.* and nd_syscall.*: generated from %s "
		"(translator/tapset_syscalls.c)\n", dir);
	vec_foreach(i, &names) {
		const char *sc = vec_at(&names, i);
		struct prov_trace_data d = { 0 };
		char *exitf;

		d.group = "syscalls";
		d.event = arena__printf(&s->arena, "sys_enter_%s", sc);
		if (trace__read_format(s, &d))
			continue;
		entry_alias(b, "syscall", sc, &d);
		entry_alias(b, "nd_syscall", sc, &d);
		exitf = arena__printf(&s->arena, "%s/sys_exit_%s/format", dir,
				      sc);
		if (access(exitf, R_OK))
			continue;
		return_alias(b, "syscall", sc);
		return_alias(b, "nd_syscall", sc);
	}
	fclose(b);
	out = buf ? arena__strdup(&s->arena, buf) : NULL;
	free(buf);
	return out;
}
