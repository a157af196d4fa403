using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchModels;

namespace KernelCalibration
{
    /// <summary>One single-layer model (Gemm + Relu) and the kernels it is compiled with.</summary>
    internal sealed record LayerCase(int K, int N, int SparsityPct, int BlockRows, string Group, IReadOnlyList<string> Kernels)
    {
        /// <summary>"l256x128_s90": 256 inputs, 128 outputs, 90% unstructured; "_b90": 90% in blocks of 8 rows x 1 column.</summary>
        public string Name => $"l{K}x{N}_{(BlockRows == 1 ? "s" : "b")}{SparsityPct}";

        public string Pattern => SparsityPct == 0 ? "dense" : BlockRows == 1 ? "unstructured" : $"{BlockRows}x1 blocks";

        public string ClassName(string kernel) =>
            $"L{K}x{N}{(BlockRows == 1 ? "S" : "B")}{SparsityPct}_{char.ToUpperInvariant(kernel[0])}{kernel.Substring(1)}";

        /// <summary>PyTorch's nn.Linear initialisation (seeded by the shape), then per-layer magnitude pruning.</summary>
        public Mlp Build()
        {
            var rng = new SplitMix64((ulong)(K * 100_003 + N));
            float bound = 1f / MathF.Sqrt(K);
            var w = new float[N * K];
            for (int i = 0; i < w.Length; i++) w[i] = rng.NextSymmetric(bound);
            var b = new float[N];
            for (int i = 0; i < b.Length; i++) b[i] = rng.NextSymmetric(bound);
            var mlp = new Mlp(new[] { new Layer(N, K, w, b, relu: true) });
            return SparsityPct == 0 ? mlp : mlp.PruneLayerwise(SparsityPct / 100.0, BlockRows);
        }
    }

    /// <summary>
    /// The layers measured. Sizes span the caches of the team's machines (Zen 4: L1d 32 KB, L2 1 MB, L3 32 MB per
    /// CCD): 64x64 (16 KB of weights), 128x128 (64 KB), 256x256 (256 KB), 512x512 (1 MB), 784x512 (1.6 MB),
    /// 1024x1024 (4 MB). Build cost is the constraint (~44 s per million float literals): the dense kernel does
    /// the same work whatever the sparsity, so it is compiled on the unpruned layer of each size (and on the 90%
    /// unstructured layers of the three smallest sizes as a check); the block kernel on unstructured layers stores whole blocks, so
    /// it is compiled only where the large layers are sparse enough for it to matter.
    /// </summary>
    internal static class Catalog
    {
        public static readonly int[] Sparsities = { 0, 50, 80, 90, 95, 99 };

        public static IReadOnlyList<LayerCase> Cases(string set)
        {
            var cases = new List<LayerCase>();
            void Add(int k, int n, string group, int[] sparsities, Func<int, int, IEnumerable<string>> kernels)
            {
                foreach (int blockRows in new[] { 1, 8 })
                    foreach (int pct in sparsities)
                    {
                        if (pct == 0 && blockRows != 1) continue;
                        long nonzeros = (long)Math.Round(k * (long)n * (1 - pct / 100.0));
                        var list = kernels(pct, blockRows).ToList();
                        // Forced unrolled code falls back to sparse rows past this size: nothing new to measure.
                        if (nonzeros <= PrunedCodegen.Planning.KernelPlanner.UnrolledMaxNonzeros) list.Add("unrolled");
                        if (list.Count > 0) cases.Add(new LayerCase(k, n, pct, blockRows, group, list));
                    }
            }

            foreach (int s in new[] { 64, 128, 256 })
                Add(s, s, "small", Sparsities, (pct, b) => Kernels(pct == 0 || (pct == 90 && b == 1), true, true));
            if (set == "quick") return cases;

            Add(512, 512, "l512", Sparsities, (pct, b) => Kernels(pct == 0, pct > 0, pct > 0 && (b > 1 || pct >= 90)));
            Add(784, 512, "l784", Sparsities, (pct, b) => Kernels(pct == 0, pct > 0, pct > 0 && (b > 1 || pct >= 95)));
            Add(1024, 1024, "l1024", new[] { 0, 90, 99 }, (pct, b) => Kernels(pct == 0, pct > 0, pct > 0 && (b > 1 || pct >= 99)));
            return cases;
        }

        private static IEnumerable<string> Kernels(bool dense, bool sparse, bool block)
        {
            if (dense) yield return "dense";
            if (sparse) yield return "sparse";
            if (block) yield return "block";
        }

        public static string Pct(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
    }
}
