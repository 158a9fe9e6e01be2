#!/usr/bin/env bash
# The original tool on the original workload, for comparison with bench/seed_workload.sh:
# Locust (Debian's python3-locust) with the original locustfile, 10,000 users at 1,000/s for
# 60 s, against nginx-light, pinned like loadgen. Prints requests, median, p99 and Locust's CPU.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need locust; need taskset
USERS=${USERS:-10000}; RATE=${RATE:-1000}; RUN=${RUN:-60s}
port=$(free_port); start_nginx "$port" 120 1
dir=$(mktemp -d)
timed /dev/null locust -f "$ROOT/bench/locustfile.py" --headless -u "$USERS" -r "$RATE" -t "$RUN" \
  -H "http://127.0.0.1:$port" --csv "$dir/locust" --only-summary --loglevel WARNING
stop_nginx
# Aggregated row: Request Count, Failure Count, Median, Average, ..., 99% (Locust 2.x columns)
awk -F, -v cpu="$TIMED_CPU" -v rss="$TIMED_RSS_KB" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  $2 == "Aggregated" || $2 == "\"Aggregated\"" {
    printf "locust: requests %s, failures %s, median %s ms, average %.1f ms, p99 %s ms, req/s %.1f, CPU %.1f s, peak RSS %d MiB\n",
      $col["Request Count"], $col["Failure Count"], $col["Median Response Time"], $col["Average Response Time"],
      $col["99%"], $col["Requests/s"], cpu, rss / 1024 }' "$dir/locust_stats.csv"
rm -rf "$dir"
