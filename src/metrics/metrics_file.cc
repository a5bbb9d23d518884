#include "metrics/metrics_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace seqtrain::metrics {
namespace {

using Json = nlohmann::ordered_json;  // keeps a raw value's keys in file order

// Appends each field as printf formats it (so nan and inf stay bare tokens, as
// in every file written before); strings are escaped by nlohmann.
class LineWriter {
 public:
  explicit LineWriter(const char* event) { line_ = "{\"event\":" + Quoted(event); }
  std::string Finish() { return line_ + "}"; }

  template <class Int>
  void Integer(const char* name, const Int& value, Presence) {
    Key(name);
    line_ += std::to_string(static_cast<long long>(value));
  }
  void Number(const char* name, double value, int digits, Presence presence) {
    if (presence == kOmittedWhenNaN && std::isnan(value)) return;
    Key(name);
    AppendNumber(value, digits);
  }
  void Text(const char* name, const std::string& value) {
    Key(name);
    line_ += Quoted(value);
  }
  void Numbers(const char* name, const std::vector<double>& values, int digits) {
    Key(name);
    line_ += '[';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) line_ += ',';
      AppendNumber(values[i], digits);
    }
    line_ += ']';
  }
  void NamedNumbers(const char* name, const std::vector<double>& values, int digits,
                    const char* (*names)(int), int count) {
    Key(name);
    line_ += '{';
    for (int i = 0; i < count && static_cast<size_t>(i) < values.size(); ++i) {
      if (i) line_ += ',';
      line_ += Quoted(names(i)) + ':';
      AppendNumber(values[static_cast<size_t>(i)], digits);
    }
    line_ += '}';
  }
  void Scored(Quality quality, const char* accuracy_name, double accuracy, const char* rmse_name,
              double rmse, int digits, Presence presence) {
    if (quality == Quality::kAccuracy) {
      Number(accuracy_name, accuracy, digits, presence);
    } else {
      Number(rmse_name, rmse, digits, presence);
    }
  }
  void RawJson(const char* name, const std::string& json) {
    if (json.empty()) return;
    Key(name);
    line_ += json;
  }

 private:
  static std::string Quoted(const std::string& text) {
    return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  void Key(const char* name) { line_ += "," + Quoted(name) + ":"; }
  void AppendNumber(double value, int digits) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*g", digits, value);
    line_ += buf;
  }

  std::string line_;
};

template <class Record>
std::string WriteLine(const Record& record) {
  LineWriter writer(Schema<Record>::kEvent);
  Schema<Record>::Fields(writer, record);
  return writer.Finish();
}

// printf's non-finite tokens become strings starting with a NUL (which no
// number field's string can hold), so nlohmann can parse the line.
constexpr char kNonFiniteMark = '\0';

class LineReader {
 public:
  LineReader(const Json& object, const char* event) : object_(object), event_(event) {}

  template <class Int>
  void Integer(const char* name, Int& member, Presence presence) {
    const Json* value = Find(name, presence, "number");
    if (!value) return;
    double number = -1;
    if (value->is_number_unsigned()) {
      number = static_cast<double>(value->get<uint64_t>());
    } else if (value->is_number()) {
      number = value->get<double>();
    } else {
      Missing("number", name);
    }
    if (!(number >= 0) || number > 9e15 || number != std::floor(number) ||
        number > static_cast<double>(std::numeric_limits<Int>::max())) {
      Invalid(name, "is not a non-negative integer");
    }
    member = static_cast<Int>(number);
  }
  void Number(const char* name, double& member, int, Presence presence) {
    const Json* value = Find(name, presence, "number");
    if (value && !ToDouble(*value, &member)) Missing("number", name);
  }
  void Text(const char* name, std::string& member) {
    const Json* value = Find(name, kOptional, "string");
    if (!value) return;
    if (!value->is_string()) Missing("string", name);
    member = value->get<std::string>();
  }
  void Numbers(const char* name, std::vector<double>& member, int) {
    const Json* value = Find(name, kOptional, "array");
    if (!value) return;
    if (!value->is_array()) Invalid(name, "is not an array of numbers");
    member.clear();
    for (const Json& item : *value) {
      double number = 0;
      if (!ToDouble(item, &number)) Invalid(name, "is not an array of numbers");
      member.push_back(number);
    }
  }
  // Names this version does not know (a newer file's) are skipped.
  void NamedNumbers(const char* name, std::vector<double>& member, int, const char* (*names)(int),
                    int count) {
    const Json* value = Find(name, kOptional, "object");
    if (!value) return;
    if (!value->is_object()) Invalid(name, "is not an object of numbers");
    member.clear();
    for (int i = 0; i < count; ++i) {
      const auto it = value->find(names(i));
      if (it == value->end()) continue;
      member.resize(static_cast<size_t>(count), 0.0);
      if (!ToDouble(*it, &member[static_cast<size_t>(i)])) {
        Invalid(name, std::string("has no number \"") + names(i) + "\"");
      }
    }
  }
  // A line with neither is missing the accuracy, as files before RMSE existed said.
  void Scored(Quality& quality, const char* accuracy_name, double& accuracy, const char* rmse_name,
              double& rmse, int digits, Presence presence) {
    if (object_.contains(rmse_name) && !object_.contains(accuracy_name)) {
      quality = Quality::kRmse;
      Number(rmse_name, rmse, digits, presence);
    } else {
      quality = Quality::kAccuracy;
      Number(accuracy_name, accuracy, digits, presence);
    }
  }
  void RawJson(const char* name, std::string& member) {
    const Json* value = Find(name, kOptional, "value");
    if (value) member = value->dump();
  }

 private:
  static bool ToDouble(const Json& value, double* out) {
    if (value.is_number()) {
      *out = value.get<double>();
      return true;
    }
    if (!value.is_string()) return false;
    const std::string& text = value.get_ref<const std::string&>();
    if (text.empty() || text[0] != kNonFiniteMark) return false;
    const std::string token = text.substr(1);
    if (token == "nan" || token == "-nan") {
      *out = std::numeric_limits<double>::quiet_NaN();
    } else {
      *out = token == "inf" ? std::numeric_limits<double>::infinity()
                            : -std::numeric_limits<double>::infinity();
    }
    return true;
  }
  const Json* Find(const char* name, Presence presence, const char* kind) const {
    const auto it = object_.find(name);
    if (it != object_.end()) return &*it;
    if (presence == kRequired) Missing(kind, name);
    return nullptr;
  }
  // "step line has no number \"loss\"".
  [[noreturn]] void Missing(const char* kind, const char* name) const {
    throw Error(std::string(event_) + " line has no " + kind + " \"" + name + "\"");
  }
  // "eval line: \"step\" is not a non-negative integer".
  [[noreturn]] void Invalid(const char* name, const std::string& what) const {
    throw Error(std::string(event_) + " line: \"" + name + "\" " + what);
  }

  const Json& object_;
  const char* event_;
};

template <class Record>
Record ReadRecord(const Json& object) {
  Record record;
  LineReader reader(object, Schema<Record>::kEvent);
  Schema<Record>::Fields(reader, record);
  return record;
}

// The line with nan, -nan, inf and -inf outside strings quoted behind
// kNonFiniteMark; `shifts` maps columns of the result back to the line's.
struct Shift {
  size_t at;     // in the result, just after a replaced token
  size_t added;  // characters added up to there
};

std::string QuoteNonFinite(const std::string& line, std::vector<Shift>* shifts) {
  static const char* const kTokens[] = {"-nan", "-inf", "nan", "inf"};
  std::string out;
  out.reserve(line.size());
  bool in_string = false;
  for (size_t i = 0; i < line.size();) {
    const char c = line[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < line.size())
        out += line[++i];
      else if (c == '"')
        in_string = false;
      ++i;
      continue;
    }
    if (c == '"') in_string = true;
    const char* token = nullptr;
    for (const char* t : kTokens) {
      if (line.compare(i, std::strlen(t), t) == 0) {
        token = t;
        break;
      }
    }
    if (!token) {
      out += c;
      ++i;
      continue;
    }
    out += std::string("\"\\u0000") + token + "\"";
    i += std::strlen(token);
    shifts->push_back({out.size(), out.size() - i});
  }
  return out;
}

size_t OriginalColumn(size_t column, const std::vector<Shift>& shifts) {
  size_t added = 0;
  for (const Shift& s : shifts) {
    if (s.at < column) added = s.added;
  }
  return column - added;
}

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 25: REASON".
std::string ParseErrorReason(const nlohmann::json::parse_error& e) {
  const std::string what = e.what();
  const size_t column = what.find("column ");
  const size_t colon = column == std::string::npos ? column : what.find(": ", column);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

constexpr int kMaxDepth = 64;

Json ParseObjectLine(const std::string& line) {
  std::vector<Shift> shifts;
  const std::string strict = QuoteNonFinite(line, &shifts);
  // One set of keys per open object: a repeated key is refused, not silently overwritten.
  std::vector<std::set<std::string>> keys;
  const auto check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth > kMaxDepth) throw Error("nested too deeply");
    if (event == Json::parse_event_t::object_start) keys.emplace_back();
    if (event == Json::parse_event_t::object_end) keys.pop_back();
    const bool repeated =
        event == Json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second;
    if (repeated) throw Error("duplicate key " + parsed.dump());
    return true;
  };
  Json object;
  try {
    object = Json::parse(strict, check);
  } catch (const nlohmann::json::parse_error& e) {
    const size_t column = OriginalColumn(e.byte, shifts);
    throw Error(ParseErrorReason(e) + " at column " + std::to_string(column));
  }
  if (!object.is_object()) throw Error("not a JSON object");
  return object;
}

// std::getline with a bound, so a file without newlines cannot grow one line without end.
bool GetBoundedLine(std::istream& in, std::string* line, const std::string& name, int64_t number) {
  line->clear();
  std::streambuf* buf = in.rdbuf();
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return !line->empty();
    }
    if (c == '\n') return true;
    if (line->size() >= kMaxMetricsLineBytes) {
      throw Error(name + ":" + std::to_string(number) + ": line longer than " +
                  std::to_string(kMaxMetricsLineBytes) + " bytes: not a metrics file");
    }
    line->push_back(static_cast<char>(c));
  }
}

}  // namespace

std::string JsonLine(const StepRecord& record) { return WriteLine(record); }
std::string JsonLine(const EvalRecord& record) { return WriteLine(record); }
std::string JsonLine(const FinalRecord& record) { return WriteLine(record); }

MetricsHistory ParseMetrics(std::istream& in, const std::string& name) {
  MetricsHistory history;
  std::string line;
  for (int64_t number = 1; GetBoundedLine(in, &line, name, number); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const Json object = ParseObjectLine(line);
      const auto event = object.find("event");
      if (event == object.end() || !event->is_string()) throw Error("no string \"event\"");
      const std::string& kind = event->get_ref<const std::string&>();
      if (kind == Schema<StepRecord>::kEvent) {
        history.steps.push_back(ReadRecord<StepRecord>(object));
      } else if (kind == Schema<EvalRecord>::kEvent) {
        history.evals.push_back(ReadRecord<EvalRecord>(object));
      } else if (kind == Schema<FinalRecord>::kEvent) {
        history.finals.push_back(ReadRecord<FinalRecord>(object));
      }
    } catch (const Error& e) {
      throw Error(name + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  if (in.bad()) throw Error(name + ": read error");
  return history;
}

MetricsHistory ReadMetricsFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(path + ": cannot read metrics file: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode))
    throw Error(path + ": not a regular file (a metrics file written by train --metrics)");
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot read metrics file: " + std::strerror(errno));
  return ParseMetrics(in, path);
}

}  // namespace seqtrain::metrics
