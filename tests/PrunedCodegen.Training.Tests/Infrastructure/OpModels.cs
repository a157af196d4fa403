using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Training.Tests.Infrastructure;

/// <summary>A one-node (or few-node) model for one op and attribute combination, with its input.</summary>
internal sealed record OpModel(string Name, byte[] Onnx, float[] Input, long[] InputShape)
{
    public override string ToString() => Name;
}

/// <summary>The op catalogue the forward and gradient tests share: every supported op, MLP ops then CNN ops.</summary>
internal static class OpModels
{
    public static IEnumerable<object[]> Cases() => All().Select(m => new object[] { m.Name });

    public static OpModel Get(string name) => All().Single(m => m.Name == name);

    private static OnnxAttribute Ints(string name, params long[] values)
    {
        var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static OnnxAttribute Str(string name, string value) =>
        new() { Name = name, Type = OnnxAttributeType.String, S = System.Text.Encoding.UTF8.GetBytes(value) };

    private static float[] W(int count, int seed) => ModelBuilder.RandomWeights(count, seed);

    private static OpModel Make(string name, long[] inputShape, System.Action<ModelBuilder> body, long opset = 13, int seed = 1)
    {
        var b = new ModelBuilder(opset);
        b.Input("x", inputShape.Select(d => (long?)d).ToArray());
        body(b);
        // Rank unknown: ONNX Runtime infers the output shape itself.
        b.Model.Graph!.Outputs.Add(new OnnxValueInfo { Name = "y", TypeKind = "tensor", ElementType = OnnxDataType.Float });
        int count = (int)inputShape.Aggregate(1L, (a, d) => a * d);
        return new OpModel(name, b.Build(), TestData.Separated(count, seed), inputShape);
    }

    public static IEnumerable<OpModel> All()
    {
        // MLP ops
        yield return Make("Gemm_transB_bias", new long[] { 3, 5 }, b => b
            .Initializer("W", new long[] { 4, 5 }, W(20, 2)).Initializer("C", new long[] { 4 }, W(4, 3))
            .Node("Gemm", new[] { "x", "W", "C" }, new[] { "y" }, "gemm", ModelBuilder.Int("transB", 1)));
        yield return Make("Gemm_transA_alpha_beta_matrixC", new long[] { 5, 3 }, b => b
            .Initializer("W", new long[] { 5, 4 }, W(20, 4)).Initializer("C", new long[] { 3, 4 }, W(12, 5))
            .Node("Gemm", new[] { "x", "W", "C" }, new[] { "y" }, "gemm",
                ModelBuilder.Int("transA", 1), ModelBuilder.Float("alpha", 0.5f), ModelBuilder.Float("beta", 2f)));
        yield return Make("Gemm_noC", new long[] { 2, 6 }, b => b
            .Initializer("W", new long[] { 6, 3 }, W(18, 6))
            .Node("Gemm", new[] { "x", "W" }, new[] { "y" }, "gemm"));
        yield return Make("MatMul_Add_bias_first", new long[] { 4, 6 }, b => b
            .Initializer("W", new long[] { 6, 3 }, W(18, 7)).Initializer("B", new long[] { 3 }, W(3, 8))
            .Node("MatMul", new[] { "x", "W" }, new[] { "h" }, "mm")
            .Node("Add", new[] { "B", "h" }, new[] { "y" }, "add"));
        yield return Make("MatMul_3d", new long[] { 2, 3, 4 }, b => b
            .Initializer("W", new long[] { 4, 5 }, W(20, 9))
            .Node("MatMul", new[] { "x", "W" }, new[] { "y" }, "mm"));
        yield return Make("Sub_Mul_broadcast", new long[] { 2, 3, 4 }, b => b
            .Initializer("S", new long[] { 3, 1 }, W(3, 10)).Initializer("T", new long[] { 4 }, W(4, 11))
            .Node("Mul", new[] { "x", "S" }, new[] { "h" }, "mul")
            .Node("Sub", new[] { "T", "h" }, new[] { "y" }, "sub"));
        yield return Make("Mul_same_shape_input_twice", new long[] { 3, 4 }, b => b
            .Node("Mul", new[] { "x", "x" }, new[] { "y" }, "square"));
        yield return Make("Relu", new long[] { 3, 7 }, b => b.Node("Relu", new[] { "x" }, new[] { "y" }, "relu"));
        yield return Make("LeakyRelu", new long[] { 3, 7 }, b => b.Node("LeakyRelu", new[] { "x" }, new[] { "y" }, "lrelu", ModelBuilder.Float("alpha", 0.2f)));
        yield return Make("Sigmoid", new long[] { 3, 7 }, b => b.Node("Sigmoid", new[] { "x" }, new[] { "y" }, "sig"));
        yield return Make("Tanh", new long[] { 3, 7 }, b => b.Node("Tanh", new[] { "x" }, new[] { "y" }, "tanh"));
        yield return Make("Softmax_opset13_axis1_3d", new long[] { 2, 4, 3 }, b => b
            .Node("Softmax", new[] { "x" }, new[] { "y" }, "sm", ModelBuilder.Int("axis", 1)));
        yield return Make("Softmax_opset11_axis1_3d", new long[] { 2, 4, 3 }, b => b
            .Node("Softmax", new[] { "x" }, new[] { "y" }, "sm", ModelBuilder.Int("axis", 1)), opset: 11);
        yield return Make("Flatten_axis2", new long[] { 2, 3, 2, 2 }, b => b
            .Node("Flatten", new[] { "x" }, new[] { "h" }, "flat", ModelBuilder.Int("axis", 2))
            .Initializer("W", new long[] { 4, 3 }, W(12, 12))
            .Node("MatMul", new[] { "h", "W" }, new[] { "y" }, "mm"));
        yield return Make("Reshape_copy_and_infer", new long[] { 2, 3, 4 }, b => b
            .Int64Initializer("shape", 0, -1)
            .Node("Reshape", new[] { "x", "shape" }, new[] { "h" }, "reshape")
            .Initializer("W", new long[] { 12, 2 }, W(24, 13))
            .Node("MatMul", new[] { "h", "W" }, new[] { "y" }, "mm"));

        // CNN ops
        yield return Make("Conv_bias", new long[] { 2, 3, 5, 5 }, b => b
            .Initializer("W", new long[] { 4, 3, 3, 3 }, W(108, 14)).Initializer("B", new long[] { 4 }, W(4, 15))
            .Node("Conv", new[] { "x", "W", "B" }, new[] { "y" }, "conv", Ints("kernel_shape", 3, 3)));
        yield return Make("Conv_strides_pads_dilations_group", new long[] { 2, 4, 6, 5 }, b => b
            .Initializer("W", new long[] { 6, 2, 3, 3 }, W(108, 16))
            .Node("Conv", new[] { "x", "W" }, new[] { "y" }, "conv", ModelBuilder.Int("group", 2),
                Ints("strides", 2, 1), Ints("pads", 1, 0, 1, 2), Ints("dilations", 1, 2)));
        yield return Make("Conv_same_upper_stride2", new long[] { 1, 2, 6, 7 }, b => b
            .Initializer("W", new long[] { 3, 2, 2, 3 }, W(36, 17)).Initializer("B", new long[] { 3 }, W(3, 18))
            .Node("Conv", new[] { "x", "W", "B" }, new[] { "y" }, "conv", Str("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2)));
        yield return Make("MaxPool_pads_strides", new long[] { 2, 3, 7, 6 }, b => b
            .Node("MaxPool", new[] { "x" }, new[] { "y" }, "pool", Ints("kernel_shape", 3, 2), Ints("strides", 2, 2), Ints("pads", 1, 0, 1, 1)));
        yield return Make("MaxPool_ceil_mode", new long[] { 1, 2, 6, 6 }, b => b
            .Node("MaxPool", new[] { "x" }, new[] { "y" }, "pool", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), ModelBuilder.Int("ceil_mode", 1)));
        yield return Make("AveragePool_exclude_pad", new long[] { 2, 2, 5, 6 }, b => b
            .Node("AveragePool", new[] { "x" }, new[] { "y" }, "pool", Ints("kernel_shape", 2, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)));
        yield return Make("AveragePool_include_pad", new long[] { 2, 2, 5, 6 }, b => b
            .Node("AveragePool", new[] { "x" }, new[] { "y" }, "pool", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2),
                Ints("pads", 1, 1, 1, 1), ModelBuilder.Int("count_include_pad", 1)));
        yield return Make("GlobalAveragePool", new long[] { 2, 3, 4, 5 }, b => b
            .Node("GlobalAveragePool", new[] { "x" }, new[] { "y" }, "gap"));
        yield return Make("BatchNormalization", new long[] { 2, 3, 4, 2 }, b => b
            .Initializer("scale", new long[] { 3 }, W(3, 19)).Initializer("bias", new long[] { 3 }, W(3, 20))
            .Initializer("mean", new long[] { 3 }, W(3, 21)).Initializer("var", new long[] { 3 }, new[] { 0.5f, 1.5f, 2f })
            .Node("BatchNormalization", new[] { "x", "scale", "bias", "mean", "var" }, new[] { "y" }, "bn", ModelBuilder.Float("epsilon", 1e-3f)));
        yield return Make("Cnn_conv_bn_relu_pool_flatten_gemm_softmax", new long[] { 2, 1, 8, 8 }, b => b
            .Initializer("Wc", new long[] { 4, 1, 3, 3 }, W(36, 22)).Initializer("Bc", new long[] { 4 }, W(4, 23))
            .Initializer("scale", new long[] { 4 }, W(4, 24)).Initializer("bias", new long[] { 4 }, W(4, 25))
            .Initializer("mean", new long[] { 4 }, W(4, 26)).Initializer("var", new long[] { 4 }, new[] { 0.5f, 1f, 1.5f, 2f })
            .Initializer("Wf", new long[] { 3, 36 }, W(108, 27)).Initializer("Bf", new long[] { 3 }, W(3, 28))
            .Node("Conv", new[] { "x", "Wc", "Bc" }, new[] { "c" }, "conv", Ints("pads", 1, 1, 1, 1))
            .Node("BatchNormalization", new[] { "c", "scale", "bias", "mean", "var" }, new[] { "n" }, "bn")
            .Node("Relu", new[] { "n" }, new[] { "r" }, "relu")
            .Node("MaxPool", new[] { "r" }, new[] { "p" }, "pool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))
            .Node("AveragePool", new[] { "p" }, new[] { "q" }, "avg", Ints("kernel_shape", 2, 2), Ints("strides", 1, 1))
            .Node("Flatten", new[] { "q" }, new[] { "f" }, "flat")
            .Node("Gemm", new[] { "f", "Wf", "Bf" }, new[] { "z" }, "fc", ModelBuilder.Int("transB", 1))
            .Node("Softmax", new[] { "z" }, new[] { "y" }, "sm"));
    }
}
