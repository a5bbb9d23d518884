#include "util/node_memory.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace seqtrain {
namespace {

// cgroup v1 writes "no limit" as a page-rounded INT64_MAX; anything this large is no limit.
constexpr int64_t kUnlimited = int64_t{1} << 62;

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::string text(4096, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// kB value of "Key:   123 kB" in a /proc status-like text; -1 when absent.
int64_t KiBField(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const long long kib = std::strtoll(line.c_str() + key.size(), nullptr, 10);
    return kib < 0 ? -1 : static_cast<int64_t>(kib) * 1024;
  }
  return -1;
}

// Room left under one cgroup limit: limit - usage, or -1 when there is no limit.
int64_t CgroupRoom(const std::string& limit_file, const std::string& usage_file) {
  const int64_t limit = ParseCgroupLimit(ReadSmallFile(limit_file));
  if (limit < 0 || limit >= kUnlimited) return -1;
  const int64_t usage = std::max<int64_t>(0, ParseCgroupLimit(ReadSmallFile(usage_file)));
  return std::max<int64_t>(0, limit - usage);
}

}  // namespace

int64_t ParseCgroupLimit(const std::string& text) {
  if (text.rfind("max", 0) == 0) return INT64_MAX;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || value < 0) return -1;
  return static_cast<int64_t>(value);
}

int64_t ParseMemAvailable(const std::string& meminfo) { return KiBField(meminfo, "MemAvailable:"); }

std::string CgroupPath(const std::string& proc_self_cgroup, const std::string& controller) {
  std::istringstream lines(proc_self_cgroup);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t first = line.find(':');
    const size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (controller.empty()) {
      if (line.compare(0, first, "0") == 0 && controllers.empty()) return path;
      continue;
    }
    std::istringstream names(controllers);
    std::string name;
    while (std::getline(names, name, ',')) {
      if (name == controller) return path;
    }
  }
  return "";
}

MemoryRoom AvailableMemory() {
  MemoryRoom room;
  auto consider = [&room](int64_t bytes, const std::string& source) {
    if (bytes >= 0 && bytes < room.shared_bytes) {
      room.shared_bytes = bytes;
      room.shared_source = source;
    }
  };
  consider(ParseMemAvailable(ReadSmallFile("/proc/meminfo")), "MemAvailable");
  const std::string cgroups = ReadSmallFile("/proc/self/cgroup");
  const std::string v2 = CgroupPath(cgroups, "");
  if (!v2.empty()) {
    // The limit of every ancestor applies; the tightest one counts.
    for (std::string dir = v2;; dir = dir.substr(0, dir.rfind('/'))) {
      const std::string base = "/sys/fs/cgroup" + (dir == "/" ? std::string() : dir);
      consider(CgroupRoom(base + "/memory.max", base + "/memory.current"),
               "cgroup " + base + "/memory.max");
      if (dir.empty() || dir == "/") break;
    }
  }
  const std::string v1 = CgroupPath(cgroups, "memory");
  if (!v1.empty()) {
    const std::string base = "/sys/fs/cgroup/memory" + (v1 == "/" ? std::string() : v1);
    consider(CgroupRoom(base + "/memory.limit_in_bytes", base + "/memory.usage_in_bytes"),
             "cgroup " + base + "/memory.limit_in_bytes");
  }
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    room.own_bytes =
        std::max<int64_t>(0, static_cast<int64_t>(as.rlim_cur) - CurrentVirtualBytes());
  }
  return room;
}

int64_t CurrentRssBytes() {
  return std::max<int64_t>(0, KiBField(ReadSmallFile("/proc/self/status"), "VmRSS:"));
}

int64_t CurrentVirtualBytes() {
  return std::max<int64_t>(0, KiBField(ReadSmallFile("/proc/self/status"), "VmSize:"));
}

}  // namespace seqtrain
