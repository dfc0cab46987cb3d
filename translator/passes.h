/* passes.h - the entry point of every pass, called in order by main.c.
 *
 * Each returns 0 or a negative errno; diagnostics go through diag.c and
 * are counted in s->errors.  A pass runs only when all before it
 * succeeded.
 */
#ifndef BSTAP_PASSES_H
#define BSTAP_PASSES_H

#include "session.h"

/* Pass 1 (parse.c glue in parser.y): read the user script (file or -e),
 * lex, preprocess and parse it into s->user (also pushed on s->files). */
int pass1__parse(struct session *s);
/* Parse one more file (a tapset) into an stpfile; NULL on error. */
struct stpfile *parse__file(struct session *s, const struct source *src);
/* Read a file into a struct source; NULL (with a diagnostic) on error. */
struct source *source__read(struct session *s, const char *path,
			    bool is_tapset);
/* -p1 output: print a parsed file back as a canonical script (print.c). */
void print__file(struct session *s, FILE *f, const struct stpfile *file);
void print__expr(FILE *f, const struct expr *e);
void print__stmt(FILE *f, const struct stmt *st, int indent);

/* Pass 2 (elaborate.c): tapsets, aliases, wildcards, symbols, types;
 * fills s->prog.  -p2 prints it with print__program. */
int pass2__elaborate(struct session *s);
void print__program(struct session *s, FILE *f, const struct program *p);
/* -l / -L PATTERN: list probe points (after pass 1 of the tapsets). */
int list__probes(struct session *s);

/* Pass 3 (bpfgen/translate.c): lower to IR and BPF; -p3 prints the IR. */
int pass3__translate(struct session *s);
/* Pass 4: build the BPF ELF object; with -v print the disassembly. */
int pass4__compile(struct session *s);
/* Pass 5 (runtime/run.c): load, attach, run, print; returns the exit code
 * the process should end with (0 on a normal run). */
int pass5__run(struct session *s);
/* bstap --run OBJECT: run a saved -p4 object. */
int run__object(struct session *s, const char *path);

#endif
