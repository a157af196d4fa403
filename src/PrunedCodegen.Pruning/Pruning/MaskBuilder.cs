using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Model;

namespace PrunedCodegen.Pruning
{
    /// <summary>
    /// Turns criterion scores into masks: groups the weights by pattern (single weights, RxC blocks, N:M runs,
    /// whole output rows), scores each group, and removes the lowest-scored groups until the sparsity is
    /// reached, over all layers at once (global) or layer by layer.
    /// </summary>
    internal static class MaskBuilder
    {
        private sealed class Group
        {
            public Group(int layer, int[] members, double score) { Layer = layer; Members = members; Score = score; }
            public int Layer { get; }
            public int[] Members { get; }
            public double Score { get; }
        }

        public static IReadOnlyList<LayerMask> Build(IReadOnlyList<PrunableLayer> layers, IReadOnlyList<float[]> matrices,
            IReadOnlyList<float[]> scores, PruneOptions options)
        {
            var keep = layers.Select(l => Enumerable.Repeat(true, l.WeightCount).ToArray()).ToList();
            if (options.Method != PruneMethod.Structured && options.Pattern.Kind == PatternKind.NOfM)
            {
                for (int i = 0; i < layers.Count; i++)
                    ApplyNOfM(layers[i], scores[i], options.Pattern, keep[i]);
            }
            else
            {
                var groups = new List<Group>[layers.Count];
                for (int i = 0; i < layers.Count; i++)
                    groups[i] = options.Method == PruneMethod.Structured
                        ? RowGroups(i, layers[i], scores[i], options.Norm)
                        : options.Pattern.Kind == PatternKind.Block
                            ? BlockGroups(i, layers[i], scores[i], options.Pattern, options.Norm)
                            : SingleGroups(i, scores[i]);

                // Structured pruning counts neurons; the other methods count weights.
                bool countRows = options.Method == PruneMethod.Structured;
                if (options.Scope == PruneScope.Layer)
                {
                    for (int i = 0; i < layers.Count; i++)
                    {
                        int total = countRows ? layers[i].Outputs : layers[i].WeightCount;
                        int target = (int)Math.Round(options.Sparsity * total, MidpointRounding.AwayFromZero);
                        if (countRows && target >= total)
                            throw new PruningException(PruningError.ImpossibleSparsity, string.Format(CultureInfo.InvariantCulture,
                                "sparsity {0} would remove all {1} neurons of layer '{2}'", options.Sparsity, total, layers[i].Name));
                        Select(groups[i], target, countRows, keep, perLayerLimit: null);
                    }
                }
                else
                {
                    int total = layers.Sum(l => countRows ? l.Outputs : l.WeightCount);
                    int target = (int)Math.Round(options.Sparsity * total, MidpointRounding.AwayFromZero);
                    // A global neuron budget must leave every layer at least one neuron.
                    int[]? limit = countRows ? layers.Select(l => l.Outputs - 1).ToArray() : null;
                    Select(groups.SelectMany(g => g).ToList(), target, countRows, keep, limit);
                }
            }
            return layers.Select((l, i) => new LayerMask(l, keep[i])).ToList();
        }

        /// <summary>Removes the lowest-scored groups (ties: earlier layer, earlier weight first) until about <paramref name="target"/> are gone.</summary>
        private static void Select(List<Group> groups, int target, bool countRows, List<bool[]> keep, int[]? perLayerLimit)
        {
            var ordered = groups.OrderBy(g => g.Score).ThenBy(g => g.Layer).ThenBy(g => g.Members[0]).ToList();
            var removedPerLayer = new Dictionary<int, int>();
            int removed = 0;
            foreach (var g in ordered)
            {
                if (removed >= target) break;
                int size = countRows ? 1 : g.Members.Length;
                // Take the group when that lands nearer the target than stopping short does; either way the removed
                // groups stay a prefix of the score order.
                if (removed + size - target > target - removed) break;
                if (perLayerLimit != null)
                {
                    removedPerLayer.TryGetValue(g.Layer, out int r);
                    if (r >= perLayerLimit[g.Layer]) continue;
                    removedPerLayer[g.Layer] = r + 1;
                }
                foreach (int m in g.Members) keep[g.Layer][m] = false;
                removed += size;
            }
        }

        private static List<Group> SingleGroups(int layer, float[] scores)
        {
            var list = new List<Group>(scores.Length);
            for (int i = 0; i < scores.Length; i++) list.Add(new Group(layer, new[] { i }, scores[i]));
            return list;
        }

        private static List<Group> RowGroups(int layer, PrunableLayer l, float[] scores, PruneNorm norm)
        {
            var list = new List<Group>(l.Outputs);
            for (int r = 0; r < l.Outputs; r++)
            {
                var members = Enumerable.Range(r * l.Inputs, l.Inputs).ToArray();
                list.Add(new Group(layer, members, GroupScore(scores, members, norm)));
            }
            return list;
        }

        /// <summary>Blocks of Rows outputs x Columns inputs, tiled from the top-left; edge blocks are smaller.</summary>
        private static List<Group> BlockGroups(int layer, PrunableLayer l, float[] scores, PruningPattern p, PruneNorm norm)
        {
            var list = new List<Group>();
            for (int r0 = 0; r0 < l.Outputs; r0 += p.Rows)
                for (int c0 = 0; c0 < l.Inputs; c0 += p.Columns)
                {
                    var members = new List<int>(p.Rows * p.Columns);
                    for (int r = r0; r < Math.Min(r0 + p.Rows, l.Outputs); r++)
                        for (int c = c0; c < Math.Min(c0 + p.Columns, l.Inputs); c++)
                            members.Add(r * l.Inputs + c);
                    var m = members.ToArray();
                    list.Add(new Group(layer, m, GroupScore(scores, m, norm)));
                }
            return list;
        }

        private static double GroupScore(float[] scores, int[] members, PruneNorm norm)
        {
            double sum = 0;
            foreach (int m in members) sum += norm == PruneNorm.L2 ? (double)scores[m] * scores[m] : scores[m];
            double mean = sum / members.Length;
            return norm == PruneNorm.L2 ? Math.Sqrt(mean) : mean;
        }

        /// <summary>In every run of M consecutive inputs of every output, keeps the N best (a shorter last run keeps at most N).</summary>
        private static void ApplyNOfM(PrunableLayer l, float[] scores, PruningPattern p, bool[] keep)
        {
            var run = new int[p.M];
            for (int r = 0; r < l.Outputs; r++)
                for (int c0 = 0; c0 < l.Inputs; c0 += p.M)
                {
                    int length = Math.Min(p.M, l.Inputs - c0);
                    for (int j = 0; j < length; j++) run[j] = r * l.Inputs + c0 + j;
                    var ranked = run.Take(length).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
                    for (int j = p.N; j < ranked.Length; j++) keep[ranked[j]] = false;
                }
        }
    }
}
