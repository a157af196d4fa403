#!/usr/bin/env python3
"""The real-CNN table of docs/benchmarks.md (issue 14) from the benchmark suite's JSON: per model, variant, input set
and batch, pcg-auto against ort-1t (ONNX Runtime, one thread), our own dense code and the FMA peak.

    /usr/bin/python3 tools/bench-chart/cnn_table.py docs/benchmarks-data/quick-cnn-baseline-<commit>.json
"""
import json
import sys

doc = json.load(open(sys.argv[1]))
res = doc["results"]
ORDER = ["digits_cnn", "mnist_cnn", "cifar_cnn", "resnet8", "mobilenet025", "dscnn", "superres", "detector"]
VARIANT = {"dense": "dense", "f50": "50% filters", "s80": "80% unstructured", "pruned": "50% filters"}


def get(case, impl, batch):
    return next((r for r in res if r["case"] == case and r["implementation"] == impl and r["batch"] == batch), None)


def ratio(x):
    return "-" if x is None else (f"{x:.1f}x" if x >= 10 else f"{x:.2f}x")


m = doc["machine"]
p = doc["peak"]
print(f"Machine: {m['cpu']}, {m.get('family', '?')}, {m['logical_cores']} logical cores; {m.get('isa_summary', m['isa'])}; "
      f"{m['runtime']}, ONNX Runtime {m['onnxruntime']}; load average at start {m['loadavg'].split()[0]}; "
      f"FMA peak {p['gflops']} GFLOP/s ({p['width']}{', %.1f FMA lanes/cycle at %.2f GHz' % (p['fma_lanes_per_cycle'], p['clock_ghz']) if 'clock_ghz' in p else ''}).")
print()
print("| model | variant | inputs | batch | pcg-auto ns | ort-1t ns | vs ORT | vs own dense | % of peak (pcg / ORT) |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
keys = sorted({(r["case"], r["batch"]) for r in res if r["implementation"] in ("pcg-auto", "ort-1t")},
              key=lambda k: (ORDER.index(next(r["family"] for r in res if r["case"] == k[0])) if next(r["family"] for r in res if r["case"] == k[0]) in ORDER else 99,
                             "@" in k[0], ["dense", "f50", "pruned", "s80"].index(k[0].split("@")[0].rsplit("_", 1)[1]) if k[0].split("@")[0].rsplit("_", 1)[1] in ["dense", "f50", "pruned", "s80"] else 9, k[1]))
for case, batch in keys:
    a, o = get(case, "pcg-auto", batch), get(case, "ort-1t", batch)
    any_r = a or o
    name = case.split("@")[0]
    variant = VARIANT.get(name.rsplit("_", 1)[1], any_r["pattern"])
    inputs = any_r.get("inputs", "uniform")
    if inputs == "image":
        inputs = f"MNIST-like ({any_r.get('input_zero_fraction', 0) * 100:.0f}% zeros)"
    elif inputs == "digits":
        inputs = "digits test images"
    else:
        inputs = "uniform [0,1)"
    if a is None or a.get("error"):
        print(f"| {any_r['family']} {any_r['arch'].split('-')[0]} | {variant} | {inputs} | {batch} | {('ERROR: ' + a['error']) if a else '-'} | | | | |")
        continue
    ons = f"{o['ns_median']:,.0f}" if o and not o.get("error") else "-"
    po = f"{o['pct_of_peak']:.1f}" if o and not o.get("error") else "-"
    print(f"| {any_r['family']} {any_r['arch'].split('-')[0]} | {variant} | {inputs} | {batch} | {a['ns_median']:,.0f} | {ons} | "
          f"**{ratio(a['ratio_vs_ort'])}** | {ratio(a['ratio_vs_dense'])} | {a['pct_of_peak']:.1f} / {po} |")
errors = [r for r in res if r.get("error")]
if errors:
    print()
    for r in errors:
        print(f"- {r['case']} {r['implementation']} batch {r['batch']}: {r['error']}")
