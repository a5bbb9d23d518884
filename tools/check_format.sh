#!/usr/bin/env bash
# Checks that the C++ sources follow .clang-format; with --fix, formats them in place.
# Exit 0: formatted; 1: some file is not (the diff is printed); 77: no clang-format here.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null; then
  echo "skipped: $CLANG_FORMAT not found (Debian package clang-format)"
  exit 77
fi
mapfile -t files < <(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' 'bench/*.h' \
  2>/dev/null || find src tests bench -name '*.cc' -o -name '*.h')
if [ "${1:-}" = "--fix" ]; then
  "$CLANG_FORMAT" -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! diff -u "$f" <("$CLANG_FORMAT" "$f") >/tmp/seqtrain-format.$$ 2>&1; then
    cat /tmp/seqtrain-format.$$
    bad=1
  fi
done
rm -f /tmp/seqtrain-format.$$
[ $bad -eq 0 ] && echo "${#files[@]} files formatted as .clang-format says" || echo "FAIL: run tools/check_format.sh --fix"
exit $bad
