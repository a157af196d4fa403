#!/usr/bin/env python3
"""Markdown tables for docs/benchmarks.md from the benchmark suite's JSON (quick or BDN mode).

    /usr/bin/python3 tools/bench-chart/tables.py bench.json            # headline + full tables
    /usr/bin/python3 tools/bench-chart/tables.py bench.json --headline # headline only
"""
import json
import sys

doc = json.load(open(sys.argv[1]))
headline_only = "--headline" in sys.argv
res = [r for r in doc["results"] if r.get("error") is None]
errors = [r for r in doc["results"] if r.get("error")]


def fmt_ns(ns):
    return f"{ns:,.0f}"


def ratio(x):
    return "-" if x is None else (f"{x:.1f}x" if x >= 10 else f"{x:.2f}x")


def pct(x):
    return "-" if x is None else f"{x:.1f}"


def get(case, impl, batch):
    for r in res:
        if r["case"] == case and r["implementation"] == impl and r["batch"] == batch:
            return r
    return None


def label(r):
    if r["family"] == "digits_cnn":
        # The CNN is pruned by filters: name the pattern, not the weight sparsity (39% of all weights).
        return f"digits CNN {r['arch']} " + ("dense" if r["pattern"] == "dense" else "50% filters pruned")
    prefix = "digits " if r["family"] == "digits" else ""
    if r["pattern"] == "dense":
        return f"{prefix}{r['arch']} dense"
    kind = "8x1 blocks" if r["pattern"].startswith("8x1") else "unstructured"
    return f"{prefix}{r['arch']} {r['sparsity'] * 100:.0f}% {kind}"


# Headline: per case and batch, the generated code (auto) against ORT one thread, ORT default, TensorPrimitives.
cases = []
for r in res:
    key = (r["case"], r["batch"])
    if key not in cases:
        cases.append(key)
order = {"digits": 0, "digits_cnn": 1, "mlp784": 2, "mlp1024": 3}
cases.sort(key=lambda k: (order.get(get(k[0], "pcg-auto", k[1])["family"] if get(k[0], "pcg-auto", k[1]) else "", 9), k[1],
                          get(k[0], "pcg-auto", k[1])["sparsity"] if get(k[0], "pcg-auto", k[1]) else 0,
                          k[0]))
print("| model | batch | generated (auto) ns | ORT 1 thread ns | ORT default ns | TensorPrimitives ns | vs ORT | vs own dense | % of peak |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for case, batch in cases:
    a = get(case, "pcg-auto", batch)
    o = get(case, "ort-1t", batch)
    if a is None or o is None:
        continue
    od = get(case, "ort-default", batch)
    tp = get(case, "tensorprimitives", batch)
    print(f"| {label(a)} | {batch} | {fmt_ns(a['ns_median'])} | {fmt_ns(o['ns_median'])} | {fmt_ns(od['ns_median']) if od else '-'} "
          f"| {fmt_ns(tp['ns_median']) if tp else '-'} | **{ratio(a['ratio_vs_ort'])}** | {ratio(a['ratio_vs_dense'])} | {pct(a['pct_of_peak'])} |")

if headline_only:
    sys.exit(0)

print()
print("All implementations (ns median per call; in brackets: speed-up over ORT one thread / over own dense / % of peak):")
print()
impls = []
for r in res:
    if r["implementation"] not in impls:
        impls.append(r["implementation"])
print("| model | batch | " + " | ".join(impls) + " |")
print("|---|---:|" + "---:|" * len(impls))
for case, batch in cases:
    a = get(case, "pcg-auto", batch) or next(r for r in res if r["case"] == case)
    cells = []
    for impl in impls:
        r = get(case, impl, batch)
        cells.append("-" if r is None else f"{fmt_ns(r['ns_median'])} ({ratio(r['ratio_vs_ort'])} / {ratio(r['ratio_vs_dense'])} / {pct(r['pct_of_peak'])})")
    print(f"| {label(a)} | {batch} | " + " | ".join(cells) + " |")

allocs = sorted({(r["implementation"], r["alloc_bytes"]) for r in res if r.get("alloc_bytes")})
print()
if allocs:
    print("Managed allocations per call: " + ", ".join(f"{i} {b:,.0f} B" for i, b in allocs))
else:
    print("Managed allocations per call: 0 bytes for every implementation (ONNX Runtime's native allocations are not visible here).")
if errors:
    print()
    for r in errors:
        print(f"- {r['case']} {r['implementation']} batch {r['batch']}: {r['error']}")
