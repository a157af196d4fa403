using System;
using System.Text;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Ops edge models use beyond the core set (issue 18 item 3): rounding and sign ops and the less common
    /// activations, Mean, the composite reductions, LayerNormalization, InstanceNormalization, GroupNormalization, LRN, DepthToSpace and
    /// SpaceToDepth; each compiled and compared with ONNX Runtime (batched models through PredictBatch, batch 3).
    /// </summary>
    public class EdgeModelOpTests
    {
        private static string AssertMatchesOrt(ModelBuilder b, bool specials = true, float atol = 1e-5f, float rtol = 1e-5f) =>
            ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch: 3, specials: specials, atol: atol, rtol: rtol);

        private static OnnxAttribute Str(string name, string value) =>
            new OnnxAttribute { Name = name, Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes(value) };

        [Theory]
        [InlineData("Abs")]
        [InlineData("Neg")]
        [InlineData("Reciprocal")]
        [InlineData("Floor")]
        [InlineData("Ceil")]
        [InlineData("Round")]
        [InlineData("Softsign")]
        [InlineData("Mish")]
        [InlineData("ThresholdedRelu")]
        [InlineData("Celu")]
        [InlineData("Shrink")]
        public void Unary_op_with_nan_and_infinities(string op)
        {
            var b = new ModelBuilder(opset: 18).Input("x", null, 4, 9).Output("y", null, 4, 9);
            var attrs = op switch
            {
                "ThresholdedRelu" => new[] { Float("alpha", 0.7f) },
                "Celu" => new[] { Float("alpha", 1.5f) },
                "Shrink" => new[] { Float("lambd", 1.25f), Float("bias", 0.5f) },
                _ => Array.Empty<OnnxAttribute>(),
            };
            b.Node(op, new[] { "x" }, new[] { "y" }, "", attrs);
            AssertMatchesOrt(b, atol: 1e-6f, rtol: 2e-6f);
        }

        [Fact]
        public void Sign_of_finite_values()
        {
            // NaN is left out: ONNX says sign(NaN) is NaN, implementations differ; ours keeps NaN.
            var b = new ModelBuilder(opset: 13).Input("x", null, 11).Output("y", null, 11).Node("Sign", new[] { "x" }, new[] { "y" });
            AssertMatchesOrt(b, specials: false);
        }

        [Fact]
        public void Round_halves_to_even()
        {
            var values = new[] { -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.49f, -3.51f };
            var b = new ModelBuilder(opset: 13).Input("x", 8).Output("y", 8).Node("Round", new[] { "x" }, new[] { "y" });
            byte[] onnx = b.Build();
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", values, 8));
            Tolerance.AssertClose(expected[0].Data, CompiledModel.Load(onnx).Predict(values)[0], 0f, 0f, "round");
        }

        [Fact]
        public void Mean_of_three_broadcast_inputs()
        {
            var b = new ModelBuilder(opset: 13).Input("a", null, 3, 4).Input("c", 4).Output("y", null, 3, 4)
                .Initializer("k", new long[] { 3, 1 }, RandomWeights(3, 5))
                .Node("Mean", new[] { "a", "k", "c" }, new[] { "y" });
            AssertMatchesOrt(b);
        }

        [Theory]
        [InlineData("ReduceL1", 13)]
        [InlineData("ReduceL2", 13)]
        [InlineData("ReduceSumSquare", 13)]
        [InlineData("ReduceLogSum", 13)]
        [InlineData("ReduceLogSumExp", 13)]
        [InlineData("ReduceL2", 18)]
        [InlineData("ReduceLogSumExp", 18)]
        public void Composite_reductions_over_inner_axes(string op, int opset)
        {
            var b = new ModelBuilder(opset).Input("x", null, 3, 5).Output("y", null, 3, 1).Output("z", new long?[] { null });
            var keep = Int("keepdims", 1);
            var drop = Int("keepdims", 0);
            if (opset >= 18)
            {
                b.Int64Initializer("last", -1).Int64Initializer("both", 1, 2)
                    .Node(op, new[] { "x", "last" }, new[] { "y" }, "", keep)
                    .Node(op, new[] { "x", "both" }, new[] { "z" }, "", drop);
            }
            else
            {
                b.Node(op, new[] { "x" }, new[] { "y" }, "", keep, Ints("axes", -1))
                    .Node(op, new[] { "x" }, new[] { "z" }, "", drop, Ints("axes", 1, 2));
            }
            // LogSum of negative sums is NaN in both; specials would make most outputs NaN or inf, so finite inputs here
            // plus one large input to check LogSumExp does not overflow.
            AssertMatchesOrt(b, specials: false, atol: 1e-5f, rtol: 1e-5f);
        }

        [Fact]
        public void Log_sum_exp_of_large_values_does_not_overflow()
        {
            var b = new ModelBuilder(13).Input("x", 2, 3).Output("y", 2)
                .Node("ReduceLogSumExp", new[] { "x" }, new[] { "y" }, "", Int("keepdims", 0), Ints("axes", 1));
            var x = new[] { 100f, 101f, 99f, -1e30f, float.NegativeInfinity, -5f };
            byte[] onnx = b.Build();
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 2, 3));
            Tolerance.AssertClose(expected[0].Data, CompiledModel.Load(onnx).Predict(x)[0], 1e-5f, 1e-6f, "logsumexp");
        }

        [Theory]
        [InlineData(-1, true)]
        [InlineData(1, true)]
        [InlineData(2, false)]
        public void Layer_normalization_over_trailing_axes(int axis, bool withBias)
        {
            var b = new ModelBuilder(17).Input("x", null, 4, 6).Output("y", null, 4, 6);
            int[] normalised = axis == 1 ? new[] { 4, 6 } : new[] { 6 };
            int count = normalised[0] * (normalised.Length > 1 ? normalised[1] : 1);
            b.Initializer("scale", Array.ConvertAll(normalised, d => (long)d), RandomWeights(count, 7));
            if (withBias) b.Initializer("bias", Array.ConvertAll(normalised, d => (long)d), RandomWeights(count, 8));
            b.Node("LayerNormalization", withBias ? new[] { "x", "scale", "bias" } : new[] { "x", "scale" }, new[] { "y" }, "ln",
                Int("axis", axis), Float("epsilon", 1e-3f));
            AssertMatchesOrt(b, specials: false, atol: 2e-5f, rtol: 2e-5f);
        }

        [Fact]
        public void Instance_normalization_per_sample_and_channel()
        {
            var b = new ModelBuilder(13).Input("x", null, 3, 5, 4).Output("y", null, 3, 5, 4)
                .Initializer("s", new long[] { 3 }, RandomWeights(3, 1))
                .Initializer("c", new long[] { 3 }, RandomWeights(3, 2))
                .Node("InstanceNormalization", new[] { "x", "s", "c" }, new[] { "y" }, "", Float("epsilon", 1e-4f));
            AssertMatchesOrt(b, specials: false, atol: 2e-5f, rtol: 2e-5f);
        }

        [Theory]
        [InlineData(21, 6, 2)]
        [InlineData(21, 6, 6)]
        [InlineData(21, 6, 1)]
        [InlineData(18, 6, 3)]
        public void Group_normalization_per_channel_or_per_group_scale(int opset, int channels, int groups)
        {
            int scales = opset >= 21 ? channels : groups;
            var b = new ModelBuilder(opset).Input("x", null, channels, 3, 4).Output("y", null, channels, 3, 4)
                .Initializer("s", new long[] { scales }, RandomWeights(scales, 3))
                .Initializer("c", new long[] { scales }, RandomWeights(scales, 4))
                .Node("GroupNormalization", new[] { "x", "s", "c" }, new[] { "y" }, "gn", Int("num_groups", groups), Float("epsilon", 1e-3f));
            AssertMatchesOrt(b, specials: false, atol: 2e-5f, rtol: 2e-5f);
        }

        [Theory]
        [InlineData(5, 3)]
        [InlineData(3, 8)]
        [InlineData(1, 1)]
        public void Lrn_across_channels(int size, int channels)
        {
            // Odd sizes only: ONNX Runtime refuses an even one (the window is then one channel longer after c).
            var b = new ModelBuilder(13).Input("x", null, channels, 3, 5).Output("y", null, channels, 3, 5)
                .Node("LRN", new[] { "x" }, new[] { "y" }, "lrn", Int("size", size), Float("alpha", 0.02f), Float("beta", 0.6f), Float("bias", 1.5f));
            // Finite inputs: where a neighbouring channel holds an infinity, ONNX Runtime 1.31 was measured to give NaN for a
            // finite x, where x / (bias + alpha/size * inf)^beta is +-0 (which this code gives).
            AssertMatchesOrt(b, specials: false, atol: 2e-5f, rtol: 2e-5f);
        }

        [Theory]
        [InlineData("DCR", 2)]
        [InlineData("CRD", 2)]
        [InlineData("DCR", 3)]
        public void Depth_to_space_and_back(string mode, int block)
        {
            // A sub-pixel head ([N, 2*b*b, 3, 5] -> [N, 2, 3b, 5b]) and SpaceToDepth of the result.
            int c = 2 * block * block;
            var b = new ModelBuilder(13).Input("x", null, c, 3, 5).Output("y", null, 2, 3 * block, 5 * block).Output("z", null, c, 3, 5)
                .Node("DepthToSpace", new[] { "x" }, new[] { "y" }, "", Int("blocksize", block), Str("mode", mode))
                .Node("SpaceToDepth", new[] { "y" }, new[] { "z" }, "", Int("blocksize", block));
            AssertMatchesOrt(b);
        }
    }
}
