// The calibration document: its summary of batches, its JSON both ways, a strict reader.
#include <gtest/gtest.h>

#include "common/calibration.h"

TEST(Calibration, ASummaryIsTheMedianAndTheTenthAndNinetiethPercentiles) {
  const lab::Cost k = lab::summarize("x", {5, 1, 4, 2, 3, 10, 6, 7, 9, 8, 11}, 20);
  EXPECT_DOUBLE_EQ(k.median_us, 6);
  EXPECT_DOUBLE_EQ(k.p10_us, 2);
  EXPECT_DOUBLE_EQ(k.p90_us, 10);
  EXPECT_EQ(k.samples, 11u);
  EXPECT_EQ(k.per_sample, 20u);
}

TEST(Calibration, RoundTripsThroughJsonAndRefusesWhatIsNotOne) {
  lab::Calibration c;
  c.created = "2026-11-30T22:00:00Z";
  c.loop_iterations_per_us = 919;
  c.host["cpus_online"] = 2;
  c.costs["fork_exit_wait"] = lab::summarize("fork", {160, 170, 165}, 26);
  c.errors["poll_10000"] = "eventfd: Too many open files";
  const lab::Calibration back = lab::calibration_from_json(lab::to_json(c), "cal.json");
  EXPECT_EQ(back.created, c.created);
  ASSERT_TRUE(back.us("fork_exit_wait"));
  EXPECT_DOUBLE_EQ(*back.us("fork_exit_wait"), 165);
  EXPECT_FALSE(back.us("vfork_exit_wait"));
  EXPECT_EQ(back.errors.at("poll_10000"), "eventfd: Too many open files");
  EXPECT_EQ(back.host.value("cpus_online", 0), 2);

  nlohmann::json j = lab::to_json(c);
  j["schema"] = "loadlab.result";
  EXPECT_THROW(lab::calibration_from_json(j, "cal.json"), std::runtime_error);
  j = lab::to_json(c);
  j["costs"]["fork_exit_wait"]["median_us"] = -1;
  try {
    lab::calibration_from_json(j, "cal.json");
    FAIL() << "a negative cost was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("costs.fork_exit_wait.median_us"), std::string::npos) << e.what();
  }
  EXPECT_THROW(lab::read_calibration("/nonexistent/calibration.json"), std::runtime_error);
}

// A calibration of zeroes predicted an infinite rate: a cost is a positive time.
TEST(Calibration, ACostOfNoTimeIsRefused) {
  lab::Calibration c;
  c.created = "2026-11-30T22:00:00Z";
  c.loop_iterations_per_us = 919;
  c.costs["epoll_wait_10"] = lab::Cost{"", 0, 0, 0, 11, 1};
  try {
    lab::calibration_from_json(lab::to_json(c), "cal.json");
    FAIL() << "a cost of 0 us was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("costs.epoll_wait_10.median_us"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("positive"), std::string::npos) << e.what();
  }
}

// A calibration made on another machine says what differs; fields either side lacks are not
// compared (an older calibration has no hostname).
TEST(Calibration, AnotherMachinesCalibrationSaysWhatDiffers) {
  lab::Calibration c;
  c.host = {{"hostname", "lab-a"}, {"kernel", "Linux 6.1.0"}, {"cpu_model", "AMD EPYC"}, {"cpus_online", 2}};
  const nlohmann::json same = {
      {"hostname", "lab-a"}, {"kernel", "Linux 6.1.0"}, {"cpu_model", "AMD EPYC"}, {"cpus", 2}};
  EXPECT_EQ(lab::calibration_host_mismatch(c, same), "");
  nlohmann::json other = same;
  other["hostname"] = "lab-b";
  other["cpus"] = 8;
  EXPECT_EQ(lab::calibration_host_mismatch(c, other), "host lab-a there, lab-b here; CPUs 2 there, 8 here");
  c.host.erase("hostname");
  other["cpus"] = 2;
  EXPECT_EQ(lab::calibration_host_mismatch(c, other), "") << "no hostname in the calibration: not compared";
  other["kernel"] = "Linux 6.18.0";
  EXPECT_EQ(lab::calibration_host_mismatch(c, other), "kernel Linux 6.1.0 there, Linux 6.18.0 here");
}
