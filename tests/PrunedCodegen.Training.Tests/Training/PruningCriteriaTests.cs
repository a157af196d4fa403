using System;
using System.Linq;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Losses;
using PrunedCodegen.Training.Pruning;
using PrunedCodegen.Training.Tests.Infrastructure;
using PrunedCodegen.Training.Fitting;

namespace PrunedCodegen.Training.Tests.Training;

/// <summary>Gradient and Taylor scores against finite differences of the loss, and the cubic schedule.</summary>
public sealed class PruningCriteriaTests
{
    [Theory]
    [InlineData(GradientCriterion.Gradient)]
    [InlineData(GradientCriterion.Taylor)]
    public void Scores_over_one_full_batch_are_the_finite_difference_gradient(GradientCriterion criterion)
    {
        TrainableGraph graph = TrainableGraph.Load(Fixtures.DigitsDense);
        LabeledData data = Fixtures.DigitsTest.Subset(Enumerable.Range(0, 40).ToArray());
        var scores = GradientScores.Compute(graph, data, criterion, batches: 1, batchSize: data.Count);

        // Oracle: the mean loss over the same 40 rows (the order does not change a mean), differentiated numerically.
        int[] rows = Enumerable.Range(0, data.Count).ToArray();
        double Loss() => LossFunction.Compute(LossKind.CrossEntropyOnLogits, graph.Forward(Trainer.Batch(graph, data, rows)), data, rows, out _);
        Parameter w = graph.Parameter("4.weight");
        float[] sample = Enumerable.Range(0, 64).Select(i => w.Value.Data[i * 10]).ToArray();
        var numeric = new double[64];
        for (int i = 0; i < 64; i++)
        {
            int at = i * 10;
            float original = w.Value.Data[at];
            w.Value.Data[at] = original + 1e-2f;
            double up = Loss();
            w.Value.Data[at] = original - 1e-2f;
            double down = Loss();
            w.Value.Data[at] = original;
            double g = (up - down) / 2e-2;
            numeric[i] = Math.Abs(criterion == GradientCriterion.Taylor ? original * g : g);
        }
        float[] analytic = Enumerable.Range(0, 64).Select(i => scores["4.weight"][i * 10]).ToArray();
        FiniteDifferences.AssertClose(criterion + " score", analytic, numeric, 2e-4, 2e-2);
        Assert.Equal(sample, Enumerable.Range(0, 64).Select(i => w.Value.Data[i * 10]).ToArray());
    }

    [Fact]
    public void Weights_reading_an_always_zero_pixel_score_zero()
    {
        // Pixel 0 of the digits is 0 in every sample, so no weight reading it can change the loss.
        TrainableGraph graph = TrainableGraph.Load(Fixtures.DigitsDense);
        var scores = GradientScores.Compute(graph, Fixtures.DigitsTrain, GradientCriterion.Taylor, batches: 3, batchSize: 32);
        float[] first = scores["0.weight"];                   // [128, 64], transB: row = output, column = pixel
        Assert.All(Enumerable.Range(0, 128), o => Assert.Equal(0f, first[o * 64]));
        Assert.Contains(first, s => s > 0f);
    }

    [Theory]
    [InlineData(0.0, 0.9, 0, 4, 0.0)]
    [InlineData(0.0, 0.9, 4, 4, 0.9)]
    [InlineData(0.0, 0.9, 1, 2, 0.7875)]                       // 0.9 − 0.9 · (1/2)³
    [InlineData(0.5, 0.9, 1, 4, 0.73125)]                      // 0.9 − 0.4 · (3/4)³
    public void Cubic_schedule_follows_zhu_and_gupta(double initial, double final, int step, int steps, double expected)
    {
        Assert.Equal(expected, SparsitySchedule.Cubic(initial, final, step, steps), 12);
    }

    [Fact]
    public void Schedule_rounds_rise_fastest_first_and_end_at_the_target()
    {
        double[] rounds = SparsitySchedule.Rounds(0, 0.9, 5);
        Assert.Equal(0.9, rounds[^1], 12);
        double[] increments = rounds.Select((s, i) => s - (i == 0 ? 0 : rounds[i - 1])).ToArray();
        Assert.True(increments.Zip(increments.Skip(1)).All(p => p.First > p.Second));
    }
}
