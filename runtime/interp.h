/* interp.h - the IR interpreter: begin, end and error probes in user space.
 *
 * begin/end/error (and never) probes are lowered to IR functions with
 * user_space == true (bpfgen/ir.h).  They are not BPF programs: the
 * runtime calls interp__probe() for them, and the interpreter runs their
 * IR directly against the REAL BPF maps of the loaded object (through
 * bpf_map_lookup_elem & co), so they share globals, arrays and
 * statistics with the kernel-side probes.
 *
 * What the caller (runtime/run.c) must have done first:
 *   1. created every map of p->maps (loaded the pass-4 object, or created
 *      the maps by hand when there is no kernel-side probe) and stored
 *      each map's fd in its struct ir_map.fd (IRM_RINGBUF may be -1:
 *      the interpreter never writes records, it prints directly);
 *   2. called interp__init_globals() once, before the first begin probe,
 *      to write global initializers (global x = 5) and -G VAR=VAL;
 *   3. run probes in this order: begin probes sorted by their order
 *      (derived_probe.order) before attaching kernel probes; end probes
 *      (sorted) after detaching, unless an error ended the run, in which
 *      case error probes run instead (stap's rule: "end probes are
 *      skipped, error probes are attempted").
 *
 * exit() does not stop the probe that calls it (stap's rule: the rest
 * of that handler runs); it sets control.exit_requested in the globals
 * map.  interp__probe() on a begin probe returns INTERP_OK at once
 * without running it when exit was already requested, so the caller may
 * call it for every begin probe and then check interp__exit_requested().
 */
#ifndef BSTAP_INTERP_H
#define BSTAP_INTERP_H

#include <stdbool.h>
#include <stdio.h>

#include "ir.h"

/* An uncaught run-time error, in stap's shape.  interp_error__print()
 * writes "ERROR: <msg> near <near> at <file>:<line>:<col>\n". */
struct interp_error {
	bool set;
	char msg[512];		/* "division by 0", error()'s argument, ... */
	char near[128];		/* "operator '/'", "identifier 'error'", or "" */
	struct loc loc;		/* script position (src NULL if unknown) */
};

enum {
	INTERP_OK = 0,		/* the probe ran to its end (or `next`) */
	INTERP_ERROR = 1,	/* an uncaught error: *err says which; the
				 * caller prints it, counts it and ends the
				 * run (MAXERRORS is 0 by default) */
};

/* Run one user-space probe (f->kind == IRF_PROBE && f->user_space).
 * Output (printf, print, histograms) goes to `out` (normally s->out) and
 * is flushed before return.  Returns INTERP_OK, INTERP_ERROR (with *err
 * filled), or a negative errno for a failure of the machinery (a map
 * operation failing for a reason other than "no such key"; *err is
 * filled too, its msg says what failed). */
int interp__probe(struct ir_program *p, struct ir_func *f, FILE *out,
		  struct interp_error *err);

/* Write the initial value of the globals map: the control block zeroed,
 * every scalar global's initializer (or 0 / ""), then -G VAR=VAL from
 * the session (a -G for an unknown global is diagnosed with diag__plain
 * and returns -EINVAL).  Call once after the maps exist. */
int interp__init_globals(struct ir_program *p);

/* The globals value mapped into memory (the .bss map, BPF_F_MMAPABLE),
 * or NULL: scalar globals are then loaded and stored in place, one at a
 * time, which user-space probes need while kernel probes run. */
void interp__set_globals_mem(struct ir_program *p, void *mem);

/* control.exit_requested of the globals map (exit() was called in the
 * kernel or in user space).  false if the map cannot be read. */
bool interp__exit_requested(struct ir_program *p);

/* Print a histogram the stap way, for user space and for REC_PRINT_HIST
 * records from the kernel: `map` is an IRM_STATS map with hist != IRH_NONE,
 * `key` the key bytes (map->key_size of them; NULL for a scalar).  CPUs
 * are merged.  Returns 0, or a negative errno. */
int interp__print_hist(struct ir_program *p, struct ir_map *map,
		       const void *key, FILE *out);

/* Free what the interpreter keeps between probes (compiled regexes,
 * tokenize()'s string, the order of wrapping arrays); call once the last
 * user-space probe has run.  A later interp__probe() starts afresh. */
void interp__release(struct ir_program *p);

/* "ERROR: msg near X at file:line:col\n" (stap's wording) to f. */
void interp_error__print(const struct interp_error *err, FILE *f);

#endif
