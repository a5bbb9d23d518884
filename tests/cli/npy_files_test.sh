# Bad NumPy files on 2 ranks: cut or missing files, nothing to detect, a damaged
# .npz, each one line with exit 1; a rank whose copy of a file differs is named
# by the data agreement; the good folder trains.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/npy_lib.sh"

d=$(variant cut "open('$X', 'r+b').truncate(5000)")
expect_error truncated_x 1 "$d/$X: truncated: shape \(64, 100, 4\) of <f4 is 102400 data bytes, the file holds 4872$" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant no_y "import os; os.remove('$Y')")
expect_error missing_y 1 "$d/$Y: cannot open: No such file or directory$" 20 -- "${RUN2[@]}" --data-dir "$d"

mkdir -p "$SCRATCH/empty"
expect_error nothing_there 1 "data.format = \"auto\": no training set in $SCRATCH/empty: looked for train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz \(idx\) and for train_x.npy \(with train_y.npy, \[train_len.npy\]\) or train.npz \(npy\)$" \
  20 -- "${RUN2[@]}" --data-dir "$SCRATCH/empty"
expect_error npy_format_nothing_there 1 "$SCRATCH/empty/train_x.npy: cannot open: no train_x.npy \(with train_y.npy, \[train_len.npy\]\) or train.npz in $SCRATCH/empty \(data.format npy\)$" \
  20 -- "${RUN2[@]}" --data-dir "$SCRATCH/empty" --set data.format=npy

# One archive per set: damage in it names the archive and the member.
Z=$SCRATCH/npz
"$PY" "$(dirname "$0")/make_sequence_task.py" "$Z" --train 64 --test 32 --npz || fail "writing the npz task failed"
"$PY" - "$Z/train.npz" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[b.index(b"NUMPY", 200) + 300] ^= 0x55  # a byte of y's data (the second member)
open(sys.argv[1], "wb").write(b)
PY
expect_error npz_crc 1 "$Z/train.npz: y.npy: CRC-32 [0-9A-F]{8}, its entry says [0-9A-F]{8}$" 20 -- "${RUN2[@]}" --data-dir "$Z"
head -c 3000 "$GOOD/test_x.npy" >"$Z/train.npz"
expect_error npz_not_zip 1 "$Z/train.npz: not a zip archive \(no end of central directory\)$" 20 -- "${RUN2[@]}" --data-dir "$Z"

# Rank 1 reads a copy with one class changed: the checksum names the file.
d=$(variant other_label "y = np.load('$Y'); y[0] = (y[0] + 1) % 4; np.save('$Y', y)")
expect_error other_copy_on_rank1 1 \
  "seqtrain: error: \[rank 1\] training set differs from rank 0's: $Y crc32c [0-9A-F]{8} vs [0-9A-F]{8} \(rank 0\)$" \
  30 -- "$MPIEXEC" -n 1 "$SEQTRAIN" train --max-steps 1 "${MODEL[@]}" --data-dir "$GOOD" : \
        -n 1 "$SEQTRAIN" train --max-steps 1 "${MODEL[@]}" --data-dir "$d"

# The good folder trains (the errors above are the data's, not the command's).
timeout 120 "${RUN2[@]}" --data-dir "$GOOD" >"$SCRATCH/good.out" 2>&1 || fail "training on the good folder failed: $(tail -3 "$SCRATCH/good.out")"
finish
