#include "loadgen/measure/collector.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace lab {

void NameInterval::reset() {
  latency.reset();
  failed.reset();
  requests = failures = bytes = 0;
  errors.fill(0);
  status.clear();
  unexpected.clear();
}

void NameInterval::merge(const NameInterval& o) {
  latency.merge(o.latency);
  failed.merge(o.failed);
  requests += o.requests;
  failures += o.failures;
  bytes += o.bytes;
  for (std::size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
  for (const auto& [code, n] : o.status) status[code] += n;
  for (const auto& [code, n] : o.unexpected) unexpected[code] += n;
}

void Interval::reset() {
  latency.reset();
  uncorrected.reset();
  failed.reset();
  lag.reset();
  reap.reset();
  requests = failures = bytes = unsent = lag_sum_ns = lag_max_ns = lag_count = reap_max_ns = 0;
  late_sum_ns = late_count = 0;
  errors.fill(0);
  status.fill(0);
  unexpected.clear();
  for (auto& n : names) n.reset();
}

void WorkerStats::add_phases(const PhaseTimes& p) {
  if (p.connect_ns) phases_[0].record(p.connect_ns);
  if (p.tls_ns) phases_[1].record(p.tls_ns);
  if (p.queued) phases_[2].record(p.queued_ns);
  phases_[3].record(p.waiting_ns);
  phases_[4].record(p.receiving_ns);
}

void WorkerStats::add_phases_to(PhaseHistograms& into) {
  std::lock_guard lk(mu_);
  for (std::size_t i = 0; i < into.size(); ++i) into[i].merge(phases_[i]);
}

PhaseHistograms Collector::phases() const {
  PhaseHistograms all;
  for (WorkerStats* w : workers_) w->add_phases_to(all);
  return all;
}

void Interval::add_lag(std::uint64_t lag_ns) {
  lag_sum_ns += lag_ns;
  ++lag_count;
  if (lag_ns > lag_max_ns) lag_max_ns = lag_ns;
  lag.record(lag_ns);
}

void Interval::merge(const Interval& o) {
  latency.merge(o.latency);
  uncorrected.merge(o.uncorrected);
  failed.merge(o.failed);
  lag.merge(o.lag);
  reap.merge(o.reap);
  if (o.reap_max_ns > reap_max_ns) reap_max_ns = o.reap_max_ns;
  requests += o.requests;
  failures += o.failures;
  bytes += o.bytes;
  unsent += o.unsent;
  lag_sum_ns += o.lag_sum_ns;
  lag_count += o.lag_count;
  late_sum_ns += o.late_sum_ns;
  late_count += o.late_count;
  if (o.lag_max_ns > lag_max_ns) lag_max_ns = o.lag_max_ns;
  for (std::size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
  for (std::size_t i = 0; i < status.size(); ++i) status[i] += o.status[i];
  for (const auto& [code, n] : o.unexpected) unexpected[code] += n;
  if (names.size() < o.names.size()) names.resize(o.names.size());
  for (std::size_t i = 0; i < o.names.size(); ++i) names[i].merge(o.names[i]);
}

namespace {
void count_status(Interval& in, int status) {
  if (status >= kFirstStatus && status < kFirstStatus + static_cast<int>(kStatusSlots))
    ++in.status[status - kFirstStatus];
}
}  // namespace

void WorkerStats::record_success(int status, std::uint64_t latency_ns, std::uint64_t uncorrected_ns,
                                 std::uint64_t bytes, std::uint64_t lag_ns, int name, const PhaseTimes& phases) {
  std::lock_guard lk(mu_);
  cur_.add_lag(lag_ns);
  cur_.latency.record(latency_ns);
  if (uncorrected_ns) cur_.uncorrected.record(uncorrected_ns);
  count_status(cur_, status);
  ++cur_.requests;
  cur_.bytes += bytes;
  add_phases(phases);
  if (name >= 0 && static_cast<std::size_t>(name) < cur_.names.size()) {
    NameInterval& n = cur_.names[static_cast<std::size_t>(name)];
    n.latency.record(latency_ns);
    ++n.requests;
    n.bytes += bytes;
    ++n.status[status];
  }
}

void WorkerStats::record_reap(std::uint64_t gap_ns) {
  std::lock_guard lk(mu_);
  cur_.reap.record(gap_ns);
  if (gap_ns > cur_.reap_max_ns) cur_.reap_max_ns = gap_ns;
}

void WorkerStats::set_names(std::size_t n) {
  std::lock_guard lk(mu_);
  names_ = n;
  cur_.names.resize(n);
}

void WorkerStats::record_failure(ErrorKind kind, int status, double at_s, const std::string& detail,
                                 std::uint64_t latency_ns, std::uint64_t lag_ns, int name, const PhaseTimes* phases) {
  std::lock_guard lk(mu_);
  cur_.add_lag(lag_ns);
  if (phases) add_phases(*phases);
  cur_.failed.record(latency_ns);
  count_status(cur_, status);
  ++cur_.requests;
  ++cur_.failures;
  if (kind != ErrorKind::kUnexpectedStatus)
    ++cur_.errors[static_cast<std::size_t>(kind)];
  else
    ++cur_.unexpected[status];
  if (name >= 0 && static_cast<std::size_t>(name) < cur_.names.size()) {
    NameInterval& n = cur_.names[static_cast<std::size_t>(name)];
    n.failed.record(latency_ns);
    ++n.requests;
    ++n.failures;
    if (status) ++n.status[status];
    if (kind != ErrorKind::kUnexpectedStatus)
      ++n.errors[static_cast<std::size_t>(kind)];
    else
      ++n.unexpected[status];
  } else {
    name = -1;
  }
  ErrorSeen& s = seen_[error_key(kind, kind == ErrorKind::kUnexpectedStatus ? status : 0, name)];
  if (s.first_s < 0) {
    s.first_s = at_s;
    s.example = kind == ErrorKind::kUnexpectedStatus ? "HTTP " + std::to_string(status) : detail;
  }
  s.last_s = at_s;
}

void WorkerStats::record_unsent(const UnsentSlots& slots) {
  std::lock_guard lk(mu_);
  cur_.latency.record_series(slots.first_late_ns, slots.step_ns, slots.count);
  cur_.unsent += slots.count;
}

void WorkerStats::record_late_send(std::uint64_t late_ns) {
  std::lock_guard lk(mu_);
  cur_.late_sum_ns += late_ns;
  ++cur_.late_count;
}

void WorkerStats::swap_interval(Interval& into) {
  std::lock_guard lk(mu_);
  std::swap(cur_, into);
  if (cur_.names.size() < names_) cur_.names.resize(names_);
}

std::map<std::uint32_t, ErrorSeen> WorkerStats::errors_seen() {
  std::lock_guard lk(mu_);
  return seen_;
}

void WorkerStats::attach_thread() {
  tid_ = static_cast<long>(::syscall(SYS_gettid));
  if (pthread_getcpuclockid(pthread_self(), &cpu_clock_) == 0) attached_.store(true, std::memory_order_release);
}

ThreadTime WorkerStats::thread_time() const {
  if (source_) return source_();
  if (detached_.load(std::memory_order_acquire)) return frozen_;
  ThreadTime t;
  if (!attached_.load(std::memory_order_acquire)) return t;
  timespec ts{};
  if (clock_gettime(cpu_clock_, &ts) == 0)
    t.cpu_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
  t.busy_ns = t.cpu_ns;
  const std::string path = "/proc/self/task/" + std::to_string(tid_) + "/schedstat";
  if (std::FILE* f = std::fopen(path.c_str(), "r")) {
    unsigned long long run = 0, wait = 0;
    if (std::fscanf(f, "%llu %llu", &run, &wait) == 2) t.busy_ns = run + wait;
    std::fclose(f);
  }
  return t;
}

void WorkerStats::detach_thread() {
  frozen_ = thread_time();
  detached_.store(true, std::memory_order_release);
}

Collector::Collector(std::vector<WorkerStats*> workers) : workers_(std::move(workers)), time_at_tick_(workers_.size()) {
  for (std::size_t i = 0; i < workers_.size(); ++i) time_at_tick_[i] = workers_[i]->thread_time();
}

const SeriesPoint& Collector::tick(int seconds, double length_s, int users, std::optional<ServerInterval> server) {
  merged_.reset();
  double cpu_sum = 0, busy_sum = 0;
  bool clocks = true;
  bool busy_second = false;
  std::uint64_t busy_second_lag = 0;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    WorkerStats* w = workers_[i];
    scratch_.reset();
    w->swap_interval(scratch_);  // scratch_ now holds the worker's interval
    merged_.merge(scratch_);
    // How busy this thread was over the interval; its lag counts as the client's own when busy.
    const ThreadTime now = w->thread_time();
    if (now.cpu_ns == 0) clocks = false;
    auto share = [&](std::uint64_t a, std::uint64_t b) {
      return length_s > 0 && b >= a ? static_cast<double>(b - a) / 1e9 / length_s : 0.0;
    };
    const double busy = share(time_at_tick_[i].busy_ns, now.busy_ns);
    const double cpu = share(time_at_tick_[i].cpu_ns, now.cpu_ns);
    cpu_sum += cpu;
    busy_sum += busy;
    if (now.cpu_ns) {
      busy_total_s_ += std::min(1.0, busy) * length_s;
      cpu_total_s_ += std::min(1.0, cpu) * length_s;
      thread_s_ += length_s;
    }
    time_at_tick_[i] = now;
    if (busy >= kBusyShare) {
      busy_lag_.merge(scratch_.lag);
      busy_s_ += length_s;
      busy_second = true;
      if (scratch_.lag.count()) busy_second_lag = std::max(busy_second_lag, scratch_.lag.percentile(99));
    }
  }
  if (busy_second) busy_lag_by_second_.push_back(busy_second_lag);
  ++seconds_;
  total_.merge(merged_);

  SeriesPoint p;
  p.t = seconds;
  p.length_s = length_s;
  p.partial = length_s < 0.999;
  p.users = users;
  p.requests = merged_.requests;
  p.failures = merged_.failures;
  p.bytes = merged_.bytes;
  p.lag_avg_ms = merged_.lag_count ? ns_to_ms(merged_.lag_sum_ns / merged_.lag_count) : 0;
  p.lag_max_ms = ns_to_ms(merged_.lag_max_ns);
  if (merged_.reap.count()) p.reap_max_ms = ns_to_ms(merged_.reap_max_ns);
  if (server) {
    p.server_cpu_s = server->cpu_s;
    p.server_throttled_s = server->throttled_s;
  }
  p.late_ms = merged_.late_count ? ns_to_ms(merged_.late_sum_ns / merged_.late_count) : 0;
  p.finish(merged_.latency);
  for (std::size_t i = 0; i < names_.size(); ++i) {
    NamePoint& n = p.names.emplace_back();
    n.name = names_[i];
    if (i >= merged_.names.size()) continue;
    const NameInterval& m = merged_.names[i];
    n.requests = m.requests;
    n.failures = m.failures;
    n.bytes = m.bytes;
    n.finish(m.latency, length_s);
  }
  if (clocks && !workers_.empty()) {
    p.cpu_pct = 100.0 * cpu_sum / static_cast<double>(workers_.size());
    p.busy_pct = 100.0 * busy_sum / static_cast<double>(workers_.size());
  }
  series_.push_back(std::move(p));
  return series_.back();
}

std::vector<ErrorEntry> Collector::errors(int name) const {
  std::map<std::uint32_t, ErrorSeen> seen;  // by kind and code: the names folded, or one name's
  for (WorkerStats* w : workers_) {
    for (const auto& [full_key, s] : w->errors_seen()) {
      const int key_name = static_cast<int>(full_key >> 18) - 1;
      if (name >= 0 && key_name != name) continue;
      ErrorSeen& m = seen[full_key & 0x3ffffu];
      if (m.first_s < 0 || s.first_s < m.first_s) {
        m.first_s = s.first_s;
        m.example = s.example;
      }
      if (s.last_s > m.last_s) m.last_s = s.last_s;
    }
  }
  std::vector<ErrorEntry> out;
  for (const auto& [key, s] : seen) {
    const auto kind = static_cast<ErrorKind>(key & 0xff);
    const int code = static_cast<int>(key >> 8);
    std::uint64_t count = 0;
    if (name >= 0) {
      const NameInterval& n = total_.names.at(static_cast<std::size_t>(name));
      if (kind == ErrorKind::kUnexpectedStatus) {
        auto it = n.unexpected.find(code);
        count = it == n.unexpected.end() ? 0 : it->second;
      } else {
        count = n.errors[static_cast<std::size_t>(kind)];
      }
    } else if (kind == ErrorKind::kUnexpectedStatus) {
      auto it = total_.unexpected.find(code);
      count = it == total_.unexpected.end() ? 0 : it->second;
    } else {
      count = total_.errors[static_cast<std::size_t>(kind)];
    }
    if (count == 0) continue;  // seen only after the end of the run (not counted)
    out.push_back({error_name(kind, code), count, s.first_s, s.last_s, s.example});
  }
  return out;
}

}  // namespace lab
