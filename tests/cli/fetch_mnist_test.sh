# tools/fetch_mnist.sh against mirrors served on 127.0.0.1 (python3 -m http.server): one down
# (nothing listens on its port), one serving corrupt files, one lacking most files, then a good
# one. Every file ends in DIR with its SHA-256, from the good mirror, and no partial file is left;
# a second run keeps them; with only bad mirrors it fails with one error per missing file and
# writes nothing; a damaged file in DIR is replaced.
source "$(dirname "$0")/lib.sh"
need_mnist
FETCH=$(dirname "$0")/../../tools/fetch_mnist.sh
NAMES="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"
WWW=$SCRATCH/www
mkdir -p "$WWW/good" "$WWW/corrupt" "$WWW/partial"
for n in $NAMES; do
  [ -f "$SEQTRAIN_MNIST_DIR/$n" ] || { fail "$SEQTRAIN_MNIST_DIR has no $n (the test serves the .gz files)"; finish; }
  ln -s "$(realpath "$SEQTRAIN_MNIST_DIR/$n")" "$WWW/good/$n"
done
# The same files with one byte flipped.
python3 - "$SEQTRAIN_MNIST_DIR" "$WWW/corrupt" $NAMES <<'PY' || fail "cannot write the corrupt files"
import os, sys
for name in sys.argv[3:]:
    data = bytearray(open(os.path.join(sys.argv[1], name), "rb").read())
    data[100] ^= 0xFF
    open(os.path.join(sys.argv[2], name), "wb").write(data)
PY
ln -s "$(realpath "$SEQTRAIN_MNIST_DIR/t10k-labels-idx1-ubyte.gz")" "$WWW/partial/"
(cd "$SEQTRAIN_MNIST_DIR" && sha256sum $NAMES) >"$SCRATCH/want.sha256"

SERVER=
stop_server() { [ -z "$SERVER" ] || { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; SERVER=; }; }
guard_test 170 stop_server
# Port 0: the kernel picks a free port, which the server prints.
python3 -u -m http.server --bind 127.0.0.1 --directory "$WWW" 0 >"$SCRATCH/server.log" 2>&1 &
SERVER=$!
port_known() { grep -q 'port [0-9]*' "$SCRATCH/server.log"; }
wait_for 30 port_known || { fail "the HTTP server did not start: $(cat "$SCRATCH/server.log")"; finish; }
PORT=$(grep -o 'port [0-9]*' "$SCRATCH/server.log" | head -n 1 | cut -d' ' -f2)
up() { curl -sf -o /dev/null "http://127.0.0.1:$PORT/good/t10k-labels-idx1-ubyte.gz"; }
wait_for 30 up || { fail "the HTTP server on port $PORT does not answer"; finish; }
# A port nothing listens on: bound by the kernel's choice, then closed.
DOWN=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

# Down, corrupt, partial, good.
D=$SCRATCH/mnist
SEQTRAIN_MNIST_MIRRORS="http://127.0.0.1:$DOWN/mnist $BASE/corrupt $BASE/partial $BASE/good/" \
  timeout 120 bash "$FETCH" "$D" >"$SCRATCH/fetch.out" 2>"$SCRATCH/fetch.err" \
  || fail "fetch exited $?: $(cat "$SCRATCH/fetch.err")"
(cd "$D" && sha256sum -c --quiet "$SCRATCH/want.sha256") || fail "files in $D do not have the expected sums"
[ "$(ls -A "$D" | sort | tr '\n' ' ')" = "t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz " ] \
  || fail "$D holds $(ls -A "$D" | tr '\n' ' ')"
for n in $NAMES; do
  want=$BASE/good/$n
  [ "$n" = t10k-labels-idx1-ubyte.gz ] && want=$BASE/partial/$n
  grep -qx "fetch_mnist: $D/$n: from $want" "$SCRATCH/fetch.out" || fail "$n not from $want: $(cat "$SCRATCH/fetch.out")"
  grep -q "^fetch_mnist: warning: http://127.0.0.1:$DOWN/mnist/$n: .*; trying the next mirror$" "$SCRATCH/fetch.err" \
    || fail "no warning for the down mirror and $n"
  grep -q "^fetch_mnist: warning: $BASE/corrupt/$n: SHA-256 [0-9a-f]\{64\}, expected [0-9a-f]\{64\}; trying the next mirror$" \
    "$SCRATCH/fetch.err" || fail "no warning for the corrupt mirror and $n"
done
grep -q "^fetch_mnist: warning: $BASE/partial/train-images-idx3-ubyte.gz: .*404" "$SCRATCH/fetch.err" \
  || fail "no 404 warning for the partial mirror: $(cat "$SCRATCH/fetch.err")"
echo "ok: fetched past a down, a corrupt and a partial mirror"

# Again: nothing to download (the server is no longer asked).
SEQTRAIN_MNIST_MIRRORS="http://127.0.0.1:$DOWN/mnist" timeout 60 bash "$FETCH" "$D" >"$SCRATCH/again.out" 2>&1 \
  || fail "second run: $(cat "$SCRATCH/again.out")"
[ "$(grep -c ': already there$' "$SCRATCH/again.out")" -eq 4 ] || fail "second run: $(cat "$SCRATCH/again.out")"

# A damaged file in DIR is replaced.
cp "$WWW/corrupt/train-labels-idx1-ubyte.gz" "$D/"
SEQTRAIN_MNIST_MIRRORS="$BASE/good" timeout 60 bash "$FETCH" "$D" >"$SCRATCH/repair.out" 2>&1 \
  || fail "repair: $(cat "$SCRATCH/repair.out")"
(cd "$D" && sha256sum -c --quiet "$SCRATCH/want.sha256") || fail "the damaged file was not replaced"
grep -qx "fetch_mnist: $D/train-labels-idx1-ubyte.gz: from $BASE/good/train-labels-idx1-ubyte.gz" "$SCRATCH/repair.out" \
  || fail "repair: $(cat "$SCRATCH/repair.out")"

# Only bad mirrors: exit 1, an error per file naming each mirror's failure, nothing written.
E=$SCRATCH/empty
SEQTRAIN_MNIST_MIRRORS="http://127.0.0.1:$DOWN/mnist $BASE/corrupt" timeout 60 bash "$FETCH" "$E" \
  >"$SCRATCH/bad.out" 2>"$SCRATCH/bad.err"
rc=$?
[ $rc -eq 1 ] || fail "all mirrors bad: exit $rc, expected 1"
[ "$(grep -c '^fetch_mnist: error: [a-z0-9-]*\.gz: no mirror served it with the expected SHA-256 (http://127.0.0.1:'"$DOWN"'/mnist/.*; '"$BASE"'/corrupt/.*: SHA-256 .*)$' "$SCRATCH/bad.err")" -eq 4 ] \
  || fail "all mirrors bad: $(cat "$SCRATCH/bad.err")"
grep -q "^fetch_mnist: error: $E is incomplete" "$SCRATCH/bad.err" || fail "no final error line"
[ -z "$(ls -A "$E")" ] || fail "all mirrors bad: $E holds $(ls -A "$E" | tr '\n' ' ')"
echo "ok: all mirrors bad: $(tail -n 1 "$SCRATCH/bad.err")"

bash "$FETCH" >/dev/null 2>"$SCRATCH/usage.err"
[ $? -eq 2 ] && grep -q "^usage: tools/fetch_mnist.sh DIR" "$SCRATCH/usage.err" || fail "no usage line for no DIR"
stop_server
finish
