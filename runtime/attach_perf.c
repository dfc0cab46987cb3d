/* attach_perf.c - perf.sw.*, perf.hw.*, perf.type(T).config(C) probes, and
 * the attach helpers every perf-event-based provider shares. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "attach.h"
#include "provider.h"
#include "session.h"

static const struct {
	const char *name;
	attach_fn fn;
} attach_table[] = {
	{ "timer", attach_timer },
	{ "perf", attach_perf },
	{ "kernel.trace", attach_trace },
};

attach_fn attach__lookup(const char *provider)
{
	for (size_t i = 0; i < sizeof(attach_table) / sizeof(attach_table[0]);
	     i++)
		if (provider && !strcmp(attach_table[i].name, provider))
			return attach_table[i].fn;
	return NULL;
}

void links__push(struct links *l, struct bpf_link *link)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		struct bpf_link **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			bpf_link__destroy(link);
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = link;
}

/* Detaching a tracepoint's perf event waits for an RCU grace period in
 * the kernel (tens of ms): 360 syscall tracepoints one after the other
 * took half a minute.  Many links are destroyed by several threads at
 * once, whose waits overlap.  Every probe is stopped before this (the
 * stop word), so the order does not matter. */
#define DETACH_THREADS 32

struct detach_share {
	struct links *l;
	int first, step;
};

static void *detach_some(void *arg)
{
	struct detach_share *d = arg;

	for (int i = d->first; i < d->l->n; i += d->step)
		bpf_link__destroy(d->l->v[i]);
	return NULL;
}

void links__destroy(struct links *l)
{
	struct detach_share share[DETACH_THREADS];
	pthread_t tid[DETACH_THREADS];
	bool started[DETACH_THREADS] = { false };
	int nt = l->n >= 2 * DETACH_THREADS ? DETACH_THREADS : l->n / 2;

	if (nt < 2)
		nt = 1;
	for (int t = 0; t < nt; t++) {
		share[t] = (struct detach_share){ l, t, nt };
		if (t > 0)
			started[t] = !pthread_create(&tid[t], NULL,
						     detach_some, &share[t]);
		if (t > 0 && !started[t])
			detach_some(&share[t]);	/* no thread: do it here */
	}
	detach_some(&share[0]);
	for (int t = 1; t < nt; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int attach__online_cpus(int *cpus, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	int n = 0, a, b;
	char sep;

	if (!f)
		return -errno;
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &sep) == 1 && sep == '-') {
			if (fscanf(f, "%d", &b) != 1)
				break;
			if (fscanf(f, "%c", &sep) != 1)
				sep = '\n';
		}
		for (int c = a; c <= b && n < max; c++)
			cpus[n++] = c;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n ? n : -ENOENT;
}

static const char *errno_name(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ESRCH: return "ESRCH";
	case EMFILE: return "EMFILE";
	case EBUSY: return "EBUSY";
	default: return strerror(e);
	}
}

int attach__perf_event(struct attach_req *r, struct perf_event_attr *attr,
		       pid_t pid, int cpu)
{
	struct bpf_link *link;
	int fd, err;

	attr->size = sizeof(*attr);
	attr->disabled = 0;
	fd = syscall(SYS_perf_event_open, attr, pid, cpu, -1,
		     PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (attr->type == PERF_TYPE_HARDWARE &&
		    (err == ENOENT || err == EOPNOTSUPP || err == ENODEV))
			diag__plain(r->s, "%s: the hardware event is not "
				    "available on this machine "
				    "(perf_event_open: %s)", r->point,
				    errno_name(err));
		else if (err == ESRCH)
			diag__plain(r->s, "%s: no process %d "
				    "(perf_event_open: ESRCH)", r->point,
				    (int)pid);
		else
			diag__plain(r->s, "%s: cannot open the perf event "
				    "(perf_event_open: %s)", r->point,
				    errno_name(err));
		return -err;
	}
	link = bpf_program__attach_perf_event(r->prog, fd);
	if (!link) {
		err = errno;
		close(fd);
		diag__plain(r->s, "%s: cannot attach the program to its perf "
			    "event: %s", r->point, strerror(err));
		return -err;
	}
	/* The link owns fd now: bpf_link__destroy closes it. */
	links__push(r->links, link);
	return 0;
}

/* perf.*.process: the -c / -x process; otherwise every CPU. */
int attach_perf(struct attach_req *r)
{
	const struct prov_perf_data *d = r->dp->prov_data;
	struct perf_event_attr attr;
	int cpus[1024], n, err;

	if (!d) {
		diag__plain(r->s, "%s: no perf event data (pass 2)", r->point);
		return -EINVAL;
	}
	memset(&attr, 0, sizeof(attr));
	attr.type = d->type;
	attr.config = d->config;
	attr.sample_period = d->sample_period ? d->sample_period : 1000000;
	if (d->process) {
		if (r->target <= 0) {
			diag__plain(r->s, "%s: .process needs a target process "
				    "(-c CMD or -x PID)", r->point);
			return -EINVAL;
		}
		return attach__perf_event(r, &attr, r->target, -1);
	}
	n = attach__online_cpus(cpus, 1024);
	if (n < 0) {
		diag__plain(r->s, "cannot read the online CPUs: %s",
			    strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		err = attach__perf_event(r, &attr, -1, cpus[i]);
		if (err)
			return err;
	}
	return 0;
}
