#pragma once
// What the live listener accepts, as plain functions (the listener applies them; the unit tests
// check them): the Host a loopback listener answers, a steering change's JSON, and where an
// event stream resumes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/pacing/load_model.h"
#include "loadgen/run/observer.h"

namespace lab {

/// A Host header naming a loopback address or localhost (with or without a port). A loopback
/// listener refuses other names: a page on another site that rebinds its name to 127.0.0.1
/// cannot read the run.
bool is_loopback_host(std::string_view host);

/// The Host a listener answers: a loopback name always; else one of `allowed` (--live-allow-host:
/// names or addresses, compared without the port and case; "*" allows any). A page on another
/// site that rebinds its name to this machine sends its own name, which is refused.
bool host_allowed(std::string_view host, const std::vector<std::string>& allowed);

/// --live-allow-host's value: names or addresses separated by commas; "" or the mistake.
std::string parse_allowed_hosts(const std::string& text, std::vector<std::string>& out);

/// Two secrets compared in time that depends on their lengths only, not on where they differ.
bool same_secret(std::string_view a, std::string_view b);

/// 32 hex digits from the kernel's random source (getrandom): a token for --live-control.
std::string random_token();

/// An event type as it may appear on an SSE `event:` line: a lower-case word (letters, digits, -
/// and _, at most 32), so that no sender can write a line of its own into the stream.
bool valid_event_type(std::string_view type);

/// A POST /control body: {"users": N, "spawn_rate": R}, {"rate": R} or {"stop": true}, checked
/// against the run's load model (an open loop steers its rate, a closed one its users) and the
/// most users the fd limit allows.
/// The change, or nullopt with `why` saying what is wrong and what would be right.
std::optional<ControlChange> parse_control(const std::string& body, const LoadModel& model, int max_users,
                                           std::string& why);

/// The id an event stream resumes after: the Last-Event-ID header, else ?last_event_id=ID in the
/// query (for curl). An event's id is RUN.N (`run`: the stream's run, LiveHub::run_id); an id of
/// another run (a page that reconnects to the next run), or one that is not RUN.N, resumes from the
/// start (0): the new run's events, its hello first, are never skipped for an old run's number.
std::uint64_t last_event_id(std::string_view header, std::string_view query, std::string_view run);

}  // namespace lab
