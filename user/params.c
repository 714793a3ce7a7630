// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * params.c: the parser and the help texts, both read from cmd_table[] and
 * global_opts[] (see params.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "params.h"

#define HELP_WIDTH 79
#define HELP_COL   26   /* where help texts start in a list of options */

/* Number of words of c->words that match argv, or 0 if not all do. */
static int words_match(const struct command *c, int argc, char **argv)
{
	const char *w = c->words;
	int n = 0;

	while (*w) {
		size_t len = strcspn(w, " ");

		if (n >= argc || strlen(argv[n]) != len || strncmp(argv[n], w, len))
			return 0;
		n++;
		w += len;
		w += *w == ' ';
	}
	return n;
}

const struct command *cmd_find(int argc, char **argv, int *nwords)
{
	const struct command *c, *best = NULL;
	int n, most = 0;

	for (c = cmd_table; c->words; c++) {
		n = words_match(c, argc, argv);
		if (n > most) {
			most = n;
			best = c;
		}
	}
	*nwords = most;
	return best;
}

/* Length of the first word of s. */
static size_t first_len(const char *s)
{
	return strcspn(s, " ");
}

/* Does some command have first word w (and more words after it)? */
static bool is_group(const char *w)
{
	const struct command *c;

	for (c = cmd_table; c->words; c++)
		if (first_len(c->words) == strlen(w) && !strncmp(c->words, w, strlen(w)) &&
		    c->words[strlen(w)] == ' ')
			return true;
	return false;
}

/* "add, del, list": the sub-commands of group w. */
static void print_subs(const char *w, FILE *out)
{
	const struct command *c;
	size_t len = strlen(w);
	bool first = true;

	for (c = cmd_table; c->words; c++)
		if (!strncmp(c->words, w, len) && c->words[len] == ' ') {
			fprintf(out, "%s%s", first ? "" : ", ", c->words + len + 1);
			first = false;
		}
}

const char *arg_opt(const struct cmd_args *a, const char *name)
{
	const struct param_opt *o;
	int i;

	for (o = a->cmd->opts, i = 0; o && o->name; o++, i++)
		if (!strcmp(o->name, name))
			return a->opt[i];
	return NULL;
}

/* "--vip ADDR[,ADDR...]" or "--tc" */
static int opt_text(const struct param_opt *o, char *buf, size_t len)
{
	return snprintf(buf, len, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

void cmd_usage(const struct command *c, FILE *out)
{
	const struct param_pos *p;
	const struct param_opt *o;
	char buf[128];

	fputs(c->words, out);
	for (p = c->pos; p && p->name; p++)
		fprintf(out, p->optional ? " [%s]" : " %s", p->name);
	for (o = c->opts; o && o->name; o++) {
		opt_text(o, buf, sizeof(buf));
		fprintf(out, o->required ? " %s" : " [%s]", buf);
	}
}

/*
 * Prints text from column col (the cursor is at column at), wrapped at
 * HELP_WIDTH, continuation lines indented to col; ends the line.
 */
static void wrap(FILE *out, const char *text, int col, int at)
{
	const char *s = text;

	if (at > col) {
		fputc('\n', out);
		at = 0;
	}
	fprintf(out, "%*s", col - at, "");
	at = col;
	while (*s) {
		size_t len = strcspn(s, " ");

		if (at > col && at + 1 + (int)len > HELP_WIDTH) {
			fprintf(out, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', out);
			at++;
		}
		fwrite(s, 1, len, out);
		at += len;
		s += len;
		while (*s == ' ')
			s++;
	}
	fputc('\n', out);
}

/* "  NAME" and its help, wrapped. */
static void item(FILE *out, const char *name, const char *help, const char *suffix)
{
	char text[512];
	int at;

	at = fprintf(out, "  %s", name);
	snprintf(text, sizeof(text), "%s%s", help, suffix);
	wrap(out, text, HELP_COL, at + 2 > HELP_COL ? HELP_COL + 1 : at);
}

static void global_list(FILE *out)
{
	const struct param_opt *o;
	char buf[128];

	for (o = global_opts; o->name; o++) {
		int n = 0;

		if (o->short_name)
			n = snprintf(buf, sizeof(buf), "-%c, ", o->short_name);
		opt_text(o, buf + n, sizeof(buf) - n);
		item(out, buf, o->help, "");
	}
}

void cmd_help(const struct command *c, FILE *out)
{
	const struct param_pos *p;
	const struct param_opt *o;
	char buf[128];

	fprintf(out, "Usage: sctplb ");
	cmd_usage(c, out);
	fprintf(out, "\n\n");
	wrap(out, c->summary, 0, 0);
	if (c->pos && c->pos->name) {
		fprintf(out, "\nArguments:\n");
		for (p = c->pos; p->name; p++)
			item(out, p->name, p->help, p->optional ? " (optional)" : "");
	}
	if (c->opts && c->opts->name) {
		fprintf(out, "\nOptions:\n");
		for (o = c->opts; o->name; o++) {
			opt_text(o, buf, sizeof(buf));
			item(out, buf, o->help, o->required ? " (required)" : "");
		}
	}
	fprintf(out, "\nGlobal options (anywhere on the line): see 'sctplb help'.\n");
}

/* The commands of group (NULL: all), by section, usage then summary. */
static void command_list(FILE *out, const char *group)
{
	const struct command *c;
	const char *section = NULL;
	size_t glen = group ? strlen(group) : 0;

	for (c = cmd_table; c->words; c++) {
		if (group && (strncmp(c->words, group, glen) || c->words[glen] != ' '))
			continue;
		if (!group && (!section || strcmp(section, c->group))) {
			section = c->group;
			fprintf(out, "\n%s:\n", section);
		}
		fprintf(out, "  ");
		cmd_usage(c, out);
		fputc('\n', out);
		wrap(out, c->summary, 6, 0);
	}
}

static void overview(FILE *out)
{
	fprintf(out, "Usage: sctplb [OPTIONS] COMMAND [ARGUMENTS]\n"
		"\n"
		"sctplb attaches the SCTP load balancer's XDP and tc programs, holds its\n"
		"configuration in maps pinned under the pin path, and reads its state back.\n");
	command_list(out, NULL);
	fprintf(out, "\nGlobal options (anywhere on the line):\n");
	global_list(out);
	fprintf(out, "\n'sctplb help COMMAND' or 'sctplb COMMAND --help' shows one command; "
		"man sctplb(8) all.\n");
}

void cmd_dump(FILE *out)
{
	const struct command *c;
	const struct param_pos *p;
	const struct param_opt *o;

	for (o = global_opts; o->name; o++)
		fprintf(out, "global\t-\t--%s\t%s\n", o->name, o->arg ? o->arg : "-");
	for (c = cmd_table; c->words; c++) {
		fprintf(out, "command\t%s\n", c->words);
		for (p = c->pos; p && p->name; p++)
			fprintf(out, "arg\t%s\t%s\n", c->words, p->name);
		for (o = c->opts; o && o->name; o++)
			fprintf(out, "option\t%s\t--%s\t%s\n", c->words, o->name, o->arg ? o->arg : "-");
	}
}

int cmd_help_words(int argc, char **argv, FILE *out)
{
	const struct command *c;
	int n;

	if (argc == 0) {
		overview(out);
		return 0;
	}
	c = cmd_find(argc, argv, &n);
	if (c && n == argc) {
		cmd_help(c, out);
		return 0;
	}
	if (argc == 1 && is_group(argv[0])) {
		fprintf(out, "Usage: sctplb %s SUBCOMMAND [ARGUMENTS]\n\nSub-commands:\n", argv[0]);
		command_list(out, argv[0]);
		fprintf(out, "\n'sctplb help %s SUBCOMMAND' shows one of them.\n", argv[0]);
		return 0;
	}
	fprintf(stderr, "Error: no command '");
	for (n = 0; n < argc; n++)
		fprintf(stderr, "%s%s", n ? " " : "", argv[n]);
	fprintf(stderr, "'; see 'sctplb help' for the list\n");
	return -EINVAL;
}

void cmd_unknown(int argc, char **argv)
{
	if (is_group(argv[0])) {
		if (argc > 1)
			fprintf(stderr, "Error: unknown '%s %s'; '%s' takes ", argv[0], argv[1], argv[0]);
		else
			fprintf(stderr, "Error: '%s' needs one of ", argv[0]);
		print_subs(argv[0], stderr);
		fprintf(stderr, "\nSee 'sctplb help %s'.\n", argv[0]);
		return;
	}
	fprintf(stderr, "Error: unknown command '%s'; see 'sctplb help'\n", argv[0]);
}

/* Prints the error's end: the usage and where to look. */
static int usage_error(const struct command *c)
{
	fprintf(stderr, "Usage: sctplb ");
	cmd_usage(c, stderr);
	fprintf(stderr, "\nSee 'sctplb help %s'.\n", c->words);
	return -EINVAL;
}

int cmd_parse(const struct command *c, int argc, char **argv, struct cmd_args *a)
{
	const struct param_pos *p;
	const struct param_opt *o;
	int i, k, npos_max = 0;

	memset(a, 0, sizeof(*a));
	a->cmd = c;
	for (p = c->pos; p && p->name; p++)
		npos_max++;
	for (o = c->opts, k = 0; o && o->name; o++)
		k++;
	if (npos_max > PARAM_MAX_POS || k > PARAM_MAX_OPTS) {
		fprintf(stderr, "Error: '%s' declares more arguments or options than params.h allows\n",
			c->words);
		return -E2BIG;
	}
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq;
		size_t len;

		if (strncmp(arg, "--", 2) || !arg[2]) {
			if (a->npos == npos_max) {
				fprintf(stderr, "Error: unexpected argument '%s'\n", arg);
				return usage_error(c);
			}
			a->pos[a->npos++] = arg;
			continue;
		}
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		for (o = c->opts, k = 0; o && o->name; o++, k++)
			if (strlen(o->name) == len && !strncmp(o->name, arg + 2, len))
				break;
		if (!o || !o->name) {
			fprintf(stderr, "Error: unknown option '%s' for '%s'\n", arg, c->words);
			return usage_error(c);
		}
		if (!o->arg) {
			if (eq) {
				fprintf(stderr, "Error: option --%s takes no value\n", o->name);
				return usage_error(c);
			}
			a->opt[k] = "";
		} else if (eq) {
			a->opt[k] = eq + 1;
		} else if (i + 1 < argc) {
			a->opt[k] = argv[++i];
		} else {
			fprintf(stderr, "Error: option --%s needs a value (%s)\n", o->name, o->arg);
			return usage_error(c);
		}
	}
	for (p = c->pos, k = 0; p && p->name; p++, k++)
		if (!p->optional && k >= a->npos) {
			fprintf(stderr, "Error: %s needs %s: %s\n", c->words, p->name, p->help);
			return usage_error(c);
		}
	for (o = c->opts, k = 0; o && o->name; o++, k++)
		if (o->required && !a->opt[k]) {
			fprintf(stderr, "Error: --%s %s is required: %s\n", o->name, o->arg, o->help);
			return usage_error(c);
		}
	return 0;
}
