# Damaged MNIST files on 2 ranks: each gives one line naming the file and the
# problem, a non-zero exit, and no hang.
source "$(dirname "$0")/lib.sh"
need_mnist
RUN2=("$MPIEXEC" -n 2 "$SEQTRAIN" train --max-steps 1)

# Plain copies of the real files, so bytes can be edited in place.
GOOD=$SCRATCH/good
mkdir -p "$GOOD"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  gunzip -c "$SEQTRAIN_MNIST_DIR/$f.gz" >"$GOOD/$f.gz"   # plain bytes under the expected name
done
variant() {  # variant NAME: a copy of the good folder to damage
  mkdir -p "$SCRATCH/$1"
  cp "$GOOD"/* "$SCRATCH/$1/"
  echo "$SCRATCH/$1"
}

d=$(variant magic)
printf '\x00\x00\x08\x04' | dd of="$d/train-images-idx3-ubyte.gz" bs=1 seek=0 conv=notrunc status=none
expect_error wrong_magic 1 "train-images-idx3-ubyte.gz: bad magic number 0x00000804: expected 0x00000803" 15 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant truncated)
head -c 1000000 "$GOOD/train-images-idx3-ubyte.gz" >"$d/train-images-idx3-ubyte.gz"
expect_error truncated 1 "train-images-idx3-ubyte.gz: truncated: header promises 47040000 data bytes, file holds 999984" 15 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant truncated_gz)
head -c 100000 "$SEQTRAIN_MNIST_DIR/t10k-images-idx3-ubyte.gz" >"$d/t10k-images-idx3-ubyte.gz"
expect_error truncated_gz 1 "t10k-images-idx3-ubyte.gz: truncated" 15 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant count)
cp "$GOOD/t10k-labels-idx1-ubyte.gz" "$d/train-labels-idx1-ubyte.gz"
expect_error count_mismatch 1 "train-labels-idx1-ubyte.gz: holds 10000 labels but .*train-images-idx3-ubyte.gz holds 60000 images" 15 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant label)
printf '\x0a' | dd of="$d/t10k-labels-idx1-ubyte.gz" bs=1 seek=5008 conv=notrunc status=none
expect_error label_range 1 "t10k-labels-idx1-ubyte.gz: label 10 at index 5000 is out of range \[0, 10\)" 15 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant missing)
rm "$d/t10k-images-idx3-ubyte.gz"
expect_error missing 1 "t10k-images-idx3-ubyte.gz: cannot open: No such file or directory" 15 -- "${RUN2[@]}" --data-dir "$d"

expect_error no_such_dir 1 "data.dir = /no/such/dir: no such folder \(looked for the training set\)$" 15 -- "${RUN2[@]}" --data-dir /no/such/dir

# A file missing on rank 1 only (as when one node lacks the data): rank 1
# reports it and rank 0 does not wait forever.
d=$(variant one_rank)
cat >"$SCRATCH/rank_dir.sh" <<SH
#!/bin/bash
if [ "\$OMPI_COMM_WORLD_RANK" = 1 ]; then dir=$SCRATCH/missing; else dir=$GOOD; fi
exec "$SEQTRAIN" train --max-steps 1 --data-dir "\$dir"
SH
chmod +x "$SCRATCH/rank_dir.sh"
expect_error missing_on_rank1 1 "seqtrain: error: \[rank 1\] .*t10k-images-idx3-ubyte.gz: cannot open" 15 -- "$MPIEXEC" -n 2 "$SCRATCH/rank_dir.sh"

# The good copies (plain, not gzip) work.
timeout 120 "$MPIEXEC" -n 2 "$SEQTRAIN" train --max-steps 2 --data-dir "$GOOD" >"$SCRATCH/good.out" 2>&1 || fail "training on the plain copies failed: $(cat "$SCRATCH/good.out")"
finish
