/* Reference for: probe <tp> { printf("%d %s\n", pid(), execname()) }
 * The format stays in user space; the record carries a format id and the
 * two arguments. */
#include "ref.h"

struct {
	__uint(type, MAP_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} out SEC(".maps");

struct rec {
	u64 fmt;
	u64 pid;
	char comm[16];
};

SEC("tracepoint/syscalls/sys_enter_getppid")
int print(void *ctx)
{
	struct rec r = { .fmt = 0 };
	r.pid = current_pid_tgid() >> 32;
	current_comm(r.comm, sizeof(r.comm));
	perf_output(ctx, &out, CURRENT_CPU, &r, sizeof(r));
	return 0;
}

LICENSE;
