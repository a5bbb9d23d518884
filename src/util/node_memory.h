// How much memory this process may still take: the least of the node's
// MemAvailable, the room left under the cgroup's limit (v2 memory.max or v1
// memory.limit_in_bytes) and, for the process alone, RLIMIT_AS. Read from
// /proc and /sys; nothing is allocated to find out.
#pragma once

#include <cstdint>
#include <string>

namespace seqtrain {

struct MemoryRoom {
  // Shared with the other processes of this node (or cgroup), in bytes;
  // INT64_MAX when nothing could be read.
  int64_t shared_bytes = INT64_MAX;
  std::string shared_source;  // "MemAvailable", "cgroup memory.max", ...
  // This process's own bound (address space left under RLIMIT_AS); INT64_MAX: none.
  int64_t own_bytes = INT64_MAX;
};

MemoryRoom AvailableMemory();

// Resident and virtual size of this process now, in bytes; 0 when unavailable.
int64_t CurrentRssBytes();
int64_t CurrentVirtualBytes();

// The bytes of a file's first number (e.g. "max" -> -1), for tests of the parsers.
int64_t ParseCgroupLimit(const std::string& text);
// MemAvailable in bytes from /proc/meminfo text, -1 when absent.
int64_t ParseMemAvailable(const std::string& meminfo);
// The cgroup path of a controller from /proc/self/cgroup text: v2 ("0::/a/b") when
// controller is empty, else the v1 line listing it ("4:memory:/a/b"); "" when absent.
std::string CgroupPath(const std::string& proc_self_cgroup, const std::string& controller);

}  // namespace seqtrain
