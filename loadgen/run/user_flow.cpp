#include "loadgen/run/user_flow.h"

#include <algorithm>
#include <chrono>

#include "loadgen/flow/check.h"
#include "loadgen/flow/extract.h"
#include "loadgen/flow/reply.h"
#include "common/text.h"

namespace lab {

namespace {

double wall_now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

}  // namespace

int FlowPlan::var_id(const std::string& name) const {
  const auto it = std::find(vars_.begin(), vars_.end(), name);
  return it == vars_.end() ? -1 : static_cast<int>(it - vars_.begin());
}

FlowPlan::FlowPlan(const Workload& w) : wl_(w) {
  const Scenario& s = w.scenario;
  vars_ = s.variables();
  var_in_header_.assign(vars_.size(), false);
  cookies_ = w.cookies && s.from_file() && !w.http2.on();
  bool any = cookies_;
  for (const auto& r : s.requests) {
    PerRequest p;
    p.request_path = path_of(r.target);
    auto note = [&](const std::string& text, bool header) {
      for (const auto& name : placeholders(text)) {
        const int id = var_id(name);
        if (id < 0) continue;  // a data column's
        if (std::find(p.needs.begin(), p.needs.end(), id) == p.needs.end()) p.needs.push_back(id);
        if (header) var_in_header_[static_cast<std::size_t>(id)] = true;
      }
    };
    note(r.target, true);
    note(r.spec.body, false);
    for (const auto& h : r.spec.headers) note(h.second, true);
    for (const auto& e : r.extracts) {
      p.sets.push_back(var_id(e.variable));
      p.keep_body = p.keep_body || e.needs_body();
      p.keep_headers = p.keep_headers || e.from == ExtractSpec::From::kHeader;
    }
    p.first_check = check_slots_;
    check_slots_ += r.checks.size();
    for (const auto& c : r.checks) {
      p.keep_body = p.keep_body || c.needs_body();
      p.keep_headers = p.keep_headers || c.kind == CheckSpec::Kind::kHeader;
      p.status_check = p.status_check || c.kind == CheckSpec::Kind::kStatus;
    }
    any = any || !r.checks.empty() || !r.extracts.empty() || !p.needs.empty();
    reqs_.push_back(std::move(p));
  }
  active_ = any;
}

std::unique_ptr<UserFlow> FlowPlan::new_user() const {
  auto u = std::make_unique<UserFlow>();
  u->vars.resize(vars_.size());
  u->capture.max_body = wl_.max_body;
  return u;
}

FlowCounts FlowPlan::new_counts() const {
  FlowCounts c;
  c.check_pass.assign(check_slots_, 0);
  c.check_fail.assign(check_slots_, 0);
  c.skipped.assign(reqs_.size() * vars_.size(), 0);
  return c;
}

const WireRequest* FlowPlan::prepare(UserFlow& u, const RequestBook& book, std::size_t row, std::size_t k,
                                     WireRequest& scratch, FlowCounts& counts, std::string& missing) const {
  const PerRequest& p = reqs_[k];
  for (const int id : p.needs)
    if (!u.vars[static_cast<std::size_t>(id)]) {
      missing = vars_[static_cast<std::size_t>(id)];
      ++counts.skipped[k * vars_.size() + static_cast<std::size_t>(id)];
      return nullptr;
    }
  const bool https = wl_.target.scheme == "https";
  std::string cookie;
  std::size_t sent = 0;
  if (p.needs.empty()) {
    if (!u.jar.empty()) cookie = u.jar.header_for(wl_.target.host, p.request_path, https, wall_now_s(), &sent);
    if (cookie.empty()) return &book.get(row, k, scratch);  // as prebuilt: nothing of the user's in it
  }
  const ValueOf vars = [&](const std::string& name) -> std::optional<std::string_view> {
    const int id = var_id(name);
    if (id < 0 || !u.vars[static_cast<std::size_t>(id)]) return std::nullopt;
    return *u.vars[static_cast<std::size_t>(id)];
  };
  Url url;
  RequestSpec spec;
  book.fill_request(row, k, &vars, url, spec);
  if (!p.needs.empty() && !u.jar.empty())  // the path as filled
    cookie = u.jar.header_for(url.host, path_of(url.target), https, wall_now_s(), &sent);
  if (!cookie.empty()) {
    counts.cookies_sent += sent;
    auto given = std::find_if(spec.headers.begin(), spec.headers.end(),
                              [](const auto& h) { return iequals(h.first, "Cookie"); });
    if (given != spec.headers.end())
      given->second += "; " + cookie;  // the scenario's own cookies, then the jar's: one header (RFC 6265 5.4)
    else
      spec.headers.emplace_back("Cookie", cookie);
  }
  scratch.bytes = build_request(url, spec, wl_.keepalive);
  scratch.head = spec.method == "HEAD";
  return &scratch;
}

ResponseCapture* FlowPlan::capture_for(UserFlow& u, std::size_t k) const {
  const PerRequest& p = reqs_[k];
  if (!p.keep_headers && !p.keep_body && !cookies_) return nullptr;  // status and time checks read no response
  u.capture.keep_body = p.keep_body;
  u.capture.cookies_only = !p.keep_headers;  // the jar reads Set-Cookie; nothing else reads headers
  return &u.capture;
}

FlowFailure FlowPlan::after(UserFlow& u, std::size_t k, int status, bool status_ok, double elapsed_ms,
                            FlowCounts& counts, std::string& detail) const {
  const PerRequest& p = reqs_[k];
  const ScenarioRequest& r = wl_.scenario.requests[k];
  const bool https = wl_.target.scheme == "https";
  const double now = wall_now_s();
  if (cookies_) {
    const ResponseCapture& c = u.capture;
    for (std::size_t i = 0; i < c.header_count; ++i)
      if (iequals(c.headers[i].first, "Set-Cookie") &&
          u.jar.receive(c.headers[i].second, wl_.target.host, p.request_path, https, now))
        ++counts.cookies_set;
  }
  // Without a status check, --expect-status judged the status: a failure the caller has already,
  // which the checks then do not replace (they are counted all the same).
  FlowFailure failure = FlowFailure::kNone;
  const Reply reply(status, u.capture, elapsed_ms);
  const bool body_cut = p.keep_body && u.capture.body_over;
  for (std::size_t j = 0; j < r.checks.size(); ++j) {
    const CheckSpec& c = r.checks[j];
    std::string why;
    if (body_cut && c.needs_body())
      why = "the body is longer than --max-body (" + std::to_string(wl_.max_body) + " bytes)";
    else
      why = run_check(c, reply);
    const std::size_t slot = p.first_check + j;
    if (why.empty()) {
      ++counts.check_pass[slot];
      continue;
    }
    ++counts.check_fail[slot];
    if (failure == FlowFailure::kNone && (p.status_check || status_ok)) {
      failure = body_cut && c.needs_body() ? FlowFailure::kBodyTooLarge : FlowFailure::kCheck;
      detail = "check " + c.name + " of '" + r.name + "': " + why;
    }
  }
  const JarView jar{cookies_ ? &u.jar : nullptr, wl_.target.host, https, now};
  for (std::size_t j = 0; j < r.extracts.size(); ++j) {
    const ExtractSpec& e = r.extracts[j];
    const auto id = static_cast<std::size_t>(p.sets[j]);
    std::string why;
    std::optional<std::string> v;
    if (body_cut && e.needs_body())
      why = "the body is longer than --max-body (" + std::to_string(wl_.max_body) + " bytes)";
    else
      v = run_extract(e, reply, jar, why);
    if (v && var_in_header_[id] && v->find_first_of("\r\n") != std::string::npos) {
      why = "the value holds a line break, and a path or header uses it";
      v.reset();
    }
    u.vars[id] = std::move(v);  // a value not found unsets the variable: later requests that need it are skipped
    if (!u.vars[id] && failure == FlowFailure::kNone && (p.status_check || status_ok)) {
      failure = body_cut && e.needs_body() ? FlowFailure::kBodyTooLarge : FlowFailure::kExtract;
      detail = "extract " + e.variable + " from '" + r.name + "': " + why;
    }
  }
  return failure;
}

FlowStats FlowPlan::stats(const std::vector<const FlowCounts*>& counts) const {
  FlowStats f;
  f.cookies = cookies_;
  const auto& reqs = wl_.scenario.requests;
  for (std::size_t k = 0; k < reqs.size(); ++k)
    for (std::size_t j = 0; j < reqs[k].checks.size(); ++j) {
      CheckTally t{reqs[k].name, reqs[k].checks[j].name, 0, 0};
      for (const FlowCounts* c : counts) {
        t.passes += c->check_pass[reqs_[k].first_check + j];
        t.fails += c->check_fail[reqs_[k].first_check + j];
      }
      f.checks.push_back(std::move(t));
    }
  for (std::size_t k = 0; k < reqs.size(); ++k)
    for (std::size_t v = 0; v < vars_.size(); ++v) {
      std::uint64_t n = 0;
      for (const FlowCounts* c : counts) n += c->skipped[k * vars_.size() + v];
      if (n) f.skipped.push_back({reqs[k].name, vars_[v], n});
    }
  for (const FlowCounts* c : counts) {
    f.cookies_set += c->cookies_set;
    f.cookies_sent += c->cookies_sent;
  }
  return f;
}

}  // namespace lab
