using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using PrunedCodegen.Cli.Commands;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tests.Cli;
using PrunedCodegen.Cli.Tests.Infrastructure;
using PrunedCodegen.Evaluation;

namespace PrunedCodegen.Cli.Tests.Tuning
{
    /// <summary>
    /// pcg optimize on the digits MLP with a small search (one family, short fine-tunes) so that CI runs it in seconds.
    /// The budget is checked with ONNX Runtime's count on the written model, the recipe by re-running it.
    /// </summary>
    public class OptimizeTests
    {
        private static int OrtCorrect(string model)
        {
            var (pixels, labels) = Fixtures.TestSet();
            float[] logits = Ort.Run(File.ReadAllBytes(model), pixels, labels.Length, 64);
            return labels.Where((label, i) => Metrics.ArgMax(logits.AsSpan(i * 10, 10)) == label).Count();
        }

        private static PcgRunner.Result Search(string output, int seed = 0) =>
            PcgRunner.Run("optimize", Fixtures.DenseModel, "--data", Fixtures.TrainCsv, "--validation", Fixtures.TestCsv, "--max-accuracy-drop", "2",
                "--families", "structured-layer", "--rounds", "1", "--epochs", "2", "--time-budget", "5m", "--seed", seed.ToString(), "-o", output, "--json");

        [Fact]
        public void A_small_search_writes_a_model_within_the_budget_whose_recipe_reproduces_it()
        {
            string dir = Fixtures.TempDir();
            string best = Path.Combine(dir, "best.onnx");
            var r = Search(best);
            Assert.True(r.ExitCode == 0, r.Error + r.Output);
            var json = JsonDocument.Parse(r.Output).RootElement;
            var candidates = json.GetProperty("candidates").EnumerateArray().ToArray();
            Assert.NotEmpty(candidates);
            int bestIndex = json.GetProperty("best").GetProperty("index").GetInt32();
            var chosen = candidates.Single(c => c.GetProperty("index").GetInt32() == bestIndex);
            Assert.True(chosen.GetProperty("withinBudget").GetBoolean());
            Assert.True(chosen.GetProperty("onFront").GetBoolean());
            // Nothing within the budget is faster than the one chosen.
            double speedUp = chosen.GetProperty("speedUp").GetDouble();
            Assert.DoesNotContain(candidates, c => c.GetProperty("withinBudget").GetBoolean() && c.GetProperty("speedUp").GetDouble() > speedUp);

            // The budget, judged by ONNX Runtime on both models: at most 2 points below the original.
            int original = OrtCorrect(Fixtures.DenseModel), found = OrtCorrect(best);
            Assert.True(found >= original - 9, $"{found} correct against the original's {original} (2 points of 450 is 9)");
            Assert.Equal(found, (int)Math.Round(chosen.GetProperty("accuracy").GetDouble() * 450));

            foreach (var ext in new[] { ".front.csv", ".front.md", ".front.json", ".front.svg" })
                Assert.True(new FileInfo(Path.Combine(dir, "best" + ext)).Length > 100, ext);
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(dir, "best.front.svg")));
            Assert.Equal(candidates.Length + 2, File.ReadAllLines(Path.Combine(dir, "best.front.csv")).Length); // header + original + candidates

            // The recipe is a pcg command line that makes the same bytes.
            string recipe = chosen.GetProperty("recipe").GetString()!;
            string again = Path.Combine(dir, "again.onnx");
            var args = recipe.Split(' ').Skip(1).Select(a => a == best ? again : a).ToArray();
            var rerun = PcgRunner.Run(args);
            Assert.True(rerun.ExitCode == 0, recipe + "\n" + rerun.Error);
            Assert.Equal(File.ReadAllBytes(best), File.ReadAllBytes(again));
        }

        [Fact]
        public void The_same_seed_gives_the_same_candidates()
        {
            // The bisection depends on the metrics only; the refinement after it compares measured speed-ups, so which
            // candidates it adds may differ between runs. Every recipe both runs made must score the same.
            string dir = Fixtures.TempDir();
            System.Collections.Generic.Dictionary<string, string> Scores(PcgRunner.Result r) => JsonDocument.Parse(r.Output).RootElement.GetProperty("candidates").EnumerateArray()
                .ToDictionary(c => c.GetProperty("label").GetString()!, c => $"{c.GetProperty("metric").GetDouble():R}/{c.GetProperty("nonzeroWeights").GetInt64()}");
            var a = Search(Path.Combine(dir, "a.onnx"));
            var b = Search(Path.Combine(dir, "b.onnx"));
            Assert.True(a.ExitCode == 0 && b.ExitCode == 0, a.Error + b.Error);
            var first = Scores(a);
            var second = Scores(b);
            var both = first.Keys.Intersect(second.Keys).ToList();
            Assert.True(both.Count >= 3, $"only {both.Count} recipes in common");
            foreach (var label in both)
                Assert.True(first[label] == second[label], $"{label}: {first[label]} then {second[label]}");
        }

        [Fact]
        public void Bad_requests_are_usage_or_data_errors_and_write_nothing()
        {
            string dir = Fixtures.TempDir(), output = Path.Combine(dir, "best.onnx");
            PcgRunner.Result Run(params string[] extra) =>
                PcgRunner.Run(new[] { "optimize", Fixtures.DenseModel, "--data", Fixtures.TrainCsv, "-o", output }.Concat(extra).ToArray());
            Assert.Equal(ExitCodes.Usage, Run("--max-accuracy-drop", "-1").ExitCode);
            Assert.Equal(ExitCodes.Usage, Run("--time-budget", "soon").ExitCode);
            Assert.Equal(ExitCodes.Usage, Run("--time-budget", "0s").ExitCode);
            Assert.Equal(ExitCodes.Usage, Run("--families", "pruning").ExitCode);
            Assert.Equal(ExitCodes.Usage, Run("--metric", "auc").ExitCode);
            Assert.Equal(ExitCodes.Usage, Run("--objective", "batch7").ExitCode);
            Assert.Equal(ExitCodes.Usage, Run("--rounds", "0").ExitCode);
            string narrow = Path.Combine(dir, "narrow.csv");
            File.WriteAllText(narrow, "label,a,b\n1,2,3\n0,1,1\n1,0,0\n0,2,2\n1,1,1\n");
            var bad = PcgRunner.Run("optimize", Fixtures.DenseModel, "--data", narrow, "-o", output);
            Assert.Equal(ExitCodes.BadData, bad.ExitCode);
            Assert.Equal(new[] { narrow }, Directory.GetFiles(dir));
        }

        [Theory]
        [InlineData("90s", 90)]
        [InlineData("10m", 600)]
        [InlineData("1.5h", 5400)]
        [InlineData("45", 45)]
        public void Durations_parse(string text, double seconds) => Assert.Equal(seconds, OptimizeCommand.ParseDuration(text).TotalSeconds);

        [Fact]
        public void The_hold_out_split_is_seeded_and_disjoint()
        {
            var features = Enumerable.Range(0, 50).Select(i => (float)i).ToArray();
            var all = new Dataset(features, 50, 1, Enumerable.Range(0, 50).ToArray());
            var (train, validation) = OptimizeCommand.Split(all, 0.2, seed: 3, "x.csv");
            var (train2, validation2) = OptimizeCommand.Split(all, 0.2, seed: 3, "x.csv");
            Assert.Equal(10, validation.Rows);
            Assert.Equal(40, train.Rows);
            Assert.Equal(validation.Features, validation2.Features);
            Assert.Empty(train.Features.Intersect(validation.Features));
            Assert.Equal(validation.Features.Select(f => (int)f).ToArray(), validation.Labels);
            Assert.NotEqual(validation.Features, OptimizeCommand.Split(all, 0.2, seed: 4, "x.csv").Validation.Features);
        }
    }
}
