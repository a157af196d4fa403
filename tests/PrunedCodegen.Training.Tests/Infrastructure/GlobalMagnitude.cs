using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Training.Graph;

namespace PrunedCodegen.Training.Tests.Infrastructure;

/// <summary>
/// A minimal global magnitude pruner for the experiments (the real pruner lives in PrunedCodegen.Pruning): zero
/// the given fraction of all weights (rank ≥ 2) with the smallest |w| or the smallest score, across layers.
/// </summary>
internal static class GlobalMagnitude
{
    public static void Prune(TrainableGraph graph, double sparsity, IReadOnlyDictionary<string, float[]>? scores = null)
    {
        var weights = graph.Parameters.Where(p => p.IsWeight).ToList();
        var entries = new List<(float Score, int Layer, int Index)>();
        for (int l = 0; l < weights.Count; l++)
        {
            float[] w = weights[l].Value.Data;
            float[]? s = scores?[weights[l].Name];
            for (int i = 0; i < w.Length; i++)
                entries.Add((w[i] == 0f ? -1f : s?[i] ?? Math.Abs(w[i]), l, i));   // existing zeros go first
        }
        int remove = (int)Math.Round(sparsity * entries.Count);
        foreach (var e in entries.OrderBy(e => e.Score).ThenBy(e => e.Layer).ThenBy(e => e.Index).Take(remove))
            weights[e.Layer].Value.Data[e.Index] = 0f;
    }

    public static double Sparsity(TrainableGraph graph)
    {
        var weights = graph.Parameters.Where(p => p.IsWeight).ToList();
        return (double)weights.Sum(p => p.Value.Data.Count(v => v == 0f)) / weights.Sum(p => p.Value.Length);
    }
}
