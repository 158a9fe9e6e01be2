#include "loadgen/run/request_book.h"

#include "loadgen/workload/data.h"
#include "loadgen/workload/request_spec.h"

namespace lab {

RequestBook::RequestBook(const Workload& w, std::size_t prebuilt_up_to)
    : wl_(w), rows_(w.data.given() ? w.data.row_count() : 1), per_row_(w.scenario.requests.size()) {
  if (rows_ * per_row_ > prebuilt_up_to) return;
  built_.resize(rows_ * per_row_);
  for (std::size_t row = 0; row < rows_; ++row)
    for (std::size_t k = 0; k < per_row_; ++k) build(row, k, built_[row * per_row_ + k]);
}

void RequestBook::build(std::size_t row, std::size_t k, WireRequest& out) const {
  const ScenarioRequest& r = wl_.scenario.requests[k];
  Url url = wl_.target;
  url.target = r.target;
  if (!wl_.data.given()) {
    out.bytes = build_request(url, r.spec, wl_.keepalive);
  } else {  // the row's values in their placeholders
    RequestSpec spec = r.spec;
    url.target = fill(r.target, wl_.data, row, true);
    spec.body = fill(spec.body, wl_.data, row, false);
    for (auto& h : spec.headers) h.second = fill(h.second, wl_.data, row, false);
    out.bytes = build_request(url, spec, wl_.keepalive);
  }
  out.head = r.spec.method == "HEAD";
}

}  // namespace lab
