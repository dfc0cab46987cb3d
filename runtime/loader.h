/* loader.h - open and load the pass-4 BPF object, and bind the IR's maps
 * to the kernel's.
 *
 * The object is loaded without a verifier log first (fast); only when
 * that fails is it opened again and loaded with a log per program, to
 * name the rejected probe and show the end of the verifier's log:
 *
 *   bstap: probe timer.ms(100) at t.stp:3:1: the kernel's verifier
 *   rejected the program
 *     <the last lines of the verifier log>
 */
#ifndef BSTAP_LOADER_H
#define BSTAP_LOADER_H

#include <stddef.h>

#include "ir.h"
#include "object.h"

struct session;
struct bpf_object;

struct loaded {
	struct bpf_object *obj;		/* NULL when the maps were made by
					 * hand (no kernel-side program) */
	struct ir_program *ir;		/* the program whose maps these
					 * are (NULL: load only) */
	int hand_fds[64];		/* maps created by hand, to close */
	int nhand;
};

/* libbpf's messages: shown with -vvv only.  RLIMIT_MEMLOCK is never
 * raised by bstap (and a failure of libbpf's own attempt is ignored). */
void loader__setup_libbpf(struct session *s);

/* Open elf (size bytes) with libbpf and load it.  o (may be NULL) names
 * the probes of a rejected program.  On success every map of ir (when
 * ir is not NULL) has its fd set; maps the object lacks are created by
 * hand.  Returns 0 or a negative errno after a diagnostic. */
int loader__load(struct session *s, const void *elf, size_t size,
		 struct ir_program *ir, struct bstap_object *o,
		 struct loaded *out);

/* Create every map of ir by hand (there is no object: no kernel-side
 * probe).  Returns 0 or a negative errno after a diagnostic. */
int loader__create_maps(struct session *s, struct ir_program *ir,
			struct loaded *out);

/* Close the object and any map made by hand. */
void loader__unload(struct loaded *l);

#endif
