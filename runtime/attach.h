/* attach.h - attaching loaded programs to their events (pass 5).
 *
 * One attach function per provider kind, in runtime/attach_<kind>.c,
 * found by the provider's name (the table in attach_perf.c).  The
 * provider structs of translator/provider.h carry an `attach` slot, but
 * they are const and owned by pass 2, so the runtime keeps its own table
 * keyed by provider name.
 *
 * Every attachment is a bpf_link owning its perf event fd: closing the
 * links (or the process dying, even by SIGKILL) removes everything.
 * Nothing is written to tracefs.
 */
#ifndef BSTAP_ATTACH_H
#define BSTAP_ATTACH_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ast.h"

struct session;
struct bpf_program;
struct bpf_link;

struct links {
	struct bpf_link **v;
	int n, cap;
};

struct attach_req {
	struct session *s;
	struct derived_probe *dp;
	struct bpf_program *prog;
	const char *point;		/* the probe point as text */
	pid_t target;			/* -c / -x process, 0 if none */
	struct links *links;		/* where the new links go */
};

typedef int (*attach_fn)(struct attach_req *r);

/* The attach function for a provider name; NULL: not a kernel-side
 * provider (begin, end, error, never) or not supported. */
attach_fn attach__lookup(const char *provider);

/* Attach r->prog to one perf event (perf_event_open(attr, pid, cpu)).
 * On failure prints "<point>: <what> (perf_event_open: EXXX)" and
 * returns a negative errno. */
int attach__perf_event(struct attach_req *r, struct perf_event_attr *attr,
		       pid_t pid, int cpu);

/* The online CPUs (from /sys/devices/system/cpu/online): fills cpus (at
 * most max) and returns the count, or a negative errno. */
int attach__online_cpus(int *cpus, int max);
/* The kernel's CONFIG_HZ (from /boot/config-<release>; 250 if unknown). */
uint64_t attach__kernel_hz(struct session *s);

void links__push(struct links *l, struct bpf_link *link);
/* Destroy every link (detaches; closes the perf event fds). */
void links__destroy(struct links *l);

int attach_timer(struct attach_req *r);
int attach_perf(struct attach_req *r);
int attach_trace(struct attach_req *r);

#endif
