# credtrail - build, test and demo.
#
#   make            build build/credtrail (optimised)
#   make check      install missing deps, build with ASan+UBSan into build/check, run all tests
#   make demo       install missing deps, build, run the end-to-end demo on a temporary ledger
#   make bench      run the benchmarks under bench/ (prints ratios against named peers)
#
# O=DIR puts every output under DIR, so builds with different flags never share objects.

O	?= build
CC	?= cc
CLANG	?= clang
BPFTOOL	?= bpftool
SAN	?=

VERSION := 0.1.0$(shell git rev-parse --short HEAD >/dev/null 2>&1 && echo "-g$$(git rev-parse --short HEAD)")

WARN	 = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wno-unused-parameter
CPPFLAGS = -Isrc -I$(O) -D_GNU_SOURCE -DCT_VERSION='"$(VERSION)"'
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 $(WARN) -fstack-protector-strong -fPIE -MMD -MP
LDFLAGS	+= -pie -Wl,-z,relro,-z,now
LDLIBS	 = -lcrypto -lsqlite3 -lpq -ljansson -lcurl -lz -lbpf -lelf -lseccomp -lpthread

ifeq ($(SAN),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
else
CPPFLAGS += -D_FORTIFY_SOURCE=2
endif

UTIL_SRC := $(sort $(wildcard src/util/*.c))
LIB_SRC  := $(sort $(wildcard src/lib/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
BPF_SRC  := $(sort $(wildcard bpf/*.bpf.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ  := $(patsubst %.c,$(O)/%.o,$(UTIL_SRC) $(LIB_SRC))
CLI_OBJ  := $(patsubst %.c,$(O)/%.o,$(CLI_SRC))
SKELS    := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.skel.h,$(BPF_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRC))

.PHONY: all deps check test unit demo bench clean lint
.DELETE_ON_ERROR:

all: $(O)/credtrail

$(O)/credtrail: $(CLI_OBJ) $(O)/libcredtrail.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(O)/libcredtrail.a $(LDLIBS)

$(O)/libcredtrail.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Every C object may include a BPF skeleton, so skeletons come first.
$(O)/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# BPF: clang -target bpf, then bpftool turns the object into a skeleton header that embeds it.
$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ibpf -I$(O) -Wall -Werror -c $< -o $@.tmp
	$(BPFTOOL) gen object $@ $@.tmp
	@rm -f $@.tmp

$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(O)/tests/unit/%: tests/unit/%.c $(O)/libcredtrail.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libcredtrail.a $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

# ---- fuzzing (owned by ingest; every harness follows the same naming) ----
# Each tests/fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput.
#   make fuzz [FUZZ_SECONDS=60]   libFuzzer builds (clang -fsanitize=fuzzer,address,undefined,
#                                 the library compiled again with fuzzer-no-link) in
#                                 $(O)/fuzz/, each run FUZZ_SECONDS on a copy of its corpus
#   unit (so make check)          $(O)/tests/fuzz/fuzz_<name>: the harness linked with
#                                 tests/fuzz/replay.c, which feeds it every file of
#                                 tests/fuzz/corpus/<name>/ once; tests/run runs them
#   scripts/fuzz-campaign         each harness for a budget of CPU time (docs/fuzzing.md)
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY  := $(patsubst tests/fuzz/%.c,$(O)/tests/fuzz/%,$(FUZZ_SRC))
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRC))
FUZZ_LIB_OBJ := $(patsubst %.c,$(O)/fuzz/obj/%.o,$(UTIL_SRC) $(LIB_SRC))
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS   = -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	       -fno-sanitize-recover=undefined

$(O)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(O)/libcredtrail.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(O)/libcredtrail.a $(LDLIBS)

unit: $(FUZZ_REPLAY)

$(O)/fuzz/obj/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(O)/fuzz/libfuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(O)/fuzz/libfuzz.a
	$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(O)/fuzz/libfuzz.a $(LDLIBS)

.PHONY: fuzz
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		n=$${f##*/fuzz_}; w=$(O)/fuzz/work/$$n; mkdir -p $$w; \
		[ -d tests/fuzz/corpus/$$n ] && cp -n tests/fuzz/corpus/$$n/* $$w/ 2>/dev/null; \
		echo "== fuzz_$$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(O)/fuzz/ \
		    $$w >$(O)/fuzz/$$n.log 2>&1 || { tail -40 $(O)/fuzz/$$n.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units|stat::peak_rss' $(O)/fuzz/$$n.log; \
	done
# ---- end of fuzzing ----

# ---- allocation-failure injection (owned by faults; tests/unit/torture.c) ----
#   unit (SAN=1 builds only)  $(O)/tests/torture/test_<name> for each of TORTURE_TESTS: the
#                             unit test linked with a copy of libcredtrail.a whose malloc,
#                             calloc, realloc, reallocarray, strdup, strndup, asprintf and
#                             vasprintf calls are renamed to tests/unit/torture.c's, which fail
#                             the Nth call (CT_TORTURE_FAIL=N); with CT_TORTURE_LIBS=1 the
#                             allocations of libcrypto, jansson and SQLite (routed to it by
#                             CRYPTO_set_mem_functions, json_set_alloc_funcs, SQLITE_CONFIG_MALLOC)
#                             count too; t1230 runs a sample of N of both in make check
#   make torture SAN=1        every N = 1.. until nothing is failed, for each test
TORTURE_TESTS := util jwt sshcert dnsmsg jscan merkle netpolicy dsse sts sigv4 sshdlog dnsproxy ingest \
		 correlate policy
TORTURE_BIN   := $(patsubst %,$(O)/tests/torture/test_%,$(TORTURE_TESTS))
TORTURE_SYMS  := malloc calloc realloc reallocarray strdup strndup asprintf vasprintf

$(O)/torture/libcredtrail.a: $(O)/libcredtrail.a
	@mkdir -p $(dir $@)
	objcopy $(foreach s,$(TORTURE_SYMS),--redefine-sym $(s)=ct_torture_$(s)) $< $@

$(O)/tests/torture/torture.o: tests/unit/torture.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/tests/torture/test_%: tests/unit/test_%.c $(O)/torture/libcredtrail.a $(O)/tests/torture/torture.o
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/tests/torture/torture.o \
	    $(O)/torture/libcredtrail.a $(LDLIBS) -lcmocka

ifeq ($(SAN),1)
unit: $(TORTURE_BIN)
endif

.PHONY: torture
torture: $(TORTURE_BIN)
	CT_TORTURE_ALL=1 tests/run $(O) t1230-torture
# ---- end of allocation-failure injection ----

# ---- man pages, bash completion, install (owned by unix) ----
#   make man             man/*.scd (scdoc sources) -> $(O)/man/*.1
#   make completion      $(O)/completion/credtrail: the option tables generated from the
#                        binary's --help (completion/gen) + the function completion/credtrail.bash
#   make install         $(O)/credtrail (the BPF object is embedded by its skeleton), the man
#                        pages and the bash completion under $(DESTDIR)$(PREFIX); no service files
#   make uninstall       removes exactly the files install writes
PREFIX	    ?= /usr/local
BINDIR	    ?= $(PREFIX)/bin
MANDIR	    ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SCDOC	    ?= scdoc
MAN_SRC	    := $(sort $(wildcard man/*.scd))
MAN_OUT	    := $(patsubst man/%.scd,$(O)/man/%,$(MAN_SRC))

.PHONY: man completion install uninstall
man: $(MAN_OUT)

$(O)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	$(SCDOC) < $< > $@

completion: $(O)/completion/credtrail

$(O)/completion/credtrail: completion/gen completion/credtrail.bash $(O)/credtrail
	@mkdir -p $(dir $@)
	completion/gen $(O)/credtrail completion/credtrail.bash > $@

install: $(O)/credtrail $(MAN_OUT) $(O)/completion/credtrail
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(O)/credtrail $(DESTDIR)$(BINDIR)/credtrail
	install -m 0644 $(MAN_OUT) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(O)/completion/credtrail $(DESTDIR)$(BASHCOMPDIR)/credtrail

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/credtrail $(DESTDIR)$(BASHCOMPDIR)/credtrail \
	    $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN_OUT)))
# ---- end of man pages, bash completion, install ----

# ---- static checks (owned by escape) ----
#   make lint    scripts/lint: banned functions, cppcheck and clang-tidy (.clang-tidy) over
#                src/, every one clean; clang-tidy re-checks only the files changed since
#                they last passed (records in $(O)/lint/).  Needs the BPF skeleton header.
lint: $(SKELS)
	scripts/lint $(O)
# ---- end of static checks ----

deps:
	@scripts/install-deps

# The test build: sanitizers on, its own output folder; then every unit and e2e test.
check: deps
	$(MAKE) O=build/check SAN=1 all unit
	$(MAKE) O=build/check SAN=1 lint	# static checks (scripts/lint) before the tests
	tests/run build/check

demo: deps
	$(MAKE) all
	demo/run $(O)/credtrail

bench: deps
	$(MAKE) all
	@for b in bench/*/run; do echo "== $$b"; $$b $(abspath $(O))/credtrail || exit 1; done

clean:
	rm -rf build

-include $(shell find $(O) -name '*.d' 2>/dev/null)
