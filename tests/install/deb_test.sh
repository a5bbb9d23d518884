# The Debian package: cpack builds it, apt-get installs it (only from what is installed
# already: no download), the installed seqtrain reports its version and trains 20 steps on
# 2 ranks with the installed launcher and configs, and the package is removed again whatever
# happens, leaving the machine as it was.
# bash deb_test.sh SEQTRAIN MPIEXEC SCRATCH BUILD_DIR
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/install_lib.sh"
BUILD=$4
export DEBIAN_FRONTEND=noninteractive
need_mnist
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: installing a package needs root (CI runs as root)"
  exit 77
fi
if dpkg-query -W -f='${Status}' seqtrain 2>/dev/null | grep -q 'ok installed'; then
  fail "a seqtrain package is installed already ($(dpkg-query -W -f='${Version}' seqtrain)); this test leaves" \
    "it alone: remove it (apt-get remove seqtrain) to run the test"
  finish
fi

(cd "$SCRATCH" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$SCRATCH" >cpack.log 2>&1) \
  || { fail "cpack: $(tail -n 5 "$SCRATCH/cpack.log" | tr '\n' ' ')"; finish; }
debs=("$SCRATCH"/seqtrain_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { fail "expected one seqtrain_*.deb, got: ${debs[*]}"; finish; }
deb=${debs[0]}
depends=$(dpkg-deb -f "$deb" Depends)
for package in openmpi-bin libopenmpi3 libopenblas0 libprotobuf32 libboost-program-options1.74.0 \
  libhwy1 zlib1g; do
  grep -Eq "(^|, |\| )$package( |,|$)" <<<"$depends" || fail "Depends lacks $package: $depends"
done
dpkg-deb -c "$deb" | awk '{print $6}' >"$SCRATCH/contents.txt"
for file in ./usr/bin/seqtrain ./usr/bin/seqtrain-local ./usr/bin/seqtrain-multinode ./usr/bin/seqtrain-slurm \
  ./usr/share/seqtrain/configs/quick.txtpb ./usr/share/man/man1/seqtrain.1 ./usr/share/doc/seqtrain/README.md; do
  grep -qxF "$file" "$SCRATCH/contents.txt" || fail "the package lacks $file"
done

remove_package() {
  if dpkg-query -W -f='${Status}' seqtrain 2>/dev/null | grep -q 'ok installed'; then
    apt-get remove -y -o DPkg::Lock::Timeout=120 seqtrain \
      >>"$SCRATCH/apt.log" 2>&1 || dpkg --remove seqtrain >>"$SCRATCH/apt.log" 2>&1
  fi
}
guard_test 280 remove_package
cd "$SCRATCH" || exit 1
# Nothing to download: every dependency must be installed already (tools/install_deps.sh).
# (A dry run, since apt-get's --no-download does not take a ./file.deb.)
others=$(apt-get install -s -o DPkg::Lock::Timeout=120 "./$(basename "$deb")" 2>&1 |
  awk '$1 == "Inst" && $2 != "seqtrain" { print $2 }')
[ -z "$others" ] || { fail "installing the package would also install: $others (tools/install_deps.sh)"; finish; }
interruptible apt-get install -y -o DPkg::Lock::Timeout=120 "./$(basename "$deb")" \
  >apt.log 2>&1 || { fail "apt-get install: $(tail -n 5 "$SCRATCH/apt.log" | tr '\n' ' ')"; finish; }
[ "$(command -v seqtrain)" = /usr/bin/seqtrain ] || fail "seqtrain on PATH is $(command -v seqtrain)"
seqtrain version >"$SCRATCH/version.txt" 2>&1 || fail "seqtrain version exited $?: $(cat "$SCRATCH/version.txt")"
cat "$SCRATCH/version.txt"
check_installed_run /usr/bin /usr/share/seqtrain/configs from_package
remove_package
[ ! -e /usr/bin/seqtrain ] || fail "/usr/bin/seqtrain is still there after apt-get remove"
finish
