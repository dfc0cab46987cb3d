/* attach_timer.c - timer.s/ms/us/ns/hz/jiffies(N)[.randomize(M)] and
 * timer.profile[.tick], on perf's cpu-clock software event.
 *
 * timer.<unit>(N) is one cpu-clock event with sample_period = N in ns on
 * one CPU (the first online one): stap's interval timers fire on one CPU
 * too.  .randomize(M): a new period in [N - M, N + M] for every expiry,
 * as stap: the event fires every base period (an eighth of M or so,
 * prov_timer.c) and the probe itself counts down a random number of
 * them (bpfgen/isel.c), no system call per expiry.  The countdown lives
 * in per-CPU memory: the event must stay on its one CPU.
 * timer.profile: one event per online CPU at the
 * kernel's tick rate (CONFIG_HZ, read from /boot/config-<release>, 250
 * when unknown).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "provider.h"
#include "session.h"

#define NSEC_PER_SEC 1000000000ULL

/* The kernel's HZ, for jiffies and timer.profile. */
uint64_t attach__kernel_hz(struct session *s)
{
	char path[256], line[256];
	uint64_t hz = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/boot/config-%s",
		 s->kernel_release ? s->kernel_release : "");
	f = fopen(path, "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CONFIG_HZ=%lu", &hz) == 1)
				break;
		fclose(f);
	}
	return hz ? hz : 250;
}

static uint64_t timer_period(struct attach_req *r,
			     const struct prov_timer_data *d)
{
	uint64_t p = d->period_ns;

	if (d->randomize) {
		/* the base period the probe counts down (prov_timer.c) */
		p = d->base_ns;
		if (d->unit == TU_JIFFIES && !p)
			p = NSEC_PER_SEC / attach__kernel_hz(r->s);
		return p ? p : 1;
	}
	if (d->unit == TU_HZ && !p && d->hz)
		p = NSEC_PER_SEC / d->hz;
	if (d->unit == TU_JIFFIES && !p)
		p = d->interval * (NSEC_PER_SEC / attach__kernel_hz(r->s));
	if (d->unit == TU_PROFILE)
		p = NSEC_PER_SEC / attach__kernel_hz(r->s);
	return p ? p : 1;
}

int attach_timer(struct attach_req *r)
{
	const struct prov_timer_data *d = r->dp->prov_data;
	struct perf_event_attr attr;
	int cpus[1024], n, err;

	if (!d) {
		diag__plain(r->s, "%s: no timer data (pass 2)", r->point);
		return -EINVAL;
	}
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = timer_period(r, d);
	n = attach__online_cpus(cpus, 1024);
	if (n < 0) {
		diag__plain(r->s, "cannot read the online CPUs: %s",
			    strerror(-n));
		return n;
	}
	if (d->unit != TU_PROFILE)
		return attach__perf_event(r, &attr, -1, cpus[0]);
	for (int i = 0; i < n; i++) {
		err = attach__perf_event(r, &attr, -1, cpus[i]);
		if (err)
			return err;
	}
	return 0;
}
