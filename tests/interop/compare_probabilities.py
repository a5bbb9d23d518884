#!/usr/bin/python3
"""compare_probabilities.py A B MIN_AGREEMENT TOLERANCE [all-classes]: two files of per-image
class probabilities (a line per image, tab-separated) agree: the argmax is the same on at least
MIN_AGREEMENT of the images, and no probability differs by more than TOLERANCE; with
all-classes, A's argmax also takes every class (a trained model, not a constant one)."""
import sys

import numpy as np

a, b = np.loadtxt(sys.argv[1], ndmin=2), np.loadtxt(sys.argv[2], ndmin=2)
min_agreement, tolerance = float(sys.argv[3]), float(sys.argv[4])
if a.shape != b.shape:
    sys.exit(f"FAIL: shapes {a.shape} and {b.shape} differ")
agreement = float(np.mean(a.argmax(1) == b.argmax(1)))
worst = float(np.abs(a - b).max())
# Trained, not trivial: the probabilities are spread, not all one class.
spread = float(np.mean(a.max(1) < 0.99))
print(f"{a.shape[0]} images: argmax agrees on {agreement:.4%}, largest probability difference "
      f"{worst:.3g}, {spread:.1%} of images below 0.99 confidence, {len(set(a.argmax(1)))} classes")
ok = agreement >= min_agreement and worst <= tolerance
if sys.argv[5:] == ["all-classes"]:
    ok = ok and len(set(a.argmax(1))) == a.shape[1]
sys.exit(0 if ok else 1)
