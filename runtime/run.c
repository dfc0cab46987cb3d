/* run.c - pass 5: load the object, run begin probes, attach, consume
 * output until the script ends, run end (or error) probes, print the
 * unread globals, detach.  Also bstap --run OBJECT.
 *
 * The run ends on: exit() (a REC_EXIT record or control.exit_requested),
 * an error in a probe (stap's MAXERRORS=0: the first one), SIGINT,
 * SIGTERM or SIGHUP, the -c command exiting, or -T SECS passing.  Then
 * the kernel probes are told to stop (control.exit_requested), detached,
 * the ring buffer is drained, and end probes run (error probes instead
 * after an error).  Exit code: 0, or 1 after an error.
 *
 * Signals are taken through a signalfd, so the loop is one poll() over
 * the ring buffer's epoll fd and the signals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "display.h"
#include "interp.h"
#include "loader.h"
#include "meta.h"
#include "object.h"
#include "output.h"
#include "passes.h"
#include "provider.h"
#include "session.h"

#define POLL_MS 100

/* A timer probe the interpreter runs (bpfgen/place.c). */
struct utimer {
	struct ir_func *f;
	const struct prov_timer_data *d;
	int64_t next_ns;	/* CLOCK_MONOTONIC of the next expiry */
};

struct run {
	struct session *s;
	struct ir_program *ir;
	struct bstap_object *obj;
	struct loaded ld;
	struct output out;
	struct links links;
	struct utimer *ut;	/* user-space timer probes (place.c) */
	int nut;
	uint64_t rnd;		/* xorshift state for .randomize */
	struct ir_control *ctl;	/* the globals map mapped here, or NULL */
	size_t ctl_len;		/* its mapping's length */
	bool ctl_tried;
	sigset_t oldmask;
	int sigfd;
	pid_t child;		/* -c */
	int child_go;		/* write end of the child's release pipe */
	bool child_exited;
	int errors;
	int64_t skipped;
	bool fault_seen;	/* a fault in the stop word was reported */
};

/* ---- the control block in the globals map ---- */

static int control_rw(struct run *r, size_t off, int64_t *val, bool write)
{
	struct ir_map *gm = r->ir->globals_map;
	uint32_t zero = 0;
	unsigned char *v;
	size_t sz;
	int err = 0;

	if (!gm || gm->fd < 0)
		return -ENOENT;
	sz = gm->val_size > (int)sizeof(struct ir_control)
		? gm->val_size : sizeof(struct ir_control);
	v = calloc(1, sz + 8);
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(gm->fd, &zero, v)) {
		err = -errno;
	} else if (write) {
		memcpy(v + off, val, 8);
		if (bpf_map_update_elem(gm->fd, &zero, v, BPF_ANY))
			err = -errno;
	} else {
		memcpy(val, v + off, 8);
	}
	free(v);
	return err;
}

/* The control block as the kernel probes see it: the globals map
 * (BPF_F_MMAPABLE since bpfgen/elf.c declares a global variable in
 * .bss) mapped into this process once.  libbpf 1.1 maps internal maps
 * only for skeletons, hence our own mmap.  NULL when the map cannot be
 * mapped (maps made by loader__create_maps: no kernel side to race). */
static struct ir_control *control_block(struct run *r)
{
	struct ir_map *gm = r->ir->globals_map;
	long page = sysconf(_SC_PAGESIZE);
	void *v;

	if (r->ctl_tried)
		return r->ctl;
	r->ctl_tried = true;
	if (!r->ld.obj || !gm || gm->fd < 0 || page <= 0 ||
	    gm->val_size < (int)sizeof(struct ir_control))
		return NULL;
	r->ctl_len = ((size_t)gm->val_size + page - 1) & ~(size_t)(page - 1);
	v = mmap(NULL, r->ctl_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 gm->fd, 0);
	if (v == MAP_FAILED)
		return NULL;
	r->ctl = v;
	return r->ctl;
}

static void control_unmap(struct run *r)
{
	if (r->ctl)
		munmap(r->ctl, r->ctl_len);
	r->ctl = NULL;
}

/* The stop word (bpfgen/ir.h, struct ir_control.exit_requested):
 * 0 running, 1 exit(), < 0 a kernel fault's site. */
static int64_t stop_word(struct run *r)
{
	struct ir_control *c = control_block(r);
	int64_t v = 0;

	if (c)
		return __atomic_load_n(&c->exit_requested, __ATOMIC_ACQUIRE);
	control_rw(r, offsetof(struct ir_control, exit_requested), &v, false);
	return v;
}

static bool exit_requested(struct run *r)
{
	return stop_word(r) != 0;
}

/* Stop the kernel probes: the stop word from 0 to 1, never over a
 * fault's site (a compare-and-swap on the mapped .bss). */
static void request_exit(struct run *r)
{
	struct ir_control *c = control_block(r);
	int64_t zero = 0, one = 1;

	if (c) {
		__atomic_compare_exchange_n(&c->exit_requested, &zero, one,
					    false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
		return;
	}
	if (stop_word(r) == 0)
		control_rw(r, offsetof(struct ir_control, exit_requested),
			   &one, true);
}

/* The object's .rodata (constant strings and the records of the fault
 * sites), as libbpf holds it, or NULL. */
static const char *object_rodata(struct run *r, size_t *size)
{
	struct bpf_map *bm;

	if (!r->ld.obj)
		return NULL;
	bpf_object__for_each_map(bm, r->ld.obj) {
		const char *n = bpf_map__name(bm);
		size_t len = n ? strlen(n) : 0;

		if (bpf_map__is_internal(bm) && len >= 7 &&
		    !strcmp(n + len - 7, ".rodata"))
			return bpf_map__initial_value(bm, size);
	}
	return NULL;
}

/* A kernel probe that faults with a fixed message does not send a
 * record: it stores -(1 + the .rodata offset of its ready-made REC_ERROR
 * (or REC_MAXACTION) record) into the stop word, control.exit_requested
 * (bpfgen/isel.c).  Report it once, as if the record had come through
 * the ring buffer, after the output the probes sent before it. */
static void check_fault(struct run *r)
{
	int64_t site = 0;
	size_t size = 0, len = 8 + (size_t)r->ir->maxstringlen;
	const char *ro;

	if (r->fault_seen)
		return;
	site = -stop_word(r);
	if (site <= 0)
		return;
	r->fault_seen = true;
	output__drain(&r->out);
	ro = object_rodata(r, &size);
	if (!ro || (uint64_t)site - 1 > size || size - (site - 1) < len) {
		fprintf(r->s->err, "bstap: internal error: unknown fault site "
			"%lld in the control block\n", (long long)site);
		r->out.errors++;
		return;
	}
	output__record(&r->out, ro + site - 1, len);
}

/* What the kernel side reads from the control block, written once the
 * globals are initialized (interp__init_globals zeroes the block) and
 * the -c child exists, before any probe runs:
 *   boot_offset_ns (and its old name `reserved`): gettimeofday_*() in
 *     the kernel is ktime_get_ns() + this offset;
 *   target_pid: target();
 *   nr_cpus: the possible CPUs;
 *   one: 1 (the value a kernel-side a[k]++ inserts). */
static int store_control(struct run *r)
{
	struct timespec rt, mono;
	int64_t off, pid = r->s->target_pid, ncpu = libbpf_num_possible_cpus();
	int64_t one = 1;
	int err;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	off = (rt.tv_sec - mono.tv_sec) * 1000000000LL +
	      (rt.tv_nsec - mono.tv_nsec);
	if (ncpu < 1)
		ncpu = 1;
	err = control_rw(r, offsetof(struct ir_control, one), &one, true);
	if (!err)
		err = control_rw(r, offsetof(struct ir_control, boot_offset_ns),
				 &off, true);
	if (!err)
		err = control_rw(r, offsetof(struct ir_control, reserved),
				 &off, true);
	if (!err)
		err = control_rw(r, offsetof(struct ir_control, target_pid),
				 &pid, true);
	if (!err)
		err = control_rw(r, offsetof(struct ir_control, nr_cpus),
				 &ncpu, true);
	if (err)
		diag__plain(r->s, "cannot write the control block of the "
			    "globals map: %s", strerror(-err));
	return err;
}

/* ---- user-space probes ---- */

static int cmp_probe_order(const void *a, const void *b)
{
	const struct ir_func *x = *(struct ir_func *const *)a;
	const struct ir_func *y = *(struct ir_func *const *)b;
	int64_t ox = x->probe ? x->probe->order : 0;
	int64_t oy = y->probe ? y->probe->order : 0;

	if (ox != oy)
		return ox < oy ? -1 : 1;
	return (x->probe ? x->probe->id : x->id) -
	       (y->probe ? y->probe->id : y->id);
}

/* The user-space probes of one kind ("begin", "end", "error"), in the
 * order of their begin(N)/end(N) sequence, then of the script. */
static int user_probes(struct run *r, const char *kind,
		       struct ir_func ***out)
{
	struct ir_func **v = calloc(r->ir->funcs.n + 1, sizeof(*v));
	int n = 0;

	if (!v)
		return -ENOMEM;
	vec_foreach(i, &r->ir->funcs) {
		struct ir_func *f = vec_at(&r->ir->funcs, i);

		if (f->kind == IRF_PROBE && f->user_space && f->probe_kind &&
		    !strcmp(f->probe_kind, kind))
			v[n++] = f;
	}
	qsort(v, n, sizeof(*v), cmp_probe_order);
	*out = v;
	return n;
}

/* Run one user-space probe; false when it ended with an error (then
 * printed and counted). */
static bool run_one_probe(struct run *r, struct ir_func *f)
{
	struct interp_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = interp__probe(r->ir, f, r->s->out, &err);
	fflush(r->s->out);
	if (rc == INTERP_OK)
		return true;
	interp_error__print(&err, r->s->err);
	r->errors++;
	return false;
}

/* ---- user-space timer probes ----
 * Interval timers whose code needs user space and reads no interrupted
 * context (bpfgen/place.c) run here, from the event loop, at their
 * interval: a new period is drawn for every expiry with .randomize(M),
 * and a late expiry is not made up for (the next one is a period after
 * it ran), as with stap's timers. */

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static uint64_t next_rand(struct run *r)
{
	uint64_t x = r->rnd ? r->rnd : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->rnd = x;
	return x;
}

/* One period of t in ns: N, or uniform in [N - M, N + M] */
static int64_t utimer_period(struct run *r, const struct prov_timer_data *d)
{
	uint64_t n = d->period_ns, m = d->randomize_ns;

	if (d->unit == TU_HZ && !n && d->hz)
		n = 1000000000ULL / d->hz;
	if (d->unit == TU_JIFFIES) {
		uint64_t j = 1000000000ULL / attach__kernel_hz(r->s);

		n = (uint64_t)d->interval * j;
		m = (uint64_t)d->randomize * j;
	}
	if (m && m < n)
		n = n - m + next_rand(r) % (2 * m + 1);
	return n ? (int64_t)n : 1;
}

static int utimers_setup(struct run *r)
{
	int64_t now = now_ns();

	r->rnd = (uint64_t)now ^ ((uint64_t)getpid() << 32);
	r->ut = calloc((size_t)r->ir->funcs.n + 1, sizeof(*r->ut));
	if (!r->ut)
		return -ENOMEM;
	vec_foreach(i, &r->ir->funcs) {
		struct ir_func *f = vec_at(&r->ir->funcs, i);
		struct utimer *t = &r->ut[r->nut];

		if (f->kind != IRF_PROBE || !f->user_space || !f->probe_kind ||
		    strcmp(f->probe_kind, "timer") || !f->probe ||
		    !f->probe->prov_data)
			continue;
		t->f = f;
		t->d = f->probe->prov_data;
		t->next_ns = now + utimer_period(r, t->d);
		r->nut++;
	}
	return 0;
}

/* ns until the first user-space timer is due (< 0: none) */
static int64_t utimers_wait(struct run *r)
{
	int64_t now = now_ns(), w = -1;

	for (int i = 0; i < r->nut; i++) {
		int64_t d = r->ut[i].next_ns - now;

		if (d < 0)
			d = 0;
		if (w < 0 || d < w)
			w = d;
	}
	return w;
}

/* Run the timers that are due, kernel output so far printed first. */
static void utimers_run(struct run *r)
{
	for (int i = 0; i < r->nut && !r->errors; i++) {
		struct utimer *t = &r->ut[i];

		if (now_ns() < t->next_ns || exit_requested(r))
			continue;
		output__drain(&r->out);
		run_one_probe(r, t->f);
		t->next_ns = now_ns() + utimer_period(r, t->d);
	}
}

/* Run the probes of one kind; begin probes stop at exit() or an error. */
static int run_user_probes(struct run *r, const char *kind)
{
	struct ir_func **v;
	int n = user_probes(r, kind, &v);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (!strcmp(kind, "begin") && (exit_requested(r) || r->errors))
			break;
		if (!run_one_probe(r, v[i]) && !strcmp(kind, "begin"))
			break;
	}
	free(v);
	return 0;
}

/* ---- -c CMD ---- */

/* Fork the command now, held until release_child(): the probes are
 * attached before it runs its first instruction. */
static int spawn_child(struct run *r)
{
	int go[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC)) {
		diag__plain(r->s, "-c: %s", strerror(errno));
		return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		diag__plain(r->s, "-c: cannot fork: %s", strerror(errno));
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	if (pid == 0) {
		wordexp_t we;
		char c;

		sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* bstap gave up before the start */
		/* as stap: a plain command runs itself, so target() is its
		 * pid; a shell command line (pipes, ';', redirections,
		 * $(...)) goes through /bin/sh -c */
		if (!wordexp(r->s->cmd, &we, WRDE_NOCMD) && we.we_wordc > 0) {
			execvp(we.we_wordv[0], we.we_wordv);
			fprintf(stderr, "bstap: -c: cannot run '%s': %s\n",
				we.we_wordv[0], strerror(errno));
			_exit(127);
		}
		execl("/bin/sh", "sh", "-c", r->s->cmd, (char *)NULL);
		fprintf(stderr, "bstap: -c: cannot run /bin/sh: %s\n",
			strerror(errno));
		_exit(127);
	}
	close(go[0]);
	r->child = pid;
	r->child_go = go[1];
	r->s->target_pid = pid;
	return 0;
}

static void release_child(struct run *r)
{
	if (r->child_go < 0)
		return;
	if (write(r->child_go, "g", 1) != 1)
		diag__plain(r->s, "-c: cannot start the command: %s",
			    strerror(errno));
	close(r->child_go);
	r->child_go = -1;
}

static void reap_child(struct run *r, bool kill_it)
{
	int status;

	if (r->child <= 0 || r->child_exited)
		return;
	if (r->child_go >= 0) {		/* never released: it exits 127 */
		close(r->child_go);
		r->child_go = -1;
	} else if (kill_it) {
		kill(r->child, SIGTERM);
	}
	if (waitpid(r->child, &status, 0) == r->child)
		r->child_exited = true;
}

/* ---- attaching ---- */

static const char *provider_name(const struct derived_probe *dp)
{
	const struct ppcomp *c;

	if (dp->prov && dp->prov->name)
		return dp->prov->name;
	c = dp->point && dp->point->comps.n ? vec_at(&dp->point->comps, 0)
					     : NULL;
	return c ? c->name : "?";
}

static int attach_all(struct run *r)
{
	if (!r->obj || !r->ld.obj)
		return 0;
	vec_foreach(i, &r->obj->progs) {
		struct bpf_probe_prog *pp = vec_at(&r->obj->progs, i);
		struct attach_req req = {
			.s = r->s, .dp = pp->dp, .target = r->s->target_pid,
			.links = &r->links,
		};
		attach_fn fn;
		int err;

		if (!pp->dp)
			continue;
		req.point = probe_point__str(r->s, pp->dp->point);
		req.prog = bpf_object__find_program_by_name(r->ld.obj,
							    pp->prog_name);
		fn = attach__lookup(provider_name(pp->dp));
		if (!req.prog || !fn) {
			diag__plain(r->s, "probe %s: attaching '%s' probes is "
				    "not supported", req.point,
				    provider_name(pp->dp));
			return -ENOTSUP;
		}
		err = fn(&req);
		if (err)
			return err;
	}
	return 0;
}

/* ---- the main loop ---- */

static int setup_signals(struct run *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &r->oldmask))
		return -errno;
	r->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return r->sigfd < 0 ? -errno : 0;
}


/* Read pending signals; true when the run should end. */
static bool handle_signals(struct run *r)
{
	struct signalfd_siginfo si;
	bool stop = false;
	int status;

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			stop = true;
			continue;
		}
		if (r->child > 0 && !r->child_exited &&
		    waitpid(r->child, &status, WNOHANG) == r->child) {
			r->child_exited = true;
			stop = true;
		}
	}
	return stop;
}

static void event_loop(struct run *r)
{
	int64_t deadline = r->s->timeout_secs > 0
		? now_ns() + r->s->timeout_secs * 1000000000LL : 0;

	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = r->sigfd, .events = POLLIN },
			{ .fd = output__fd(&r->out), .events = POLLIN },
		};
		int64_t wait = POLL_MS * 1000000LL, ut = utimers_wait(r);
		struct timespec ts;

		if (deadline) {
			int64_t left = deadline - now_ns();

			if (left <= 0)
				break;
			if (left < wait)
				wait = left;
		}
		if (ut >= 0 && ut < wait)
			wait = ut;
		ts.tv_sec = wait / 1000000000LL;
		ts.tv_nsec = wait % 1000000000LL;
		ppoll(fds, fds[1].fd >= 0 ? 2 : 1, &ts, NULL);
		output__drain(&r->out);
		check_fault(r);
		if (r->out.errors || r->out.exit_seen)
			break;
		if (handle_signals(r))
			break;
		if (exit_requested(r))
			break;
		utimers_run(r);
		if (r->errors)
			break;
	}
}

/* ---- the whole run ---- */

static void *detach_thread(void *links)
{
	links__destroy(links);
	return NULL;
}

/* Detaching many probes takes long (each tracepoint's perf event waits
 * for an RCU grace period in the kernel, one after the other: 360
 * syscall tracepoints, 17 s): then it runs in a thread while the end
 * probes run, and the run ends once it is done.  The probes are
 * stopped first (the stop word); one that had passed its check
 * finishes within microseconds, which the pause covers, and its output
 * is drained after it. */
#define DETACH_ASYNC_LINKS 16

static void finish(struct run *r)
{
	int64_t skipped = 0, dropped = 0, kerr = 0;
	pthread_t detacher;
	bool async = false;

	request_exit(r);
	if (r->links.n >= DETACH_ASYNC_LINKS)
		async = !pthread_create(&detacher, NULL, detach_thread,
					&r->links);
	if (async)
		nanosleep(&(struct timespec){ 0, 20 * 1000000 }, NULL);
	else
		links__destroy(&r->links);
	output__drain(&r->out);
	check_fault(r);
	/* an error whose message is built at run time adds 1 to
	 * control.error_count, its record sent or dropped */
	control_rw(r, offsetof(struct ir_control, error_count), &kerr, false);
	if (kerr > r->out.errors)
		r->out.errors = (int)kerr;
	r->errors += r->out.errors;
	r->out.errors = 0;
	if (r->errors) {
		run_user_probes(r, "error");
	} else {
		run_user_probes(r, "end");
		output__drain(&r->out);
		if (!r->errors && display__globals(r->s, r->ir, r->s->out))
			diag__plain(r->s, "cannot read the globals to print "
				    "them");
	}
	output__drain(&r->out);
	fflush(r->s->out);
	/* stap counts lost output with the skipped probes */
	control_rw(r, offsetof(struct ir_control, skipped), &skipped, false);
	control_rw(r, offsetof(struct ir_control, dropped), &dropped, false);
	r->skipped = skipped + dropped;
	if (async)
		pthread_join(detacher, NULL);
}

static int open_output(struct session *s)
{
	FILE *f;

	if (!s->output_file)
		return 0;
	f = fopen(s->output_file, "w");
	if (!f) {
		diag__plain(s, "cannot open the output file '%s': %s",
			    s->output_file, strerror(errno));
		return -errno;
	}
	s->out = f;
	return 0;
}

static int load(struct run *r)
{
	/* The one special case of loading.  Without a kernel-side program
	 * (a script of begin/end/error probes only) the object from
	 * elf.c has no program and an empty .BTF.ext, which libbpf 1.1.2
	 * rejects; there is nothing in it to load anyway, so the maps the
	 * interpreter needs are created by hand from the IR's layouts
	 * (loader__create_maps).  Direct runs and --run of a saved object
	 * take this same path. */
	if (r->obj && r->obj->elf && r->obj->progs.n > 0)
		return loader__load(r->s, r->obj->elf, r->obj->elf_size,
				    r->ir, r->obj, &r->ld);
	return loader__create_maps(r->s, r->ir, &r->ld);
}

static int run_script(struct run *r)
{
	int err;

	if (load(r))
		return -EINVAL;
	if (interp__init_globals(r->ir))
		return -EINVAL;
	/* user-space probes then touch the globals in place */
	interp__set_globals_mem(r->ir, control_block(r));
	if (output__init(&r->out, r->s, r->ir))
		return -EINVAL;
	r->out.rodata = object_rodata(r, &r->out.rodata_size);
	if (setup_signals(r)) {
		diag__plain(r->s, "cannot set up signal handling: %s",
			    strerror(errno));
		return -EINVAL;
	}
	if (r->s->cmd && spawn_child(r))
		return -EINVAL;
	if (store_control(r))
		return -EINVAL;
	err = run_user_probes(r, "begin");
	if (err)
		return err;
	if (!r->errors && !exit_requested(r)) {
		err = attach_all(r);
		if (err) {
			links__destroy(&r->links);
			return err;
		}
		release_child(r);
		err = utimers_setup(r);
		if (err) {
			links__destroy(&r->links);
			return err;
		}
		event_loop(r);
	}
	finish(r);
	return 0;
}

static int report(struct run *r, int err)
{
	if (r->errors || r->skipped)
		fprintf(r->s->err, "WARNING: Number of errors: %d, skipped "
			"probes: %lld\n", r->errors, (long long)r->skipped);
	if (err || r->errors) {
		fprintf(r->s->err, "Pass 5: run failed.  [man error::pass5]\n");
		return 1;
	}
	return 0;
}

int pass5__run(struct session *s)
{
	struct run r = {
		.s = s, .obj = s->object, .sigfd = -1, .child_go = -1,
	};
	int err, rc;

	r.ir = r.obj ? r.obj->ir : s->ir;
	if (!r.ir) {
		diag__plain(s, "pass 5: no translated program to run");
		return 1;
	}
	loader__setup_libbpf(s);
	if (open_output(s))
		return 1;
	err = run_script(&r);
	interp__release(r.ir);
	reap_child(&r, true);
	output__free(&r.out);
	links__destroy(&r.links);
	interp__set_globals_mem(r.ir, NULL);
	control_unmap(&r);
	free(r.ut);
	loader__unload(&r.ld);
	if (r.sigfd >= 0) {
		close(r.sigfd);
		sigprocmask(SIG_SETMASK, &r.oldmask, NULL);
	}
	rc = report(&r, err);
	fflush(s->out);
	return rc;
}

/* ---- bstap --run OBJECT ---- */

static void *read_file(struct session *s, const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f) {
		diag__plain(s, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = n;
	}
	if (!buf)
		diag__plain(s, "cannot read '%s'", path);
	fclose(f);
	return buf;
}

/* A saved object (-p4 -m NAME) carries, besides the kernel programs, a
 * .bstap section with everything the run needs (bpfgen/meta.h): meta__load
 * rebuilds the session's program, IR and object from it, and the run is
 * the same as a direct one from there on. */
int run__object(struct session *s, const char *path)
{
	size_t size = 0;
	void *elf;

	elf = read_file(s, path, &size);
	if (!elf || meta__load(s, path, elf, size)) {
		free(elf);
		fprintf(s->err, "Pass 5: run failed.  [man error::pass5]\n");
		return 1;
	}
	return pass5__run(s);
}
