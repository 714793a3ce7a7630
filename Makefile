# sctplb: build, test, demo and benchmark.  `make help` lists the targets.
CLANG   ?= clang-19
STRIP   ?= llvm-strip-19
BPFTOOL ?= bpftool
CC      ?= gcc
BUILD   := build
ARCH    := x86

# The distribution's python3 and tools (scripts/deps.sh), not a version manager's shims
# (pyenv, rbenv, asdf): a pyenv shim runs several bash scripts before python3, 0.5 s a
# call here, and the tests call python3 hundreds of times (test_e2e_spread: 58 s, 36 s
# without); it could also pick a python the distribution's packages do not serve.
export PATH := $(shell printf '%s' "$$PATH" | tr ':' '\n' | grep -v -e '/\.pyenv/' -e '/shims$$' | paste -sd: -)

CFLAGS  ?= -O2 -g
CFLAGS  += -Wall -Wextra -Werror -Iinclude -I$(BUILD) -Iuser/lib -D_GNU_SOURCE
LDLIBS  := -lbpf -lxdp -ljson-c -lpcap -lelf -lz -lmicrohttpd
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Iinclude -Ivmlinux/$(ARCH) -Ibpf

# The version: `git describe` of the clone at build time, else VERSION (a
# tarball).  Written to $(BUILD)/version when it changes, so that a new
# commit rebuilds the command.
VERSION ?= 0.1.0
SCTPLB_VERSION := $(or $(if $(wildcard .git),$(shell git describe --always --dirty 2>/dev/null)),$(VERSION))

# make install: PREFIX and DESTDIR as usual.  The BPF object is embedded in
# the command (the skeleton), so the command is all that runs.
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/sctplb
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR  ?= $(PREFIX)/lib/systemd/system
UNITS    := examples/sctplb.service examples/sctplb-gc.service examples/sctplb-agent-gc.service examples/sctplb-metrics.service
INSTALLED := $(SBINDIR)/sctplb $(MANDIR)/man8/sctplb.8 $(BASHCOMPDIR)/sctplb \
	$(addprefix $(UNITDIR)/,$(notdir $(UNITS))) \
	$(DOCDIR)/sctplb.json $(DOCDIR)/sctplb.default

BPF_OBJ  := $(BUILD)/sctplb.bpf.o
SKEL     := $(BUILD)/sctplb.skel.h
# The backend agent (routable tags): its own object and skeleton.
AGENT_OBJ  := $(BUILD)/agent.bpf.o
AGENT_SKEL := $(BUILD)/agent.skel.h
BPF_DEPS := $(wildcard bpf/*.h bpf/lib/*.h include/*.h)

LIB_SRCS := $(wildcard user/lib/*.c)
LIB_OBJS := $(patsubst user/lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
LIB      := $(BUILD)/libsctplb.a
LIB_HDRS := $(wildcard user/lib/*.h include/*.h) $(SKEL) $(AGENT_SKEL)

CMD_SRCS := $(wildcard user/*.c)
CMD      := $(BUILD)/sctplb

# Test programs: tests/unit/test_X.c and tests/bpf/test_X.c, each one binary;
# tests/bpf/lib/*.c is shared by the BPF tests.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS  := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(wildcard tests/bpf/test_*.c))
TESTLIB_SRCS := $(wildcard tests/bpf/lib/*.c)
TESTLIB_HDRS := $(wildcard tests/bpf/lib/*.h)

PEER := $(BUILD)/sctp-peer

# Benchmark: tests/bench/*.c, with the BPF test library (packet builder, fixture).
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH      := $(BUILD)/sctplb-bench

# Fuzzers: tests/fuzz/fuzz_X.c, each a libFuzzer target (clang-19, ASan, UBSan)
# built against the datapath's own headers (bpf/lib) with user-space shims.
FUZZ_CC    := clang-19
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_HDRS  := $(wildcard tests/fuzz/*.h) $(BPF_DEPS)

.PHONY: all deps test demo bench fuzz vmlinux clean help tests install uninstall FORCE
all: $(BPF_OBJ) $(SKEL) $(AGENT_SKEL) $(LIB) $(CMD) $(PEER)

help:
	@echo "make deps     install the Debian packages sctplb needs (root)"
	@echo "make          build the BPF object, skeleton, library, sctplb and sctp-peer"
	@echo "make test     deps + build + every test, ending with 'N passed, N failed'"
	@echo "make demo     multihomed SCTP through sctplb in namespaces, with failover; then two"
	@echo "              forwarders behind ECMP, one stopped in the middle (routable tags)"
	@echo "              (LINUX=1: the client is Linux kernel SCTP in a VM)"
	@echo "make bench    per-packet cost and scaling figures"
	@echo "make fuzz     the fuzzers for longer (FUZZ_SECONDS, default 300 each)"
	@echo "make vmlinux  regenerate vmlinux/$(ARCH)/vmlinux.h from the running kernel"
	@echo "make install  the command, man page, bash completion, systemd units (PREFIX, DESTDIR)"
	@echo "make uninstall  remove what make install put there"

deps:
	@bash scripts/deps.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

$(BUILD) $(BUILD)/lib $(BUILD)/tests:
	@mkdir -p $@

$(BPF_OBJ): bpf/sctplb.bpf.c $(BPF_DEPS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(AGENT_OBJ): bpf/agent.bpf.c $(BPF_DEPS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(AGENT_SKEL): $(AGENT_OBJ)
	$(BPFTOOL) gen skeleton $< name sctplb_agent > $@

$(SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name sctplb > $@

$(BUILD)/lib/%.o: user/lib/%.c $(LIB_HDRS) | $(BUILD)/lib
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/version: FORCE | $(BUILD)
	@[ "$$(cat $@ 2>/dev/null)" = "$(SCTPLB_VERSION)" ] || echo "$(SCTPLB_VERSION)" >$@

$(CMD): $(CMD_SRCS) $(wildcard user/*.h) $(LIB) $(LIB_HDRS) $(BUILD)/version
	$(if $(CMD_SRCS),$(CC) $(CFLAGS) -DSCTPLB_VERSION='"$(SCTPLB_VERSION)"' $(CMD_SRCS) $(LIB) $(LDLIBS) -o $@,@true)

$(PEER): $(wildcard tools/sctp-peer/*.c tools/sctp-peer/*.h) | $(BUILD)
	$(if $(wildcard tools/sctp-peer/*.c),$(CC) $(CFLAGS) -Wno-unused-parameter $(wildcard tools/sctp-peer/*.c) -lusrsctp -ljson-c -lpthread -o $@,@true)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB) $(LIB_HDRS) | $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/bpf/lib $< $(LIB) $(LDLIBS) -lm -o $@

$(BUILD)/tests/test_%: tests/bpf/test_%.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(LIB) $(LIB_HDRS) | $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/bpf/lib $< $(TESTLIB_SRCS) $(LIB) $(LDLIBS) -lm -o $@

$(BENCH): $(BENCH_SRCS) $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(LIB) $(LIB_HDRS) | $(BUILD)
	$(if $(BENCH_SRCS),$(CC) $(CFLAGS) -Itests/bpf/lib $(BENCH_SRCS) $(TESTLIB_SRCS) $(LIB) $(LDLIBS) -lm -o $@,@true)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_HDRS) | $(BUILD)
	@mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Iinclude -Ibpf -Itests/fuzz $< -o $@

# Tools the end-to-end scripts run: tests/tools/X.c, one binary each, on libsctplb.
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(wildcard tests/tools/*.c))

$(BUILD)/tests/%: tests/tools/%.c $(LIB) $(LIB_HDRS) | $(BUILD)/tests
	$(CC) $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@

tests: $(UNIT_TESTS) $(BPF_TESTS) $(FUZZERS) $(BENCH) $(TEST_TOOLS)

test: deps
	@$(MAKE) --no-print-directory all tests
	@bash tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@bash tests/e2e/$(if $(LINUX),demo_linux.sh,demo.sh)
	@$(if $(LINUX),true,bash tests/e2e/demo_ecmp.sh)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH)
	@bash tests/bench/run.sh

fuzz: deps
	@$(MAKE) --no-print-directory all tests
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash tests/fuzz/run.sh

# Units name the command by its installed path.
install: $(CMD)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(CMD) $(DESTDIR)$(SBINDIR)/sctplb
	install -m 0644 docs/sctplb.8 $(DESTDIR)$(MANDIR)/man8/sctplb.8
	install -m 0644 contrib/bash-completion/sctplb $(DESTDIR)$(BASHCOMPDIR)/sctplb
	for u in $(UNITS); do \
		sed 's|/usr/local/sbin/sctplb|$(SBINDIR)/sctplb|g' $$u >$(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; \
	done
	install -m 0644 examples/sctplb.json examples/sctplb.default $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf $(BUILD)

# The primitives' BPF test programs (tests/bpf/progs/prim.bpf.c: routable
# tags and the CRC32c patch as BPF runs them) and their skeleton, for
# tests/bpf/test_prim.c.
PRIM_OBJ  := $(BUILD)/prim.bpf.o
PRIM_SKEL := $(BUILD)/prim.skel.h
$(PRIM_OBJ): tests/bpf/progs/prim.bpf.c tests/bpf/progs/prim.h include/sctplb_rtag.h include/sctplb_crc32c.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(PRIM_SKEL): $(PRIM_OBJ)
	$(BPFTOOL) gen skeleton $< name prim > $@
$(BUILD)/tests/test_prim: $(PRIM_SKEL)

# The lookup references of the bench's section 1 (tests/bench/progs/lookup.bpf.c).
LOOKUP_OBJ  := $(BUILD)/lookup.bpf.o
LOOKUP_SKEL := $(BUILD)/lookup.skel.h
$(LOOKUP_OBJ): tests/bench/progs/lookup.bpf.c $(wildcard bpf/lib/*.h include/*.h) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(LOOKUP_SKEL): $(LOOKUP_OBJ)
	$(BPFTOOL) gen skeleton $< name lookup > $@
$(BENCH): $(LOOKUP_SKEL)

# The lock-free find against writers (tests/bpf/progs/settable_test.bpf.c),
# for tests/bpf/test_settable_race.c.
ST_OBJ  := $(BUILD)/settable_test.bpf.o
ST_SKEL := $(BUILD)/settable_test.skel.h
$(ST_OBJ): tests/bpf/progs/settable_test.bpf.c tests/bpf/progs/settable_test.h bpf/lib/settable.h include/sctplb_settable.h $(wildcard bpf/lib/*.h include/*.h) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -Itests/bpf -c $< -o $@
$(ST_SKEL): $(ST_OBJ)
	$(BPFTOOL) gen skeleton $< name settable_test > $@
$(BUILD)/tests/test_settable_race: $(ST_SKEL)
