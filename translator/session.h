/* session.h - all state of one bstap run.
 *
 * There is no global mutable state: every pass takes the session.
 */
#ifndef BSTAP_SESSION_H
#define BSTAP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "ast.h"

struct define {
	const char *name;
	const char *value;	/* "" when -D NAME was given without '=' */
};

struct session {
	struct arena arena;

	/* ---- options ---- */
	int last_pass;			/* -p N, 1..5; 5 = run */
	int verbose;			/* -v count */
	const char *script_file;	/* SCRIPT, or NULL with -e */
	const char *script_text;	/* -e TEXT */
	struct vec args;		/* script arguments $1.. (char *) */
	struct vec include_dirs;	/* -I DIR (char *) */
	struct vec defines;		/* -D NAME=VAL (struct define *) */
	struct vec global_sets;		/* -G var=val (struct define *) */
	bool guru;			/* -g */
	bool suppress_warnings;		/* -w */
	bool unoptimized;		/* -u: keep unused symbols */
	const char *output_file;	/* -o FILE */
	const char *cmd;		/* -c CMD */
	long target_pid;		/* -x PID, 0 if none */
	long timeout_secs;		/* -T SECS, 0 if none */
	const char *list_pattern;	/* -l / -L PATTERN */
	bool list_vars;			/* -L */
	const char *module_name;	/* -m NAME */
	const char *tapset_dir;		/* default or $BSTAP_TAPSET_DIR */
	const char *run_object;		/* --run OBJECT */

	/* ---- the running system ---- */
	const char *kernel_release;	/* uname -r, or overridden (-r) */
	bool want_syscalls;		/* load the generated syscall.* tapset
					 * (the script probes syscall.*) */
	const char *tracefs;		/* trace__root(): the tracefs mount,
					 * "" none, NULL not looked for yet */
	const char *arch;		/* "x86_64", ... */

	/* ---- diagnostics ---- */
	int errors;
	int warnings;
	FILE *err;			/* stderr */

	/* ---- products of the passes ---- */
	struct vec files;		/* of struct stpfile *: user first */
	struct stpfile *user;		/* the user's script */
	struct program *prog;		/* pass 2 */
	void *ir;			/* pass 3 */
	void *object;			/* pass 4 */
	FILE *out;			/* script output (-o or stdout) */

	/* pass 1: preprocessor state shared by every file parsed in this
	 * session (macros of the tapsets' .stpm files, the kernel config,
	 * lexed script arguments); private to preproc.c */
	struct preproc_state *pp;
	/* pass 1: one copy of each identifier's spelling (lexer.l) */
	struct strtab *idents;

	/* diagnostics (diag.c): the errors printed so far, as
	 * "file:line:col\nkind: message" strings, so that an error repeated
	 * word for word at the same place is printed once (as stap does);
	 * diag_muted drops the notes of such a repeat */
	struct vec diag_seen;
	bool diag_muted;
};

void session__init(struct session *s);
void session__free(struct session *s);
/* Value of -D NAME, or NULL. */
const char *session__define(const struct session *s, const char *name);
/* Numeric -D NAME with default and bounds; diagnoses bad values. */
int64_t session__define_num(struct session *s, const char *name,
			    int64_t def, int64_t min, int64_t max);

/* ---- diagnostics (diag.c) ----
 * Every message names file:line:col, quotes the source line and puts a
 * caret under the column:
 *
 *   parse error: expected ';', found identifier 'x'
 *           at: t.stp:3:9
 *       source:     a = 1 x
 *                         ^
 * kind is "parse error", "semantic error", "WARNING", ... */
void diag__error(struct session *s, const struct loc *loc, const char *kind,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag__warning(struct session *s, const struct loc *loc,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A second location for the previous message ("first defined here"). */
void diag__note(struct session *s, const struct loc *loc,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error with no source position (command line, files). */
void diag__plain(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
