// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Address, port, name and configuration-file parsing: tables of input and expected result. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "model.h"

static int failed;

#define CHECK(name, cond, ...) do {                                     \
	if (cond) printf("PASS %s\n", name);                             \
	else { printf("FAIL %s: ", name); printf(__VA_ARGS__); printf("\n"); failed = 1; } \
} while (0)

static const struct { const char *in; int ok; __u8 family; } addrs[] = {
	{ "192.0.2.1", 1, SCTPLB_AF_INET }, { "2001:db8::1", 1, SCTPLB_AF_INET6 },
	{ "192.0.2.300", 0, 0 }, { "192.0.2", 0, 0 }, { "", 0, 0 }, { "2001:db8::zz", 0, 0 },
	{ "192.0.2.1/24", 0, 0 }, { "::ffff:192.0.2.1", 1, SCTPLB_AF_INET6 },
};

static const struct { const char *in; int ok; } ports[] = {
	{ "1", 1 }, { "65535", 1 }, { "0", 0 }, { "65536", 0 }, { "-1", 0 }, { "3868x", 0 }, { "", 0 },
};

static const struct { const char *name; const char *json; int ok; const char *err; } files[] = {
	{ "cfg_minimal", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\"],\"port\":1}]}", 1, NULL },
	{ "cfg_string_vips", "{\"services\":[{\"name\":\"a\",\"vips\":\"192.0.2.1,2001:db8::1\",\"port\":1,"
	  "\"backends\":[{\"name\":\"b\",\"addrs\":[\"198.51.100.1\",\"2001:db8:1::1\"]}]}]}", 1, NULL },
	{ "cfg_unknown_key", "{\"services\":[],\"colour\":1}", 0, "unknown key" },
	{ "cfg_bad_port", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\"],\"port\":70000}]}", 0,
	  "out of range" },
	{ "cfg_bad_addr", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.x\"],\"port\":1}]}", 0,
	  "malformed address" },
	{ "cfg_bad_json", "{\"services\":[", 0, "not valid JSON" },
	{ "cfg_bad_policy", "{\"unknown_vtag\":\"maybe\"}", 0, "drop, pass or hash" },
	{ "cfg_five_vips", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\",\"192.0.2.2\","
	  "\"192.0.2.3\",\"192.0.2.4\",\"192.0.2.5\"],\"port\":1}]}", 0, "give 1 to 4" },
};

/* Validation of parsed models: families, counts, duplicates, clashes. */
static const struct { const char *name; const char *json; const char *err; } models[] = {
	{ "val_ok", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\",\"2001:db8::1\"],\"port\":1,"
	  "\"backends\":[{\"name\":\"b\",\"addrs\":[\"198.51.100.1\",\"2001:db8:1::1\"]}]}]}", NULL },
	{ "val_family", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\",\"2001:db8::1\"],\"port\":1,"
	  "\"backends\":[{\"name\":\"b\",\"addrs\":[\"198.51.100.1\",\"198.51.100.2\"]}]}]}", "is IPv6" },
	{ "val_count", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\",\"2001:db8::1\"],\"port\":1,"
	  "\"backends\":[{\"name\":\"b\",\"addrs\":[\"198.51.100.1\"]}]}]}", "one address per VIP" },
	{ "val_dup_service", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\"],\"port\":1},"
	  "{\"name\":\"a\",\"vips\":[\"192.0.2.2\"],\"port\":1}]}", "defined twice" },
	{ "val_vip_clash", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\"],\"port\":1},"
	  "{\"name\":\"b\",\"vips\":[\"192.0.2.1\"],\"port\":1}]}", "already used by" },
	{ "val_same_vip_other_port", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\"],\"port\":1},"
	  "{\"name\":\"b\",\"vips\":[\"192.0.2.1\"],\"port\":2}]}", NULL },
	{ "val_encap_clash", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\"],\"port\":1,\"udp_encap\":9899},"
	  "{\"name\":\"b\",\"vips\":[\"192.0.2.1\"],\"port\":2,\"udp_encap\":9899}]}", "already used by" },
	{ "val_dup_vip", "{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\",\"192.0.2.1\"],\"port\":1}]}",
	  "twice" },
};

int main(void)
{
	char err[512], name[64], buf[LB_ADDRSTRLEN];
	struct sctplb_addr a, list[SCTPLB_MAX_PATHS];
	struct lb_model md;
	size_t i, n;
	__u16 port;
	int e;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		e = lb_addr_parse(addrs[i].in, &a);
		snprintf(name, sizeof(name), "addr_%zu", i);
		CHECK(name, (e == 0) == addrs[i].ok && (!addrs[i].ok || a.family == addrs[i].family),
		      "'%s': %d", addrs[i].in, e);
	}
	e = lb_addr_parse("2001:db8::1", &a);
	CHECK("addr_roundtrip", !e && !strcmp(lb_addr_fmt(&a, buf, sizeof(buf)), "2001:db8::1"), "%s", buf);
	/* IPv4 is formatted by hand: as inet_ntop, for every value of each byte */
	for (i = 0, n = 0; i < 4 * 256; i++) {
		char want[LB_ADDRSTRLEN];
		unsigned char *b = (unsigned char *)a.addr;

		a.family = SCTPLB_AF_INET;
		a.addr[0] = htonl(0xc0000201u); /* 192.0.2.1, one byte swept */
		b[i / 256] = (unsigned char)(i % 256);
		inet_ntop(AF_INET, a.addr, want, sizeof(want));
		n += !!strcmp(lb_addr_fmt(&a, buf, sizeof(buf)), want);
	}
	CHECK("addr_fmt_v4_as_inet_ntop", n == 0, "%zu of 1024 differ", n);
	/* IPv6 too: every pattern of zero words (the "::" run), with words of
	 * each length and ffff (IPv4-mapped and -compatible), as inet_ntop */
	srand(15);
	for (i = 0, n = 0; i < 256 * 64; i++) {
		static const unsigned int some[] = { 0x1, 0xf, 0x10, 0xab, 0x100, 0xdb8, 0x1000,
						     0xffff };
		char want[LB_ADDRSTRLEN];
		unsigned char *b = (unsigned char *)a.addr;
		int wi;

		a.family = SCTPLB_AF_INET6;
		for (wi = 0; wi < 8; wi++) {
			unsigned int v = (i & 255) >> wi & 1 ? 0 :
					 i / 256 % 2 ? some[rand() % 8] : (unsigned int)rand() & 0xffff;

			if (i / 256 % 4 == 3 && wi == 5) /* ::ffff:a.b.c.d when the rest is 0 */
				v = 0xffff;
			b[2 * wi] = (unsigned char)(v >> 8);
			b[2 * wi + 1] = (unsigned char)v;
		}
		inet_ntop(AF_INET6, a.addr, want, sizeof(want));
		if (strcmp(lb_addr_fmt(&a, buf, sizeof(buf)), want) && n++ < 3)
			printf("  %s, inet_ntop %s\n", buf, want);
	}
	CHECK("addr_fmt_v6_as_inet_ntop", n == 0, "%zu of %d differ", n, 256 * 64);
	e = lb_addr_list_parse("192.0.2.1,2001:db8::1", list, SCTPLB_MAX_PATHS, &n, NULL);
	CHECK("addr_list", !e && n == 2 && list[1].family == SCTPLB_AF_INET6, "%d %zu", e, n);
	e = lb_addr_list_parse("192.0.2.1,,192.0.2.2", list, SCTPLB_MAX_PATHS, &n, NULL);
	CHECK("addr_list_empty_item", e != 0, "accepted");
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		snprintf(name, sizeof(name), "port_%s", ports[i].in[0] ? ports[i].in : "empty");
		CHECK(name, (lb_port_parse(ports[i].in, &port) == 0) == ports[i].ok, "'%s'", ports[i].in);
	}
	CHECK("name_valid", lb_name_valid("dra-1.site_a") && !lb_name_valid("-x") &&
	      !lb_name_valid("a b") && !lb_name_valid("0123456789012345678901234567890123"), "names");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		err[0] = 0;
		e = lb_config_parse(files[i].json, &md, err, sizeof(err));
		CHECK(files[i].name, (e == 0) == files[i].ok && (!files[i].err || strstr(err, files[i].err)),
		      "rc %d, '%s'", e, err);
		if (!e)
			lb_model_free(&md);
	}
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		err[0] = 0;
		e = lb_config_parse(models[i].json, &md, err, sizeof(err));
		if (!e) {
			e = lb_model_validate(&md, err, sizeof(err));
			lb_model_free(&md);
		}
		CHECK(models[i].name, models[i].err ? e && strstr(err, models[i].err) : !e,
		      "rc %d, '%s'", e, err);
	}
	/* Routable tags: server ids are unique within a service (the key comes
	 * from a file at parse time, so it is set on the parsed model). */
	e = lb_config_parse("{\"services\":[{\"name\":\"a\",\"vips\":[\"192.0.2.1\"],\"port\":1,"
			    "\"backends\":[{\"name\":\"b\",\"addrs\":[\"198.51.100.1\"]},"
			    "{\"name\":\"c\",\"addrs\":[\"198.51.100.2\"]}]}]}", &md, err, sizeof(err));
	CHECK("val_server_id_setup", !e && md.nsvc == 1 && md.svc[0].nbe == 2, "rc %d, '%s'", e, err);
	if (!e) {
		int dup, distinct;

		md.svc[0].rtag.flags = SCTPLB_RTAG_F_ON;
		md.svc[0].be[0].server_id = 7;
		md.svc[0].be[1].server_id = 7;
		err[0] = 0;
		dup = lb_model_validate(&md, err, sizeof(err));
		CHECK("val_dup_server_id", dup && strstr(err, "server ids are unique"), "rc %d, '%s'",
		      dup, err);
		md.svc[0].be[1].server_id = 8;
		err[0] = 0;
		distinct = lb_model_validate(&md, err, sizeof(err));
		CHECK("val_distinct_server_ids", !distinct, "rc %d, '%s'", distinct, err);
		lb_model_free(&md);
	}
	/* config show output parses back to the same model. */
	e = lb_config_parse(models[0].json, &md, err, sizeof(err));
	if (!e) {
		struct json_object *o = lb_config_to_json(&md);
		struct lb_model md2;
		const char *s = json_object_to_json_string(o);

		e = lb_config_parse(s, &md2, err, sizeof(err));
		CHECK("config_roundtrip", !e && md2.nsvc == 1 && md2.svc[0].nbe == 1 &&
		      lb_addr_equal(&md2.svc[0].be[0].addr[1], &md.svc[0].be[0].addr[1]), "%s", err);
		if (!e)
			lb_model_free(&md2);
		json_object_put(o);
		lb_model_free(&md);
	}
	return failed;
}
