# edubridge: a thin wrapper over meson and ninja for people. `make run` and `make check` are the
# two commands of the README; both install what is missing first (scripts/deps.sh).

BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
DB ?= var/demo.db
LISTEN ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 60
NINJA_JOBS ?= $(shell nproc)

.PHONY: all deps build run check asan browser fuzz fuzz-build fuzz-smoke bench clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(NINJA_JOBS)

# Serves the demo programme; the database is made once and kept in var/.
run: build
	@mkdir -p $(dir $(DB))
	@test -f $(DB) || $(BUILD)/edubridge demo --db $(DB)
	$(BUILD)/edubridge demo --db $(DB) >/dev/null
	$(BUILD)/edubridge serve --db $(DB) --listen $(LISTEN)

# Every test suite: unit and integration tests, the same again under ASan and UBSan, the browser
# tests, and a short run of every fuzz target over its corpus.
check: build
	meson test -C $(BUILD) --print-errorlogs
	$(MAKE) asan
	$(MAKE) browser
	$(MAKE) fuzz-smoke
	@echo "make check: all suites passed"

asan: deps
	@test -f $(ASAN_BUILD)/build.ninja || meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(ASAN_BUILD) -j $(NINJA_JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN_BUILD) --print-errorlogs --timeout-multiplier 3

browser: build
	cd tests/browser && EDUBRIDGE_BIN=$(CURDIR)/$(BUILD)/edubridge OUT_DIR=$(CURDIR)/$(BUILD)/browser node run.mjs

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) --buildtype=debugoptimized -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false

fuzz-build: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) -j $(NINJA_JOBS)

# Long fuzzing: FUZZ_SECONDS per target (make fuzz FUZZ_SECONDS=600).
fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# In make check: the corpus and a few seconds of new inputs per target, to catch regressions.
fuzz-smoke: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) 5

bench: build
	bench/http.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
