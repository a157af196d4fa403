using System;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Losses;
using PrunedCodegen.Training.Tensors;
using PrunedCodegen.Training.Tests.Infrastructure;

namespace PrunedCodegen.Training.Tests.Training;

/// <summary>Each loss, detected from graph and data, differentiated end to end against finite differences.</summary>
public sealed class LossGradientTests
{
    private static byte[] Model(int outputs, bool softmax)
    {
        var b = new ModelBuilder()
            .Input("x", null, 5)
            .Output("y", null, outputs)
            .Initializer("W", new long[] { outputs, 5 }, ModelBuilder.RandomWeights(outputs * 5, 31))
            .Initializer("B", new long[] { outputs }, ModelBuilder.RandomWeights(outputs, 32))
            .Node("Gemm", new[] { "x", "W", "B" }, new[] { softmax ? "z" : "y" }, "fc", ModelBuilder.Int("transB", 1));
        if (softmax)
            b.Node("Softmax", new[] { "z" }, new[] { "y" }, "sm", ModelBuilder.Int("axis", 1));
        return b.Build();
    }

    [Theory]
    [InlineData(LossKind.CrossEntropyOnLogits)]
    [InlineData(LossKind.CrossEntropyOnProbabilities)]
    [InlineData(LossKind.MeanSquaredError)]
    public void Loss_gradients_match_finite_differences(LossKind kind)
    {
        TrainableGraph graph = TrainableGraph.Load(Model(4, softmax: kind == LossKind.CrossEntropyOnProbabilities));
        float[] x = TestData.Uniform(6 * 5, 33);
        LabeledData data = kind == LossKind.MeanSquaredError
            ? LabeledData.Regression(x, 5, TestData.Uniform(6 * 4, 34), 4)
            : LabeledData.Classification(x, 5, new[] { 0, 3, 1, 2, 3, 0 });
        Assert.Equal(kind, LossFunction.Detect(graph, data));
        int[] rows = Enumerable.Range(0, 6).ToArray();
        var input = new FloatTensor(new[] { 6, 5 }, x);

        graph.ZeroGradients();
        FloatTensor y = graph.Forward(input);
        LossFunction.Compute(kind, y, data, rows, out FloatTensor dy);
        graph.Backward(dy);

        double Objective() => LossFunction.Compute(kind, graph.Forward(input), data, rows, out _);
        foreach (Parameter p in graph.Parameters)
        {
            float[] analytic = (float[])p.Gradient.Clone();
            FiniteDifferences.AssertClose(kind + " d/d" + p.Name, analytic, FiniteDifferences.Gradient(p.Value.Data, Objective, 1e-2f), 1e-4, 1e-2);
        }
    }

    [Fact]
    public void Cross_entropy_of_uniform_logits_is_log_of_the_class_count()
    {
        var data = LabeledData.Classification(new float[] { 0, 0 }, 1, new[] { 2, 0 });
        var logits = new FloatTensor(2, 5);
        double loss = LossFunction.Compute(LossKind.CrossEntropyOnLogits, logits, data, new[] { 0, 1 }, out _);
        Assert.Equal(Math.Log(5), loss, 12);
    }
}
