#pragma once
// HdrHistogram's percentile distribution text (.hgrm): what wrk2 --latency prints and what the
// HdrHistogram plotter and Vegeta's hdrplot read. The same lines as HdrHistogram's
// outputPercentileDistribution (5 ticks per half distance, values in milliseconds).
#include <string>

#include "common/histogram.h"

namespace lab {

std::string hgrm_text(const Histogram& h);

}  // namespace lab
