using System;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Training.Data;

namespace PrunedCodegen.Cli.Tuning
{
    /// <summary>Which loss fine-tuning minimises.</summary>
    internal enum LossChoice
    {
        /// <summary>Cross-entropy for labelled data (the training library picks logits or probabilities from the model's last op).</summary>
        Auto,
        CrossEntropy,
        /// <summary>Mean squared error against one-hot encoded labels.</summary>
        MeanSquaredError,
    }

    /// <summary>
    /// The tool's data set (read by <see cref="Inputs.ReadData"/>, CSV or .npy) as the training library's
    /// <see cref="LabeledData"/>: one parser for every verb.
    /// </summary>
    internal static class TrainingSet
    {
        public static LabeledData From(Dataset data, string dataPath, LossChoice loss, int outputs)
        {
            if (data.Labels == null)
                throw new UserErrorException(ExitCodes.BadData, $"{dataPath}: training needs labels: a 'label' column, --label-column, or --labels");
            if (data.Rows == 0)
                throw new UserErrorException(ExitCodes.BadData, $"{dataPath}: no samples");
            try
            {
                for (int i = 0; i < data.Labels.Length; i++)
                    if (data.Labels[i] < 0 || data.Labels[i] >= outputs)
                        throw new UserErrorException(ExitCodes.BadData, $"{dataPath}: label {data.Labels[i]} (sample {i}) is out of range: the model has {outputs} output classes (0..{outputs - 1})");
                if (loss != LossChoice.MeanSquaredError)
                    return LabeledData.Classification(data.Features, data.Width, data.Labels);
                var oneHot = new float[data.Rows * outputs];
                for (int i = 0; i < data.Rows; i++) oneHot[i * outputs + data.Labels[i]] = 1f;
                return LabeledData.Regression(data.Features, data.Width, oneHot, outputs);
            }
            catch (Training.TrainingException e)
            {
                throw new UserErrorException(ExitCodes.BadData, $"{dataPath}: {e.Message}");
            }
        }
    }
}
