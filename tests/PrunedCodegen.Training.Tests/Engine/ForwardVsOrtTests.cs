using System;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Tensors;
using PrunedCodegen.Training.Tests.Infrastructure;

namespace PrunedCodegen.Training.Tests.Engine;

/// <summary>The engine's forward pass against ONNX Runtime, per op and on the committed fixture models.</summary>
public sealed class ForwardVsOrtTests
{
    public static TheoryData<string> OpNames() => new(OpModels.All().Select(m => m.Name));

    [Theory]
    [MemberData(nameof(OpNames))]
    public void Op_forward_matches_onnx_runtime(string name)
    {
        OpModel m = OpModels.Get(name);
        TrainableGraph graph = TrainableGraph.Load(m.Onnx);
        FloatTensor ours = graph.Forward(new FloatTensor(m.InputShape.Select(d => (int)d).ToArray(), (float[])m.Input.Clone()));
        OracleOutput ort = OrtOracle.Run(m.Onnx, OracleInput.Float(m.Input, m.InputShape))[0];

        Assert.Equal(ort.Dims.Select(d => (int)d).ToArray(), ours.Shape);
        AssertClose(ort.Data, ours.Data, 1e-5f);
    }

    [Theory]
    [InlineData("digits_dense.onnx")]
    [InlineData("digits_pruned.onnx")]
    public void Digits_models_match_onnx_runtime_on_the_test_split(string file)
    {
        byte[] onnx = Fixtures.Bytes("digits", file);
        var test = Fixtures.DigitsTest;
        TrainableGraph graph = TrainableGraph.Load(onnx);
        FloatTensor ours = graph.Forward(new FloatTensor(new[] { test.Count, test.Width }, test.Features));
        OracleOutput ort = OrtOracle.Run(onnx, OracleInput.Float(test.Features, test.Count, test.Width))[0];

        AssertClose(ort.Data, ours.Data, 1e-5f);
        for (int r = 0; r < test.Count; r++)
            Assert.Equal(ArgMax(ort.Data, r, 10), ArgMax(ours.Data, r, 10));
    }

    [Fact]
    public void Activations_fixture_matches_onnx_runtime()
    {
        byte[] onnx = Fixtures.Bytes("activations", "mlp_activations.onnx");
        float[] x = TestData.Uniform(8 * 16, 5);
        FloatTensor ours = TrainableGraph.Load(onnx).Forward(new FloatTensor(new[] { 8, 16 }, x));
        AssertClose(OrtOracle.Run(onnx, OracleInput.Float(x, 8, 16))[0].Data, ours.Data, 1e-5f);
    }

    [Fact]
    public void MatMul_add_fixture_with_a_1d_input_runs_row_by_row_as_one_batch()
    {
        byte[] onnx = Fixtures.Bytes("matmul_add", "mlp_matmul_add.onnx");
        TrainableGraph graph = TrainableGraph.Load(onnx);
        float[] x = TestData.Uniform(4 * 16, 6);
        FloatTensor ours = graph.Forward(new FloatTensor(graph.BatchShape(4, 16), x));
        for (int r = 0; r < 4; r++)
        {
            float[] row = x.AsSpan(r * 16, 16).ToArray();
            AssertClose(OrtOracle.Run(onnx, OracleInput.Float(row, 16))[0].Data, ours.Data.AsSpan(r * 4, 4).ToArray(), 1e-5f);
        }
    }

    internal static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float allowed = tolerance * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= allowed, $"element {i}: expected {expected[i]:G9}, actual {actual[i]:G9}");
        }
    }

    private static int ArgMax(float[] data, int row, int width)
    {
        int best = 0;
        for (int j = 1; j < width; j++)
            if (data[row * width + j] > data[row * width + best]) best = j;
        return best;
    }
}
