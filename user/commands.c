// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * commands.c: every command of sctplb, its arguments and options, in one
 * table (see params.h).  Parsing, help, the man page check and the bash
 * completion all read it: a new command is one entry here plus its do_*()
 * function (declared in cmd.h), and its entry in docs/sctplb.8, which
 * tests/e2e/test_cli.sh compares with this table.  Sections follow `sctplb
 * help`; order within a section is the help's order.
 */
#include <stddef.h>

#include "cmd.h"
#include "model.h"
#include "params.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

/* The help texts below spell these out. */
_Static_assert(SCTPLB_NAME_LEN == 32, "names: 1 to 31 characters");
_Static_assert(SCTPLB_MAX_PATHS == 4, "1 to 4 VIPs");

#define NAME_RULE "1 to 31 characters of A-Z a-z 0-9 . _ -"
#define POS(n, h)     { .name = n, .help = h }
#define POS_OPT(n, h) { .name = n, .help = h, .optional = true }
#define OPT(n, a, h)  { .name = n, .arg = a, .help = h }
#define OPT_REQ(n, a, h) { .name = n, .arg = a, .help = h, .required = true }
#define FLAG(n, h)    { .name = n, .help = h }
#define END           { 0 }
/* A compound literal at file scope has static storage: the lists stay inline. */
#define ARGS(...)     ((const struct param_pos[]){ __VA_ARGS__, END })
#define OPTS(...)     ((const struct param_opt[]){ __VA_ARGS__, END })

#define WATCH_OPTS OPTS( \
	OPT("watch", "SECONDS", "print a sample every SECONDS (0.1 to 3600) until interrupted, " \
	    "with rates between two samples"), \
	OPT("count", "N", "with --watch: stop after N samples"))

#define TIMEOUT_CMD(w, what, min, max, def) \
	{ "config " w, "Configuration", what " (" STR(min) " to " STR(max) " s; default " \
	  STR(def) " s); 0 or 'default' restores the default", \
	  ARGS(POS("SECONDS|default", "whole seconds from " STR(min) " to " STR(max) \
		   ", or 0 or 'default' for the default (" STR(def) " s)")), \
	  NULL, do_config_timeout }

/* A numeric setting that is not a time: the event stream's rate limit. */
#define SETTING_CMD(w, what, min, max, def, unit) \
	{ "config " w, "Configuration", what " (" STR(min) " to " STR(max) " " unit "; default " \
	  STR(def) "); 0 or 'default' restores the default", \
	  ARGS(POS("N|default", "a whole number from " STR(min) " to " STR(max) \
		   ", or 0 or 'default' for the default (" STR(def) ")")), \
	  NULL, do_config_timeout }

const struct param_opt global_opts[] = {
	OPT("pin-path", "DIR", "bpffs directory of the pinned maps (default " LB_DEFAULT_PIN_PATH ")"),
	OPT("max-assocs", "N", "size of the association tables when they are created (1024 to "
	    "67108864; default 262144)"),
	OPT("max-clients", "N", "client addresses the client index holds for the restart rule, "
	    "when it is created (1024 to 134217728; default --max-assocs; twice it when most "
	    "clients are multihomed)"),
	FLAG("json", "JSON output (listings, status, gc, replay)"),
	{ .name = "verbose", .short_name = 'v',
	  .help = "also the informational and debug messages of libbpf and libxdp (the verifier's log)" },
	{ .name = "quiet", .short_name = 'q', .help = "no warnings from libbpf and libxdp" },
	{ .name = "help", .short_name = 'h', .help = "help (of the command on the line, if any)" },
	{ .name = "version", .short_name = 'V', .help = "version and BPF ABI version" },
	END
};

const struct command cmd_table[] = {
	/* ---- Interfaces ---- */
	{ "attach", "Interfaces",
	  "attach the datapath to IFNAME: XDP through libxdp, with sctplb_tc_finish at tc ingress "
	  "for what XDP passes with no neighbour entry; or tc ingress only (--tc), or the return "
	  "path of a backend-facing interface (--return). Creates the pinned maps if missing; "
	  "again on an attached interface, replaces the program and keeps the maps",
	  ARGS(POS("IFNAME", "the interface, in the current network namespace")),
	  OPTS(OPT("xdp-mode", "native|generic|auto", "XDP mode (default auto: native when the "
		   "driver has it)"),
	       FLAG("tc", "tc clsact ingress only, instead of XDP (interfaces without XDP)"),
	       FLAG("return", "tc ingress of an interface that faces the backends: learns the "
		    "server's tag from the INIT-ACK, and translates NAT services' replies back to "
		    "their VIPs")),
	  do_attach },
	{ "detach", "Interfaces", "remove whatever sctplb attached to IFNAME (XDP and its tc "
	  "program, --tc, --return); the pinned maps stay",
	  ARGS(POS("IFNAME", "the interface")), NULL, do_detach },
	{ "status", "Interfaces", "where sctplb is attached in this network namespace (interface, "
	  "hook, mode, program id), and its maps", NULL, NULL, do_status },

	/* ---- Configuration ---- */
	{ "service add", "Configuration", "add a service: VIP i is path i (IPv4 and IPv6 may mix)",
	  ARGS(POS("NAME", "service name: " NAME_RULE)),
	  OPTS(OPT_REQ("vip", "ADDR[,ADDR...]", "the service's VIPs, one per path (1 to 4)"),
	       OPT_REQ("port", "PORT", "the service's SCTP port, 1 to 65535"),
	       OPT("udp-encap", "PORT", "also SCTP over UDP (RFC 6951) to this UDP port, 1 to 65535 "
		   "(the RFC's is 9899)"),
	       OPT("tag-key", "FILE", "routable tags: the key its backends' agents share, 32 "
		   "hexadecimal digits in a file of mode 0600 ('sctplb keygen FILE' makes one); a "
		   "vtag then finds its backend with no state (backends with --server-id)"),
	       FLAG("nat", "NAT mode, for backends that do not hold the VIPs (pods, containers): a "
		    "packet to VIP i goes to its backend's address i, and on the return path "
		    "('attach IF --return') the backend's addresses, in the header and in its "
		    "INIT-ACK, become the VIPs"),
	       OPT("target-port", "PORT", "with --nat: the backends' SCTP port, 1 to 65535 "
		   "(Kubernetes' targetPort, Docker's CONTAINERPORT; default: --port)"),
	       OPT("snat", "ADDR[,ADDR...]", "with --nat: full NAT, for backends that do not route "
		   "back through the forwarder: one forwarder address per VIP, in their order and "
		   "family; clients' packets and the addresses their INIT lists leave from them")),
	  do_service_add },
	{ "service del", "Configuration", "delete a service, its backends and their state "
	  "(associations, handshakes)", ARGS(POS("NAME", "service name")), NULL, do_service_del },
	{ "service list", "Configuration", "id, name, port, encapsulation port, backend count, VIPs",
	  NULL, NULL, do_service_list },
	{ "backend add", "Configuration", "add a backend to a service",
	  ARGS(POS("SERVICE", "service name"), POS("NAME", "backend name: " NAME_RULE)),
	  OPTS(OPT_REQ("addr", "ADDR[,ADDR...]", "one address per VIP of the service, in the order "
		       "of its VIPs and of the same family"),
	       OPT("weight", "W", "Maglev weight, 1 to " STR(LB_MAX_WEIGHT) " (default 1)"),
	       OPT("server-id", "N", "routable tags: the server id of the backend's agent ('sctplb "
		   "agent attach ... --server-id N'), 1 to 4095, unique in the service")),
	  do_backend_add },
	{ "backend drain", "Configuration", "no new associations to the backend; existing ones stay",
	  ARGS(POS("SERVICE", "service name"), POS("NAME", "backend name")), NULL, do_backend_op },
	{ "backend undrain", "Configuration", "new associations to the backend again",
	  ARGS(POS("SERVICE", "service name"), POS("NAME", "backend name")), NULL, do_backend_op },
	{ "backend del", "Configuration", "delete a backend and its state (associations, "
	  "handshakes)", ARGS(POS("SERVICE", "service name"), POS("NAME", "backend name")), NULL,
	  do_backend_op },
	{ "backend list", "Configuration", "service, id, name, weight, state, addresses",
	  ARGS(POS_OPT("SERVICE", "only this service's backends")), NULL, do_backend_list },
	{ "apply", "Configuration", "make the configuration the one in FILE (JSON, as 'config "
	  "show' prints it): writes only the difference, idempotent, all or nothing",
	  ARGS(POS("FILE", "the configuration file")),
	  OPTS(FLAG("dry-run", "check FILE and change nothing")), do_apply },
	{ "config show", "Configuration", "the current configuration, in the format of apply",
	  NULL, NULL, do_config_show },
	{ "config unknown-vtag", "Configuration", "what to do with a packet whose verification tag "
	  "no association has", ARGS(POS("drop|pass|hash", "drop it, pass it to the kernel, or "
	  "choose a backend by hashing as for an INIT")), NULL, do_config_unknown_vtag },
	TIMEOUT_CMD("idle-timeout", "expire an established association idle this long",
		    LB_IDLE_TIMEOUT_MIN, LB_IDLE_TIMEOUT_MAX, SCTPLB_IDLE_TIMEOUT_S),
	TIMEOUT_CMD("closing-grace", "keep an ended association (ABORT, SHUTDOWN-COMPLETE) this "
		    "long for retransmissions", LB_CLOSING_GRACE_MIN, LB_CLOSING_GRACE_MAX,
		    SCTPLB_CLOSING_GRACE_S),
	TIMEOUT_CMD("handshake-timeout", "expire a handshake (INIT with no COOKIE-ECHO) this old",
		    LB_HANDSHAKE_TIMEOUT_MIN, LB_HANDSHAKE_TIMEOUT_MAX, SCTPLB_HANDSHAKE_TIMEOUT_S),
	TIMEOUT_CMD("path-silent", "call a path of an association silent when nothing came on it "
		    "this long (assoc list, paths, metrics); it is active while it carries DATA, "
		    "standby while only HEARTBEATs", LB_PATH_SILENT_MIN, LB_PATH_SILENT_MAX,
		    SCTPLB_PATH_SILENT_S),
	SETTING_CMD("event-rate", "association events a CPU may write a second (sctplb monitor); "
		    "more are counted as event_ratelimited", LB_EVENT_RATE_MIN, LB_EVENT_RATE_MAX,
		    SCTPLB_EVENT_RATE, "a second"),
	SETTING_CMD("event-burst", "association events a CPU may write at once, above the rate",
		    LB_EVENT_BURST_MIN, LB_EVENT_BURST_MAX, SCTPLB_EVENT_BURST, "events"),

	{ "policy add", "Configuration", "allow or deny the INITs of a source prefix for a service; "
	  "the longest matching prefix decides; with any allow rule, what none matches is denied. "
	  "Established associations are not cut",
	  ARGS(POS("SERVICE", "service name"), POS("allow|deny", "take or drop its INITs"),
	       POS("PREFIX", "ADDR/LEN, IPv4 or IPv6, no host bits set (or one address)")),
	  NULL, do_policy_add },
	{ "policy del", "Configuration", "delete the rule of a service for exactly that prefix",
	  ARGS(POS("SERVICE", "service name"), POS("PREFIX", "the rule's prefix")), NULL,
	  do_policy_del },
	{ "policy list", "Configuration", "the rules, and what is done with the rest, per service",
	  ARGS(POS_OPT("SERVICE", "only this service's rules")), NULL, do_policy_list },

	/* ---- Routable tags: the backend agent ---- */
	{ "agent attach", "Backend agent", "on a backend host: make the backend's verification tags "
	  "routable (tc ingress and egress of IFNAME), so that every forwarder holding the key "
	  "finds this backend from the vtag alone. Pins its maps under " "/sys/fs/bpf/sctplb-agent "
	  "(or --pin-path); again, replaces the configuration for every interface",
	  ARGS(POS("IFNAME", "an interface the clients' packets arrive and leave by")),
	  OPTS(OPT_REQ("vip", "ADDR[,ADDR...]", "the service's VIPs this host holds (1 to 4)"),
	       OPT_REQ("port", "PORT", "the service's SCTP port, 1 to 65535"),
	       OPT_REQ("server-id", "N", "this backend's server id, 1 to 4095, as its forwarders "
		       "know it (backend add --server-id)"),
	       OPT_REQ("tag-key", "FILE", "the service's tag key file (32 hexadecimal digits, mode "
		       "0600), the forwarders' (service add --tag-key)"),
	       OPT("udp-encap", "PORT", "also SCTP over UDP (RFC 6951) to this UDP port")),
	  do_agent_attach },
	{ "agent detach", "Backend agent", "remove the agent from IFNAME; its maps stay",
	  ARGS(POS("IFNAME", "the interface")), NULL, do_agent_detach },
	{ "agent gc", "Backend agent", "expire the agent's tags: never answered by a client packet "
	  "(10 s), ended (5 s after ABORT or SHUTDOWN-COMPLETE), idle (300 s); once, or every "
	  "SECONDS until SIGTERM or SIGINT",
	  NULL, OPTS(OPT("interval", "SECONDS", "sweep every SECONDS (0.1 to 86400)")), do_agent_gc },
	{ "agent status", "Backend agent", "where the agent is attached, its server id, the tags it "
	  "holds and its counters", NULL, NULL, do_agent_status },
	{ "keygen", "Backend agent", "write a new random tag key to FILE (mode 0600; never "
	  "replaces a file)", ARGS(POS("FILE", "the key file to create")), NULL, do_keygen },

	/* ---- State ---- */
	{ "assoc list", "State", "associations: tag, ports, service, backend, state, age, idle; "
	  "per path: client address, packets, bytes, DATA, HEARTBEATs", NULL, NULL, do_assoc_list },
	{ "paths", "State", "per path (client, VIP) and direction: packets, bytes, DATA, "
	  "HEARTBEATs, last seen", NULL, WATCH_OPTS, do_paths },
	{ "stats", "State", "the global counters, with what each one means", NULL, WATCH_OPTS,
	  do_stats },
	{ "replay", "State", "run every packet of a capture through the programs (an unpinned copy "
	  "with the pinned configuration; the live maps are only read) and print each decision",
	  ARGS(POS("CAPTURE.pcap", "a pcap file: Ethernet, Linux cooked or raw IP")), NULL,
	  do_replay },
	{ "gc", "State", "expire ended, idle and half-open associations and the state of deleted "
	  "backends, once, or every SECONDS until SIGTERM or SIGINT",
	  NULL, OPTS(OPT("interval", "SECONDS", "sweep every SECONDS (0.1 to 86400)")), do_gc },

	{ "metrics", "State", "serve the counters, per-path counters, association and table "
	  "gauges and the interfaces' XDP counters as Prometheus metrics on http://ADDR:PORT/metrics, "
	  "until SIGTERM or SIGINT; every scrape reads the pinned maps",
	  NULL, OPTS(OPT_REQ("listen", "ADDR:PORT", "where to listen: an IPv4 address or [IPv6], and "
			     "a port (e.g. 127.0.0.1:9464)"),
		     OPT("agent-pin-path", "DIR", "also the counters of the backend agent pinned under "
			 "DIR (e.g. /sys/fs/bpf/sctplb-agent)")), do_metrics },

	{ "monitor", "State", "one line (or JSON object, with --json) per association event as it "
	  "happens, from the datapath's event stream: established, confirmed, promoted, closing, "
	  "expired, collision, restart, table_full, path_new, failover (its DATA on another "
	  "path), policy_drop; path_health (active, standby, silent) judged every --interval; "
	  "events lost to the rate limit or a full buffer counted. Until SIGTERM or SIGINT",
	  NULL, OPTS(OPT("service", "NAME", "only this service's events"),
		     OPT("interval", "SECONDS", "time between two looks at path health (0.05 to "
			 "3600; default 1)")),
	  do_monitor },

	/* ---- This command ---- */
	{ "help", "Help", "this overview, or the help of one command (also 'sctplb COMMAND --help')",
	  ARGS(POS_OPT("COMMAND", "a command, e.g. attach"),
	       POS_OPT("SUBCOMMAND", "its sub-command, e.g. add of service")),
	  OPTS(FLAG("list", "the table of commands, arguments and options, one per line, tab-separated, "
		    "for scripts (the bash completion)")), do_help },
	{ "version", "Help", "the version of sctplb and of the BPF ABI it speaks (also --version)",
	  NULL, NULL, do_version },
	{ 0 }
};
