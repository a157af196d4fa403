using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace PrunedCodegen.Benchmarks
{
    /// <summary>
    /// Quick mode: a plain in-process timing loop. Per case (model x input set x batch) every implementation is checked
    /// against ONNX Runtime's output (<see cref="Oracle"/>), warmed up (past tiered JIT), then timed in rounds; in every round each implementation
    /// runs one chunk of calls (about <see cref="ChunkMs"/> ms), in an order that rotates from round to round, so that
    /// machine drift (other processes, frequency) hits all implementations alike. Reported: the median over rounds
    /// of the per-call time, with the interquartile range.
    /// </summary>
    public sealed class QuickRunner
    {
        public int Rounds { get; init; } = 15;
        public double ChunkMs { get; init; } = 4;
        /// <summary>Time budget per implementation per case; slow implementations get fewer rounds (at least 3).</summary>
        public double BudgetMsPerImpl { get; init; } = 1500;
        /// <summary>Upper bound of the warm-up per case.</summary>
        public double WarmupMaxMs { get; init; } = 3000;
        public Action<string> Log { get; init; } = Console.Error.WriteLine;

        public List<Measurement> Run(IReadOnlyList<BenchModel> models, IReadOnlyList<int> batches, Func<BenchModel, string, bool> include)
        {
            var results = new List<Measurement>();
            foreach (var model in models)
            {
                foreach (int batch in batches)
                {
                    var names = Implementations.Names(model).Where(n => include(model, n)).ToList();
                    if (names.Count == 0) continue;
                    var sw = Stopwatch.StartNew();
                    results.AddRange(RunCase(model, batch, names, out string oracle));
                    Log($"  {model.Name,-26} batch {batch,2}: {names.Count} implementations in {sw.Elapsed.TotalSeconds:0.0} s; {oracle}");
                }
            }
            return results;
        }

        private List<Measurement> RunCase(BenchModel model, int batch, List<string> names, out string oracle)
        {
            var results = new List<Measurement>();
            var impls = new List<Inference>();
            oracle = "no oracle output";
            try
            {
                // The reference output: ONNX Runtime (the oracle), whatever subset is being timed. Its range is logged so
                // that a degenerate model (constant output) would show.
                float[] reference;
                try { reference = Oracle.Reference(model, batch); }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    return names.Select(n => new Measurement { Model = model, Implementation = n, Batch = batch, NsMedian = double.NaN, Error = "ONNX Runtime (the oracle) failed: " + e.Message }).ToList();
                }
                oracle = $"checked against ort-1t: y in [{reference.Min():G3}, {reference.Max():G3}], {reference.Distinct().Count()} distinct values of {reference.Length}";
                foreach (string name in names)
                {
                    Inference? impl = null;
                    try
                    {
                        impl = Implementations.Create(model, name, batch);
                        Oracle.Check(impl, reference);
                        impls.Add(impl);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        impl?.Dispose();
                        results.Add(new Measurement { Model = model, Implementation = name, Batch = batch, NsMedian = double.NaN, Error = e.Message });
                    }
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();

                // Warm-up, interleaved like the measurement itself: into the caches, and past tiered compilation (the
                // tiering delay wants 100 ms without new tier-0 methods, then 30 calls, then a background tier-1 compile;
                // loops in rarely called methods go through OSR). It ends once the JIT has compiled nothing new for
                // 300 ms (at least 300 ms, at most WarmupMaxMs), so that the timed rounds run only optimised code.
                var perCall = impls.Select(i => TimeCalls(i, 1)).ToArray();
                var warm = Stopwatch.StartNew();
                long jitCount = System.Runtime.JitInfo.GetCompiledMethodCount();
                var sinceJit = Stopwatch.StartNew();
                while (warm.ElapsedMilliseconds < WarmupMaxMs && (warm.ElapsedMilliseconds < 300 || sinceJit.ElapsedMilliseconds < 300))
                {
                    for (int i = 0; i < impls.Count; i++)
                        perCall[i] = TimeCalls(impls[i], CallsFor(perCall[i], ChunkMs));
                    long now = System.Runtime.JitInfo.GetCompiledMethodCount();
                    if (now != jitCount) { jitCount = now; sinceJit.Restart(); }
                    else if (sinceJit.ElapsedMilliseconds < 150) Thread.Sleep(5);   // room for the background compiler
                }
                for (int i = 0; i < impls.Count; i++)
                    perCall[i] = TimeCalls(impls[i], CallsFor(perCall[i], ChunkMs));

                var samples = impls.Select(_ => new List<double>()).ToArray();
                var calls = perCall.Select(t => CallsFor(t, ChunkMs)).ToArray();
                var maxRounds = perCall.Select(t => Math.Clamp((int)(BudgetMsPerImpl * 1e6 / Math.Max(1, t * CallsFor(t, ChunkMs))), 3, Rounds)).ToArray();
                var allocated = new long[impls.Count];
                var callCount = new long[impls.Count];
                for (int round = 0; round < Rounds; round++)
                {
                    for (int j = 0; j < impls.Count; j++)
                    {
                        // Rotate the start and alternate the direction: each implementation follows each other one.
                        int k = (round + (round % 2 == 0 ? j : impls.Count - 1 - j)) % impls.Count;
                        if (round >= maxRounds[k]) continue;
                        long before = GC.GetAllocatedBytesForCurrentThread();
                        double ns = TimeCalls(impls[k], calls[k]);
                        allocated[k] += GC.GetAllocatedBytesForCurrentThread() - before;
                        callCount[k] += calls[k];
                        samples[k].Add(ns);
                    }
                }
                for (int i = 0; i < impls.Count; i++)
                {
                    var s = samples[i];
                    s.Sort();
                    results.Add(new Measurement
                    {
                        Model = model,
                        Implementation = impls[i].Name,
                        Batch = batch,
                        NsMedian = Quantile(s, 0.5),
                        NsQ1 = Quantile(s, 0.25),
                        NsQ3 = Quantile(s, 0.75),
                        AllocatedBytes = (double)allocated[i] / callCount[i],
                        Threads = impls[i].Threads,
                        Rounds = s.Count,
                    });
                }
            }
            finally
            {
                foreach (var i in impls) i.Dispose();
            }
            // Report in the order of the implementation list.
            return results.OrderBy(r => names.IndexOf(r.Implementation)).ToList();
        }

        /// <summary>Several passes over the same cases: per measurement, the median of the passes' medians.</summary>
        public static List<Measurement> Combine(IReadOnlyList<List<Measurement>> passes)
        {
            var combined = new List<Measurement>();
            foreach (var first in passes[0])
            {
                var same = passes.Select(p => p.FirstOrDefault(m => m.Model.Name == first.Model.Name && m.Implementation == first.Implementation && m.Batch == first.Batch))
                    .Where(m => m != null && m.Error == null).Select(m => m!).ToList();
                if (same.Count == 0) { combined.Add(first); continue; }
                double Med(Func<Measurement, double> f) => Quantile(same.Select(f).OrderBy(v => v).ToList(), 0.5);
                combined.Add(new Measurement
                {
                    Model = first.Model,
                    Implementation = first.Implementation,
                    Batch = first.Batch,
                    NsMedian = Med(m => m.NsMedian),
                    NsQ1 = Med(m => m.NsQ1),
                    NsQ3 = Med(m => m.NsQ3),
                    AllocatedBytes = same.Max(m => m.AllocatedBytes),
                    Threads = first.Threads,
                    Rounds = same.Sum(m => m.Rounds),
                });
            }
            return combined;
        }

        private static long CallsFor(double nsPerCall, double chunkMs) => Math.Max(1, (long)(chunkMs * 1e6 / Math.Max(1.0, nsPerCall)));

        /// <summary>Runs <paramref name="calls"/> calls; returns ns per call.</summary>
        private static double TimeCalls(Inference impl, long calls)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (long c = 0; c < calls; c++) impl.Run();
            long t1 = Stopwatch.GetTimestamp();
            return (t1 - t0) * (1e9 / Stopwatch.Frequency) / calls;
        }

        private static double Quantile(List<double> sorted, double q)
        {
            if (sorted.Count == 0) return double.NaN;
            double pos = q * (sorted.Count - 1);
            int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
        }

    }
}
