/* loop: a syscall-heavy workload for the per-event overhead benchmark.
 *
 *   loop N [STAMPFILE]
 *
 * Writes CLOCK_REALTIME in ns to STAMPFILE first (the attach benchmark uses
 * this to learn when a tracer released its -c command), then makes N
 * getppid() system calls and prints
 *   calls=N ns=T ns_per_call=X
 * timing only the loop itself, so a tracer's start-up is not counted. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	if (argc > 2) {
		FILE *f = fopen(argv[2], "w");
		if (!f) { perror(argv[2]); return 1; }
		fprintf(f, "%lld\n", now_ns(CLOCK_REALTIME));
		fclose(f);
	}
	long long t0 = now_ns(CLOCK_MONOTONIC);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);	/* never served from a libc cache */
	long long dt = now_ns(CLOCK_MONOTONIC) - t0;
	printf("calls=%ld ns=%lld ns_per_call=%.2f\n", n, dt, n ? (double)dt / n : 0.0);
	fflush(stdout);
	return 0;
}
