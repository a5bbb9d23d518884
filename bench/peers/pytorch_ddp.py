#!/usr/bin/python3
"""PyTorch DDP peer of seqtrain's reference workload, for bench/run.sh.

Same workload as `seqtrain train`: MNIST rows as 28 steps x 28 inputs (pixel/255), LSTM 128,
linear 10 on the last step, softmax cross-entropy, Adam 1e-3 (betas 0.9/0.999, eps 1e-8),
global batch 128 split over the ranks as seqtrain splits it, one thread per process. The initial
weights and the epoch order are seqtrain's own (its xoshiro256** streams, re-implemented here),
so both programs start from the same parameters and see the same batches.

Run under torchrun (gloo), one process per rank:
  torchrun --standalone --nproc_per_node=2 --redirects 2 --tee 2 bench/peers/pytorch_ddp.py \
      --data-dir DIR --steps 300 --warmup 20
Rank 0 prints one JSON line: samples/s over the timed steps (after the warmup steps), peak RSS
per rank, the loss of the first step, and the versions used.
"""
import argparse
import gzip
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def derive_seed(seed, purpose, index):  # src/util/rng.h DeriveSeed
    s, a = splitmix64(seed)
    a ^= (purpose * 0xD1B54A32D192ED03) & MASK
    s, b = splitmix64(a)
    b ^= (index * 0x8CB92BA72F3D8DD7) & MASK
    _, c = splitmix64(b)
    return c


class Rng:  # src/util/rng.h: xoshiro256**
    def __init__(self, seed):
        self.s = []
        for _ in range(4):
            seed, w = splitmix64(seed)
            self.s.append(w)

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform01(self):
        return (self.next() >> 11) * 2.0 ** -53

    def below(self, n):
        threshold = ((1 << 64) - n) % n
        while True:
            product = self.next() * n
            if (product & MASK) >= threshold:
                return product >> 64


def random_permutation(n, seed):  # src/util/rng.h RandomPermutation
    perm = list(range(n))
    rng = Rng(seed)
    for i in range(n - 1, 0, -1):
        j = rng.below(i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm, dtype=np.int64)


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    offset = 4 + 4 * len(dims)
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


class Classifier(torch.nn.Module):
    def __init__(self, inputs, hidden, layers, classes):
        super().__init__()
        self.lstm = torch.nn.LSTM(inputs, hidden, num_layers=layers)
        self.out = torch.nn.Linear(hidden, classes)

    def forward(self, x):  # x (T, B, I)
        h, _ = self.lstm(x)
        return self.out(h[-1])


def initialize_like_seqtrain(model, seed, inputs, hidden, layers, classes, forget_bias=1.0):
    """LstmClassifier::Initialize: the same draws in the same order, so the same start."""
    rng = Rng(derive_seed(seed, 1, 0))
    gates = 4 * hidden
    with torch.no_grad():
        for layer in range(layers):
            fan_in = (inputs if layer == 0 else hidden)
            limit = math.sqrt(6.0 / (fan_in + hidden + gates))
            for name, rows in (("weight_ih", fan_in), ("weight_hh", hidden)):
                # seqtrain stores (rows, 4H) row-major; PyTorch wants (4H, rows).
                w = np.array([-limit + 2 * limit * rng.uniform01() for _ in range(rows * gates)])
                getattr(model.lstm, f"{name}_l{layer}").copy_(torch.from_numpy(w.reshape(rows, gates).T))
            bias = torch.zeros(gates)
            bias[hidden:2 * hidden] = forget_bias  # gate order i, f, g, o in both
            getattr(model.lstm, f"bias_ih_l{layer}").copy_(bias)
            getattr(model.lstm, f"bias_hh_l{layer}").zero_()

        def normal():
            u1 = 1.0 - rng.uniform01()
            u2 = rng.uniform01()
            return math.sqrt(-2.0 * math.log(u1)) * math.cos(2 * math.pi * u2)

        w = np.array([normal() for _ in range(hidden * classes)]).reshape(hidden, classes)
        model.out.weight.copy_(torch.from_numpy(w.T))
        model.out.bias.copy_(torch.tensor([normal() for _ in range(classes)]))


def cpu_capability():
    """ATen's kernel ISA (ATEN_CPU_CAPABILITY caps it), from the build summary in torch 1.x."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--steps", type=int, default=300, help="timed steps, after the warmup")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=128, help="global, split over the ranks")
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--num-layers", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    torch.set_num_threads(1)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 or "RANK" in os.environ:
        dist.init_process_group("gloo")
    rank = dist.get_rank() if dist.is_initialized() else 0

    path = os.path.join(args.data_dir, "train-images-idx3-ubyte.gz")
    images = read_idx(path)
    labels = read_idx(os.path.join(args.data_dir, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    count, steps_t, inputs = images.shape[0], images.shape[1], images.shape[2]
    if images.shape[1:] != (28, 28) or labels.shape[0] != count:
        sys.exit(f"pytorch_ddp.py: error: {path}: expected N x 28 x 28 images with N labels")
    classes = 10

    model = Classifier(inputs, args.hidden_size, args.num_layers, classes)
    initialize_like_seqtrain(model, args.seed, inputs, args.hidden_size, args.num_layers, classes)
    if dist.is_initialized():
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = torch.nn.CrossEntropyLoss()

    epoch, position, order = 0, 0, random_permutation(count, derive_seed(args.seed, 2, 0))
    first_loss = None
    start = None
    total = args.warmup + args.steps
    for step in range(total):
        if step == args.warmup:
            if dist.is_initialized():
                dist.barrier()
            start = time.perf_counter()
        global_batch = min(args.batch_size, count - position)
        # seqtrain's ShardRange: contiguous slices whose sizes differ by at most one.
        base, extra = divmod(global_batch, world)
        mine_begin = position + rank * base + min(rank, extra)
        idx = order[mine_begin:mine_begin + base + (1 if rank < extra else 0)]
        x = torch.from_numpy(images[idx].transpose(1, 0, 2).astype(np.float32)) * (1.0 / 255.0)
        y = torch.from_numpy(labels[idx])
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if first_loss is None:
            first_loss = float(loss)
        position += global_batch
        if position >= count:
            epoch, position = epoch + 1, 0
            order = random_permutation(count, derive_seed(args.seed, 2, epoch))
    if dist.is_initialized():
        dist.barrier()
    seconds = time.perf_counter() - start
    rss = torch.tensor([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0], dtype=torch.float64)
    rss_all = [torch.zeros_like(rss) for _ in range(world)]
    if dist.is_initialized():
        dist.all_gather(rss_all, rss)
    else:
        rss_all = [rss]
    if rank == 0:
        print(json.dumps({
            "peer": "pytorch_ddp", "world_size": world, "threads_per_rank": torch.get_num_threads(),
            "steps": args.steps, "warmup_steps": args.warmup, "global_batch": args.batch_size,
            "hidden": args.hidden_size, "layers": args.num_layers,
            "samples_per_sec": args.steps * args.batch_size / seconds, "seconds": seconds,
            "first_step_loss_rank0": first_loss,
            "peak_rss_mib": [round(float(r.item()), 1) for r in rss_all],
            "cpu_capability": cpu_capability(),
            "torch": torch.__version__}), flush=True)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
