// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * policy.c: per-service source policy: policy add, policy del, policy list.
 *
 * A rule allows or denies the INITs of a source prefix (IPv4 or IPv6) for one
 * service; the longest matching prefix decides.  A service with no rule takes
 * every source; a service with an allow rule takes only what an allow rule
 * covers (an allowlist: user space writes a /0 default-deny of each family).
 * A denied INIT is dropped and counted (policy_drop).  Only INITs are
 * filtered: an association established before a rule denies its source goes
 * on until it ends (cutting it would take every later packet's source
 * through the tries, and the backend would go on believing it up); the next
 * association from there is refused.  The rules live in the pinned tries and
 * in the configuration file ("policy" of a service), applied by difference
 * as the rest of the configuration (lb_commit).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "model.h"

static int parse_prefix(const char *v, struct sctplb_addr *a, __u8 *plen)
{
	if (!lb_cidr_parse(v, a, plen))
		return 0;
	fprintf(stderr, "Error: '%s' is not a prefix: give ADDR/LEN with no host bits set "
		"(192.0.2.0/24, 2001:db8::/32) or one address\n", v);
	return -EINVAL;
}

struct rule_arg {
	struct lb_policy_rule r;
	const char *prefix;
	const char *svc;
};

static int edit_add(struct lb_model *want, void *arg)
{
	struct rule_arg *a = arg;
	struct lb_service_cfg *s = cmd_service(want, a->svc);
	struct lb_policy_rule *old;

	if (!s)
		return -ENOENT;
	old = lb_service_rule(s, &a->r.addr, a->r.plen);

	if (old && old->action == a->r.action) {
		printf("policy of %s: %s %s already\n", a->svc, lb_policy_action_name(a->r.action),
		       a->prefix);
		return 1;
	}
	if (old) {
		printf("policy of %s: %s now %s (was %s)\n", a->svc, a->prefix,
		       lb_policy_action_name(a->r.action), lb_policy_action_name(old->action));
		old->action = a->r.action;
		return 0;
	}
	if (s->nrule == SCTPLB_MAX_SVC_RULES) {
		fprintf(stderr, "Error: service %s has %d rules, the most it can have; merge prefixes "
			"or delete some ('sctplb policy del')\n", a->svc, SCTPLB_MAX_SVC_RULES);
		return -ENOSPC;
	}
	s->rule[s->nrule++] = a->r;
	printf("policy of %s: %s %s\n", a->svc, lb_policy_action_name(a->r.action), a->prefix);
	return 0;
}

static int edit_del(struct lb_model *want, void *arg)
{
	struct rule_arg *a = arg;
	struct lb_service_cfg *s = cmd_service(want, a->svc);
	struct lb_policy_rule *old;

	if (!s)
		return -ENOENT;
	old = lb_service_rule(s, &a->r.addr, a->r.plen);

	if (!old) {
		fprintf(stderr, "Error: service %s has no rule for %s; see 'sctplb policy list %s'\n",
			a->svc, a->prefix, a->svc);
		return -ENOENT;
	}
	printf("policy of %s: %s %s removed\n", a->svc, lb_policy_action_name(old->action), a->prefix);
	*old = s->rule[--s->nrule];
	return 0;
}

int do_policy_add(const struct cmd_args *a)
{
	struct rule_arg ra = { .svc = a->pos[0], .prefix = a->pos[2] };

	if (!strcmp(a->pos[1], "allow"))
		ra.r.action = SCTPLB_POLICY_ALLOW;
	else if (!strcmp(a->pos[1], "deny"))
		ra.r.action = SCTPLB_POLICY_DENY;
	else {
		fprintf(stderr, "Error: '%s': give allow or deny\n", a->pos[1]);
		return -EINVAL;
	}
	if (parse_prefix(ra.prefix, &ra.r.addr, &ra.r.plen))
		return -EINVAL;
	return cmd_change(edit_add, &ra, NULL);
}

int do_policy_del(const struct cmd_args *a)
{
	struct rule_arg ra = { .svc = a->pos[0], .prefix = a->pos[1] };

	if (parse_prefix(ra.prefix, &ra.r.addr, &ra.r.plen))
		return -EINVAL;
	return cmd_change(edit_del, &ra, NULL);
}

int do_policy_list(const struct cmd_args *a)
{
	struct json_object *arr = json_object_new_array();
	const char *only = a->npos ? a->pos[0] : NULL;
	char cidr[LB_CIDRSTRLEN];
	struct lb_model md;
	struct lb_maps m;
	size_t i;
	__u32 r;
	int err;

	err = open_model(&m, false, &md);
	if (err)
		goto out;
	if (only && !cmd_service(&md, only)) {
		err = -ENOENT;
		goto close;
	}
	if (!g.json)
		printf("%-12s %-8s %s\n", "SERVICE", "ACTION", "PREFIX");
	for (i = 0; i < md.nsvc; i++) {
		const struct lb_service_cfg *s = &md.svc[i];
		bool allow = false;

		if (only && strcmp(s->name, only))
			continue;
		for (r = 0; r < s->nrule; r++) {
			allow |= s->rule[r].action == SCTPLB_POLICY_ALLOW;
			lb_cidr_fmt(&s->rule[r], cidr, sizeof(cidr));
			if (!g.json) {
				printf("%-12s %-8s %s\n", s->name, lb_policy_action_name(s->rule[r].action),
				       cidr);
			} else {
				struct json_object *o = json_object_new_object();

				json_object_object_add(o, "service", json_object_new_string(s->name));
				json_object_object_add(o, "action", json_object_new_string(
					lb_policy_action_name(s->rule[r].action)));
				json_object_object_add(o, "prefix", json_object_new_string(cidr));
				json_object_array_add(arr, o);
			}
		}
		/* What no rule matches. */
		if (!g.json) {
			printf("%-12s %-8s %s\n", s->name, allow ? "deny" : "allow",
			       "(the rest: default)");
		} else {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "service", json_object_new_string(s->name));
			json_object_object_add(o, "action", json_object_new_string(allow ? "deny" : "allow"));
			json_object_object_add(o, "prefix", json_object_new_string("default"));
			json_object_array_add(arr, o);
		}
	}
	if (g.json)
		print_json(arr);
close:
	lb_model_free(&md);
	lb_maps_close(&m);
out:
	json_object_put(arr);
	return err;
}
