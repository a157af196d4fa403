// Median ns per single-sample call of the generated CNNs and of ONNX Runtime on the same models, measured in
// interleaved rounds over the digits test images (the machine is shared: read ratios, not digits).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using CnnTiming;

string fixtures = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../tests/fixtures"));
if (args.Length > 0) fixtures = args[0];
float[] pixels = File.ReadAllLines(Path.Combine(fixtures, "digits", "digits_test.csv")).Skip(1).Where(l => l.Length > 0)
    .SelectMany(l => l.Split(',').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();
int samples = pixels.Length / 64;

var ort = new[] { "dense", "pruned" }.Select(v => new OrtRunner(Path.Combine(fixtures, "digits_cnn", $"digits_cnn_{v}.onnx"))).ToArray();
var y = new float[10];
var runs = new (string Name, Action<int> Run)[]
{
    ("generated dense", i => CnnDense.Predict(pixels.AsSpan(i * 64, 64), y)),
    ("generated pruned", i => CnnPruned.Predict(pixels.AsSpan(i * 64, 64), y)),
    ("ORT dense", i => ort[0].Run(pixels.AsSpan(i * 64, 64), y)),
    ("ORT pruned", i => ort[1].Run(pixels.AsSpan(i * 64, 64), y)),
};
// Same answers first.
var a = new float[10];
for (int i = 0; i < samples; i += 50)
    for (int m = 0; m < 2; m++)
    {
        runs[m].Run(i); y.CopyTo(a, 0);
        runs[m + 2].Run(i);
        if (a.Zip(y).Any(p => Math.Abs(p.First - p.Second) > 1e-3f)) throw new InvalidOperationException($"{runs[m].Name} differs from ORT on sample {i}");
    }

// Warm-up past tiered compilation: interleaved, until the JIT has compiled nothing new for 500 ms (at most 10 s).
var warm = Stopwatch.StartNew();
var sinceJit = Stopwatch.StartNew();
long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
while (warm.ElapsedMilliseconds < 10_000 && (warm.ElapsedMilliseconds < 1000 || sinceJit.ElapsedMilliseconds < 500))
{
    foreach (var run in runs)
        for (int i = 0; i < samples; i++) run.Run(i);
    long now = System.Runtime.JitInfo.GetCompiledMethodCount();
    if (now != jitted) { jitted = now; sinceJit.Restart(); }
    else System.Threading.Thread.Sleep(20);   // room for the background compiler
}

var times = runs.Select(_ => new List<double>()).ToArray();
for (int round = 0; round < 31; round++)
    for (int k = 0; k < runs.Length; k++)
    {
        int r = (round + k) % runs.Length;
        var sw = Stopwatch.StartNew();
        for (int rep = 0; rep < 2; rep++)
            for (int i = 0; i < samples; i++) runs[r].Run(i);
        times[r].Add(sw.Elapsed.TotalNanoseconds / (2 * samples));
    }
for (int k = 0; k < runs.Length; k++)
{
    var t = times[k].Skip(5).OrderBy(v => v).ToList();
    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-18} {1,10:0} ns per Predict (median of {2} rounds)", runs[k].Name, t[t.Count / 2], t.Count));
}

sealed class OrtRunner
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _run = new RunOptions();
    private readonly float[] _x = new float[64], _y = new float[10];

    public OrtRunner(string path)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(path, options);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(_session.InputNames[0], OrtValue.CreateTensorValueFromMemory(_x, new long[] { 1, 1, 8, 8 }));
        _binding.BindOutput(_session.OutputNames[0], OrtValue.CreateTensorValueFromMemory(_y, new long[] { 1, 10 }));
    }

    public void Run(ReadOnlySpan<float> x, Span<float> y)
    {
        x.CopyTo(_x);
        _binding.SynchronizeBoundInputs();
        _session.RunWithBinding(_run, _binding);
        _y.CopyTo(y);
    }
}
