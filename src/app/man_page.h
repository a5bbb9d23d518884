// seqtrain(1), rendered from the help texts (`seqtrain help` and every command's --help),
// so the man page and --help cannot disagree: a help2man of our own, run at build time.
#pragma once

#include <string>

namespace seqtrain::app {

// The man page in groff -man markup, for seqtrain `version` (e.g. "0.1.0").
std::string RenderManPage(const std::string& version);

}  // namespace seqtrain::app
