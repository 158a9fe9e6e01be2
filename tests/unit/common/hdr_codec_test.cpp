// HdrHistogram's compressed V2 encoding both ways, and histograms encoded by another
// implementation (hdr-histogram-js 3.0.1, recorded below) decoded to the same values.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "common/base64.h"
#include "common/hdr_codec.h"

namespace {

// hdr-histogram-js: build({numberOfSignificantValueDigits: 3, highestTrackableValue: 60e9}),
// values 1, 2, 2047, 2048, 5000, 123456 (twice), 1e6, 59999999999, and 777 x 300.
constexpr const char* kJsThreeDigits =
    "HISTFAAAADt4nJNpmSzMwMAgwcDAwMjAwMDMAAEgNu8P9wgGOJ+JqZvnBstLYSamg8JMp71Y1howbf7LyAQA32QKAQ==";
// ... and build({numberOfSignificantValueDigits: 2, lowestDiscernibleValue: 1000,
// highestTrackableValue: 3600e9}), values 1500, 250000 (twice), 9000000: another layout.
constexpr const char* kJsTwoDigits = "HISTFAAAAC94nJNpmSzMwMDAwcDAwMjAwMDEAAbMLxgYmN0MdixggAJGZqaHrCzLuZgAfmMFsQ==";

TEST(Base64, DecodesWhatItEncodesAndRefusesWhatIsNotBase64) {
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(lab::base64_decode(lab::base64(s)), s);
  EXPECT_EQ(lab::base64("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(lab::base64_decode("Zm9"));       // not a multiple of 4
  EXPECT_FALSE(lab::base64_decode("Zm9v!A=="));  // a foreign character
  EXPECT_FALSE(lab::base64_decode("Zg==Zm9v"));  // padding before the end
  EXPECT_FALSE(lab::base64_decode("Z==="));
}

TEST(HdrCodec, ARoundTripKeepsEveryBucket) {
  lab::Histogram h;
  for (std::uint64_t v : {1ull, 2ull, 2047ull, 2048ull, 2049ull, 999'999ull, 1'000'000ull, 37'000'000ull}) h.record(v);
  h.record(lab::Histogram::kMaxValue);
  h.add_to_bucket(5000, (1ull << 52) + 3);  // a count that needs eight bytes of a varint (nine: refused, below)
  const std::string text = lab::hdr_encode(h);
  EXPECT_EQ(text.rfind("HISTFAAAA", 0), 0u) << text;
  const lab::Histogram back = lab::hdr_decode(text);
  EXPECT_EQ(back.count(), h.count());
  for (std::size_t i = 0; i < lab::Histogram::bucket_count(); ++i) ASSERT_EQ(back.count_at(i), h.count_at(i)) << i;
  EXPECT_EQ(lab::hdr_decode(lab::hdr_encode(lab::Histogram())).count(), 0u) << "an empty histogram";
}

TEST(HdrCodec, DecodesAnotherImplementationsHistograms) {
  const lab::Histogram a = lab::hdr_decode(kJsThreeDigits);
  EXPECT_EQ(a.count(), 309u);
  EXPECT_EQ(a.count_at(lab::Histogram::index_of(777)), 300u);
  EXPECT_EQ(a.count_at(lab::Histogram::index_of(123456)), 2u);
  EXPECT_EQ(a.count_at(lab::Histogram::index_of(59'999'999'999ull)), 1u);
  EXPECT_EQ(a.percentile(50), 777u);
  // Two significant digits from 1 us: each value lands in our bucket of its bucket's lowest.
  const lab::Histogram b = lab::hdr_decode(kJsTwoDigits);
  EXPECT_EQ(b.count(), 4u);
  EXPECT_EQ(b.count_at(lab::Histogram::index_of(1024)), 1u);  // 1500 in a 512 ns wide bucket from 1024
  EXPECT_EQ(b.count_at(lab::Histogram::index_of(249856)), 2u);
  EXPECT_EQ(b.count_at(lab::Histogram::index_of(8978432)), 1u);
}

TEST(HdrCodec, RefusesWhatIsNotAnEncodedHistogram) {
  auto message = [](const std::string& text) {
    try {
      lab::hdr_decode(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("not base64!").find("not base64"), std::string::npos);
  EXPECT_NE(message(lab::base64("\x1c\x84\x93\x13....")).find("not a compressed V2"), std::string::npos);
  std::string cut = *lab::base64_decode(kJsThreeDigits);
  cut.resize(cut.size() - 6);
  EXPECT_NE(message(lab::base64(cut)).find("compressed length"), std::string::npos);
  std::string wrong = *lab::base64_decode(kJsThreeDigits);
  wrong[12] = static_cast<char>(wrong[12] ^ 0x55);  // the deflated bytes
  EXPECT_NE(message(lab::base64(wrong)), "accepted");
}

// Counts that add up past 2^64 wrapped: four buckets of 2^62 read as a histogram of 0. Counts are
// refused past 2^53 in all (what a JSON number holds exactly), and so is a run of zeroes that
// would carry the index past any histogram.
TEST(HdrCodec, CountsPast2To53AreRefusedNotWrapped) {
  lab::Histogram wraps;
  for (std::size_t i = 0; i < 4; ++i) wraps.add_to_bucket(i + 1, std::uint64_t{1} << 62);  // nine-byte varints
  try {
    const lab::Histogram h = lab::hdr_decode(lab::hdr_encode(wraps));
    ADD_FAILURE() << "accepted, counting " << h.count();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("beyond 2^53"), std::string::npos) << e.what();
  }
  lab::Histogram most;
  most.add_to_bucket(1, lab::kMaxHdrCount);
  EXPECT_EQ(lab::hdr_decode(lab::hdr_encode(most)).count(), lab::kMaxHdrCount) << "2^53 itself is a count";
  most.add_to_bucket(2, 1);
  EXPECT_THROW(lab::hdr_decode(lab::hdr_encode(most)), std::runtime_error);
}

}  // namespace
