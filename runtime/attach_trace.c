/* attach_trace.c - kernel.trace("group:event"): one tracepoint perf event
 * (PERF_TYPE_TRACEPOINT, config = the tracefs id) with the program.
 *
 * A BPF program on a tracepoint runs for every task on every CPU, whatever
 * the perf event's pid and cpu: one event, on the first online CPU, is
 * enough, and a filter belongs in the script (pid() == target()), as in
 * stap, whose kernel.trace probes are system-wide too.
 */
#include <errno.h>
#include <string.h>

#include "attach.h"
#include "provider.h"
#include "session.h"

int attach_trace(struct attach_req *r)
{
	const struct prov_trace_data *d = r->dp->prov_data;
	struct perf_event_attr attr;
	int cpus[1024], n;

	if (!d || d->id < 0) {
		diag__plain(r->s, "%s: no tracepoint data (pass 2)", r->point);
		return -EINVAL;
	}
	n = attach__online_cpus(cpus, 1024);
	if (n < 1) {
		diag__plain(r->s, "cannot read the online CPUs: %s",
			    strerror(n < 0 ? -n : ENOENT));
		return n < 0 ? n : -ENOENT;
	}
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = (uint64_t)d->id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	return attach__perf_event(r, &attr, -1, cpus[0]);
}
