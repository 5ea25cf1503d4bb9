#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (as root) and for CI:
#   ./build.sh run     install what is missing, build, and run the main job (replay the October
#                      2026 example through the SLA engine: events file plus a summary)
#   ./build.sh test    install what is missing, build, check formatting, and run every test (ctest),
#                      including the browser check of the HTML circular (headless Chromium),
#                      then every test again under AddressSanitizer and UndefinedBehaviorSanitizer
#                      (build/asan), then the threading tests under ThreadSanitizer (build/tsan),
#                      then each fuzz target for a bounded time (build/fuzz, tests/fuzz/smoke)
#   ./build.sh bench   install what is missing and print the benchmark figures
set -euo pipefail
cd "$(dirname "$0")"
what=${1:-run}

# Debian 12 packages only. apt-get runs only when something is missing.
packages=(build-essential cmake git tzdata clang-format clang-tidy
          libfmt-dev libhowardhinnant-date-dev libboost-date-time-dev libtomlplusplus-dev
          libcli11-dev nlohmann-json3-dev libsimdjson-dev libsqlite3-dev doctest-dev libtsan2 clang libclang-rt-14-dev
          pkg-config libcpp-httplib-dev  # dueday serve (src/service): cpp-httplib, found through pkg-config
          python3 curl  # the Python client and the README walkthrough run against a live server (tests/serve)
          nats-server libnats-dev)  # issue 12, cluster: JetStream servers for tests/cluster, the C client for src/cluster/nats_*
[ "$what" = bench ] && packages+=(libbenchmark-dev libquantlib0-dev)
# The browser check of the HTML circular (tests/browser): Debian's Chromium, a CJK font for it,
# pdftoppm for the PNG of its first printed page, and Node with npm for playwright-core. A Node from
# elsewhere (NodeSource) brings its own npm and conflicts with Debian's npm package, so node and npm
# are installed only when missing as commands.
if [ "$what" = test ]; then
  packages+=(chromium fonts-noto-cjk poppler-utils)
  command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc)
case "$what" in
  run)
    cmake --preset release >/dev/null
    # Only the CLI the main job runs: the tests are built and run by ./build.sh test.
    cmake --build --preset release -j"$jobs" --target dueday_cli
    ./examples/demo.sh build/release/dueday build/october-2026-events.jsonl
    ;;
  test)
    clang-format --dry-run -Werror include/dueday/*.hpp include/dueday/interop/*.hpp src/*.cpp src/detail/*.hpp \
      src/engine/*.cpp src/engine/*.hpp src/store/*.cpp src/store/*.hpp src/report/*.cpp src/report/*.hpp tests/*.hpp \
      src/monitor/*.cpp src/monitor/*.hpp src/service/*.cpp src/service/*.hpp src/cluster/*.cpp src/cluster/*.hpp \
      examples/*.cpp examples/*.hpp tests/*.cpp tests/install/*.cpp tests/subproject/*.cpp bench/*.cpp \
      tests/fuzz/*.cpp tests/fuzz/*.hpp tests/crash/*.cpp tests/serve/*.cpp tests/serve/*.hpp \
      tests/cluster/*.cpp tests/cluster/*.hpp
    # Time enters the library only as arguments: nothing in it reads a clock or the host zone.
    # The service and the NATS transport too: their clocks are functions the CLI gives them (the
    # grep reads comments as well, so no comment may show one either).
    if grep -rnE 'system_clock::now|steady_clock::now|std::time\(|localtime|getenv' include src; then
      echo "the library must not read a clock or the environment" >&2
      exit 1
    fi
    # playwright-core for the browser check, exactly as the committed lock file pins it; again only
    # when node_modules is missing or the lock file changed since.
    lock_sum=$(sha256sum tests/browser/package-lock.json | cut -d' ' -f1)
    if [ "$(cat tests/browser/node_modules/.dueday-lock 2>/dev/null)" != "$lock_sum" ]; then
      npm ci --prefix tests/browser --no-audit --no-fund --ignore-scripts
      echo "$lock_sum" > tests/browser/node_modules/.dueday-lock
    fi
    # Here everything the browser check needs is installed: a missing piece is a failure, not a skip.
    export DUEDAY_BROWSER_REQUIRED=1
    # So is nats-server: the cluster tests (tests/cluster) fail without it instead of skipping.
    export DUEDAY_CLUSTER_REQUIRED=1
    cmake --preset ci >/dev/null
    cmake --build --preset ci -j"$jobs"
    # GCC-only flags in compile_commands.json are not clang-tidy findings. One clang-tidy per core,
    # a few files each (serially it took five minutes of CI); xargs fails when any of them found one.
    printf '%s\n' src/*.cpp src/engine/*.cpp src/store/*.cpp src/report/*.cpp src/monitor/*.cpp src/service/*.cpp \
      src/cluster/*.cpp examples/*.cpp |
      xargs -P "$jobs" -n 4 clang-tidy -p build/ci --quiet --extra-arg=-Wno-unknown-warning-option 2>/dev/null
    ctest --preset ci -j"$jobs"
    # Every test again under AddressSanitizer and UndefinedBehaviorSanitizer (-O1, asserts on): the
    # doctest cases, the CLI, the examples. Any report fails its test. The two packaging consumers
    # (install, subproject) run in the ci build only: each builds dueday again, which under the
    # sanitizers took minutes of CI and checks CMake, not memory.
    cmake --preset asan >/dev/null
    cmake --build --preset asan -j"$jobs"
    ctest --preset asan -j"$jobs"
    # The threading cases again under ThreadSanitizer: a build of the library and that one program.
    cmake --preset tsan >/dev/null
    cmake --build --preset tsan -j"$jobs"
    # GCC 12's ThreadSanitizer cannot place its shadow memory when the kernel randomises mmap with
    # more bits than 28 (newer Ubuntu kernels use 32; google/sanitizers#1716): run it without
    # address randomisation there.
    tsan_run=()
    if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)" -gt 28 ]; then
      tsan_run=(setarch "$(uname -m)" -R)
    fi
    "${tsan_run[@]}" ctest --preset tsan
    # The libFuzzer targets (clang, AddressSanitizer, UBSan), each for DUEDAY_FUZZ_SECONDS (30) from
    # its seeds: a smoke run that catches regressions on the seeds' neighbourhood within CI's budget;
    # longer campaigns are run by hand (tests/fuzz/smoke says how).
    cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz -j"$jobs"
    tests/fuzz/smoke build/fuzz
    ;;
  bench)
    bench/run build/bench
    ;;
  *)
    echo "usage: ./build.sh run|test|bench" >&2
    exit 2
    ;;
esac
