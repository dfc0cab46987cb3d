/* prov_trace.c - kernel.trace("GROUP:EVENT") tracepoints, from tracefs.
 *
 * The point's string names tracepoints: "sched:sched_switch", "sched:*",
 * or an event alone ("sched_switch": any group), with fnmatch wildcards
 * in either part.  expand() lists tracefs's events directory, resolve()
 * reads the event's format file: its id (perf_event_open's config) and
 * its fields, the probe's context variables: $name is a number for an
 * integer field, a string for a char array or a __data_loc char[]
 * field.  The common_* fields are not variables (stap hides them too);
 * fields of other shapes (arrays of numbers, structs) are not offered.
 * The BPF program is a BPF_PROG_TYPE_TRACEPOINT one, whose context is
 * that record (bpfgen/isel.c, IR_CTX).
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elab.h"

const char *trace__root(struct session *s)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing", NULL,
	};
	struct stat st;

	if (s->tracefs)
		return *s->tracefs ? s->tracefs : NULL;
	for (int i = 0; roots[i]; i++) {
		char *ev = arena__printf(&s->arena, "%s/events", roots[i]);

		if (!stat(ev, &st) && S_ISDIR(st.st_mode)) {
			s->tracefs = roots[i];
			return s->tracefs;
		}
	}
	/* as root on a machine that mounted no tracefs: mount it where
	 * the kernel offers it (it stays mounted, as perf does) */
	if (!mount("nodev", roots[0], "tracefs", 0, NULL)) {
		s->tracefs = roots[0];
		return s->tracefs;
	}
	s->tracefs = "";
	return NULL;
}

/* ---- the format file ---- */

/* "field:char prev_comm[16];" -> the name and, for arrays, [N] */
static bool field_decl(const char *decl, size_t len, char *name,
		       size_t namesz, bool *array)
{
	size_t end = len, start;

	while (end > 0 && (decl[end - 1] == ' ' || decl[end - 1] == ';'))
		end--;
	*array = end > 0 && decl[end - 1] == ']';
	if (*array) {
		while (end > 0 && decl[end - 1] != '[')
			end--;
		if (end == 0)
			return false;
		end--;
	}
	start = end;
	while (start > 0 && (decl[start - 1] == '_' ||
			     (decl[start - 1] >= 'a' && decl[start - 1] <= 'z') ||
			     (decl[start - 1] >= 'A' && decl[start - 1] <= 'Z') ||
			     (decl[start - 1] >= '0' && decl[start - 1] <= '9')))
		start--;
	if (start == end || end - start >= namesz)
		return false;
	memcpy(name, decl + start, end - start);
	name[end - start] = 0;
	return true;
}

/* A syscall tracepoint stores every argument in 8 bytes: an int
 * argument is the low 4 (sign-extended), an unsigned int or a mode the
 * low 4 or 2, as the declared type says. */
static void value_size(const char *decl, struct ctx_field *f)
{
	static const struct {
		const char *type;
		int size;
		bool is_signed;
	} t[] = {
		{ "int ", 4, true }, { "pid_t ", 4, true },
		{ "clockid_t ", 4, true }, { "key_serial_t ", 4, true },
		{ "mqd_t ", 4, true }, { "timer_t ", 4, true },
		{ "unsigned int ", 4, false }, { "u32 ", 4, false },
		{ "uid_t ", 4, false }, { "gid_t ", 4, false },
		{ "qid_t ", 4, false }, { "rwf_t ", 4, false },
		{ "umode_t ", 2, false }, { "unsigned short ", 2, false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strncmp(decl, t[i].type, strlen(t[i].type))) {
			f->vsize = t[i].size;
			f->is_signed = t[i].is_signed;
			return;
		}
}

/* One "\tfield:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" line. */
static bool parse_field(struct session *s, const char *line,
			struct ctx_field *f)
{
	const char *d = strstr(line, "field:"), *semi, *o, *z, *g;
	char name[128];
	bool array;
	size_t dlen;

	if (!d)
		return false;
	d += 6;
	semi = strchr(d, ';');
	o = strstr(line, "offset:");
	z = strstr(line, "size:");
	g = strstr(line, "signed:");
	if (!semi || !o || !z || !g)
		return false;
	dlen = (size_t)(semi - d);
	if (!field_decl(d, dlen, name, sizeof(name), &array) ||
	    !strncmp(name, "common_", 7))
		return false;
	f->name = arena__strdup(&s->arena, name);
	f->off = atoi(o + 7);
	f->size = atoi(z + 5);
	f->is_signed = atoi(g + 7) != 0;
	f->is_ptr = memchr(d, '*', dlen) != NULL;
	if (!strncmp(d, "__data_loc ", 11)) {
		if (!strstr(d, "char") || f->size != 4)
			return false;
		f->kind = CF_DATALOC;
		return true;
	}
	if (array) {
		if (strncmp(d, "char ", 5) && strncmp(d, "const char ", 11) &&
		    strncmp(d, "unsigned char ", 14))
			return false;
		f->kind = CF_STR;
		return f->size > 0;
	}
	f->kind = CF_NUM;
	if (f->size == 8 && !f->is_ptr)
		value_size(d, f);
	return f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8;
}

/* events/GROUP/EVENT/format: id and fields, or -errno */
static int read_format(struct session *s, const char *root,
		       struct prov_trace_data *d)
{
	char *path = arena__printf(&s->arena, "%s/events/%s/%s/format", root,
				   d->group, d->event);
	FILE *f = fopen(path, "r");
	char line[512];
	struct vec fields = { 0 };

	if (!f)
		return -errno;
	d->id = -1;
	while (fgets(line, sizeof(line), f)) {
		struct ctx_field *fl;

		if (!strncmp(line, "ID:", 3)) {
			d->id = strtoll(line + 3, NULL, 10);
			continue;
		}
		fl = arena__alloc(&s->arena, sizeof(*fl));
		memset(fl, 0, sizeof(*fl));
		if (parse_field(s, line, fl))
			vec__push(&s->arena, &fields, fl);
	}
	fclose(f);
	if (d->id < 0)
		return -EINVAL;
	d->nfields = fields.n;
	d->fields = arena__alloc(&s->arena, sizeof(*d->fields) *
				 (fields.n + 1));
	vec_foreach(i, &fields)
		d->fields[i] = *(struct ctx_field *)vec_at(&fields, i);
	return 0;
}

int trace__read_format(struct session *s, struct prov_trace_data *d)
{
	const char *root = trace__root(s);

	return root ? read_format(s, root, d) : -ENOENT;
}

/* ---- points ---- */

/* "group:event" or "event" -> its parts (group "*" when absent) */
static void split_name(struct session *s, const char *str,
		       const char **group, const char **event)
{
	const char *c = strchr(str, ':');

	if (!c) {
		*group = "*";
		*event = str;
		return;
	}
	*group = arena__strndup(&s->arena, str, (size_t)(c - str));
	*event = c + 1;
}

static const char *point_string(const struct probe_point *pt)
{
	const struct ppcomp *c = pp__comp(pt, 1);

	if (!pp__is(pt, 0, "kernel") || pt->comps.n != 2 ||
	    !pp__is(pt, 1, "trace") || !c->arg || c->arg->kind != EX_STR)
		return NULL;
	return c->arg->str;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every "group:event" of tracefs matching the patterns, sorted. */
static int list_events(struct session *s, const char *gpat,
		       const char *epat, struct vec *out)
{
	const char *root = trace__root(s);
	char *evdir;
	DIR *gd;
	struct dirent *g;

	if (!root)
		return -ENOENT;
	evdir = arena__printf(&s->arena, "%s/events", root);
	gd = opendir(evdir);
	if (!gd)
		return -errno;
	while ((g = readdir(gd))) {
		char *gpath;
		DIR *ed;
		struct dirent *ev;

		if (g->d_name[0] == '.' || fnmatch(gpat, g->d_name, 0))
			continue;
		gpath = arena__printf(&s->arena, "%s/%s", evdir, g->d_name);
		ed = opendir(gpath);
		if (!ed)
			continue;
		while ((ev = readdir(ed))) {
			char *fmt;

			if (ev->d_name[0] == '.' ||
			    fnmatch(epat, ev->d_name, 0))
				continue;
			fmt = arena__printf(&s->arena, "%s/%s/format", gpath,
					    ev->d_name);
			if (access(fmt, R_OK))
				continue;
			vec__push(&s->arena, out,
				  arena__printf(&s->arena, "%s:%s", g->d_name,
						ev->d_name));
		}
		closedir(ed);
	}
	closedir(gd);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(void *), cmp_str);
	return 0;
}

/* A copy of pt naming one tracepoint. */
static struct probe_point *point_for(struct session *s,
				     const struct probe_point *pt,
				     const char *name)
{
	struct probe_point *np = arena__alloc(&s->arena, sizeof(*np));
	struct ppcomp *c = arena__alloc(&s->arena, sizeof(*c));
	struct expr *arg = arena__alloc(&s->arena, sizeof(*arg));
	const struct ppcomp *old = pp__comp(pt, 1);

	*np = *pt;
	memset(&np->comps, 0, sizeof(np->comps));
	vec__push(&s->arena, &np->comps, vec_at(&pt->comps, 0));
	*c = *old;
	*arg = *old->arg;
	arg->str = name;
	c->arg = arg;
	vec__push(&s->arena, &np->comps, c);
	return np;
}

/* kernel.trace("pattern") -> one point per matching tracepoint */
static int trace_expand(struct session *s, const struct probe_point *pt,
			struct vec *out)
{
	const char *str = point_string(pt), *gpat, *epat;
	struct vec names = { 0 };
	int err;

	if (!str) {
		vec__push(&s->arena, out, (void *)pt);
		return 1;
	}
	split_name(s, str, &gpat, &epat);
	err = list_events(s, gpat, epat, &names);
	if (err == -ENOENT || (!err && !names.n && !pt->optional)) {
		diag__error(s, &pp__comp(pt, 1)->loc, "semantic error",
			    err == -ENOENT ? "no tracefs: cannot find the "
			    "kernel's tracepoints (mount -t tracefs nodev "
			    "/sys/kernel/tracing)" :
			    "no tracepoint matches \"%s\"", str);
		return -ENOENT;
	}
	if (err) {
		diag__error(s, &pp__comp(pt, 1)->loc, "semantic error",
			    "cannot list the tracepoints: %s", strerror(-err));
		return err;
	}
	vec_foreach(i, &names)
		vec__push(&s->arena, out,
			  point_for(s, pt, vec_at(&names, i)));
	return names.n;
}

static int trace_resolve(struct session *s, struct derived_probe *dp)
{
	const char *str = point_string(dp->point), *root;
	struct prov_trace_data *d;
	int err;

	if (!str)
		return 0;
	d = arena__alloc(&s->arena, sizeof(*d));
	memset(d, 0, sizeof(*d));
	split_name(s, str, &d->group, &d->event);
	root = trace__root(s);
	if (!root || strpbrk(str, "*?[") || !strcmp(d->group, "*")) {
		diag__error(s, &pp__comp(dp->point, 1)->loc, "semantic error",
			    "no tracepoint \"%s\"", str);
		return -ENOENT;
	}
	err = read_format(s, root, d);
	if (err) {
		diag__error(s, &pp__comp(dp->point, 1)->loc, "semantic error",
			    "cannot read the format of tracepoint \"%s\": %s",
			    str, strerror(-err));
		return err;
	}
	dp->prov_data = d;
	return 1;
}

/* $name: one of the record's fields */
static int trace_target_var(struct session *s, struct derived_probe *dp,
			    struct expr *e)
{
	const struct prov_trace_data *d = dp->prov_data;

	struct ctx_ref *r;

	if (!d || e->kind != EX_TARGET || !e->str || e->str[0] != '$' ||
	    e->chain.n)
		return -EINVAL;
	r = arena__alloc(&s->arena, sizeof(*r));
	memset(r, 0, sizeof(*r));
	if (e->str[1] == '$') {
		/* $$parms, $$vars: every field, pretty; $$locals: none */
		if (strcmp(e->str, "$$parms") && strcmp(e->str, "$$vars") &&
		    strcmp(e->str, "$$locals"))
			return -EINVAL;
		r->pretty = true;
		e->type = TY_STRING;
		e->target = r;
		if (!strcmp(e->str, "$$locals"))
			r->field = NULL, r->pretty = false;
		return 0;
	}
	for (int i = 0; i < d->nfields; i++)
		if (!strcmp(d->fields[i].name, e->str + 1)) {
			r->field = &d->fields[i];
			r->pretty = e->deref_pretty > 0;
			e->type = d->fields[i].kind == CF_NUM && !r->pretty ?
				  TY_LONG : TY_STRING;
			e->target = r;
			return 0;
		}
	return -EINVAL;
}

/* -l / -L: kernel.trace("group:event"), with -L its variables */
static void trace_list(struct session *s, FILE *f, const char *pattern,
		       bool vars)
{
	struct probe_point *pt = list__parse_pattern(s, pattern);
	const char *str = pt ? point_string(pt) : NULL, *gpat, *epat;
	struct vec names = { 0 };

	if (!str && pt && pp__comp(pt, 0) && pp__comp(pt, 1) &&
	    !fnmatch(pp__comp(pt, 0)->name, "kernel", 0) &&
	    !fnmatch(pp__comp(pt, 1)->name, "trace", 0) &&
	    pt->comps.n == 2 && !pp__comp(pt, 1)->arg)
		str = "*";
	if (!str)
		return;
	split_name(s, str, &gpat, &epat);
	if (list_events(s, gpat, epat, &names))
		return;
	vec_foreach(i, &names) {
		const char *n = vec_at(&names, i);
		struct prov_trace_data d = { 0 };

		fprintf(f, "kernel.trace(\"%s\")", n);
		split_name(s, n, &d.group, &d.event);
		if (vars && !read_format(s, trace__root(s), &d))
			for (int k = 0; k < d.nfields; k++)
				fprintf(f, " $%s:%s", d.fields[k].name,
					d.fields[k].kind == CF_NUM ? "long" :
					"string");
		fputc('\n', f);
	}
}

static const char *const trace_points[] = { "kernel.trace(string)", NULL };

const struct provider prov_trace = {
	.name = "kernel.trace",
	.points = trace_points,
	.resolve = trace_resolve,
	.list = trace_list,
	.target_var = trace_target_var,
	.expand = trace_expand,
};
