# A short run on 2 ranks of real MNIST with --tensorboard-dir and --metrics:
# the event file is read back by an independent reader (Python, standard
# library only: its own CRC32C and protobuf wire decoding); `seqtrain plot`
# turns the metrics into well-formed SVG, and a bad metrics file fails cleanly.
source "$(dirname "$0")/lib.sh"
need_mnist
command -v python3 >/dev/null || { fail "python3 is needed to read the event file"; finish; }
M=$SCRATCH/metrics.jsonl
TB=$SCRATCH/tb/run1
timeout 120 "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps 40 \
  --display-step 10 --eval-every 20 --metrics "$M" --tensorboard-dir "$TB" >"$SCRATCH/out.txt" 2>"$SCRATCH/err.txt"
rc=$?
[ $rc -eq 0 ] || { fail "training exited $rc: $(cat "$SCRATCH/err.txt")"; finish; }
# mpirun's stdout is a file here: the plain lines only, no progress line.
grep -q $'\r' "$SCRATCH/out.txt" && fail "carriage return in a non-terminal log"
[ "$(grep -c '^Step [0-9]*, Minibatch Loss= ' "$SCRATCH/out.txt")" -eq 5 ] || fail "expected 5 plain step lines"

shopt -s nullglob
files=("$TB"/events.out.tfevents.*)
[ ${#files[@]} -eq 1 ] || { fail "expected one event file in $TB, got: ${files[*]:-none}"; finish; }
[[ "$(basename "${files[0]}")" =~ ^events\.out\.tfevents\.[0-9]{10}\.$(hostname)$ ]] || fail "event file name ${files[0]}"

python3 - "${files[0]}" >"$SCRATCH/events.txt" <<'PY' || fail "event file unreadable: $(cat "$SCRATCH/events.txt")"
import struct, sys

def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff

def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xa282ead8) & 0xffffffff

def varint(b, i):
    v = s = 0
    while True:
        v |= (b[i] & 0x7f) << s
        s += 7
        i += 1
        if not b[i - 1] & 0x80:
            return v, i

def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        elif wt == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % wt)
        yield num, wt, v

data = open(sys.argv[1], "rb").read()
pos = 0
while pos < len(data):
    header = data[pos:pos + 8]
    (length,) = struct.unpack("<Q", header)
    (len_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
    assert len_crc == masked(crc32c(header)), "length crc at %d" % pos
    body = data[pos + 12:pos + 12 + length]
    (body_crc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
    assert len(body) == length and body_crc == masked(crc32c(body)), "data crc at %d" % pos
    pos += 16 + length
    step = 0
    for num, wt, v in fields(body):
        if (num, wt) == (2, 0):
            step = v
        elif (num, wt) == (3, 2):
            print("version", v.decode())
        elif (num, wt) == (5, 2):
            for vn, vwt, value in fields(v):
                assert (vn, vwt) == (1, 2)
                tag, x = None, None
                for f, fwt, fv in fields(value):
                    if (f, fwt) == (1, 2):
                        tag = fv.decode()
                    elif (f, fwt) == (2, 5):
                        (x,) = struct.unpack("<f", fv)
                print("scalar", step, tag, "%.6g" % x)
        elif (num, wt) != (1, 1):
            raise ValueError("unexpected Event field %d" % num)
PY
head -n 1 "$SCRATCH/events.txt" | grep -qx 'version brain.Event:2' || fail "first record is not file_version brain.Event:2"
for tag in train/loss train/accuracy train/learning_rate train/samples_per_sec; do
  n=$(grep -c "^scalar [0-9]* $tag " "$SCRATCH/events.txt")
  [ "$n" -eq 5 ] || fail "$tag: $n scalars, expected 5 (steps 1, 10, 20, 30, 40)"
done
for tag in test/accuracy test/loss; do
  n=$(grep -c "^scalar [0-9]* $tag " "$SCRATCH/events.txt")
  [ "$n" -eq 2 ] || fail "$tag: $n scalars, expected 2 (steps 20, 40)"
done
[ "$(grep ' train/learning_rate ' "$SCRATCH/events.txt" | awk '{print $4}' | sort -u)" = "0.001" ] || fail "learning rate"
# The same numbers as the JSON lines (float precision).
want=$(grep '"event":"eval","step":40' "$M" | sed 's/.*"test_accuracy":\([0-9.e+-]*\).*/\1/')
got=$(grep '^scalar 40 test/accuracy ' "$SCRATCH/events.txt" | awk '{print $4}')
awk -v a="$want" -v b="$got" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }' || fail "test accuracy: jsonl $want, events $got"
echo "ok: event file $(basename "${files[0]}"): $(wc -l <"$SCRATCH/events.txt") records"

# seqtrain plot on the run's metrics.
SVG=$SCRATCH/plot.svg
"$SEQTRAIN" plot "$M" --out "$SVG" >"$SCRATCH/plot.out" 2>"$SCRATCH/plot.err" || fail "plot exited $?: $(cat "$SCRATCH/plot.err")"
if command -v xmllint >/dev/null; then
  xmllint --noout "$SVG" || fail "plot is not well-formed XML"
else
  echo "note: xmllint not installed; well-formedness is checked structurally in svg_plot_test"
fi
for series in train-loss:5 train-accuracy:5 test-loss:2 test-accuracy:2; do
  id=${series%%:*} want=${series##*:}
  line=$(grep "<polyline class=\"series\" data-series=\"$id\"" "$SVG")
  [ "$(grep -c . <<<"$line")" -eq 1 ] || { fail "expected one polyline for $id"; continue; }
  n=$(sed 's/.* points="\([^"]*\)".*/\1/' <<<"$line" | wc -w)
  [ "$n" -eq "$want" ] || fail "$id: $n points, expected $want"
done
echo "ok: plot $(wc -c <"$SVG") bytes"

# A malformed metrics file: one clear line naming file:line, exit 1, no SVG.
BAD=$SCRATCH/bad.jsonl
{ head -n 2 "$M"; echo '{"event":"step","step":3,"loss":'; } >"$BAD"
expect_error plot_bad_line 1 "^seqtrain: error: $BAD:3: syntax error while parsing value - .* at column 33\$" \
  10 -- \
  "$SEQTRAIN" plot "$BAD" --out "$SCRATCH/bad.svg"
[ -e "$SCRATCH/bad.svg" ] && fail "an SVG was written for a bad metrics file"
expect_error plot_missing_file 1 "^seqtrain: error: $SCRATCH/none.jsonl: cannot read metrics file" 10 -- \
  "$SEQTRAIN" plot "$SCRATCH/none.jsonl" --out "$SCRATCH/none.svg"
expect_error plot_no_out 2 "^seqtrain: error: plot: --out FILE.svg is required" 10 -- "$SEQTRAIN" plot "$M"
# An uncreatable TensorBoard folder stops training before the first step, naming it.
touch "$SCRATCH/plainfile"
expect_error tensorboard_dir_blocked 1 "^seqtrain: error: $SCRATCH/plainfile/tb: cannot create TensorBoard folder" 60 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps 2 --tensorboard-dir "$SCRATCH/plainfile/tb"

# A terminal (script(1) gives mpirun one): the progress line appears, the plain lines stay whole.
if command -v script >/dev/null; then
  script -qec "$MPIEXEC -n 2 $SEQTRAIN train --data-dir $SEQTRAIN_MNIST_DIR --max-steps 20 --display-step 10" \
    /dev/null >"$SCRATCH/tty.txt" 2>&1 </dev/null || fail "training under script exited $?"
  grep -q $'\repoch 1/1 | step 20/20 (100.0%) | loss [0-9.]* | [0-9]* samples/s | ETA 0:00' "$SCRATCH/tty.txt" \
    || fail "no progress line on a terminal"
  [ "$(tr -d '\r' <"$SCRATCH/tty.txt" | sed 's/\x1b\[K/\n/g' | grep -c '^Step [0-9]*, Minibatch Loss= ')" -eq 3 ] \
    || fail "plain step lines damaged on a terminal"
else
  fail "script(1) is needed to test the terminal progress line (package bsdutils)"
fi
finish
