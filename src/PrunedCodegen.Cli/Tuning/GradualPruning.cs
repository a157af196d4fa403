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
    /// (with an optional fine-tune). Unstructured and block masks grow round by round; structured pruning zeroes whole
    /// neurons each round and removes them after the last; N:M patterns tighten from M:M to the target N:M. Masks come from the Pruner, with magnitude scores or gradient/Taylor scores
    /// computed on the training data by the training library.
    /// </summary>
    internal static class GradualPruning
    {
        /// <summary>Mini-batches (of 64) whose gradient scores are summed per round.</summary>
        public const int ScoreBatches = 8;

        public static GradualPruneResult Run(ToolOutput ui, OnnxModel original, string modelPath, PruneOptions options, PruneCriterion criterion,
            int rounds, LabeledData? data, TrainingOptions training, bool quiet)
        {
            bool structured = options.Method == PruneMethod.Structured;
            bool nOfM = options.Pattern.Kind == PatternKind.NOfM;
            // The starting point, pruned to nothing: which layers take part and their weights before. An N:M pattern
            // ignores the sparsity, so the start uses the unstructured pattern over the same layers.
            var start = Pruner.PruneModel(original, options with { Sparsity = 0, PhysicalRemoval = false, Pattern = nOfM ? PruningPattern.Unstructured : options.Pattern });
            double target = nOfM ? options.Pattern.ImpliedSparsity : options.Sparsity;
            double initial = structured ? DeadNeuronFraction(original, start.Layers) : SparsityOfPruned(start.Layers.Select(l => (l.Pruned, (long)l.WeightsBefore, (long)l.NonzerosBefore)));
            if (rounds > 1 && initial >= target)
                throw new UserErrorException(ExitCodes.ImpossibleSparsity, string.Format(CultureInfo.InvariantCulture,
                    "the pruned layers are already {0} sparse, at or above the target {1}: nothing to prune gradually", Format.Percent(initial), target));
            double[] targets = SparsitySchedule.Rounds(Math.Min(initial, target), target, rounds);

            var model = original;
            var history = new List<PruneRound>();
            for (int r = 0; r < rounds; r++)
            {
                var clock = Stopwatch.StartNew();
                var round = RoundOptions(options, targets[r], last: r == rounds - 1);
                if (round != null)
                {
                    IPruningCriterion? scores = criterion == PruneCriterion.Magnitude ? null : Scores(model, modelPath, data!, criterion, training.Seed + r);
                    model = Pruner.PruneModel(model, round, scores).Model;
                }
                TrainingResult? fit = null;
                if (training.Epochs > 0)
                {
                    var graph = FineTuning.Load(model, modelPath);
                    string title = rounds == 1 ? "finetune" : $"round {r + 1}/{rounds} ({Format.Percent(targets[r])})";
                    fit = FineTuning.Fit(ui, graph, data!, training with { Seed = training.Seed + r }, title, quiet);
                    model = graph.WriteBack();
                }
                double reached = structured ? DeadNeuronFraction(model, start.Layers) : Reached(model, start.Layers);
                history.Add(new PruneRound(r + 1, targets[r], reached, fit, clock.Elapsed.TotalSeconds));
            }
            if (structured && options.PhysicalRemoval)
            {
                // The rounds zeroed whole neurons and fine-tuned with them held at zero; the same target now selects
                // exactly those neurons (their norm is 0) and removes them, folding their constant outputs (the bias
                // through the activation) into the next layer, so the smaller model computes what the last one did.
                model = Pruner.PruneModel(model, options with { Sparsity = targets[rounds - 1] }).Model;
            }
            return new GradualPruneResult(model, Compare(start.Layers, LayerFinder.Find(model)), history, initial);
        }

        /// <summary>
        /// The options of one round at <paramref name="target"/>, or null when the round prunes nothing new. Structured
        /// rounds zero neurons without removing them (the fine-tune holds them at zero; removal comes after the last
        /// round). N:M rounds tighten the pattern from M:M towards the target N:M (for 2:4: 3:4, then 2:4), the n of
        /// each round the one closest to the schedule's sparsity; the last round is the target pattern.
        /// </summary>
        internal static PruneOptions? RoundOptions(PruneOptions options, double target, bool last)
        {
            if (options.Method == PruneMethod.Structured)
                return options with { Sparsity = target, PhysicalRemoval = false };
            if (options.Pattern.Kind != PatternKind.NOfM)
                return options with { Sparsity = target };
            int m = options.Pattern.M;
            int n = last ? options.Pattern.N : Math.Max(options.Pattern.N, m - (int)Math.Round(target * m, MidpointRounding.AwayFromZero));
            return n >= m ? null : options with { Pattern = PruningPattern.NOfM(n, m) };
        }

        /// <summary>
        /// The fraction of the participating layers' original neurons that are removed or dead (all weights zero):
        /// what structured pruning's sparsity counts.
        /// </summary>
        private static double DeadNeuronFraction(OnnxModel model, IReadOnlyList<LayerPruneReport> original)
        {
            var after = LayerFinder.Find(model);
            long before = 0, gone = 0;
            for (int i = 0; i < original.Count; i++)
            {
                if (!original[i].Pruned) continue;
                var layer = after[i];
                float[] w = layer.ReadMatrix();
                int dead = 0;
                for (int o = 0; o < layer.Outputs; o++)
                {
                    bool zero = true;
                    for (int j = 0; j < layer.Inputs && zero; j++) zero = w[o * layer.Inputs + j] == 0f;
                    if (zero) dead++;
                }
                before += original[i].OutputsBefore;
                gone += original[i].OutputsBefore - layer.Outputs + dead;
            }
            return before == 0 ? 0 : (double)gone / before;
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
