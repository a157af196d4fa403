using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Fitting;
using PrunedCodegen.Training.Pruning;

namespace PrunedCodegen.Cli.Tuning
{
    /// <summary>Which scores choose the weights to remove.</summary>
    internal enum PruneCriterion { Magnitude, Gradient, Taylor }

    /// <summary>One pruning round: the sparsity aimed at and reached (over the pruned layers), and the fine-tune after it.</summary>
    internal sealed record PruneRound(int Round, double Target, double Reached, TrainingResult? Training, double Seconds)
    {
        public EpochReport? Kept => Training?.Epochs.FirstOrDefault(e => e.Epoch == Training.BestEpoch);
    }

    /// <summary>The final model, its layers against the original's, and the rounds that led there.</summary>
    internal sealed record GradualPruneResult(OnnxModel Model, IReadOnlyList<LayerPruneReport> Layers, IReadOnlyList<PruneRound> Rounds, double InitialSparsity)
    {
        public double Sparsity
        {
            get
            {
                var pruned = Layers.Where(l => l.Pruned).ToList();
                long total = pruned.Sum(l => (long)l.WeightsBefore);
                return total == 0 ? 0 : 1 - (double)pruned.Sum(l => (long)l.NonzerosAfter) / total;
            }
        }
    }

    /// <summary>
    /// Prune, then fine-tune with the new zeros held fixed, over several rounds whose sparsities follow the cubic schedule
    /// (Zhu and Gupta; TF-MOT, NNI) from the model's current sparsity to the target. One round is one-shot pruning
    /// (with an optional fine-tune). Masks come from the Pruner, with magnitude scores or gradient/Taylor scores
    /// computed on the training data by the training library.
    /// </summary>
    internal static class GradualPruning
    {
        /// <summary>Mini-batches (of 64) whose gradient scores are summed per round.</summary>
        public const int ScoreBatches = 8;

        public static GradualPruneResult Run(ToolOutput ui, OnnxModel original, string modelPath, PruneOptions options, PruneCriterion criterion,
            int rounds, LabeledData? data, TrainingOptions training, bool quiet)
        {
            var start = Pruner.PruneModel(original, options with { Sparsity = 0 });
            double initial = SparsityOfPruned(start.Layers.Select(l => (l.Pruned, (long)l.WeightsBefore, (long)l.NonzerosBefore)));
            if (rounds > 1 && initial >= options.Sparsity)
                throw new UserErrorException(ExitCodes.ImpossibleSparsity, string.Format(CultureInfo.InvariantCulture,
                    "the pruned layers are already {0} sparse, at or above the target {1}: nothing to prune gradually", Format.Percent(initial), options.Sparsity));
            double[] targets = SparsitySchedule.Rounds(Math.Min(initial, options.Sparsity), options.Sparsity, rounds);

            var model = original;
            var history = new List<PruneRound>();
            for (int r = 0; r < rounds; r++)
            {
                var clock = Stopwatch.StartNew();
                IPruningCriterion? scores = criterion == PruneCriterion.Magnitude ? null : Scores(model, modelPath, data!, criterion, training.Seed + r);
                model = Pruner.PruneModel(model, options with { Sparsity = targets[r] }, scores).Model;
                TrainingResult? fit = null;
                if (training.Epochs > 0)
                {
                    var graph = FineTuning.Load(model, modelPath);
                    string title = rounds == 1 ? "finetune" : $"round {r + 1}/{rounds} ({Format.Percent(targets[r])})";
                    fit = FineTuning.Fit(ui, graph, data!, training with { Seed = training.Seed + r }, title, quiet);
                    model = graph.WriteBack();
                }
                history.Add(new PruneRound(r + 1, targets[r], Reached(model, start.Layers), fit, clock.Elapsed.TotalSeconds));
            }
            return new GradualPruneResult(model, Compare(start.Layers, LayerFinder.Find(model)), history, initial);
        }

        private static IPruningCriterion Scores(OnnxModel model, string modelPath, LabeledData data, PruneCriterion criterion, int seed)
        {
            var graph = FineTuning.Load(model, modelPath);
            try
            {
                var scores = GradientScores.Compute(graph, data, criterion == PruneCriterion.Taylor ? GradientCriterion.Taylor : GradientCriterion.Gradient,
                    ScoreBatches, batchSize: 64, seed: seed);
                return new GradientPruningCriterion(model, scores);
            }
            catch (Training.TrainingException e)
            {
                throw new UserErrorException(ExitCodes.BadData, e.Message);
            }
        }

        private static double Reached(OnnxModel model, IReadOnlyList<LayerPruneReport> original) =>
            SparsityOfPruned(Compare(original, LayerFinder.Find(model)).Select(l => (l.Pruned, (long)l.WeightsBefore, (long)l.NonzerosAfter)));

        private static double SparsityOfPruned(IEnumerable<(bool Pruned, long Weights, long Nonzeros)> layers)
        {
            var pruned = layers.Where(l => l.Pruned).ToList();
            long total = pruned.Sum(l => l.Weights);
            return total == 0 ? 0 : 1 - (double)pruned.Sum(l => l.Nonzeros) / total;
        }

        private static List<LayerPruneReport> Compare(IReadOnlyList<LayerPruneReport> before, IReadOnlyList<PrunableLayer> after) =>
            before.Select((b, i) => b with
            {
                OutputsAfter = after[i].Outputs, InputsAfter = after[i].Inputs,
                NonzerosAfter = after[i].ReadMatrix().Count(w => w != 0f),
            }).ToList();
    }
}
