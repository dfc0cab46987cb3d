/* bpf.h - building struct bpf_insn by hand.
 *
 * Our own helpers in the style of the kernel's filter.h macros; the
 * opcodes come from <linux/bpf.h>.  Each builds one struct bpf_insn
 * value (BPF_LD_IMM64 builds the first of its two slots; the second is
 * BPF_LD_IMM64_HI).
 */
#ifndef BSTAP_BPF_H
#define BSTAP_BPF_H

#include <linux/bpf.h>
#include <stdint.h>

#define BPF_RAW(CODE, DST, SRC, OFF, IMM)				\
	((struct bpf_insn){ .code = (CODE), .dst_reg = (DST),		\
			    .src_reg = (SRC), .off = (OFF),		\
			    .imm = (IMM) })

/* dst op= src, 64 bit */
#define BPF_ALU64_REG(OP, DST, SRC) \
	BPF_RAW(BPF_ALU64 | BPF_OP(OP) | BPF_X, DST, SRC, 0, 0)
/* dst op= imm, 64 bit */
#define BPF_ALU64_IMM(OP, DST, IMM) \
	BPF_RAW(BPF_ALU64 | BPF_OP(OP) | BPF_K, DST, 0, 0, IMM)
#define BPF_MOV64_REG(DST, SRC) BPF_ALU64_REG(BPF_MOV, DST, SRC)
#define BPF_MOV64_IMM(DST, IMM) BPF_ALU64_IMM(BPF_MOV, DST, IMM)

/* dst = *(size *)(src + off) */
#define BPF_LDX_MEM(SIZE, DST, SRC, OFF) \
	BPF_RAW(BPF_LDX | BPF_SIZE(SIZE) | BPF_MEM, DST, SRC, OFF, 0)
/* *(size *)(dst + off) = src */
#define BPF_STX_MEM(SIZE, DST, SRC, OFF) \
	BPF_RAW(BPF_STX | BPF_SIZE(SIZE) | BPF_MEM, DST, SRC, OFF, 0)
/* *(size *)(dst + off) = imm */
#define BPF_ST_MEM(SIZE, DST, OFF, IMM) \
	BPF_RAW(BPF_ST | BPF_SIZE(SIZE) | BPF_MEM, DST, 0, OFF, IMM)
/* lock *(size *)(dst + off) op= src */
#define BPF_ATOMIC_OP(SIZE, OP, DST, SRC, OFF) \
	BPF_RAW(BPF_STX | BPF_SIZE(SIZE) | BPF_ATOMIC, DST, SRC, OFF, OP)

/* if (dst op src) goto pc + off + 1 */
#define BPF_JMP_REG(OP, DST, SRC, OFF) \
	BPF_RAW(BPF_JMP | BPF_OP(OP) | BPF_X, DST, SRC, OFF, 0)
#define BPF_JMP_IMM(OP, DST, IMM, OFF) \
	BPF_RAW(BPF_JMP | BPF_OP(OP) | BPF_K, DST, 0, OFF, IMM)
#define BPF_JMP_A(OFF) BPF_RAW(BPF_JMP | BPF_JA, 0, 0, OFF, 0)

/* call helper number imm */
#define BPF_CALL_HELPER(IMM) BPF_RAW(BPF_JMP | BPF_CALL, 0, 0, 0, IMM)
/* bpf-to-bpf call: pc + imm + 1 */
#define BPF_CALL_REL(IMM) \
	BPF_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, IMM)
#define BPF_EXIT_INSN() BPF_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* dst = imm64: two slots */
#define BPF_LD_IMM64_LO(DST, SRC, IMM) \
	BPF_RAW(BPF_LD | BPF_DW | BPF_IMM, DST, SRC, 0, (int32_t)(IMM))
#define BPF_LD_IMM64_HI(IMM) \
	BPF_RAW(0, 0, 0, 0, (int32_t)((uint64_t)(IMM) >> 32))

/* Helper numbers (stable UAPI ids; see enum bpf_func_id). */
enum {
	HELPER_map_lookup_elem = 1,
	HELPER_map_update_elem = 2,
	HELPER_map_delete_elem = 3,
	HELPER_ktime_get_ns = 5,
	HELPER_get_prandom_u32 = 7,
	HELPER_get_smp_processor_id = 8,
	HELPER_get_current_pid_tgid = 14,
	HELPER_get_current_uid_gid = 15,
	HELPER_get_current_comm = 16,
	HELPER_get_current_task = 35,
	HELPER_probe_read_user = 112,
	HELPER_probe_read_kernel = 113,
	HELPER_probe_read_user_str = 114,
	HELPER_probe_read_kernel_str = 115,
	HELPER_ringbuf_output = 130,
	HELPER_ringbuf_reserve = 131,
	HELPER_ringbuf_submit = 132,
	HELPER_ringbuf_discard = 133,
	HELPER_for_each_map_elem = 164,
	HELPER_bpf_loop = 181,
	HELPER_snprintf = 165,
	HELPER_strncmp = 182,
	HELPER_map_lookup_percpu_elem = 195,
};

#endif
