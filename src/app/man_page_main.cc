// Build-time tool: seqtrain_man VERSION OUTPUT writes seqtrain(1) (app/man_page.h).
#include <cstdio>
#include <fstream>

#include "app/man_page.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: seqtrain_man VERSION OUTPUT\n");
    return 2;
  }
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out << seqtrain::app::RenderManPage(argv[1]);
  out.close();
  if (!out) {
    std::fprintf(stderr, "seqtrain_man: cannot write %s\n", argv[2]);
    return 1;
  }
  return 0;
}
