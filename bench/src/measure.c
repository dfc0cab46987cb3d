/* measure: run one command, report its wall time and the peak RSS of the
 * whole process tree it waited for.
 *
 *   measure [-t SECS] [-o OUT] [-e ERR] -- CMD ARGS...
 *
 * Prints one line on stdout:
 *   start_realtime_ns wall_ns maxrss_kb status
 * where status is the exit code, 128+signal, or 124 on timeout.  The child
 * runs in its own process group, which is killed on timeout. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile sig_atomic_t child_pgrp;

/* If the harness is interrupted, take the measured command down with us:
 * it runs in its own process group, so it would not see the terminal's
 * signal. */
static void forward(int sig)
{
	if (child_pgrp > 0) {
		kill(-child_pgrp, SIGINT);
		usleep(300000);
		kill(-child_pgrp, SIGKILL);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void redirect(const char *path, int fd)
{
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (f < 0) {
		perror(path);
		_exit(127);
	}
	dup2(f, fd);
	close(f);
}

int main(int argc, char **argv)
{
	double limit = 60;
	const char *out = NULL, *err = NULL;
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) { i++; break; }
		if (!strcmp(argv[i], "-t") && i + 1 < argc) limit = atof(argv[++i]);
		else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
		else if (!strcmp(argv[i], "-e") && i + 1 < argc) err = argv[++i];
		else { fprintf(stderr, "measure: bad option %s\n", argv[i]); return 2; }
	}
	if (i >= argc) {
		fprintf(stderr, "usage: measure [-t SECS] [-o OUT] [-e ERR] -- CMD...\n");
		return 2;
	}
	long long start_rt = now_ns(CLOCK_REALTIME);
	long long t0 = now_ns(CLOCK_MONOTONIC);
	pid_t pid = fork();
	if (pid < 0) { perror("fork"); return 2; }
	if (pid == 0) {
		setpgid(0, 0);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0) { dup2(devnull, 0); close(devnull); }
		if (out) redirect(out, 1);
		if (err) redirect(err, 2);
		execvp(argv[i], argv + i);
		fprintf(stderr, "measure: cannot run %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	child_pgrp = pid;
	signal(SIGINT, forward);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	int status = 0, timed_out = 0;
	long long deadline = t0 + (long long)(limit * 1e9);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) break;
		if (r < 0 && errno != EINTR) { perror("waitpid"); return 2; }
		if (now_ns(CLOCK_MONOTONIC) > deadline) {
			timed_out = 1;
			kill(-pid, SIGINT);
			usleep(500000);
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(200);
	}
	long long wall = now_ns(CLOCK_MONOTONIC) - t0;
	/* Anything the command left behind in its group goes too. */
	kill(-pid, SIGKILL);
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	int code = timed_out ? 124
		 : WIFEXITED(status) ? WEXITSTATUS(status)
		 : 128 + WTERMSIG(status);
	printf("%lld %lld %ld %d\n", start_rt, wall, ru.ru_maxrss, code);
	return 0;
}
