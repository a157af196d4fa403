using System;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Losses;

public enum LossKind
{
    /// <summary>Cross-entropy of softmax(output): the model outputs logits.</summary>
    CrossEntropyOnLogits,

    /// <summary>Cross-entropy −log p[label]: the model ends in Softmax and outputs probabilities.</summary>
    CrossEntropyOnProbabilities,

    /// <summary>Mean squared error over every output value (PyTorch's MSELoss with mean reduction).</summary>
    MeanSquaredError,
}

/// <summary>Batch losses (mean over the batch) and their gradients with respect to the model output.</summary>
public static class LossFunction
{
    // Probabilities are clamped here before the log, so that a confident wrong answer gives a large finite loss.
    private const double MinProbability = 1e-12;

    /// <summary>Cross-entropy for labelled data (on probabilities when the graph ends in Softmax), MSE for regression.</summary>
    public static LossKind Detect(TrainableGraph graph, LabeledData data) =>
        !data.IsClassification ? LossKind.MeanSquaredError
        : graph.OutputProducer == "Softmax" ? LossKind.CrossEntropyOnProbabilities
        : LossKind.CrossEntropyOnLogits;

    /// <summary>
    /// The mean loss of <paramref name="output"/> (one row per sample) against the targets of <paramref name="rows"/>,
    /// and d loss / d output.
    /// </summary>
    public static double Compute(LossKind kind, FloatTensor output, LabeledData data, ReadOnlySpan<int> rows, out FloatTensor gradient)
    {
        int batch = rows.Length;
        if (batch == 0 || output.Length % batch != 0)
            throw new TrainingException($"The model output {FloatTensor.Format(output.Shape)} does not have one row per sample of the batch ({batch}).");
        int width = output.Length / batch;
        gradient = FloatTensor.ZerosLike(output);
        float[] y = output.Data, g = gradient.Data;
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            int at = r * width;
            switch (kind)
            {
                case LossKind.MeanSquaredError:
                {
                    if (data.TargetWidth != width)
                        throw new TrainingException($"The model outputs {width} values per sample but the data has {data.TargetWidth} targets.");
                    float[] t = data.Targets!;
                    for (int j = 0; j < width; j++)
                    {
                        double diff = (double)y[at + j] - t[rows[r] * width + j];
                        total += diff * diff;
                        g[at + j] = (float)(2 * diff / ((double)batch * width));
                    }
                    break;
                }
                case LossKind.CrossEntropyOnProbabilities:
                {
                    int label = Label(data, rows[r], width);
                    double p = Math.Max(y[at + label], MinProbability);
                    total -= Math.Log(p);
                    g[at + label] = (float)(-1 / (p * batch));
                    break;
                }
                default:
                {
                    int label = Label(data, rows[r], width);
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < width; j++) max = Math.Max(max, y[at + j]);
                    double sum = 0;
                    for (int j = 0; j < width; j++) sum += Math.Exp(y[at + j] - max);
                    double logSum = Math.Log(sum) + max;
                    total += logSum - y[at + label];
                    for (int j = 0; j < width; j++)
                        g[at + j] = (float)((Math.Exp(y[at + j] - logSum) - (j == label ? 1 : 0)) / batch);
                    break;
                }
            }
        }
        return kind == LossKind.MeanSquaredError ? total / ((double)batch * width) : total / batch;
    }

    private static int Label(LabeledData data, int row, int classes)
    {
        int label = data.Labels![row];
        if (label >= classes)
            throw new TrainingException($"Label {label} (sample {row}) is out of range: the model has {classes} output classes (0..{classes - 1}).");
        return label;
    }
}
