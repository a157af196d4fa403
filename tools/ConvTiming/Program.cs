// Times single conv layers of real CNN sizes (batch 1): the generated layer with each conv kernel forced, and auto,
// against ONNX Runtime with one intra-op thread and IoBinding, in interleaved rounds (the machine is shared: read
// ratios). Prints ns per call and ns per useful multiply-add (nonzero weights x output positions), the units of the
// conv cost model in ConvPlanner. PCG_TIMING_COSTS=1 also prints the cost model's estimates (auto's layer comment);
// PCG_TIMING_MIN=1 reports the second-fastest of the 15 rounds instead of the median (steadier on a busy machine when
// comparing kernels; say which one a figure is).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using PrunedCodegen;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

var filter = new Regex(args.Length > 0 ? args[0] : ".");
var kernels = (args.Length > 1 ? args[1] : "direct,dense,sparse,auto").Split(',');
// name, in channels, H, W, filters, kernel, stride, pad, zero fraction
var cases = new (string Name, int C, int H, int W, int M, int K, int S, int P, double Zeros)[]
{
    ("cifar-conv1 3x32x32->12 3x3", 3, 32, 32, 12, 3, 1, 1, 0),
    ("cifar-conv2 12x32x32->24 3x3", 12, 32, 32, 24, 3, 1, 1, 0),
    ("cifar-conv3 24x16x16->24 3x3", 24, 16, 16, 24, 3, 1, 1, 0),
    ("cifar-conv2 80% zeros", 12, 32, 32, 24, 3, 1, 1, 0.8),
    ("resnet8 16x32x32->16 3x3", 16, 32, 32, 16, 3, 1, 1, 0),
    ("resnet8 32x16x16->32 3x3", 32, 16, 16, 32, 3, 1, 1, 0),
    ("resnet8 64x8x8->64 3x3", 64, 8, 8, 64, 3, 1, 1, 0),
    ("resnet8 16x32x32->32 3x3 s2", 16, 32, 32, 32, 3, 2, 1, 0),
    ("mobilenet stem 3x96x96->8 3x3 s2", 3, 96, 96, 8, 3, 2, 1, 0),
    ("superres 1x224x224->64 5x5", 1, 224, 224, 64, 5, 1, 2, 0),
    ("superres 64x224x224->32 3x3", 64, 224, 224, 32, 3, 1, 1, 0),
    ("superres 32x224x224->9 3x3", 32, 224, 224, 9, 3, 1, 1, 0),
    ("mnist 1x28x28->8 5x5", 1, 28, 28, 8, 5, 1, 2, 0),
    ("mnist 8x14x14->16 5x5", 8, 14, 14, 16, 5, 1, 2, 0),
    ("resnet8 32x16x16->64 3x3 s2", 32, 16, 16, 64, 3, 2, 1, 0),
    ("resnet8 16x32x32->32 1x1 s2", 16, 32, 32, 32, 1, 2, 0, 0),
    ("tiny 16x4x4->32 3x3", 16, 4, 4, 32, 3, 1, 1, 0),
    ("detector stem 3x240x320->16 3x3 s2", 3, 240, 320, 16, 3, 2, 1, 0),
    ("superres 64x224x224->64 3x3", 64, 224, 224, 64, 3, 1, 1, 0),
    ("dscnn pointwise 64x25x5->64 1x1", 64, 25, 5, 64, 1, 1, 0, 0),
    ("mobilenet pointwise 64x12x12->128 1x1", 64, 12, 12, 128, 1, 1, 0, 0),
};
Console.WriteLine($"CPU: {File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))}; load {File.ReadAllText("/proc/loadavg").Trim()}");
foreach (var c in cases.Where(c => filter.IsMatch(c.Name)))
{
    var w = RandomWeights(c.M * c.C * c.K * c.K, 11, c.Zeros);
    var onnx = new ModelBuilder().Input("x", 1, c.C, c.H, c.W).Output("y", 1, null, null, null)
        .Initializer("W", new long[] { c.M, c.C, c.K, c.K }, w).Initializer("B", new long[] { c.M }, RandomWeights(c.M, 12))
        .Node("Conv", new[] { "x", "W", "B" }, new[] { "c" }, "conv", Ints("kernel_shape", c.K, c.K), Ints("strides", c.S, c.S), Ints("pads", c.P, c.P, c.P, c.P))
        .Node("Relu", new[] { "c" }, new[] { "y" }).Build();
    int oh = (c.H + 2 * c.P - c.K) / c.S + 1, ow = (c.W + 2 * c.P - c.K) / c.S + 1;
    long macs = (long)w.Count(v => v != 0f) * oh * ow;
    var x = Enumerable.Range(0, c.C * c.H * c.W).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
    var y = new float[c.M * oh * ow];
    var runs = new List<(string Name, Action Run, string Note)>();
    foreach (var k in kernels)
    {
        var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "T", "m.onnx") { Kernel = CompileOptions.ParseKernel(k)!.Value });
        var asm = InMemoryCompiler.Compile(new[] { result.Source!, ModelCompiler.KernelsSource });
        var predict = (Predictor)asm.GetRequiredType("T.Model").GetMethod("Predict", new[] { typeof(ReadOnlySpan<float>), typeof(Span<float>) })!.CreateDelegate(typeof(Predictor));
        string chosen = Regex.Match(result.Source!, @"conv (\w+) SIMD( rows)?|conv Winograd|conv implicit GEMM").Value;
        runs.Add(($"{k}", () => predict(x, y), chosen));
        if (k == "auto" && Environment.GetEnvironmentVariable("PCG_TIMING_COSTS") == "1") Console.WriteLine("  " + Regex.Match(result.Source!, @"cost model: [^)]*").Value);
    }
    var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
    var session = new InferenceSession(onnx, options);
    var binding = session.CreateIoBinding();
    var yOrt = new float[y.Length];
    binding.BindInput("x", OrtValue.CreateTensorValueFromMemory(x, new long[] { 1, c.C, c.H, c.W }));
    binding.BindOutput("y", OrtValue.CreateTensorValueFromMemory(yOrt, new long[] { 1, c.M, oh, ow }));
    var runOptions = new RunOptions();
    runs.Add(("ort-1t", () => session.RunWithBinding(runOptions, binding), ""));
    // Same answers first.
    runs[^1].Run();
    foreach (var r in runs.Take(runs.Count - 1))
    {
        r.Run();
        float worst = y.Zip(yOrt).Max(p => Math.Abs(p.First - p.Second));
        if (worst > 1e-2f) Console.WriteLine($"  !! {r.Name} differs from ORT by {worst}");
    }
    var times = Measure(runs.Select(r => r.Run).ToArray(), macs);
    Console.WriteLine($"{c.Name}: {macs / 1e6:0.##} M useful MACs, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    double ort = times[^1];
    for (int i = 0; i < runs.Count; i++)
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  {0,-8} {1,-24} {2,12:0} ns  {3,7:0.0000} ns/MAC  {4,5:0.00}x ORT", runs[i].Name, runs[i].Note, times[i], times[i] / macs, ort / times[i]));
}

static double[] Measure(Action[] runs, long macs)
{
    // About 20 ms per sample of each run, at least 1 call.
    foreach (var r in runs) r();
    var reps = runs.Select(r => { var sw = Stopwatch.StartNew(); r(); return Math.Max(1, (int)(20e6 / Math.Max(1, sw.Elapsed.TotalNanoseconds))); }).ToArray();
    for (int w = 0; w < 3; w++) for (int k = 0; k < runs.Length; k++) for (int i = 0; i < Math.Min(reps[k], 50); i++) runs[k]();
    var times = runs.Select(_ => new List<double>()).ToArray();
    for (int round = 0; round < 15; round++)
        for (int k = 0; k < runs.Length; k++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps[k]; i++) runs[k]();
            times[k].Add(sw.Elapsed.TotalNanoseconds / reps[k]);
        }
    return times.Select(t => t.OrderBy(v => v).ElementAt(Environment.GetEnvironmentVariable("PCG_TIMING_MIN") == "1" ? 1 : t.Count / 2)).ToArray();
}

delegate void Predictor(ReadOnlySpan<float> x, Span<float> y);
