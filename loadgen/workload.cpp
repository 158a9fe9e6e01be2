#include "loadgen/workload.h"

#include <nlohmann/json.hpp>

namespace lab {

nlohmann::json workload_json(const Workload& w) {
  nlohmann::json j = {{"url", w.url},
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
    for (const auto& [k, v] : w.request.headers) h.push_back(k + ": " + v);
    j["headers"] = h;
  }
  if (!w.request.body.empty()) j["body_bytes"] = w.request.body.size();
  if (w.target.scheme == "https")
    j["tls"] = {{"verify", !w.tls.insecure}, {"cacert", !w.tls.cacert.empty()}, {"resume", w.tls.resume}};
  if (w.scenario.from_file()) j["scenario"] = w.scenario.to_json();
  if (w.addresses == AddressPolicy::kRoundRobin) j["addresses"] = "round-robin";
  if (!w.stages.empty()) {
    j["stages"] = stages_json(w.stages);
    j["stages_target"] = w.mode == LoadMode::kRate ? "rate" : "users";
  }
  return j;
}

}  // namespace lab
