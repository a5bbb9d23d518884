#!/usr/bin/env python3
"""Epochs and wall seconds to 98.0/98.5/99.0% test accuracy from stamped console logs.

Usage: time_to_accuracy.py LOG... [--steps-per-epoch N]
A LOG's lines are "SECONDS <console line>" (bench/time_to_accuracy.sh writes them). The eval lines
("Step S, Test Accuracy= A" and, with a weight average, "Step S, EMA Test Accuracy= A") give the
first step at which each threshold is reached; epochs = S / steps per epoch (469: 60,000 MNIST
images at batch 128)."""
import re
import sys

THRESHOLDS = (0.980, 0.985, 0.990)


def main(argv):
    steps_per_epoch = 469
    if "--steps-per-epoch" in argv:
        i = argv.index("--steps-per-epoch")
        steps_per_epoch = int(argv[i + 1])
        del argv[i:i + 2]
    line = re.compile(r"^([0-9.]+) Step ([0-9]+), (EMA )?Test Accuracy= ([0-9.]+)")
    for path in argv:
        evals = {"raw": [], "ema": []}
        final = None
        for text in open(path):
            m = line.match(text)
            if m:
                evals["ema" if m.group(3) else "raw"].append(
                    (float(m.group(1)), int(m.group(2)), float(m.group(4))))
            elif "Optimization Finished! Testing Accuracy:" in text:
                final = text.split("Testing Accuracy:")[1].split()[0]
        for kind, rows in evals.items():
            if not rows:
                continue
            cells = []
            for t in THRESHOLDS:
                hit = next(((s, step) for s, step, a in rows if a >= t), None)
                cells.append("%.1f%%: %s" % (100 * t, "not reached" if hit is None else
                                             "%.1f epochs, %.0f s" % (hit[1] / steps_per_epoch,
                                                                      hit[0])))
            print("%s %s: %s; last eval %.2f%% at step %d (final line: %s)" %
                  (path, kind, "; ".join(cells), 100 * rows[-1][2], rows[-1][1], final))


if __name__ == "__main__":
    main(sys.argv[1:])
