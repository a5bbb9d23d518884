# Bad NumPy data on 2 ranks: each mismatch gives one line naming the file, the
# field and the value, exit 1 and no hang; a rank whose copy of a file differs
# is named by the data agreement.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import numpy' 2>/dev/null || { fail "$PY with numpy is needed (python3-numpy)"; finish; }
GOOD=$SCRATCH/good
"$PY" "$(dirname "$0")/make_sequence_task.py" "$GOOD" --train 64 --test 32 || fail "writing the task failed"
MODEL=(--set model.time_steps=100 --set model.input_size=4 --set model.num_classes=4 --hidden-size 8
       --batch-size 16)
RUN2=("$MPIEXEC" -n 2 "$SEQTRAIN" train --max-steps 1 "${MODEL[@]}")
# variant NAME PYTHON: a copy of the good folder, changed by PYTHON (numpy as np, d the folder).
variant() {
  mkdir -p "$SCRATCH/$1"
  cp "$GOOD"/* "$SCRATCH/$1/"
  (cd "$SCRATCH/$1" && "$PY" -c "import numpy as np; d='.'; $2") >&2 || fail "variant $1"
  echo "$SCRATCH/$1"
}
X=train_x.npy
Y=train_y.npy
L=train_len.npy

d=$(variant dtype "np.save('$X', np.load('$X').astype('<i4'))")
expect_error x_dtype 1 "$d/$X: descr = '<i4': x must be float32 \('<f4'\), float64 \('<f8'\) or uint8 \('\|u1'\)$" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant fortran "np.save('$X', np.asfortranarray(np.load('$X')))")
expect_error fortran_order 1 "$d/$X: fortran_order = True: only C order is read" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant x_2d "np.save('$X', np.load('$X')[:, :, 0])")
expect_error x_shape 1 "$d/$X: shape \(64, 100\): x must be \(N, T, I\)" 20 -- "${RUN2[@]}" --data-dir "$d"

expect_error model_shape 1 "$GOOD/$X: shape \(64, 100, 4\) \(N, T, I\) but model.time_steps = 28 and model.input_size = 28: the model's shape must match the data \(--set model.time_steps=100 --set model.input_size=4\)$" \
  20 -- "$MPIEXEC" -n 2 "$SEQTRAIN" train --max-steps 1 --data-dir "$GOOD" --set model.num_classes=4

d=$(variant class "y = np.load('$Y'); y[5] = 4; np.save('$Y', y)")
expect_error class_range 1 "$d/$Y: class 4 at index 5 is out of range \[0, 4\) \(model.num_classes = 4\)$" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant count "np.save('$Y', np.load('$Y')[:63])")
expect_error y_count 1 "$d/$Y: descr = '<i8', shape \(63,\): y must hold one target per sequence, 64 \(x's N\)$" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant length "n = np.load('$L'); n[3] = 101; np.save('$L', n)")
expect_error length_range 1 "$d/$L: length 101 at index 3 is out of range \[1, 100\] \(T of x\)$" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant test_length "n = np.load('test_len.npy'); n[7] = 0; np.save('test_len.npy', n)")
expect_error test_length_range 1 "$d/test_len.npy: length 0 at index 7 is out of range \[1, 100\]" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant nan "x = np.load('$X'); x[2, 0, 1] = np.nan; np.save('$X', x)")
expect_error nan_in_x 1 "$d/$X: NaN in x at sequence 2, step 0, input 1: x must be finite$" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant float_y "np.save('$Y', np.load('$Y').astype('<f4'))")
expect_error float_y 1 "$d/$Y: descr = '<f4', shape \(64,\): float y are regression targets, which need model.head" 20 -- "${RUN2[@]}" --data-dir "$d"

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
