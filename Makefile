# bantin - the daily dân vận news digest.
#
#   make            build ./bantin
#   make check      deps, then unit + integration tests under ASan/UBSan
#   make bench      benchmarks against the named peers
#   make demo       deps, build, serve sample feeds locally, run the pipeline
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install missing Debian packages (scripts/debian-packages)

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/bantin
DESTDIR  ?=
PKG_CONFIG ?= pkg-config
PYTHON   ?= /usr/bin/python3

VERSION  := 0.1.0
PKGS     := libcurl libxml-2.0 libetpan sqlite3 libutf8proc jansson

# Hardening on by default; the user may override CFLAGS, never the warnings.
CFLAGS   ?= -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2
DEFS     := -D_GNU_SOURCE -DBANTIN_VERSION='"$(VERSION)"' -I.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
SAN      := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

# One folder per stage; every .c in them is part of the program.
STAGES   := util config fetch parse store digest
SRC      := $(sort $(foreach d,$(STAGES),$(wildcard $(d)/*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

REL_OBJ  := $(SRC:%.c=build/rel/%.o)
SAN_OBJ  := $(SRC:%.c=build/san/%.o)
UNITS    := $(UNIT_SRC:tests/unit/%.c=build/san/tests/%)

all: bantin

bantin: $(REL_OBJ) build/rel/main.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# On a fresh machine, one clear line instead of "utf8proc.h: No such file".
pkgcheck:
	@missing=""; for p in $(PKGS); do \
	    $(PKG_CONFIG) --exists $$p 2>/dev/null || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "make: missing build dependencies (pkg-config):$$missing" >&2; \
	    echo "make: run 'make deps' as root to install them ('make check' and 'make demo' do it themselves)" >&2; \
	    exit 1; \
	fi

build/rel/%.o: %.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

build/san/%.o: %.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(PKG_CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

build/san/bantin: $(SAN_OBJ) build/san/main.o
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

build/san/tests/%: tests/unit/%.c $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(PKG_CFLAGS) $(SAN) -MMD -MP -o $@ $< $(SAN_OBJ) \
	    $(PKG_LIBS) $$($(PKG_CONFIG) --libs cmocka)

deps:
	@sh scripts/deps

# The test command of the README and of .ci/run.
check: deps
	@$(MAKE) --no-print-directory check-build
	@sh scripts/check-banned
	@sh scripts/run-tests $(UNITS)

check-build: build/san/bantin $(UNITS)

unit: check-build
	@sh scripts/run-tests --unit-only $(UNITS)

bench: deps bantin
	@sh bench/run

demo: deps bantin
	@sh scripts/demo

install: bantin
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 bantin $(DESTDIR)$(BINDIR)/bantin
	install -m 644 doc/bantin.1 $(DESTDIR)$(MANDIR)/man1/bantin.1
	install -m 644 doc/bantin.conf.5 $(DESTDIR)$(MANDIR)/man5/bantin.conf.5
	install -d $(DESTDIR)$(DOCDIR)
	install -m 644 config/bantin.conf.example cron/bantin.crontab \
	    cron/bantin.service cron/bantin.timer $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bantin $(DESTDIR)$(MANDIR)/man1/bantin.1 \
	    $(DESTDIR)$(MANDIR)/man5/bantin.conf.5
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build bantin

.PHONY: all deps check check-build unit bench demo install uninstall clean pkgcheck

-include $(REL_OBJ:.o=.d) $(SAN_OBJ:.o=.d) build/rel/main.d build/san/main.d \
    $(UNITS:=.d)
