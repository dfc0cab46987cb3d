/* lexer.h - tokens between the lexer, the preprocessor and the parser.
 *
 * lexer.l turns a source into a vector of tokens (kinds are the parser's
 * token numbers from parser.h, or a character for one-character
 * operators).  preproc.c evaluates %( %? %: %) conditionals, @define
 * macros and $N/@N script arguments over that vector.  parser.y reads
 * the result through parser__next().
 */
#ifndef BSTAP_LEXER_H
#define BSTAP_LEXER_H

#include <stdint.h>

#include "session.h"

struct token {
	int kind;		/* parser.h token number or a char */
	const char *text;	/* spelling; decoded bytes for strings;
				 * code for EMBEDDED */
	int64_t num;		/* NUMBER value */
	struct loc loc;
	/* For a token produced by a macro expansion: the invocation, so
	 * errors can say where the macro was used. */
	const struct token *expanded_from;
};

/* Lex a whole source; tokens are appended to out (struct token *).
 * Returns 0, or -EINVAL after diagnosing bad input. */
int lexer__tokenize(struct session *s, const struct source *src,
		    struct vec *out);
/* Evaluate the preprocessor over in; append the result to out. */
int preproc__run(struct session *s, const struct vec *in, struct vec *out);

#endif
