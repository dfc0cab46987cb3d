/* Reference for: global a; probe <tp> { if (pid() == 1) a[pid()] <<< 1 }
 * The aggregate keeps count and sum (what @count/@sum/@avg need). */
#include "ref.h"

struct agg { u64 count, sum; };

struct {
	__uint(type, MAP_HASH);
	__uint(max_entries, 4096);
	__type(key, u32);
	__type(value, struct agg);
} a SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int stat(void *ctx)
{
	u32 pid = current_pid_tgid() >> 32;
	if (pid != 1)
		return 0;
	struct agg *v = map_lookup(&a, &pid);
	if (v) {
		v->count += 1;
		v->sum += 1;
	} else {
		struct agg first = { 1, 1 };
		map_update(&a, &pid, &first, 0);
	}
	return 0;
}

LICENSE;
