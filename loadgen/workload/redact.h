#pragma once
// Secrets never reach a result file: the password (and user) of a URL's user:pass@, the values
// of headers that carry credentials, and --body TEXT (a login's password) are replaced by
// "REDACTED" wherever a run records its workload or command line (JSON, CSV, capacity
// documents); the workload says what was redacted. The requests on the wire are unchanged.
#include <string>
#include <string_view>
#include <vector>

namespace lab {

inline constexpr const char* kRedacted = "REDACTED";

/// Authorization, Proxy-Authorization, Cookie, and any header whose name mentions a token,
/// secret, password, API key or auth (X-Api-Key, X-Auth-Token, ...).
bool is_secret_header(std::string_view name);
/// "http://user:pass@host/x" -> "http://REDACTED@host/x"; other URLs unchanged.
std::string redact_url(const std::string& url);
/// "Authorization: Bearer x" -> "Authorization: REDACTED"; other headers unchanged.
std::string redact_header(const std::string& line);
/// --out KIND=URL[,key=value...] with the URL's user info and a token= or password= value redacted.
std::string redact_out_argument(const std::string& arg);
/// A command line with the URL's user info, secret --header values and --body TEXT redacted;
/// `what` receives a word for each kind redacted ("url userinfo", "header Cookie", "body").
std::vector<std::string> redact_command_line(const std::vector<std::string>& args, std::vector<std::string>* what);

}  // namespace lab
