using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Losses;
using PrunedCodegen.Training.Tensors;
using PrunedCodegen.Training.Fitting;

namespace PrunedCodegen.Training.Pruning;

public enum GradientCriterion
{
    /// <summary>|dL/dw|: how strongly the loss reacts to the weight.</summary>
    Gradient,

    /// <summary>|w · dL/dw|: the first-order Taylor estimate of the loss change when the weight is removed.</summary>
    Taylor,
}

/// <summary>
/// Importance scores for gradient-based pruning: per initializer, the criterion summed over a few mini-batches
/// (each batch's mean-loss gradient scored separately, so that batches do not cancel out). A pruner removes the
/// entries with the lowest scores.
/// </summary>
public static class GradientScores
{
    public static Dictionary<string, float[]> Compute(TrainableGraph graph, LabeledData data, GradientCriterion criterion,
        int batches = 4, int batchSize = 64, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(data);
        if (batches <= 0 || batchSize <= 0)
            throw new TrainingException("The number of batches and the batch size must be positive.");
        LossKind kind = LossFunction.Detect(graph, data);
        var scores = graph.Parameters.ToDictionary(p => p.Name, p => new float[p.Value.Length]);
        int[] order = Trainer.Permutation(data.Count, new Random(seed));
        for (int b = 0; b < batches; b++)
        {
            int start = b * batchSize % data.Count;
            int[] rows = Enumerable.Range(0, Math.Min(batchSize, data.Count)).Select(i => order[(start + i) % data.Count]).ToArray();
            graph.ZeroGradients();
            FloatTensor output = graph.Forward(Trainer.Batch(graph, data, rows));
            LossFunction.Compute(kind, output, data, rows, out FloatTensor dOutput);
            graph.Backward(dOutput);
            foreach (Parameter p in graph.Parameters)
            {
                float[] s = scores[p.Name], g = p.Gradient, w = p.Value.Data;
                for (int i = 0; i < s.Length; i++)
                    s[i] += criterion == GradientCriterion.Taylor ? MathF.Abs(w[i] * g[i]) : MathF.Abs(g[i]);
            }
        }
        graph.ZeroGradients();
        return scores;
    }
}
