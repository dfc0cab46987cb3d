/* Reference for: global a; probe <tp> { a[pid(), tid(), uid(), cpu(), execname()]++ }
 * (the probe half of the 5-key foreach benchmark; the foreach itself runs
 * in user space after the run). */
#include "ref.h"

struct key5 {
	u32 pid, tid, uid, cpu;
	char comm[16];
};

struct {
	__uint(type, MAP_HASH);
	__uint(max_entries, 4096);
	__type(key, struct key5);
	__type(value, u64);
} a SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int key5(void *ctx)
{
	struct key5 k = {};
	u64 id = current_pid_tgid();

	k.pid = id >> 32;
	k.tid = (u32)id;
	k.uid = (u32)current_uid_gid();
	k.cpu = smp_processor_id();
	current_comm(k.comm, sizeof(k.comm));
	u64 *v = map_lookup(&a, &k);
	if (v) {
		*v += 1;
	} else {
		u64 one = 1;
		map_update(&a, &k, &one, 0);
	}
	return 0;
}

LICENSE;
