using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Losses;
using PrunedCodegen.Training.Optimizers;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Fitting;

/// <summary>
/// Mini-batch training of a <see cref="TrainableGraph"/>: seeded validation split and batch order, an optimizer
/// and learning-rate schedule, optional L1/L2 penalty, masked updates that keep pruned weights at exactly zero,
/// and early stopping on validation loss.
/// </summary>
public static class Trainer
{
    public static TrainingResult Fit(TrainableGraph graph, LabeledData data, TrainingOptions options, Action<EpochReport>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Epochs < 0 || options.BatchSize <= 0 || !(options.LearningRate > 0) || options.ValidationFraction is < 0 or >= 1)
            throw new TrainingException("Epochs must be ≥ 0, the batch size and learning rate positive, and the validation fraction in [0, 1).");
        LossKind lossKind = LossFunction.Detect(graph, data);
        var random = new Random(options.Seed);
        int[] order = Permutation(data.Count, random);
        int validationCount = (int)Math.Round(data.Count * options.ValidationFraction);
        LabeledData train = data.Subset(order[..(data.Count - validationCount)]);
        LabeledData? validation = validationCount > 0 ? data.Subset(order[(data.Count - validationCount)..]) : null;

        if (options.KeepZeros)
            graph.MaskZeros();
        else
            foreach (Parameter p in graph.Parameters) p.ClearMask();
        Optimizer optimizer = options.Optimizer == OptimizerKind.Sgd ? new Sgd(options.Momentum) : new Adam();

        var reports = new List<EpochReport>();
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = -1, sinceBest = 0;
        Dictionary<string, float[]>? best = null;
        bool stoppedEarly = false;
        int[] rows = Enumerable.Range(0, train.Count).ToArray();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            float rate = options.Schedule.At(epoch, options.Epochs, options.LearningRate);
            Shuffle(rows, random);
            double lossSum = 0;
            for (int start = 0; start < rows.Length; start += options.BatchSize)
            {
                ReadOnlySpan<int> batch = rows.AsSpan(start, Math.Min(options.BatchSize, rows.Length - start));
                graph.ZeroGradients();
                FloatTensor output = graph.Forward(Batch(graph, train, batch));
                lossSum += LossFunction.Compute(lossKind, output, train, batch, out FloatTensor dOutput) * batch.Length;
                graph.Backward(dOutput);
                Regularize(graph.Parameters, options);
                foreach (Parameter p in graph.Parameters) p.ApplyMask(p.Gradient);
                optimizer.Step(graph.Parameters, rate);
                foreach (Parameter p in graph.Parameters) p.ApplyMask(p.Value.Data);
            }
            Evaluation val = validation != null ? Evaluate(graph, validation, lossKind) : new Evaluation(double.NaN, double.NaN);
            var report = new EpochReport(epoch + 1, options.Epochs, rate, lossSum / Math.Max(rows.Length, 1), val.Loss, val.Accuracy,
                clock.Elapsed.TotalSeconds);
            reports.Add(report);
            progress?.Invoke(report);
            if (validation == null)
                continue;
            if (val.Loss < bestLoss)
            {
                bestLoss = val.Loss;
                bestEpoch = epoch + 1;
                sinceBest = 0;
                if (options.RestoreBest)
                    best = graph.Snapshot();
            }
            else if (options.Patience > 0 && ++sinceBest >= options.Patience)
            {
                stoppedEarly = true;
                break;
            }
        }
        if (best != null && bestEpoch != reports.Count)
            graph.Restore(best);
        return new TrainingResult(reports, bestEpoch < 0 ? reports.Count : bestEpoch, stoppedEarly);
    }

    /// <summary>Mean loss and accuracy of the graph on <paramref name="data"/> (batches of 256, no gradients).</summary>
    public static Evaluation Evaluate(TrainableGraph graph, LabeledData data, LossKind? lossKind = null)
    {
        LossKind kind = lossKind ?? LossFunction.Detect(graph, data);
        double loss = 0;
        int correct = 0;
        int[] all = Enumerable.Range(0, data.Count).ToArray();
        for (int start = 0; start < data.Count; start += 256)
        {
            ReadOnlySpan<int> batch = all.AsSpan(start, Math.Min(256, data.Count - start));
            FloatTensor output = graph.Forward(Batch(graph, data, batch));
            loss += LossFunction.Compute(kind, output, data, batch, out _) * batch.Length;
            if (data.IsClassification)
                correct += CountCorrect(output, data, batch);
        }
        return new Evaluation(loss / data.Count, data.IsClassification ? (double)correct / data.Count : double.NaN);
    }

    /// <summary>The input tensor for the given rows of <paramref name="data"/>.</summary>
    public static FloatTensor Batch(TrainableGraph graph, LabeledData data, ReadOnlySpan<int> rows)
    {
        var x = new float[rows.Length * data.Width];
        for (int i = 0; i < rows.Length; i++)
            data.Features.AsSpan(rows[i] * data.Width, data.Width).CopyTo(x.AsSpan(i * data.Width));
        return new FloatTensor(graph.BatchShape(rows.Length, data.Width), x);
    }

    internal static int[] Permutation(int count, Random random)
    {
        int[] order = Enumerable.Range(0, count).ToArray();
        Shuffle(order, random);
        return order;
    }

    private static void Shuffle(int[] values, Random random)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static int CountCorrect(FloatTensor output, LabeledData data, ReadOnlySpan<int> rows)
    {
        int width = output.Length / rows.Length, correct = 0;
        for (int r = 0; r < rows.Length; r++)
        {
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(output.Data.AsSpan(r * width, width)) == data.Labels![rows[r]])
                correct++;
        }
        return correct;
    }

    private static void Regularize(IReadOnlyList<Parameter> parameters, TrainingOptions options)
    {
        if (options.Regularization == Regularization.None)
            return;
        float lambda = options.Lambda;
        foreach (Parameter p in parameters)
        {
            if (!p.IsWeight)
                continue;
            float[] w = p.Value.Data, g = p.Gradient;
            for (int i = 0; i < w.Length; i++)
                g[i] += options.Regularization == Regularization.L2 ? lambda * w[i] : lambda * MathF.Sign(w[i]);
        }
    }
}
