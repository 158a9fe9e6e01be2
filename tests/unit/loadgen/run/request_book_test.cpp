// The scenario's requests per --data row: prebuilt where few, built as sent where many, the same
// bytes either way; and a data set held in one buffer, shared by the workload's copies.
#include "loadgen/run/request_book.h"

#include <gtest/gtest.h>

#include "loadgen/workload/data.h"

namespace lab {
namespace {

Workload with_rows(std::size_t n) {
  Workload w;
  std::string err;
  w.target = *parse_url("http://127.0.0.1:8080/", err);
  w.keepalive = true;
  ScenarioRequest get, post, head;
  get.name = "item";
  get.target = "/items/{{id}}?q={{q}}";
  post.name = "buy";
  post.target = "/buy";
  post.spec.method = "POST";
  post.spec.headers = {{"X-User", "{{q}}"}};
  post.spec.body = R"({"id": {{id}}})";
  head.name = "check";
  head.target = "/";
  head.spec.method = "HEAD";
  w.scenario.requests = {get, post, head};
  auto table = std::make_shared<DataTable>(2);
  for (std::size_t i = 0; i < n; ++i) table->add({std::to_string(i * 7919), "a b/" + std::string(i % 5, 'z')});
  w.data.file = "d.csv";
  w.data.columns = {"id", "q"};
  w.data.table = table;
  return w;
}

TEST(RequestBook, PrebuiltAndBuiltAsSentAreTheSameBytes) {
  const Workload w = with_rows(200);
  const RequestBook prebuilt(w), as_sent(w, 0);
  ASSERT_TRUE(prebuilt.prebuilt());
  ASSERT_FALSE(as_sent.prebuilt());
  EXPECT_EQ(as_sent.rows(), 200u);
  EXPECT_EQ(as_sent.per_row(), 3u);
  WireRequest a, b;
  for (std::size_t row = 0; row < 200; ++row)
    for (std::size_t k = 0; k < 3; ++k) {
      const WireRequest& x = prebuilt.get(row, k, a);
      const WireRequest& y = as_sent.get(row, k, b);
      ASSERT_EQ(x.bytes, y.bytes) << row << "/" << k;
      ASSERT_EQ(x.head, y.head);
      EXPECT_EQ(&y, &b) << "built into the user's buffer";
    }
  const WireRequest& r = as_sent.get(3, 1, b);
  EXPECT_NE(r.bytes.find("POST /buy HTTP/1.1\r\n"), std::string::npos) << r.bytes;
  EXPECT_NE(r.bytes.find("X-User: a b/zzz\r\n"), std::string::npos) << r.bytes;
  EXPECT_NE(r.bytes.find("\r\n\r\n{\"id\": 23757}"), std::string::npos) << r.bytes;
  EXPECT_NE(as_sent.get(3, 0, b).bytes.find("GET /items/23757?q=a%20b/zzz HTTP/1.1"), std::string::npos);
  EXPECT_TRUE(as_sent.get(3, 2, b).head);
}

TEST(RequestBook, ManyRowsAreBuiltAsSent) {
  const Workload few = with_rows(10), many = with_rows(RequestBook::kPrebuilt / 3 + 1);
  EXPECT_TRUE(RequestBook(few).prebuilt());
  EXPECT_FALSE(RequestBook(many).prebuilt());
  Workload plain;
  std::string err;
  plain.target = *parse_url("http://127.0.0.1:8080/x", err);
  ScenarioRequest one;
  one.name = "GET /x";
  one.target = "/x";
  plain.scenario.requests = {one};
  const RequestBook book(plain);
  EXPECT_EQ(book.rows(), 1u) << "without --data: one row";
  WireRequest s;
  EXPECT_EQ(book.get(0, 0, s).bytes.rfind("GET /x HTTP/1.1\r\n", 0), 0u);
}

TEST(Data, ATableHoldsItsRowsInOneBufferSharedByCopies) {
  DataTable t(3);
  EXPECT_TRUE(t.add({"a", "", "ccc"}));
  EXPECT_TRUE(t.add({"", "bb", ""}));
  EXPECT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.at(0, 0), "a");
  EXPECT_EQ(t.at(0, 1), "");
  EXPECT_EQ(t.at(0, 2), "ccc");
  EXPECT_EQ(t.at(1, 0), "");
  EXPECT_EQ(t.at(1, 1), "bb");
  EXPECT_EQ(t.at(1, 2), "");
  DataSet d;
  d.table = std::make_shared<DataTable>(t);
  const DataSet copy = d;  // a workload's copy (the engine's, each capacity step's)
  EXPECT_EQ(copy.table.get(), d.table.get());
}

}  // namespace
}  // namespace lab
