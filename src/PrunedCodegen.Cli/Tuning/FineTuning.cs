using System;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Onnx;
using PrunedCodegen.Training;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Fitting;
using PrunedCodegen.Training.Graph;
using Spectre.Console;

namespace PrunedCodegen.Cli.Tuning
{
    /// <summary>
    /// Masked fine-tuning of an ONNX model with the training library, with the tool's error mapping (a model it cannot
    /// train: exit code 8; data that does not fit the model: 4) and a progress display per epoch.
    /// </summary>
    internal static class FineTuning
    {
        /// <summary>The model as a trainable graph; ops the training engine lacks are a clear error, not a crash.</summary>
        public static TrainableGraph Load(OnnxModel model, string modelPath)
        {
            try
            {
                return TrainableGraph.FromModel(model);
            }
            catch (TrainingException e)
            {
                throw new UserErrorException(ExitCodes.UnsupportedModel, $"{modelPath} cannot be trained: {e.Message}");
            }
        }

        /// <summary>The number of output values per sample (the class count), from a forward pass of one sample.</summary>
        public static int Outputs(TrainableGraph graph, int width, string dataPath)
        {
            try
            {
                return graph.Forward(new Training.Tensors.FloatTensor(graph.BatchShape(1, width), new float[width])).Length;
            }
            catch (TrainingException e)
            {
                throw new UserErrorException(ExitCodes.BadData, $"{dataPath} does not fit the model: {e.Message}");
            }
        }

        /// <summary>Trains <paramref name="graph"/> in place, zeros held fixed, showing one line or bar per epoch under <paramref name="title"/>.</summary>
        public static TrainingResult Fit(ToolOutput ui, TrainableGraph graph, LabeledData data, TrainingOptions options, string title, bool quiet)
        {
            try
            {
                if (quiet || options.Epochs == 0)
                    return Trainer.Fit(graph, data, options);
                if (!ui.Console.Profile.Capabilities.Interactive)
                    return Trainer.Fit(graph, data, options, e => ui.Console.WriteLine(title + ": " + Describe(e)));
                TrainingResult? result = null;
                ui.Console.Progress()
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .Start(context =>
                    {
                        var task = context.AddTask(Markup.Escape(title), maxValue: options.Epochs);
                        result = Trainer.Fit(graph, data, options, e =>
                        {
                            task.Description = Markup.Escape(title + ": " + Describe(e));
                            task.Increment(1);
                        });
                        task.Value = task.MaxValue;
                    });
                return result!;
            }
            catch (TrainingException e)
            {
                throw new UserErrorException(ExitCodes.BadData, e.Message);
            }
        }

        /// <summary>Loss and accuracy over <paramref name="data"/> (NaN accuracy for an MSE fit on one-hot labels).</summary>
        public static Training.Fitting.Evaluation Evaluate(TrainableGraph graph, LabeledData data)
        {
            try
            {
                return Trainer.Evaluate(graph, data);
            }
            catch (TrainingException e)
            {
                throw new UserErrorException(ExitCodes.BadData, e.Message);
            }
        }

        public static string Describe(EpochReport e) => string.Format(CultureInfo.InvariantCulture,
            "epoch {0}/{1}  lr {2:G3}  loss {3}  val loss {4}  val acc {5}", e.Epoch, e.Epochs, e.LearningRate,
            Format.Fixed(e.TrainLoss), Format.Fixed(e.ValidationLoss), Format.Fixed(e.ValidationAccuracy));

        /// <summary>Zero entries over all float initializers: the pattern fine-tuning holds fixed.</summary>
        public static long CountZeros(TrainableGraph graph) => graph.Parameters.Sum(p => (long)p.Value.Data.Count(v => v == 0f));

        public static object Summary(TrainingResult result) => new
        {
            epochsRun = result.Epochs.Count,
            result.BestEpoch,
            result.StoppedEarly,
            epochs = result.Epochs.Select(e => new { e.Epoch, e.LearningRate, e.TrainLoss, e.ValidationLoss, e.ValidationAccuracy, e.Seconds }),
        };
    }
}
