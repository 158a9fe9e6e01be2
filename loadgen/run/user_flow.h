#pragma once
// A scenario's users with state (docs/loadgen.md, "Users with state"): each user's cookie jar
// and variables, the request built with them when it needs them (else the prebuilt one), and
// after each complete response its cookies stored, its checks run and its values extracted.
// Nothing here runs for a run whose scenario needs none of it (FlowPlan::active): those users
// send the prebuilt requests and count bodies without keeping them, as before.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/http/response_parser.h"
#include "common/result.h"
#include "loadgen/flow/cookie_jar.h"
#include "loadgen/run/request_book.h"
#include "loadgen/workload/workload.h"

namespace lab {

/// How a complete response can still fail its request (run_user maps these to error kinds).
enum class FlowFailure { kNone, kCheck, kExtract, kBodyTooLarge };

/// One load thread's tallies (read after the run).
struct FlowCounts {
  std::vector<std::uint64_t> check_pass, check_fail;  // by FlowPlan's check slot
  std::vector<std::uint64_t> skipped;                 // by request x variable
  std::uint64_t cookies_set = 0, cookies_sent = 0;
};

/// A user's state: its cookies, its variables (by FlowPlan's numbering) and the response kept
/// for its checks and extractions.
struct UserFlow {
  CookieJar jar;
  std::vector<std::optional<std::string>> vars;
  ResponseCapture capture;
  /// A user that starts again (stages) starts with an empty jar and no variables.
  void restart() {
    jar.clear();
    for (auto& v : vars) v.reset();
  }
};

class FlowPlan {
 public:
  explicit FlowPlan(const Workload& w);
  /// Users keep state: a scenario file with cookies on, or any check or extraction.
  bool active() const { return active_; }
  bool cookies() const { return cookies_; }
  std::unique_ptr<UserFlow> new_user() const;
  FlowCounts new_counts() const;

  /// Request k of data row `row` for user `u`: the book's (prebuilt) when it needs neither a
  /// variable nor a cookie, else built into `scratch`. nullptr when it needs a variable the user
  /// does not have: `missing` names it and the skip is counted.
  const WireRequest* prepare(UserFlow& u, const RequestBook& book, std::size_t row, std::size_t k, WireRequest& scratch,
                             FlowCounts& counts, std::string& missing) const;
  /// What request k keeps of its response: headers (cookies, header checks), and its body
  /// when a check or an extraction reads it. nullptr: nothing.
  ResponseCapture* capture_for(UserFlow& u, std::size_t k) const;
  /// Request k's status check decides its status (replacing --expect-status).
  bool checks_status(std::size_t k) const { return reqs_[k].status_check; }
  /// After a complete response to request k: cookies stored, checks counted, values extracted.
  /// `status_ok` is the path's verdict by --expect-status. kNone, or the failure with `detail`
  /// naming the check or variable.
  FlowFailure after(UserFlow& u, std::size_t k, int status, bool status_ok, double elapsed_ms, FlowCounts& counts,
                    std::string& detail) const;
  /// The result's block from every thread's counts.
  FlowStats stats(const std::vector<const FlowCounts*>& counts) const;

 private:
  struct PerRequest {
    std::vector<int> needs;     // variables used in its path, headers or body
    std::vector<int> sets;      // variables it extracts, in ExtractSpec order
    bool keep_body = false;     // a check or an extraction reads the body
    bool keep_headers = false;  // a check or an extraction reads the headers (else the jar's Set-Cookie only)
    bool status_check = false;
    std::size_t first_check = 0;  // its checks' slots: [first_check, first_check + checks)
    std::string request_path;     // the path its cookies are matched against (no query)
  };
  const Workload& wl_;
  bool active_ = false, cookies_ = false;
  std::vector<std::string> vars_;
  std::vector<bool> var_in_header_;  // used in a path or header: a line break there is refused
  std::vector<PerRequest> reqs_;
  std::size_t check_slots_ = 0;
  int var_id(const std::string& name) const;
};

}  // namespace lab
