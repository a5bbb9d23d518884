#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/error.h"
#include "util/fault_injection.h"

namespace seqtrain {
namespace {

std::string Errno() { return std::strerror(errno); }

std::string DirName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

void WriteFileAtomically(const std::string& path, const std::string& bytes, bool crash_halfway) {
  const std::string dir = DirName(path);
  // A dot name so listings of finished files skip it; the pid keeps writers apart.
  const std::string tmp = dir + "/." + BaseName(path) + ".tmp." + std::to_string(::getpid());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw Error(tmp + ": cannot create: " + Errno());
  auto fail = [&](const std::string& what) {
    const std::string reason = Errno();
    ::unlink(tmp.c_str());
    throw Error(tmp + ": " + what + ": " + reason);
  };
  size_t done = 0;
  const size_t stop_at = crash_halfway ? bytes.size() / 2 : bytes.size();
  while (done < stop_at) {
    const ssize_t n = ::write(fd.get(), bytes.data() + done, stop_at - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed");
    }
    done += static_cast<size_t>(n);
  }
  if (crash_halfway) {
    std::fprintf(stderr, "seqtrain: error: injected crash halfway through writing %s (SEQTRAIN_FAULT)\n", tmp.c_str());
    _exit(kExitInjectedCrash);
  }
  if (::fsync(fd.get()) != 0) fail("fsync failed");
  if (::close(fd.Release()) != 0) fail("close failed");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename to " + path + " failed");
  // The rename itself is durable only once the folder is synced.
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) {
    throw Error(dir + ": cannot sync folder after writing " + path + ": " + Errno());
  }
}

std::string ReadWholeFile(const std::string& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw Error(path + ": cannot open: " + Errno());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error(path + ": cannot stat: " + Errno());
  if (!S_ISREG(st.st_mode)) throw Error(path + ": not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    throw Error(path + ": " + std::to_string(st.st_size) + " bytes, more than the limit of " +
                std::to_string(max_bytes));
  }
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(path + ": read failed: " + Errno());
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace seqtrain
