#include "metrics/tfevents_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "event.pb.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/little_endian.h"

namespace seqtrain::metrics {
namespace {

constexpr uint32_t kMaskDelta = 0xa282ead8u;

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

}  // namespace

uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

std::string FrameRecord(const std::string& data) {
  std::string record;
  record.reserve(data.size() + 16);
  AppendLittleEndian(&record, data.size(), 8);
  AppendLittleEndian(&record, MaskCrc(Crc32c(record.data(), 8)), 4);
  record += data;
  AppendLittleEndian(&record, MaskCrc(Crc32c(data.data(), data.size())), 4);
  return record;
}

std::string EventFileName(std::time_t unix_seconds, const std::string& host) {
  return "events.out.tfevents." + std::to_string(static_cast<long long>(unix_seconds)) + "." + host;
}

TfEventsWriter::TfEventsWriter(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(dir + ": cannot create TensorBoard folder: " + ec.message());
  const double now = NowSeconds();
  path_ = (std::filesystem::path(dir) / EventFileName(static_cast<std::time_t>(now), HostName()))
              .string();
  // "a", not "w": a second run started in the same second on the same host
  // appends to that file rather than destroying it; TensorBoard reads both.
  file_.reset(std::fopen(path_.c_str(), "ab"));
  if (!file_) throw Error(path_ + ": cannot write TensorBoard event file: " + std::strerror(errno));
  tensorboard::Event event;
  event.set_wall_time(now);
  event.set_file_version("brain.Event:2");
  WriteRecord(event.SerializeAsString());
}

void TfEventsWriter::WriteScalars(int64_t step, const std::vector<Scalar>& scalars) {
  WriteScalars(step, NowSeconds(), scalars);
}

void TfEventsWriter::WriteScalars(int64_t step, double wall_time,
                                  const std::vector<Scalar>& scalars) {
  tensorboard::Event event;
  event.set_wall_time(wall_time);
  event.set_step(step);
  tensorboard::Summary* summary = event.mutable_summary();
  for (const Scalar& s : scalars) {
    tensorboard::Summary::Value* value = summary->add_value();
    value->set_tag(s.tag);
    value->set_simple_value(static_cast<float>(s.value));
  }
  WriteRecord(event.SerializeAsString());
}

void TfEventsWriter::WriteRecord(const std::string& data) {
  const std::string record = FrameRecord(data);
  if (std::fwrite(record.data(), 1, record.size(), file_.get()) != record.size() ||
      std::fflush(file_.get()) != 0) {
    throw Error(path_ + ": cannot write TensorBoard event file: " + std::strerror(errno));
  }
}

}  // namespace seqtrain::metrics
