/* translate.c - pass 3 and the pass-4 entry: the back end's pipeline.
 *
 * Pass 3 is one list of calls, each a pass over the whole program:
 *   layout   maps, key/value layouts, globals offsets   (layout.c)
 *   lower    AST -> IR, loops outlined into regions     (lower.c)
 *   widths   string key columns narrowed to what the keys
 *            stored in them can hold                     (layout.c)
 *   percpu   arrays the kernel only adds to made per-CPU (layout.c)
 *   check    IR well-formedness, an internal assertion  (irverify.c)
 * -p3 prints the IR (irprint.c).  Pass 4 hands the IR to the BPF code
 * generator (codegen.h) for the kernel-side functions and, with -p4 -m
 * NAME, saves the object with its .bstap section (meta.c) as NAME.bo.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "codegen.h"
#include "ir.h"
#include "meta.h"
#include "passes.h"
#include "session.h"

int pass3__translate(struct session *s)
{
	struct ir_program *p = ir__new_program(s);
	int rc;

	s->ir = p;
	if ((rc = layout__program(s, p)))
		return rc;
	if ((rc = lower__program(s, p)))
		return rc;
	/* string key columns as narrow as the program's keys allow: the
	 * code generator, the interpreter and a saved object's .bstap all
	 * use this layout, and -p3 shows it */
	if ((rc = layout__key_widths(p)))
		return rc;
	/* arrays the kernel only adds to become per-CPU counters */
	if ((rc = layout__percpu(p, libbpf_num_possible_cpus())))
		return rc;
	if ((rc = ir__check(s, p)))
		return rc;
	if (s->last_pass == 3)
		ir__print(stdout, p);
	return 0;
}

/* -p4 -m NAME: NAME.bo in the current directory, the ELF with the
 * .bstap section that bstap --run needs, and its name on stdout (stap
 * -p4 prints the module it kept).  Without -m, -p4 keeps nothing: the
 * object is checked and dropped (-v shows its disassembly). */
static int save_object(struct session *s, struct bstap_object *o)
{
	char *path = arena__printf(&s->arena, "%s.bo", s->module_name);
	FILE *f;
	int rc = meta__attach(s, o);

	if (rc)
		return rc;
	f = fopen(path, "wb");
	if (!f || fwrite(o->elf, 1, o->elf_size, f) != o->elf_size) {
		rc = -errno;
		diag__plain(s, "cannot write '%s': %s", path, strerror(errno));
		if (f)
			fclose(f);
		return rc ? rc : -EIO;
	}
	if (fclose(f)) {
		rc = -errno;
		diag__plain(s, "cannot write '%s': %s", path, strerror(errno));
		return rc;
	}
	printf("%s\n", path);
	return 0;
}

int pass4__compile(struct session *s)
{
	struct bstap_object *o = NULL;
	int rc;

	if (!s->ir)
		return -EINVAL;
	rc = codegen__program(s, s->ir, &o);
	if (rc)
		return rc;
	s->object = o;
	if (s->last_pass == 4 && s->module_name)
		return save_object(s, o);
	return 0;
}
