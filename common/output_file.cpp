#include "common/output_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace lab {

namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// What a path names once its symlinks are followed (the path itself when it is not a link, or
// a link whose target does not exist yet: then the target path).
std::string resolve(const std::string& path) {
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n < 0) return p;
    std::string target(buf, static_cast<std::size_t>(n));
    p = target.front() == '/' ? target : parent_of(p) + "/" + target;
  }
  return p;
}

void write_fd(int fd, const std::string& content, const std::string& what) {
  std::size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write " + what + ": " + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

bool read_file(const std::string& path, std::string& out, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = std::strerror(errno);
    return false;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) {
    error = "read error";
    return false;
  }
  out = ss.str();
  return true;
}

nlohmann::json read_json_file(const std::string& path) {
  std::string text, why;
  if (!read_file(path, text, why)) throw std::runtime_error(path + ": cannot open (" + why + ")");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(path + ": not valid JSON (" + e.what() + ")");
  }
}

std::string output_problem(const std::string& path) {
  if (path.empty()) return "the path is empty";
  if (path == "-") return {};
  const std::string target = resolve(path);
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return target + " is a folder; give a file name inside it";
    if (::access(target.c_str(), W_OK) != 0) return "cannot write " + target + ": " + std::strerror(errno);
    if (S_ISREG(st.st_mode) && ::access(parent_of(target).c_str(), W_OK | X_OK) != 0)
      return "cannot replace " + target + ": its folder " + parent_of(target) + " is not writable (" +
             std::strerror(errno) + ")";
    return {};
  }
  const std::string dir = parent_of(target);
  struct stat ds {};
  if (::stat(dir.c_str(), &ds) != 0) return "the folder " + dir + " does not exist; create it first";
  if (!S_ISDIR(ds.st_mode)) return dir + " is not a folder";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return "cannot create files in " + dir + ": " + std::strerror(errno);
  return {};
}

void write_output(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::fflush(stdout);
    write_fd(STDOUT_FILENO, content, "standard output");
    return;
  }
  const std::string target = resolve(path);
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) throw std::runtime_error(target + " is a folder");
    // A device, FIFO or socket: written in place, never renamed over.
    const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + target + ": " + std::strerror(errno));
    try {
      write_fd(fd, content, target);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    return;
  }
  std::string tmp = target + ".tmpXXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    throw std::runtime_error("cannot create a temporary file next to " + target + ": " + std::strerror(errno));
  try {
    write_fd(fd, content, tmp);
    if (::fchmod(fd, 0644) != 0)
      throw std::runtime_error("cannot set the mode of " + tmp + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0 || std::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + target + ": " + std::strerror(err));
  }
}

void write_json_output(const std::string& path, const nlohmann::json& j, int indent) {
  write_output(path, j.dump(indent) + "\n");
}

}  // namespace lab
