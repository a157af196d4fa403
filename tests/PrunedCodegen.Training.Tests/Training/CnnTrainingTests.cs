using System;
using System.Linq;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Tests.Engine;
using PrunedCodegen.Training.Tests.Infrastructure;
using PrunedCodegen.Training.Fitting;
using Xunit.Abstractions;

namespace PrunedCodegen.Training.Tests.Training;

/// <summary>The CNN ops train end to end: a small convolutional digits classifier from a random start.</summary>
public sealed class CnnTrainingTests(ITestOutputHelper output)
{
    private static float[] Init(int count, int fanIn, int seed)
    {
        var random = new Random(seed);
        float bound = 1f / MathF.Sqrt(fanIn);                 // PyTorch's default bound for conv and linear layers
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * bound).ToArray();
    }

    private static OnnxAttribute Ints(string name, params long[] values)
    {
        var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static byte[] DigitsCnn() => new ModelBuilder()
        .Input("pixels", null, 1, 8, 8)
        .Output("logits", null, 10)
        .Initializer("conv.weight", new long[] { 8, 1, 3, 3 }, Init(72, 9, 1))
        .Initializer("conv.bias", new long[] { 8 }, Init(8, 9, 2))
        .Initializer("bn.scale", new long[] { 8 }, Enumerable.Repeat(1f, 8).ToArray())
        .Initializer("bn.bias", new long[] { 8 }, new float[8])
        .Initializer("bn.mean", new long[] { 8 }, Enumerable.Repeat(0.1f, 8).ToArray())
        .Initializer("bn.var", new long[] { 8 }, Enumerable.Repeat(0.5f, 8).ToArray())
        .Initializer("fc.weight", new long[] { 10, 128 }, Init(1280, 128, 3))
        .Initializer("fc.bias", new long[] { 10 }, Init(10, 128, 4))
        .Node("Conv", new[] { "pixels", "conv.weight", "conv.bias" }, new[] { "c" }, "conv", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
        .Node("BatchNormalization", new[] { "c", "bn.scale", "bn.bias", "bn.mean", "bn.var" }, new[] { "n" }, "bn")
        .Node("Relu", new[] { "n" }, new[] { "r" }, "relu")
        .Node("MaxPool", new[] { "r" }, new[] { "p" }, "pool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))
        .Node("Flatten", new[] { "p" }, new[] { "f" }, "flatten")
        .Node("Gemm", new[] { "f", "fc.weight", "fc.bias" }, new[] { "logits" }, "fc", ModelBuilder.Int("transB", 1))
        .Build();

    [Fact]
    public void A_small_cnn_learns_the_digits_and_onnx_runtime_agrees_with_the_written_model()
    {
        TrainableGraph graph = TrainableGraph.Load(DigitsCnn());
        LabeledData test = Fixtures.DigitsTest;
        double before = FineTuneTests.Accuracy(graph, test);
        TrainingResult result = Trainer.Fit(graph, Fixtures.DigitsTrain, new TrainingOptions { Epochs = 5, LearningRate = 3e-3f, KeepZeros = false });
        double after = FineTuneTests.Accuracy(graph, test);
        output.WriteLine($"CNN: test accuracy {before:F4} at random init, {after:F4} after {result.Epochs.Count} epochs ({result.Epochs.Average(e => e.Seconds) * 1000:F0} ms per epoch)");

        Assert.True(after >= 0.93, $"CNN reached {after:F4}");
        // The running statistics are frozen constants, not parameters.
        Assert.DoesNotContain(graph.Parameters, p => p.Name is "bn.mean" or "bn.var");
        Assert.Contains(graph.Parameters, p => p.Name == "bn.scale");

        byte[] onnx = graph.ToOnnx();
        float[] ort = OrtOracle.Run(onnx, OracleInput.Float(test.Features, test.Count, 1, 8, 8))[0].Data;
        ForwardVsOrtTests.AssertClose(ort, graph.Forward(Trainer.Batch(graph, test, Enumerable.Range(0, test.Count).ToArray())).Data, 1e-4f);
    }
}
