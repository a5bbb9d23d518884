#include "data/raw_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace seqtrain::data {

int OpenRegularFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(path + ": not a regular file");
  }
  return fd;
}

size_t ReadSome(int fd, uint8_t* out, size_t n, const std::string& path) {
  for (;;) {
    const ssize_t got = ::read(fd, out, n);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) throw Error(path + ": read failed: " + std::strerror(errno));
  }
}

void ReadExactlyAt(int fd, uint64_t offset, uint8_t* out, size_t n, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(path + ": read failed: " + std::strerror(errno));
    if (got == 0) {
      throw Error(path + ": truncated: " + std::to_string(n) + " bytes wanted at offset " +
                  std::to_string(offset) + ", the file ends after " + std::to_string(done));
    }
    done += static_cast<size_t>(got);
  }
}

uint64_t FileSize(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(path + ": cannot stat: " + std::strerror(errno));
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace seqtrain::data
