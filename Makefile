# warroom — the one build entry point.
# `make run` and `make test` are all a newcomer needs on a fresh Debian machine.

VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
SAN      ?=

CC       ?= cc
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
            -Wformat=2 -Werror
FEATURES := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_XOPEN_SOURCE_EXTENDED
OPT      ?= -O2 -g
CFLAGS   ?=
CFLAGS   += -std=c11 $(FEATURES) $(WARN) $(OPT) -I. -DWARROOM_VERSION=\"$(VERSION)\" -MMD -MP
LDLIBS_CORE := -lm
LDLIBS_UI   := -lncursesw -ltinfo -linih -lm
LDLIBS_APP  := -pthread -lhiredis -lev -lncursesw -ltinfo -lcjson -linih -lmd -lm

ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

# `make fuzz` builds everything with clang and libFuzzer's coverage instrumentation (FUZZ=1).
# A warning only clang gives in app/ or ui/ (which the targets link but do not fuzz) must not
# stop the fuzz build; core/ and the targets stay -Werror, and gcc builds are unaffected.
ifeq ($(FUZZ),1)
CFLAGS   += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

# Debian packages the project builds, tests and runs with.
DEB_PKGS := build-essential pkg-config libncurses-dev libhiredis-dev libev-dev libcmocka-dev \
            libcjson-dev libinih-dev libmd-dev redis-server redis-tools redis-sentinel tmux python3

CORE_SRC := $(sort $(wildcard core/*.c))
UI_SRC   := $(sort $(wildcard ui/*.c))
APP_SRC  := $(sort $(wildcard app/*.c app/*/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ   := $(UI_SRC:%.c=$(BUILD)/%.o)
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/%)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%)

BIN      := $(BUILD)/warroom
LIBCORE  := $(BUILD)/libwrcore.a
LIBUI    := $(BUILD)/libwrui.a
LIBAPP   := $(BUILD)/libwrapp.a

.PHONY: all test check bench run deps install uninstall clean format unit integration fuzz \
        fuzz-targets fuzz-corpus

all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIBCORE): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIBUI): $(UI_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Everything but main.o, so integration test programs can link app modules too.
$(LIBAPP): $(filter-out $(BUILD)/app/main.o,$(APP_OBJ))
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/app/main.o $(LIBAPP) $(LIBUI) $(LIBCORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_APP)

# Unit tests link the core only: core/ must build with libc and libm alone.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBCORE) -lcmocka $(LDLIBS_CORE)

# The ui link test links ui/ and the core with curses (and inih, for themes) only: ui/ must build
# without hiredis and libev.
$(BUILD)/tests/test_ui_link: tests/unit/test_ui_link.c $(LIBUI) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBUI) $(LIBCORE) -lcmocka $(LDLIBS_UI)

# Unit tests of app/redis modules that need hiredis but no server.
$(BUILD)/tests/test_rconn_arena: tests/unit/test_rconn_arena.c $(LIBAPP) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBAPP) $(LIBCORE) -lcmocka -lhiredis $(LDLIBS_CORE)

# Integration test programs that need a server (run by tests/integration/*.sh).
RCONN_TEST_SRC := tests/integration/rconn_test.c tests/integration/rconn_test_faults.c \
                  tests/integration/rconn_test_lib.c
$(BUILD)/tests/rconn_test: $(RCONN_TEST_SRC) tests/integration/rconn_test.h $(LIBAPP) $(LIBUI) \
                           $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(RCONN_TEST_SRC) $(LIBAPP) $(LIBUI) $(LIBCORE) -lhiredis -lev -lm

# Test tools linked with the core (tests/tools/NAME.c; mkroll: rollup entries for the read side).
$(BUILD)/tests/mkroll: tests/tools/mkroll.c $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBCORE) $(LDLIBS_CORE)

# Fuzz targets (tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/). Every target may call
# app modules (the JSON parsers live in app/); the archives only pull in what it uses.
FUZZ_CFLAGS := -include tests/fuzz/fuzz.h
FUZZ_LIBS   := $(LIBAPP) $(LIBUI) $(LIBCORE) $(LDLIBS_APP) $(LDLIBS_CORE)

# libFuzzer binaries, build/fuzz/fuzz_NAME: `make fuzz`, then e.g.
# build/fuzz/fuzz_duration -max_total_time=60 tests/fuzz/corpus/duration
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIBAPP) $(LIBUI) $(LIBCORE)
	$(CC) $(CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS)

# Corpus replays with the regular compiler: the target plus tests/fuzz/driver.c.
$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/tests/fuzz/driver.o \
                       $(LIBAPP) $(LIBUI) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FUZZ_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/tests/fuzz/driver.o $(FUZZ_LIBS)

.SECONDARY: $(BUILD)/tests/fuzz/driver.o

fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang: apt-get install clang"; exit 1; }
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang FUZZ=1 OPT="-g -O1" fuzz-targets

fuzz-targets: $(FUZZ_BIN)

fuzz-corpus: $(FUZZ_REPLAY)
	@tests/run-fuzz-corpus.sh $(FUZZ_REPLAY)

test: deps
	@$(MAKE) --no-print-directory unit fuzz-corpus integration

unit: $(BIN) $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

integration: $(BIN) $(BUILD)/tests/rconn_test $(BUILD)/tests/mkroll
	@WARROOM=$(abspath $(BIN)) tests/run-integration.sh

check: export WR_SOAK_S ?= 60
check: deps
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 OPT="-O1 -g" unit fuzz-corpus integration

bench: deps $(BIN)
	@$(BIN) bench core
	@echo
	@$(BIN) bench e2e
	@echo
	@$(BIN) bench tui
	@echo
	@$(BIN) bench chat
	@echo
	@$(BIN) bench alerts
	@echo
	@$(BIN) bench scale

run: deps $(BIN)
	@$(BIN) --demo

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' \
	        || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	        echo "deps: installing$$missing"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	    else \
	        echo "deps: missing packages; run as root:"; \
	        echo "  apt-get update && apt-get install -y$$missing"; exit 1; \
	    fi; \
	fi

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	           $(DESTDIR)$(PREFIX)/share/warroom
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/warroom
	install -m 644 assets/warroom.1 $(DESTDIR)$(PREFIX)/share/man/man1/warroom.1
	cp -r assets/. $(DESTDIR)$(PREFIX)/share/warroom/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	           $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 644 assets/completion/warroom.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/warroom
	install -m 644 assets/completion/_warroom $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_warroom

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/warroom $(DESTDIR)$(PREFIX)/share/man/man1/warroom.1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/warroom \
	    $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_warroom
	rm -rf $(DESTDIR)$(PREFIX)/share/warroom

clean:
	rm -rf build

format:
	clang-format -i $(CORE_SRC) $(UI_SRC) $(APP_SRC) $(wildcard core/*.h ui/*.h app/*.h app/*/*.h) \
	    $(UNIT_SRC) $(FUZZ_SRC) tests/fuzz/driver.c $(wildcard tests/fuzz/*.h)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
