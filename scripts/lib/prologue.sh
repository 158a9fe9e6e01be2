# The prologue every job script shares (bench-all.sh, capacity.sh, calibrate.sh): where the tree,
# the build, the executables and the results are, and how a job refuses to start.
#   JOB=bench-all; source "$(dirname "$0")/lib/prologue.sh"
#   BUILD=build (relative to the tree, or absolute)   RESULTS=results
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
SERVER="$BUILD/server/server"
LOADGEN="$BUILD/loadgen/loadgen"
RESULTS=${RESULTS:-$ROOT/results}
source "$ROOT/scripts/lib/server.sh"

die() { echo "$JOB: $*" >&2; exit 2; }
# need_tools EXECUTABLE...: each built, and jq present; else the job says what to run.
need_tools() {
  local x
  for x in "$@"; do [ -x "$x" ] || die "build first: $x is missing (make $JOB builds it)"; done
  command -v jq >/dev/null || die "jq is missing (scripts/install-deps.sh installs it)"
}
