// SPDX-License-Identifier: GPL-2.0
/*
 * sctp-peer: SCTP test endpoint for sctplb end-to-end tests, on usrsctp
 * (this kernel has no SCTP).  Subcommands: server, client, traffic, stats.
 * See tools/sctp-peer/README.md.  Every event is one JSON line on stdout.
 *
 * usrsctp rules followed here (the pitfalls in tools/sctp-peer/README.md):
 *  - blackhole sysctl = 2 in every process, explicit local ports (pitfall 2);
 *  - addresses must exist before usrsctp_init (pitfall 3), connectx returns at
 *    once: wait for SCTP_COMM_UP;
 *  - many associations live in one process (pitfalls 2 and 7);
 *  - timers are set after usrsctp_init (which resets the sysctls) and before
 *    any socket is created (pitfall 5).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>

#include "tally.h"

#define MAX_ADDRS 16
#define MAX_ASSOCS 4096
#define MAX_MSG 65536
#define DEFAULT_ENCAP_PORT 9899

enum { EXIT_OK = 0, EXIT_LOSS = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3 };

struct addr_list {
	struct sockaddr_storage a[MAX_ADDRS];
	int n;
	int v6; /* at least one IPv6 address */
};

static struct opts {
	const char *name;
	struct addr_list local, remote;
	int port, lport, lport_base;
	int udp_encap, encap_port, remote_encap_port;
	long count, interval_ms;
	int assocs;
	double rate, duration;
	int size;
	const char *ready_file, *progress_file;
	long connect_timeout_ms, drain_ms;
	int init_attempts;          /* 0: as the timers and --connect-timeout give */
	int default_timers;
	int rto_min, rto_max, rto_initial, path_max_rtx, assoc_max_rtx, hb_interval;
	int quiet;
} o = {
	.name = "sctp-peer",
	.count = 10,
	.interval_ms = 100,
	.assocs = 1,
	.rate = 10,
	.duration = 5,
	.size = 64,
	.connect_timeout_ms = 5000,
	.drain_ms = 3000,
	.rto_min = 100,
	.rto_max = 400,
	.rto_initial = 200,
	.path_max_rtx = 2,
	.assoc_max_rtx = 10,    /* usrsctp's: RFC 9260 16, Association.Max.Retrans */
	.hb_interval = 500,
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t stop_flag;
static const char *mode = "";

/* ---------- small helpers ---------- */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ull, .tv_nsec = ns % 1000000000ull };

	nanosleep(&ts, NULL);
}

/* Print one JSON line and take ownership of obj. */
static void emit(json_object *obj)
{
	pthread_mutex_lock(&lock);
	fputs(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN), stdout);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&lock);
	json_object_put(obj);
}

static json_object *event_new(const char *event)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "event", json_object_new_string(event));
	json_object_object_add(j, "ts_ms", json_object_new_int64(wall_ms()));
	return j;
}

static void jadd_str(json_object *j, const char *k, const char *v)
{
	json_object_object_add(j, k, json_object_new_string(v));
}

static void jadd_int(json_object *j, const char *k, int64_t v)
{
	json_object_object_add(j, k, json_object_new_int64(v));
}

static void jadd_dbl(json_object *j, const char *k, double v)
{
	char buf[32];

	/* three decimals are plenty for milliseconds */
	snprintf(buf, sizeof(buf), "%.3f", v);
	json_object_object_add(j, k, json_object_new_double_s(v, buf));
}

static void __attribute__((noreturn, format(printf, 2, 3))) die(int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	json_object *j;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sctp-peer %s: %s\n", mode, buf);
	j = event_new("error");
	jadd_str(j, "mode", mode);
	jadd_str(j, "error", buf);
	jadd_int(j, "exit", code);
	emit(j);
	_exit(code);
}

static size_t sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static const char *sa_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, len);
	else
		snprintf(buf, len, "af%d", sa->sa_family);
	return buf;
}

static uint16_t sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

static void parse_addrs(const char *arg, struct addr_list *l, const char *what)
{
	char *dup = strdup(arg), *save = NULL, *tok;

	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct sockaddr_storage *ss;

		if (l->n >= MAX_ADDRS)
			die(EXIT_USAGE, "too many %s addresses (max %d)", what, MAX_ADDRS);
		ss = &l->a[l->n];
		memset(ss, 0, sizeof(*ss));
		if (*tok == '[') { /* allow [v6] */
			tok++;
			tok[strcspn(tok, "]")] = 0;
		}
		if (inet_pton(AF_INET, tok, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
			ss->ss_family = AF_INET;
		} else if (inet_pton(AF_INET6, tok, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
			ss->ss_family = AF_INET6;
			l->v6 = 1;
		} else {
			die(EXIT_USAGE, "bad %s address '%s'", what, tok);
		}
		l->n++;
	}
	free(dup);
	if (l->n == 0)
		die(EXIT_USAGE, "no %s address", what);
}

/* Pack addresses with the given port into the variable-size array that
 * usrsctp_bindx/usrsctp_connectx expect. */
static size_t pack_addrs(const struct addr_list *l, uint16_t port, uint8_t *buf)
{
	size_t off = 0;

	for (int i = 0; i < l->n; i++) {
		struct sockaddr_storage ss = l->a[i];

		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		memcpy(buf + off, &ss, sa_len((struct sockaddr *)&ss));
		off += sa_len((struct sockaddr *)&ss);
	}
	return off;
}

static json_object *addrs_json(struct sockaddr *addrs, int n)
{
	json_object *a = json_object_new_array();
	uint8_t *p = (uint8_t *)addrs;
	char buf[INET6_ADDRSTRLEN];

	for (int i = 0; i < n; i++) {
		struct sockaddr *sa = (struct sockaddr *)p;

		json_object_array_add(a, json_object_new_string(sa_ntop(sa, buf, sizeof(buf))));
		p += sa_len(sa);
	}
	return a;
}

/* ---------- usrsctp set-up shared by every mode ---------- */

static void stack_init(void)
{
	int port = o.udp_encap ? o.encap_port : 0;

	/* port 0: raw IP (protocol 132) only; otherwise also RFC 6951 UDP. */
	usrsctp_init(port, NULL, NULL);
	usrsctp_sysctl_set_sctp_blackhole(2);
	if (!o.default_timers) {
		usrsctp_sysctl_set_sctp_rto_min_default(o.rto_min);
		usrsctp_sysctl_set_sctp_rto_max_default(o.rto_max);
		usrsctp_sysctl_set_sctp_rto_initial_default(o.rto_initial);
		usrsctp_sysctl_set_sctp_init_rto_max_default(o.rto_max > 1000 ? o.rto_max : 1000);
		/* The stack's 8 INIT attempts take ~3 s with these timers: give it one per
		 * rto_min of the connect timeout, so that --connect-timeout alone decides
		 * how long a client waits for its peer to appear. */
		usrsctp_sysctl_set_sctp_init_rtx_max_default(
			(uint32_t)(o.connect_timeout_ms / o.rto_min + 8));
		usrsctp_sysctl_set_sctp_path_rtx_max_default(o.path_max_rtx);
		usrsctp_sysctl_set_sctp_assoc_rtx_max_default(o.assoc_max_rtx);
		usrsctp_sysctl_set_sctp_heartbeat_interval_default(o.hb_interval);
	}
	if (o.init_attempts)
		usrsctp_sysctl_set_sctp_init_rtx_max_default((uint32_t)o.init_attempts);
}

static void sock_common(struct socket *s)
{
	const uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_PEER_ADDR_CHANGE, SCTP_SHUTDOWN_EVENT,
				    SCTP_REMOTE_ERROR, SCTP_SEND_FAILED_EVENT };
	struct sctp_event ev;
	int on = 1;

	memset(&ev, 0, sizeof(ev));
	ev.se_assoc_id = SCTP_ALL_ASSOC;
	ev.se_on = 1;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		ev.se_type = events[i];
		if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) < 0)
			die(EXIT_USAGE, "setsockopt SCTP_EVENT: %s", strerror(errno));
	}
	usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
	usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
}

static void sock_bind(struct socket *s, uint16_t port)
{
	uint8_t buf[MAX_ADDRS * sizeof(struct sockaddr_in6)];
	char a[INET6_ADDRSTRLEN];

	pack_addrs(&o.local, port, buf);
	if (usrsctp_bindx(s, (struct sockaddr *)buf, o.local.n, SCTP_BINDX_ADD_ADDR) < 0)
		die(EXIT_USAGE, "bindx %s... port %u: %s (is the address configured?)",
		    sa_ntop((struct sockaddr *)&o.local.a[0], a, sizeof(a)), port, strerror(errno));
}

static const char *state_name(uint32_t st)
{
	switch (st) {
	case SCTP_ADDR_AVAILABLE: return "available";
	case SCTP_ADDR_UNREACHABLE: return "unreachable";
	case SCTP_ADDR_REMOVED: return "removed";
	case SCTP_ADDR_ADDED: return "added";
	case SCTP_ADDR_MADE_PRIM: return "made_primary";
	case SCTP_ADDR_CONFIRMED: return "confirmed";
	default: return "other";
	}
}

static const char *assoc_state_name(uint16_t st)
{
	switch (st) {
	case SCTP_COMM_UP: return "comm_up";
	case SCTP_COMM_LOST: return "comm_lost";
	case SCTP_RESTART: return "restart";
	case SCTP_SHUTDOWN_COMP: return "shutdown_comp";
	case SCTP_CANT_STR_ASSOC: return "cant_start";
	default: return "assoc_change";
	}
}

/* Signals are blocked in every thread and taken by this one. */
static sigset_t sigs;
static void (*on_usr1)(void);

static void *signal_thread(void *arg)
{
	int sig;

	for (;;) {
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGUSR1) {
			if (on_usr1)
				on_usr1();
		} else {
			stop_flag = 1;
		}
	}
	return NULL;
}

static void signals_setup(void)
{
	pthread_t t;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	pthread_create(&t, NULL, signal_thread, NULL);
	pthread_detach(t);
}

/* ---------- server ---------- */

static struct {
	sctp_assoc_t id;
	uint64_t msgs;
} srv_counts[MAX_ASSOCS];

static uint64_t *srv_count(sctp_assoc_t id)
{
	unsigned int h = (unsigned int)id % MAX_ASSOCS;

	for (int i = 0; i < MAX_ASSOCS; i++) {
		unsigned int k = (h + i) % MAX_ASSOCS;

		if (srv_counts[k].id == id || srv_counts[k].id == 0) {
			srv_counts[k].id = id;
			return &srv_counts[k].msgs;
		}
	}
	return &srv_counts[h].msgs;
}

static void srv_notification(struct socket *s, union sctp_notification *n)
{
	char buf[INET6_ADDRSTRLEN];
	json_object *j;

	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE: {
		struct sctp_assoc_change *ac = &n->sn_assoc_change;
		struct sockaddr *pa = NULL, *la = NULL;
		int np, nl;

		j = event_new(assoc_state_name(ac->sac_state));
		jadd_str(j, "name", o.name);
		jadd_int(j, "assoc_id", ac->sac_assoc_id);
		jadd_int(j, "lport", o.port);
		if (ac->sac_state == SCTP_COMM_UP || ac->sac_state == SCTP_RESTART) {
			np = usrsctp_getpaddrs(s, ac->sac_assoc_id, &pa);
			if (np > 0) {
				jadd_int(j, "rport", sa_port(pa));
				json_object_object_add(j, "peer_addrs", addrs_json(pa, np));
				usrsctp_freepaddrs(pa);
			}
			nl = usrsctp_getladdrs(s, ac->sac_assoc_id, &la);
			if (nl > 0) {
				json_object_object_add(j, "local_addrs", addrs_json(la, nl));
				usrsctp_freeladdrs(la);
			}
			pthread_mutex_lock(&lock);
			*srv_count(ac->sac_assoc_id) = 0;
			pthread_mutex_unlock(&lock);
		} else {
			pthread_mutex_lock(&lock);
			jadd_int(j, "msgs", (int64_t)*srv_count(ac->sac_assoc_id));
			pthread_mutex_unlock(&lock);
			if (ac->sac_error)
				jadd_int(j, "error", ac->sac_error);
		}
		emit(j);
		break;
	}
	case SCTP_PEER_ADDR_CHANGE: {
		struct sctp_paddr_change *pc = &n->sn_paddr_change;

		j = event_new("path");
		jadd_str(j, "name", o.name);
		jadd_int(j, "assoc_id", pc->spc_assoc_id);
		jadd_str(j, "addr", sa_ntop((struct sockaddr *)&pc->spc_aaddr, buf, sizeof(buf)));
		jadd_str(j, "state", state_name(pc->spc_state));
		emit(j);
		break;
	}
	case SCTP_SHUTDOWN_EVENT:
		j = event_new("shutdown");
		jadd_str(j, "name", o.name);
		jadd_int(j, "assoc_id", n->sn_shutdown_event.sse_assoc_id);
		emit(j);
		break;
	default:
		break;
	}
}

static int srv_receive(struct socket *s, union sctp_sockstore addr, void *data, size_t len,
		       struct sctp_rcvinfo rcv, int flags, void *ulp)
{
	static __thread char reply[MAX_MSG + 128];
	struct sctp_sndinfo snd;
	int n;

	if (!data)
		return 1;
	if (flags & MSG_NOTIFICATION) {
		srv_notification(s, data);
		free(data);
		return 1;
	}
	/* Echo with the server's name in front: "n=NAME " + request. */
	n = snprintf(reply, sizeof(reply), "n=%s ", o.name);
	if (len > sizeof(reply) - n)
		len = sizeof(reply) - n;
	memcpy(reply + n, data, len);
	free(data);
	memset(&snd, 0, sizeof(snd));
	snd.snd_sid = rcv.rcv_sid;
	snd.snd_ppid = rcv.rcv_ppid;
	snd.snd_assoc_id = rcv.rcv_assoc_id;
	if (usrsctp_sendv(s, reply, n + len, NULL, 0, &snd, sizeof(snd), SCTP_SENDV_SNDINFO, 0) < 0)
		fprintf(stderr, "sctp-peer server: echo on assoc %u: %s\n", rcv.rcv_assoc_id, strerror(errno));
	pthread_mutex_lock(&lock);
	(*srv_count(rcv.rcv_assoc_id))++;
	pthread_mutex_unlock(&lock);
	return 1;
}

/* SIGUSR1 in a server: one "assoc_status" line per association it has
 * echoed on (its stack's view: state, data not yet acknowledged or not yet
 * sent, the primary path, each peer address's state, congestion window, RTO
 * and smoothed RTT), then "status_end".  A test that saw a message go
 * unanswered asks for it: lost on a path, stuck in the send queue, or never
 * sent tell themselves apart here. */
static struct socket *srv_sock;

static const char *status_state_name(int32_t st)
{
	switch (st) {
	case SCTP_CLOSED: return "closed";
	case SCTP_COOKIE_WAIT: return "cookie_wait";
	case SCTP_COOKIE_ECHOED: return "cookie_echoed";
	case SCTP_ESTABLISHED: return "established";
	case SCTP_SHUTDOWN_SENT: return "shutdown_sent";
	case SCTP_SHUTDOWN_RECEIVED: return "shutdown_received";
	case SCTP_SHUTDOWN_ACK_SENT: return "shutdown_ack_sent";
	case SCTP_SHUTDOWN_PENDING: return "shutdown_pending";
	default: return "other";
	}
}

static const char *path_state_name(int32_t st)
{
	switch (st) {
	case SCTP_ACTIVE: return "active";
	case SCTP_INACTIVE: return "inactive";
	case SCTP_UNCONFIRMED: return "unconfirmed";
	default: return "other";
	}
}

static void srv_status(void)
{
	sctp_assoc_t ids[MAX_ASSOCS];
	uint64_t msgs[MAX_ASSOCS];
	char buf[INET6_ADDRSTRLEN];
	int n = 0;
	json_object *j;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_ASSOCS; i++)
		if (srv_counts[i].id) {
			ids[n] = srv_counts[i].id;
			msgs[n++] = srv_counts[i].msgs;
		}
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < n; i++) {
		struct sctp_status st;
		socklen_t len = sizeof(st);
		struct sockaddr *pa = NULL;
		json_object *paths;
		uint8_t *q;
		int np;

		j = event_new("assoc_status");
		jadd_str(j, "name", o.name);
		jadd_int(j, "assoc_id", ids[i]);
		jadd_int(j, "msgs", (int64_t)msgs[i]);
		memset(&st, 0, sizeof(st));
		st.sstat_assoc_id = ids[i];
		if (usrsctp_getsockopt(srv_sock, IPPROTO_SCTP, SCTP_STATUS, &st, &len) < 0) {
			jadd_str(j, "error", strerror(errno));
			emit(j);
			continue;
		}
		jadd_str(j, "state", status_state_name(st.sstat_state));
		jadd_int(j, "unacked", st.sstat_unackdata);
		jadd_int(j, "pending", st.sstat_penddata);
		jadd_int(j, "rwnd", st.sstat_rwnd);
		jadd_str(j, "primary", sa_ntop((struct sockaddr *)&st.sstat_primary.spinfo_address, buf, sizeof(buf)));
		paths = json_object_new_array();
		np = usrsctp_getpaddrs(srv_sock, ids[i], &pa);
		q = (uint8_t *)pa;
		for (int k = 0; k < np; k++) {
			struct sockaddr *sa = (struct sockaddr *)q;
			struct sctp_paddrinfo pi;
			socklen_t pl = sizeof(pi);
			json_object *pj = json_object_new_object();

			memset(&pi, 0, sizeof(pi));
			pi.spinfo_assoc_id = ids[i];
			memcpy(&pi.spinfo_address, sa, sa_len(sa));
			jadd_str(pj, "addr", sa_ntop(sa, buf, sizeof(buf)));
			if (usrsctp_getsockopt(srv_sock, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi, &pl) == 0) {
				jadd_str(pj, "state", path_state_name(pi.spinfo_state));
				jadd_int(pj, "cwnd", pi.spinfo_cwnd);
				jadd_int(pj, "srtt", pi.spinfo_srtt);
				jadd_int(pj, "rto", pi.spinfo_rto);
			}
			json_object_array_add(paths, pj);
			q += sa_len(sa);
		}
		if (np > 0)
			usrsctp_freepaddrs(pa);
		json_object_object_add(j, "paths", paths);
		emit(j);
	}
	j = event_new("status_end");
	jadd_str(j, "name", o.name);
	emit(j);
}

static int run_server(void)
{
	struct socket *s;
	json_object *j, *a;
	char buf[INET6_ADDRSTRLEN];

	if (!o.port)
		die(EXIT_USAGE, "--port is required");
	signals_setup();
	stack_init();
	s = usrsctp_socket(o.local.v6 ? AF_INET6 : AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, srv_receive,
			   NULL, 0, NULL);
	if (!s)
		die(EXIT_USAGE, "usrsctp_socket: %s", strerror(errno));
	sock_common(s);
	sock_bind(s, o.port);
	srv_sock = s;
	on_usr1 = srv_status;
	if (usrsctp_listen(s, 128) < 0)
		die(EXIT_USAGE, "listen: %s", strerror(errno));
	j = event_new("listening");
	jadd_str(j, "name", o.name);
	jadd_int(j, "port", o.port);
	a = json_object_new_array();
	for (int i = 0; i < o.local.n; i++)
		json_object_array_add(a, json_object_new_string(sa_ntop((struct sockaddr *)&o.local.a[i], buf, sizeof(buf))));
	json_object_object_add(j, "local_addrs", a);
	jadd_int(j, "udp_encap_port", o.udp_encap ? o.encap_port : 0);
	emit(j);
	while (!stop_flag)
		sleep_ns(50000000);
	j = event_new("exit");
	jadd_str(j, "name", o.name);
	emit(j);
	usrsctp_close(s);
	for (int i = 0; i < 20 && usrsctp_finish() != 0; i++)
		sleep_ns(50000000);
	return EXIT_OK;
}

/* ---------- client and traffic ---------- */

enum { A_CONNECTING, A_UP, A_DOWN };

struct assoc {
	int idx;
	uint16_t lport;
	struct socket *s;
	int state;
	sctp_assoc_t id;
	struct tally t;       /* messages and echoes (tally.h) */
	int64_t up_ms, down_ms;
	int path_events;
	char end_state[24];
};

static struct assoc *assocs;
static int n_assocs;
static long n_msgs;               /* messages per association */
static int64_t first_unreach_ms;  /* first path unreachable, any association */
static int64_t first_avail_ms;    /* first path available again after that */
static uint64_t start_ns;

static void cli_notification(struct assoc *as, union sctp_notification *n)
{
	char buf[INET6_ADDRSTRLEN];
	json_object *j;

	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE: {
		struct sctp_assoc_change *ac = &n->sn_assoc_change;

		pthread_mutex_lock(&lock);
		if (ac->sac_state == SCTP_COMM_UP || ac->sac_state == SCTP_RESTART) {
			as->state = A_UP;
			as->id = ac->sac_assoc_id;
			as->up_ms = wall_ms();
		} else {
			as->state = A_DOWN;
			as->down_ms = wall_ms();
			snprintf(as->end_state, sizeof(as->end_state), "%s", assoc_state_name(ac->sac_state));
		}
		pthread_mutex_unlock(&lock);
		if (o.quiet && ac->sac_state == SCTP_COMM_UP)
			break;
		j = event_new(assoc_state_name(ac->sac_state));
		jadd_int(j, "assoc", as->idx);
		jadd_int(j, "assoc_id", ac->sac_assoc_id);
		jadd_int(j, "lport", as->lport);
		jadd_int(j, "rport", o.port);
		if (ac->sac_error)
			jadd_int(j, "error", ac->sac_error);
		emit(j);
		break;
	}
	case SCTP_PEER_ADDR_CHANGE: {
		struct sctp_paddr_change *pc = &n->sn_paddr_change;
		int64_t now = wall_ms();

		pthread_mutex_lock(&lock);
		as->path_events++;
		if (pc->spc_state == SCTP_ADDR_UNREACHABLE && !first_unreach_ms)
			first_unreach_ms = now;
		if (pc->spc_state == SCTP_ADDR_AVAILABLE && first_unreach_ms && !first_avail_ms)
			first_avail_ms = now;
		pthread_mutex_unlock(&lock);
		j = event_new("path");
		jadd_int(j, "assoc", as->idx);
		jadd_int(j, "assoc_id", pc->spc_assoc_id);
		jadd_str(j, "addr", sa_ntop((struct sockaddr *)&pc->spc_aaddr, buf, sizeof(buf)));
		jadd_str(j, "state", state_name(pc->spc_state));
		jadd_dbl(j, "t_ms", (mono_ns() - start_ns) / 1e6);
		emit(j);
		break;
	}
	default:
		break;
	}
}

static void cli_data(struct assoc *as, const char *data, size_t len)
{
	uint64_t now = mono_ns();

	pthread_mutex_lock(&lock);
	tally_reply(&as->t, data, len, n_msgs, now);
	pthread_mutex_unlock(&lock);
}

static int cli_receive(struct socket *s, union sctp_sockstore addr, void *data, size_t len,
		       struct sctp_rcvinfo rcv, int flags, void *ulp)
{
	struct assoc *as = ulp;

	if (!data)
		return 1;
	if (flags & MSG_NOTIFICATION)
		cli_notification(as, data);
	else
		cli_data(as, data, len);
	free(data);
	return 1;
}

static void cli_connect(struct assoc *as)
{
	uint8_t buf[MAX_ADDRS * sizeof(struct sockaddr_in6)];
	int fam = (o.local.v6 || o.remote.v6) ? AF_INET6 : AF_INET;
	sctp_assoc_t id;

	as->s = usrsctp_socket(fam, SOCK_STREAM, IPPROTO_SCTP, cli_receive, NULL, 0, as);
	if (!as->s)
		die(EXIT_USAGE, "usrsctp_socket: %s", strerror(errno));
	sock_common(as->s);
	if (o.udp_encap) {
		struct sctp_udpencaps enc;

		memset(&enc, 0, sizeof(enc));
		enc.sue_address.ss_family = fam;
		enc.sue_port = htons(o.remote_encap_port);
		if (usrsctp_setsockopt(as->s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc)) < 0)
			die(EXIT_USAGE, "setsockopt SCTP_REMOTE_UDP_ENCAPS_PORT: %s", strerror(errno));
	}
	sock_bind(as->s, as->lport);
	usrsctp_set_non_blocking(as->s, 1);
	pack_addrs(&o.remote, o.port, buf);
	if (usrsctp_connectx(as->s, (struct sockaddr *)buf, o.remote.n, &id) < 0 && errno != EINPROGRESS)
		die(EXIT_CONNECT, "connectx (assoc %d, local port %u): %s", as->idx, as->lport, strerror(errno));
}

/* The counters so far as one JSON object; event: "stats" (the final line),
 * "stats_snapshot" (SIGUSR1) or "progress" (--progress-file). */
static json_object *stats_json(const char *event)
{
	json_object *j = event_new(event), *pa = json_object_new_array();
	json_object *be = json_object_new_object();
	struct tally_sum sum = TALLY_SUM_INIT;
	int up = 0;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < n_assocs; i++) {
		struct assoc *as = &assocs[i];
		const struct tally *t = &as->t;
		json_object *a = json_object_new_object(), *cnt;

		jadd_int(a, "assoc", as->idx);
		jadd_int(a, "lport", as->lport);
		jadd_int(a, "assoc_id", as->id);
		jadd_str(a, "backend", t->backend);
		jadd_str(a, "state", as->state == A_UP ? "up" : as->state == A_DOWN ? as->end_state : "connecting");
		jadd_int(a, "sent", t->sent);
		jadd_int(a, "received", t->received);
		jadd_int(a, "lost", t->sent - t->received);
		jadd_int(a, "dup", t->dup);
		jadd_int(a, "send_errors", t->send_errors);
		jadd_dbl(a, "max_rtt_ms", t->rtt_max_ns / 1e6);
		jadd_dbl(a, "avg_rtt_ms", t->received ? t->rtt_sum_ns / 1e6 / t->received : 0);
		jadd_dbl(a, "max_gap_ms", t->max_gap_ns / 1e6);
		jadd_int(a, "path_events", as->path_events);
		jadd_int(a, "backend_changes", t->backend_changes);
		{
			long seq[8], n;
			uint64_t age[8], now = mono_ns();
			json_object *un = json_object_new_array();

			n = t->tx_ns ? tally_unanswered(t, n_msgs, now, seq, age, 8) : 0;
			for (long k = 0; k < n && k < 8; k++) {
				json_object *u = json_object_new_object();

				jadd_int(u, "s", seq[k]);
				jadd_dbl(u, "age_ms", age[k] / 1e6);
				json_object_array_add(un, u);
			}
			/* the oldest 8 messages not echoed, and their age now */
			json_object_object_add(a, "unanswered", un);
		}
		json_object_array_add(pa, a);
		tally_sum(&sum, t);
		if (as->up_ms)
			up++;
		if (t->backend[0]) {
			if (json_object_object_get_ex(be, t->backend, &cnt))
				json_object_set_int64(cnt, json_object_get_int64(cnt) + 1);
			else
				jadd_int(be, t->backend, 1);
		}
	}
	jadd_str(j, "mode", mode);
	jadd_int(j, "assocs", n_assocs);
	jadd_int(j, "assocs_up", up);
	jadd_int(j, "sent", sum.sent);
	jadd_int(j, "received", sum.received);
	jadd_int(j, "lost", sum.sent - sum.received);
	jadd_int(j, "min_received", n_assocs ? sum.min_received : 0);
	jadd_int(j, "dup", sum.dup);
	jadd_int(j, "send_errors", sum.send_errors);
	jadd_int(j, "bad_replies", sum.bad);
	jadd_dbl(j, "max_rtt_ms", sum.rtt_max_ns / 1e6);
	jadd_dbl(j, "avg_rtt_ms", sum.received ? sum.rtt_sum_ns / 1e6 / sum.received : 0);
	jadd_dbl(j, "max_gap_ms", sum.max_gap_ns / 1e6);
	jadd_int(j, "backend_changes", sum.backend_changes);
	jadd_int(j, "first_unreachable_ts_ms", first_unreach_ms);
	jadd_int(j, "first_available_ts_ms", first_avail_ms);
	jadd_dbl(j, "elapsed_ms", (mono_ns() - start_ns) / 1e6);
	if (n_assocs == 1)
		jadd_str(j, "server", assocs[0].t.backend);
	json_object_object_add(j, "backends", be);
	json_object_object_add(j, "per_assoc", pa);
	pthread_mutex_unlock(&lock);
	return j;
}

static void snapshot(void)
{
	emit(stats_json("stats_snapshot"));
}

/* --progress-file: the counters so far, replaced whole (write, then rename)
 * every 100 ms, so that a test waits for "N echoes on every association"
 * instead of sleeping for as long as it hopes that takes. */
static pthread_mutex_t progress_lock = PTHREAD_MUTEX_INITIALIZER;

static void progress_write(void)
{
	char tmp[4096];
	json_object *j;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", o.progress_file);
	j = stats_json("progress");
	pthread_mutex_lock(&progress_lock);
	f = fopen(tmp, "w");
	if (f) {
		fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN), f);
		fputc('\n', f);
		if (fclose(f) == 0)
			rename(tmp, o.progress_file);
	}
	pthread_mutex_unlock(&progress_lock);
	json_object_put(j);
}

static void *progress_thread(void *arg)
{
	for (;;) {
		progress_write();
		sleep_ns(100000000);
	}
	return NULL;
}

static void send_one(struct assoc *as, long seq, char *buf)
{
	struct sctp_sndinfo snd;
	int n;

	n = snprintf(buf, MAX_MSG, "a=%d s=%ld ", as->idx, seq);
	if (n < o.size) {
		memset(buf + n, '.', o.size - n);
		n = o.size;
	}
	memset(&snd, 0, sizeof(snd));
	snd.snd_ppid = htonl(0x736c6200); /* "slb\0" */
	pthread_mutex_lock(&lock);
	as->t.tx_ns[seq] = mono_ns();
	pthread_mutex_unlock(&lock);
	if (usrsctp_sendv(as->s, buf, n, NULL, 0, &snd, sizeof(snd), SCTP_SENDV_SNDINFO, 0) < 0) {
		pthread_mutex_lock(&lock);
		as->t.send_errors++;
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_lock(&lock);
	as->t.sent++;
	pthread_mutex_unlock(&lock);
}

static int all_state(int want, int *failed)
{
	int n = 0;

	*failed = 0;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < n_assocs; i++) {
		n += assocs[i].state == want;
		*failed += assocs[i].state == A_DOWN;
	}
	pthread_mutex_unlock(&lock);
	return n;
}

static int run_client(bool traffic)
{
	uint64_t interval_ns, deadline;
	char *buf;
	int failed, rc = EXIT_OK;
	uint64_t total_sent = 0, total_recv = 0;

	if (!o.port)
		die(EXIT_USAGE, "--port is required");
	if (!o.remote.n)
		die(EXIT_USAGE, "--remote is required");
	if (!o.local.n)
		die(EXIT_USAGE, "--local is required (explicit local addresses)");
	if (o.size < 32 || o.size > MAX_MSG - 128)
		die(EXIT_USAGE, "--size must be 32..%d", MAX_MSG - 128);
	if (traffic) {
		if (o.assocs < 1 || o.assocs > MAX_ASSOCS)
			die(EXIT_USAGE, "--assocs must be 1..%d", MAX_ASSOCS);
		if (o.rate <= 0 || o.duration <= 0)
			die(EXIT_USAGE, "--rate and --duration must be positive");
		if (!o.lport_base)
			die(EXIT_USAGE, "--lport-base is required (explicit, distinct local ports)");
		n_assocs = o.assocs;
		n_msgs = (long)(o.rate * o.duration);
		interval_ns = (uint64_t)(1e9 / o.rate);
	} else {
		if (!o.lport)
			die(EXIT_USAGE, "--lport is required (explicit local port)");
		n_assocs = 1;
		n_msgs = o.count;
		interval_ns = (uint64_t)o.interval_ms * 1000000ull;
	}
	if (n_msgs < 1)
		die(EXIT_USAGE, "nothing to send");
	if (traffic && o.lport_base + o.assocs - 1 > 65535)
		die(EXIT_USAGE, "--lport-base + --assocs exceeds 65535");

	assocs = calloc(n_assocs, sizeof(*assocs));
	buf = malloc(MAX_MSG);
	for (int i = 0; i < n_assocs; i++) {
		assocs[i].idx = i;
		assocs[i].lport = traffic ? o.lport_base + i : o.lport;
		assocs[i].t.tx_ns = calloc(n_msgs, sizeof(uint64_t));
		assocs[i].t.seen = calloc(n_msgs, 1);
		if (!assocs[i].t.tx_ns || !assocs[i].t.seen)
			die(EXIT_USAGE, "out of memory");
	}
	signals_setup();
	on_usr1 = snapshot;
	stack_init();
	start_ns = mono_ns();
	for (int i = 0; i < n_assocs; i++)
		cli_connect(&assocs[i]);

	if (o.progress_file) {
		FILE *f = fopen(o.progress_file, "w");
		pthread_t t;

		if (!f)
			die(EXIT_USAGE, "cannot write --progress-file %s: %s", o.progress_file, strerror(errno));
		fclose(f);
		pthread_create(&t, NULL, progress_thread, NULL);
		pthread_detach(t);
	}
	deadline = mono_ns() + o.connect_timeout_ms * 1000000ull;
	while (all_state(A_UP, &failed) + failed < n_assocs && mono_ns() < deadline && !stop_flag)
		sleep_ns(5000000);
	if (failed || all_state(A_UP, &failed) < n_assocs) {
		emit(stats_json("stats"));
		if (failed)
			die(EXIT_CONNECT, "%d of %d associations failed to start (ABORT or INIT timeout)", failed, n_assocs);
		die(EXIT_CONNECT, "timeout after %ld ms waiting for COMM_UP (%d of %d up)", o.connect_timeout_ms,
		    all_state(A_UP, &failed), n_assocs);
	}
	if (o.ready_file) {
		FILE *f = fopen(o.ready_file, "w");

		if (!f)
			die(EXIT_USAGE, "cannot write --ready-file %s: %s", o.ready_file, strerror(errno));
		fprintf(f, "%d\n", n_assocs);
		fclose(f);
	}
	{
		json_object *j = event_new("ready");

		jadd_int(j, "assocs", n_assocs);
		jadd_int(j, "msgs_per_assoc", n_msgs);
		emit(j);
	}

	/* Send: message k of every association at start + k * interval. */
	uint64_t t0 = mono_ns();
	for (long k = 0; k < n_msgs && !stop_flag; k++) {
		uint64_t due = t0 + k * interval_ns, now = mono_ns();

		if (due > now)
			sleep_ns(due - now);
		for (int i = 0; i < n_assocs; i++)
			if (assocs[i].state == A_UP)
				send_one(&assocs[i], k, buf);
	}
	/* Drain: wait for outstanding echoes. */
	deadline = mono_ns() + o.drain_ms * 1000000ull;
	while (mono_ns() < deadline) {
		total_sent = total_recv = 0;
		pthread_mutex_lock(&lock);
		for (int i = 0; i < n_assocs; i++) {
			total_sent += assocs[i].t.sent;
			total_recv += assocs[i].t.received;
		}
		pthread_mutex_unlock(&lock);
		if (total_recv >= total_sent)
			break;
		sleep_ns(10000000);
	}
	if (o.progress_file)
		progress_write();
	emit(stats_json("stats"));
	if (total_recv < total_sent || all_state(A_UP, &failed) < n_assocs)
		rc = EXIT_LOSS;
	/* Graceful SHUTDOWN of every association, then leave. */
	for (int i = 0; i < n_assocs; i++)
		usrsctp_close(assocs[i].s);
	for (int i = 0; i < 20 && usrsctp_finish() != 0; i++)
		sleep_ns(50000000);
	fflush(stdout);
	_exit(rc);
}

/* ---------- stats: read fields from a JSON-lines file ---------- */

static json_object *jpath(json_object *j, const char *path)
{
	char *dup = strdup(path), *save = NULL, *tok;

	for (tok = strtok_r(dup, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save)) {
		json_object *next = NULL;

		if (json_object_is_type(j, json_type_array)) {
			char *end;
			long i = strtol(tok, &end, 10);

			j = (*end == 0 && i >= 0 && (size_t)i < json_object_array_length(j)) ?
				    json_object_array_get_idx(j, i) : NULL;
		} else if (json_object_object_get_ex(j, tok, &next)) {
			j = next;
		} else {
			j = NULL;
		}
	}
	free(dup);
	return j;
}

static int run_stats(int argc, char **argv)
{
	const char *file = NULL, *event = "stats";
	bool first = false;
	int nkeys = 0;
	const char *keys[64];
	char *line = NULL;
	size_t cap = 0;
	json_object *pick = NULL;
	FILE *f;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--event") && i + 1 < argc)
			event = argv[++i];
		else if (!strcmp(argv[i], "--first"))
			first = true;
		else if (!file)
			file = argv[i];
		else if (nkeys < 64)
			keys[nkeys++] = argv[i];
	}
	if (!file)
		die(EXIT_USAGE, "usage: sctp-peer stats FILE [--event NAME] [--first] [KEY[.SUB]...]");
	f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f)
		die(EXIT_USAGE, "cannot open %s: %s", file, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		json_object *j = json_tokener_parse(line), *ev;

		if (!j)
			continue;
		if (json_object_object_get_ex(j, "event", &ev) && !strcmp(json_object_get_string(ev), event) &&
		    !(first && pick)) {
			json_object_put(pick);
			pick = j;
		} else {
			json_object_put(j);
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (!pick) {
		fprintf(stderr, "sctp-peer stats: no '%s' event in %s\n", event, file);
		return 1;
	}
	if (!nkeys) {
		puts(json_object_to_json_string_ext(pick, JSON_C_TO_STRING_PRETTY));
	} else {
		for (int i = 0; i < nkeys; i++) {
			json_object *v = jpath(pick, keys[i]);
			const char *s = !v ? "null" :
				json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
				json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);

			printf("%s%s", i ? " " : "", *s ? s : "-");
		}
		putchar('\n');
	}
	json_object_put(pick);
	return 0;
}

/* ---------- command line ---------- */

static void usage(FILE *f)
{
	fputs("usage:\n"
	      "  sctp-peer server  --name NAME --local A[,A...] --port P [--udp-encap [PORT]] [timers]\n"
	      "  sctp-peer client  --local A[,A...] --remote A[,A...] --port P --lport LP\n"
	      "                    [--count N] [--interval MS] [--udp-encap [PORT]] [common] [timers]\n"
	      "  sctp-peer traffic --local A[,A...] --remote A[,A...] --port P --lport-base LP\n"
	      "                    [--assocs N] [--rate MSGS_PER_SEC_PER_ASSOC] [--duration SEC]\n"
	      "                    [--ready-file F] [--progress-file F] [--udp-encap [PORT]]\n"
	      "                    [common] [timers]\n"
	      "  sctp-peer stats FILE [--event NAME] [--first] [KEY[.SUB]...]\n"
	      "common: --size BYTES (64) --connect-timeout MS (5000) --drain MS (3000)\n"
	      "        --init-attempts N (give up a connect after N INITs unanswered)\n"
	      "        --remote-encap-port PORT (= --udp-encap port) --quiet\n"
	      "timers (fast failover is the default): --fast-failover --default-timers\n"
	      "        --rto-min MS (100) --rto-max MS (400) --rto-initial MS (200)\n"
	      "        --path-max-rtx N (2) --assoc-max-rtx N (10) --hb-interval MS (500)\n"
	      "exit: 0 ok, 1 messages lost or association lost, 2 usage/setup error,\n"
	      "      3 connect failure or timeout waiting for COMM_UP\n",
	      f);
}

static long num(const char *opt, const char *v, long min, long max)
{
	char *end;
	long n;

	if (!v)
		die(EXIT_USAGE, "%s needs a value", opt);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		die(EXIT_USAGE, "bad value '%s' for %s (%ld..%ld)", v, opt, min, max);
	return n;
}

static double dnum(const char *opt, const char *v)
{
	char *end;
	double d;

	if (!v)
		die(EXIT_USAGE, "%s needs a value", opt);
	d = strtod(v, &end);
	if (*end || d <= 0)
		die(EXIT_USAGE, "bad value '%s' for %s", v, opt);
	return d;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	cmd = mode = argv[1];
	if (!strcmp(cmd, "stats"))
		return run_stats(argc - 2, argv + 2);
	if (strcmp(cmd, "server") && strcmp(cmd, "client") && strcmp(cmd, "traffic")) {
		usage(stderr);
		die(EXIT_USAGE, "unknown subcommand '%s'", cmd);
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

#define OPT(s) (!strcmp(a, s))
#define TAKE() (i++, v)
		if (OPT("--name")) o.name = TAKE();
		else if (OPT("--local")) parse_addrs(TAKE() ?: "", &o.local, "local");
		else if (OPT("--remote")) parse_addrs(TAKE() ?: "", &o.remote, "remote");
		else if (OPT("--port")) o.port = num(a, TAKE(), 1, 65535);
		else if (OPT("--lport")) o.lport = num(a, TAKE(), 1, 65535);
		else if (OPT("--lport-base")) o.lport_base = num(a, TAKE(), 1, 65535);
		else if (OPT("--udp-encap")) {
			o.udp_encap = 1;
			o.encap_port = DEFAULT_ENCAP_PORT;
			if (v && v[0] >= '0' && v[0] <= '9')
				o.encap_port = num(a, TAKE(), 1, 65535);
		}
		else if (OPT("--remote-encap-port")) o.remote_encap_port = num(a, TAKE(), 1, 65535);
		else if (OPT("--count")) o.count = num(a, TAKE(), 1, 100000000);
		else if (OPT("--interval")) o.interval_ms = num(a, TAKE(), 0, 3600000);
		else if (OPT("--assocs")) o.assocs = num(a, TAKE(), 1, MAX_ASSOCS);
		else if (OPT("--rate")) o.rate = dnum(a, TAKE());
		else if (OPT("--duration")) o.duration = dnum(a, TAKE());
		else if (OPT("--size")) o.size = num(a, TAKE(), 32, MAX_MSG - 128);
		else if (OPT("--ready-file")) o.ready_file = TAKE();
		else if (OPT("--progress-file")) o.progress_file = TAKE();
		else if (OPT("--connect-timeout")) o.connect_timeout_ms = num(a, TAKE(), 1, 3600000);
		else if (OPT("--init-attempts")) o.init_attempts = num(a, TAKE(), 1, 1000);
		else if (OPT("--drain")) o.drain_ms = num(a, TAKE(), 0, 3600000);
		else if (OPT("--quiet")) o.quiet = 1;
		else if (OPT("--fast-failover")) o.default_timers = 0;
		else if (OPT("--default-timers")) o.default_timers = 1;
		else if (OPT("--rto-min")) o.rto_min = num(a, TAKE(), 1, 600000);
		else if (OPT("--rto-max")) o.rto_max = num(a, TAKE(), 1, 600000);
		else if (OPT("--rto-initial")) o.rto_initial = num(a, TAKE(), 1, 600000);
		else if (OPT("--path-max-rtx")) o.path_max_rtx = num(a, TAKE(), 0, 100);
		else if (OPT("--assoc-max-rtx")) o.assoc_max_rtx = num(a, TAKE(), 1, 1000);
		else if (OPT("--hb-interval")) o.hb_interval = num(a, TAKE(), 0, 3600000);
		else if (OPT("-h") || OPT("--help")) { usage(stdout); return 0; }
		else die(EXIT_USAGE, "unknown option '%s' (see sctp-peer --help)", a);
#undef OPT
#undef TAKE
	}
	if (!o.remote_encap_port)
		o.remote_encap_port = o.udp_encap ? o.encap_port : DEFAULT_ENCAP_PORT;
	if (!o.local.n)
		die(EXIT_USAGE, "--local is required");
	if (!strcmp(cmd, "server"))
		return run_server();
	return run_client(!strcmp(cmd, "traffic"));
}
