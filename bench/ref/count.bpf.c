/* Reference for: global a; probe <tp> { a[execname()]++ } */
#include "ref.h"

struct comm { char s[16]; };

struct {
	__uint(type, MAP_HASH);
	__uint(max_entries, 4096);
	__type(key, struct comm);
	__type(value, u64);
} a SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int count(void *ctx)
{
	struct comm k = {};
	current_comm(&k, sizeof(k));
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
