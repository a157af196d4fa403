using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using PrunedCodegen;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Tests.Infrastructure;
using PrunedCodegen.Training.Fitting;
using Xunit.Abstractions;

namespace PrunedCodegen.Training.Tests.Training;

/// <summary>
/// The headline experiment on the digits fixtures: dense → one-shot 90% global magnitude pruning → masked
/// fine-tuning, with PyTorch's figures (tests/fixtures/digits/digits_metrics.json) as the reference.
/// </summary>
public sealed class FineTuneTests(ITestOutputHelper output)
{
    private static readonly LabeledData Train = Fixtures.DigitsTrain;
    private static readonly LabeledData Test = Fixtures.DigitsTest;

    private static JsonElement Metrics =>
        JsonDocument.Parse(System.IO.File.ReadAllText(Fixtures.PathOf("digits", "digits_metrics.json"))).RootElement;

    [Fact]
    public void Dense_and_one_shot_pruned_accuracies_equal_pytorch()
    {
        TrainableGraph graph = TrainableGraph.Load(Fixtures.DigitsDense);
        int dense = Correct(graph, Test);
        GlobalMagnitude.Prune(graph, 0.9);
        int oneShot = Correct(graph, Test);

        // Same weights, same criterion (global |w|, 90% of the Linear weights): PyTorch's counts exactly.
        Assert.Equal(Metrics.GetProperty("dense_test_correct").GetInt32(), dense);
        Assert.Equal(Metrics.GetProperty("pruned_oneshot_test_correct").GetInt32(), oneShot);
        Assert.Equal(Metrics.GetProperty("sparsity_overall").GetDouble(), GlobalMagnitude.Sparsity(graph), 12);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, 1e-3f, 10)]
    [InlineData(OptimizerKind.Sgd, 5e-2f, 10)]
    public void Masked_fine_tuning_wins_back_the_accuracy_lost_to_pruning(OptimizerKind optimizer, float rate, int epochs)
    {
        TrainableGraph graph = TrainableGraph.Load(Fixtures.DigitsDense);
        double dense = Accuracy(graph, Test);
        GlobalMagnitude.Prune(graph, 0.9);
        double oneShot = Accuracy(graph, Test);
        var zerosBefore = graph.Parameters.ToDictionary(p => p.Name, p => Zeros(p.Value.Data));

        var clock = Stopwatch.StartNew();
        TrainingResult result = Trainer.Fit(graph, Train, new TrainingOptions
        {
            Epochs = epochs, BatchSize = 32, LearningRate = rate, Optimizer = optimizer, ValidationFraction = 0.1, Seed = 0,
        }, e => output.WriteLine($"epoch {e.Epoch}/{e.Epochs}: lr {e.LearningRate:G3} train loss {e.TrainLoss:F4} val loss {e.ValidationLoss:F4} val acc {e.ValidationAccuracy:F4} ({e.Seconds * 1000:F0} ms)"));
        double seconds = clock.Elapsed.TotalSeconds;
        double tuned = Accuracy(graph, Test);
        output.WriteLine($"{optimizer}: dense {dense:F4}, one-shot 90% {oneShot:F4}, fine-tuned {tuned:F4} after {result.Epochs.Count} epochs (best {result.BestEpoch}), {seconds / result.Epochs.Count * 1000:F0} ms per epoch");

        Assert.True(oneShot < dense - 0.2, $"one-shot pruning should cost accuracy: {oneShot:F4} vs {dense:F4}");
        Assert.True(tuned >= 0.95, $"fine-tuned accuracy {tuned:F4} is below 0.95 (PyTorch: 0.9533 after 10 epochs)");
        foreach (Parameter p in graph.Parameters)
            Assert.Equal(zerosBefore[p.Name], Zeros(p.Value.Data));

        // The written model loads in ONNX Runtime and predicts as the engine does.
        byte[] onnx = graph.ToOnnx();
        float[] ort = OrtOracle.Run(onnx, OracleInput.Float(Test.Features, Test.Count, Test.Width))[0].Data;
        int ortCorrect = Enumerable.Range(0, Test.Count).Count(r => ArgMax(ort, r) == Test.Labels![r]);
        Assert.Equal(tuned, (double)ortCorrect / Test.Count, 12);
        Assert.Equal(0.9, GlobalMagnitude.Sparsity(TrainableGraph.Load(onnx)), 3);

        // ... and the generator compiles it without an error diagnostic.
        CompileResult compiled = ModelCompiler.Compile(onnx, new CompileOptions("DigitsFineTuned", "Tests", "digits_finetuned.onnx"));
        Assert.True(compiled.Succeeded, string.Join("; ", compiled.Diagnostics));
    }

    [Theory]
    [InlineData(Regularization.L1)]
    [InlineData(Regularization.L2)]
    public void Regularization_shrinks_the_weights(Regularization regularization)
    {
        double WeightNorm(Regularization r)
        {
            TrainableGraph graph = TrainableGraph.Load(Fixtures.DigitsDense);
            Trainer.Fit(graph, Train, new TrainingOptions { Epochs = 2, Optimizer = OptimizerKind.Sgd, LearningRate = 0.02f, Regularization = r, Lambda = 1e-2f, KeepZeros = false });
            return graph.Parameters.Where(p => p.IsWeight).Sum(p => p.Value.Data.Sum(v => regularization == Regularization.L1 ? Math.Abs(v) : (double)v * v));
        }

        double with = WeightNorm(regularization), without = WeightNorm(Regularization.None);
        Assert.True(with < 0.9 * without, $"{regularization}: {with:G6} with the penalty, {without:G6} without");
    }

    [Fact]
    public void Masked_weights_stay_exactly_zero_and_unmasked_training_moves_them()
    {
        foreach (var regularization in new[] { Regularization.None, Regularization.L1, Regularization.L2 })
        {
            foreach (var optimizer in new[] { OptimizerKind.Adam, OptimizerKind.Sgd })
            {
                TrainableGraph graph = TrainableGraph.Load(Fixtures.DigitsPruned);
                var zeroIndices = graph.Parameters.ToDictionary(p => p.Name, p => ZeroIndices(p.Value.Data));
                Trainer.Fit(graph, Train, new TrainingOptions
                {
                    Epochs = 1, Optimizer = optimizer, LearningRate = 1e-2f, Regularization = regularization, Lambda = 1e-3f,
                });
                foreach (Parameter p in graph.Parameters)
                {
                    foreach (int i in zeroIndices[p.Name])
                        Assert.Equal(0, BitConverter.SingleToInt32Bits(p.Value.Data[i]) & 0x7FFFFFFF);
                }
            }
        }

        // Without the mask the same training does move them: the check above can fail.
        TrainableGraph free = TrainableGraph.Load(Fixtures.DigitsPruned);
        int zeros = free.Parameters.Sum(p => Zeros(p.Value.Data));
        Trainer.Fit(free, Train, new TrainingOptions { Epochs = 1, KeepZeros = false });
        int after = free.Parameters.Sum(p => Zeros(p.Value.Data));
        Assert.True(after < zeros / 2, $"{after} of {zeros} zeros left after unmasked training");
    }

    [Fact]
    public void Same_seed_gives_bit_identical_weights_and_another_seed_does_not()
    {
        byte[] Run(int seed, OptimizerKind optimizer)
        {
            TrainableGraph graph = TrainableGraph.Load(Fixtures.DigitsPruned);
            Trainer.Fit(graph, Train, new TrainingOptions
            {
                Epochs = 1, Seed = seed, Optimizer = optimizer, Schedule = LearningRateSchedule.Cosine(), Regularization = Regularization.L2,
            });
            return graph.ToOnnx();
        }

        foreach (var optimizer in new[] { OptimizerKind.Adam, OptimizerKind.Sgd })
        {
            Assert.Equal(Run(7, optimizer), Run(7, optimizer));
            Assert.NotEqual(Run(7, optimizer), Run(8, optimizer));
        }
    }

    [Fact]
    public void Early_stopping_ends_training_when_validation_loss_stops_improving_and_restores_the_best_epoch()
    {
        TrainableGraph graph = TrainableGraph.Load(Fixtures.DigitsDense);
        // A learning rate far too high makes validation loss rise after the first epochs.
        TrainingResult result = Trainer.Fit(graph, Train, new TrainingOptions
        {
            Epochs = 50, LearningRate = 0.5f, Optimizer = OptimizerKind.Sgd, Patience = 2, ValidationFraction = 0.2,
        });
        Assert.True(result.StoppedEarly);
        Assert.Equal(result.BestEpoch + 2, result.Epochs.Count);
        double best = result.Epochs.Min(e => e.ValidationLoss);
        Assert.Equal(best, result.Epochs[result.BestEpoch - 1].ValidationLoss);
    }

    internal static double Accuracy(TrainableGraph graph, LabeledData data) => Trainer.Evaluate(graph, data).Accuracy;

    private static int Correct(TrainableGraph graph, LabeledData data) => (int)Math.Round(Accuracy(graph, data) * data.Count);

    private static int Zeros(float[] values) => values.Count(v => v == 0f);

    private static int[] ZeroIndices(float[] values) => Enumerable.Range(0, values.Length).Where(i => values[i] == 0f).ToArray();

    private static int ArgMax(float[] data, int row)
    {
        int best = 0;
        for (int j = 1; j < 10; j++)
            if (data[row * 10 + j] > data[row * 10 + best]) best = j;
        return best;
    }
}
