# Fashion-MNIST from Debian's dataset-fashion-mnist (tools/install_deps.sh installs it) through
# the IDX path with configs/fashion_mnist_lstm.txtpb, whose data.dir is the package's folder:
# 100 steps on 2 ranks learn it well above chance (0.1), and the decoded images are cached in
# the user's cache folder, never beside the package's files under /usr.
source "$(dirname "$0")/lib.sh"
FASHION=/usr/share/datasets/fashion-mnist
if [ ! -f "$FASHION/train-images-idx3-ubyte.gz" ]; then
  fail "$FASHION has no Fashion-MNIST: apt-get install dataset-fashion-mnist (tools/install_deps.sh)"
  finish
fi
had_cache_beside=0
[ ! -e "$FASHION/.seqtrain-cache" ] || had_cache_beside=1
timeout 150 "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$(dirname "$0")/../../configs/fashion_mnist_lstm.txtpb" \
  --max-steps 100 --display-step 50 --checkpoint-dir "$SCRATCH/ckpt" --set logging.metrics_path= \
  >"$SCRATCH/out.txt" 2>"$SCRATCH/err.txt" </dev/null || fail "training exited $?: $(tail -n 3 "$SCRATCH/err.txt")"
grep -q "^  dir: \"$FASHION\"$" "$SCRATCH/out.txt" || fail "the run did not read $FASHION"
acc=$(sed -n 's/^Optimization Finished! Testing Accuracy: \([0-9.]*\) (100 steps.*/\1/p' "$SCRATCH/out.txt")
grep -q "Test Accuracy= $acc, Test Loss= [0-9.]* (10000 images)" "$SCRATCH/out.txt" || fail "not evaluated on the 10000 test images"
awk -v a="${acc:-0}" 'BEGIN { exit !(a >= 0.6) }' || fail "test accuracy '$acc' after 100 steps < 0.6"
echo "Fashion-MNIST test accuracy after 100 steps on 2 ranks: $acc"
[ $had_cache_beside = 1 ] || [ ! -e "$FASHION/.seqtrain-cache" ] || fail "a cache was written under $FASHION"
ls "${XDG_CACHE_HOME:-$HOME/.cache}"/seqtrain/train-images-idx3-ubyte.gz-26421856-*.packed >/dev/null 2>&1 \
  || fail "no cache of the Fashion-MNIST training images in the user's cache folder"
finish
