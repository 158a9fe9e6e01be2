# The lab's entry points. On a fresh Debian 12 machine (as root) these install what is
# missing (scripts/install-deps.sh) and build what they need.
#   make bench-all [PROFILE=seed|quick|max|keepalive] [MODELS="single select"] [REPEAT=N] [LIVE=PORT] [OUT="prometheus=URL"] [SERVER_CPU_LIMIT=Q]
#   make test
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
WERROR ?= $(if $(CI),ON,OFF)
PROFILE ?= seed
MODELS ?=
REPEAT ?= 1
LIVE ?=
OUT ?=
LIVE_LINGER ?=
MATRIX ?=
SHARDS ?= 3
SERVER_CPUS ?= 0
SERVER_CPU_LIMIT ?=
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

.PHONY: all deps build tools test bench-all bench-distributed capacity h2-vs-h1 calibrate check-report compare baseline sanitize sanitize-quick sanitize-build tsan fuzz format format-check tidy clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja $(BUILD)/Makefile:
	@bash scripts/install-deps.sh
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLAB_WERROR=$(WERROR) $(CMAKE_FLAGS)

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

# Only the two executables (what bench-all, compare and baseline need).
tools: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS) --target server loadgen

# The tests need the two executables and the test binaries (not the microbenchmarks).
test: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS) --target server loadgen results_layer_check unit_tests integration_tests
	@bash scripts/install-deps.sh --test-tools
	cd $(BUILD) && ctest --output-on-failure --no-tests=error -j 2 --timeout 300

bench-all: tools
	@PROFILE="$(PROFILE)" MODELS="$(MODELS)" REPEAT="$(REPEAT)" SERVER_CPU_LIMIT="$(SERVER_CPU_LIMIT)" LIVE="$(LIVE)" LIVE_LINGER="$(LIVE_LINGER)" OUT="$(OUT)" BUILD="$(BUILD)" bash scripts/bench-all.sh

# The machine's own costs (fork, threads, switches, connections, readiness, copies), about 10 s.
#   make calibrate [SERVER_CPUS=0]
calibrate: tools
	@SERVER_CPUS="$(SERVER_CPUS)" BUILD="$(BUILD)" bash scripts/calibrate.sh

# Every model's capacity under every workload of bench/profiles/capacity/ (about 35 minutes).
#   make capacity [MATRIX="original backend-wait"] [MODELS="epoll threadpool"] [SERVER_CPUS=0] [SERVER_CPU_LIMIT=0.25]
capacity: tools
	@MATRIX="$(MATRIX)" MODELS="$(MODELS)" SERVER_CPUS="$(SERVER_CPUS)" SERVER_CPU_LIMIT="$(SERVER_CPU_LIMIT)" LIVE="$(LIVE)" LIVE_LINGER="$(LIVE_LINGER)" OUT="$(OUT)" BUILD="$(BUILD)" bash scripts/capacity.sh

# HTTP/1.1 against HTTP/2 at equal outstanding requests, on nginx and h2o (about 6 minutes).
#   make h2-vs-h1 [SERVERS="nginx h2o"] [DURATION=5]
h2-vs-h1: tools
	@bash scripts/install-deps.sh --compare-tools
	@SERVERS="$(SERVERS)" DURATION="$(DURATION)" BUILD="$(BUILD)" bash scripts/h2-vs-h1.sh

# The shards of one workload as separate hosts (network namespaces), started together and merged.
#   make bench-distributed [SHARDS=3]
bench-distributed: tools
	@SHARDS="$(SHARDS)" BUILD="$(BUILD)" bash scripts/bench-distributed.sh

# Renders the latest report in headless Chromium and checks its charts against the JSON.
check-report:
	@bash scripts/install-deps.sh --browser
	bash scripts/check-report.sh $(RUN)

compare: tools
	@test -n "$(BASE)" -a -n "$(CUR)" || { echo "usage: make compare BASE=results/baseline CUR=results/latest" >&2; exit 2; }
	$(BUILD)/loadgen/loadgen compare "$(BASE)" "$(CUR)" $(COMPARE_FLAGS)

baseline: tools
	@PROFILE=quick MODELS="$(MODELS)" REPEAT="$(if $(filter 1,$(REPEAT)),3,$(REPEAT))" BUILD="$(BUILD)" bash scripts/bench-all.sh
	bash scripts/update-baseline.sh

# The whole suite under ASan+UBSan (the nightly job); sanitize-quick, what CI runs on every
# submission: the unit tests and every integration suite (every model against hostile clients,
# real clients and the knobs; loadgen against hostile servers in plain HTTP and TLS; every
# loadgen suite on the default client path, io_uring; the live view; the main job's, capacity's
# and calibration's scripts) but the manifests' validation, a script that runs no program of
# ours, and the loadgen suites' second run on the sockets path (`sockets:`, in make test; the
# nightly sanitize runs it under ASan too).
sanitize: sanitize-build
	cd build-asan && $(ASAN_ENV) ctest --output-on-failure --no-tests=error -j 2 --timeout 600

sanitize-quick: sanitize-build
	cd build-asan && $(ASAN_ENV) ctest --output-on-failure --no-tests=error -j 2 --timeout 600 -L unit
	cd build-asan && $(ASAN_ENV) ctest --output-on-failure --no-tests=error -j 2 --timeout 600 \
	  -L integration -E '^(Kubernetes\.|sockets:)'

sanitize-build:
	@bash scripts/install-deps.sh --test-tools
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLAB_SANITIZE=ON -DLAB_BENCH=OFF -DLAB_WERROR=$(WERROR)
	cmake --build build-asan -j $(JOBS) --target server loadgen unit_tests integration_tests

ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

tsan:
	@bash scripts/install-deps.sh --test-tools
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DLAB_TSAN=ON -DLAB_BENCH=OFF -DLAB_WERROR=$(WERROR)
	cmake --build build-tsan -j $(JOBS) --target server loadgen unit_tests integration_tests
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ctest --output-on-failure --no-tests=error -j 2 --timeout 600

fuzz:
	@bash scripts/install-deps.sh --fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

# The checks CI runs: the tree is formatted as .clang-format says, and clang-tidy (.clang-tidy) is clean.
format-check:
	@bash scripts/install-deps.sh --lint
	clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.h')

tidy: build
	@bash scripts/install-deps.sh --lint
	bash scripts/tidy.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
