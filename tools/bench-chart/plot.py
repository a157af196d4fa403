#!/usr/bin/env python3
"""Renders the benchmark chart of docs/benchmarks.md from the suite's JSON (quick or BDN mode).

    /usr/bin/python3 tools/bench-chart/plot.py bench.json docs/benchmarks-speedup.png

Needs matplotlib (Debian: apt-get install -y python3-matplotlib; use /usr/bin/python3). x axis: sparsity of the
784-512-512-10 MLP (unstructured; the 90% 8x1-block model is drawn as separate markers at 90%); y axis (log):
speed-up over ONNX Runtime (one thread) and over our own generated code on the dense model; batch 1 and 64.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

src, out = sys.argv[1], sys.argv[2]
family = sys.argv[3] if len(sys.argv) > 3 else "mlp784"
doc = json.load(open(src))
rows = [r for r in doc["results"] if r.get("family") == family and r.get("error") is None]
if not rows:
    sys.exit(f"no results for family {family} in {src}")

impl_style = {
    "pcg-auto": dict(color="#1f77b4", marker="o", lw=2.2, label="generated, auto"),
    "pcg-dense": dict(color="#1f77b4", marker="s", lw=1, ls="--", label="generated, Kernel=dense"),
    "pcg-sparse": dict(color="#1f77b4", marker="^", lw=1, ls=":", label="generated, Kernel=sparse"),
    "pcg-block": dict(color="#17becf", marker="D", lw=1, ls="-.", label="generated, Kernel=block"),
    "ort-1t": dict(color="#d62728", marker="x", lw=1.5, label="ONNX Runtime, 1 thread"),
    "ort-default": dict(color="#ff9896", marker="x", lw=1, ls="--", label="ONNX Runtime, default (2 threads)"),
    "tensorprimitives": dict(color="#2ca02c", marker="v", lw=1, label="TensorPrimitives dense"),
    "naive": dict(color="#7f7f7f", marker=".", lw=1, label="naive loop"),
}
impls = [i for i in impl_style if any(r["implementation"] == i for r in rows)]
batches = sorted({r["batch"] for r in rows})
metrics = [("ratio_vs_ort", "speed-up over ONNX Runtime (1 thread)"), ("ratio_vs_dense", "speed-up over own dense code")]

fig, axes = plt.subplots(len(metrics), len(batches), figsize=(6.2 * len(batches), 4.4 * len(metrics)), squeeze=False)
for ci, batch in enumerate(batches):
    for ri, (metric, ylabel) in enumerate(metrics):
        ax = axes[ri][ci]
        for impl in impls:
            pts = sorted((r["sparsity"] * 100, r[metric]) for r in rows
                         if r["implementation"] == impl and r["batch"] == batch and r["pattern"] in ("dense", "unstructured") and r[metric])
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], **impl_style[impl])
            blk = [(r["sparsity"] * 100, r[metric]) for r in rows
                   if r["implementation"] == impl and r["batch"] == batch and r["pattern"].startswith("8x1") and r[metric]]
            if blk:
                st = impl_style[impl]
                ax.scatter([b[0] + 1.2 for b in blk], [b[1] for b in blk], marker="*", s=140, color=st["color"],
                           edgecolor="black", linewidth=0.5, zorder=5)
        ax.axhline(1.0, color="black", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("sparsity of the weights (%)   ★ = 90% in 8x1 blocks")
        ax.set_ylabel(ylabel)
        ax.set_title(f"MLP 784-512-512-10, batch {batch}")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xticks([0, 50, 80, 90, 95, 98])
handles, labels = axes[0][0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False)
machine = doc.get("machine", {})
peak = doc.get("peak", {})
fig.suptitle(f"PrunedCodegen vs ONNX Runtime {machine.get('onnxruntime', '')} — {machine.get('cpu', '')}, one core, "
             f"{machine.get('runtime', '')}; {doc.get('mode', '')} mode; peak {peak.get('gflops', '?')} GFLOP/s ({peak.get('width', '')})",
             fontsize=10)
fig.tight_layout(rect=(0, 0.07, 1, 0.96))
fig.savefig(out, dpi=110)
print(f"wrote {out}")
