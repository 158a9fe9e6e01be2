# The server's own cgroup (sourced by bench-all.sh, capacity.sh and the benches): loadgen reads its
# CPU time (--server-cgroup NAME: the service demand, D = the server's CPU per request), and
# SERVER_CPU_LIMIT=Q gives the server Q CPUs, as `docker run --cpus Q` or a Kubernetes CPU limit
# does (CFS bandwidth: Q x period of CPU time per period). cgroup v2 where the cpu controller is
# there, else v1's cpu and cpuacct hierarchies (this machine: v1, with a v2 hierarchy beside it
# that holds no cpu controller). Detected, not assumed.
#
#   server_cgroup_open NAME   creates the group (with the limit, if SERVER_CPU_LIMIT is set) and
#                             sets SERVER_CG (its name, for --server-cgroup), SERVER_CG_KIND,
#                             SERVER_CG_DIRS (its folders) and SERVER_CG_RUN (a command prefix that
#                             starts a program inside it). Returns 1 with CGROUP_ERROR when it
#                             cannot (not root, no writable hierarchy, a limit out of range).
#   server_cgroup_close       removes it, once its processes are gone.
#
# The period: 10 ms (SERVER_CPU_PERIOD_US). A throttled group waits for the next period, so the
# period bounds each pause: CFS's default of 100 ms would stop a server limited to 0.25 CPU for
# 75 ms in every 100, which lands in any p99; 10 ms pauses it 7.5 ms at most. Shorter periods
# cost the scheduler a timer per period and the kernel refuses quotas under 1 ms.
SERVER_CPU_PERIOD_US=${SERVER_CPU_PERIOD_US:-10000}
SERVER_CG=""; SERVER_CG_KIND=""; SERVER_CG_DIRS=(); SERVER_CG_RUN=(); CGROUP_ERROR=""

# mount point of a cgroup hierarchy: cgroup_mount cgroup2 | cgroup_mount cgroup OPTION
cgroup_mount() {
  awk -v t="$1" -v o="${2:-}" '$3 == t { if (o == "") { print $2; exit }
    n = split($4, a, ","); for (i = 1; i <= n; i++) if (a[i] == o) { print $2; exit } }' /proc/self/mounts
}

server_cgroup_open() {
  local name=$1 quota="" v2 acct cpu d
  SERVER_CG=""; SERVER_CG_KIND=""; SERVER_CG_DIRS=(); SERVER_CG_RUN=(); CGROUP_ERROR=""
  if [ "$(id -u)" -ne 0 ]; then
    CGROUP_ERROR="creating a cgroup for the server needs root (run as root, or leave SERVER_CPU_LIMIT unset)"
    return 1
  fi
  if [ -n "${SERVER_CPU_LIMIT:-}" ]; then
    quota=$(awk -v q="$SERVER_CPU_LIMIT" -v p="$SERVER_CPU_PERIOD_US" 'BEGIN {
      if (q !~ /^[0-9]*\.?[0-9]+$/ || q <= 0) exit 1; v = int(q * p + 0.5); if (v < 1000) exit 2; print v }') || {
      CGROUP_ERROR="SERVER_CPU_LIMIT=$SERVER_CPU_LIMIT: must be a number of CPUs > 0 whose quota per ${SERVER_CPU_PERIOD_US} us period is at least 1000 us (e.g. 0.25)"
      return 1
    }
  fi
  v2=$(cgroup_mount cgroup2)
  if [ -n "$v2" ] && grep -qw cpu "$v2/cgroup.controllers" 2>/dev/null; then
    grep -qw cpu "$v2/cgroup.subtree_control" 2>/dev/null || echo +cpu > "$v2/cgroup.subtree_control" 2>/dev/null ||
      { CGROUP_ERROR="cannot enable the cpu controller in $v2/cgroup.subtree_control"; return 1; }
    mkdir -p "$v2/$name" || { CGROUP_ERROR="cannot create $v2/$name"; return 1; }
    SERVER_CG_KIND=v2; SERVER_CG_DIRS=("$v2/$name")
    if [ -n "$quota" ]; then
      echo "$quota $SERVER_CPU_PERIOD_US" > "$v2/$name/cpu.max" || { CGROUP_ERROR="cannot write $v2/$name/cpu.max"; server_cgroup_close; return 1; }
    fi
  else
    acct=$(cgroup_mount cgroup cpuacct); cpu=$(cgroup_mount cgroup cpu)
    if [ -z "$acct" ] || [ -z "$cpu" ]; then
      CGROUP_ERROR="no cgroup hierarchy with CPU accounting here (neither v2 with the cpu controller nor v1's cpu and cpuacct are mounted)"
      return 1
    fi
    SERVER_CG_KIND=v1
    for d in "$acct/$name" "$cpu/$name"; do
      [ -d "$d" ] || mkdir "$d" || { CGROUP_ERROR="cannot create $d"; server_cgroup_close; return 1; }
      case " ${SERVER_CG_DIRS[*]} " in *" $d "*) ;; *) SERVER_CG_DIRS+=("$d") ;; esac
    done
    if [ -n "$quota" ]; then
      { echo "$SERVER_CPU_PERIOD_US" > "$cpu/$name/cpu.cfs_period_us" && echo "$quota" > "$cpu/$name/cpu.cfs_quota_us"; } ||
        { CGROUP_ERROR="cannot set the CPU limit in $cpu/$name"; server_cgroup_close; return 1; }
    fi
  fi
  SERVER_CG=$name
  SERVER_CG_RUN=(bash "$(dirname "${BASH_SOURCE[0]}")/cgexec.sh" "${SERVER_CG_DIRS[@]}" --)
}

server_cgroup_close() {
  local d i
  for d in "${SERVER_CG_DIRS[@]}"; do
    for i in $(seq 1 50); do  # (busy until the last of its processes has gone)
      rmdir "$d" 2>/dev/null && break
      [ -d "$d" ] || break
      sleep 0.1
    done
    [ -d "$d" ] && echo "cgroup: warning: $d could not be removed (processes still in it?)" >&2
  done
  SERVER_CG=""; SERVER_CG_DIRS=(); SERVER_CG_RUN=()
}
