// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_settable_race: the lock-free find of the set-associative tables
 * (bpf/lib/settable.h: a per-set seqcount) against writers, through
 * tests/bpf/progs/settable_test.bpf.c (BPF_PROG_TEST_RUN, repeat=N), one
 * thread per CPU:
 *
 *   1. a find racing a writer on the other CPU never returns a torn value:
 *      a slow one (word by word, under the lock and the count, as every
 *      writer marks its writes), against which the same copy made without
 *      the count (the control) is seen torn, so the race is real; and the
 *      datapath's put (the key rewritten, its way taken by other keys);
 *   2. a look at a set whose count is odd (a writer inside, as far as it can
 *      tell) trusts nothing, and the find reads it under the lock: found,
 *      whole; a datapath write leaves the count a multiple of 4;
 *   3. user space's puts (user/lib/settable.c: three writes under the lock)
 *      racing finds: nothing torn, and the count left 2 modulo 4;
 *   4. and, with no race, a put into a spare way (NAME_put_spare) takes only
 *      an empty way or its key's own, stamped oldest, and the next put into
 *      the full set takes it before any other;
 *   5. a table of two candidate sets a key (NAME_put2, client_index's): a
 *      new key goes to the emptier set, its later puts to its own way, a key
 *      whose two sets are full evicts the older victim, a spare takes an
 *      empty way of either and evicts nothing, a find and a delete look in
 *      both, and user space's put chooses as the datapath does.
 * No verdict depends on time: the loops run until their counts are reached,
 * with a bound that only catches a hang.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "progs/settable_test.h"
#include "settable_test.skel.h"
#include "settable.h"
#include "report.h"

#define REPEAT   20000          /* runs per BPF_PROG_TEST_RUN */
#define READS    (50 * REPEAT) /* finds racing the writer, at least */
#define BOUND_S  30             /* a hang, not a verdict */

static struct settable_test *skel;
static volatile int stop;

static int run(struct bpf_program *prog, int repeat)
{
	unsigned char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &o) ? -errno : (int)o.retval;
}

static void pin_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *bpf_writer(void *arg)
{
	struct bpf_program *prog = arg;

	pin_cpu(0);
	while (!stop)
		if (run(prog, REPEAT) < 0)
			break;
	return NULL;
}

static struct lb_settable T;

static void *user_writer(void *arg)
{
	struct st_key k = { 0, 0 };
	struct st_val v;
	uint32_t x = 0x10000;
	int i;

	(void)arg;
	pin_cpu(0);
	while (!stop) {
		x++;
		for (i = 0; i < ST_WORDS; i++)
			v.w[i] = x;
		if (lb_settable_put(&T, &k, &v, 1 + (x & 0xffff)))
			break;
		__atomic_fetch_add(&skel->bss->io.writes, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static uint32_t set_seq(void)
{
	struct st_set s;
	__u32 zero = 0;

	if (bpf_map_lookup_elem_flags(bpf_map__fd(skel->maps.st_table), &zero, &s, BPF_F_LOCK))
		return ~0u;
	return s.seq;
}

static void clear(void)
{
	struct st_set s;
	__u32 zero = 0;

	memset(&s, 0, sizeof(s));
	bpf_map_update_elem(bpf_map__fd(skel->maps.st_table), &zero, &s, BPF_F_LOCK);
	memset(&skel->bss->io, 0, sizeof(skel->bss->io));
	skel->bss->ctl_torn = skel->bss->ctl_found = 0;
}

/* The reader (CPU 1) until it has READS finds that saw the writer move (and,
 * with control, the control has seen a torn copy); 0, or -1 on the bound. */
static int read_racing(bool control, long *raced)
{
	double end = now_s() + BOUND_S;
	__u32 before;

	pin_cpu(1);
	*raced = 0;
	while (now_s() < end) {
		before = __atomic_load_n(&skel->bss->io.writes, __ATOMIC_RELAXED);
		if (run(skel->progs.st_read, REPEAT) < 0)
			return -1;
		if (__atomic_load_n(&skel->bss->io.writes, __ATOMIC_RELAXED) != before)
			*raced += REPEAT;
		if (control && run(skel->progs.st_read_unchecked, REPEAT) < 0)
			return -1;
		if (*raced >= READS && (!control || skel->bss->ctl_torn))
			return 0;
	}
	return -1;
}

/* The reader's key put once, so that the slow writer has a way to rewrite. */
static int seed(void)
{
	skel->bss->io.next = 1; /* st_write: an odd number puts key 0 */
	return run(skel->progs.st_write, 1) < 0 ? -1 : 0;
}

static void against_bpf_writer(const char *name, struct bpf_program *writer, bool control)
{
	pthread_t th;
	long raced;
	int r;

	clear();
	stop = 0;
	if (seed() || pthread_create(&th, NULL, bpf_writer, writer))
		return tr_result(name, "cannot seed the table, or no thread");
	r = read_racing(control, &raced);
	stop = 1;
	pthread_join(th, NULL);
	tr_report(r == 0 && !skel->bss->io.torn && skel->bss->io.found, name,
		  "%ld finds raced %u writes: %u whole, %u torn, %u missing; control: %u whole, "
		  "%u torn%s", raced, skel->bss->io.writes, skel->bss->io.found,
		  skel->bss->io.torn, skel->bss->io.missing, skel->bss->ctl_found,
		  skel->bss->ctl_torn, r ? " (bound reached)" : "");
}

/* A set with key {0,0} -> 7s, its count odd as if a writer were inside. */
static void odd_count(void)
{
	struct st_set s;
	__u32 zero = 0;
	int i;

	clear();
	memset(&s, 0, sizeof(s));
	s.seq = 1;
	s.stamp[2] = 5;
	s.e[2].key = (struct st_key){ 0, 0 };
	for (i = 0; i < ST_WORDS; i++)
		s.e[2].val.w[i] = 7;
	s.fp[2] = sctplb_settable_fp((const __u32 *)&s.e[2].key, 2);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.st_table), &zero, &s, BPF_F_LOCK) ||
	    run(skel->progs.st_read, 1) < 0)
		return tr_result("odd count", "cannot write the set or run the program");
	if (run(skel->progs.st_look_once, 1) < 0)
		return tr_result("odd count", "cannot run the look");
	tr_report(skel->bss->look_ret == -1, "a lock-free look at a set whose count is odd trusts "
		  "nothing it read (a writer may be inside)", "look returned %d", skel->bss->look_ret);
	tr_report(skel->bss->io.found == 1 && !skel->bss->io.missing && !skel->bss->io.torn &&
		  set_seq() == 1,
		  "a set whose count stays odd is read under the lock: found whole",
		  "%u found, %u missing, %u torn, seq %u", skel->bss->io.found,
		  skel->bss->io.missing, skel->bss->io.torn, set_seq());
	skel->bss->io.next = 1; /* key 1: a put to the set */
	if (run(skel->progs.st_write, 1) < 0)
		return tr_result("odd count", "cannot run the writer");
	tr_report(set_seq() == 4, "a datapath write after an odd count leaves it the next multiple of 4",
		  "seq %u", set_seq());
}

static void against_user_writer(void)
{
	struct lb_settable_layout l = LB_SETTABLE_LAYOUT(struct st_set);
	__u32 hkey[4] = { 0 };
	pthread_t th;
	long raced;
	int r;

	clear();
	if (lb_settable_init(&T, bpf_map__fd(skel->maps.st_table), l, hkey))
		return tr_result("user-space put", "cannot open the table");
	stop = 0;
	if (pthread_create(&th, NULL, user_writer, NULL))
		return tr_result("user-space put", "no thread");
	r = read_racing(false, &raced);
	stop = 1;
	pthread_join(th, NULL);
	tr_report(r == 0 && !skel->bss->io.torn && skel->bss->io.found,
		  "user space's puts (three writes under the lock) racing lock-free finds: nothing torn",
		  "%ld finds raced %u puts: %u whole, %u torn, %u missing%s", raced,
		  skel->bss->io.writes, skel->bss->io.found, skel->bss->io.torn,
		  skel->bss->io.missing, r ? " (bound reached)" : "");
	tr_report(set_seq() % 4 == 2, "user space's puts leave the count 2 modulo 4", "seq %u",
		  set_seq());
}

/* The way of key {a, 0} in the set, with its stamp and first word; -1 if absent. */
static int way_of(__u32 a, __u32 *stamp, __u32 *w0)
{
	struct st_set s;
	__u32 zero = 0;
	int i;

	if (bpf_map_lookup_elem_flags(bpf_map__fd(skel->maps.st_table), &zero, &s, BPF_F_LOCK))
		return -1;
	for (i = 0; i < ST_WAYS; i++)
		if (s.stamp[i] && s.e[i].key.a == a && !s.e[i].key.b) {
			*stamp = s.stamp[i];
			*w0 = s.e[i].val.w[0];
			return i;
		}
	return -1;
}

static int put_key(struct bpf_program *prog, __u32 a, __u32 val)
{
	skel->bss->io.key = a;
	skel->bss->io.next = val;
	return run(prog, 1);
}

static void spare(void)
{
	__u32 st = 0, w0 = 0, k;
	int w, w1, w2, w3, w100;
	bool ok = true;

	clear();
	/* keys 1..ST_WAYS-1 put, stamped 10 + key: one way left */
	for (k = 1; k < ST_WAYS; k++)
		ok &= put_key(skel->progs.st_put_key, k, 10 + k) >= 0;
	ok &= put_key(skel->progs.st_put_spare_key, 100, 5) >= 0;
	w = way_of(100, &st, &w0);
	tr_report(ok && w >= 0 && st == 1 && w0 == 5,
		  "a spare put takes the set's empty way, stamped 1 (older than any put)",
		  "key 100: way %d, stamp %u, value %u", w, st, w0);
	ok &= put_key(skel->progs.st_put_spare_key, 101, 6) >= 0;
	w = way_of(101, &st, &w0);
	w100 = way_of(100, &st, &w0);
	w1 = way_of(1, &st, &w0);
	tr_report(ok && w < 0 && w100 >= 0 && w1 >= 0, "a spare put into a full set evicts nothing",
		  "key 101 way %d, key 100 way %d, key 1 way %d", w, w100, w1);
	ok &= put_key(skel->progs.st_put_spare_key, 2, 12) >= 0; /* key 2 holds 12 */
	w = way_of(2, &st, &w0);
	tr_report(ok && w >= 0 && st == 12 && w0 == 12,
		  "a spare put of a key holding that value leaves it as it is (its stamp kept)",
		  "key 2: way %d, stamp %u, value %u", w, st, w0);
	ok &= put_key(skel->progs.st_put_spare_key, 3, 7) >= 0;
	w = way_of(3, &st, &w0);
	tr_report(ok && w >= 0 && st == 1 && w0 == 7,
		  "a spare put of a key holding another value rewrites its way, stamped 1",
		  "key 3: way %d, stamp %u, value %u", w, st, w0);
	/* the set: 1 (stamp 11), 2 (12), 3 and 100 (stamp 1) */
	ok &= put_key(skel->progs.st_put_key, 102, 20) >= 0;
	w = way_of(102, &st, &w0);
	w1 = way_of(1, &st, &w0);
	w2 = way_of(2, &st, &w0);
	w3 = way_of(3, &st, &w0);
	w100 = way_of(100, &st, &w0);
	tr_report(ok && w >= 0 && w1 >= 0 && w2 >= 0 && (w3 < 0) != (w100 < 0),
		  "a put into a full set takes a spare way before the oldest stamped one",
		  "key 102 way %d; key 1 way %d, key 2 way %d, key 3 way %d, key 100 way %d", w, w1,
		  w2, w3, w100);
}

/* ---- 5. two candidate sets a key ---- */

static struct lb_settable T2;

static void clear2(void)
{
	struct st2_set z;
	__u32 i;

	memset(&z, 0, sizeof(z));
	for (i = 0; i < ST2_SETS; i++)
		bpf_map_update_elem(bpf_map__fd(skel->maps.st2_table), &i, &z, BPF_F_LOCK);
}

/* The set holding key {a, 0} (its stamp, value and copies over the table),
 * or -1. */
static int set_of(__u32 a, __u32 *stamp, __u32 *val, int *copies)
{
	struct st2_set s;
	int i, found = -1;
	__u32 n;

	*copies = 0;
	for (n = 0; n < ST2_SETS; n++) {
		if (bpf_map_lookup_elem_flags(bpf_map__fd(skel->maps.st2_table), &n, &s, BPF_F_LOCK))
			return -1;
		for (i = 0; i < ST_WAYS; i++)
			if (s.stamp[i] && s.e[i].key.a == a && !s.e[i].key.b) {
				found = (int)n;
				*stamp = s.stamp[i];
				*val = s.e[i].val;
				++*copies;
			}
	}
	return found;
}

/* Keys {a, 0} from *from on whose candidate sets are (c1, c2). */
static __u32 key_with(__u32 *from, uint32_t c1, uint32_t c2)
{
	struct st_key k = { 0, 0 };
	uint32_t i2;

	for (k.a = *from;; k.a++)
		if (lb_settable_index2(&T2, &k, &i2) == c1 && i2 == c2)
			break;
	*from = k.a + 1;
	return k.a;
}

static void two_candidates(void)
{
	struct lb_settable_layout l = LB_SETTABLE_LAYOUT(struct st2_set);
	__u32 hkey[4] = { 0 }, from = 1000, aa[ST_WAYS + 1], bb[ST_WAYS], k, k2, k3, st, v;
	struct st_key sk = { 0, 0 };
	uint32_t a = 0, b;
	int i, set, n, ok = 1;

	l.candidates = 2;
	if (lb_settable_init(&T2, bpf_map__fd(skel->maps.st2_table), l, hkey)) {
		tr_result("two candidate sets", "setup: lb_settable_init");
		return;
	}
	/* sets A and B: those of a key whose two differ */
	for (sk.a = 1; (a = lb_settable_index2(&T2, &sk, &b)) == b; sk.a++)
		;
	for (i = 0; i <= ST_WAYS; i++)
		aa[i] = key_with(&from, a, a);
	for (i = 0; i < ST_WAYS; i++)
		bb[i] = key_with(&from, b, b);
	k = key_with(&from, a, b);
	k2 = key_with(&from, a, b);
	k3 = key_with(&from, a, b);

	clear2();
	ok &= put_key(skel->progs.st2_put_key, aa[0], 10) >= 0;
	ok &= put_key(skel->progs.st2_put_key, aa[1], 11) >= 0;
	ok &= put_key(skel->progs.st2_put_key, k, 12) >= 0;
	set = set_of(k, &st, &v, &n);
	tr_report(ok && set == (int)b && v == 12 && n == 1,
		  "two candidate sets: a new key goes to the emptier (2 of 4 ways used in its "
		  "first set, none in its second)", "key in set %d (first %u, second %u), value %u, "
		  "%d copies", set, a, b, v, n);
	/* B now the fuller (3 of 4 used, A 2) */
	ok &= put_key(skel->progs.st2_put_key, bb[0], 13) >= 0;
	ok &= put_key(skel->progs.st2_put_key, bb[1], 13) >= 0;
	ok &= put_key(skel->progs.st2_put_key, k, 14) >= 0;
	set = set_of(k, &st, &v, &n);
	skel->bss->io.key = k;
	ok &= run(skel->progs.st2_find_key, 1) >= 0;
	sk.a = k;
	tr_report(ok && set == (int)b && v == 14 && n == 1 && skel->bss->io.result == 14 &&
		  lb_settable_lookup(&T2, &sk, &v, NULL) == 0 && v == 14,
		  "two candidate sets: a key's next put rewrites its own way (its second set, now "
		  "the fuller), found there by the datapath and by user space",
		  "set %d, value %u, %d copies, datapath found %d", set, v, n, skel->bss->io.result);

	/* both full: A's puts older than B's */
	clear2();
	for (i = 0; i < ST_WAYS; i++)
		ok &= put_key(skel->progs.st2_put_key, aa[i], 20 + i) >= 0;
	for (i = 0; i < ST_WAYS; i++)
		ok &= put_key(skel->progs.st2_put_key, bb[i], 30 + i) >= 0;
	ok &= put_key(skel->progs.st2_put_key, k2, 40) >= 0;
	set = set_of(k2, &st, &v, &n);
	for (i = 1, n = 0; i < ST_WAYS; i++)
		n += set_of(aa[i], &st, &v, &(int){ 0 }) == (int)a;
	for (i = 0; i < ST_WAYS; i++)
		n += set_of(bb[i], &st, &v, &(int){ 0 }) == (int)b;
	tr_report(ok && set == (int)a && set_of(aa[0], &st, &v, &(int){ 0 }) < 0 &&
		  n == 2 * ST_WAYS - 1, "two candidate sets, both full: the set whose victim is "
		  "older gives it up, and nothing else moves", "new key in set %d (want %u), the "
		  "oldest %s, %d of %d others in place", set, a,
		  set_of(aa[0], &st, &v, &(int){ 0 }) < 0 ? "gone" : "kept", n, 2 * ST_WAYS - 1);

	/* spares: into an empty way of the emptier set; never evicting */
	clear2();
	for (i = 0; i < ST_WAYS - 1; i++)
		ok &= put_key(skel->progs.st2_put_key, aa[i], 50 + i) >= 0;
	ok &= put_key(skel->progs.st2_put_spare_key, k, 60) >= 0;
	set = set_of(k, &st, &v, &n);
	tr_report(ok && set == (int)b && st == 1 && v == 60,
		  "two candidate sets: a spare goes to an empty way of the emptier set, stamped 1",
		  "set %d (want %u), stamp %u, value %u", set, b, st, v);
	for (i = 0; i < ST_WAYS - 1; i++)
		ok &= put_key(skel->progs.st2_put_key, bb[i], 70 + i) >= 0;
	ok &= put_key(skel->progs.st2_put_key, aa[ST_WAYS - 1], 80) >= 0;
	ok &= put_key(skel->progs.st2_put_spare_key, k3, 81) >= 0;
	for (i = 0, n = 0; i < ST_WAYS; i++)
		n += set_of(aa[i], &st, &v, &(int){ 0 }) == (int)a;
	for (i = 0; i < ST_WAYS - 1; i++)
		n += set_of(bb[i], &st, &v, &(int){ 0 }) == (int)b;
	tr_report(ok && set_of(k3, &st, &v, &(int){ 0 }) < 0 && set_of(k, &st, &v, &(int){ 0 }) == (int)b &&
		  n == 2 * ST_WAYS - 1, "two candidate sets: a spare whose sets are both full is "
		  "not stored, and evicts nothing", "spare %s, %d of %d entries in place",
		  set_of(k3, &st, &v, &(int){ 0 }) < 0 ? "absent" : "stored", n, 2 * ST_WAYS - 1);

	/* a delete looks in both sets */
	skel->bss->io.key = k;
	ok &= run(skel->progs.st2_delete_key, 1) >= 0;
	i = skel->bss->io.result;
	ok &= run(skel->progs.st2_delete_key, 1) >= 0;
	tr_report(ok && i == 1 && skel->bss->io.result == 0 && set_of(k, &st, &v, &n) < 0,
		  "two candidate sets: a delete finds the key in its second set (then: not there)",
		  "first delete %d, second %d", i, skel->bss->io.result);

	/* user space's put chooses as the datapath does */
	clear2();
	ok &= put_key(skel->progs.st2_put_key, aa[0], 90) >= 0;
	sk.a = k2;
	v = 91;
	ok &= lb_settable_put(&T2, &sk, &v, 91) == 0;
	set = set_of(k2, &st, &v, &n);
	tr_report(ok && set == (int)b && v == 91, "two candidate sets: user space's put takes "
		  "the emptier set too", "set %d (want %u)", set, b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(NULL);
	skel = settable_test__open_and_load();
	if (!skel) {
		printf("FAIL settable race: cannot load tests/bpf/progs/settable_test.bpf.c: %s\n",
		       strerror(errno));
		return 1;
	}
	against_bpf_writer("a lock-free find racing a slow writer on the other CPU never returns a "
			   "torn value (the same copy without the seqcount does)",
			   skel->progs.st_write_slow, true);
	against_bpf_writer("a lock-free find racing datapath puts on the other CPU (the key "
			   "rewritten and its way taken) never returns a torn value",
			   skel->progs.st_write, false);
	tr_report(set_seq() % 4 == 0, "the datapath's writes leave the count a multiple of 4",
		  "seq %u", set_seq());
	odd_count();
	against_user_writer();
	spare();
	two_candidates();
	settable_test__destroy(skel);
	return tr_failures ? 1 : 0;
}
