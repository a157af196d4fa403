using System;
using System.Collections.Generic;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;

namespace PrunedCodegen.Cli.Tuning
{
    /// <summary>
    /// Gradient or Taylor scores from the training library (one array per initializer, in its stored layout), seen by
    /// the Pruner as an <see cref="IPruningCriterion"/> over [outputs][inputs] matrices. Weights that are already zero
    /// score 0, so that a later round never revives them and the sparsity it reaches is exactly the target.
    /// </summary>
    internal sealed class GradientPruningCriterion : IPruningCriterion
    {
        private readonly IReadOnlyList<PrunableLayer> _layers;
        private readonly Dictionary<string, float[]> _scores;

        public GradientPruningCriterion(OnnxModel model, Dictionary<string, float[]> scores)
        {
            _layers = LayerFinder.Find(model);
            _scores = scores;
        }

        public float[] Score(int layerIndex, float[] matrix, int outputs, int inputs)
        {
            var layer = _layers[layerIndex];
            if (!_scores.TryGetValue(layer.Weight.Name, out float[]? stored) || stored.Length != matrix.Length)
                throw new InvalidOperationException($"no gradient scores for the weights of layer '{layer.Name}'");
            var s = new float[matrix.Length];
            for (int n = 0; n < outputs; n++)
                for (int k = 0; k < inputs; k++)
                {
                    int at = layer.Layout == WeightLayout.OutputsByInputs ? n * inputs + k : k * outputs + n;
                    s[n * inputs + k] = matrix[n * inputs + k] == 0f ? 0f : Math.Max(stored[at], float.Epsilon); // nonzeros strictly above the zeros
                }
            return s;
        }
    }
}
