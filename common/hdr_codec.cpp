#include "common/hdr_codec.h"

#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/base64.h"

namespace lab {

namespace {

constexpr std::uint32_t kEncodingCookie = 0x1c849303u | 0x10u;            // V2, LEB128 + ZigZag words
constexpr std::uint32_t kCompressedEncodingCookie = 0x1c849304u | 0x10u;  // the same, deflated
constexpr std::size_t kHeaderBytes = 40;
constexpr std::size_t kMaxPayload = 16u << 20;  // a decoded histogram larger than this is refused

void put32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}
void put64(std::string& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}
std::uint64_t get(const std::string& in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  return v;
}

// HdrHistogram's ZigZag LEB128: 7 bits a byte for 8 bytes, then a ninth byte of 8 bits.
void put_varint(std::string& out, std::int64_t signed_value) {
  std::uint64_t v = (static_cast<std::uint64_t>(signed_value) << 1) ^ static_cast<std::uint64_t>(signed_value >> 63);
  for (int i = 0; i < 8; ++i) {
    if ((v >> 7) == 0) {
      out.push_back(static_cast<char>(v));
      return;
    }
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));  // the ninth byte: the last 8 bits
}
bool get_varint(const std::string& in, std::size_t& at, std::size_t end, std::int64_t& out) {
  std::uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (at >= end) return false;
    const auto b = static_cast<unsigned char>(in[at++]);
    if (i == 8) {
      v |= static_cast<std::uint64_t>(b) << 56;
      break;
    }
    v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) break;
  }
  out = static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  return true;
}

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error("HdrHistogram encoding: " + what); }

}  // namespace

std::string hdr_encode(const Histogram& h) {
  std::size_t limit = 0;  // one past the highest bucket with a count
  for (std::size_t i = Histogram::bucket_count(); i > 0; --i)
    if (h.count_at(i - 1)) {
      limit = i;
      break;
    }
  std::string counts;
  for (std::size_t i = 0; i < limit;) {
    const std::uint64_t c = h.count_at(i++);
    if (c) {
      put_varint(counts, static_cast<std::int64_t>(c));
      continue;
    }
    std::int64_t zeros = 1;
    while (i < limit && h.count_at(i) == 0) {
      ++zeros;
      ++i;
    }
    put_varint(counts, zeros > 1 ? -zeros : 0);
  }
  std::string plain;
  put32(plain, kEncodingCookie);
  put32(plain, static_cast<std::uint32_t>(counts.size()));
  put32(plain, 0);                     // normalizing index offset
  put32(plain, 3);                     // significant value digits
  put64(plain, 1);                     // lowest discernible value (1 ns)
  put64(plain, Histogram::kMaxValue);  // highest trackable value
  double ratio = 1.0;                  // integer to double conversion ratio
  std::uint64_t ratio_bits = 0;
  std::memcpy(&ratio_bits, &ratio, sizeof ratio);
  put64(plain, ratio_bits);
  plain += counts;

  uLongf size = compressBound(static_cast<uLong>(plain.size()));
  std::string deflated(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(deflated.data()), &size, reinterpret_cast<const Bytef*>(plain.data()),
                static_cast<uLong>(plain.size()), Z_DEFAULT_COMPRESSION) != Z_OK)
    throw std::runtime_error("HdrHistogram encoding: zlib could not compress");
  deflated.resize(size);
  std::string out;
  put32(out, kCompressedEncodingCookie);
  put32(out, static_cast<std::uint32_t>(deflated.size()));
  out += deflated;
  return base64(out);
}

Histogram hdr_decode(std::string_view text, std::size_t* inflated) {
  const auto raw = base64_decode(text);
  if (!raw) bad("not base64");
  const std::string& in = *raw;
  if (in.size() < 8) bad("shorter than its 8-byte header");
  const auto cookie = static_cast<std::uint32_t>(get(in, 0, 4));
  if ((cookie & ~0xf0u) != (kCompressedEncodingCookie & ~0xf0u))
    bad("not a compressed V2 histogram (cookie 0x" +
        [&] {
          char b[16];
          std::snprintf(b, sizeof b, "%08x", cookie);
          return std::string(b);
        }() +
        ")");
  const std::size_t length = get(in, 4, 4);
  if (length != in.size() - 8) bad("the compressed length does not match the data");
  // Inflate: the header says how long the payload is, so the output is sized once.
  std::string plain(kHeaderBytes, '\0');
  z_stream z{};
  if (inflateInit(&z) != Z_OK) bad("zlib could not start");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + 8));
  z.avail_in = static_cast<uInt>(length);
  z.next_out = reinterpret_cast<Bytef*>(plain.data());
  z.avail_out = static_cast<uInt>(kHeaderBytes);
  int rc = inflate(&z, Z_SYNC_FLUSH);
  if ((rc != Z_OK && rc != Z_STREAM_END) || z.avail_out != 0) {
    inflateEnd(&z);
    bad("the deflated data is corrupt or shorter than the 40-byte header");
  }
  const std::size_t payload = get(plain, 4, 4);
  if ((get(plain, 0, 4) & ~0xf0u) != (kEncodingCookie & ~0xf0u) || payload > kMaxPayload) {
    inflateEnd(&z);
    bad("the inner header is not a V2 histogram's");
  }
  plain.resize(kHeaderBytes + payload);
  z.next_out = reinterpret_cast<Bytef*>(plain.data() + kHeaderBytes);
  z.avail_out = static_cast<uInt>(payload);
  rc = payload ? inflate(&z, Z_FINISH) : Z_STREAM_END;
  const uInt missing = z.avail_out;
  inflateEnd(&z);
  if ((rc != Z_STREAM_END && rc != Z_OK && rc != Z_BUF_ERROR) || missing != 0) bad("the counts are cut short");
  if (inflated) *inflated = plain.size();

  // The normalizing index offset (bytes 8-11) is not read, as hdr-histogram-js does not read it
  // (it writes 1 there; Java writes 0 for every histogram but a shifted DoubleHistogram's).
  const auto digits = static_cast<std::int32_t>(get(plain, 12, 4));
  const std::uint64_t lowest = get(plain, 16, 8);
  if (digits < 0 || digits > 5 || lowest < 1) bad("significant digits or lowest value out of range");
  // The layout of the encoded histogram, as HdrHistogram computes it.
  const int unit_magnitude = static_cast<int>(std::floor(std::log2(static_cast<double>(lowest))));
  const int sub_count_magnitude = static_cast<int>(std::ceil(std::log2(2 * std::pow(10.0, digits))));
  const int half_magnitude = (sub_count_magnitude > 1 ? sub_count_magnitude : 1) - 1;
  const std::int64_t half_count = std::int64_t{1} << half_magnitude;
  const bool same_layout = digits == 3 && lowest == 1;
  Histogram h;
  std::size_t at = kHeaderBytes;
  const std::size_t end = plain.size();
  std::int64_t index = 0;
  std::uint64_t total = 0;
  while (at < end) {
    std::int64_t v = 0;
    if (!get_varint(plain, at, end, v)) bad("a count is cut short");
    if (v < 0) {
      if (v < -(std::int64_t{1} << 40)) bad("a run of zeroes longer than any histogram");
      index += -v;
      continue;
    }
    if (v > 0) {
      if (static_cast<std::uint64_t>(v) > kMaxHdrCount - total) bad("counts beyond 2^53 in all");
      total += static_cast<std::uint64_t>(v);
      std::size_t ours = 0;
      if (same_layout) {
        ours = static_cast<std::size_t>(index);
      } else {  // the value at the index in its layout, into ours
        std::int64_t bucket = (index >> half_magnitude) - 1;
        std::int64_t sub = (index & (half_count - 1)) + half_count;
        if (bucket < 0) {
          sub -= half_count;
          bucket = 0;
        }
        const int shift = static_cast<int>(bucket) + unit_magnitude;
        if (shift > 62) bad("a value beyond 2^62");
        const std::uint64_t value = static_cast<std::uint64_t>(sub) << shift;
        ours = Histogram::index_of(value > Histogram::kMaxValue ? Histogram::kMaxValue : value);
      }
      if (ours >= Histogram::bucket_count()) bad("a value beyond this lab's 60 s range");
      h.add_to_bucket(ours, static_cast<std::uint64_t>(v));
    }
    ++index;
  }
  return h;
}

}  // namespace lab
