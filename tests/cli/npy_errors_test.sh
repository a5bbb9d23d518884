# Bad NumPy arrays on 2 ranks: each mismatch (dtype, order, shape, model shape, class,
# count, length, NaN/Inf, float y) gives one line naming the file, the field and
# the value, exit 1 and no hang.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/npy_lib.sh"

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
expect_error y_count 1 "$d/$Y: descr = '<i8', shape \(63,\): y must hold the targets of 64 sequences \(x's N\)$" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant length "n = np.load('$L'); n[3] = 101; np.save('$L', n)")
expect_error length_range 1 "$d/$L: length 101 at index 3 is out of range \[1, 100\] \(T of x\)$" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant test_length "n = np.load('test_len.npy'); n[7] = 0; np.save('test_len.npy', n)")
expect_error test_length_range 1 "$d/test_len.npy: length 0 at index 7 is out of range \[1, 100\]" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant nan "x = np.load('$X'); x[2, 0, 1] = np.nan; np.save('$X', x)")
expect_error nan_in_x 1 "$d/$X: NaN in x at sequence 2, step 0, input 1: x must be finite$" 20 -- "${RUN2[@]}" --data-dir "$d"

d=$(variant float_y "np.save('$Y', np.load('$Y').astype('<f4'))")
expect_error float_y 1 "$d/$Y: descr = '<f4', shape \(64,\): class ids must be integers \(model.head reads a class per sequence\)" 20 -- "${RUN2[@]}" --data-dir "$d"
finish
