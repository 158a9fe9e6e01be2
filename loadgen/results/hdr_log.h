#pragma once
// HdrHistogram interval logs (format version 1.3, the .hlog files that HdrHistogram's
// HistogramLogReader, hdr-histogram-js, wrk2's tooling and the HdrHistogram plotter read), both
// ways: a result's per-second series written as one tagged line per request name (Tag=NAME) and
// one untagged aggregate line per second, each the second's successes in the compressed V2
// encoding; and a log read back as a result (its histograms only: what a log holds).
#include <string>

#include "common/result.h"

namespace lab {

/// The interval log of `r`'s series (which must have a summary). Lossless: the untagged lines'
/// buckets add up to the result's histogram, each name's to its endpoint's.
std::string hlog_text(const Result& r);

/// Whether `text` reads as an interval log (its first line is a log's comment or legend).
bool looks_like_hlog(const std::string& text);

/// A log as a result: the untagged lines are the aggregate's seconds (without them, the tags
/// summed), each tag a request name (series rows and an endpoint); requests are the histograms'
/// counts (a log has no failures); the workload is {"source": "hlog"} and the environment holds
/// the first interval's start, "start_epoch_s" (no shard identity: a log has none). Throws
/// std::runtime_error naming `path`, the line and what is wrong.
Result read_hlog(const std::string& text, const std::string& path);

/// Read from an interval log: it carries no workload, so compare cannot check one.
inline bool from_hlog(const Result& r) { return r.workload.is_object() && r.workload.value("source", "") == "hlog"; }

}  // namespace lab
