/* tapset.c - the tapset library: finding, parsing and indexing the
 * *.stp files, and symbol lookup across the user's script and them.
 *
 * Every tapset file under the tapset directories (-I DIR first, then
 * the default directory; recursively, sorted by name; subdirectories
 * named after another architecture are skipped) is parsed once per run
 * and its non-private functions, globals and probe aliases are indexed
 * by name.  A file joins the program only when something in the program
 * refers to one of its symbols (elab__include_file); then all of its
 * probes and globals come along, as with stap.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elab.h"
#include "passes.h"

/* ---- hash maps ---- */

static uint64_t hash_key(const struct hmap *h, const void *key)
{
	uint64_t x = 14695981039346656037ULL;

	if (!h->strkeys) {
		x = (uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15ULL;
		return x ^ (x >> 29);
	}
	for (const unsigned char *p = key; *p; p++)
		x = (x ^ *p) * 1099511628211ULL;
	return x;
}

static bool key_eq(const struct hmap *h, const void *a, const void *b)
{
	return h->strkeys ? strcmp(a, b) == 0 : a == b;
}

void hmap__init(struct hmap *h, bool strkeys)
{
	memset(h, 0, sizeof(*h));
	h->strkeys = strkeys;
}

static void hmap_grow(struct session *s, struct hmap *h)
{
	struct hmap_ent *old = h->ents;
	int oldcap = h->cap;

	h->cap = oldcap ? oldcap * 2 : 64;
	h->ents = arena__alloc(&s->arena, sizeof(*h->ents) * (size_t)h->cap);
	h->n = 0;
	for (int i = 0; i < oldcap; i++)
		if (old[i].key)
			*hmap__slot(s, h, old[i].key) = old[i].val;
}

void **hmap__slot(struct session *s, struct hmap *h, const void *key)
{
	uint64_t i;

	if ((h->n + 1) * 2 > h->cap)
		hmap_grow(s, h);
	i = hash_key(h, key) & (uint64_t)(h->cap - 1);
	while (h->ents[i].key && !key_eq(h, h->ents[i].key, key))
		i = (i + 1) & (uint64_t)(h->cap - 1);
	if (!h->ents[i].key) {
		h->ents[i].key = key;
		h->n++;
	}
	return &h->ents[i].val;
}

void *hmap__get(const struct hmap *h, const void *key)
{
	uint64_t i;

	if (!h->cap)
		return NULL;
	i = hash_key(h, key) & (uint64_t)(h->cap - 1);
	while (h->ents[i].key) {
		if (key_eq(h, h->ents[i].key, key))
			return h->ents[i].val;
		i = (i + 1) & (uint64_t)(h->cap - 1);
	}
	return NULL;
}

/* ---- finding the files ---- */

static const char *const arch_dirs[] = {
	"x86_64", "i386", "ia64", "arm", "arm64", "aarch64", "powerpc",
	"ppc64", "s390", "mips", "riscv", "sparc", "loongarch64", NULL,
};

static bool foreign_arch(struct session *s, const char *name)
{
	const char *me = s->arch;

	if (strcmp(me, "aarch64") == 0)
		me = "arm64";
	for (int i = 0; arch_dirs[i]; i++) {
		const char *d = strcmp(arch_dirs[i], "aarch64") == 0 ?
				"arm64" : arch_dirs[i];

		if (strcmp(arch_dirs[i], name) == 0)
			return strcmp(d, me) != 0;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_stp_suffix(const char *n)
{
	size_t len = strlen(n);

	return len > 4 && strcmp(n + len - 4, ".stp") == 0;
}

/* Collect DIR's *.stp files (and its subdirectories') into out. */
static void walk_dir(struct session *s, const char *dir, struct vec *out,
		     int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct vec names = { 0 };

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		vec__push(&s->arena, &names,
			  arena__strdup(&s->arena, de->d_name));
	}
	closedir(d);
	if (names.n)
		qsort(names.v, (size_t)names.n, sizeof(void *), cmp_str);
	vec_foreach(i, &names) {
		const char *n = vec_at(&names, i);
		char *path = arena__printf(&s->arena, "%s/%s", dir, n);
		struct stat st;

		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < 8 && !foreign_arch(s, n))
				walk_dir(s, path, out, depth + 1);
		} else if (S_ISREG(st.st_mode) && has_stp_suffix(n)) {
			vec__push(&s->arena, out, path);
		}
	}
}

/* ---- indexing ---- */

static struct libsym *libsym_new(struct session *s, enum sym_kind k,
				 void *ptr, struct stpfile *f)
{
	struct libsym *l = arena__alloc(&s->arena, sizeof(*l));

	l->kind = k;
	l->ptr = ptr;
	l->file = f;
	return l;
}

static int fn_arity(const struct funcdecl *fn)
{
	return fn->params.n;
}

/* Push onto the chain of name in map; diagnose a duplicate function
 * (same arity) or global when both are in the same scope. */
static void index_sym(struct session *s, struct hmap *map,
		      struct libsym *l, const char *name, bool same_file_only)
{
	void **slot = hmap__slot(s, map, name);

	for (struct libsym *o = *slot; o; o = o->next) {
		const struct loc *a, *b;
		const char *what;

		if (same_file_only && o->file != l->file)
			continue;
		if (l->kind == SK_FUNC) {
			if (fn_arity(o->ptr) != fn_arity(l->ptr))
				continue;
			a = &((struct funcdecl *)l->ptr)->loc;
			b = &((struct funcdecl *)o->ptr)->loc;
			what = "function";
		} else {
			a = &((struct vardecl *)l->ptr)->loc;
			b = &((struct vardecl *)o->ptr)->loc;
			what = "global variable";
		}
		diag__error(s, a, "semantic error", "duplicate %s '%s'%s",
			    what, name, l->kind == SK_FUNC ?
			    arena__printf(&s->arena, " with %d parameter%s",
					  fn_arity(l->ptr),
					  fn_arity(l->ptr) == 1 ? "" : "s") : "");
		diag__note(s, b, "'%s' was first defined here", name);
		return;
	}
	l->next = *slot;
	*slot = l;
}

/* Every name of every alias is indexed, even a name defined before: as
 * with stap, a probe on a name defined by several aliases ('=' or '+=',
 * in one file or several) expands each of them. */
static void index_alias(struct session *s, struct vec *aliases,
			struct probe *p, struct stpfile *f)
{
	vec_foreach(i, &p->alias_names) {
		struct libsym *l = libsym_new(s, SK_ALIAS, p, f);

		l->name = vec_at(&p->alias_names, i);
		vec__push(&s->arena, aliases, l);
	}
}

static void index_file(struct session *s, struct library *lib,
		       struct stpfile *f)
{
	vec_foreach(i, &f->functions) {
		struct funcdecl *fn = vec_at(&f->functions, i);

		fn->file = f;
		if (!fn->is_private)
			index_sym(s, &lib->funcs,
				  libsym_new(s, SK_FUNC, fn, f), fn->name,
				  true);
	}
	vec_foreach(i, &f->globals) {
		struct vardecl *v = vec_at(&f->globals, i);

		v->file = f;
		v->is_global = true;
		if (!v->is_private)
			index_sym(s, &lib->globals,
				  libsym_new(s, SK_GLOBAL, v, f), v->name,
				  true);
	}
	vec_foreach(i, &f->aliases) {
		struct probe *p = vec_at(&f->aliases, i);

		p->file = f;
		index_alias(s, &lib->aliases, p, f);
	}
	vec_foreach(i, &f->probes)
		((struct probe *)vec_at(&f->probes, i))->file = f;
}

/* Parse one tapset source into the library and index its symbols. */
static void add_tapset(struct session *s, struct library *lib,
		       struct source *src)
{
	struct stpfile *f;

	src->is_tapset = true;
	f = parse__file(s, src);
	if (!f)
		return;
	f->is_tapset = true;
	vec__push(&s->arena, &lib->files, f);
	index_file(s, lib, f);
}

/* The syscall.* aliases, generated from tracefs (tapset_syscalls.c). */
static void load_syscalls(struct session *s, struct library *lib)
{
	struct source *src;
	char *text = syscalls__tapset(s);

	if (!text)
		return;
	src = arena__alloc(&s->arena, sizeof(*src));
	memset(src, 0, sizeof(*src));
	src->name = "<syscall tapset from tracefs>";
	src->text = text;
	src->len = strlen(text);
	add_tapset(s, lib, src);
}

int library__load(struct session *s, struct library *lib)
{
	struct vec paths = { 0 };
	int errors = s->errors;

	if (lib->loaded)
		return 0;
	lib->loaded = true;
	hmap__init(&lib->funcs, true);
	hmap__init(&lib->globals, true);
	vec_foreach(i, &s->include_dirs)
		walk_dir(s, vec_at(&s->include_dirs, i), &paths, 0);
	if (s->tapset_dir)
		walk_dir(s, s->tapset_dir, &paths, 0);
	vec_foreach(i, &paths) {
		struct source *src = source__read(s, vec_at(&paths, i), true);

		if (src)
			add_tapset(s, lib, src);
	}
	if (s->want_syscalls)
		load_syscalls(s, lib);
	return s->errors > errors ? -EINVAL : 0;
}

/* ---- the user's script ---- */

void elab__index_user(struct elab *e, struct stpfile *user)
{
	struct session *s = e->s;

	hmap__init(&e->user_funcs, true);
	hmap__init(&e->user_globals, true);
	vec_foreach(i, &user->functions) {
		struct funcdecl *fn = vec_at(&user->functions, i);

		fn->file = user;
		index_sym(s, &e->user_funcs, libsym_new(s, SK_FUNC, fn, user),
			  fn->name, false);
	}
	vec_foreach(i, &user->globals) {
		struct vardecl *v = vec_at(&user->globals, i);

		v->file = user;
		v->is_global = true;
		index_sym(s, &e->user_globals,
			  libsym_new(s, SK_GLOBAL, v, user), v->name, false);
	}
	vec_foreach(i, &user->aliases) {
		struct probe *p = vec_at(&user->aliases, i);

		p->file = user;
		index_alias(s, &e->user_aliases, p, user);
	}
	vec_foreach(i, &user->probes)
		((struct probe *)vec_at(&user->probes, i))->file = user;
}

/* ---- lookup ---- */

static struct funcdecl *chain_func(struct libsym *l, int nargs,
				   bool *name_exists)
{
	for (; l; l = l->next) {
		if (fn_arity(l->ptr) == nargs)
			return l->ptr;
		*name_exists = true;
	}
	return NULL;
}

struct funcdecl *elab__find_func(struct elab *e, struct stpfile *from,
				 const char *name, int nargs,
				 const struct loc *use, bool *name_exists,
				 bool lib)
{
	struct session *s = e->s;
	struct libsym *l, *found = NULL;

	if (!lib) {
		if (from && from->is_tapset) {
			vec_foreach(i, &from->functions) {
				struct funcdecl *fn = vec_at(&from->functions, i);

				if (!fn->is_private || strcmp(fn->name, name))
					continue;
				if (fn_arity(fn) == nargs)
					return fn;
				*name_exists = true;
			}
		}
		return chain_func(hmap__get(&e->user_funcs, name), nargs,
				  name_exists);
	}
	for (l = hmap__get(&e->lib.funcs, name); l; l = l->next) {
		if (fn_arity(l->ptr) != nargs) {
			*name_exists = true;
			continue;
		}
		if (found) {
			diag__error(s, use, "semantic error",
				    "function '%s' with %d parameters is "
				    "defined in two tapset files", name, nargs);
			diag__note(s, &((struct funcdecl *)found->ptr)->loc,
				   "one definition is here");
			diag__note(s, &((struct funcdecl *)l->ptr)->loc,
				   "another is here");
			break;
		}
		found = l;
	}
	if (!found)
		return NULL;
	elab__include_file(e, found->file);
	return found->ptr;
}

struct vardecl *elab__find_global(struct elab *e, struct stpfile *from,
				  const char *name)
{
	struct libsym *l;

	if (from && from->is_tapset) {
		vec_foreach(i, &from->globals) {
			struct vardecl *v = vec_at(&from->globals, i);

			if (v->is_private && strcmp(v->name, name) == 0)
				return v;
		}
	}
	l = hmap__get(&e->user_globals, name);
	if (l)
		return l->ptr;
	l = hmap__get(&e->lib.globals, name);
	if (!l)
		return NULL;
	if (l->next) {
		diag__error(e->s, &((struct vardecl *)l->ptr)->loc,
			    "semantic error", "global variable '%s' is "
			    "defined in two tapset files", name);
		diag__note(e->s, &((struct vardecl *)l->next->ptr)->loc,
			   "the other definition is here");
	}
	elab__include_file(e, l->file);
	return l->ptr;
}
