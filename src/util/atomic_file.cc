#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "util/error.h"
#include "util/fault_injection.h"
#include "util/unique_fd.h"

namespace seqtrain {
namespace {

std::string Errno() { return std::strerror(errno); }

// "No space left on device (ENOSPC)": the text for people, the name for searches.
std::string ErrnoWithName() {
  const int code = errno;
  const char* name = ::strerrorname_np(code);
  return std::string(std::strerror(code)) + (name ? std::string(" (") + name + ")" : std::string());
}

// The folder path is in ("." for a bare name), as a string to open.
std::string DirName(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

const char* WritePhaseName(WritePhase phase) {
  switch (phase) {
    case WritePhase::kBeforeCreate:
      return "before creating the temporary file";
    case WritePhase::kMidWrite:
      return "halfway through writing the temporary file";
    case WritePhase::kBeforeRename:
      return "after fsync, before rename";
    case WritePhase::kBeforeDirSync:
      return "after rename, before syncing the folder";
  }
  return "?";
}

std::string TemporaryPathFor(const std::string& path) {
  // A dot name so listings of finished files skip it; the pid keeps writers apart.
  const std::string name =
      "." + std::filesystem::path(path).filename().string() + ".tmp." + std::to_string(::getpid());
  return (std::filesystem::path(DirName(path)) / name).string();
}

void WriteFileAtomically(const std::string& path, const std::string& bytes, const WriteHook& hook) {
  WriteFileAtomically(path, std::vector<std::string_view>{bytes}, hook);
}

void WriteFileAtomically(const std::string& path, const std::vector<std::string_view>& pieces,
                         const WriteHook& hook) {
  const std::string dir = DirName(path);
  const std::string tmp = TemporaryPathFor(path);
  auto at = [&](WritePhase phase) {
    if (hook) hook(phase, tmp);
  };
  at(WritePhase::kBeforeCreate);
  int raw = -1;
  for (;;) {
    raw = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (raw < 0) throw Error(path + ": cannot create " + tmp + ": " + ErrnoWithName());
    // Locked for as long as this process lives; a failing flock (a filesystem without
    // locks) only means a crash's leftover is never cleaned up automatically.
    if (::flock(raw, LOCK_EX) != 0) break;
    // A cleaner may have deleted the file between open and flock: then make it again.
    struct stat opened {
    }, named{};
    if (::fstat(raw, &opened) == 0 && ::stat(tmp.c_str(), &named) == 0 &&
        opened.st_ino == named.st_ino && opened.st_dev == named.st_dev) {
      break;
    }
    ::close(raw);
  }
  UniqueFd fd(raw);
  auto fail = [&](const std::string& what) {
    const std::string reason = ErrnoWithName();
    ::unlink(tmp.c_str());
    throw Error(path + ": " + what + ": " + reason);
  };
  size_t total = 0;
  for (std::string_view piece : pieces) total += piece.size();
  // Writes bytes [from, to) of the pieces' concatenation.
  auto write_range = [&](size_t from, size_t to) {
    size_t piece_begin = 0;
    for (std::string_view piece : pieces) {
      const size_t piece_end = piece_begin + piece.size();
      while (from < to && from < piece_end) {
        const size_t end = std::min(to, piece_end);
        const ssize_t n = ::write(fd.get(), piece.data() + (from - piece_begin), end - from);
        if (n < 0) {
          if (errno == EINTR) continue;
          fail("cannot write " + tmp);
        }
        from += static_cast<size_t>(n);
      }
      piece_begin = piece_end;
    }
  };
  write_range(0, total / 2);
  at(WritePhase::kMidWrite);
  write_range(total / 2, total);
  if (::fsync(fd.get()) != 0) fail("cannot fsync " + tmp);
  at(WritePhase::kBeforeRename);
  // Renamed while still open and locked, so no cleaner sees an unlocked temporary; the fsync
  // above has already flushed the data and reported any write error.
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename " + tmp + " into place");
  if (::close(fd.Release()) != 0) throw Error(path + ": close failed: " + ErrnoWithName());
  at(WritePhase::kBeforeDirSync);
  // The rename itself is durable only once the folder is synced.
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) {
    throw Error(dir + ": cannot sync folder after writing " + path + ": " + ErrnoWithName());
  }
}

bool RemoveIfAbandoned(const std::string& temporary) {
  UniqueFd fd(::open(temporary.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return false;
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
    return false;  // held by a live writer, or no locks here
  // Still the file that was opened (not renamed away and replaced meanwhile)?
  struct stat opened {
  }, named{};
  if (::fstat(fd.get(), &opened) != 0 || ::lstat(temporary.c_str(), &named) != 0 ||
      opened.st_ino != named.st_ino || !S_ISREG(named.st_mode)) {
    return false;
  }
  return ::unlink(temporary.c_str()) == 0;
}

std::string ReadWholeFile(const std::string& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
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
