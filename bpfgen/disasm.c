/* disasm.c - our own BPF disassembler, in the kernel verifier's notation:
 *
 *     0: *(u32 *)(r10 -4) = 0
 *     1: r2 = r10
 *     2: r2 += -4
 *     3: r1 = map[__globals] ll
 *     5: call map_lookup_elem#1
 *     6: if r0 == 0x0 goto pc+20
 *
 * Used by -p4 -v and by the golden disassembly tests.
 */
#include <string.h>

#include "bpf.h"
#include "lir.h"

static const char *const alu_ops[16] = {
	[BPF_ADD >> 4] = "+=", [BPF_SUB >> 4] = "-=", [BPF_MUL >> 4] = "*=",
	[BPF_DIV >> 4] = "/=", [BPF_OR >> 4] = "|=", [BPF_AND >> 4] = "&=",
	[BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=",
	[BPF_NEG >> 4] = "neg", [BPF_MOD >> 4] = "%=",
	[BPF_XOR >> 4] = "^=", [BPF_MOV >> 4] = "=",
	[BPF_ARSH >> 4] = "s>>=", [BPF_END >> 4] = "endian",
};

static const char *const jmp_ops[16] = {
	[BPF_JEQ >> 4] = "==", [BPF_JGT >> 4] = ">", [BPF_JGE >> 4] = ">=",
	[BPF_JSET >> 4] = "&", [BPF_JNE >> 4] = "!=", [BPF_JSGT >> 4] = "s>",
	[BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<", [BPF_JLE >> 4] = "<=",
	[BPF_JSLT >> 4] = "s<", [BPF_JSLE >> 4] = "s<=",
};

static const char *size_name(int code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return "u8";
	case BPF_H: return "u16";
	case BPF_W: return "u32";
	default: return "u64";
	}
}

static const char *helper_name(int id)
{
	switch (id) {
	case HELPER_map_lookup_elem: return "map_lookup_elem";
	case HELPER_map_update_elem: return "map_update_elem";
	case HELPER_map_delete_elem: return "map_delete_elem";
	case HELPER_ktime_get_ns: return "ktime_get_ns";
	case HELPER_get_prandom_u32: return "get_prandom_u32";
	case HELPER_get_smp_processor_id: return "get_smp_processor_id";
	case HELPER_get_current_pid_tgid: return "get_current_pid_tgid";
	case HELPER_get_current_uid_gid: return "get_current_uid_gid";
	case HELPER_get_current_comm: return "get_current_comm";
	case HELPER_get_current_task: return "get_current_task";
	case HELPER_probe_read_kernel: return "probe_read_kernel";
	case HELPER_probe_read_user: return "probe_read_user";
	case HELPER_probe_read_user_str: return "probe_read_user_str";
	case HELPER_probe_read_kernel_str: return "probe_read_kernel_str";
	case HELPER_ringbuf_output: return "ringbuf_output";
	case HELPER_ringbuf_reserve: return "ringbuf_reserve";
	case HELPER_ringbuf_submit: return "ringbuf_submit";
	case HELPER_ringbuf_discard: return "ringbuf_discard";
	case HELPER_for_each_map_elem: return "for_each_map_elem";
	case HELPER_bpf_loop: return "loop";
	case HELPER_strncmp: return "strncmp";
	case HELPER_snprintf: return "snprintf";
	case HELPER_map_lookup_percpu_elem: return "map_lookup_percpu_elem";
	default: return "helper";
	}
}

static const char *map_name(const struct bpf_probe_prog *prog, int idx)
{
	if (!prog)
		return NULL;
	vec_foreach(i, &prog->relocs) {
		const struct bpf_map_reloc *r = vec_at(&prog->relocs, i);

		if (r->insn == idx)
			return r->map->name;
	}
	return NULL;
}

static void disasm_alu(FILE *f, const struct bpf_insn *x)
{
	const char *w = BPF_CLASS(x->code) == BPF_ALU64 ? "r" : "w";
	int op = BPF_OP(x->code);
	const char *o = alu_ops[op >> 4] ? alu_ops[op >> 4] : "?=";

	if (op == BPF_NEG) {
		fprintf(f, "%s%d = -%s%d", w, x->dst_reg, w, x->dst_reg);
		return;
	}
	if (BPF_SRC(x->code) == BPF_X)
		fprintf(f, "%s%d %s %s%d", w, x->dst_reg, o, w, x->src_reg);
	else
		fprintf(f, "%s%d %s %d", w, x->dst_reg, o, x->imm);
}

static void disasm_jmp(FILE *f, const struct bpf_insn *x)
{
	int op = BPF_OP(x->code);

	switch (op) {
	case BPF_JA:
		fprintf(f, "goto pc%+d", x->off);
		return;
	case BPF_EXIT:
		fprintf(f, "exit");
		return;
	case BPF_CALL:
		if (x->src_reg == BPF_PSEUDO_CALL)
			fprintf(f, "call pc%+d", x->imm);
		else
			fprintf(f, "call %s#%d", helper_name(x->imm), x->imm);
		return;
	}
	if (BPF_SRC(x->code) == BPF_X)
		fprintf(f, "if r%d %s r%d goto pc%+d", x->dst_reg,
			jmp_ops[op >> 4] ? jmp_ops[op >> 4] : "?",
			x->src_reg, x->off);
	else
		fprintf(f, "if r%d %s %#x goto pc%+d", x->dst_reg,
			jmp_ops[op >> 4] ? jmp_ops[op >> 4] : "?",
			(unsigned)x->imm, x->off);
}

int disasm__insn(FILE *f, const struct bpf_insn *x, int n_left,
		 const struct bpf_probe_prog *prog, int idx)
{
	switch (BPF_CLASS(x->code)) {
	case BPF_ALU64:
	case BPF_ALU:
		disasm_alu(f, x);
		return 1;
	case BPF_JMP:
	case BPF_JMP32:
		disasm_jmp(f, x);
		return 1;
	case BPF_LDX:
		fprintf(f, "r%d = *(%s *)(r%d %+d)", x->dst_reg,
			size_name(x->code), x->src_reg, x->off);
		return 1;
	case BPF_ST:
		fprintf(f, "*(%s *)(r%d %+d) = %d", size_name(x->code),
			x->dst_reg, x->off, x->imm);
		return 1;
	case BPF_STX:
		if (BPF_MODE(x->code) == BPF_ATOMIC && x->imm == BPF_CMPXCHG)
			fprintf(f, "r0 = cmpxchg(*(%s *)(r%d %+d), r0, r%d)",
				size_name(x->code), x->dst_reg, x->off,
				x->src_reg);
		else if (BPF_MODE(x->code) == BPF_ATOMIC)
			fprintf(f, "lock *(%s *)(r%d %+d) %s r%d",
				size_name(x->code), x->dst_reg, x->off,
				(x->imm & ~BPF_FETCH) == BPF_ADD ? "+=" :
				(x->imm & ~BPF_FETCH) == BPF_OR ? "|=" :
				(x->imm & ~BPF_FETCH) == BPF_AND ? "&=" :
				(x->imm & ~BPF_FETCH) == BPF_XOR ? "^=" : "?=",
				x->src_reg);
		else
			fprintf(f, "*(%s *)(r%d %+d) = r%d",
				size_name(x->code), x->dst_reg, x->off,
				x->src_reg);
		return 1;
	case BPF_LD:
		if (x->code == (BPF_LD | BPF_DW | BPF_IMM) && n_left >= 2) {
			const char *m = map_name(prog, idx);

			if (x->src_reg == BPF_PSEUDO_MAP_FD)
				fprintf(f, "r%d = map[%s] ll", x->dst_reg,
					m ? m : "?");
			else if (x->src_reg == BPF_PSEUDO_MAP_VALUE)
				fprintf(f, "r%d = &map[%s][0] + %d ll",
					x->dst_reg, m ? m : "?", x[1].imm);
			else if (x->src_reg == BPF_PSEUDO_FUNC)
				fprintf(f, "r%d = func pc%+d ll", x->dst_reg,
					x->imm);
			else
				fprintf(f, "r%d = %#llx ll", x->dst_reg,
					(unsigned long long)(uint32_t)x->imm |
					(unsigned long long)(uint32_t)x[1].imm
						<< 32);
			return 2;
		}
		fprintf(f, "(ld %#x)", x->code);
		return 1;
	}
	fprintf(f, "(bad %#x)", x->code);
	return 1;
}

void codegen__disasm(FILE *f, const struct bpf_probe_prog *prog)
{
	int li = 0;

	fprintf(f, "%s: section %s, %d instructions, stack %d\n",
		prog->prog_name, prog->sec_name, prog->ninsns,
		prog->stack_size);
	for (int i = 0; i < prog->ninsns;) {
		int n;

		while (li < prog->lines.n) {
			const struct bpf_line *ln = vec_at(&prog->lines, li);

			if (ln->insn > i)
				break;
			if (ln->insn == i && ln->loc.src)
				fprintf(f, "; %s:%d\n", ln->loc.src->name,
					ln->loc.line);
			li++;
		}
		fprintf(f, "%5d: ", i);
		n = disasm__insn(f, &prog->insns[i], prog->ninsns - i, prog, i);
		fputc('\n', f);
		i += n;
	}
}

void codegen__disasm_object(FILE *f, const struct bstap_object *o)
{
	vec_foreach(i, &o->progs) {
		if (i)
			fputc('\n', f);
		codegen__disasm(f, vec_at(&o->progs, i));
	}
}
