#!/usr/bin/env bash
# Installs the Debian packages the lab needs, only those that are missing.
# Quiet when everything is present; a clear message when it must install but is not root.
set -euo pipefail

# package -> what needs it
BUILD_PKGS=(g++ cmake make pkg-config libboost-dev libboost-program-options-dev libboost-regex-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev liburing-dev libssl-dev libnghttp2-dev libprotobuf-dev protobuf-compiler libsnappy-dev zlib1g-dev util-linux procps jq curl)
EXTRA_PKGS=()
LEAN_PKGS=()  # installed without their recommendations (prometheus would bring exporters and services)
for arg in "$@"; do
  case "$arg" in
    --compare-tools) EXTRA_PKGS+=(wrk nginx-light apache2-utils hyperfine time python3 nghttp2-client nghttp2-server h2o openssl) ;;
    --test-tools)
      EXTRA_PKGS+=(wrk apache2-utils nghttp2-client curl iproute2)  # the interop test's clients; netns
      EXTRA_PKGS+=(nginx-light openssl)  # the HTTPS tests' server and its certificates
      EXTRA_PKGS+=(nghttp2-server)  # nghttpd: an HTTP/2 server for the h2 tests
      EXTRA_PKGS+=(chromium python3)  # the live view's page, loaded mid-run (tests/checks/check-live.sh)
      LEAN_PKGS+=(prometheus)  # promtool checks the live view's /metrics; the remote-write output's receiver
      LEAN_PKGS+=(influxdb)  # the InfluxDB output's receiver (1.6), started by its test
      # node and npm validate the Kubernetes manifests offline; a node from elsewhere will do
      command -v npm >/dev/null && command -v node >/dev/null || EXTRA_PKGS+=(nodejs npm) ;;
    --fuzz) EXTRA_PKGS+=(clang libclang-rt-14-dev) ;;
    --browser) EXTRA_PKGS+=(chromium) ;;
    --lint) EXTRA_PKGS+=(clang-format clang-tidy) ;;
    *) echo "install-deps: unknown option '$arg' (use --compare-tools, --test-tools, --fuzz, --browser, --lint)" >&2; exit 2 ;;
  esac
done

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=(); lean=()
for p in "${BUILD_PKGS[@]}" "${EXTRA_PKGS[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${LEAN_PKGS[@]}"; do installed "$p" || lean+=("$p"); done
[ ${#missing[@]} -eq 0 ] && [ ${#lean[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]} ${lean[*]}" >&2
  echo "install-deps: run as root, or: sudo apt-get install -y ${missing[*]} ${lean[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]} ${lean[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
: > /tmp/lab-apt.log
apt_install() {  # [--no-install-recommends] PACKAGE...; an update and one retry when it fails
  apt-get install -y -qq "$@" >>/tmp/lab-apt.log 2>&1 && return 0
  apt-get update -qq >>/tmp/lab-apt.log 2>&1 || true
  apt-get install -y -qq "$@" >>/tmp/lab-apt.log 2>&1 && return 0
  echo "install-deps: apt-get failed; see /tmp/lab-apt.log" >&2
  tail -5 /tmp/lab-apt.log >&2
  exit 1
}
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
[ ${#lean[@]} -eq 0 ] || apt_install --no-install-recommends "${lean[@]}"
