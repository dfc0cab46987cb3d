/* attach_timer.c - timer.s/ms/us/ns/hz/jiffies(N)[.randomize(M)] and
 * timer.profile[.tick], on perf's cpu-clock software event.
 *
 * timer.<unit>(N) is one cpu-clock event with sample_period = N in ns on
 * one CPU (the first online one): stap's interval timers fire on one CPU
 * too.  .randomize(M): the period is drawn once, uniformly in
 * [N - M, N + M], when the probe is attached (stap draws a new one for
 * every expiry; re-arming a perf event each time would cost a system
 * call per firing).  timer.profile: one event per online CPU at the
 * kernel's tick rate (CONFIG_HZ, read from /boot/config-<release>, 250
 * when unknown).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "attach.h"
#include "provider.h"
#include "session.h"

#define NSEC_PER_SEC 1000000000ULL

/* The kernel's HZ, for jiffies and timer.profile. */
static uint64_t kernel_hz(struct session *s)
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
	uint64_t p = d->period_ns, rnd = d->randomize_ns, u = 0;

	if (d->unit == TU_HZ && !p && d->hz)
		p = NSEC_PER_SEC / d->hz;
	if (d->unit == TU_JIFFIES && !p)
		p = d->interval * (NSEC_PER_SEC / kernel_hz(r->s));
	if (d->unit == TU_PROFILE)
		p = NSEC_PER_SEC / kernel_hz(r->s);
	if (rnd) {
		if (getrandom(&u, sizeof(u), 0) != sizeof(u))
			u = (uint64_t)(uintptr_t)&u;
		u %= 2 * rnd + 1;
		p = p + u > rnd ? p + u - rnd : 1;
	}
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
