/* elab.h - internals shared by the pass-2 files (elaborate.c, tapset.c,
 * resolve.c, types.c, usage.c, list.c, print_p2.c).  Not a contract
 * with other passes: those read struct program (ast.h), provider.h and
 * builtins.h only.
 */
#ifndef BSTAP_ELAB_H
#define BSTAP_ELAB_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "builtins.h"
#include "provider.h"
#include "session.h"

/* ---- hash maps (arena allocated, open addressing) ---- */

struct hmap_ent {
	const void *key;	/* string or pointer */
	void *val;
};

struct hmap {
	struct hmap_ent *ents;
	int n, cap;
	bool strkeys;
};

void hmap__init(struct hmap *h, bool strkeys);
void **hmap__slot(struct session *s, struct hmap *h, const void *key);
void *hmap__get(const struct hmap *h, const void *key);

/* ---- the tapset library (tapset.c) ---- */

enum sym_kind { SK_FUNC, SK_GLOBAL, SK_ALIAS };

/* One definition of a name somewhere in the library. */
struct libsym {
	enum sym_kind kind;
	void *ptr;		/* funcdecl, vardecl, or probe (alias) */
	struct stpfile *file;
	struct probe_point *name;	/* SK_ALIAS: the alias name */
	struct libsym *next;	/* other definitions of the same name */
};

struct library {
	struct vec files;	/* of struct stpfile *, parsed tapsets */
	struct hmap funcs;	/* name -> struct libsym * (non-private) */
	struct hmap globals;	/* name -> struct libsym * (non-private) */
	struct vec aliases;	/* of struct libsym * (every alias name) */
	bool loaded;
};

/* Parse every *.stp under the tapset directories; index the symbols.
 * With s->want_syscalls, also the syscall.* aliases generated from the
 * kernel's tracepoints (tapset_syscalls.c). */
int library__load(struct session *s, struct library *lib);

/* tapset_syscalls.c: does a script probe syscall.* / nd_syscall.*? */
bool syscalls__wanted(const struct stpfile *f);
/* The generated tapset text, or NULL (no tracefs syscalls group). */
char *syscalls__tapset(struct session *s);

/* ---- the elaboration state ---- */

/* One piece of a derived probe's body or condition, with the file its
 * code came from (private symbols resolve in that file's scope). */
struct piece {
	struct stmt *st;
	struct expr *cond;
	struct stpfile *file;
	bool from_alias;	/* a probe alias's body (@probewrite allowed) */
};

/* Pass-2 bookkeeping for a derived probe (dp->be is the back end's). */
struct dpinfo {
	struct derived_probe *dp;
	struct vec body;	/* of struct piece * */
	struct vec conds;	/* of struct piece * */
	struct hmap locals;	/* name -> vardecl */
	bool resolved;
};

/* Per-symbol inference bookkeeping (decl or funcdecl -> this). */
struct syminfo {
	struct loc type_loc;	/* where the value/return type was fixed */
	bool type_set;
	struct loc arity_loc;
	bool arity_set;
	struct loc *key_locs;	/* [arity] */
	bool reported;		/* "unresolved type" said once */
	bool local_written, local_read;
	struct loc first_read;
	int refs;
};

struct elab {
	struct session *s;
	struct program *prog;
	struct library lib;
	struct hmap included;		/* stpfile -> (void *)1 */
	struct hmap user_funcs;		/* name -> struct libsym * */
	struct hmap user_globals;	/* name -> struct libsym * */
	struct vec user_aliases;	/* of struct libsym * */
	struct vec dpinfos;		/* of struct dpinfo * */
	struct vec fn_queue;		/* of struct funcdecl *, resolved */
	struct hmap fn_done;		/* funcdecl -> (void *)1 */
	struct hmap fn_locals;		/* funcdecl -> struct hmap * */
	struct hmap syminfo;		/* decl/funcdecl -> struct syminfo */
	int next_probe_id;
	int pending_files;		/* files included, probes not derived */
	struct vec probe_queue;		/* of struct probe * to derive */
	bool listing;			/* -l/-L: no errors for mismatches */
};

struct syminfo *elab__info(struct elab *e, const void *sym);

/* elaborate.c */
void elab__include_file(struct elab *e, struct stpfile *f);
struct expr *ast__clone_expr(struct session *s, const struct expr *x);
struct stmt *ast__clone_stmt(struct session *s, const struct stmt *x);
/* Assemble dp->body and dp->cond from the resolved pieces. */
void elab__build_body(struct elab *e, struct dpinfo *di);
/* Derive the probes of one probe definition into e->dpinfos. */
void elab__derive_probe(struct elab *e, struct probe *p);

/* Symbol lookup (tapset.c).  find_func looks in from's private
 * functions and the user's script (lib false), or in the tapset library
 * (lib true: includes the defining file into the program).  *name_exists
 * is set when some function of that name exists with another arity. */
struct funcdecl *elab__find_func(struct elab *e, struct stpfile *from,
				 const char *name, int nargs,
				 const struct loc *use, bool *name_exists,
				 bool lib);
/* A global visible from `from`: its private globals, the user's, then
 * the library's (including the defining file); NULL if none. */
struct vardecl *elab__find_global(struct elab *e, struct stpfile *from,
				  const char *name);
/* Index the user's script; diagnoses duplicate definitions. */
void elab__index_user(struct elab *e, struct stpfile *user);

/* resolve.c */
void resolve__probe(struct elab *e, struct dpinfo *di);
void resolve__function(struct elab *e, struct funcdecl *fn);

/* types.c */
void types__infer(struct elab *e);

/* check.c: foreach loops whose array is modified in the body, probe
 * conditions that write, writes to histogram buckets. */
void check__program(struct elab *e);

/* usage.c: read/written flags, elision of unused symbols, warnings. */
void usage__analyze(struct elab *e);

/* provider.c: match a (wildcard) point against the provider templates;
 * concrete points (struct probe_point *) pushed on out with their
 * provider (const struct provider *) on provs.  list: also accept a
 * missing parameter (shown as "(number)"). */
int provider__match(struct session *s, const struct probe_point *pat,
		    struct vec *out, struct vec *provs, bool list);
int provider__match_one(struct session *s, const struct provider *p,
			const struct probe_point *pat, struct vec *out,
			bool list);
/* list.c: parse a -l pattern ("timer.*") into a point; NULL on error. */
struct probe_point *list__parse_pattern(struct session *s,
					const char *pattern);
/* Brace-expand {a,b} in the component names of pt. */
void pp__brace_expand(struct session *s, const struct probe_point *pt,
		      struct vec *out);
/* Component-wise match of a pattern against an alias name; returns
 * -1 for no match, else the index of the first pattern component left
 * over (== pattern length for a full match; less: alias suffix). */
int pp__match_alias(const struct probe_point *pat,
		    const struct probe_point *name, bool allow_suffix);

/* Is the expression a literal number (with constant folding of the
 * @defined() results and ! && || == !=)?  Used to fold dead branches. */
bool expr__const(const struct expr *x, int64_t *val);

#endif
