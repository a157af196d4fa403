using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime;
using BenchModels;

namespace KernelCalibration
{
    internal delegate void PredictFn(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>One timed kernel on one layer: per-sample nanoseconds (median and quartiles over rounds).</summary>
    internal sealed record Timing(LayerCase Case, Layer Layer, string Kernel, int Batch, double Median, double Q1, double Q3, double Min, int Rounds, string? Error)
    {
        /// <summary>The statistic the report and the fits use: the median on a quiet machine; on a loaded one the
        /// minimum over rounds (the chunks no other process interrupted) is the better estimate of the kernel's own time.</summary>
        public static bool UseMin { get; set; }

        public double Ns => UseMin ? Min : Median;
    }

    /// <summary>
    /// Times the generated kernels of each layer against each other, the way tests/PrunedCodegen.Benchmarks' quick
    /// runner does: output checked first, warm-up until the JIT has settled, then rounds in which every kernel runs a
    /// chunk of calls, in an order that rotates from round to round so that machine drift hits all kernels alike.
    /// </summary>
    internal sealed class CalibrationRunner
    {
        public int Rounds { get; init; } = 25;
        public int Batch { get; init; } = 16;
        public double ChunkMs { get; init; } = 1;

        private sealed class Impl
        {
            public required string Kernel;
            public required int Batch;
            public required PredictFn Fn;
            public required float[] X, Y;
            public int Calls = 1;
            public readonly List<double> Samples = new();
            public void Run() => Fn(X, Y);
        }

        public List<Timing> Run(IReadOnlyList<LayerCase> cases, string binDir)
        {
            var assemblies = cases.Select(c => c.Group).Distinct().ToDictionary(g => g,
                g => Assembly.LoadFrom(Path.Combine(binDir, g, $"KernelCalibration.Models.{g}.dll")));
            var results = new List<Timing>();
            foreach (var c in cases)
            {
                var sw = Stopwatch.StartNew();
                var layer = c.Build().Layers[0];
                var x = Inputs(layer.K, Math.Max(1, Batch));
                var reference = Reference(layer, x, Math.Max(1, Batch));
                var impls = new List<Impl>();
                foreach (string kernel in c.Kernels)
                    foreach (int batch in Batch > 1 ? new[] { 1, Batch } : new[] { 1 })
                    {
                        try
                        {
                            var type = assemblies[c.Group].GetType("KernelCalibration.Models." + c.ClassName(kernel), throwOnError: true)!;
                            var method = type.GetMethod(batch == 1 ? "Predict" : "PredictBatch", BindingFlags.Public | BindingFlags.Static)!;
                            var impl = new Impl
                            {
                                Kernel = kernel, Batch = batch, Fn = method.CreateDelegate<PredictFn>(),
                                X = x.AsSpan(0, batch * layer.K).ToArray(), Y = new float[batch * layer.N],
                            };
                            impl.Run();
                            double err = 0, scale = 1;
                            for (int i = 0; i < impl.Y.Length; i++)
                            {
                                err = Math.Max(err, Math.Abs(impl.Y[i] - reference[i]));
                                scale = Math.Max(scale, Math.Abs(reference[i]));
                            }
                            if (!(err <= 1e-4 * scale)) throw new InvalidDataException($"wrong output: max |diff| vs the double-precision reference = {err:G3}");
                            impls.Add(impl);
                        }
                        catch (Exception e) when (e is not OutOfMemoryException)
                        {
                            results.Add(new Timing(c, layer, kernel, batch, double.NaN, double.NaN, double.NaN, double.NaN, 0, e.Message));
                            Console.Error.WriteLine($"  {c.Name} {kernel}@{batch}: {e.Message}");
                        }
                    }
                Measure(impls);
                foreach (var i in impls)
                {
                    var s = i.Samples.OrderBy(v => v).ToArray();
                    results.Add(new Timing(c, layer, i.Kernel, i.Batch, Quantile(s, 0.5), Quantile(s, 0.25), Quantile(s, 0.75), s.Length == 0 ? double.NaN : s[0], s.Length, null));
                }
                Console.Error.WriteLine($"  {c.Name,-16} {string.Join("  ", impls.Select(i => $"{i.Kernel}{(i.Batch > 1 ? "@" + i.Batch : "")} {Quantile(i.Samples.OrderBy(v => v).ToArray(), 0.5):0}"))} ns  ({sw.Elapsed.TotalSeconds:0.0} s)");
            }
            return results;
        }

        private void Measure(List<Impl> impls)
        {
            if (impls.Count == 0) return;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            // Warm-up: past tiered compilation (tier-1 after 30 calls and a 100 ms quiet delay, loops through OSR). It ends
            // once the JIT has compiled nothing new for 300 ms (at least 300 ms, at most 3 s).
            var warm = Stopwatch.StartNew();
            var quiet = Stopwatch.StartNew();
            long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            while (warm.ElapsedMilliseconds < 3000 && (quiet.ElapsedMilliseconds < 300 || warm.ElapsedMilliseconds < 300))
            {
                foreach (var i in impls)
                {
                    var t = Stopwatch.StartNew();
                    int n = 0;
                    do { i.Run(); n++; } while (t.Elapsed.TotalMilliseconds < ChunkMs / 2);
                    i.Calls = Math.Max(1, (int)(n * 2 * ChunkMs / Math.Max(1e-3, t.Elapsed.TotalMilliseconds) / 2));
                }
                long now = System.Runtime.JitInfo.GetCompiledMethodCount();
                if (now != compiled) { compiled = now; quiet.Restart(); }
            }
            for (int round = 0; round < Rounds; round++)
                for (int j = 0; j < impls.Count; j++)
                {
                    var i = impls[(j + round) % impls.Count];
                    long start = Stopwatch.GetTimestamp();
                    for (int n = 0; n < i.Calls; n++) i.Run();
                    double ns = Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1e6 / i.Calls / i.Batch;
                    i.Samples.Add(ns);
                }
        }

        private static double Quantile(double[] sorted, double q)
        {
            if (sorted.Length == 0) return double.NaN;
            double pos = q * (sorted.Length - 1);
            int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
        }

        /// <summary>Uniform [0, 1) inputs, seeded: what a ReLU layer before this one would feed it.</summary>
        private static float[] Inputs(int k, int samples)
        {
            var rng = new SplitMix64(12345);
            var x = new float[k * samples];
            for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat();
            return x;
        }

        private static double[] Reference(Layer l, float[] x, int samples)
        {
            var y = new double[samples * l.N];
            for (int s = 0; s < samples; s++)
                for (int r = 0; r < l.N; r++)
                {
                    double acc = l.Bias[r];
                    for (int c = 0; c < l.K; c++) acc += (double)l.Weights[r * l.K + c] * x[s * l.K + c];
                    y[s * l.N + r] = Math.Max(0, acc);
                }
            return y;
        }
    }
}
