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

    /// <summary>
    /// Block pruning for [out, in] weight matrices (Gemm with transB): blocks of <paramref name="rows"/> consecutive
    /// outputs in one input column, ranked globally by mean |w|, removed whole until the sparsity is reached.
    /// </summary>
    public static void PruneBlocks(TrainableGraph graph, double sparsity, int rows = 8)
    {
        var weights = graph.Parameters.Where(p => p.IsWeight && p.Shape.Length == 2).ToList();
        var blocks = new List<(double Score, int Layer, int Row, int Column, int Size)>();
        for (int l = 0; l < weights.Count; l++)
        {
            int outputs = weights[l].Shape[0], inputs = weights[l].Shape[1];
            float[] w = weights[l].Value.Data;
            for (int r = 0; r < outputs; r += rows)
            {
                int size = Math.Min(rows, outputs - r);
                for (int c = 0; c < inputs; c++)
                {
                    double sum = 0;
                    for (int k = 0; k < size; k++) sum += Math.Abs(w[(r + k) * inputs + c]);
                    blocks.Add((sum / size, l, r, c, size));
                }
            }
        }
        long target = (long)Math.Round(sparsity * weights.Sum(p => p.Value.Length));
        long removed = 0;
        foreach (var b in blocks.OrderBy(b => b.Score).ThenBy(b => b.Layer).ThenBy(b => b.Row).ThenBy(b => b.Column))
        {
            if (removed >= target)
                break;
            float[] w = weights[b.Layer].Value.Data;
            int inputs = weights[b.Layer].Shape[1];
            for (int k = 0; k < b.Size; k++) w[(b.Row + k) * inputs + b.Column] = 0f;
            removed += b.Size;
        }
    }

    public static double Sparsity(TrainableGraph graph)
    {
        var weights = graph.Parameters.Where(p => p.IsWeight).ToList();
        return (double)weights.Sum(p => p.Value.Data.Count(v => v == 0f)) / weights.Sum(p => p.Value.Length);
    }
}
