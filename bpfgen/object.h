/* object.h - what pass 4 hands to the runtime.
 *
 * The BPF back end turns every kernel-side IR function into a program
 * and writes one libbpf-compatible ELF object (a section per probe,
 * BTF-defined .maps, "GPL" license).  The runtime opens that object with
 * libbpf (bpf_object__open_mem), so a saved object (-p4 -m NAME, then
 * bstap --run) and a direct run take the same road.
 */
#ifndef BSTAP_OBJECT_H
#define BSTAP_OBJECT_H

#include <linux/bpf.h>
#include <stddef.h>

#include "ir.h"

/* Where an instruction came from, for verifier rejections. */
struct bpf_line {
	int insn;		/* first instruction of the run */
	struct loc loc;		/* script position */
};

struct bpf_map_reloc {
	int insn;		/* index of the BPF_LD_IMM64 */
	struct ir_map *map;
};

struct bpf_probe_prog {
	struct ir_func *f;
	struct derived_probe *dp;
	const char *sec_name;		/* e.g. "perf_event/3" */
	const char *prog_name;		/* e.g. "probe_3" */
	enum bpf_prog_type type;
	struct bpf_insn *insns;
	int ninsns;
	struct vec relocs;		/* of struct bpf_map_reloc * */
	struct vec lines;		/* of struct bpf_line * */
	int stack_size;			/* bytes of the 512 used */
};

struct bstap_object {
	struct ir_program *ir;
	struct vec progs;		/* of struct bpf_probe_prog * */
	void *elf;			/* the ELF image (malloc'ed) */
	size_t elf_size;
};

#endif
