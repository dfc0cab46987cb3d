/* parser.y - the SystemTap grammar: preprocessed tokens to a struct stpfile.
 *
 * A pure bison parser reading the preprocessor's token vector through
 * yylex() below.  Statements need no ';' between them, as in stap, so an
 * expression statement is greedy: "a - b" is one subtraction, "f (x)" a
 * call.  The precedence declarations settle those choices (LOWEST marks
 * "end the statement here").  Errors are reported with the offending
 * token and what was expected; recovery happens at statement level (up
 * to ';' or the closing '}') and at declaration level.
 *
 * Probe point names are glued by the token feeder: inside a probe header
 * adjacent pieces such as "sys_" "*" become one PPNAME.  A "{a,b}" group
 * of alternatives is a component of its own, as in stap: nothing glued
 * to it, no parameter after it (see pp_group).
 */
%code requires {
#include "ast.h"
#include "lexer.h"

struct parser;
struct fe;
struct ppsfx;
}

%code {
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

struct parser {
	struct session *s;
	struct stpfile *file;
	struct token **t;
	int n, pos;
	struct token *last;		/* the token yylex returned last */
	/* probe headers: gluing component names */
	bool hdr, comp_start;
	int hdr_depth;
	int hdr_groups;			/* "{a,b}" groups open */
	const struct token *body_like;	/* group '{' ending its line */
	/* "x{a,": a would-be group glued to a name, opening the body */
	const struct token *glued_open, *glued_comma;
	bool pp_overflow;		/* expansion limit reported */
	/* bodies: in a function's (return allowed) or a probe's */
	bool in_function;
	bool return_reported;
	int braces;			/* '{' open in the body */
	/* follow-on errors: one error inside parentheses is enough for
	 * the rest of its line */
	int paren;
	const struct token *err_tok;
	int err_paren;
};

/* what follows a point's components: "?", "!", "if (cond)" */
struct ppsfx {
	bool optional, sufficient;
	const struct token *flag;	/* the first '?' or '!' */
	struct expr *cond;
	const struct token *cond_end;	/* the ')' closing the condition */
};

/* foreach (value = [k1, k2] in ...) while it is parsed */
struct fe {
	struct vec keys;
	struct expr *value;
	int sort_column, sort_dir, nsorts;
	bool bracketed;
	struct loc sort_loc;
};

static int yylex(YYSTYPE *lval, struct parser *p);
static void yyerror(struct parser *p, const char *msg);

/* helpers, defined after the grammar */
static struct vec *vnew(struct parser *p);
static struct vec *vnew1(struct parser *p, void *first);
static void add_order(struct parser *p, enum decl_kind kind, void *ptr);
static struct expr *num_new(struct parser *p, const struct token *t,
			    int64_t v);
static struct expr *str_new(struct parser *p, const struct token *t);
static struct expr *sym_new(struct parser *p, const struct token *t);
static struct vardecl *var_new(struct parser *p, const struct token *t);
static struct ppcomp *comp_new(struct parser *p, const struct token *t,
			       struct expr *arg);
static struct vec *pp_single(struct parser *p, struct ppcomp *c);
static struct vec *pp_group(struct parser *p, const struct token *open,
			    struct vec *alts);
static struct vec *pp_product(struct parser *p, struct vec *a,
			      struct vec *b);
static struct vec *pp_append(struct parser *p, struct vec *a,
			     struct vec *b);
static struct vec *pp_finish(struct parser *p, struct vec *pts,
			     const struct ppsfx *sfx);
static struct ppsfx *sfx_flag(struct parser *p, struct ppsfx *sfx,
			      const struct token *t);
static void check_return(struct parser *p, const struct token *t);
static const char *tok_desc(struct parser *p, const struct token *t);
static void expansion_notes(struct parser *p, const struct token *t);
static void syntax_error(struct parser *p, const struct token *t,
			 const char *expected);
static void semantic_at(struct parser *p, const struct loc *loc,
			const char *msg);
static void check_guru(struct parser *p, const struct token *t);
static int type_of(struct parser *p, const struct token *t);
static bool is_lvalue(const struct expr *e);
static struct expr *bin(struct parser *p, enum expr_kind kind, enum op op,
			struct expr *a, struct expr *b, const struct token *t);
static struct expr *regex(struct parser *p, enum op op, struct expr *a,
			  struct expr *b, const struct token *t);
static struct expr *lshr(struct parser *p, struct expr *a, struct expr *b,
			 const struct token *t);
static struct expr *lshr_assign(struct parser *p, struct expr *a,
				struct expr *b, const struct token *t);
static struct expr *assign(struct parser *p, enum op op, struct expr *a,
			   struct expr *b, const struct token *t);
static struct expr *unary(struct parser *p, enum op op, struct expr *a,
			  const struct token *t);
static struct expr *incdec(struct parser *p, enum op op, struct expr *a,
			   bool postfix, const struct token *t);
static struct expr *statop(struct parser *p, const struct token *t,
			   struct expr *a, struct expr *extra);
static void chain_push(struct parser *p, struct expr *e, enum chain_kind k,
		       const char *name, struct expr *index,
		       const struct token *t);
static struct expr *at_op(struct parser *p, const struct token *t,
			  struct vec *args);
static struct expr *autocast(struct parser *p, struct expr *a,
			     const struct token *arrow,
			     const struct token *member);
static struct stmt *expr_stmt(struct parser *p, struct expr *e);
static void check_delete(struct parser *p, struct expr *e);
static void fe_sort_mark(struct parser *p, struct fe *fe, int column,
			 int dir, const struct token *at);
static void fe_key_push(struct parser *p, struct vec *v,
			const struct token *name, int dir);
static void fe_keys_from(struct parser *p, struct fe *fe,
			 const struct vec *pairs);
static struct stmt *foreach_new(struct parser *p, const struct token *t,
				struct fe *fe, const struct token *array,
				struct vec *slice, int agg, int dir,
				struct expr *limit, struct stmt *body);
static struct probe *probe_new(struct parser *p, const struct token *t,
			       struct vec *points, struct stmt *body);
static struct probe *alias_new(struct parser *p, const struct token *t,
			       struct vec *names, struct vec *points,
			       struct stmt *body, bool epilogue);
static void decl_probe(struct parser *p, struct probe *pr, bool priv);
static struct funcdecl *function_new(struct parser *p, const struct token *name,
				     int type, struct vec *params,
				     struct stmt *body);
static void decl_globals(struct parser *p, struct vec *vars, bool priv);
static const char *sym_name(yysymbol_kind_t sym);
static bool sym_is_char(yysymbol_kind_t sym, char ch);
static bool has_char(const yysymbol_kind_t *v, int n, char ch);
static bool has_sym(const yysymbol_kind_t *v, int n, yysymbol_kind_t sym);
static bool is_operator_sym(yysymbol_kind_t sym);
static bool is_keyword(int k);
static bool is_piece(int k);
static bool adjacent(const struct token *a, const struct token *b);
static struct token *glue_name(struct parser *p);
static void header_track(struct parser *p, const struct token *t);
static struct stpfile *parse_tokens(struct session *s,
				    const struct source *src,
				    struct vec *toks);

#define S (p->s)
#define A (&p->s->arena)
}

%define api.pure full
%define parse.error custom

%parse-param {struct parser *p}
%lex-param {struct parser *p}

%union {
	struct token *tok;
	struct expr *e;
	struct stmt *st;
	struct vec *v;
	struct vardecl *var;
	struct probe *probe;
	struct funcdecl *fn;
	struct fe *fe;
	struct ppsfx *sfx;
	int i;
}

%token <tok> IDENT "identifier"
%token <tok> NUMBER "number"
%token <tok> STRING "string"
%token <tok> TARGET "target variable"
%token <tok> EMBEDDED "embedded code"
%token <tok> PPNAME "probe point name"
%token <tok> DOLLAR_SUFFIX "'$'"
%token <tok> SCRIPTARG "script argument"
%token <tok> MACRO "macro"
%token <tok> PROBE "'probe'"
%token <tok> GLOBAL "'global'"
%token <tok> FUNCTION "'function'"
%token <tok> PRIVATE "'private'"
%token <tok> IF "'if'"
%token <tok> ELSE "'else'"
%token <tok> FOR "'for'"
%token <tok> FOREACH "'foreach'"
%token <tok> IN "'in'"
%token <tok> WHILE "'while'"
%token <tok> RETURN "'return'"
%token <tok> RETURN_BARE "'return' "
%token <tok> DELETE "'delete'"
%token <tok> NEXT "'next'"
%token <tok> BREAK "'break'"
%token <tok> CONTINUE "'continue'"
%token <tok> TRY "'try'"
%token <tok> CATCH "'catch'"
%token <tok> AT_CAST "'@cast'"
%token <tok> AT_VAR "'@var'"
%token <tok> AT_DEFINED "'@defined'"
%token <tok> AT_ENTRY "'@entry'"
%token <tok> AT_PERF "'@perf'"
%token <tok> AT_DEFINE "'@define'"
%token <tok> AT_OP "'@' operator"
%token <tok> AT_STAT "statistic extractor"
%token <tok> AT_HIST_LOG "'@hist_log'"
%token <tok> AT_HIST_LINEAR "'@hist_linear'"
%token <tok> PP_IF "'%('"
%token <tok> PP_THEN "'%?'"
%token <tok> PP_ELSE "'%:'"
%token <tok> PP_END "'%)'"
%token <tok> ARROW "'->'"
%token <tok> ',' '{' '}' ')' ']' ';' '(' '[' '=' '?' ':' '|' '^' '&' '<' '>'
%token <tok> '.' '+' '-' '*' '/' '%' '!' '~'

%token <tok> ADD_ASSIGN "'+='"
%token <tok> SUB_ASSIGN "'-='"
%token <tok> MUL_ASSIGN "'*='"
%token <tok> DIV_ASSIGN "'/='"
%token <tok> MOD_ASSIGN "'%='"
%token <tok> SHL_ASSIGN "'<<='"
%token <tok> SHR_ASSIGN "'>>='"
%token <tok> AND_ASSIGN "'&='"
%token <tok> OR_ASSIGN "'|='"
%token <tok> XOR_ASSIGN "'^='"
%token <tok> CONCAT_ASSIGN "'.='"
%token <tok> STATACC "'<<<'"
%token <tok> OROR "'||'"
%token <tok> ANDAND "'&&'"
%token <tok> EQ "'=='"
%token <tok> NE "'!='"
%token <tok> LE "'<='"
%token <tok> GE "'>='"
%token <tok> MATCH "'=~'"
%token <tok> NMATCH "'!~'"
%token <tok> SHL "'<<'"
%token <tok> SHR "'>>'"
%token <tok> INC "'++'"
%token <tok> DEC "'--'"
%token <tok> LSHR "'>>>'"
%token <tok> LSHR_ASSIGN "'>>>='"

%precedence LOWEST
%precedence ';' ELSE '(' '['
%right '=' ADD_ASSIGN SUB_ASSIGN MUL_ASSIGN
	DIV_ASSIGN MOD_ASSIGN SHL_ASSIGN
	SHR_ASSIGN AND_ASSIGN OR_ASSIGN
	XOR_ASSIGN CONCAT_ASSIGN STATACC LSHR_ASSIGN
%right '?' ':'
%left OROR
%left ANDAND
%left '|'
%left '^'
%left '&'
%precedence IN
%left EQ NE '<' LE '>' GE
	MATCH NMATCH
%left SHL SHR LSHR
%left '.'
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY '!' '~'
%precedence INC DEC
%precedence ARROW

%type <i> opt_private opt_type fe_sort fe_agg
%type <sfx> pp_flags pp_suffix
%type <probe> probe_decl
%type <v> pp_list probe_point pp_comps pp_comp
%type <v> opt_params param_list gvar_list stmts
%type <v> opt_args arg_list index_list fe_slice fe_key_list
%type <e> pp_literal expr opt_expr primary chained index_elem
%type <e> fe_limit hist
%type <tok> opt_module member
%type <var> param gvar gvar_head
%type <fn> function_decl
%type <st> block fn_body stmt
%type <fe> fe_vars fe_keys

%start script

%%

script:
	%empty
	| script decl
	;

/* decl = ["private"] (probe | function | global) | "%{" code "%}" | ";" */
decl:
	opt_private probe_decl
		{ decl_probe(p, $2, $1); }
	| opt_private function_decl
		{ $2->is_private = $1;
		  vec__push(A, &p->file->functions, $2);
		  add_order(p, DK_FUNCTION, $2); }
	| opt_private GLOBAL gvar_list
		{ decl_globals(p, $3, $1); }
	| EMBEDDED
		{ check_guru(p, $1);
		  vec__push(A, &p->file->embeds, (void *)$1->text);
		  add_order(p, DK_EMBED, (void *)$1->text); }
	| ';'
	| error
	;

opt_private:
	%empty		{ $$ = 0; }
	| PRIVATE	{ $$ = 1; }
	;

/* probe = "probe" points block
 *       | "probe" names ("=" | "+=") points block */
probe_decl:
	PROBE pp_list block
		{ $$ = probe_new(p, $1, $2, $3); }
	| PROBE pp_list '=' pp_list block
		{ $$ = alias_new(p, $1, $2, $4, $5, false); }
	| PROBE pp_list ADD_ASSIGN pp_list block
		{ $$ = alias_new(p, $1, $2, $4, $5, true); }
	;

/* points = point ("," point)*
 * Every rule from here to pp_comp yields a vec of struct probe_point *:
 * the points a piece stands for once its groups are expanded. */
pp_list:
	probe_point			{ $$ = $1; }
	| pp_list ',' probe_point	{ $$ = pp_append(p, $1, $3); }
	;

/* point = comp ("." comp)* ("?" | "!")* ["if" "(" expr ")"] */
probe_point:
	pp_comps pp_suffix	{ $$ = pp_finish(p, $1, $2); }
	;

pp_comps:
	pp_comp			{ $$ = $1; }
	| pp_comps '.' pp_comp	{ $$ = pp_product(p, $1, $3); }
	;

/* comp = name ["(" literal ")"] | "{" point ("," point)* "}" */
pp_comp:
	PPNAME
		{ $$ = pp_single(p, comp_new(p, $1, NULL)); }
	| PPNAME '(' pp_literal ')'
		{ $$ = pp_single(p, comp_new(p, $1, $3)); }
	| '{' pp_list '}'
		{ $$ = pp_group(p, $1, $2); }
	;

/* literal = number | "-" number | string */
pp_literal:
	NUMBER		{ $$ = num_new(p, $1, $1->num); }
	| '-' NUMBER	{ $$ = num_new(p, $1, -(uint64_t)$2->num); }
	| '+' NUMBER	{ $$ = num_new(p, $1, $2->num); }
	| STRING	{ $$ = str_new(p, $1); }
	;

pp_suffix:
	pp_flags		{ $$ = $1; }
	| pp_flags IF '(' expr ')'
		{ $$ = $1; $$->cond = $4; $$->cond_end = $5; }
	;

pp_flags:
	%empty			{ $$ = arena__alloc(A, sizeof(*$$)); }
	| pp_flags '?'		{ $$ = sfx_flag(p, $1, $2); }
	| pp_flags '!'		{ $$ = sfx_flag(p, $1, $2); }
	;

/* function = "function" name [":" type] "(" [param ("," param)*] ")"
 *            (block | "%{" code "%}") */
function_decl:
	FUNCTION IDENT opt_type '(' opt_params ')' fn_body
		{ $$ = function_new(p, $2, $3, $5, $7); }
	;

opt_type:
	%empty		{ $$ = -1; }
	| ':' IDENT	{ $$ = type_of(p, $2); }
	;

opt_params:
	%empty		{ $$ = vnew(p); }
	| param_list
	;

param_list:
	param			{ $$ = vnew1(p, $1); }
	| param_list ',' param	{ vec__push(A, $1, $3); $$ = $1; }
	;

/* param = name [":" type] */
param:
	IDENT opt_type
		{ $$ = var_new(p, $1);
		  $$->is_param = true;
		  $$->arity = 0;
		  $$->type = $2 < 0 ? TY_UNKNOWN : (enum type)$2; }
	;

fn_body:
	block
	| EMBEDDED
		{ check_guru(p, $1);
		  $$ = stmt__new(S, ST_EMBEDDED, &$1->loc);
		  $$->code = $1->text; }
	;

/* global = "global" var ("," var)*
 * var = name ("[" number "]" | "%")* ["=" literal] */
gvar_list:
	gvar			{ $$ = vnew1(p, $1); }
	| gvar_list ',' gvar	{ vec__push(A, $1, $3); $$ = $1; }
	;

gvar:
	gvar_head
	| gvar_head '=' pp_literal
		{ $$ = $1;
		  $$->init = $3;
		  $$->arity = 0;
		  $$->type = $3->kind == EX_STR ? TY_STRING : TY_LONG; }
	;

gvar_head:
	IDENT
		{ $$ = var_new(p, $1);
		  $$->is_global = true;
		  $$->arity = -1; }
	| gvar_head '%'
		{ $$ = $1; $$->wrap = true; }
	| gvar_head '[' NUMBER ']'
		{ $$ = $1;
		  if ($3->num <= 0)
			  diag__error(S, &$3->loc, "parse error",
				      "array size must be positive, not %s",
				      $3->text);
		  $$->maxsize = $3->num; }
	;

/* ---- statements ---- */

/* block = "{" stmt* "}" */
block:
	'{' stmts '}'
		{ $$ = stmt__new(S, ST_BLOCK, &$1->loc); $$->body = *$2; }
	| '{' stmts error '}'
		{ $$ = stmt__new(S, ST_BLOCK, &$1->loc); $$->body = *$2; }
	;

stmts:
	%empty		{ $$ = vnew(p); }
	| stmts stmt	{ vec__push(A, $1, $2); $$ = $1; }
	;

semi:
	%empty %prec LOWEST
	| ';'
	;

stmt:
	block
	| ';'
		{ $$ = stmt__new(S, ST_NULL, &$1->loc); }
	| expr semi
		{ $$ = expr_stmt(p, $1); }
	| IF '(' expr ')' stmt %prec LOWEST
		{ $$ = stmt__new(S, ST_IF, &$1->loc);
		  $$->e = $3; $$->then = $5; }
	| IF '(' expr ')' stmt ELSE stmt
		{ $$ = stmt__new(S, ST_IF, &$1->loc);
		  $$->e = $3; $$->then = $5; $$->els = $7; }
	| WHILE '(' expr ')' stmt
		{ $$ = stmt__new(S, ST_WHILE, &$1->loc);
		  $$->e = $3; $$->then = $5; }
	| FOR '(' opt_expr ';' opt_expr ';' opt_expr ')' stmt
		{ $$ = stmt__new(S, ST_FOR, &$1->loc);
		  $$->init = $3; $$->e = $5; $$->step = $7; $$->then = $9; }
	| FOREACH '(' fe_vars IN IDENT fe_slice fe_agg fe_sort fe_limit ')'
	  stmt
		{ $$ = foreach_new(p, $1, $3, $5, $6, $7, $8, $9, $11); }
	| FOREACH '(' fe_vars IN hist fe_sort fe_limit ')' stmt
		{ $$ = foreach_new(p, $1, $3, $4, NULL, -1, $6, $7, $9);
		  $$->array = $5;
		  if ($3->keys.n != 1 || $3->value)
			  semantic_at(p, &$5->loc, "foreach over a histogram "
				      "takes one key: its bucket"); }
	| DELETE expr semi
		{ $$ = stmt__new(S, ST_DELETE, &$1->loc);
		  $$->e = $2;
		  check_delete(p, $2); }
	| NEXT semi
		{ $$ = stmt__new(S, ST_NEXT, &$1->loc); }
	| BREAK semi
		{ $$ = stmt__new(S, ST_BREAK, &$1->loc); }
	| CONTINUE semi
		{ $$ = stmt__new(S, ST_CONTINUE, &$1->loc); }
	| RETURN expr semi
		{ $$ = stmt__new(S, ST_RETURN, &$1->loc); $$->e = $2; }
	| RETURN_BARE semi
		{ $$ = stmt__new(S, ST_RETURN, &$1->loc); }
	| TRY block CATCH block
		{ $$ = stmt__new(S, ST_TRY, &$1->loc);
		  $$->then = $2; $$->els = $4; }
	| TRY block CATCH '(' IDENT ')' block
		{ $$ = stmt__new(S, ST_TRY, &$1->loc);
		  $$->then = $2; $$->els = $7;
		  $$->catch_var = sym_new(p, $5); }
	| error ';'
		{ $$ = stmt__new(S, ST_NULL, &$2->loc); }
	;

opt_expr:
	%empty		{ $$ = NULL; }
	| expr
	;

/* foreach "(" [value "="] (key | "[" key ("," key)* "]") "in" array
 *         ["[" slice "]"] ["@op"] ["+" | "-"] ["limit" expr] ")" stmt
 * key = name ["+" | "-"] */
fe_vars:
	fe_keys
	| IDENT fe_sort '=' fe_keys
		{ $$ = $4;
		  $$->value = sym_new(p, $1);
		  fe_sort_mark(p, $$, 0, $2, $1); }
	;

fe_keys:
	IDENT fe_sort
		{ $$ = arena__alloc(A, sizeof(*$$));
		  vec__push(A, &$$->keys, sym_new(p, $1));
		  fe_sort_mark(p, $$, 1, $2, $1); }
	| '[' fe_key_list ']'
		{ $$ = arena__alloc(A, sizeof(*$$));
		  fe_keys_from(p, $$, $2);
		  $$->bracketed = true; }
	;

/* pairs: key expr, sort direction as a number expr */
fe_key_list:
	IDENT fe_sort
		{ $$ = vnew(p); fe_key_push(p, $$, $1, $2); }
	| fe_key_list ',' IDENT fe_sort
		{ $$ = $1; fe_key_push(p, $$, $3, $4); }
	;

fe_sort:
	%empty		{ $$ = 0; }
	| '+'		{ $$ = 1; }
	| '-'		{ $$ = -1; }
	;

fe_slice:
	%empty			{ $$ = NULL; }
	| '[' index_list ']'	{ $$ = $2; }
	;

fe_agg:
	%empty		{ $$ = -1; }
	| AT_STAT	{ $$ = (int)$1->num; }
	;

fe_limit:
	%empty		{ $$ = NULL; }
	| IDENT expr
		{ $$ = $2;
		  if (strcmp($1->text, "limit") != 0)
			  syntax_error(p, $1, "'limit', '+', '-' or ')'"); }
	;

/* ---- expressions, lowest precedence first (see the %left lines) ---- */

expr:
	expr '=' expr		{ $$ = assign(p, OP_ASSIGN, $1, $3, $2); }
	| expr ADD_ASSIGN expr	{ $$ = assign(p, OP_ADD, $1, $3, $2); }
	| expr SUB_ASSIGN expr	{ $$ = assign(p, OP_SUB, $1, $3, $2); }
	| expr MUL_ASSIGN expr	{ $$ = assign(p, OP_MUL, $1, $3, $2); }
	| expr DIV_ASSIGN expr	{ $$ = assign(p, OP_DIV, $1, $3, $2); }
	| expr MOD_ASSIGN expr	{ $$ = assign(p, OP_MOD, $1, $3, $2); }
	| expr SHL_ASSIGN expr	{ $$ = assign(p, OP_SHL, $1, $3, $2); }
	| expr SHR_ASSIGN expr	{ $$ = assign(p, OP_SHR, $1, $3, $2); }
	| expr AND_ASSIGN expr	{ $$ = assign(p, OP_BAND, $1, $3, $2); }
	| expr OR_ASSIGN expr	{ $$ = assign(p, OP_BOR, $1, $3, $2); }
	| expr XOR_ASSIGN expr	{ $$ = assign(p, OP_BXOR, $1, $3, $2); }
	| expr CONCAT_ASSIGN expr { $$ = assign(p, OP_CONCAT, $1, $3, $2); }
	| expr STATACC expr	{ $$ = assign(p, OP_STATACC, $1, $3, $2); }
	| expr LSHR_ASSIGN expr	{ $$ = lshr_assign(p, $1, $3, $2); }
	| expr '?' expr ':' expr
		{ $$ = expr__new(S, EX_TERNARY, &$2->loc);
		  $$->a = $1; $$->b = $3; $$->c = $5; }
	| expr OROR expr	{ $$ = bin(p, EX_LOGICAL, OP_LOR, $1, $3, $2); }
	| expr ANDAND expr	{ $$ = bin(p, EX_LOGICAL, OP_LAND, $1, $3, $2); }
	| expr '|' expr		{ $$ = bin(p, EX_BINARY, OP_BOR, $1, $3, $2); }
	| expr '^' expr		{ $$ = bin(p, EX_BINARY, OP_BXOR, $1, $3, $2); }
	| expr '&' expr		{ $$ = bin(p, EX_BINARY, OP_BAND, $1, $3, $2); }
	| expr IN IDENT %prec IN
		{ $$ = expr__new(S, EX_IN, &$2->loc);
		  vec__push(A, &$$->args, $1);
		  $$->a = sym_new(p, $3); }
	| '[' index_list ']' IN IDENT %prec IN
		{ $$ = expr__new(S, EX_IN, &$4->loc);
		  $$->args = *$2;
		  $$->a = sym_new(p, $5); }
	| expr EQ expr		{ $$ = bin(p, EX_COMPARE, OP_EQ, $1, $3, $2); }
	| expr NE expr		{ $$ = bin(p, EX_COMPARE, OP_NE, $1, $3, $2); }
	| expr '<' expr		{ $$ = bin(p, EX_COMPARE, OP_LT, $1, $3, $2); }
	| expr LE expr		{ $$ = bin(p, EX_COMPARE, OP_LE, $1, $3, $2); }
	| expr '>' expr		{ $$ = bin(p, EX_COMPARE, OP_GT, $1, $3, $2); }
	| expr GE expr		{ $$ = bin(p, EX_COMPARE, OP_GE, $1, $3, $2); }
	| expr MATCH expr	{ $$ = regex(p, OP_MATCH, $1, $3, $2); }
	| expr NMATCH expr	{ $$ = regex(p, OP_NMATCH, $1, $3, $2); }
	| expr SHL expr		{ $$ = bin(p, EX_BINARY, OP_SHL, $1, $3, $2); }
	| expr SHR expr		{ $$ = bin(p, EX_BINARY, OP_SHR, $1, $3, $2); }
	| expr LSHR expr	{ $$ = lshr(p, $1, $3, $2); }
	| expr '.' expr		{ $$ = bin(p, EX_BINARY, OP_CONCAT, $1, $3, $2); }
	| expr '+' expr		{ $$ = bin(p, EX_BINARY, OP_ADD, $1, $3, $2); }
	| expr '-' expr		{ $$ = bin(p, EX_BINARY, OP_SUB, $1, $3, $2); }
	| expr '*' expr		{ $$ = bin(p, EX_BINARY, OP_MUL, $1, $3, $2); }
	| expr '/' expr		{ $$ = bin(p, EX_BINARY, OP_DIV, $1, $3, $2); }
	| expr '%' expr		{ $$ = bin(p, EX_BINARY, OP_MOD, $1, $3, $2); }
	| '-' expr %prec UNARY	{ $$ = unary(p, OP_NEG, $2, $1); }
	| '+' expr %prec UNARY	{ $$ = unary(p, OP_PLUS, $2, $1); }
	| '!' expr		{ $$ = unary(p, OP_NOT, $2, $1); }
	| '~' expr		{ $$ = unary(p, OP_BNOT, $2, $1); }
	| '&' expr %prec UNARY	{ $$ = unary(p, OP_ADDR, $2, $1); }
	| INC expr %prec UNARY	{ $$ = incdec(p, OP_INC, $2, false, $1); }
	| DEC expr %prec UNARY	{ $$ = incdec(p, OP_DEC, $2, false, $1); }
	| primary INC		{ $$ = incdec(p, OP_INC, $1, true, $2); }
	| primary DEC		{ $$ = incdec(p, OP_DEC, $1, true, $2); }
	| primary %prec LOWEST
	;

primary:
	NUMBER		{ $$ = num_new(p, $1, $1->num); }
	| STRING	{ $$ = str_new(p, $1); }
	| EMBEDDED
		{ check_guru(p, $1);
		  $$ = expr__new(S, EX_EMBEDDED, &$1->loc);
		  $$->str = $1->text; }
	| IDENT %prec LOWEST
		{ $$ = sym_new(p, $1); }
	| IDENT '[' index_list ']'
		{ $$ = expr__new(S, EX_INDEX, &$1->loc);
		  $$->a = sym_new(p, $1);
		  $$->args = *$3; }
	| IDENT '(' opt_args ')'
		{ $$ = expr__new(S, EX_CALL, &$1->loc);
		  $$->str = $1->text;
		  $$->args = *$3; }
	| '(' expr ')'
		{ $$ = $2; }
	| chained %prec LOWEST
	| AT_STAT '(' expr ')'
		{ $$ = statop(p, $1, $3, NULL); }
	| AT_STAT '(' expr ',' expr ')'
		{ $$ = statop(p, $1, $3, $5); }
	| hist %prec LOWEST
	| hist '[' expr ']'
		{ $$ = expr__new(S, EX_INDEX, &$2->loc);
		  $$->a = $1;
		  vec__push(A, &$$->args, $3); }
	| AT_DEFINED '(' expr ')'
		{ $$ = expr__new(S, EX_DEFINED, &$1->loc); $$->a = $3; }
	| AT_ENTRY '(' expr ')'
		{ $$ = expr__new(S, EX_ENTRY, &$1->loc); $$->a = $3; }
	| AT_PERF '(' STRING ')'
		{ $$ = expr__new(S, EX_PERF, &$1->loc); $$->str = $3->text; }
	| AT_OP '(' opt_args ')'
		{ $$ = at_op(p, $1, $3); }
	;

/* hist = "@hist_log" "(" expr ")"
 *      | "@hist_linear" "(" expr "," lo "," hi "," step ")" */
hist:
	AT_HIST_LOG '(' expr ')'
		{ $$ = expr__new(S, EX_HIST, &$1->loc);
		  $$->statop = SO_HIST_LOG;
		  $$->a = $3; }
	| AT_HIST_LINEAR '(' expr ',' expr ',' expr ',' expr ')'
		{ $$ = expr__new(S, EX_HIST, &$1->loc);
		  $$->statop = SO_HIST_LINEAR;
		  $$->a = $3;
		  vec__push(A, &$$->args, $5);
		  vec__push(A, &$$->args, $7);
		  vec__push(A, &$$->args, $9); }
	;

/* chained = ($name | @cast(e, "type"[, "module"]) | @var("n"[, "module"])
 *            | primary "->" member)
 *           ("->" member | "[" expr "]")* ["$" | "$$"]
 * "primary -> member" on anything else is stap's autocast: the value is
 * a pointer whose type pass 2 must infer (s->name, f()->x, (e)->y). */
chained:
	TARGET
		{ $$ = expr__new(S, EX_TARGET, &$1->loc); $$->str = $1->text; }
	| AT_CAST '(' expr ',' STRING opt_module ')'
		{ $$ = expr__new(S, EX_CAST, &$1->loc);
		  $$->a = $3;
		  $$->str = $5->text;
		  $$->module = $6 ? $6->text : NULL; }
	| AT_VAR '(' STRING opt_module ')'
		{ $$ = expr__new(S, EX_VARAT, &$1->loc);
		  $$->str = $3->text;
		  $$->module = $4 ? $4->text : NULL; }
	| chained ARROW member
		{ $$ = $1; chain_push(p, $1, CH_MEMBER, $3->text, NULL, $2); }
	| primary ARROW member
		{ $$ = autocast(p, $1, $2, $3); }
	| chained '[' expr ']'
		{ $$ = $1; chain_push(p, $1, CH_INDEX, NULL, $3, $2); }
	| chained DOLLAR_SUFFIX
		{ $$ = $1;
		  if ($$->deref_pretty)
			  syntax_error(p, $2, "'->', '[' or an operator");
		  $$->deref_pretty = (int)strlen($2->text); }
	;

opt_module:
	%empty		{ $$ = NULL; }
	| ',' STRING	{ $$ = $2; }
	;

/* a member name may be any word, keywords too ($list->next) */
member:
	IDENT | PROBE | GLOBAL | FUNCTION | PRIVATE | IF | ELSE | FOR
	| FOREACH | IN | WHILE | RETURN | RETURN_BARE | DELETE | NEXT
	| BREAK | CONTINUE | TRY | CATCH
	;

opt_args:
	%empty		{ $$ = vnew(p); }
	| arg_list
	;

arg_list:
	expr			{ $$ = vnew1(p, $1); }
	| arg_list ',' expr	{ vec__push(A, $1, $3); $$ = $1; }
	;

index_list:
	index_elem			{ $$ = vnew1(p, $1); }
	| index_list ',' index_elem	{ vec__push(A, $1, $3); $$ = $1; }
	;

/* a key, or '*' for any key in a slice */
index_elem:
	expr
	| '*'	{ $$ = expr__new(S, EX_WILD, &$1->loc); }
	;

%%

/* ---- AST helpers ---- */

static struct vec *vnew(struct parser *p)
{
	return arena__alloc(A, sizeof(struct vec));
}

static struct vec *vnew1(struct parser *p, void *first)
{
	struct vec *v = vnew(p);

	vec__push(A, v, first);
	return v;
}

static void add_order(struct parser *p, enum decl_kind kind, void *ptr)
{
	struct decl_ref *r = arena__alloc(A, sizeof(*r));

	r->kind = kind;
	r->ptr = ptr;
	vec__push(A, &p->file->order, r);
}

static struct expr *num_new(struct parser *p, const struct token *t,
			    int64_t v)
{
	struct expr *e = expr__new(S, EX_NUM, &t->loc);

	e->num = v;
	return e;
}

static struct expr *str_new(struct parser *p, const struct token *t)
{
	struct expr *e = expr__new(S, EX_STR, &t->loc);

	e->str = t->text;
	return e;
}

static struct expr *sym_new(struct parser *p, const struct token *t)
{
	struct expr *e = expr__new(S, EX_SYM, &t->loc);

	e->str = t->text;
	return e;
}

static struct vardecl *var_new(struct parser *p, const struct token *t)
{
	struct vardecl *v = arena__alloc(A, sizeof(*v));

	v->name = t->text;
	v->loc = t->loc;
	v->file = p->file;
	return v;
}

static struct ppcomp *comp_new(struct parser *p, const struct token *t,
			       struct expr *arg)
{
	struct ppcomp *c = arena__alloc(A, sizeof(*c));

	c->name = t->text;
	c->arg = arg;
	c->loc = t->loc;
	return c;
}

/* "what the parser saw", for messages */
static const char *tok_desc(struct parser *p, const struct token *t)
{
	if (!t || t->kind == 0)
		return "end of input";
	switch (t->kind) {
	case IDENT:
		return arena__printf(A, "identifier '%s'", t->text);
	case NUMBER:
		return arena__printf(A, "number %s", t->text);
	case STRING: {
		size_t n = strlen(t->text);

		return arena__printf(A, "string \"%.*s%s\"", n > 40 ? 40 :
				     (int)n, t->text, n > 40 ? "..." : "");
	}
	case TARGET:
		return arena__printf(A, "target variable '%s'", t->text);
	case EMBEDDED:
		return "embedded code '%{ ... %}'";
	case PPNAME:
		return arena__printf(A, "'%s'", t->text);
	case PROBE: case GLOBAL: case FUNCTION: case PRIVATE: case IF:
	case ELSE: case FOR: case FOREACH: case IN: case WHILE: case RETURN:
	case RETURN_BARE: case DELETE: case NEXT: case BREAK: case CONTINUE:
	case TRY: case CATCH:
		return arena__printf(A, "keyword '%s'", t->text);
	case AT_OP:
		return arena__printf(A, "operator '%s'", t->text);
	}
	return arena__printf(A, "'%s'", t->text);
}

static void expansion_notes(struct parser *p, const struct token *t)
{
	for (const struct token *f = t ? t->expanded_from : NULL; f;
	     f = f->expanded_from)
		diag__note(S, &f->loc, "in the expansion of '%s'", f->text);
}

static void syntax_error(struct parser *p, const struct token *t,
			 const char *expected)
{
	diag__error(S, &t->loc, "parse error", "expected %s but found %s",
		    expected, tok_desc(p, t));
	expansion_notes(p, t);
	/* "probe timer.{" + newline: stap reads a group, not a body */
	if (p->body_like) {
		diag__note(S, &p->body_like->loc, "this '{' opens a group of "
			   "probe point alternatives such as {a,b}, not the "
			   "probe's body");
		p->body_like = NULL;
	}
	if (p->glued_comma && t == p->glued_comma) {
		diag__note(S, &p->glued_open->loc, "this '{' opens the probe's "
			   "body: a group of alternatives such as {a,b} is a "
			   "whole component, with nothing glued to it");
		p->glued_comma = NULL;
	}
}

static void semantic_at(struct parser *p, const struct loc *loc,
			const char *msg)
{
	diag__error(S, loc, "parse error", "%s", msg);
}

/* embedded C is for tapsets and guru mode (-g) */
static void check_guru(struct parser *p, const struct token *t)
{
	if (p->file->is_tapset || S->guru)
		return;
	diag__error(S, &t->loc, "parse error", "embedded code in an "
		    "unprivileged script; need bstap -g (guru mode)");
}

static int type_of(struct parser *p, const struct token *t)
{
	if (!strcmp(t->text, "long"))
		return TY_LONG;
	if (!strcmp(t->text, "string"))
		return TY_STRING;
	diag__error(S, &t->loc, "parse error", "unknown type '%s' (expected "
		    "'long' or 'string')", t->text);
	return TY_UNKNOWN;
}

/* expr: expr '>>>' expr
 * stap's logical (unsigned) right shift, at the precedence of '<<' and
 * '>>', left-associative.  There is no '>>>=' (see the lexer). */
static struct expr *lshr(struct parser *p, struct expr *a, struct expr *b,
			 const struct token *t)
{
	return bin(p, EX_BINARY, OP_LSHR, a, b, t);
}

/* expr: expr '>>>=' expr
 * Not an operator of stap's (its compound assignments stop at '>>='):
 * refused here with the spelling that works. */
static struct expr *lshr_assign(struct parser *p, struct expr *a,
				struct expr *b, const struct token *t)
{
	diag__error(S, &t->loc, "parse error", "there is no '>>>=' "
		    "operator (write 'x = x >>> n')");
	return assign(p, OP_LSHR, a, b, t);
}

static bool is_lvalue(const struct expr *e)
{
	switch (e->kind) {
	case EX_SYM: case EX_INDEX: case EX_TARGET: case EX_CAST:
	case EX_VARAT:
		return true;
	default:
		return false;
	}
}

static struct expr *bin(struct parser *p, enum expr_kind kind, enum op op,
			struct expr *a, struct expr *b, const struct token *t)
{
	struct expr *e = expr__new(S, kind, &t->loc);

	e->op = op;
	e->a = a;
	e->b = b;
	return e;
}

static struct expr *regex(struct parser *p, enum op op, struct expr *a,
			  struct expr *b, const struct token *t)
{
	if (b->kind != EX_STR)
		semantic_at(p, &b->loc, "the right side of a regular "
			    "expression match must be a string literal");
	return bin(p, EX_REGEX, op, a, b, t);
}

static struct expr *assign(struct parser *p, enum op op, struct expr *a,
			   struct expr *b, const struct token *t)
{
	struct expr *e;

	if (!is_lvalue(a))
		diag__error(S, &t->loc, "parse error", "assignment to a "
			    "non-lvalue: the left side of '%s' must be a "
			    "variable, an array element or a target variable",
			    t->text);
	e = bin(p, EX_ASSIGN, op, a, b, t);
	return e;
}

static struct expr *unary(struct parser *p, enum op op, struct expr *a,
			  const struct token *t)
{
	struct expr *e;

	if (op == OP_NEG && a->kind == EX_NUM) {
		/* fold "-5" into a literal, as the printer writes it */
		a->num = (int64_t)-(uint64_t)a->num;
		a->loc = t->loc;
		return a;
	}
	e = expr__new(S, EX_UNARY, &t->loc);
	e->op = op;
	e->a = a;
	return e;
}

static struct expr *incdec(struct parser *p, enum op op, struct expr *a,
			   bool postfix, const struct token *t)
{
	struct expr *e = expr__new(S, EX_INCDEC, &t->loc);

	if (!is_lvalue(a))
		diag__error(S, &t->loc, "parse error", "'%s' needs an "
			    "lvalue: a variable, an array element or a target "
			    "variable", t->text);
	e->op = op;
	e->a = a;
	e->postfix = postfix;
	return e;
}

static struct expr *statop(struct parser *p, const struct token *t,
			   struct expr *a, struct expr *extra)
{
	struct expr *e = expr__new(S, EX_STATOP, &t->loc);

	e->statop = (enum statop)t->num;
	e->a = a;
	if (extra) {
		if (e->statop != SO_VARIANCE)
			diag__error(S, &extra->loc, "parse error", "'%s' takes "
				    "one argument", t->text);
		vec__push(A, &e->args, extra);
	}
	return e;
}

static void chain_push(struct parser *p, struct expr *e, enum chain_kind k,
		       const char *name, struct expr *index,
		       const struct token *t)
{
	struct chain *c = arena__alloc(A, sizeof(*c));

	if (e->deref_pretty)
		syntax_error(p, t, "an operator");
	c->kind = k;
	c->name = name;
	c->index = index;
	c->loc = t->loc;
	vec__push(A, &e->chain, c);
}

/* "@const" "(" string ")" | "@kregister" "(" number ")"
 * | "@uregister" "(" number ")" | "@probewrite" "(" (name | $name) ")"
 * Kept as a call named after the operator (EX_CALL, str "@const"...),
 * for pass 2 to evaluate or reject; the back end never sees one. */
static struct expr *at_op(struct parser *p, const struct token *t,
			  struct vec *args)
{
	struct expr *e = expr__new(S, EX_CALL, &t->loc);
	bool guru_only = strcmp(t->text, "@probewrite") != 0;
	int want = EX_SYM;
	const char *what = "a variable name";

	e->str = t->text;
	e->args = *args;
	if (guru_only && !p->file->is_tapset && !S->guru) {
		diag__error(S, &t->loc, "parse error", "using %s operator not "
			    "permitted; need bstap -g (guru mode)", t->text);
		return e;
	}
	if (!strcmp(t->text, "@const")) {
		want = EX_STR;
		what = "a string literal naming a C constant";
	} else if (guru_only) {
		want = EX_NUM;
		what = "a register number";
	}
	if (args->n != 1 ||
	    (((struct expr *)args->v[0])->kind != want &&
	     !(want == EX_SYM &&
	       ((struct expr *)args->v[0])->kind == EX_TARGET &&
	       !((struct expr *)args->v[0])->chain.n))) {
		const struct loc *at = args->n ?
				       &((struct expr *)args->v[0])->loc :
				       &t->loc;

		diag__error(S, at, "parse error", "%s takes one argument: %s",
			    t->text, what);
	}
	return e;
}

static struct expr *autocast(struct parser *p, struct expr *a,
			     const struct token *arrow,
			     const struct token *member)
{
	struct expr *e = expr__new(S, EX_CAST, &a->loc);

	e->a = a;
	e->autocast = true;
	chain_push(p, e, CH_MEMBER, member->text, NULL, arrow);
	return e;
}

static struct stmt *expr_stmt(struct parser *p, struct expr *e)
{
	struct stmt *st;

	if (e->kind == EX_EMBEDDED) {
		st = stmt__new(S, ST_EMBEDDED, &e->loc);
		st->code = e->str;
		return st;
	}
	st = stmt__new(S, ST_EXPR, &e->loc);
	st->e = e;
	return st;
}

static void check_delete(struct parser *p, struct expr *e)
{
	if (e->kind != EX_SYM && e->kind != EX_INDEX)
		semantic_at(p, &e->loc, "'delete' takes a variable, an array "
			    "or an array element");
}

/* ---- foreach ---- */

static void fe_sort_mark(struct parser *p, struct fe *fe, int column,
			 int dir, const struct token *at)
{
	if (!dir)
		return;
	if (fe->nsorts++) {
		diag__error(S, &at->loc, "parse error", "foreach has more "
			    "than one sort marker");
		return;
	}
	fe->sort_column = column;
	fe->sort_dir = dir;
	fe->sort_loc = at->loc;
}

static void fe_key_push(struct parser *p, struct vec *v,
			const struct token *name, int dir)
{
	vec__push(A, v, sym_new(p, name));
	vec__push(A, v, (void *)(intptr_t)dir);
}

static void fe_keys_from(struct parser *p, struct fe *fe,
			 const struct vec *pairs)
{
	for (int i = 0; i < pairs->n; i += 2) {
		struct expr *k = pairs->v[i];
		int dir = (int)(intptr_t)pairs->v[i + 1];

		vec__push(A, &fe->keys, k);
		if (dir) {
			struct token at = { .loc = k->loc };

			fe_sort_mark(p, fe, i / 2 + 1, dir, &at);
		}
	}
}

static struct stmt *foreach_new(struct parser *p, const struct token *t,
				struct fe *fe, const struct token *array,
				struct vec *slice, int agg, int dir,
				struct expr *limit, struct stmt *body)
{
	struct stmt *st = stmt__new(S, ST_FOREACH, &t->loc);

	if (dir)
		fe_sort_mark(p, fe, 0, dir, array);
	st->keys = fe->keys;
	st->keys_bracketed = fe->bracketed;
	st->value = fe->value;
	st->array = sym_new(p, array);
	if (slice) {
		struct expr *ix = expr__new(S, EX_INDEX, &array->loc);

		ix->a = st->array;
		ix->args = *slice;
		st->array = ix;
		if (slice->n != fe->keys.n)
			diag__error(S, &array->loc, "parse error", "the slice "
				    "of '%s' has %d keys, but foreach names "
				    "%d", array->text, slice->n, fe->keys.n);
	}
	st->sort_column = fe->sort_column;
	st->sort_dir = fe->sort_dir;
	st->has_agg = agg >= 0;
	st->agg = agg >= 0 ? (enum statop)agg : SO_COUNT;
	st->limit = limit;
	st->then = body;
	return st;
}

/* ---- declarations ---- */

static struct probe *probe_new(struct parser *p, const struct token *t,
			       struct vec *points, struct stmt *body)
{
	struct probe *pr = arena__alloc(A, sizeof(*pr));

	pr->points = *points;
	pr->body = body;
	pr->loc = t->loc;
	pr->file = p->file;
	return pr;
}

static struct probe *alias_new(struct parser *p, const struct token *t,
			       struct vec *names, struct vec *points,
			       struct stmt *body, bool epilogue)
{
	struct probe *pr = probe_new(p, t, points, body);

	pr->is_alias = true;
	pr->epilogue = epilogue;
	pr->alias_names = *names;
	vec_foreach(i, names) {
		struct probe_point *pp = vec_at(names, i);

		if (pp->optional || pp->sufficient || pp->cond)
			semantic_at(p, &pp->loc, "a probe alias name cannot "
				    "have '?', '!' or an 'if' condition");
		vec_foreach(j, &pp->comps) {
			struct ppcomp *c = vec_at(&pp->comps, j);

			if (strpbrk(c->name, "*{"))
				semantic_at(p, &c->loc, "a probe alias name "
					    "cannot have wildcards");
		}
	}
	return pr;
}

static void decl_probe(struct parser *p, struct probe *pr, bool priv)
{
	pr->is_private = priv;
	if (pr->is_alias) {
		vec__push(A, &p->file->aliases, pr);
		add_order(p, DK_ALIAS, pr);
	} else {
		vec__push(A, &p->file->probes, pr);
		add_order(p, DK_PROBE, pr);
	}
}

static struct funcdecl *function_new(struct parser *p, const struct token *name,
				     int type, struct vec *params,
				     struct stmt *body)
{
	struct funcdecl *fn = arena__alloc(A, sizeof(*fn));

	fn->name = name->text;
	fn->loc = name->loc;
	fn->ret_declared = type >= 0;
	fn->ret = type >= 0 ? (enum type)type : TY_UNKNOWN;
	fn->params = *params;
	fn->file = p->file;
	if (body->kind == ST_EMBEDDED)
		fn->embedded = body->code;
	else
		fn->body = body;
	return fn;
}

static void decl_globals(struct parser *p, struct vec *vars, bool priv)
{
	vec_foreach(i, vars) {
		struct vardecl *v = vec_at(vars, i);

		v->is_private = priv;
		vec__push(A, &p->file->globals, v);
		add_order(p, DK_GLOBAL, v);
	}
}

/* ---- errors ---- */

static const char *sym_name(yysymbol_kind_t sym)
{
	return yysymbol_name(sym);
}

/* is sym the one-character token ch? */
static bool sym_is_char(yysymbol_kind_t sym, char ch)
{
	const char *n = yysymbol_name(sym);

	return n[0] == '\'' && n[1] == ch && n[2] == '\'' && !n[3];
}

static bool has_char(const yysymbol_kind_t *v, int n, char ch)
{
	for (int i = 0; i < n; i++)
		if (sym_is_char(v[i], ch))
			return true;
	return false;
}

static bool has_sym(const yysymbol_kind_t *v, int n, yysymbol_kind_t sym)
{
	for (int i = 0; i < n; i++)
		if (v[i] == sym)
			return true;
	return false;
}

/* binary operators: not worth listing one by one */
static bool is_operator_sym(yysymbol_kind_t sym)
{
	switch (sym) {
	case YYSYMBOL_ARROW: case YYSYMBOL_DOLLAR_SUFFIX:
	case YYSYMBOL_INC: case YYSYMBOL_DEC: case YYSYMBOL_IN:
		return true;
	case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_LE:
	case YYSYMBOL_GE: case YYSYMBOL_SHL: case YYSYMBOL_SHR:
	case YYSYMBOL_LSHR: case YYSYMBOL_LSHR_ASSIGN:
	case YYSYMBOL_ANDAND: case YYSYMBOL_OROR: case YYSYMBOL_MATCH:
	case YYSYMBOL_NMATCH: case YYSYMBOL_STATACC:
	case YYSYMBOL_ADD_ASSIGN: case YYSYMBOL_SUB_ASSIGN:
	case YYSYMBOL_MUL_ASSIGN: case YYSYMBOL_DIV_ASSIGN:
	case YYSYMBOL_MOD_ASSIGN: case YYSYMBOL_SHL_ASSIGN:
	case YYSYMBOL_SHR_ASSIGN: case YYSYMBOL_AND_ASSIGN:
	case YYSYMBOL_OR_ASSIGN: case YYSYMBOL_XOR_ASSIGN:
	case YYSYMBOL_CONCAT_ASSIGN:
		return true;
	default:
		for (const char *o = "+-*/%<>=&|^.?[("; *o; o++)
			if (sym_is_char(sym, *o))
				return true;
		return false;
	}
}

static int yyreport_syntax_error(const yypcontext_t *ctx, struct parser *p)
{
	yysymbol_kind_t exp[YYNTOKENS];
	yysymbol_kind_t keep[YYNTOKENS];
	int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS), k = 0;
	const struct token *t = p->last;
	char buf[256];
	size_t len = 0;

	if (n < 0)
		n = 0;
	if (p->err_tok && p->err_paren > 0 && t &&
	    t->loc.src == p->err_tok->loc.src &&
	    t->loc.line == p->err_tok->loc.line)
		return 0;
	p->err_tok = t;
	p->err_paren = p->paren;
	if (has_sym(exp, n, YYSYMBOL_NUMBER) &&
	    has_sym(exp, n, YYSYMBOL_FOREACH)) {
		syntax_error(p, t, has_char(exp, n, '}') ?
			     "a statement or '}'" : "a statement");
		return 0;
	}
	if (has_sym(exp, n, YYSYMBOL_NUMBER) &&
	    has_sym(exp, n, YYSYMBOL_IDENT)) {
		syntax_error(p, t, "an expression");
		return 0;
	}
	if (has_sym(exp, n, YYSYMBOL_PROBE)) {
		syntax_error(p, t, "'probe', 'function', 'global' or '%{'");
		return 0;
	}
	for (int i = 0; i < n; i++)
		if (n <= 4 || !is_operator_sym(exp[i]))
			keep[k++] = exp[i];
	if (k == 0 || k > 5) {
		syntax_error(p, t, "an operator");
		return 0;
	}
	buf[0] = '\0';
	for (int i = 0; i < k && len < sizeof(buf) - 64; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					i == 0 ? "" : i == k - 1 ? " or " : ", ",
					sym_name(keep[i]));
	syntax_error(p, t, buf);
	return 0;
}

static void yyerror(struct parser *p, const char *msg)
{
	const struct token *t = p->last;

	if (!strcmp(msg, "memory exhausted"))
		msg = "the script nests too deeply";
	diag__error(S, t ? &t->loc : NULL, "parse error", "%s", msg);
}

/* ---- the token feeder ---- */

static bool is_keyword(int k)
{
	switch (k) {
	case PROBE: case GLOBAL: case FUNCTION: case PRIVATE: case IF:
	case ELSE: case FOR: case FOREACH: case IN: case WHILE: case RETURN:
	case DELETE: case NEXT: case BREAK: case CONTINUE: case TRY:
	case CATCH:
		return true;
	}
	return false;
}

/* a piece of a probe point component name; a number cannot start one
 * and is not glued on either (stap: "a.1", "a.*1" are errors) */
static bool is_piece(int k)
{
	return k == IDENT || k == '*' || is_keyword(k);
}

static bool adjacent(const struct token *a, const struct token *b)
{
	return a->loc.src == b->loc.src && a->loc.line == b->loc.line &&
	       b->loc.col == a->loc.col + (int)strlen(a->text);
}

/* Glue the adjacent pieces of one component name starting at p->pos
 * into a PPNAME token ("sys_" "*" -> "sys_*"). */
static struct token *glue_name(struct parser *p)
{
	struct token *first = p->t[p->pos], *prev = NULL, *g;
	size_t len = 0, cap = 64;
	char *buf = arena__alloc(A, cap);

	while (p->pos < p->n) {
		struct token *t = p->t[p->pos];
		size_t n = strlen(t->text);

		if ((prev && !adjacent(prev, t)) || !is_piece(t->kind))
			break;
		if (len + n + 1 > cap) {
			char *bigger = arena__alloc(A, cap * 2 + n);

			memcpy(bigger, buf, len);
			buf = bigger;
			cap = cap * 2 + n;
		}
		memcpy(buf + len, t->text, n);
		len += n;
		buf[len] = '\0';
		prev = t;
		p->pos++;
	}
	g = arena__alloc(A, sizeof(*g));
	*g = *first;
	g->kind = PPNAME;
	g->text = buf;
	return g;
}

/* "probe syscall.sys_{open,close}": the body's '{' glued to a name and
 * followed by "name,", which no statement starts with.  Remember the
 * ',' that the body will fail at, for a note. */
static void glued_group(struct parser *p, const struct token *open)
{
	const struct token *prev = p->pos >= 2 ? p->t[p->pos - 2] : NULL;

	p->glued_comma = NULL;
	if (prev && adjacent(prev, open) && is_piece(prev->kind) &&
	    p->pos + 1 < p->n && is_piece(p->t[p->pos]->kind) &&
	    p->t[p->pos + 1]->kind == ',') {
		p->glued_open = open;
		p->glued_comma = p->t[p->pos + 1];
	}
}

/* Keep track of probe headers: "probe" up to the body's '{'.  A '{'
 * where a component may start opens a group of alternatives; anywhere
 * else (outside parentheses) it opens the body. */
static void header_track(struct parser *p, const struct token *t)
{
	bool start = false;

	switch (t->kind) {
	case PROBE:
		/* still in a header: this 'probe' is the error to explain */
		if (!p->hdr)
			p->body_like = NULL;
		p->hdr = true;
		p->comp_start = true;
		p->hdr_depth = 0;
		p->hdr_groups = 0;
		p->glued_comma = NULL;
		p->pp_overflow = false;
		return;
	case '(':
		p->hdr_depth++;
		break;
	case ')':
		if (p->hdr_depth > 0)
			p->hdr_depth--;
		break;
	case '{':
		if (p->hdr_depth == 0 && p->comp_start) {
			p->hdr_groups++;
			start = true;
			if (!p->body_like && (p->pos >= p->n ||
			    p->t[p->pos]->loc.line != t->loc.line))
				p->body_like = t;
		} else if (p->hdr_depth == 0) {
			p->hdr = false;
			p->body_like = NULL;
			glued_group(p, t);
		}
		break;
	case '}':
		if (p->hdr_depth == 0 && p->hdr_groups > 0)
			p->hdr_groups--;
		break;
	case ';': case 0: case FUNCTION: case GLOBAL: case PRIVATE:
	case EMBEDDED:
		if (p->hdr_depth == 0)
			p->hdr = false;
		break;
	}
	p->comp_start = p->hdr_depth == 0 &&
			(start || t->kind == '.' || t->kind == ',' ||
			 t->kind == '=' || t->kind == ADD_ASSIGN);
}

/* Keep track of bodies: is a 'return' in a function's?  (stap refuses
 * one anywhere else in pass 1.) */
static void body_track(struct parser *p, const struct token *t)
{
	switch (t->kind) {
	case PROBE:
	case FUNCTION:
		p->in_function = t->kind == FUNCTION;
		p->braces = 0;
		p->return_reported = false;
		break;
	case '{':
		if (!p->hdr)
			p->braces++;
		break;
	case '}':
		if (!p->hdr && p->braces > 0)
			p->braces--;
		break;
	case RETURN:
		if (!p->hdr && p->braces > 0)
			check_return(p, t);
		break;
	}
}

/* stmt = "return" [expr] ";"?  -- in a function only */
static void check_return(struct parser *p, const struct token *t)
{
	if (p->in_function || p->return_reported)
		return;
	p->return_reported = true;
	diag__error(S, &t->loc, "parse error",
		    "found 'return' not in function context");
	expansion_notes(p, t);
}

static int yylex(YYSTYPE *lval, struct parser *p)
{
	struct token *t;

	if (p->pos >= p->n) {
		t = p->n ? p->t[p->n - 1] : NULL;
		p->last = t;
		lval->tok = t;
		return 0;
	}
	t = p->t[p->pos];
	if (p->hdr && p->comp_start && p->hdr_depth == 0 &&
	    is_piece(t->kind)) {
		t = glue_name(p);
		p->comp_start = false;
	} else {
		p->pos++;
		if (p->hdr || t->kind == PROBE)
			header_track(p, t);
		body_track(p, t);
	}
	if (t->kind == RETURN) {
		int k = p->pos < p->n ? p->t[p->pos]->kind : 0;

		if (k == ';' || k == '}' || k == ELSE || k == 0) {
			struct token *c = arena__alloc(A, sizeof(*c));

			*c = *t;
			c->kind = RETURN_BARE;
			t = c;
		}
	}
	if (t->kind == '(')
		p->paren++;
	else if (t->kind == ')' && p->paren > 0)
		p->paren--;
	else if (t->kind == '{' || t->kind == '}')
		p->paren = 0;
	p->last = t;
	lval->tok = t;
	return t->kind;
}

/* ---- {a,b} groups in probe points ----
 *
 * "probe {kernel,module("m")}.function("f").{call,return} ?" names four
 * points, the leftmost group varying slowest, as in stap.  A group whose
 * alternatives are all bare names stays one component named "{a,b}" (or
 * "{a,{b,c}}"): the -p1 printer and pass 2 (pp__brace_expand) expand it
 * in that same order.  Any other group is expanded here: pp_comps is the
 * product of its components' point sets.  A group's alternatives are
 * points themselves: one may end with '?', '!' or a condition only when
 * nothing follows the group, and what follows cannot say it again. */

#define PP_MAX_EXPANSION 16384

/* the set of the one point made of c */
static struct vec *pp_single(struct parser *p, struct ppcomp *c)
{
	struct probe_point *pt = arena__alloc(A, sizeof(*pt));

	vec__push(A, &pt->comps, c);
	pt->loc = c->loc;
	return vnew1(p, pt);
}

/* more points than PP_MAX_EXPANSION: said once per probe */
static bool pp_too_many(struct parser *p, long n, const struct loc *loc)
{
	if (n <= PP_MAX_EXPANSION)
		return false;
	if (!p->pp_overflow)
		diag__error(S, loc, "parse error", "probe point brace "
			    "expansion gives more than %d points",
			    PP_MAX_EXPANSION);
	p->pp_overflow = true;
	return true;
}

static const char *first_name(const struct probe_point *pt)
{
	return ((const struct ppcomp *)vec_at(&pt->comps, 0))->name;
}

/* a bare name: one component, no parameter, '?', '!' or condition */
static bool is_bare(const struct probe_point *pt)
{
	const struct ppcomp *c = vec_at(&pt->comps, 0);

	return pt->comps.n == 1 && !c->arg && !pt->optional &&
	       !pt->sufficient && !pt->cond;
}

static bool has_group_name(const struct probe_point *pt)
{
	vec_foreach(i, &pt->comps)
		if (strchr(((const struct ppcomp *)
			    vec_at(&pt->comps, i))->name, '{'))
			return true;
	return false;
}

/* comp = "{" point ("," point)* "}" */
static struct vec *pp_group(struct parser *p, const struct token *open,
			    struct vec *alts)
{
	struct token t = *open;
	size_t len = 2;
	char *name;

	if (alts->n == 1)
		return alts;		/* "{a}" is "a" */
	vec_foreach(i, alts) {
		struct probe_point *pt = vec_at(alts, i);

		if (!is_bare(pt))
			return alts;
		len += strlen(first_name(pt)) + 1;
	}
	name = arena__alloc(A, len + 1);
	strcpy(name, "{");
	vec_foreach(i, alts) {
		struct probe_point *pt = vec_at(alts, i);

		if (i)
			strcat(name, ",");
		strcat(name, first_name(pt));
	}
	strcat(name, "}");
	t.text = name;
	return pp_single(p, comp_new(p, &t, NULL));
}

/* Push the names a group name built by pp_group stands for on out, in
 * order; name = plain | "{" name ("," name)* "}".  Returns the end. */
static const char *group_names(struct parser *p, const char *s,
			       struct vec *out)
{
	const char *e = s;

	if (*s != '{') {
		while (*e && *e != ',' && *e != '}')
			e++;
		vec__push(A, out, arena__printf(A, "%.*s", (int)(e - s), s));
		return e;
	}
	do
		e = group_names(p, e + 1, out);
	while (*e == ',');
	return *e ? e + 1 : e;
}

/* The points of x with its group names expanded, pushed on out: the
 * first component varying slowest.  false when there are too many. */
static bool expand_named(struct parser *p, struct probe_point *x,
			 struct vec *out)
{
	int n = x->comps.n, *idx = arena__alloc(A, sizeof(int) * (size_t)n);
	struct vec *names = arena__alloc(A, sizeof(*names) * (size_t)n);
	long total = 1;

	vec_foreach(i, &x->comps) {
		const struct ppcomp *c = vec_at(&x->comps, i);

		group_names(p, c->name, &names[i]);
		total *= names[i].n;
		if (pp_too_many(p, out->n + total, &x->loc))
			return false;
	}
	for (;;) {
		struct probe_point *pt = arena__alloc(A, sizeof(*pt));
		int i;

		*pt = *x;
		memset(&pt->comps, 0, sizeof(pt->comps));
		for (i = 0; i < n; i++) {
			struct ppcomp *c = arena__alloc(A, sizeof(*c));

			*c = *(struct ppcomp *)vec_at(&x->comps, i);
			c->name = vec_at(&names[i], idx[i]);
			vec__push(A, &pt->comps, c);
		}
		vec__push(A, out, pt);
		for (i = n - 1; i >= 0 && ++idx[i] == names[i].n; i--)
			idx[i] = 0;
		if (i < 0)
			return true;
	}
}

/* Pass 2 expands the group names of x: not into too many points. */
static void check_named(struct parser *p, const struct probe_point *x)
{
	long total = 1;

	vec_foreach(i, &x->comps) {
		struct vec names = { 0 };

		group_names(p, ((const struct ppcomp *)
				vec_at(&x->comps, i))->name, &names);
		total *= names.n;
		if (pp_too_many(p, total, &x->loc))
			return;
	}
}

/* a with the group names of its points expanded (a itself if none) */
static struct vec *expand_names(struct parser *p, struct vec *a)
{
	struct vec *out = vnew(p);
	bool any = false;

	vec_foreach(i, a)
		any |= has_group_name(vec_at(a, i));
	if (!any)
		return a;
	vec_foreach(i, a)
		if (!expand_named(p, vec_at(a, i), out))
			return a;
	return out;
}

/* comps = comps "." comp: every point of a followed by every one of b */
static struct vec *pp_product(struct parser *p, struct vec *a, struct vec *b)
{
	struct vec *out;

	vec_foreach(i, a) {
		struct probe_point *x = vec_at(a, i);

		if (x->optional || x->sufficient || x->cond) {
			diag__error(S, &x->loc, "parse error", "'?', '!' or "
				    "condition must only be specified in "
				    "suffix");
			return a;
		}
	}
	/* "{a,b}.{c.d,e}": a.c.d, a.e, b.c.d, b.e -- a's names go first */
	if (b->n > 1)
		a = expand_names(p, a);
	if (pp_too_many(p, (long)a->n * b->n,
			&((struct probe_point *)vec_at(a, 0))->loc))
		return a;
	out = vnew(p);
	vec_foreach(i, a) {
		struct probe_point *x = vec_at(a, i);

		vec_foreach(j, b) {
			struct probe_point *y = vec_at(b, j);
			struct probe_point *pt = arena__alloc(A, sizeof(*pt));

			*pt = *y;
			pt->loc = x->loc;
			memset(&pt->comps, 0, sizeof(pt->comps));
			vec_foreach(k, &x->comps)
				vec__push(A, &pt->comps, vec_at(&x->comps, k));
			vec_foreach(k, &y->comps)
				vec__push(A, &pt->comps, vec_at(&y->comps, k));
			vec__push(A, out, pt);
		}
	}
	return out;
}

/* points = points "," point */
static struct vec *pp_append(struct parser *p, struct vec *a, struct vec *b)
{
	if (pp_too_many(p, (long)a->n + b->n,
			&((struct probe_point *)vec_at(b, 0))->loc))
		return a;
	vec_foreach(i, b)
		vec__push(A, a, vec_at(b, i));
	return a;
}

/* point = comps suffix: the suffix goes on every point of pts */
static struct vec *pp_finish(struct parser *p, struct vec *pts,
			     const struct ppsfx *sfx)
{
	bool flag_again = false, cond_again = false;

	vec_foreach(i, pts) {
		struct probe_point *x = vec_at(pts, i);

		flag_again |= sfx->flag && (x->optional || x->sufficient);
		cond_again |= sfx->cond && x->cond;
		if (has_group_name(x))
			check_named(p, x);
	}
	if (flag_again)
		diag__error(S, &sfx->flag->loc, "parse error",
			    "'?' or '!' respecified");
	if (cond_again)
		diag__error(S, &sfx->cond_end->loc, "parse error",
			    "condition respecified");
	vec_foreach(i, pts) {
		struct probe_point *x = vec_at(pts, i);

		x->optional |= sfx->optional;
		x->sufficient |= sfx->sufficient;
		if (sfx->cond)
			x->cond = sfx->cond;
	}
	return pts;
}

/* flags = flags ("?" | "!") */
static struct ppsfx *sfx_flag(struct parser *p, struct ppsfx *sfx,
			      const struct token *t)
{
	(void)p;
	if (!sfx->flag)
		sfx->flag = t;
	if (t->kind == '?')
		sfx->optional = true;
	else
		sfx->sufficient = true;
	return sfx;
}

/* ---- entry points ---- */

static struct stpfile *parse_tokens(struct session *s,
				    const struct source *src,
				    struct vec *toks)
{
	struct stpfile *f = arena__alloc(&s->arena, sizeof(*f));
	struct parser p = { .s = s, .file = f };

	p.t = (struct token **)toks->v;
	p.n = toks->n;
	f->src = src;
	f->is_tapset = src->is_tapset;
	yyparse(&p);
	return f;
}

/* lex, preprocess, parse; NULL when any of them reported an error */
struct stpfile *parse__file(struct session *s, const struct source *src)
{
	struct vec raw = { 0 }, toks = { 0 };
	int errors = s->errors;
	struct stpfile *f;

	/* after a lexer or preprocessor error the token stream has holes:
	 * parsing it would only add follow-on errors */
	if (lexer__tokenize(s, src, &raw) || preproc__run(s, &raw, &toks) ||
	    s->errors > errors)
		return NULL;
	f = parse_tokens(s, src, &toks);
	return s->errors > errors ? NULL : f;
}

/* no tokens at all: only blanks and comments */
static bool is_empty(struct session *s, const struct source *src)
{
	struct vec toks = { 0 };

	return lexer__tokenize(s, src, &toks) == 0 && toks.n <= 1;
}

int pass1__parse(struct session *s)
{
	struct source *src;
	struct stpfile *f;

	if (s->script_text) {
		src = arena__alloc(&s->arena, sizeof(*src));
		src->name = "<input>";
		src->text = s->script_text;
		src->len = strlen(s->script_text);
	} else {
		src = source__read(s, s->script_file, false);
		if (!src)
			return -ENOENT;
	}
	f = parse__file(s, src);
	if (!f)
		return -EINVAL;
	if (!f->order.n) {
		/* as stap, word for word: nothing to parse is an error, told
		 * apart from a script that the preprocessor emptied */
		fprintf(s->err, "Input file '%s' is empty%s.\n", src->name,
			is_empty(s, src) ? "" : " after preprocessing");
		s->errors++;
		return -EINVAL;
	}
	s->user = f;
	vec__push(&s->arena, &s->files, f);
	return 0;
}
