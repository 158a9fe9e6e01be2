#pragma once
// What the live listener accepts, as plain functions (the listener applies them; the unit tests
// check them): the Host a loopback listener answers, a steering change's JSON, and where an
// event stream resumes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "loadgen/run/observer.h"

namespace lab {

/// A Host header naming a loopback address or localhost (with or without a port). A loopback
/// listener refuses other names: a page on another site that rebinds its name to 127.0.0.1
/// cannot read the run.
bool is_loopback_host(std::string_view host);

/// A POST /control body: {"users": N, "spawn_rate": R}, {"rate": R} or {"stop": true}, checked
/// against the run's mode ("users", "max" or "rate") and the most users the fd limit allows.
/// The change, or nullopt with `why` saying what is wrong and what would be right.
std::optional<ControlChange> parse_control(const std::string& body, const std::string& mode, int max_users,
                                           std::string& why);

/// The id an event stream resumes after: the Last-Event-ID header, else ?last_event_id=N in the
/// query (for curl); 0 (from the start) when neither holds a number.
std::uint64_t last_event_id(std::string_view header, std::string_view query);

}  // namespace lab
