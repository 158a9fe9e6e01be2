#pragma once
// The scenario's requests as sent: request k of --data row r (without --data, one row). Where
// they are few (rows x requests up to kPrebuilt) each is built once before the run and sent as it
// stands; where they are many they are built as sent, into the user's own buffer: a million rows
// prebuilt held about 160 bytes a request beside the data itself (405 MB for a 17.8 MB file).
// One function builds both ways, so the two cannot differ (RequestBook.PrebuiltAndBuiltAsSentAreTheSameBytes).
#include <cstddef>
#include <string>
#include <vector>

#include "loadgen/workload/workload.h"

namespace lab {

/// A scenario's request as sent: its bytes.
struct WireRequest {
  std::string bytes;
  bool head = false;  // HEAD: the response has no body
};

class RequestBook {
 public:
  /// Requests up to this many (rows x the scenario's requests) are prebuilt.
  static constexpr std::size_t kPrebuilt = 65536;

  /// `w` must outlive the book (the run's own workload).
  explicit RequestBook(const Workload& w, std::size_t prebuilt_up_to = kPrebuilt);
  std::size_t rows() const { return rows_; }
  std::size_t per_row() const { return per_row_; }
  bool prebuilt() const { return !built_.empty(); }
  /// Request k of row `row`: the prebuilt one, or built into `scratch` (reused: its buffer stays).
  const WireRequest& get(std::size_t row, std::size_t k, WireRequest& scratch) const {
    if (!built_.empty()) return built_[row * per_row_ + k];
    build(row, k, scratch);
    return scratch;
  }
  /// Builds request k of row `row` into `out`.
  void build(std::size_t row, std::size_t k, WireRequest& out) const;
  /// Request k of row `row` before it is written: its URL and spec with the placeholders filled
  /// from the row's columns, then from `vars` (a user's variables; nullptr: none).
  void fill_request(std::size_t row, std::size_t k, const ValueOf* vars, Url& url, RequestSpec& spec) const;

 private:
  const Workload& wl_;
  std::size_t rows_, per_row_;
  std::vector<WireRequest> built_;
};

}  // namespace lab
