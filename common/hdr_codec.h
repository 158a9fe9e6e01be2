#pragma once
// HdrHistogram's compressed V2 encoding, the "HISTFAAAA..." of interval logs (.hlog): a 40-byte
// header (cookie, payload length, normalizing offset, significant digits, lowest discernible and
// highest trackable value, the double conversion ratio), then the counts from index 0 as ZigZag
// LEB128 varints (a run of zeros as one negative number), deflated with zlib and base64'd.
// lab::Histogram has HdrHistogram's layout with 3 significant digits and a lowest discernible
// value of 1 ns, so a histogram goes out and comes back bucket for bucket. A histogram of
// another layout (wrk2's, a Java tool's) is read value by value into ours.
#include <string>
#include <string_view>

#include "common/histogram.h"

namespace lab {

/// The histogram, encoded and base64'd as an interval log's last column.
std::string hdr_encode(const Histogram& h);
/// The histogram of an encoded one; throws std::runtime_error saying what is wrong.
/// `inflated` (if given) receives the decoded payload's size, for a reader that caps the whole of
/// a log. Counts are refused past 2^53 in all (exact as JSON numbers; a count that wrapped 2^64
/// read as a small one before).
Histogram hdr_decode(std::string_view base64_text, std::size_t* inflated = nullptr);
/// The most a histogram may count (2^53).
inline constexpr std::uint64_t kMaxHdrCount = std::uint64_t{1} << 53;

}  // namespace lab
