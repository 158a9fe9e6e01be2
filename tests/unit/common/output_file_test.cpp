// Reading and writing the files a user points loadgen at: reads that fail say so (never an
// empty success), writes respect the umask, write to the descriptor a path names, and never
// wait forever on a FIFO nobody reads.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/output_file.h"

namespace lab {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("loadlab-out-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A folder "read" as a file gave an empty body (the stream's error went unseen).
TEST(OutputFile, ReadingAFolderOrAMissingFileFails) {
  const fs::path d = temp_dir("read");
  std::string out = "untouched", err;
  EXPECT_FALSE(read_file(d.string(), out, err));
  EXPECT_NE(err.find("folder"), std::string::npos) << err;
  EXPECT_EQ(out, "untouched");
  EXPECT_FALSE(read_file((d / "none").string(), out, err));
  std::FILE* f = std::fopen((d / "x").c_str(), "w");
  std::fputs("bytes", f);
  std::fclose(f);
  EXPECT_TRUE(read_file((d / "x").string(), out, err)) << err;
  EXPECT_EQ(out, "bytes");
  fs::remove_all(d);
}

// Results were forced to 0644 whatever the umask; a replaced file keeps its mode.
TEST(OutputFile, NewFilesFollowTheUmaskAndReplacedOnesKeepTheirMode) {
  const fs::path d = temp_dir("mode");
  const mode_t old = ::umask(077);
  write_output((d / "new.json").string(), "{}");
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat((d / "new.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::chmod((d / "new.json").c_str(), 0640), 0);
  write_output((d / "new.json").string(), "{\"again\": 1}");
  ASSERT_EQ(::stat((d / "new.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  fs::remove_all(d);
}

TEST(OutputFile, PathsThatNameADescriptor) {
  EXPECT_EQ(named_descriptor("/dev/stdout"), 1);
  EXPECT_EQ(named_descriptor("/dev/stderr"), 2);
  EXPECT_EQ(named_descriptor("/dev/fd/7"), 7);
  EXPECT_EQ(named_descriptor("/proc/self/fd/12"), 12);
  EXPECT_FALSE(named_descriptor("/dev/null"));
  EXPECT_FALSE(named_descriptor("/dev/fd/x"));
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  const std::string path = "/dev/fd/" + std::to_string(p[1]);
  EXPECT_EQ(output_problem(path), "");
  write_output(path, "through the pipe");
  ::close(p[1]);
  char buf[64] = {};
  EXPECT_EQ(::read(p[0], buf, sizeof buf), 16);
  EXPECT_STREQ(buf, "through the pipe");
  ::close(p[0]);
  EXPECT_NE(output_problem("/dev/fd/999"), "") << "a descriptor that is not open";
}

// A FIFO with no reader blocked the write forever.
TEST(OutputFile, AFifoNobodyReadsIsAnErrorNotAHang) {
  const fs::path d = temp_dir("fifo");
  const fs::path fifo = d / "f";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    write_output(fifo.string(), "x", std::chrono::milliseconds(300));
    ADD_FAILURE() << "written";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nothing read the FIFO"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // with a reader it goes through
  std::string got;
  std::thread reader([&] {
    const int fd = ::open(fifo.c_str(), O_RDONLY);
    char buf[16] = {};
    if (fd >= 0 && ::read(fd, buf, sizeof buf) > 0) got = buf;
    if (fd >= 0) ::close(fd);
  });
  write_output(fifo.string(), "hello");
  reader.join();
  EXPECT_EQ(got, "hello");
  fs::remove_all(d);
}

TEST(OutputFile, LabelsStayInsideTheFolder) {
  EXPECT_EQ(safe_file_name("epoll"), "epoll");
  EXPECT_EQ(safe_file_name("../../etc/x"), "_.._.._etc_x");
  EXPECT_EQ(safe_file_name(".hidden"), "_.hidden");
  EXPECT_EQ(safe_file_name(""), "_");
  EXPECT_EQ(safe_file_name("a/b"), "a_b");
}

}  // namespace
}  // namespace lab
