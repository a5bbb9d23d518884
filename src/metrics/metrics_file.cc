#include "metrics/metrics_file.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include "util/error.h"

namespace seqtrain::metrics {
namespace {

struct Field {
  enum class Kind { kNumber, kString, kOther } kind = Kind::kOther;
  double number = 0;
  std::string text;
};

// A recursive-descent reader of one JSON object per line. Only top-level
// numbers and strings are kept; nested arrays and objects are checked and
// skipped. Throws a bare reason; the caller adds file:line.
class LineParser {
 public:
  explicit LineParser(const std::string& line) : s_(line) {}

  std::map<std::string, Field> ParseObjectLine() {
    SkipSpace();
    std::map<std::string, Field> fields;
    Expect('{');
    SkipSpace();
    if (Peek() == '}') {
      ++pos_;
    } else {
      for (;;) {
        SkipSpace();
        if (Peek() != '"') Fail("expected a quoted key");
        std::string key = ParseString();
        SkipSpace();
        Expect(':');
        Field value = ParseValue(1);
        if (!fields.emplace(key, std::move(value)).second) Fail("duplicate key \"" + key + "\"");
        SkipSpace();
        if (Peek() == ',') {
          ++pos_;
        } else if (Peek() == '}') {
          ++pos_;
          break;
        } else {
          Fail("expected ',' or '}'");
        }
      }
    }
    SkipSpace();
    if (pos_ != s_.size()) Fail("unexpected text after the object");
    return fields;
  }

 private:
  static constexpr int kMaxDepth = 64;

  [[noreturn]] void Fail(const std::string& what) const {
    throw Error(what + " at column " + std::to_string(pos_ + 1));
  }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  void Expect(char c) {
    if (Peek() != c) Fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  bool Consume(const char* word) {
    const size_t n = std::strlen(word);
    if (s_.compare(pos_, n, word) != 0) return false;
    pos_ += n;
    return true;
  }

  std::string ParseString() {
    Expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) Fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) Fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) Fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (pos_ + 4 > s_.size()) Fail("short \\u escape");
          unsigned code = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = s_[pos_++];
            code <<= 4;
            if (h >= '0' && h <= '9') code |= h - '0';
            else if (h >= 'a' && h <= 'f') code |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') code |= h - 'A' + 10;
            else Fail("bad \\u escape");
          }
          // Metric names are ASCII; anything else only needs to stay one character.
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xc0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3f));
          } else {
            out += static_cast<char>(0xe0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
          }
          break;
        }
        default: Fail(std::string("bad escape \\") + e);
      }
    }
  }

  double ParseNumber() {
    const size_t start = pos_;
    if (Consume("nan") || Consume("-nan")) return NAN;
    if (Consume("inf")) return INFINITY;
    if (Consume("-inf")) return -INFINITY;
    // JSON's grammar, stricter than strtod's (no hex, no leading '+' or '.').
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (Peek() >= '1' && Peek() <= '9') {
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    } else {
      pos_ = start;
      Fail("expected a value");
    }
    if (Peek() == '.') {
      ++pos_;
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) Fail("expected a digit after '.'");
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) Fail("expected a digit in the exponent");
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    }
    return std::strtod(s_.substr(start, pos_ - start).c_str(), nullptr);
  }

  Field ParseValue(int depth) {
    if (depth > kMaxDepth) Fail("nested too deeply");
    SkipSpace();
    Field f;
    const char c = Peek();
    if (c == '"') {
      f.kind = Field::Kind::kString;
      f.text = ParseString();
    } else if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      SkipSpace();
      if (Peek() == close) {
        ++pos_;
        return f;
      }
      for (;;) {
        if (c == '{') {
          SkipSpace();
          if (Peek() != '"') Fail("expected a quoted key");
          ParseString();
          SkipSpace();
          Expect(':');
        }
        ParseValue(depth + 1);
        SkipSpace();
        if (Peek() == ',') {
          ++pos_;
        } else if (Peek() == close) {
          ++pos_;
          break;
        } else {
          Fail(std::string("expected ',' or '") + close + "'");
        }
      }
    } else if (Consume("true") || Consume("false") || Consume("null")) {
      // kept as kOther
    } else {
      f.kind = Field::Kind::kNumber;
      f.number = ParseNumber();
    }
    return f;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

double Number(const std::map<std::string, Field>& fields, const std::string& event, const char* key) {
  const auto it = fields.find(key);
  if (it == fields.end() || it->second.kind != Field::Kind::kNumber) {
    throw Error(event + " line has no number \"" + key + "\"");
  }
  return it->second.number;
}

int64_t Step(const std::map<std::string, Field>& fields, const std::string& event) {
  const double step = Number(fields, event, "step");
  if (!(step >= 0) || step > 9e15 || step != std::floor(step)) {
    throw Error(event + " line: \"step\" is not a non-negative integer");
  }
  return static_cast<int64_t>(step);
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

MetricsHistory ParseMetrics(std::istream& in, const std::string& name) {
  MetricsHistory history;
  std::string line;
  for (int64_t number = 1; GetBoundedLine(in, &line, name, number); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const std::map<std::string, Field> fields = LineParser(line).ParseObjectLine();
      const auto event = fields.find("event");
      if (event == fields.end() || event->second.kind != Field::Kind::kString) {
        throw Error("no string \"event\"");
      }
      const std::string& kind = event->second.text;
      if (kind == "step") {
        history.steps.push_back({Step(fields, kind), Number(fields, kind, "loss"),
                                 Number(fields, kind, "train_accuracy")});
      } else if (kind == "eval") {
        history.evals.push_back({Step(fields, kind), Number(fields, kind, "test_accuracy"),
                                 Number(fields, kind, "test_loss")});
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
