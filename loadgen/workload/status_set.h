#pragma once
// Which response status codes count as success (--expect-status): "2xx" by default; a list
// of codes, ranges and classes such as "200,204", "200-299,304", "2xx,3xx".
#include <bitset>
#include <optional>
#include <string>
#include <string_view>

namespace lab {

class StatusSet {
 public:
  StatusSet();  // 2xx
  /// nullopt with `error` naming the bad part.
  static std::optional<StatusSet> parse(std::string_view spec, std::string& error);
  bool accepts(int code) const { return code >= 0 && code < 1000 && ok_[static_cast<std::size_t>(code)]; }
  const std::string& spec() const { return spec_; }

 private:
  std::bitset<1000> ok_;
  std::string spec_ = "2xx";
};

}  // namespace lab
