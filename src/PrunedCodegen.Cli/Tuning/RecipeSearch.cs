using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Cli.Commands;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Factorization;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Fitting;

namespace PrunedCodegen.Cli.Tuning
{
    /// <summary>The quality figure the accuracy budget is counted in (macro averages over the classes that occur).</summary>
    internal enum SearchMetric { Accuracy, Precision, Recall, F1 }

    /// <summary>
    /// One family of recipes: a way to compress, and its levels from the mildest to the most aggressive (sparsity, or
    /// spectrum energy kept for low rank, which falls as the level rises).
    /// </summary>
    internal sealed record RecipeFamily(string Name, IReadOnlyList<double> Levels, Func<double, Recipe> At);

    /// <summary>
    /// A way to make a candidate from the original: gradual pruning (rounds x epochs of fine-tuning, as
    /// <c>pcg prune --schedule gradual</c>) or a low-rank factorisation fine-tuned for rounds x epochs (as
    /// <c>pcg factorize --finetune-epochs</c>). <see cref="Command"/> is the pcg command line that reproduces it.
    /// </summary>
    internal sealed record Recipe(string Family, double Level, PruneOptions? Prune, double? Energy, int Rounds = 1, int Epochs = 0)
    {
        public string Label => (Prune != null
            ? string.Format(CultureInfo.InvariantCulture, "{0} {1:0.###}", Family, Prune.Pattern.Kind == PatternKind.NOfM ? Prune.Pattern.ImpliedSparsity : Prune.Sparsity)
            : string.Format(CultureInfo.InvariantCulture, "{0} energy {1:0.###}", Family, Energy))
            + string.Format(CultureInfo.InvariantCulture, ", {0}x{1} epochs", Rounds, Epochs);

        public string Command(string model, string output, string trainData, int seed)
        {
            if (Prune == null)
                return string.Format(CultureInfo.InvariantCulture, "pcg factorize {0} -o {1} --energy {2:0.###} --finetune-epochs {3} --train-data {4} --seed {5}",
                    model, output, Energy, Rounds * Epochs, trainData, seed);
            string method = Prune.Method.ToString().ToLowerInvariant(), scope = Prune.Scope.ToString().ToLowerInvariant();
            string what = Prune.Pattern.Kind == PatternKind.NOfM
                ? $"--pattern {Prune.Pattern}"
                : string.Format(CultureInfo.InvariantCulture, "--method {0} --scope {1} --sparsity {2:0.###}{3}", method, scope, Prune.Sparsity,
                    Prune.Pattern.Kind == PatternKind.Block ? $" --pattern {Prune.Pattern}" : "");
            return string.Format(CultureInfo.InvariantCulture, "pcg prune {0} -o {1} {2} --schedule gradual --rounds {3} --finetune-epochs {4} --data {5} --seed {6}",
                model, output, what, Rounds, Epochs, trainData, seed);
        }
    }

    /// <summary>A measured candidate: its recipe, quality on the validation data, and speed measured against the original.</summary>
    internal sealed record Candidate(int Index, Recipe Recipe, double Metric, double Accuracy, long Weights, double Ns, double SpeedUp, double Seconds, bool WithinBudget)
    {
        public byte[] Bytes { get; init; } = Array.Empty<byte>();
        public bool OnFront { get; set; }
    }

    /// <summary>
    /// The search of pcg optimize: for every family, a bisection over its levels for the most aggressive one whose
    /// metric stays within the budget (quality falls with the level, so each family costs about log2 of its levels in
    /// candidates); every candidate is made by the real pruning/factorisation and fine-tuning code, compiled through the
    /// real generator, timed against the original in interleaved rounds, and scored on the validation data.
    /// </summary>
    internal sealed class RecipeSearch : IDisposable
    {
        private readonly ToolOutput _ui;
        private readonly OnnxModel _original;
        private readonly string _modelPath;
        private readonly LabeledData _train;
        private readonly Dataset _validation;
        private readonly SearchMetric _metric;
        private readonly int _batch;
        private readonly int _rounds, _epochs, _seed;
        private readonly CompiledModel _baseline;
        private readonly float[] _reference;
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public RecipeSearch(ToolOutput ui, OnnxModel original, byte[] originalBytes, string modelPath, LabeledData train, Dataset validation, SearchMetric metric, int batch,
            int rounds, int epochs, int seed)
        {
            _ui = ui; _original = original; _modelPath = modelPath; _train = train; _validation = validation; _metric = metric; _batch = batch;
            _rounds = rounds; _epochs = epochs; _seed = seed;
            _baseline = ModelRunner.Load(modelPath, originalBytes);
            _reference = ModelRunner.Run(_baseline, validation, modelPath);
            BaselineMetric = Score(_reference, out double accuracy);
            BaselineAccuracy = accuracy;
            BaselineNs = CompiledModel.MeasureAgainstAtBatch(_baseline, _baseline, validation, batch).CandidateNs;
        }

        public double BaselineMetric { get; }
        public double BaselineAccuracy { get; }
        public double BaselineNs { get; }
        public List<Candidate> Candidates { get; } = new List<Candidate>();

        /// <summary>Recipes that do not apply to this model, with the reason (the pruner's or trainer's message).</summary>
        public List<(Recipe Recipe, string Reason)> Skipped { get; } = new List<(Recipe, string)>();

        /// <summary>The families searched, in order: the ones that usually pay most at batch 1 first.</summary>
        public static IReadOnlyList<RecipeFamily> Families(IReadOnlyCollection<string>? only)
        {
            var all = new List<RecipeFamily>
            {
                new RecipeFamily("structured-layer", new[] { 0.3, 0.5, 0.6, 0.7, 0.8, 0.9 },
                    s => new Recipe("structured-layer", s, new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = s }, null)),
                new RecipeFamily("structured-global", new[] { 0.3, 0.5, 0.6, 0.7, 0.8, 0.9 },
                    s => new Recipe("structured-global", s, new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Global, Sparsity = s }, null)),
                new RecipeFamily("magnitude", new[] { 0.5, 0.7, 0.8, 0.9, 0.95, 0.98 },
                    s => new Recipe("magnitude", s, new PruneOptions { Sparsity = s }, null)),
                new RecipeFamily("block8x1", new[] { 0.5, 0.7, 0.8, 0.9, 0.95 },
                    s => new Recipe("block8x1", s, new PruneOptions { Sparsity = s, Pattern = PruningPattern.Block(8, 1) }, null)),
                new RecipeFamily("2:4", new[] { 0.5 },
                    s => new Recipe("2:4", s, new PruneOptions { Pattern = PruningPattern.NOfM(2, 4) }, null)),
                new RecipeFamily("lowrank", new[] { 0.99, 0.95, 0.9, 0.8, 0.7, 0.6 },
                    e => new Recipe("lowrank", e, null, e)),
            };
            return only == null || only.Count == 0 ? all : all.Where(f => only.Contains(f.Name)).ToList();
        }

        /// <summary>
        /// Searches <paramref name="families"/> until they are done, <paramref name="budget"/> has passed (a candidate is
        /// not started when the mean candidate so far would overrun it) or <paramref name="stop"/> returns true. Then, while
        /// time is left, refines: <see cref="Deeper"/> candidates first, then levels <see cref="Between"/> the bisection's.
        /// </summary>
        public void Run(IReadOnlyList<RecipeFamily> families, double maxDrop, TimeSpan budget, Func<bool> stop, Action<Candidate, Candidate?, TimeSpan> progress)
        {
            _clock.Restart(); // the budget is the search's: compiling and timing the original are not counted
            void Add(Candidate c)
            {
                Candidates.Add(c);
                progress(c, Best, budget - _clock.Elapsed);
            }
            foreach (var family in families)
            {
                // Bisection for the most aggressive level within the budget (quality falls as the level rises).
                int lo = 0, hi = family.Levels.Count - 1;
                while (lo <= hi)
                {
                    if (stop() || !TimeFor(budget)) return;
                    int mid = (lo + hi + 1) / 2;
                    var candidate = Evaluate(family.At(family.Levels[mid]) with { Rounds = _rounds, Epochs = _epochs }, maxDrop);
                    if (candidate == null) { hi = mid - 1; continue; }
                    Add(candidate);
                    if (candidate.WithinBudget) lo = mid + 1;
                    else hi = mid - 1;
                }
            }
            var tried = new HashSet<Recipe>(Candidates.Select(c => c.Recipe));
            while (!stop() && TimeFor(budget))
            {
                var recipe = Deeper(tried, maxDrop) ?? Between(families, tried);
                if (recipe == null) return;
                tried.Add(recipe);
                if (Evaluate(recipe, maxDrop) is Candidate c) Add(c);
            }
        }

        /// <summary>Most epochs per round a deepened candidate gets, as a multiple of the search's own.</summary>
        public const int MaxEpochScale = 8;

        /// <summary>
        /// The candidate over the budget that is faster than the best within it and closest to the budget, made again with
        /// twice the epochs per round (up to <see cref="MaxEpochScale"/>x): a longer fine-tune often wins the last point back.
        /// Only candidates within 6 points of the budget whose last doubling still gained are deepened.
        /// </summary>
        private Recipe? Deeper(HashSet<Recipe> tried, double maxDrop)
        {
            var best = Best;
            // Worth deepening: within 6 points of the budget, and the last doubling (if any) won at least a quarter point.
            bool Promising(Candidate c) =>
                c.Metric >= BaselineMetric - maxDrop - 0.06
                && !Candidates.Any(o => o.Recipe == c.Recipe with { Epochs = c.Recipe.Epochs / 2 } && c.Recipe.Epochs % 2 == 0 && c.Metric - o.Metric < 0.0025);
            return Candidates
                .Where(c => !c.WithinBudget && (best == null || c.SpeedUp > best.SpeedUp) && c.Recipe.Epochs > 0 && c.Recipe.Epochs < MaxEpochScale * _epochs
                    && Promising(c) && !tried.Contains(c.Recipe with { Epochs = c.Recipe.Epochs * 2 }))
                .OrderByDescending(c => c.Metric).ThenBy(c => c.Index)
                .Select(c => c.Recipe with { Epochs = c.Recipe.Epochs * 2 })
                .FirstOrDefault();
        }

        /// <summary>
        /// When nothing is left to deepen: a level halfway between a family's most aggressive level within the budget and
        /// the mildest one above it that failed at every depth tried (the bisection's levels are coarse), for the family
        /// whose failing level is fastest. Nothing when the gap is below 0.02.
        /// </summary>
        private Recipe? Between(IReadOnlyList<RecipeFamily> families, HashSet<Recipe> tried)
        {
            Recipe? pick = null;
            double pickSpeed = double.NegativeInfinity;
            foreach (var family in families)
            {
                var mine = Candidates.Where(c => c.Recipe.Family == family.Name).ToList();
                var passed = mine.Where(c => c.WithinBudget).Select(c => c.Recipe.Level).ToList();
                if (passed.Count == 0) continue;
                double pass = family.Name == "lowrank" ? passed.Min() : passed.Max();
                var failed = mine.Where(c => !c.WithinBudget && (family.Name == "lowrank" ? c.Recipe.Level < pass : c.Recipe.Level > pass)
                        && !mine.Any(o => o.WithinBudget && o.Recipe.Level == c.Recipe.Level))
                    .OrderBy(c => Math.Abs(c.Recipe.Level - pass)).FirstOrDefault();
                if (failed == null || Math.Abs(failed.Recipe.Level - pass) < 0.02 + 1e-9) continue;
                double level = Math.Round((pass + failed.Recipe.Level) / 2, 3);
                var recipe = family.At(level) with { Rounds = _rounds, Epochs = _epochs };
                if (tried.Contains(recipe) || !(failed.SpeedUp > pickSpeed)) continue;
                pick = recipe;
                pickSpeed = failed.SpeedUp;
            }
            return pick;
        }

        /// <summary>The fastest candidate within the budget (highest measured speed-up; ties: fewer weights, then order).</summary>
        public Candidate? Best => Candidates.Where(c => c.WithinBudget).OrderByDescending(c => c.SpeedUp).ThenBy(c => c.Weights).ThenBy(c => c.Index).FirstOrDefault();

        /// <summary>Marks the Pareto front: no other candidate is both faster and at least as good, or as fast and better.</summary>
        public void MarkFront()
        {
            foreach (var c in Candidates)
                c.OnFront = !Candidates.Any(o => o != c && o.SpeedUp >= c.SpeedUp && o.Metric >= c.Metric && (o.SpeedUp > c.SpeedUp || o.Metric > c.Metric));
        }

        private bool TimeFor(TimeSpan budget)
        {
            if (Candidates.Count == 0) return true; // at least one candidate, however short the budget
            double mean = Candidates.Average(c => c.Seconds);
            return _clock.Elapsed.TotalSeconds + mean <= budget.TotalSeconds;
        }

        /// <summary>One candidate made, compiled, scored and timed; null when the recipe does not apply to this model.</summary>
        private Candidate? Evaluate(Recipe recipe, double maxDrop)
        {
            var clock = Stopwatch.StartNew();
            OnnxModel model;
            var training = new TrainingOptions { Epochs = recipe.Epochs, Seed = _seed };
            try
            {
                if (recipe.Prune != null)
                {
                    model = GradualPruning.Run(_ui, _original, _modelPath, recipe.Prune with { Seed = _seed }, PruneCriterion.Magnitude,
                        recipe.Rounds, _train, training, quiet: true).Model;
                }
                else
                {
                    var factorized = LowRankFactorizer.Factorize(_original, new FactorizeOptions { Energy = recipe.Energy });
                    if (!factorized.Layers.Any(l => l.Factorized)) return null;
                    var graph = FineTuning.Load(factorized.Model, _modelPath);
                    FineTuning.Fit(_ui, graph, _train, training with { Epochs = recipe.Rounds * recipe.Epochs }, "finetune", quiet: true);
                    model = graph.WriteBack();
                }
            }
            catch (Exception e) when (e is PruningException or UserErrorException)
            {
                // e.g. no layer whose neurons can be removed, or already at the level: not a candidate here, and said so.
                Skipped.Add((recipe, e.Message));
                return null;
            }
            byte[] bytes = OnnxWriter.Write(model);
            using var compiled = ModelRunner.Load(_modelPath, bytes);
            float[] outputs = ModelRunner.Run(compiled, _validation, _modelPath);
            double metric = Score(outputs, out double accuracy);
            var (_, ns, speedUp) = CompiledModel.MeasureAgainstAtBatch(_baseline, compiled, _validation, _batch);
            var inspection = Model.ModelInspector.Inspect(model);
            bool within = metric >= BaselineMetric - maxDrop - 1e-12;
            return new Candidate(Candidates.Count + 1, recipe, metric, accuracy, inspection.Weights - inspection.Zeros, ns, speedUp, clock.Elapsed.TotalSeconds, within) { Bytes = bytes };
        }

        private double Score(float[] outputs, out double accuracy)
        {
            var report = Metrics.Compute(outputs, _validation.Rows, _baseline.OutputLength, _validation.Labels, _reference);
            accuracy = report.Accuracy ?? double.NaN;
            var classes = report.PerClass!.Where(c => c.Support > 0).ToList();
            double Mean(Func<ClassMetrics, double> f) => classes.Select(f).Select(v => double.IsNaN(v) ? 0 : v).DefaultIfEmpty(0).Average();
            return _metric switch
            {
                SearchMetric.Accuracy => accuracy,
                SearchMetric.Precision => Mean(c => c.Precision),
                SearchMetric.Recall => Mean(c => c.Recall),
                _ => Mean(c => c.Precision + c.Recall == 0 || double.IsNaN(c.Precision) ? 0 : 2 * c.Precision * c.Recall / (c.Precision + c.Recall)),
            };
        }

        public void Dispose() => _baseline.Dispose();
    }
}
