#include "common/output_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
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

// The process's umask (from /proc where the kernel tells it; else set and restored).
mode_t current_umask() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f) {
    char line[256];
    unsigned mask = 0;
    bool found = false;
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "Umask: %o", &mask) == 1) {
        found = true;
        break;
      }
    std::fclose(f);
    if (found) return static_cast<mode_t>(mask);
  }
  const mode_t m = ::umask(022);
  ::umask(m);
  return m;
}

// Opens a device, FIFO or socket path for writing in place. A FIFO is opened without blocking
// so that one with no reader fails after a wait instead of blocking forever.
int open_in_place(const std::string& target, bool fifo, std::chrono::milliseconds wait) {
  using namespace std::chrono;
  const auto give_up = steady_clock::now() + wait;
  for (;;) {
    const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
    if (fd >= 0) {
      if (fifo) {
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
          const int err = errno;
          ::close(fd);
          throw std::runtime_error("cannot write to the FIFO " + target + ": " + std::strerror(err));
        }
      }
      return fd;
    }
    if (!(fifo && errno == ENXIO)) throw std::runtime_error("cannot open " + target + ": " + std::strerror(errno));
    if (steady_clock::now() >= give_up)
      throw std::runtime_error("nothing read the FIFO " + target + " for " +
                               std::to_string(duration_cast<milliseconds>(wait).count() / 1000.0).substr(0, 4) +
                               " s (start its reader first, e.g. cat " + target + ")");
    std::this_thread::sleep_for(milliseconds(20));
  }
}

}  // namespace

bool read_file(const std::string& path, std::string& out, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = "it is a folder, not a file";
    ::close(fd);
    return false;
  }
  std::string data;
  if (S_ISREG(st.st_mode)) data.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::string("read error: ") + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  if (::close(fd) != 0 && errno != EINTR) {
    error = std::string("read error: ") + std::strerror(errno);
    return false;
  }
  out = std::move(data);
  return true;
}

JsonSource read_json_source(const std::string& path) {
  JsonSource src{path, {}};
  std::string why;
  if (!read_file(path, src.text, why)) throw std::runtime_error(path + ": cannot read (" + why + ")");
  return src;
}

nlohmann::json read_json_file(const std::string& path) { return parse_json_source(read_json_source(path)); }

std::string safe_file_name(const std::string& label) {
  std::string out;
  for (unsigned char c : label) out += (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) ? '_' : static_cast<char>(c);
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  if (out.size() > 200) out.resize(200);
  return out;
}

std::optional<int> named_descriptor(const std::string& path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::string p = prefix;
    if (path.rfind(p, 0) != 0 || path.size() == p.size() || path.size() > p.size() + 6) continue;
    const std::string digits = path.substr(p.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoi(digits);
  }
  return std::nullopt;
}

std::string output_problem(const std::string& path) {
  if (path.empty()) return "the path is empty";
  if (path == "-") return {};
  if (const auto fd = named_descriptor(path)) {
    const int flags = ::fcntl(*fd, F_GETFL);
    if (flags < 0) return path + " names descriptor " + std::to_string(*fd) + ", which is not open";
    if ((flags & O_ACCMODE) == O_RDONLY)
      return path + " names descriptor " + std::to_string(*fd) + ", which is open for reading only";
    return {};
  }
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

void write_output(const std::string& path, const std::string& content, std::chrono::milliseconds fifo_wait) {
  if (path == "-" || named_descriptor(path) == STDOUT_FILENO) {
    std::fflush(stdout);
    write_fd(STDOUT_FILENO, content, "standard output");
    return;
  }
  if (const auto fd = named_descriptor(path)) {  // /dev/stderr, /dev/fd/N: that descriptor, in place
    if (*fd == STDERR_FILENO) std::fflush(stderr);
    write_fd(*fd, content, path);
    return;
  }
  const std::string target = resolve(path);
  struct stat st {};
  const bool exists = ::stat(target.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) throw std::runtime_error(target + " is a folder");
    const int fd = open_in_place(target, S_ISFIFO(st.st_mode), fifo_wait);
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
  // The mode a new file would get (0666 less the umask), or the one of the file it replaces.
  const mode_t mode = exists ? (st.st_mode & 07777) : (0666 & ~current_umask());
  try {
    write_fd(fd, content, tmp);
    if (::fchmod(fd, mode) != 0)
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
  write_output(path, json_text(j, indent) + "\n");
}

std::string json_text(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace lab
