# cmake/git_describe.cmake: the source tree's `git describe`; "unknown" for a tree that is not
# its own repository (a tarball, also one unpacked inside another checkout, as the scratch
# folder here is); SEQTRAIN_GIT_DESCRIBE wins; an unchanged description leaves the header alone.
# bash git_describe_test.sh SEQTRAIN MPIEXEC SCRATCH SOURCE_DIR
source "$(dirname "$0")/../cli/lib.sh"
SOURCE=$4
SCRIPT=$SOURCE/cmake/git_describe.cmake
describe() {  # describe SOURCE_DIR [FIXED]: the header's value
  cmake -DSOURCE_DIR="$1" -DFIXED="${2:-}" -DOUTPUT="$SCRATCH/git_describe.h" -P "$SCRIPT" || return 1
  sed -n 's/^#define SEQTRAIN_GIT_DESCRIBE "\(.*\)"$/\1/p' "$SCRATCH/git_describe.h"
}
want=$(git -C "$SOURCE" describe --always --dirty --tags)
[ "$(describe "$SOURCE")" = "$want" ] || fail "source tree: '$(describe "$SOURCE")', git says '$want'"
touch -d '2000-01-01' "$SCRATCH/git_describe.h"
describe "$SOURCE" >/dev/null
[ "$(stat -c %Y "$SCRATCH/git_describe.h")" = "$(date -d 2000-01-01 +%s)" ] \
  || fail "an unchanged description rewrote the header (every build would recompile)"
mkdir -p "$SCRATCH/tarball"
[ "$(describe "$SCRATCH/tarball")" = unknown ] \
  || fail "a tree inside another checkout: $(describe "$SCRATCH/tarball")"
[ "$(describe "$SCRATCH/tarball" v0.1.0-debian1)" = v0.1.0-debian1 ] || fail "SEQTRAIN_GIT_DESCRIBE is not used"
finish
