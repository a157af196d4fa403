// Median ns per single-sample call of the generated CNNs and of ONNX Runtime on the same models, measured in
// interleaved rounds over the digits test images (the machine is shared: read ratios, not digits). Then the same for
// MobileNet-style blocks (depthwise 3x3 + pointwise 1x1 on 1x32x32x32, dense and pruned; models/ and
// make_mobilenet_block.py), with, when tools/CnnTiming/before/ holds them (make-before.sh), the classes an earlier
// generator made of the same models, in the same rounds. "--blocks" times only the blocks.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using CnnTiming;

string fixtures = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../tests/fixtures"));
bool blocksOnly = args.Contains("--blocks");
if (args.Any(a => a != "--blocks")) fixtures = args.First(a => a != "--blocks");
if (!blocksOnly) TimeDigits(fixtures);
TimeBlocks(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../models")));

static void TimeDigits(string fixtures)
{
    float[] pixels = File.ReadAllLines(Path.Combine(fixtures, "digits", "digits_test.csv")).Skip(1).Where(l => l.Length > 0)
        .SelectMany(l => l.Split(',').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();
    int samples = pixels.Length / 64;

    var ort = new[] { "dense", "pruned" }.Select(v => new OrtRunner(Path.Combine(fixtures, "digits_cnn", $"digits_cnn_{v}.onnx"), new long[] { 1, 1, 8, 8 }, new long[] { 1, 10 })).ToArray();
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

    Measure(runs, samples);
}

static void TimeBlocks(string models)
{
    const int length = 32 * 32 * 32, samples = 8;
    var random = new Random(5);
    float[] inputs = Enumerable.Range(0, samples * length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    var y = new float[length];
    var variants = new (string Name, Predictor After)[]
    {
        ("depthwise_dense", DepthwiseDense.Predict), ("depthwise_taps50", DepthwiseTaps50.Predict),
        ("depthwise_taps90", DepthwiseTaps90.Predict), ("depthwise_channels50", DepthwiseChannels50.Predict),
        ("mobilenet_block_dense", BlockDense.Predict), ("mobilenet_block_taps50", BlockTaps50.Predict),
        ("mobilenet_block_taps90", BlockTaps90.Predict), ("mobilenet_block_channels50", BlockChannels50.Predict),
    };
    var runs = new List<(string Name, Action<int> Run)>();
    var check = new float[length];
    foreach (var (name, after) in variants)
    {
        var ort = new BoundOrtRunner(Path.Combine(models, name + ".onnx"), inputs, samples, new long[] { 1, 32, 32, 32 });
        // The earlier generator's class of the same model, if make-before.sh made one (BlockTaps50Before, DepthwiseDenseBefore, ...).
        string variant = name.Substring(name.LastIndexOf('_') + 1);
        string cls = (name.StartsWith("depthwise", StringComparison.Ordinal) ? "Depthwise" : "Block") + char.ToUpperInvariant(variant[0]) + variant.Substring(1) + "Before";
        var type = typeof(BlockDense).Assembly.GetType("CnnTiming.Before." + cls);
        var before = (Predictor?)type?.GetMethod("Predict", new[] { typeof(ReadOnlySpan<float>), typeof(Span<float>) })?.CreateDelegate(typeof(Predictor));
        var mine = new List<(string, Action<int>)> { ($"{name} generated", i => after(inputs.AsSpan(i * length, length), y)) };
        if (before != null) mine.Add(($"{name} before", i => before(inputs.AsSpan(i * length, length), y)));
        mine.Add(($"{name} ORT", i => ort.Run(i, y)));
        // Same answers first.
        for (int i = 0; i < samples; i++)
        {
            mine[^1].Item2(i); y.CopyTo(check, 0);
            foreach (var (runName, run) in mine.Take(mine.Count - 1))
            {
                run(i);
                if (check.Zip(y).Any(p => Math.Abs(p.First - p.Second) > 1e-3f)) throw new InvalidOperationException($"{runName} differs from ORT on sample {i}");
            }
        }
        runs.AddRange(mine);
    }
    BoundOrtRunner.Compare = false;
    Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
    Measure(runs.ToArray(), samples);
    Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
}

static void Measure((string Name, Action<int> Run)[] runs, int samples)
{
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
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-38} {1,10:0} ns per Predict (median of {2} rounds)", runs[k].Name, t[t.Count / 2], t.Count));
    }
}

delegate void Predictor(ReadOnlySpan<float> x, Span<float> y);

sealed class OrtRunner
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _run = new RunOptions();
    private readonly float[] _x, _y;

    public OrtRunner(string path, long[] inputShape, long[] outputShape)
    {
        _x = new float[inputShape.Aggregate(1L, (a, b) => a * b)];
        _y = new float[outputShape.Aggregate(1L, (a, b) => a * b)];
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(path, options);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(_session.InputNames[0], OrtValue.CreateTensorValueFromMemory(_x, inputShape));
        _binding.BindOutput(_session.OutputNames[0], OrtValue.CreateTensorValueFromMemory(_y, outputShape));
    }

    public void Run(ReadOnlySpan<float> x, Span<float> y)
    {
        x.CopyTo(_x);
        _binding.SynchronizeBoundInputs();
        _session.RunWithBinding(_run, _binding);
        _y.CopyTo(y);
    }
}

/// <summary>ORT with every sample's input bound in advance (no copy in) and the output bound to one array.</summary>
sealed class BoundOrtRunner
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding[] _bindings;
    private readonly RunOptions _run = new RunOptions();
    private readonly float[] _y;

    public BoundOrtRunner(string path, float[] inputs, int samples, long[] shape)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(path, options);
        int length = inputs.Length / samples;
        _y = new float[length];
        _bindings = Enumerable.Range(0, samples).Select(i =>
        {
            var binding = _session.CreateIoBinding();
            binding.BindInput(_session.InputNames[0], OrtValue.CreateTensorValueFromMemory(inputs.AsSpan(i * length, length).ToArray(), shape));
            binding.BindOutput(_session.OutputNames[0], OrtValue.CreateTensorValueFromMemory(_y, shape));
            return binding;
        }).ToArray();
    }

    /// <summary>Runs sample i; y gets the result only when asked to compare (a copy the timing loop does not need).</summary>
    public void Run(int i, Span<float> y)
    {
        _session.RunWithBinding(_run, _bindings[i]);
        if (Compare) _y.CopyTo(y);
    }

    public static bool Compare = true;
}
