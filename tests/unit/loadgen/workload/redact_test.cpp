// Secrets never reach a result: the user info of a URL, the values of credential headers and
// --body TEXT are replaced by REDACTED in the workload and the command line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "loadgen/workload/redact.h"
#include "loadgen/workload/workload.h"

namespace lab {
namespace {

TEST(Redact, UrlsHeadersAndCommandLines) {
  EXPECT_EQ(redact_url("http://alice:s3cret@h:8080/x?q=1"), "http://REDACTED@h:8080/x?q=1");
  EXPECT_EQ(redact_url("https://token@h/"), "https://REDACTED@h/");
  EXPECT_EQ(redact_url("http://h:8080/a@b"), "http://h:8080/a@b") << "an @ in the path is not user info";
  EXPECT_EQ(redact_header("Authorization: Bearer abc"), "Authorization: REDACTED");
  EXPECT_EQ(redact_header("cookie: sid=1"), "cookie: REDACTED");
  EXPECT_EQ(redact_header("X-Api-Key: k"), "X-Api-Key: REDACTED");
  EXPECT_EQ(redact_header("Proxy-Authorization: Basic x"), "Proxy-Authorization: REDACTED");
  EXPECT_EQ(redact_header("Accept: */*"), "Accept: */*");
  std::vector<std::string> what;
  const auto cl =
      redact_command_line({"loadgen", "-H", "http://u:p@h/", "--header", "Cookie: a=b", "--header=X-Auth-Token: t",
                           "--body", "{\"password\":\"x\"}", "--body=@file.json", "-Hhttp://v:w@h/", "-u", "3"},
                          &what);
  const std::vector<std::string> expect = {"loadgen",
                                           "-H",
                                           "http://REDACTED@h/",
                                           "--header",
                                           "Cookie: REDACTED",
                                           "--header=X-Auth-Token: REDACTED",
                                           "--body",
                                           "REDACTED (16 bytes)",
                                           "--body=@file.json",
                                           "-Hhttp://REDACTED@h/",
                                           "-u",
                                           "3"};
  EXPECT_EQ(cl, expect);
  EXPECT_EQ(what, (std::vector<std::string>{"url userinfo", "header Cookie", "header X-Auth-Token", "body"}));
}

TEST(Redact, TheLiveTokenIsASecret) {
  std::vector<std::string> what;
  const auto cl = redact_command_line(
      {"loadgen", "--live-token", "0123456789abcdef", "--live-token=fedcba9876543210", "-u", "1"}, &what);
  EXPECT_EQ(cl, (std::vector<std::string>{"loadgen", "--live-token", "REDACTED", "--live-token=REDACTED", "-u", "1"}));
  EXPECT_EQ(what, (std::vector<std::string>{"--live-token"}));
}

TEST(Redact, TheWorkloadSaysWhatItRedacted) {
  Workload w;
  w.url = "http://alice:s3cret@127.0.0.1:8080/";
  w.request.headers = {{"Authorization", "Bearer abc"}, {"Accept", "text/html"}};
  const nlohmann::json j = workload_json(w);
  const std::string text = j.dump();
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_EQ(text.find("Bearer abc"), std::string::npos) << text;
  EXPECT_EQ(j["url"], "http://REDACTED@127.0.0.1:8080/");
  EXPECT_EQ(j["headers"][1], "Accept: text/html");
  EXPECT_EQ(j["redacted"], nlohmann::json({"url userinfo", "header Authorization"}));
}

}  // namespace
}  // namespace lab
