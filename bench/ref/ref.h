/* Minimal declarations for the hand-written BPF references, so they build
 * with plain `clang -O2 -target bpf -c` and no kernel or libbpf headers.
 * Helper numbers are the stable ids from the kernel's UAPI helper list. */
#ifndef BENCH_REF_H
#define BENCH_REF_H

typedef unsigned long long u64;
typedef unsigned int u32;

#define SEC(name) __attribute__((section(name), used))
/* BTF-style map definitions, as libbpf reads them from the .maps section. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

enum {
	MAP_HASH = 1,
	MAP_ARRAY = 2,
	MAP_PERF_EVENT_ARRAY = 4,
};

#define CURRENT_CPU 0xffffffffULL

static void *(*map_lookup)(void *map, const void *key) = (void *)1;
static long (*map_update)(void *map, const void *key, const void *val, u64 flags) = (void *)2;
static u32 (*smp_processor_id)(void) = (void *)8;
static u64 (*current_pid_tgid)(void) = (void *)14;
static u64 (*current_uid_gid)(void) = (void *)15;
static long (*current_comm)(void *buf, u32 size) = (void *)16;
static long (*perf_output)(void *ctx, void *map, u64 flags, void *data, u64 size) = (void *)25;

#define LICENSE char _license[] SEC("license") = "GPL"

#endif
