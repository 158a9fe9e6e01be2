#pragma once
// Locust 2.x compatible CSV files, so existing Locust tooling reads our runs:
// PREFIX_stats.csv and PREFIX_stats_history.csv, with Locust's columns in Locust's order.
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace lab {

/// Throws std::runtime_error naming the file that could not be written.
void write_locust_csv(const nlohmann::json& doc, const std::string& prefix);

}  // namespace lab
