using System;
using System.Linq;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Cli.Tests.Pruning
{
    public class PatternTests
    {
        private static OnnxModel Mlp() => ModelBuilder.Mlp(k: 24, hidden: 20, n: 6, seed: 5).Model;

        [Theory]
        [InlineData(8, 1, 0.75)]
        [InlineData(4, 2, 0.5)]
        [InlineData(3, 3, 0.6)] // blocks that do not divide the shape: edge blocks are smaller
        public void Block_pattern_removes_whole_blocks_of_least_mean_magnitude(int rows, int cols, double sparsity)
        {
            var model = Mlp();
            var result = Pruner.PruneModel(model, new PruneOptions { Sparsity = sparsity, Scope = PruneScope.Layer, Pattern = PruningPattern.Block(rows, cols) });
            var original = LayerFinder.Find(model);
            var pruned = LayerFinder.Find(result.Model);
            for (int l = 0; l < original.Count; l++)
            {
                float[] before = original[l].ReadMatrix(), after = pruned[l].ReadMatrix();
                int outputs = original[l].Outputs, inputs = original[l].Inputs;
                var zeroBlockScores = new System.Collections.Generic.List<double>();
                var keptBlockScores = new System.Collections.Generic.List<double>();
                for (int r0 = 0; r0 < outputs; r0 += rows)
                    for (int c0 = 0; c0 < inputs; c0 += cols)
                    {
                        var cells = (from r in Enumerable.Range(r0, Math.Min(rows, outputs - r0))
                                     from c in Enumerable.Range(c0, Math.Min(cols, inputs - c0))
                                     select r * inputs + c).ToArray();
                        bool allZero = cells.All(i => after[i] == 0f);
                        bool untouched = cells.All(i => after[i] == before[i]);
                        Assert.True(allZero || untouched, $"layer {l} block ({r0},{c0}) is partly pruned");
                        double mean = cells.Average(i => Math.Abs(before[i]));
                        (allZero ? zeroBlockScores : keptBlockScores).Add(mean);
                    }
                Assert.NotEmpty(zeroBlockScores);
                Assert.True(zeroBlockScores.Max() <= keptBlockScores.Min(), $"layer {l}: a pruned block outscores a kept one");
                double actual = after.Count(v => v == 0f) / (double)after.Length;
                Assert.InRange(actual, sparsity - (double)rows * cols / after.Length, sparsity + (double)rows * cols / after.Length);
            }
        }

        [Theory]
        [InlineData(2, 4)]
        [InlineData(1, 4)]
        [InlineData(3, 8)]
        public void N_of_M_keeps_exactly_the_N_largest_of_every_M_consecutive_inputs(int n, int m)
        {
            var model = Mlp();
            var result = Pruner.PruneModel(model, new PruneOptions { Pattern = PruningPattern.NOfM(n, m) });
            var original = LayerFinder.Find(model);
            var pruned = LayerFinder.Find(result.Model);
            for (int l = 0; l < original.Count; l++)
            {
                float[] before = original[l].ReadMatrix(), after = pruned[l].ReadMatrix();
                int inputs = original[l].Inputs;
                for (int r = 0; r < original[l].Outputs; r++)
                    for (int c0 = 0; c0 < inputs; c0 += m)
                    {
                        var run = Enumerable.Range(r * inputs + c0, Math.Min(m, inputs - c0)).ToArray();
                        var kept = run.Where(i => after[i] != 0f).ToArray();
                        Assert.Equal(Math.Min(n, run.Length), kept.Length);
                        Assert.All(kept, i => Assert.Equal(before[i], after[i]));
                        double smallestKept = kept.Min(i => Math.Abs(before[i]));
                        Assert.All(run.Except(kept), i => Assert.True(Math.Abs(before[i]) <= smallestKept));
                    }
            }
        }

        [Theory]
        [InlineData("unstructured", "unstructured")]
        [InlineData("block:8x1", "block:8x1")]
        [InlineData("BLOCK:4x2", "block:4x2")]
        [InlineData("2:4", "2:4")]
        public void Patterns_parse(string text, string expected)
        {
            Assert.Equal(expected, PruningPattern.TryParse(text, out _)!.ToString());
        }

        [Theory]
        [InlineData("block:0x1")]
        [InlineData("block:8")]
        [InlineData("4:4")]
        [InlineData("5:2")]
        [InlineData("diagonal")]
        public void Bad_patterns_are_refused_with_a_reason(string text)
        {
            Assert.Null(PruningPattern.TryParse(text, out string error));
            Assert.NotEmpty(error);
        }
    }
}
