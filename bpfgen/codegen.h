/* codegen.h - the BPF back end: IR -> BPF instructions -> ELF object.
 *
 * Pipeline, one kernel-side IR function at a time:
 *
 *   isel.c      IR -> LIR: BPF-shaped instructions over virtual registers,
 *               with labels instead of jump offsets;
 *   regalloc.c  liveness, spill choice, register assignment onto r0-r9,
 *               stack slots (checked against the 512-byte limit);
 *   emit.c      LIR -> struct bpf_insn: jumps resolved, map references as
 *               BPF_LD_IMM64 + BPF_PSEUDO_MAP_FD relocations, script
 *               functions and loop regions appended as bpf-to-bpf
 *               subprograms of the probe's program;
 *   elf.c       the libbpf-compatible ELF object: probes in "perf_event",
 *               script functions and loop regions once in ".text"
 *               (libbpf appends the ones each program calls), constant
 *               strings and error records in ".rodata" (a frozen array
 *               map, BPF_PSEUDO_MAP_VALUE), BTF-defined .maps, BTF FUNC
 *               types + .BTF.ext func_info (callbacks need them),
 *               license "GPL".  BSTAP_DUMP_ELF=file.o saves a copy.
 *
 * Only functions with user_space == false are compiled; begin/end/error
 * probes are run by the interpreter from the same IR.
 *
 * Kernel-side probe programs are BPF_PROG_TYPE_PERF_EVENT (timer.* and
 * perf.* probes), section "perf_event", program name "probe_<id>".
 *
 * Runtime contract besides object.h:
 *   - globals: the time base for gettimeofday_*() is
 *     ktime_get_ns() + *(int64_t *)(globals + CODEGEN_BOOT_OFFSET_OFF),
 *     i.e. the runtime stores (realtime - monotonic) in ns into
 *     struct ir_control.reserved before attaching;
 *   - dropped records (ring buffer full) are counted in
 *     struct ir_control.skipped;
 *   - the scratch map's value size may be grown by codegen (string
 *     slots, key buffers, frames): read ir_map.val_size after
 *     codegen__program, or take it from the ELF's BTF.
 */
#ifndef BSTAP_CODEGEN_H
#define BSTAP_CODEGEN_H

#include <stdio.h>

#include "ir.h"
#include "object.h"

struct session;

/* Where the runtime puts (CLOCK_REALTIME - CLOCK_MONOTONIC) ns. */
#define CODEGEN_BOOT_OFFSET_OFF \
	((int)__builtin_offsetof(struct ir_control, reserved))

/* Kernel-side @count/@sum/@min/@max/@avg/@variance merge the per-CPU
 * values of CPUs 0..CODEGEN_MAX_CPUS-1 (bpf_map_lookup_percpu_elem stops
 * earlier, at nr_cpu_ids). */
#define CODEGEN_MAX_CPUS 1024

/* Compile every kernel-side function of p and write the ELF image.
 * On success *out is an arena-allocated object whose elf/elf_size hold
 * a malloc'ed image (free it with codegen__free).  With -p4 -v
 * (s->last_pass == 4 && s->verbose) it prints the disassembly of every
 * program to stdout itself: callers must not.  Errors are reported
 * with diag__error (script location) and return a negative errno. */
int codegen__program(struct session *s, struct ir_program *p,
		     struct bstap_object **out);

/* Free what codegen__program malloc'ed (the ELF image). */
void codegen__free(struct bstap_object *o);

/* The BPF program type (enum bpf_prog_type) of a kernel-side probe:
 * BPF_PROG_TYPE_TRACEPOINT for kernel.trace, BPF_PROG_TYPE_PERF_EVENT
 * for timers and perf events. */
struct derived_probe;
int emit__prog_type(const struct derived_probe *dp);

/* Print one program's instructions, one per line:
 *   "  12: r1 = *(u64 *)(r0 +8)"
 * with map loads named ("r1 = map[a]") and, when lines are recorded,
 * a "; file:line" comment where a new script line starts. */
void codegen__disasm(FILE *f, const struct bpf_probe_prog *prog);

/* Print every program of o (the -p4 -v output). */
void codegen__disasm_object(FILE *f, const struct bstap_object *o);

/* The script location that produced instruction insn of prog, or NULL. */
const struct loc *codegen__insn_loc(const struct bpf_probe_prog *prog,
				    int insn);

#endif
