#include "loadgen/run/request_book.h"

#include <algorithm>

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
  if (!wl_.data.given()) {
    Url url = wl_.target;
    url.target = r.target;
    out.bytes = build_request(url, r.spec, wl_.keepalive);
  } else {  // the row's values in their placeholders
    Url url;
    RequestSpec spec;
    fill_request(row, k, nullptr, url, spec);
    out.bytes = build_request(url, spec, wl_.keepalive);
  }
  out.head = r.spec.method == "HEAD";
}

void RequestBook::fill_request(std::size_t row, std::size_t k, const ValueOf* vars, Url& url, RequestSpec& spec) const {
  const ScenarioRequest& r = wl_.scenario.requests[k];
  const DataSet& data = wl_.data;
  const ValueOf value = [&](const std::string& name) -> std::optional<std::string_view> {
    if (data.given()) {
      const auto it = std::find(data.columns.begin(), data.columns.end(), name);
      if (it != data.columns.end()) return data.value(row, static_cast<std::size_t>(it - data.columns.begin()));
    }
    return vars ? (*vars)(name) : std::nullopt;
  };
  url = wl_.target;
  spec = r.spec;
  url.target = fill_with(r.target, value, true);
  spec.body = fill_with(spec.body, value, false);
  for (auto& h : spec.headers) h.second = fill_with(h.second, value, false);
}

}  // namespace lab
