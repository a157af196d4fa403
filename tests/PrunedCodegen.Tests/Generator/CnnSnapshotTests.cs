using System;
using System.Linq;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>Approved-file snapshot of a tiny CNN's generated source: BN folding, filter removal, tap lists, comments.</summary>
    public class CnnSnapshotTests
    {
        [Fact]
        public void Tiny_cnn_with_a_dead_filter()
        {
            var ks = new OnnxAttribute { Name = "kernel_shape", Type = OnnxAttributeType.Ints };
            ks.Ints.AddRange(new long[] { 2, 2 });
            var strides = new OnnxAttribute { Name = "strides", Type = OnnxAttributeType.Ints };
            strides.Ints.AddRange(new long[] { 2, 2 });
            var pads = new OnnxAttribute { Name = "pads", Type = OnnxAttributeType.Ints };
            pads.Ints.AddRange(new long[] { 1, 1, 1, 1 });

            // 1 -> 3 filters of 3x3 at 40% sparsity; filter 1 is all zero (with its bias and BN scale/shift).
            var w = RandomWeights(3 * 9, 5, 0.4);
            Array.Clear(w, 9, 9);
            var b = new[] { 0.25f, 0f, -0.5f };
            var onnx = new ModelBuilder().Input("image", null, 1, 4, 4).Output("scores", null, 2)
                .Initializer("W", new long[] { 3, 1, 3, 3 }, w).Initializer("B", new long[] { 3 }, b)
                .Initializer("s", new long[] { 3 }, new[] { 1.5f, 0f, 0.5f }).Initializer("t", new long[] { 3 }, new[] { 0.125f, 0f, -0.25f })
                .Initializer("m", new long[] { 3 }, new[] { 0.5f, 0.75f, -1f }).Initializer("v", new long[] { 3 }, new[] { 4f, 1f, 0.25f })
                .Initializer("Wfc", new long[] { 2, 12 }, RandomWeights(24, 6))
                .Node("Conv", new[] { "image", "W", "B" }, new[] { "c" }, "conv", pads)
                .Node("BatchNormalization", new[] { "c", "s", "t", "m", "v" }, new[] { "n" }, "bn", Float("epsilon", 0f))
                .Node("Relu", new[] { "n" }, new[] { "r" })
                .Node("MaxPool", new[] { "r" }, new[] { "p" }, "pool", ks, strides)
                .Node("Flatten", new[] { "p" }, new[] { "f" })
                .Node("Gemm", new[] { "f", "Wfc" }, new[] { "scores" }, "fc", Int("transB", 1))
                .Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("TinyCnn", "Snapshots", "model.onnx"));
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            Snapshot.Match(result.Source!, "TinyCnn");
        }
    }
}
