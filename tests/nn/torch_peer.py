#!/usr/bin/python3
"""PyTorch peer of seqtrain's model (torch_peer_test.cc): reads the model's tensors and a batch
in seqtrain's layout, runs nn.LSTM / nn.GRU (packed by the lengths) and a linear head on h_n in
float64, and writes the loss sum, the probabilities, every tensor's gradient and dx back.

Usage: torch_peer.py IN OUT. seqtrain -> PyTorch: w_x (I, G) is weight_ih transposed, w_h
(H, G) weight_hh transposed; GRU b_x / b_h are bias_ih / bias_hh; the LSTM's one b is bias_ih
(bias_hh = 0); out/w (F, K) is the linear weight transposed."""
import sys

import torch


def read(path):
    values = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts:
                values[parts[0]] = parts[1:]
    return values


def main():
    src = read(sys.argv[1])
    cell = src["cell"][0]
    bidir = src["bidirectional"][0] == "1"
    I, T, H, L, K, B = (int(v) for v in src["sizes"])
    tensors = {k[len("tensor:"):]: torch.tensor([float(v) for v in vals], dtype=torch.float64)
               for k, vals in src.items() if k.startswith("tensor:")}
    x = torch.tensor([float(v) for v in src["x"]], dtype=torch.float64).reshape(T, B, I)
    labels = torch.tensor([int(v) for v in src["labels"]])
    lengths = torch.tensor([int(v) for v in src["lengths"]])
    x.requires_grad_(True)
    G = (3 if cell == "gru" else 4) * H
    rnn_class = torch.nn.GRU if cell == "gru" else torch.nn.LSTM
    rnn = rnn_class(I, H, num_layers=L, bidirectional=bidir).double()
    leaves = {}
    with torch.no_grad():
        for l in range(L):
            layer_in = I if l == 0 else (2 * H if bidir else H)
            for suffix, ours in [("", f"{cell}{l}/"), ("_reverse", f"{cell}{l}_reverse/")]:
                if suffix and not bidir:
                    continue
                getattr(rnn, f"weight_ih_l{l}{suffix}").copy_(
                    tensors[ours + "w_x"].reshape(layer_in, G).t())
                getattr(rnn, f"weight_hh_l{l}{suffix}").copy_(
                    tensors[ours + "w_h"].reshape(H, G).t())
                if cell == "gru":
                    getattr(rnn, f"bias_ih_l{l}{suffix}").copy_(tensors[ours + "b_x"])
                    getattr(rnn, f"bias_hh_l{l}{suffix}").copy_(tensors[ours + "b_h"])
                else:
                    getattr(rnn, f"bias_ih_l{l}{suffix}").copy_(tensors[ours + "b"])
                    getattr(rnn, f"bias_hh_l{l}{suffix}").zero_()
    F = 2 * H if bidir else H
    w_out = tensors["out/w"].reshape(F, K).clone().requires_grad_(True)
    b_out = tensors["out/b"].clone().requires_grad_(True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
    _, state = rnn(packed)
    h_n = state if cell == "gru" else state[0]  # (L * directions, B, H)
    final = torch.cat([h_n[-2], h_n[-1]], dim=1) if bidir else h_n[-1]
    logits = final @ w_out + b_out
    loss = torch.nn.functional.cross_entropy(logits, labels, reduction="sum")
    loss.backward()
    probs = torch.softmax(logits, dim=1)

    def grad_of(name):
        if name == "out/w":
            return w_out.grad.reshape(-1)
        if name == "out/b":
            return b_out.grad
        prefix, what = name.split("/")
        suffix = "_reverse" if prefix.endswith("_reverse") else ""
        l = int(prefix[len(cell):].replace("_reverse", ""))
        w = lambda kind: getattr(rnn, f"{kind}_l{l}{suffix}").grad
        return {"w_x": lambda: w("weight_ih").t().reshape(-1),
                "w_h": lambda: w("weight_hh").t().reshape(-1),
                "b_x": lambda: w("bias_ih"), "b_h": lambda: w("bias_hh"),
                "b": lambda: w("bias_ih")}[what]()

    def line(key, t):
        return key + " " + " ".join(repr(float(v)) for v in t.detach().reshape(-1)) + "\n"

    with open(sys.argv[2], "w") as out:
        out.write(f"loss {float(loss)!r}\n")
        out.write(line("probs", probs))
        out.write(line("dx", x.grad))
        for name in tensors:
            out.write(line("grad:" + name, grad_of(name)))


if __name__ == "__main__":
    main()
