#include "loadgen/workload/workload.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "loadgen/workload/redact.h"

namespace lab {

void Workload::set_wait(const WaitShape& w) {
  const bool between = w.kind == WaitKind::kBetween;
  wait_min_s = between ? w.a : w.mean_gap_s();
  wait_max_s = between ? w.b : w.mean_gap_s();
  wait_shape = between ? std::nullopt : std::optional<WaitShape>(w);
}

const char* Http2Options::protocol() const {
  switch (mode) {
    case Mode::kAlpn: return "h2";
    case Mode::kPriorKnowledge: return "h2c";
    case Mode::kOff: break;
  }
  return "http/1.1";
}

nlohmann::json workload_json(const Workload& w) {
  std::vector<std::string> redacted;
  const std::string url = redact_url(w.url);
  if (url != w.url) redacted.push_back("url userinfo");
  nlohmann::json j = {{"url", url},
                      {"path", w.target.target},
                      {"mode", to_string(w.mode)},
                      {"users", w.users},
                      {"spawn_rate", w.spawn_rate},
                      {"run_time_s", std::chrono::duration<double>(w.run_time).count()},
                      {"wait_min_s", w.mode == LoadMode::kUsers ? w.wait_min_s : 0.0},
                      {"wait_max_s", w.mode == LoadMode::kUsers ? w.wait_max_s : 0.0},
                      {"rate", w.rate},
                      {"poisson", w.poisson},
                      {"keepalive", w.keepalive},
                      {"threads", w.threads},
                      {"timeout_s", std::chrono::duration<double>(w.timeout).count()},
                      {"expect_status", w.expect_status.spec()},
                      {"seed", w.seed}};
  // Written only when they differ from the defaults, so that earlier results stay comparable.
  if (w.request.method != "GET") j["method"] = w.request.method;
  if (!w.request.headers.empty()) {
    nlohmann::json h = nlohmann::json::array();
    for (const auto& [k, v] : w.request.headers) {
      h.push_back(redact_header(k + ": " + v));
      if (is_secret_header(k)) redacted.push_back("header " + k);
    }
    j["headers"] = h;
  }
  if (!w.request.body.empty()) j["body_bytes"] = w.request.body.size();
  if (w.target.scheme == "https")
    j["tls"] = {{"verify", !w.tls.insecure}, {"cacert", !w.tls.cacert.empty()}, {"resume", w.tls.resume}};
  if (w.http2.on())
    j["http2"] = {{"protocol", w.http2.protocol()}, {"streams", w.http2.streams}, {"window_bits", w.http2.window_bits}};
  if (w.scenario.from_file()) {
    j["scenario"] = w.scenario.to_json();
    j["cookies"] = w.cookies && !w.http2.on();  // each user's jar (the HTTP/2 path keeps none)
    j["max_body"] = w.max_body;
  }
  if (w.data.given()) j["data"] = w.data.to_json();
  if (w.mode == LoadMode::kUsers && w.wait_shape) j["wait"] = wait_text(*w.wait_shape);
  if (w.addresses == AddressPolicy::kRoundRobin) j["addresses"] = "round-robin";
  if (!w.stages.empty()) {
    j["stages"] = stages_json(w.stages);
    j["stages_target"] = w.mode == LoadMode::kRate ? "rate" : "users";
  }
  for (const auto& r : w.scenario.requests)
    for (const auto& [k, v] : r.spec.headers)
      if (is_secret_header(k) && w.scenario.from_file()) redacted.push_back("header " + k);
  add_redacted(j, redacted);
  return j;
}

void add_redacted(nlohmann::json& workload, const std::vector<std::string>& what) {
  if (what.empty()) return;
  std::vector<std::string> all = workload.value("redacted", std::vector<std::string>{});
  for (const auto& w : what)
    if (std::find(all.begin(), all.end(), w) == all.end()) all.push_back(w);
  workload["redacted"] = all;
}

}  // namespace lab
