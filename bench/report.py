#!/usr/bin/python3
"""The results section of bench/run.sh's report, from the raw JSON lines it collected in RAW_DIR.

Ratios are taken per repetition (runs side by side in the same repetition saw the same machine
noise) and then the median over repetitions is reported.
"""
import json
import os
import statistics
import sys

PHASES = ["data", "forward_gemm", "backward_gemm", "gate_math", "loss", "allreduce", "optimizer"]


def lines(raw, name):
    path = os.path.join(raw, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def spread(values, fmt="{:,.0f}"):
    if not values:
        return "n/a"
    low, high = fmt.format(min(values)), fmt.format(max(values))
    return f"{fmt.format(statistics.median(values))} ({low}-{high}, n {len(values)})"


def paired_ratio(a, b):
    """Median over repetitions of a[i] / b[i]."""
    ratios = [x / y for x, y in zip(a, b) if y > 0]
    return (statistics.median(ratios), min(ratios), max(ratios)) if ratios else None


def fmt_ratio(r):
    return "n/a" if r is None else f"{r[0]:.2f}x ({r[1]:.2f}-{r[2]:.2f})"


def simd_of(final):
    for key in ("simd", "simd_target", "isa"):
        if key in final:
            return str(final[key])
    return None


def gemm_table(roof, profile, label):
    """In-step GEMM rate per shape (rank 0) next to gemm_roofline's at the same shape."""
    micro = {}
    for s in roof["shapes"]:
        m = micro.setdefault(s["shape"], {"names": [], "flops": 0.0, "seconds": 0.0})
        m["names"].append(s["name"])
        dims = [int(v) for v in s["shape"].split()[1].split("x")]
        flops = 2.0 * dims[0] * dims[1] * dims[2] * s["calls_per_step"]
        m["flops"] += flops
        m["seconds"] += flops / (s["gflops"] * 1e9)
    rows = [f"In-step GEMMs, {label} (rank 0; CPU = the thread's CPU time, so time other processes "
            "had the core is left out; wall includes it):",
            "| shape | GEMM | calls/step | microbench GFLOP/s | in-step GFLOP/s (CPU) | in-step (wall) "
            "| in-step/micro |",
            "|---|---|---|---|---|---|---|"]
    steps = profile["step"]
    tot_flops = tot_cpu = tot_wall = tot_micro = 0.0
    for g in sorted(profile.get("gemm_by_shape", []), key=lambda g: -g["cpu_s"]):
        m = micro.get(g["shape"])
        dims = [int(v) for v in g["shape"].split()[1].split("x")]
        flops = 2.0 * dims[0] * dims[1] * dims[2] * g["calls"]
        tot_flops += flops
        tot_cpu += g["cpu_s"]
        tot_wall += g["wall_s"]
        micro_rate = m["flops"] / m["seconds"] / 1e9 if m else None
        if micro_rate:
            tot_micro += flops / (micro_rate * 1e9)
        rows.append(f"| {g['shape']} | {', '.join(m['names']) if m else '?'} | {g['calls'] / steps:.0f} | "
                    f"{micro_rate:.1f} | {g['gflops_cpu']:.1f} | {g['gflops']:.1f} | "
                    f"{100 * g['gflops_cpu'] / micro_rate:.0f}% |" if micro_rate else
                    f"| {g['shape']} | ? | {g['calls'] / steps:.0f} | n/a | {g['gflops_cpu']:.1f} | "
                    f"{g['gflops']:.1f} | |")
    if tot_cpu > 0:
        rows.append(f"| all | | | {tot_flops / tot_micro / 1e9:.1f} | {tot_flops / tot_cpu / 1e9:.1f} | "
                    f"{tot_flops / tot_wall / 1e9:.1f} | {100 * tot_micro / tot_cpu:.0f}% |")
        rows.append(f"GEMM time per step: {1000 * tot_cpu / steps:.2f} ms CPU, "
                    f"{1000 * tot_wall / steps:.2f} ms wall; "
                    f"at the microbenchmark's rates {1000 * tot_micro / steps:.2f} ms.")
    return "\n".join(rows)


def main():
    raw = sys.argv[1]
    roofs = {r["rows_per_rank"]: r for r in lines(raw, "roofline.jsonl")}
    roof_key = "roofline_samples_per_sec_per_core"
    roof = {1: roofs[128][roof_key], 2: 2 * roofs[64][roof_key]}
    # Per repetition, beside it; 2 ranks: the two cores' rates measured at the same time.
    beside = {1: [r[roof_key] for r in lines(raw, "roofline.np1.jsonl")]}
    both = [r[roof_key] for r in lines(raw, "roofline.np2.jsonl")]
    beside[2] = [both[i] + both[i + 1] for i in range(0, len(both) - 1, 2)]
    seq = {np: lines(raw, f"seqtrain.np{np}.jsonl") for np in (1, 2)}
    torch = {np: lines(raw, f"pytorch.np{np}.jsonl") for np in (1, 2)}
    dnnl = {b: lines(raw, f"onednn.b{b}.jsonl") for b in (128, 64)}
    sps = {np: [f["samples_per_sec"] for f in seq[np]] for np in (1, 2)}
    tps = {np: [f["samples_per_sec"] for f in torch[np]] for np in (1, 2)}
    dps = {b: [d["samples_per_sec_per_core"] for d in dnnl[b]] for b in (128, 64)}
    # Both cores at once: the two processes' per-core rates of one repetition, averaged.
    pair = [d["samples_per_sec_per_core"] for d in lines(raw, "onednn.b64.np2.jsonl")]
    dps_both = [(pair[i] + pair[i + 1]) / 2 for i in range(0, len(pair) - 1, 2)]

    print(f"OpenBLAS kernels: {roofs[64]['corename']}; "
          f"sgemm 1024^3: {roofs[64]['sgemm_1024_gflops']:.1f} GFLOP/s")
    simd = simd_of(seq[2][0]) if seq[2] else None
    print(f"seqtrain SIMD target: {simd or 'not reported by this build'}")
    if torch[2]:
        print(f"PyTorch {torch[2][0]['torch']}, ATen CPU capability {torch[2][0]['cpu_capability']}")
    if dnnl[64]:
        d = dnnl[64][0]
        print(f"oneDNN {d['dnnl']}, implementation fwd {d['impl_fwd']} / bwd {d['impl_bwd']}, "
              f"max ISA {d['max_cpu_isa']}, JIT ISA {d.get('effective_isa', 'not reported')}")
    print()
    print("| | 1 rank x 1 thread (batch 128) | 2 ranks x 1 thread (64 each) |")
    print("|---|---|---|")
    print(f"| roofline, samples/s, other core idle (a) | {roof[1]:,.0f} | {roof[2]:,.0f} |")
    if beside[1] and beside[2]:
        print(f"| roofline beside each rep (2 ranks: both cores at once) | {spread(beside[1])} | "
              f"{spread(beside[2])} |")
    print(f"| seqtrain, samples/s, median (min-max) | {spread(sps[1])} | {spread(sps[2])} |")
    print("| seqtrain, % of roofline (a) | " + " | ".join(
        f"{100 * statistics.median(sps[np]) / roof[np]:.0f}%" if sps[np] else "n/a" for np in (1, 2)) + " |")
    if beside[1] and beside[2]:
        def pct(r):
            return "n/a" if r is None else f"**{100 * r[0]:.0f}%** ({100 * r[1]:.0f}-{100 * r[2]:.0f})"
        print("| seqtrain, % of the roofline beside it (per rep) | " + " | ".join(
            pct(paired_ratio(sps[np], beside[np])) for np in (1, 2)) + " |")
    if tps[1] or tps[2]:
        print(f"| PyTorch DDP, samples/s | {spread(tps[1])} | {spread(tps[2])} |")
        print(f"| **seqtrain / PyTorch** (per rep) | {fmt_ratio(paired_ratio(sps[1], tps[1]))} | "
              f"{fmt_ratio(paired_ratio(sps[2], tps[2]))} |")
    if dps[128] or dps[64]:
        print(f"| oneDNN LSTM layer, samples/s per core (batch 128 / 64) | {spread(dps[128])} | "
              f"{spread(dps[64])} |")
        per_core = {1: sps[1], 2: [v / 2 for v in sps[2]]}
        print("| **seqtrain per core / oneDNN per core** (per rep) | "
              f"{fmt_ratio(paired_ratio(per_core[1], dps[128]))} | "
              f"{fmt_ratio(paired_ratio(per_core[2], dps[64]))} |")
        if dps_both:
            print(f"| oneDNN, batch 64 on both cores at once (as the 2 ranks run), per core | | "
                  f"{spread(dps_both)} |")
            print("| **seqtrain per core / oneDNN per core, both cores busy** (per rep) | | "
                  f"{fmt_ratio(paired_ratio(per_core[2], dps_both))} |")
    rss = {np: max((max(f["peak_rss_mib"]) for f in seq[np]), default=0) for np in (1, 2)}
    print(f"| seqtrain peak RSS per rank, MiB (max) | {rss[1]:.1f} | {rss[2]:.1f} |")
    if tps[2]:
        trss = {np: max((max(f["peak_rss_mib"]) for f in torch[np]), default=0) for np in (1, 2)}
        print(f"| PyTorch peak RSS per rank, MiB (max) | {trss[1]:.1f} | {trss[2]:.1f} |")
    print("| process start -> first step done, s (median) | " + " | ".join(
        f"{statistics.median(f['first_step_seconds'] for f in seq[np]):.2f}" if seq[np] else "n/a"
        for np in (1, 2)) + " |")
    print()
    print("Step time per phase, ms (median over reps; wall time, so it includes waiting for the core):")
    print("| phase | " + " | ".join(PHASES) + " | gate math share |")
    print("|---|" + "---|" * (len(PHASES) + 1))
    for np in (1, 2):
        if not seq[np]:
            continue
        med = [statistics.median(f["phase_ms_per_step"][p] for f in seq[np]) for p in PHASES]
        share = 100 * med[PHASES.index("gate_math")] / sum(med)
        print(f"| {np} rank(s) | " + " | ".join(f"{v:.3f}" for v in med) + f" | {share:.1f}% |")
    print()
    for np, b in ((2, 64), (1, 128)):
        prof = lines(raw, f"profile.np{np}.jsonl")
        if prof and "gemm_by_shape" in prof[0]:
            print(gemm_table(roofs[b], prof[0], f"{np} rank(s), batch {b} per rank"))
            print(f"(that profiled run: {prof[0]['samples_per_sec']:,.0f} samples/s, not counted above)")
            print()

    sweep = lines(raw, "sweep.jsonl")
    if sweep:
        print("Sweep, 2 ranks x 1 thread (one run each; "
              "GFLOP/s = model GEMM FLOPs per sample x samples/s per core):")
        print("| hidden | layers | batch/rank | steps | samples/s | GFLOP/s per core | roofline samples/s "
              "| % roofline "
              "| in-step GEMM / micro |")
        print("|---|---|---|---|---|---|---|---|---|")
        for s in sweep:
            r, f = s["roofline"], s["final"]
            roof2 = 2 * r["roofline_samples_per_sec_per_core"]
            gflops = f["samples_per_sec"] / 2 * r["mflop_per_sample"] / 1e3
            ratio = ""
            if "gemm_by_shape" in f:
                micro = {x["shape"]: x["gflops"] for x in r["shapes"]}
                need = cpu = 0.0
                for g in f["gemm_by_shape"]:
                    if g["shape"] in micro:
                        dims = [int(v) for v in g["shape"].split()[1].split("x")]
                        need += 2.0 * dims[0] * dims[1] * dims[2] * g["calls"] / (micro[g["shape"]] * 1e9)
                        cpu += g["cpu_s"]
                ratio = f"{100 * need / cpu:.0f}%" if cpu > 0 else ""
            print(f"| {s['hidden']} | {s['layers']} | {s['rows_per_rank']} | {s['steps']} | "
                  f"{f['samples_per_sec']:,.0f} | {gflops:.1f} | {roof2:,.0f} | "
                  f"{100 * f['samples_per_sec'] / roof2:.0f}% | {ratio} |")


if __name__ == "__main__":
    main()
