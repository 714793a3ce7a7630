// SPDX-License-Identifier: GPL-2.0
/*
 * ksctp-peer: the Linux kernel SCTP twin of tools/sctp-peer, for the guests of the
 * virtual machines of tests/vm.  Built on the host with `gcc -static` (the guest has no
 * compiler) against the kernel's uapi <linux/sctp.h> only, so no libsctp is needed.
 * It prints the same JSON lines as sctp-peer, so the shell checks of tests/e2e/lib/lb.sh
 * (lb_check_assocs) read either.
 *
 *   ksctp-peer server  --name NAME --local A[,A...] --port P [--raw]
 *   ksctp-peer traffic --local A[,A...] --remote A[,A...] --port P --lport-base LP
 *                      [--assocs N (1)] [--rate MSGS/S PER ASSOC (10)] [--duration S (5)]
 *                      [--size BYTES (64)] [--drain MS (5000)] [--connect-timeout MS (10000)]
 *   ksctp-peer send    --local A[,A...] --remote A --port P --lport-base LP [--count N (3)]
 *
 * server: one one-to-many socket bound (SCTP_SOCKOPT_BINDX_ADD) to every --local
 *   address; echoes each message prefixed "n=NAME " (--raw: as is), on its stream;
 *   logs listening, comm_up (rport, peer_addrs), restart, path, shutdown, comm_lost.
 * traffic: --assocs one-to-one sockets from --lport-base + i, each bound to every
 *   --local address and connected to every --remote address (SCTP_SOCKOPT_CONNECTX; the
 *   first is the primary path); waits for COMM_UP, prints "ready", sends rate*duration
 *   messages per association at a fixed pace, waits for the echoes, prints "stats".
 *   Exit 0 ok, 1 lost messages or an association lost or restarted, 2 usage, 3 connect.
 * send: implicit set-up on a one-to-many socket (see run_send): DATA in the COOKIE-ECHO.
 *
 * Addresses are IPv4 or IPv6 and may mix (a socket with an IPv6 address is AF_INET6).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/sctp.h>

#include "tally.h" /* tools/sctp-peer: one body for both peers */

#define MAX_ADDRS  8
#define MAX_ASSOCS 64
#define MAX_MSG    2048

enum { EXIT_OK = 0, EXIT_LOST = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3 };

union addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

struct addrs {
	union addr a[MAX_ADDRS];
	int n, v6;
};

static struct {
	const char *name;
	struct addrs local, remote;
	int port, lport_base, assocs, size, raw;
	double rate, duration;
	long drain_ms, connect_timeout_ms, count;
} o = { .count = 3, .name = "linux", .assocs = 1, .size = 64, .rate = 10, .duration = 5,
	.drain_ms = 5000, .connect_timeout_ms = 10000 };

static volatile sig_atomic_t stop_flag;

static void die(int rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("{\"event\":\"error\",\"message\":\"%s\"}\n", msg);
	fflush(stdout);
	exit(rc);
}

static void parse_addrs(const char *arg, struct addrs *l)
{
	char *dup = strdup(arg), *save = NULL, *tok;

	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		union addr *a = &l->a[l->n];

		if (l->n == MAX_ADDRS)
			die(EXIT_USAGE, "more than %d addresses in %s", MAX_ADDRS, arg);
		memset(a, 0, sizeof(*a));
		if (inet_pton(AF_INET, tok, &a->v4.sin_addr) == 1) {
			a->v4.sin_family = AF_INET;
		} else if (inet_pton(AF_INET6, tok, &a->v6.sin6_addr) == 1) {
			a->v6.sin6_family = AF_INET6;
			l->v6 = 1;
		} else {
			die(EXIT_USAGE, "bad address %s", tok);
		}
		l->n++;
	}
	free(dup);
}

static socklen_t addr_len(const union addr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->v6) : sizeof(a->v4);
}

/* The packed array of sockaddrs that bindx and connectx take, every port set. */
static size_t pack_addrs(const struct addrs *l, int port, char *buf)
{
	size_t off = 0;

	for (int i = 0; i < l->n; i++) {
		union addr a = l->a[i];

		if (a.sa.sa_family == AF_INET6)
			a.v6.sin6_port = htons(port);
		else
			a.v4.sin_port = htons(port);
		memcpy(buf + off, &a, addr_len(&a));
		off += addr_len(&a);
	}
	return off;
}

static int family(void)
{
	return o.local.v6 || o.remote.v6 ? AF_INET6 : AF_INET;
}

static void subscribe(int fd)
{
	struct sctp_event_subscribe ev;

	memset(&ev, 0, sizeof(ev));
	ev.sctp_data_io_event = 1;
	ev.sctp_association_event = 1;
	ev.sctp_address_event = 1;
	ev.sctp_shutdown_event = 1;
	if (setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof(ev)) < 0)
		die(EXIT_USAGE, "SCTP_EVENTS: %s", strerror(errno));
}

static void bind_all(int fd, int port)
{
	char buf[MAX_ADDRS * sizeof(union addr)];
	size_t len = pack_addrs(&o.local, port, buf);

	if (setsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, buf, len) < 0)
		die(EXIT_USAGE, "bindx port %d: %s", port, strerror(errno));
}

static const char *assoc_state(int s)
{
	switch (s) {
	case SCTP_COMM_UP: return "comm_up";
	case SCTP_COMM_LOST: return "comm_lost";
	case SCTP_RESTART: return "restart";
	case SCTP_SHUTDOWN_COMP: return "shutdown_comp";
	case SCTP_CANT_STR_ASSOC: return "cant_start";
	default: return "assoc_change";
	}
}

static const char *addr_state(int s)
{
	switch (s) {
	case SCTP_ADDR_AVAILABLE: return "available";
	case SCTP_ADDR_UNREACHABLE: return "unreachable";
	case SCTP_ADDR_REMOVED: return "removed";
	case SCTP_ADDR_ADDED: return "added";
	case SCTP_ADDR_MADE_PRIM: return "made_primary";
	case SCTP_ADDR_CONFIRMED: return "confirmed";
	case SCTP_ADDR_POTENTIALLY_FAILED: return "potentially_failed";
	default: return "unknown";
	}
}

/* addr: a sockaddr_storage, possibly unaligned (packed in sctp_paddr_change). */
static const char *ntop(const void *addr, char *buf, size_t len)
{
	struct sockaddr_storage ss;

	memcpy(&ss, addr, sizeof(ss));
	if (ss.ss_family == AF_INET6)
		return inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, len);
	return inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, len);
}

/* Peer addresses and port of an association (SCTP_GET_PEER_ADDRS, as sctp_getpaddrs). */
static int peer_addrs(int fd, sctp_assoc_t id, char *out, size_t len)
{
	union {
		struct sctp_getaddrs ga;
		char buf[sizeof(struct sctp_getaddrs) + MAX_ADDRS * sizeof(struct sockaddr_in6)];
	} u;
	socklen_t sl = sizeof(u);
	char a[INET6_ADDRSTRLEN], *p;
	int port = 0, off = 0;

	memset(&u, 0, sizeof(u));
	u.ga.assoc_id = id;
	out[0] = 0;
	if (getsockopt(fd, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, &u, &sl) < 0)
		return 0;
	p = (char *)u.ga.addrs;
	for (uint32_t i = 0; i < u.ga.addr_num; i++) {
		struct sockaddr *sa = (struct sockaddr *)p;
		struct sockaddr_storage ss;

		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
		port = ntohs(((struct sockaddr_in *)sa)->sin_port);
		off += snprintf(out + off, len - off, "%s\"%s\"", i ? "," : "", ntop(&ss, a, sizeof(a)));
		p += sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	}
	return port;
}

/* recvmsg with the SCTP_SNDRCV ancillary data; returns length, sets *flags and *info. */
static ssize_t recv_msg(int fd, char *buf, size_t len, int *flags, struct sctp_sndrcvinfo *info)
{
	char cbuf[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
	struct iovec iov = { buf, len };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;
	ssize_t n;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return n;
	*flags = mh.msg_flags;
	memset(info, 0, sizeof(*info));
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_SNDRCV)
			memcpy(info, CMSG_DATA(c), sizeof(*info));
	return n;
}

static ssize_t send_to(int fd, const union addr *to, const char *buf, size_t len, sctp_assoc_t id,
		       uint16_t sid, uint32_t ppid, uint16_t flags)
{
	char cbuf[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;
	struct sctp_sndrcvinfo *si;

	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_name = (void *)to;
	mh.msg_namelen = to ? addr_len(to) : 0;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = IPPROTO_SCTP;
	c->cmsg_type = SCTP_SNDRCV;
	c->cmsg_len = CMSG_LEN(sizeof(*si));
	si = (struct sctp_sndrcvinfo *)CMSG_DATA(c);
	si->sinfo_assoc_id = id;
	si->sinfo_stream = sid;
	si->sinfo_ppid = ppid;
	si->sinfo_flags = flags;
	return sendmsg(fd, &mh, MSG_NOSIGNAL);
}

static ssize_t send_msg(int fd, const char *buf, size_t len, sctp_assoc_t id, uint16_t sid, uint32_t ppid)
{
	return send_to(fd, NULL, buf, len, id, sid, ppid, 0);
}

/* ---------- server ---------- */

static void srv_notification(int fd, union sctp_notification *n)
{
	char peers[512], a[INET6_ADDRSTRLEN];

	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE: {
		struct sctp_assoc_change *ac = &n->sn_assoc_change;
		int rport = 0;

		if (ac->sac_state == SCTP_COMM_UP || ac->sac_state == SCTP_RESTART)
			rport = peer_addrs(fd, ac->sac_assoc_id, peers, sizeof(peers));
		printf("{\"event\":\"%s\",\"name\":\"%s\",\"assoc_id\":%d,\"lport\":%d",
		       assoc_state(ac->sac_state), o.name, ac->sac_assoc_id, o.port);
		if (rport)
			printf(",\"rport\":%d,\"peer_addrs\":[%s]", rport, peers);
		printf("}\n");
		break;
	}
	case SCTP_PEER_ADDR_CHANGE: {
		struct sctp_paddr_change *pc = &n->sn_paddr_change;

		printf("{\"event\":\"path\",\"name\":\"%s\",\"assoc_id\":%d,\"addr\":\"%s\",\"state\":\"%s\"}\n",
		       o.name, pc->spc_assoc_id, ntop((const char *)pc + offsetof(struct sctp_paddr_change, spc_aaddr), a, sizeof(a)), addr_state(pc->spc_state));
		break;
	}
	case SCTP_SHUTDOWN_EVENT:
		printf("{\"event\":\"shutdown\",\"name\":\"%s\",\"assoc_id\":%d}\n", o.name,
		       n->sn_shutdown_event.sse_assoc_id);
		break;
	}
	fflush(stdout);
}

static int run_server(void)
{
	static char buf[MAX_MSG], reply[MAX_MSG + 80];
	struct sctp_sndrcvinfo info;
	int fd, flags, pre;
	ssize_t n;

	if (!o.port || !o.local.n)
		die(EXIT_USAGE, "server needs --port and --local");
	fd = socket(family(), SOCK_SEQPACKET, IPPROTO_SCTP);
	if (fd < 0)
		die(EXIT_USAGE, "socket: %s (is sctp.ko loaded?)", strerror(errno));
	subscribe(fd);
	bind_all(fd, o.port);
	if (listen(fd, 128) < 0)
		die(EXIT_USAGE, "listen: %s", strerror(errno));
	printf("{\"event\":\"listening\",\"name\":\"%s\",\"port\":%d}\n", o.name, o.port);
	fflush(stdout);
	pre = o.raw ? 0 : snprintf(reply, sizeof(reply), "n=%s ", o.name);
	while (!stop_flag) {
		n = recv_msg(fd, buf, sizeof(buf), &flags, &info);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_USAGE, "recvmsg: %s", strerror(errno));
		}
		if (flags & MSG_NOTIFICATION) {
			srv_notification(fd, (union sctp_notification *)buf);
			continue;
		}
		memcpy(reply + pre, buf, n);
		if (send_msg(fd, reply, pre + n, info.sinfo_assoc_id, info.sinfo_stream, info.sinfo_ppid) < 0)
			fprintf(stderr, "ksctp-peer: echo on assoc %d: %s\n", info.sinfo_assoc_id, strerror(errno));
	}
	return EXIT_OK;
}

/* ---------- traffic ---------- */

struct assoc {
	int fd, lport, up, ups, down;
	char end_state[20];
	long path_events;
	struct tally t;         /* messages and echoes (tally.h) */
};

static struct assoc as[MAX_ASSOCS];
static long n_msgs;
static uint64_t start_ns;

static void cli_notification(struct assoc *a, int idx, union sctp_notification *n)
{
	char ad[INET6_ADDRSTRLEN];

	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE: {
		int st = n->sn_assoc_change.sac_state;

		if (st == SCTP_COMM_UP || st == SCTP_RESTART) {
			a->up = 1;
			a->ups++;
		} else {
			a->up = 0;
			a->down = 1;
			snprintf(a->end_state, sizeof(a->end_state), "%s", assoc_state(st));
		}
		if (st != SCTP_COMM_UP)
			printf("{\"event\":\"%s\",\"assoc\":%d,\"lport\":%d}\n", assoc_state(st), idx, a->lport);
		break;
	}
	case SCTP_PEER_ADDR_CHANGE: {
		struct sctp_paddr_change *pc = &n->sn_paddr_change;

		a->path_events++;
		printf("{\"event\":\"path\",\"assoc\":%d,\"addr\":\"%s\",\"state\":\"%s\",\"t_ms\":%.1f}\n", idx,
		       ntop((const char *)pc + offsetof(struct sctp_paddr_change, spc_aaddr), ad, sizeof(ad)), addr_state(pc->spc_state),
		       (mono_ns() - start_ns) / 1e6);
		break;
	}
	}
	fflush(stdout);
}

/* Read whatever is pending on every socket, waiting at most timeout_ms. */
static void cli_poll(int timeout_ms)
{
	static char buf[MAX_MSG];
	struct pollfd pf[MAX_ASSOCS];
	struct sctp_sndrcvinfo info;
	int flags;
	ssize_t n;

	for (int i = 0; i < o.assocs; i++) {
		pf[i].fd = as[i].fd;
		pf[i].events = POLLIN;
	}
	if (poll(pf, o.assocs, timeout_ms) <= 0)
		return;
	for (int i = 0; i < o.assocs; i++) {
		if (!(pf[i].revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		while ((n = recv_msg(as[i].fd, buf, sizeof(buf), &flags, &info)) > 0) {
			if (flags & MSG_NOTIFICATION)
				cli_notification(&as[i], i, (union sctp_notification *)buf);
			else
				tally_reply(&as[i].t, buf, n, n_msgs, mono_ns());
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			/* The association is gone (ABORT, or the connect failed). */
			if (!as[i].down) {
				as[i].down = 1;
				snprintf(as[i].end_state, sizeof(as[i].end_state), "%s", n ? strerror(errno) : "eof");
			}
			as[i].up = 0;
		}
	}
}

static void print_stats(void)
{
	struct tally_sum sum = TALLY_SUM_INIT;
	long up = 0, restarts = 0;
	int first = 1;

	printf("{\"event\":\"stats\",\"mode\":\"traffic\",\"stack\":\"linux\",\"per_assoc\":[");
	for (int i = 0; i < o.assocs; i++) {
		struct assoc *a = &as[i];
		const struct tally *t = &a->t;

		printf("%s{\"assoc\":%d,\"lport\":%d,\"backend\":\"%s\",\"state\":\"%s\",\"sent\":%lu,"
		       "\"received\":%lu,\"lost\":%ld,\"dup\":%lu,\"send_errors\":%lu,\"max_rtt_ms\":%.1f,"
		       "\"max_gap_ms\":%.1f,\"path_events\":%ld,\"backend_changes\":%lu,\"comm_ups\":%d}",
		       i ? "," : "", i, a->lport, t->backend,
		       a->up ? "up" : a->down ? a->end_state : "connecting", t->sent, t->received,
		       (long)(t->sent - t->received), t->dup, t->send_errors, t->rtt_max_ns / 1e6,
		       t->max_gap_ns / 1e6, a->path_events, t->backend_changes, a->ups);
		tally_sum(&sum, t);
		up += a->ups > 0;
		restarts += a->ups > 1;
	}
	printf("],\"backends\":{");
	for (int i = 0; i < o.assocs; i++) {
		int seen_before = 0, cnt = 0;

		for (int k = 0; k < i; k++)
			seen_before |= !strcmp(as[k].t.backend, as[i].t.backend);
		if (seen_before || !as[i].t.backend[0])
			continue;
		for (int k = i; k < o.assocs; k++)
			cnt += !strcmp(as[k].t.backend, as[i].t.backend);
		printf("%s\"%s\":%d", first ? "" : ",", as[i].t.backend, cnt);
		first = 0;
	}
	printf("},\"assocs\":%d,\"assocs_up\":%ld,\"restarts\":%ld,\"sent\":%lu,\"received\":%lu,\"lost\":%ld,"
	       "\"dup\":%lu,\"send_errors\":%lu,\"bad_replies\":%lu,\"max_rtt_ms\":%.1f,\"avg_rtt_ms\":%.1f,"
	       "\"max_gap_ms\":%.1f,\"backend_changes\":%lu,\"elapsed_ms\":%.1f}\n",
	       o.assocs, up, restarts, sum.sent, sum.received, (long)(sum.sent - sum.received), sum.dup,
	       sum.send_errors, sum.bad, sum.rtt_max_ns / 1e6,
	       sum.received ? sum.rtt_sum_ns / 1e6 / sum.received : 0, sum.max_gap_ns / 1e6,
	       sum.backend_changes, (mono_ns() - start_ns) / 1e6);
	fflush(stdout);
}

static int run_traffic(void)
{
	static char buf[MAX_MSG];
	uint64_t interval_ns, deadline, t0;
	long sent = 0, recv = 0;
	int up, rc = EXIT_OK;

	char rbuf[MAX_ADDRS * sizeof(union addr)];
	size_t rlen;

	if (!o.port || !o.local.n || !o.remote.n || !o.lport_base)
		die(EXIT_USAGE, "traffic needs --port, --local, --remote and --lport-base");
	if (o.assocs < 1 || o.assocs > MAX_ASSOCS || o.rate <= 0 || o.duration <= 0)
		die(EXIT_USAGE, "--assocs 1..%d, --rate and --duration positive", MAX_ASSOCS);
	if (o.size < 32 || o.size > 200)
		die(EXIT_USAGE, "--size 32..200");
	n_msgs = (long)(o.rate * o.duration);
	interval_ns = (uint64_t)(1e9 / o.rate);
	rlen = pack_addrs(&o.remote, o.port, rbuf);
	start_ns = mono_ns();
	for (int i = 0; i < o.assocs; i++) {
		struct assoc *a = &as[i];

		a->lport = o.lport_base + i;
		a->t.tx_ns = calloc(n_msgs, sizeof(uint64_t));
		a->t.seen = calloc(n_msgs, 1);
		a->fd = socket(family(), SOCK_STREAM, IPPROTO_SCTP);
		if (a->fd < 0 || !a->t.tx_ns || !a->t.seen)
			die(EXIT_USAGE, "socket: %s (is sctp.ko loaded?)", strerror(errno));
		subscribe(a->fd);
		bind_all(a->fd, a->lport);
		fcntl(a->fd, F_SETFL, O_NONBLOCK);
		if (setsockopt(a->fd, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX, rbuf, rlen) < 0 && errno != EINPROGRESS)
			die(EXIT_CONNECT, "connectx (local port %d): %s", a->lport, strerror(errno));
	}
	deadline = mono_ns() + o.connect_timeout_ms * 1000000ull;
	do {
		cli_poll(20);
		up = 0;
		for (int i = 0; i < o.assocs; i++)
			up += as[i].up;
	} while (up < o.assocs && mono_ns() < deadline && !stop_flag);
	if (up < o.assocs) {
		print_stats();
		die(EXIT_CONNECT, "%d of %d associations up after %ld ms", up, o.assocs, o.connect_timeout_ms);
	}
	printf("{\"event\":\"ready\",\"assocs\":%d,\"msgs_per_assoc\":%ld}\n", o.assocs, n_msgs);
	fflush(stdout);

	/* Message k of every association at t0 + k * interval, reading echoes meanwhile. */
	t0 = mono_ns();
	for (long k = 0; k < n_msgs && !stop_flag; k++) {
		uint64_t due = t0 + k * interval_ns, now;

		while ((now = mono_ns()) < due)
			cli_poll((int)((due - now) / 1000000) + 1);
		for (int i = 0; i < o.assocs; i++) {
			struct assoc *a = &as[i];
			int n = snprintf(buf, sizeof(buf), "a=%d s=%ld ", i, k);

			if (!a->up)
				continue;
			if (n < o.size) {
				memset(buf + n, '.', o.size - n);
				n = o.size;
			}
			a->t.tx_ns[k] = mono_ns();
			if (send_msg(a->fd, buf, n, 0, 0, htonl(0x736c6200)) < 0)
				a->t.send_errors++;
			else
				a->t.sent++;
		}
	}
	deadline = mono_ns() + o.drain_ms * 1000000ull;
	while (mono_ns() < deadline) {
		sent = recv = 0;
		for (int i = 0; i < o.assocs; i++) {
			sent += as[i].t.sent;
			recv += as[i].t.received;
		}
		if (recv >= sent)
			break;
		cli_poll(20);
	}
	print_stats();
	for (int i = 0; i < o.assocs; i++) {
		if (as[i].down || as[i].ups != 1)
			rc = EXIT_LOST;
		close(as[i].fd); /* graceful SHUTDOWN: no SO_LINGER */
	}
	return recv < sent ? EXIT_LOST : rc;
}

/* ---------- send: implicit association set-up ---------- */

/*
 * One one-to-many socket bound to --local:--lport sends --count messages to the first
 * --remote address at once, with no connect: the kernel sets the association up and
 * bundles the queued DATA with its COOKIE-ECHO (RFC 9260 section 5.1, as S1AP and
 * Diameter stacks on one-to-many sockets do).  Waits for the echoes, then ends the
 * association gracefully (SCTP_EOF) and waits for SHUTDOWN-COMPLETE.
 */
static int run_send(long count)
{
	static char buf[MAX_MSG];
	struct sctp_sndrcvinfo info;
	sctp_assoc_t id = 0;
	uint64_t deadline;
	long echoes = 0;
	int fd, flags, done = 0;
	char name[64] = "";
	ssize_t n;

	union addr to;

	if (!o.port || !o.local.n || !o.remote.n || !o.lport_base || count < 1 || count > 100)
		die(EXIT_USAGE, "send needs --port, --local, --remote, --lport-base and --count 1..100");
	to = o.remote.a[0];
	if (to.sa.sa_family == AF_INET6)
		to.v6.sin6_port = htons(o.port);
	else
		to.v4.sin_port = htons(o.port);
	fd = socket(family(), SOCK_SEQPACKET, IPPROTO_SCTP);
	if (fd < 0)
		die(EXIT_USAGE, "socket: %s (is sctp.ko loaded?)", strerror(errno));
	subscribe(fd);
	bind_all(fd, o.lport_base);
	for (long k = 0; k < count; k++) {
		int len = snprintf(buf, sizeof(buf), "a=0 s=%ld ", k);

		memset(buf + len, '.', o.size - len);
		if (send_to(fd, &to, buf, o.size, 0, 0, htonl(0x736c6200), 0) < 0)
			die(EXIT_CONNECT, "sendmsg: %s", strerror(errno));
	}
	deadline = mono_ns() + o.connect_timeout_ms * 1000000ull;
	while (mono_ns() < deadline && !done) {
		struct pollfd pf = { fd, POLLIN, 0 };

		if (poll(&pf, 1, 50) <= 0)
			continue;
		n = recv_msg(fd, buf, sizeof(buf) - 1, &flags, &info);
		if (n <= 0)
			break;
		if (flags & MSG_NOTIFICATION) {
			union sctp_notification *sn = (union sctp_notification *)buf;

			if (sn->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
				id = sn->sn_assoc_change.sac_assoc_id;
				printf("{\"event\":\"%s\",\"lport\":%d}\n",
				       assoc_state(sn->sn_assoc_change.sac_state), o.lport_base);
				done = sn->sn_assoc_change.sac_state != SCTP_COMM_UP &&
				       sn->sn_assoc_change.sac_state != SCTP_RESTART;
			}
			continue;
		}
		buf[n] = 0;
		sscanf(buf, "n=%63s ", name);
		if (++echoes == count) {
			/* All echoed: graceful end (SHUTDOWN), then wait for its completion. */
			send_to(fd, NULL, "", 0, info.sinfo_assoc_id, 0, 0, SCTP_EOF);
			deadline = mono_ns() + o.drain_ms * 1000000ull;
		}
	}
	printf("{\"event\":\"stats\",\"mode\":\"send\",\"sent\":%ld,\"received\":%ld,\"lost\":%ld,"
	       "\"server\":\"%s\",\"assoc_id\":%d}\n", count, echoes, count - echoes, name, id);
	fflush(stdout);
	close(fd);
	return echoes == count ? EXIT_OK : EXIT_LOST;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	const char *cmd;

	if (argc < 2)
		die(EXIT_USAGE, "usage: ksctp-peer server|traffic|send OPTIONS (see the source)");
	cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(k, "--raw")) {
			o.raw = 1;
			continue;
		}
		if (!v)
			die(EXIT_USAGE, "%s needs a value", k);
		i++;
		if (!strcmp(k, "--name"))
			o.name = v;
		else if (!strcmp(k, "--local"))
			parse_addrs(v, &o.local);
		else if (!strcmp(k, "--remote"))
			parse_addrs(v, &o.remote);
		else if (!strcmp(k, "--port"))
			o.port = atoi(v);
		else if (!strcmp(k, "--lport-base"))
			o.lport_base = atoi(v);
		else if (!strcmp(k, "--assocs"))
			o.assocs = atoi(v);
		else if (!strcmp(k, "--rate"))
			o.rate = atof(v);
		else if (!strcmp(k, "--duration"))
			o.duration = atof(v);
		else if (!strcmp(k, "--count"))
			o.count = atol(v);
		else if (!strcmp(k, "--size"))
			o.size = atoi(v);
		else if (!strcmp(k, "--drain"))
			o.drain_ms = atol(v);
		else if (!strcmp(k, "--connect-timeout"))
			o.connect_timeout_ms = atol(v);
		else
			die(EXIT_USAGE, "unknown option %s", k);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "server"))
		return run_server();
	if (!strcmp(cmd, "traffic"))
		return run_traffic();
	if (!strcmp(cmd, "send"))
		return run_send(o.count);
	die(EXIT_USAGE, "unknown command %s: server, traffic or send", cmd);
	return EXIT_USAGE;
}
