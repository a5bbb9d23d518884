#!/usr/bin/python3
"""PyTorch as an independent peer of seqtrain's safetensors export and --init-from.

The model is the one docs/export_formats.md names: nn.LSTM or nn.GRU(I, H, num_layers=L,
batch_first=True, bidirectional=...) as attribute `lstm` or `gru`, and nn.Linear(F, K) as `fc`
on the last step's h_n (forward's final state, then reverse's) or on every step; the cell and
direction come from the tensor names, the head from the file's seqtrain_config (a
last-step classifier without one). Safetensors files are read and written here with
struct/json/numpy (the `safetensors` package is not in Debian 12).

  torch_peer.py correct WEIGHTS MNIST_DIR             test images classified right (a count)
  torch_peer.py write-init OUT SEED I H L K [CELL [bidirectional]]
                                                       PyTorch's own initial weights, biases random
  torch_peer.py predict WEIGHTS X.npy LEN.npy|- OUT    what `seqtrain predict --probabilities`
                                                       writes: a line per sequence (per real step
                                                       for a per-step head), softmax or values
  torch_peer.py first-loss WEIGHTS MNIST_DIR BATCH     mean cross-entropy of the first BATCH
                                                       training images (data.shuffle false)
  torch_peer.py probabilities WEIGHTS MNIST_DIR N LENGTHS_OUT PROBS_OUT
                                                       the first N test images with lengths
                                                       1 + i % T (packed sequences), for ONNX's
                                                       sequence_lens
"""
import gzip
import json
import struct
import sys

import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[base + begin : base + end], dtype="<f4")
        tensors[name] = torch.from_numpy(values.reshape(entry["shape"]).copy())
    return tensors, metadata


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        blob = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


class Model(nn.Module):
    def __init__(self, inputs, hidden, layers, outputs, cell="lstm", bidirectional=False,
                 per_step=False):
        super().__init__()
        self.cell, self.per_step = cell, per_step
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        setattr(self, cell, rnn(inputs, hidden, num_layers=layers, batch_first=True,
                                bidirectional=bidirectional))
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), outputs)

    def forward(self, x, lengths=None):
        rnn, steps = getattr(self, self.cell), x.shape[1]
        if lengths is not None:
            x = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        y, h = rnn(x)
        if self.per_step:
            if lengths is not None:  # 0 past each length, as seqtrain's layers
                y, _ = nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=steps)
            return self.fc(y)  # [batch, T, K]
        h = h[0] if self.cell == "lstm" else h  # h_n [layers * directions, batch, H]
        if rnn.bidirectional:
            return self.fc(torch.cat([h[-2], h[-1]], dim=1))  # top layer: forward, reverse
        return self.fc(h[-1])  # the top layer's state at each sequence's last step


def head_of(metadata):
    config = metadata.get("seqtrain_config", "")
    for line in config.splitlines():
        if line.strip().startswith("head:"):
            return line.split(":")[1].strip()
    return "LAST_STEP_CLASSIFIER"


def load_model(path):
    tensors, metadata = read_safetensors(path)
    cell = "gru" if "gru.weight_ih_l0" in tensors else "lstm"
    layers = sum(1 for name in tensors if name.startswith(cell + ".weight_ih_l") and not name.endswith("_reverse"))
    bidirectional = cell + ".weight_ih_l0_reverse" in tensors
    inputs = tensors[cell + ".weight_ih_l0"].shape[1]
    hidden = tensors[cell + ".weight_hh_l0"].shape[1]
    outputs = tensors["fc.weight"].shape[0]
    head = head_of(metadata)
    model = Model(inputs, hidden, layers, outputs, cell, bidirectional, head.startswith("PER_STEP"))
    model.load_state_dict(tensors, strict=True)
    model.regression = head.endswith("REGRESSION")
    return model.eval()


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data[16:], dtype=np.uint8).reshape(count, rows, cols)
    return np.frombuffer(data[8:], dtype=np.uint8)


def images(mnist_dir, split, limit=None):
    x = read_idx(f"{mnist_dir}/{split}-images-idx3-ubyte.gz")[:limit]
    y = read_idx(f"{mnist_dir}/{split}-labels-idx1-ubyte.gz")[:limit]
    # Row by row, pixel/255, in float32 as seqtrain reads them.
    return torch.from_numpy(x.astype(np.float32) / np.float32(255)), torch.from_numpy(y.astype(np.int64))


def main():
    torch.set_num_threads(1)
    command, args = sys.argv[1], sys.argv[2:]
    with torch.no_grad():
        if command == "correct":
            model = load_model(args[0])
            x, y = images(args[1], "t10k")
            print(int((model(x).argmax(1) == y).sum()))
        elif command == "write-init":
            out, seed, inputs, hidden, layers, classes = args[0], *map(int, args[1:6])
            cell = args[6] if len(args) > 6 else "lstm"
            torch.manual_seed(seed)
            model = Model(inputs, hidden, layers, classes, cell, args[7:] == ["bidirectional"])
            write_safetensors(out, model.state_dict())
        elif command == "first-loss":
            model = load_model(args[0])
            x, y = images(args[1], "train", int(args[2]))
            # In double from the float weights: the reference seqtrain's float loss is compared to.
            model = model.double()
            print("%.12g" % nn.functional.cross_entropy(model(x.double()), y).item())
        elif command == "probabilities":
            model = load_model(args[0])
            n = int(args[2])
            x, _ = images(args[1], "t10k", n)
            lengths = torch.tensor([1 + i % x.shape[1] for i in range(n)])
            probs = torch.softmax(model(x, lengths), dim=1)
            np.savetxt(args[3], lengths.numpy()[None, :], fmt="%d", delimiter="\t")
            np.savetxt(args[4], probs.numpy(), fmt="%.9g", delimiter="\t")
        elif command == "predict":
            model = load_model(args[0])
            x = np.load(args[1]).astype(np.float32)
            lengths = np.load(args[2]).astype(np.int64) if args[2] != "-" else np.full(len(x), x.shape[1])
            x = np.where(np.arange(x.shape[1])[None, :, None] < lengths[:, None, None], x, 0).astype(np.float32)
            out = model(torch.from_numpy(x), torch.from_numpy(lengths))
            if not model.regression:
                out = torch.softmax(out, dim=-1)
            out = out.numpy()
            if model.per_step:  # the real steps of each sequence, in order
                out = np.concatenate([out[b, : lengths[b]] for b in range(len(x))])
            np.savetxt(args[3], out, fmt="%.9g", delimiter="\t")
        else:
            sys.exit(f"torch_peer.py: unknown command {command}")


if __name__ == "__main__":
    main()
