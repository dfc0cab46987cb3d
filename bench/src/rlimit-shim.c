/* LD_PRELOAD shim for the stap BPF peer: stapbpf insists on raising
 * RLIMIT_MEMLOCK, which this kind of machine forbids.  Kernels since 5.11
 * charge BPF memory to the memory cgroup instead, so pretending the call
 * worked is harmless. */
#include <sys/resource.h>

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
	(void)resource;
	(void)rlim;
	return 0;
}
