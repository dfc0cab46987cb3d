/* translate.c - pass 3 and the pass-4 entry: the back end's pipeline.
 *
 * Pass 3 is one list of calls, each a pass over the whole program:
 *   layout   maps, key/value layouts, globals offsets   (layout.c)
 *   lower    AST -> IR, loops outlined into regions     (lower.c)
 *   check    IR well-formedness, an internal assertion  (irverify.c)
 * -p3 prints the IR (irprint.c).  Pass 4 hands the IR to the BPF code
 * generator (codegen.h) for the kernel-side functions.
 */
#include <errno.h>

#include "codegen.h"
#include "ir.h"
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
	if ((rc = ir__check(s, p)))
		return rc;
	if (s->last_pass == 3)
		ir__print(stdout, p);
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
	return 0;
}
