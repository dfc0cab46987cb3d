/* Reference for: global h; probe <tp> { h <<< pid() }, printed with
 * @hist_log(h): a power-of-two bucket array indexed by the value's log2. */
#include "ref.h"

struct {
	__uint(type, MAP_ARRAY);
	__uint(max_entries, 66);
	__type(key, u32);
	__type(value, u64);
} h SEC(".maps");

static inline u32 bucket(u64 v)
{
	/* 0 for v == 0, otherwise 1 + floor(log2(v)), by halving steps */
	u32 b = 0;
	if (!v)
		return 0;
	if (v >> 32) { v >>= 32; b += 32; }
	if (v >> 16) { v >>= 16; b += 16; }
	if (v >> 8) { v >>= 8; b += 8; }
	if (v >> 4) { v >>= 4; b += 4; }
	if (v >> 2) { v >>= 2; b += 2; }
	if (v >> 1) { b += 1; }
	return b + 1;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int hist(void *ctx)
{
	u32 k = bucket(current_pid_tgid() >> 32);
	u64 *v = map_lookup(&h, &k);
	if (v)
		*v += 1;
	return 0;
}

LICENSE;
