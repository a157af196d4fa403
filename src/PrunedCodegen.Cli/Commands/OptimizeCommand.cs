using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using PrunedCodegen.Cli.Charts;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tuning;
using PrunedCodegen.Evaluation;
using Spectre.Console;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>
    /// pcg optimize: the fastest model within an accuracy budget, found by compiling and timing every candidate the
    /// search makes (<see cref="RecipeSearch"/>), with the Pareto front of quality against measured speed.
    /// </summary>
    internal static class OptimizeCommand
    {
        public static Command Create(ToolOutput ui)
        {
            var model = new Argument<string>("model") { Description = "The ONNX model to start from (never modified)." };
            var data = new Option<string>("--data") { Description = "Labelled training data for the fine-tunes (.csv with a 'label' column, or .npy with --labels).", Required = true };
            var labels = new Option<string?>("--labels") { Description = "Labels of --data in their own file (.csv or .npy)." };
            var validation = new Option<string?>("--validation") { Description = "Labelled validation data the budget is measured on (default: 20% of --data, held out by a seeded shuffle and not trained on)." };
            var validationLabels = new Option<string?>("--validation-labels") { Description = "Labels of --validation in their own file." };
            var labelColumn = new Option<string?>("--label-column") { Description = "The CSV label column (name or 0-based index); default: 'label'." };
            var drop = new Option<double>("--max-accuracy-drop") { Description = "The budget: how many points (percent) of --metric the model may lose against the original on the validation data.", DefaultValueFactory = _ => 1.0 };
            var metric = new Option<string>("--metric") { Description = "accuracy, or precision, recall or f1 (macro averages over the classes).", DefaultValueFactory = _ => "accuracy" };
            var objective = new Option<string>("--objective") { Description = "batch1: single-sample Predict; batch64: PredictBatch over 64 samples.", DefaultValueFactory = _ => "batch1" };
            var timeBudget = new Option<string>("--time-budget") { Description = "Stop starting candidates after this long (the search only: at least one candidate is made): 90s, 10m, 1h (default 10m).", DefaultValueFactory = _ => "10m" };
            var families = new Option<string[]>("--families") { Description = "Recipe families to search (default all): structured-layer, structured-global, magnitude, block8x1, 2:4, lowrank.", AllowMultipleArgumentsPerToken = true };
            var rounds = new Option<int>("--rounds") { Description = "Pruning rounds per candidate (gradual schedule); low-rank candidates fine-tune rounds x epochs.", DefaultValueFactory = _ => 3 };
            var epochs = new Option<int>("--epochs") { Description = "Fine-tuning epochs after each round.", DefaultValueFactory = _ => 3 };
            var seed = new Option<int>("--seed") { Description = "Seeds the validation split and every fine-tune: same seed, same data, same candidates.", DefaultValueFactory = _ => 0 };
            var output = new Option<string>("--output", "-o") { Description = "The best model to write (.onnx); PREFIX.front.csv, .md, .json and .svg go beside it.", Required = true };
            var force = new Option<bool>("--force") { Description = "Replace the outputs if they exist." };
            var json = new Option<bool>("--json") { Description = "Print the result as JSON instead of progress and tables." };
            var command = new Command("optimize",
                "Search for the fastest model within an accuracy budget, measured on the generated code: for each recipe family\n" +
                "(structured pruning per layer or global, unstructured magnitude, 8x1 blocks, 2:4, low-rank factorisation), a\n" +
                "bisection over its levels for the most aggressive one within --max-accuracy-drop; every candidate is pruned gradually\n" +
                "(--rounds x --epochs of fine-tuning, zeros held fixed) or factorised and fine-tuned, compiled through the generator,\n" +
                "timed against the original in interleaved rounds on this machine, and scored on the validation data. Writes the\n" +
                "fastest candidate within the budget and the Pareto front (quality vs measured speed-up) with each point's recipe as\n" +
                "the pcg command that reproduces it. Ctrl+C stops after the current candidate and keeps the best found.\n\n" +
                "Examples:\n" +
                "  pcg optimize model.onnx --data train.csv --validation val.csv --max-accuracy-drop 1 -o best.onnx\n" +
                "  pcg optimize model.onnx --data train.csv --max-accuracy-drop 0.5 --metric f1 --time-budget 5m -o best.onnx\n" +
                "  pcg optimize model.onnx --data train.csv --families structured-layer,lowrank --objective batch64 -o best.onnx --json")
            { model, data, labels, validation, validationLabels, labelColumn, drop, metric, objective, timeBudget, families, rounds, epochs, seed, output, force, json };
            command.SetAction(parse => PcgApp.Guard(ui, () =>
            {
                double maxDrop = parse.GetValue(drop);
                if (!(maxDrop >= 0 && maxDrop <= 100)) throw Usage($"--max-accuracy-drop {maxDrop.ToString(CultureInfo.InvariantCulture)}: give points between 0 and 100 (1 = one percentage point)");
                var searchMetric = parse.GetValue(metric)!.Trim().ToLowerInvariant() switch
                {
                    "accuracy" => SearchMetric.Accuracy,
                    "precision" => SearchMetric.Precision,
                    "recall" => SearchMetric.Recall,
                    "f1" => SearchMetric.F1,
                    string other => throw Usage($"--metric '{other}' is not one of accuracy, precision, recall, f1"),
                };
                int batch = parse.GetValue(objective)!.Trim().ToLowerInvariant() switch
                {
                    "batch1" => 1,
                    "batch64" => 64,
                    string other => throw Usage($"--objective '{other}' is not one of batch1, batch64"),
                };
                var budget = ParseDuration(parse.GetValue(timeBudget)!);
                var names = (parse.GetValue(families) ?? Array.Empty<string>()).SelectMany(v => v.Split(',')).Select(v => v.Trim().ToLowerInvariant()).Where(v => v.Length > 0).ToList();
                var known = RecipeSearch.Families(null).Select(f => f.Name).ToList();
                foreach (var n in names)
                    if (!known.Contains(n)) throw Usage($"--families '{n}' is not one of {string.Join(", ", known)}");
                int r = parse.GetValue(rounds), e = parse.GetValue(epochs);
                if (r < 1) throw Usage($"--rounds {r}: give at least 1");
                if (e < 0) throw Usage($"--epochs {e}: give 0 or more");
                return Run(ui, new Request(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(labels), parse.GetValue(validation), parse.GetValue(validationLabels),
                    parse.GetValue(labelColumn), maxDrop / 100, searchMetric, batch, budget, RecipeSearch.Families(names), r, e, parse.GetValue(seed),
                    parse.GetValue(output)!, parse.GetValue(force), parse.GetValue(json)));
            }));
            return command;
        }

        private sealed record Request(string Model, string Data, string? Labels, string? Validation, string? ValidationLabels, string? LabelColumn,
            double MaxDrop, SearchMetric Metric, int Batch, TimeSpan Budget, IReadOnlyList<RecipeFamily> Families, int Rounds, int Epochs, int Seed,
            string Output, bool Force, bool Json);

        private static UserErrorException Usage(string message) => new UserErrorException(ExitCodes.Usage, message);

        /// <summary>90s, 10m, 1.5h, or plain seconds.</summary>
        internal static TimeSpan ParseDuration(string text)
        {
            string t = text.Trim().ToLowerInvariant();
            double scale = t.EndsWith("h", StringComparison.Ordinal) ? 3600 : t.EndsWith("m", StringComparison.Ordinal) ? 60 : 1;
            string number = t.EndsWith("h", StringComparison.Ordinal) || t.EndsWith("m", StringComparison.Ordinal) || t.EndsWith("s", StringComparison.Ordinal) ? t[..^1] : t;
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || value * scale > 7 * 24 * 3600)
                throw Usage($"--time-budget '{text}': give a positive duration such as 90s, 10m or 1h");
            return TimeSpan.FromSeconds(value * scale);
        }

        private static string Prefix(string output) =>
            output.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? output[..^5] : output;

        private static int Run(ToolOutput ui, Request q)
        {
            string prefix = Prefix(q.Output);
            var outputs = new[] { q.Output, prefix + ".front.csv", prefix + ".front.md", prefix + ".front.json", prefix + ".front.svg" };
            var inputs = new[] { q.Model, q.Data, q.Labels, q.Validation, q.ValidationLabels }.OfType<string>().ToArray();
            foreach (var path in outputs) OutputFile.Check(path, q.Force, inputs);

            byte[] originalBytes = Inputs.ReadModelBytes(q.Model);
            var original = Inputs.ParseModel(q.Model, originalBytes);
            var all = Inputs.ReadData(q.Data, q.Labels, q.LabelColumn);
            Dataset trainData, validationData;
            if (q.Validation != null)
            {
                trainData = all;
                validationData = Inputs.ReadData(q.Validation, q.ValidationLabels, q.LabelColumn);
            }
            else
            {
                (trainData, validationData) = Split(all, 0.2, q.Seed, q.Data);
            }
            if (validationData.Labels == null)
                throw new UserErrorException(ExitCodes.BadData, $"{q.Validation ?? q.Data}: the budget is measured on labels: give a 'label' column, --label-column or labels");
            var train = TrainingSet.From(trainData, q.Data, LossChoice.Auto, FineTuning.Outputs(FineTuning.Load(original, q.Model), trainData.Width, q.Data));

            bool stopRequested = false;
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stopRequested = true; };
            Console.CancelKeyPress += onCancel;
            try
            {
                using var search = new RecipeSearch(ui, original, originalBytes, q.Model, train, validationData, q.Metric, q.Batch, q.Rounds, q.Epochs, q.Seed);
                if (!q.Json)
                {
                    ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                        "original: {0} {1} on {2} validation samples, {3} ns per sample ({4}); budget: {0} >= {5}, {6} of search; families: {7}.",
                        Name(q.Metric), Format.Fixed(search.BaselineMetric), validationData.Rows, Format.Ns(search.BaselineNs), q.Batch == 1 ? "Predict" : "PredictBatch of 64",
                        Format.Fixed(search.BaselineMetric - q.MaxDrop), Duration(q.Budget), string.Join(", ", q.Families.Select(f => f.Name))));
                }
                search.Run(q.Families, q.MaxDrop, q.Budget, () => stopRequested, (c, best, left) =>
                {
                    if (q.Json) return;
                    ui.Console.WriteLine(Markup.Escape(string.Format(CultureInfo.InvariantCulture,
                        "#{0} {1}: {2} {3}{4}, {5:0.00}x ({6} ns), {7:0.0} s | best so far: {8} | {9} left",
                        c.Index, c.Recipe.Label, Name(q.Metric), Format.Fixed(c.Metric), c.WithinBudget ? "" : " (over budget)", c.SpeedUp, Format.Ns(c.Ns), c.Seconds,
                        best == null ? "none" : string.Format(CultureInfo.InvariantCulture, "{0} {1:0.00}x", best.Recipe.Label, best.SpeedUp),
                        Duration(left < TimeSpan.Zero ? TimeSpan.Zero : left))));
                });
                search.MarkFront();
                var winner = search.Best;
                string trainArg = q.Data;
                string Recipe(Candidate c) => c.Recipe.Command(q.Model, q.Output, trainArg, q.Seed);

                WriteFront(search, q, prefix, inputs, Recipe);
                if (winner != null) OutputFile.WriteAllBytes(q.Output, winner.Bytes, q.Force, inputs);

                if (q.Json)
                {
                    ui.Writer.WriteLine(Json.Serialize(FrontJson(search, q, Recipe, winner, stopRequested)));
                }
                else
                {
                    var table = new Table().Title(Markup.Escape($"{q.Model}: candidates ({Name(q.Metric)} on the validation data, speed measured against the original)"));
                    bool both = q.Metric != SearchMetric.Accuracy;
                    foreach (var c in new[] { "#", "recipe", Name(q.Metric) }.Concat(both ? new[] { "accuracy" } : Array.Empty<string>())
                        .Concat(new[] { "nonzero weights", "ns per sample", "speed-up", "within budget", "front" }))
                        table.AddColumn(c);
                    foreach (var c in search.Candidates)
                        table.AddRow(new[] { c.Index.ToString(CultureInfo.InvariantCulture), Markup.Escape(c.Recipe.Label), Format.Fixed(c.Metric) }
                            .Concat(both ? new[] { Format.Fixed(c.Accuracy) } : Array.Empty<string>())
                            .Concat(new[] { Format.Int(c.Weights), Format.Ns(c.Ns), c.SpeedUp.ToString("0.00", CultureInfo.InvariantCulture) + "x", c.WithinBudget ? "yes" : "no", c.OnFront ? "*" : "" }).ToArray());
                    ui.Console.Write(table);
                    foreach (var (recipe, reason) in search.Skipped)
                        ui.Console.WriteLine(Markup.Escape($"skipped {recipe.Label}: {reason}"));
                    if (stopRequested) ui.Console.WriteLine("Stopped by Ctrl+C: the best candidate so far is kept.");
                    ui.Console.WriteLine(winner == null
                        ? "No candidate stayed within the budget; nothing written but the front files."
                        : Markup.Escape(string.Format(CultureInfo.InvariantCulture, "Best within the budget: {0}, {1} {2} (original {3}), {4:0.00}x faster; wrote {5}. Reproduce it with:\n  {6}",
                            winner.Recipe.Label, Name(q.Metric), Format.Fixed(winner.Metric), Format.Fixed(search.BaselineMetric), winner.SpeedUp, q.Output, Recipe(winner))));
                    ui.Console.WriteLine($"Front: {prefix}.front.csv, .md, .json and .svg.");
                }
                return winner == null ? ExitCodes.ImpossibleSparsity : ExitCodes.Success;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }

        private static string Name(SearchMetric m) => m.ToString().ToLowerInvariant();

        private static string Duration(TimeSpan t) => t.TotalMinutes >= 1
            ? string.Format(CultureInfo.InvariantCulture, "{0}m{1:00}s", (int)t.TotalMinutes, t.Seconds)
            : string.Format(CultureInfo.InvariantCulture, "{0:0}s", t.TotalSeconds);

        /// <summary>A seeded hold-out: <paramref name="fraction"/> of the rows for validation, the rest for training.</summary>
        internal static (Dataset Train, Dataset Validation) Split(Dataset all, double fraction, int seed, string path)
        {
            int n = all.Rows, held = (int)Math.Round(n * fraction);
            if (held < 1 || held >= n) throw new UserErrorException(ExitCodes.BadData, $"{path}: {n} samples are too few to hold out a validation split; give --validation");
            var order = Enumerable.Range(0, n).ToArray();
            new Random(seed).Shuffle(order);
            Dataset Take(IEnumerable<int> rows)
            {
                var picked = rows.OrderBy(i => i).ToArray();
                var features = new float[(long)picked.Length * all.Width];
                for (int i = 0; i < picked.Length; i++) Array.Copy(all.Features, (long)picked[i] * all.Width, features, (long)i * all.Width, all.Width);
                return new Dataset(features, picked.Length, all.Width, all.Labels == null ? null : picked.Select(i => all.Labels[i]).ToArray());
            }
            return (Take(order.Skip(held)), Take(order.Take(held)));
        }

        private static object FrontJson(RecipeSearch search, Request q, Func<Candidate, string> recipe, Candidate? winner, bool stopped) => new
        {
            model = q.Model, metric = Name(q.Metric), objective = q.Batch == 1 ? "batch1" : "batch64", maxAccuracyDrop = q.MaxDrop * 100, seed = q.Seed,
            original = new { metric = search.BaselineMetric, accuracy = search.BaselineAccuracy, ns = search.BaselineNs },
            best = winner == null ? null : new { winner.Index, output = q.Output },
            stoppedByUser = stopped,
            skipped = search.Skipped.Select(x => new { label = x.Recipe.Label, reason = x.Reason }),
            candidates = search.Candidates.Select(c => new
            {
                c.Index, family = c.Recipe.Family, level = c.Recipe.Level, rounds = c.Recipe.Rounds, epochs = c.Recipe.Epochs, label = c.Recipe.Label, metric = c.Metric, accuracy = c.Accuracy,
                nonzeroWeights = c.Weights, ns = c.Ns, speedUp = c.SpeedUp, seconds = c.Seconds, withinBudget = c.WithinBudget, onFront = c.OnFront,
                recipe = recipe(c),
            }),
        };

        private static void WriteFront(RecipeSearch search, Request q, string prefix, string[] inputs, Func<Candidate, string> recipe)
        {
            var csv = new StringBuilder("index,family,level,rounds,epochs,metric,accuracy,nonzero_weights,ns_per_sample,speed_up,within_budget,on_front,recipe\n");
            csv.Append(string.Format(CultureInfo.InvariantCulture, "0,original,0,0,0,{0:R},{1:R},,{2:0.0},1,true,,\n", search.BaselineMetric, search.BaselineAccuracy, search.BaselineNs));
            foreach (var c in search.Candidates)
                csv.Append(string.Format(CultureInfo.InvariantCulture, "{0},{1},{2:R},{11},{12},{3:R},{4:R},{5},{6:0.0},{7:0.000},{8},{9},\"{10}\"\n",
                    c.Index, c.Recipe.Family, c.Recipe.Level, c.Metric, c.Accuracy, c.Weights, c.Ns, c.SpeedUp, c.WithinBudget ? "true" : "false", c.OnFront ? "true" : "false",
                    recipe(c).Replace("\"", "\"\""), c.Recipe.Rounds, c.Recipe.Epochs));
            OutputFile.WriteAllText(prefix + ".front.csv", csv.ToString(), q.Force, inputs);

            var md = new StringBuilder();
            md.Append(string.Format(CultureInfo.InvariantCulture, "# pcg optimize: {0}\n\nBudget: {1} >= {2:0.0000} (original {3:0.0000} minus {4:0.##} points); objective {5}; speed measured against the original, interleaved.\n\n",
                q.Model, Name(q.Metric), search.BaselineMetric - q.MaxDrop, search.BaselineMetric, q.MaxDrop * 100, q.Batch == 1 ? "batch1" : "batch64"));
            md.Append("| # | recipe | " + Name(q.Metric) + " | nonzero weights | ns per sample | speed-up | within budget | on front | reproduce |\n|---|---|---:|---:|---:|---:|---|---|---|\n");
            foreach (var c in search.Candidates.OrderByDescending(c => c.SpeedUp))
                md.Append(string.Format(CultureInfo.InvariantCulture, "| {0} | {1} | {2:0.0000} | {3:N0} | {4:N0} | {5:0.00}x | {6} | {7} | `{8}` |\n",
                    c.Index, c.Recipe.Label, c.Metric, c.Weights, c.Ns, c.SpeedUp, c.WithinBudget ? "yes" : "no", c.OnFront ? "yes" : "", recipe(c)));
            OutputFile.WriteAllText(prefix + ".front.md", md.ToString(), q.Force, inputs);
            OutputFile.WriteAllText(prefix + ".front.json", Json.Serialize(FrontJson(search, q, recipe, search.Best, false)), q.Force, inputs);

            var series = new List<ChartSeries>();
            int colour = 0;
            foreach (var family in search.Candidates.GroupBy(c => c.Recipe.Family))
            {
                var points = family.ToList();
                series.Add(new ChartSeries(family.Key, Chart.PaletteColor(colour++), points.Select(c => c.SpeedUp).ToArray(), points.Select(c => c.Metric).ToArray(),
                    LineStyle.None, 0, MarkerStyle.FilledCircle, 8));
            }
            var front = search.Candidates.Where(c => c.OnFront).OrderBy(c => c.SpeedUp).ToList();
            if (front.Count > 0)
                series.Add(new ChartSeries("Pareto front", Chart.Black, front.Select(c => c.SpeedUp).ToArray(), front.Select(c => c.Metric).ToArray(),
                    LineStyle.Solid, 1.5f, MarkerStyle.None, 0));
            series.Add(new ChartSeries("original", Chart.Gray, new[] { 1.0 }, new[] { search.BaselineMetric }, LineStyle.None, 0, MarkerStyle.OpenCircle, 10));
            var chart = new Chart($"{Name(q.Metric)} vs measured speed-up ({(q.Batch == 1 ? "Predict" : "PredictBatch of 64")})",
                "speed-up against the original (measured)", Name(q.Metric) + " on the validation data", null, series,
                new[] { new ChartLine("budget", Chart.Gray, search.BaselineMetric - q.MaxDrop) });
            ChartFile.Save(chart, prefix + ".front.svg", q.Force, inputs);
        }
    }
}
