using System.Linq;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// CumSum, Hardmax and Trilu (issue 18 item 3) against ONNX Runtime, on float models with NaN and infinities in the
    /// inputs (the ONNX node tests of CumSum and Trilu use double and int64 tensors, which the generator does not take).
    /// </summary>
    public class ScanOpTests
    {
        private static void AssertMatchesOrt(ModelBuilder b, bool specials = true) =>
            ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch: 3, specials: specials, atol: 1e-5f, rtol: 1e-5f);

        private static OnnxTensor Scalar(string name, long value)
        {
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.Int64 };
            t.Int64Data.Add(value);
            return t;
        }

        [Theory]
        [InlineData(1, false, false)]
        [InlineData(2, false, false)]
        [InlineData(3, true, false)]
        [InlineData(-1, false, true)]
        [InlineData(2, true, true)]
        public void CumSum_along_an_axis(long axis, bool exclusive, bool reverse)
        {
            var b = new ModelBuilder(opset: 14).Input("x", null, 4, 5, 3).Output("y", null, 4, 5, 3).Initializer(Scalar("axis", axis))
                .Node("CumSum", new[] { "x", "axis" }, new[] { "y" }, "running", Int("exclusive", exclusive ? 1 : 0), Int("reverse", reverse ? 1 : 0));
            AssertMatchesOrt(b);
        }

        [Fact]
        public void CumSum_of_finite_values_and_a_one_element_axis_tensor()
        {
            var b = new ModelBuilder(opset: 11).Input("x", 6, 7).Output("y", 6, 7).Int64Initializer("axis", 0)
                .Node("CumSum", new[] { "x", "axis" }, new[] { "y" });
            AssertMatchesOrt(b, specials: false);
        }

        [Fact]
        public void CumSum_over_the_batch_dim_is_refused_by_name()
        {
            var b = new ModelBuilder(opset: 14).Input("x", null, 5).Output("y", null, 5).Initializer(Scalar("axis", 0))
                .Node("CumSum", new[] { "x", "axis" }, new[] { "y" }, "over_batch");
            var result = ModelCompiler.Compile(b.Build(), new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.False(result.Succeeded);
            Assert.Contains("over_batch", string.Join("; ", result.Diagnostics));
            Assert.Contains("batch", string.Join("; ", result.Diagnostics));
        }

        [Theory]
        [InlineData(11, 1)]
        [InlineData(11, 2)]
        [InlineData(13, 1)]
        [InlineData(13, 2)]
        [InlineData(13, -1)]
        public void Hardmax_along_an_axis(int opset, long axis)
        {
            const bool specials = false;   // NaN: see Hardmax_lets_no_nan_win; infinities: Hardmax_with_infinities_and_signed_zeros
            var b = new ModelBuilder(opset: opset).Input("x", null, 6, 4, 5).Output("y", null, 6, 4, 5)
                .Node("Hardmax", new[] { "x" }, new[] { "y" }, "", Int("axis", axis));
            AssertMatchesOrt(b, specials);
        }

        [Fact]
        public void Hardmax_with_infinities_and_signed_zeros()
        {
            float inf = float.PositiveInfinity;
            var x = new[] { -inf, -inf, -inf, -inf, 1f, inf, 3f, inf, -0f, 0f, -1f, -2f, -inf, -3f, -inf, -9f, 0f, -0f, 0f, 0f };
            var b = new ModelBuilder(opset: 13).Input("x", 5, 4).Output("y", 5, 4).Node("Hardmax", new[] { "x" }, new[] { "y" });
            byte[] onnx = b.Build();
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 5, 4))[0].Data;
            Assert.Equal(expected, CompiledModel.Load(onnx).Predict(x)[0]);
        }

        [Fact]
        public void Hardmax_lets_no_nan_win()
        {
            // NaN is unspecified by ONNX and ONNX Runtime's answer depends on the line length, so the documented rule here.
            float n = float.NaN;
            var b = new ModelBuilder(opset: 13).Input("x", 3, 4).Output("y", 3, 4).Node("Hardmax", new[] { "x" }, new[] { "y" });
            var y = CompiledModel.Load(b.Build()).Predict(new[] { n, 1f, 3f, 2f, 1f, n, 3f, n, n, n, n, n })[0];
            Assert.Equal(new[] { 0f, 0f, 1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 0f }, y);
        }

        [Fact]
        public void Hardmax_marks_the_first_of_tied_maxima()
        {
            var b = new ModelBuilder(opset: 13).Input("x", 3, 4).Output("y", 3, 4).Node("Hardmax", new[] { "x" }, new[] { "y" });
            byte[] onnx = b.Build();
            var x = new[] { 1f, 3f, 3f, 2f, 5f, 5f, 5f, 5f, -1f, -2f, -1f, -3f };
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 3, 4))[0].Data;
            Assert.Equal(expected, CompiledModel.Load(onnx).Predict(x)[0]);
        }

        [Theory]
        [InlineData(true, 0L)]
        [InlineData(true, 2L)]
        [InlineData(true, -1L)]
        [InlineData(false, 0L)]
        [InlineData(false, 1L)]
        [InlineData(false, -3L)]
        [InlineData(false, 9L)]
        public void Trilu_keeps_a_triangle_and_zeroes_the_rest_even_nan(bool upper, long k)
        {
            var b = new ModelBuilder(opset: 14).Input("x", null, 2, 5, 4).Output("y", null, 2, 5, 4).Initializer(Scalar("k", k))
                .Node("Trilu", new[] { "x", "k" }, new[] { "y" }, "", Int("upper", upper ? 1 : 0));
            string source = ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch: 3);
            Assert.Contains($"Trilu upper={(upper ? 1 : 0)} k={k}", source);
        }

        [Fact]
        public void Trilu_of_a_matrix_without_k_and_of_a_constant()
        {
            // Upper triangle of a runtime 6 x 3 matrix; the lower one of a constant, folded at build time and added.
            var c = Enumerable.Range(0, 18).Select(i => i * 0.5f - 3f).ToArray();
            var b = new ModelBuilder(opset: 14).Input("x", 6, 3).Output("y", 6, 3).Initializer("c", new long[] { 6, 3 }, c)
                .Node("Trilu", new[] { "x" }, new[] { "u" })
                .Node("Trilu", new[] { "c" }, new[] { "l" }, "", Int("upper", 0))
                .Node("Add", new[] { "u", "l" }, new[] { "y" });
            AssertMatchesOrt(b);
        }
    }
}
