#include "app/man_page.h"

#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "app/cli.h"

namespace seqtrain::app {
namespace {

// Text for a groff line: backslashes and hyphens escaped (so they print as typed), and a
// leading '.' or '\'' kept from reading as a request.
std::string Escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string Bold(const std::string& text) { return "\\fB" + Escape(text) + "\\fR"; }

// "--config arg (=0)" : the flags bold, their arguments italic.
std::string Term(const std::string& term) {
  std::istringstream words(term);
  std::string word, out;
  while (words >> word) {
    if (!out.empty()) out += ' ';
    if (word[0] == '-') {
      out += Bold(word);
    } else if (word == "[" || word == "]" || word[0] == '(') {
      out += Escape(word);
    } else {
      out += "\\fI" + Escape(word) + "\\fR";
    }
  }
  return out;
}

size_t Indent(const std::string& line) { return line.find_first_not_of(' '); }

// An indented entry "  term   description", its description wrapped onto deeper-indented lines.
struct Entry {
  std::string term, description;
};

std::string TrimEnd(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// The column where a section's descriptions start: the most common start of text after a
// gap of two spaces, or of a continuation line (boost::program_options leaves only one
// space after a term that fills the column).
size_t DescriptionColumn(const std::vector<std::string>& lines) {
  std::map<size_t, int> votes;
  for (const std::string& line : lines) {
    const size_t gap = line.find("  ", Indent(line));
    if (gap != std::string::npos) ++votes[line.find_first_not_of(' ', gap)];
  }
  size_t column = std::string::npos;
  int most = 0;
  for (const auto& [at, count] : votes) {
    if (count > most) column = at, most = count;
  }
  return column;
}

// The indented lines of a help text from *at on, as entries, up to a line that is not indented.
std::vector<Entry> Entries(const std::vector<std::string>& lines, size_t* at) {
  std::vector<std::string> section;
  for (; *at < lines.size() && (lines[*at].empty() || Indent(lines[*at]) > 0); ++*at) {
    if (Indent(lines[*at]) != std::string::npos) section.push_back(TrimEnd(lines[*at]));
  }
  const size_t column = DescriptionColumn(section);
  std::vector<Entry> entries;
  for (const std::string& line : section) {
    const size_t indent = Indent(line);
    if (indent >= column && !entries.empty()) {
      std::string& description = entries.back().description;
      description += (description.empty() ? "" : " ") + line.substr(indent);
      continue;
    }
    Entry entry;
    if (column < line.size() && line[column - 1] == ' ') {
      entry.term = TrimEnd(line.substr(indent, column - indent));
      entry.description = line.substr(column);
    } else {
      entry.term = line.substr(indent);  // longer than the column: the description follows below
    }
    entries.push_back(entry);
  }
  return entries;
}

void PutEntries(const std::vector<Entry>& entries, std::ostringstream& out) {
  for (const Entry& e : entries) {
    out << ".TP\n" << Term(e.term) << "\n" << Escape(e.description) << "\n";
  }
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

std::string RenderManPage(const std::string& version) {
  std::ostringstream out;
  out << ".\\\" Generated from seqtrain's --help texts by seqtrain_man (src/app/man_page.cc).\n"
      << ".TH SEQTRAIN 1 \"\" \"seqtrain " << Escape(version) << "\" \"User Commands\"\n"
      << ".nh\n.ad l\n"
      << ".SH NAME\nseqtrain \\- train an LSTM sequence classifier with MPI data parallelism\n";
  // `seqtrain help`: "usage: ..." then sections "name:" of indented entries.
  const std::vector<std::string> usage = Lines(ParseCommandLine({}).help_text);
  std::vector<std::string> commands;
  for (size_t at = 0; at < usage.size();) {
    const std::string& line = usage[at];
    if (line.rfind("usage: ", 0) == 0) {
      const std::string synopsis = Term(line.substr(7));
      out << ".SH SYNOPSIS\n"
          << synopsis << "\n.br\n"
          << Bold("mpirun") << " " << Term("-np N") << " " << synopsis << "\n";
      ++at;
    } else if (!line.empty() && line.back() == ':') {
      out << ".SH " << Upper(Escape(line.substr(0, line.size() - 1))) << "\n";
      const bool is_commands = line == "commands:";
      ++at;
      const std::vector<Entry> entries = Entries(usage, &at);
      for (const Entry& e : entries) {
        out << ".TP\n" << Bold(e.term) << "\n" << Escape(e.description) << "\n";
        if (is_commands) commands.push_back(e.term);
      }
    } else {
      if (!line.empty()) out << ".PP\n" << Escape(line) << "\n";
      ++at;
    }
  }
  // Each command's --help: caption lines (the last ends in ':'), then its options.
  out << ".SH OPTIONS\n";
  for (const std::string& command : commands) {
    if (command == "help" || command == "version") continue;  // no options
    const std::vector<std::string> help = Lines(ParseCommandLine({command, "--help"}).help_text);
    size_t at = 0;
    bool first = true;
    for (; at < help.size() && !help[at].empty() && Indent(help[at]) == 0; ++at) {
      std::string caption = help[at];
      if (!caption.empty() && caption.back() == ':') caption.pop_back();
      out << (first ? ".SS \"" + Escape(caption) + "\"\n" : Escape(caption) + "\n");
      first = false;
    }
    PutEntries(Entries(help, &at), out);
  }
  out << ".SH SEE ALSO\n"
      << Bold("seqtrain-local") << ", " << Bold("seqtrain-multinode") << " and "
      << Bold("seqtrain-slurm")
      << ", the launch scripts installed beside seqtrain; README.md and docs/ in the documentation "
         "folder (share/doc/seqtrain).\n";
  return out.str();
}

}  // namespace seqtrain::app
