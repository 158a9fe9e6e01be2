#include "loadgen/workload/redact.h"

#include <algorithm>
#include <cctype>

namespace lab {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void note(std::vector<std::string>* what, const std::string& w) {
  if (what && std::find(what->begin(), what->end(), w) == what->end()) what->push_back(w);
}

// The value of a flag given as "--flag=value" or as "--flag value" (then `next` is the value).
bool flag_is(const std::string& arg, std::initializer_list<const char*> names, std::string* inline_value) {
  for (const char* n : names) {
    const std::string name = n;
    if (arg == name) return true;
    if (name.size() > 2 && arg.rfind(name + "=", 0) == 0) {
      *inline_value = arg.substr(name.size() + 1);
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_secret_header(std::string_view name) {
  const std::string n = lower(name);
  if (n == "authorization" || n == "proxy-authorization" || n == "cookie") return true;
  for (const char* word : {"token", "secret", "password", "passwd", "api-key", "apikey", "api_key", "auth"})
    if (n.find(word) != std::string::npos) return true;
  return false;
}

std::string redact_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const std::size_t start = scheme + 3;
  const std::size_t end = url.find_first_of("/?#", start);
  const std::size_t at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + kRedacted + url.substr(at);
}

std::string redact_header(const std::string& line) {
  const auto colon = line.find(':');
  if (colon == std::string::npos || !is_secret_header(line.substr(0, colon))) return line;
  return line.substr(0, colon) + ": " + kRedacted;
}

std::string redact_out_argument(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos) return arg;
  std::string out = arg.substr(0, eq + 1);
  std::size_t from = eq + 1;
  for (bool first = true;; first = false) {
    const auto comma = arg.find(',', from);
    const std::string part = arg.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (!first) out += ',';
    if (first)
      out += redact_url(part);
    else if (part.rfind("token=", 0) == 0 || part.rfind("password=", 0) == 0)
      out += part.substr(0, part.find('=') + 1) + kRedacted;
    else
      out += part;
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

std::vector<std::string> redact_command_line(const std::vector<std::string>& args, std::vector<std::string>* what) {
  std::vector<std::string> out;
  enum class Next { kNone, kUrl, kHeader, kBody, kSecret, kOut } next = Next::kNone;
  auto url = [&](const std::string& v) {
    const std::string r = redact_url(v);
    if (r != v) note(what, "url userinfo");
    return r;
  };
  auto header = [&](const std::string& v) {
    const std::string r = redact_header(v);
    if (r != v) note(what, "header " + v.substr(0, v.find(':')));
    return r;
  };
  auto body = [&](const std::string& v) {
    if (!v.empty() && v[0] == '@') return v;  // a file's name, not its contents
    note(what, "body");
    return std::string(kRedacted) + " (" + std::to_string(v.size()) + " bytes)";
  };
  auto output = [&](const std::string& v) {
    const std::string r = redact_out_argument(v);
    if (r != v) note(what, "--out " + v.substr(0, v.find('=')) + " credentials");
    return r;
  };
  for (const std::string& a : args) {
    std::string value;
    switch (std::exchange(next, Next::kNone)) {
      case Next::kUrl: out.push_back(url(a)); continue;
      case Next::kHeader: out.push_back(header(a)); continue;
      case Next::kBody: out.push_back(body(a)); continue;
      case Next::kSecret: note(what, "--live-token"), out.push_back(kRedacted); continue;
      case Next::kOut: out.push_back(output(a)); continue;
      case Next::kNone: break;
    }
    if (flag_is(a, {"-H", "--host"}, &value)) {
      if (value.empty())
        next = Next::kUrl, out.push_back(a);
      else
        out.push_back(a.substr(0, a.size() - value.size()) + url(value));
    } else if (flag_is(a, {"--header"}, &value)) {
      if (value.empty())
        next = Next::kHeader, out.push_back(a);
      else
        out.push_back("--header=" + header(value));
    } else if (flag_is(a, {"--body"}, &value)) {
      if (value.empty())
        next = Next::kBody, out.push_back(a);
      else
        out.push_back("--body=" + body(value));
    } else if (flag_is(a, {"--out"}, &value)) {
      if (value.empty())
        next = Next::kOut, out.push_back(a);
      else
        out.push_back("--out=" + output(value));
    } else if (flag_is(a, {"--live-token"}, &value)) {
      if (value.empty())
        next = Next::kSecret, out.push_back(a);
      else
        note(what, "--live-token"), out.push_back("--live-token=" + std::string(kRedacted));
    } else if (a.find("://") != std::string::npos) {
      out.push_back(url(a));  // a URL anywhere else (e.g. -Hhttp://...)
    } else {
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace lab
