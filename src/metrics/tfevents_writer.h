// TensorBoard event files: the TFRecord framing TensorBoard reads, one
// serialized tensorboard.Event per record. A record is
//   uint64 length (little-endian) | uint32 masked CRC32C of those 8 bytes |
//   data | uint32 masked CRC32C of data,
// and the first record names the format ("brain.Event:2"). Each scalar event is
// flushed as written, so TensorBoard follows a live run and a crash loses at
// most the event being written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace seqtrain::metrics {

// The rotation TFRecord applies to a CRC it stores next to data that may itself
// contain CRCs (a CRC of a CRC is weak).
uint32_t MaskCrc(uint32_t crc);

// The framed record for data, as described above.
std::string FrameRecord(const std::string& data);

// "events.out.tfevents.<unix seconds>.<host>": TensorBoard only picks up files
// whose name contains "tfevents", and orders a run's files by this timestamp.
std::string EventFileName(std::time_t unix_seconds, const std::string& host);

struct Scalar {
  std::string tag;  // e.g. "train/loss"
  double value;     // stored as float: TensorBoard's simple_value is a float
};

class TfEventsWriter {
 public:
  // Creates dir (and its parents) if missing and a new event file in it, and
  // writes the file_version record. Throws seqtrain::Error naming the path.
  explicit TfEventsWriter(const std::string& dir);

  // One Event at step holding every scalar, stamped with the current time.
  void WriteScalars(int64_t step, const std::vector<Scalar>& scalars);
  // Same with an explicit wall time (seconds since the Unix epoch), for tests.
  void WriteScalars(int64_t step, double wall_time, const std::vector<Scalar>& scalars);

  const std::string& path() const { return path_; }

 private:
  void WriteRecord(const std::string& data);

  std::string path_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_{nullptr, &std::fclose};
};

}  // namespace seqtrain::metrics
