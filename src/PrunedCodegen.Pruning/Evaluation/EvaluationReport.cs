using System;
using System.Collections.Generic;
using System.Linq;

namespace PrunedCodegen.Evaluation
{
    public sealed record ClassMetrics(int Class, int Support, int Predicted, int Correct)
    {
        /// <summary>Correct / predicted as this class; NaN when the class was never predicted.</summary>
        public double Precision => Predicted == 0 ? double.NaN : (double)Correct / Predicted;

        /// <summary>Correct / samples of this class; NaN when the class has no samples.</summary>
        public double Recall => Support == 0 ? double.NaN : (double)Correct / Support;
    }

    /// <summary>What <see cref="Metrics.Compute"/> measured. Label-based figures are null without labels, comparison figures without a reference.</summary>
    public sealed class EvaluationReport
    {
        public int Samples { get; init; }
        public int Classes { get; init; }
        public int? Correct { get; init; }
        public double? Accuracy => Correct == null || Samples == 0 ? null : (double)Correct / Samples;
        public IReadOnlyList<ClassMetrics>? PerClass { get; init; }

        /// <summary>[true class][predicted class] counts.</summary>
        public int[][]? ConfusionMatrix { get; init; }

        /// <summary>Samples whose top-1 class equals the reference model's.</summary>
        public int? Agreeing { get; init; }
        public double? Agreement => Agreeing == null || Samples == 0 ? null : (double)Agreeing / Samples;
        public double? MaxAbsDifference { get; init; }
        public double? MeanAbsDifference { get; init; }
    }

    public static class Metrics
    {
        /// <summary>Index of the largest value (the first on ties).</summary>
        public static int ArgMax(ReadOnlySpan<float> values)
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
            return best;
        }

        /// <param name="outputs">Row-major [samples][classes] scores of the evaluated model.</param>
        /// <param name="reference">The same for the reference model, or null.</param>
        public static EvaluationReport Compute(float[] outputs, int samples, int classes, int[]? labels, float[]? reference)
        {
            var predicted = Enumerable.Range(0, samples).Select(i => ArgMax(outputs.AsSpan(i * classes, classes))).ToArray();
            int? correct = null;
            int[][]? confusion = null;
            List<ClassMetrics>? perClass = null;
            if (labels != null)
            {
                int n = Math.Max(classes, labels.Length == 0 ? 0 : labels.Max() + 1);
                confusion = Enumerable.Range(0, n).Select(_ => new int[n]).ToArray();
                for (int i = 0; i < samples; i++) confusion[labels[i]][predicted[i]]++;
                correct = Enumerable.Range(0, samples).Count(i => predicted[i] == labels[i]);
                perClass = Enumerable.Range(0, n).Select(c => new ClassMetrics(c,
                    confusion[c].Sum(), confusion.Sum(row => row[c]), confusion[c][c])).ToList();
            }
            int? agreeing = null;
            double? maxDiff = null, meanDiff = null;
            if (reference != null)
            {
                agreeing = Enumerable.Range(0, samples).Count(i => predicted[i] == ArgMax(reference.AsSpan(i * classes, classes)));
                double max = 0, sum = 0;
                for (int i = 0; i < samples * classes; i++)
                {
                    double d = Math.Abs((double)outputs[i] - reference[i]);
                    max = Math.Max(max, d);
                    sum += d;
                }
                maxDiff = max;
                meanDiff = samples * classes == 0 ? 0 : sum / (samples * classes);
            }
            return new EvaluationReport
            {
                Samples = samples, Classes = classes, Correct = correct, PerClass = perClass, ConfusionMatrix = confusion,
                Agreeing = agreeing, MaxAbsDifference = maxDiff, MeanAbsDifference = meanDiff,
            };
        }
    }
}
