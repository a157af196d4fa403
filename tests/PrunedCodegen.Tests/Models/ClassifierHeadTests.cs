using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using Xunit;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Classifier heads that return class indices (issue 18 items 2 and 3): ArgMax, ArgMin and TopK, whose int64 outputs
    /// Predict and PredictBatch take as <c>Span&lt;long&gt;</c>. Whole models against ONNX Runtime (indices compared
    /// exactly), ties, NaN where ONNX Runtime's answer is consistent (ArgMax/ArgMin), and the refusals that remain.
    /// </summary>
    public class ClassifierHeadTests
    {
        private const int Features = 8, Hidden = 16, Classes = 5;

        /// <summary>x[N, 8] → Gemm → Relu → Gemm → logits[N, 5], logits a graph output only when asked.</summary>
        private static ModelBuilder Mlp(int seed, bool logitsOutput, double zeroFraction = 0)
        {
            var b = new ModelBuilder(opset: 13).Input("x", null, Features);
            if (logitsOutput) b.Output("logits", null, Classes);
            return b
                .Initializer("W1", new long[] { Hidden, Features }, RandomWeights(Hidden * Features, seed, zeroFraction))
                .Initializer("b1", new long[] { Hidden }, RandomWeights(Hidden, seed + 1))
                .Initializer("W2", new long[] { Classes, Hidden }, RandomWeights(Classes * Hidden, seed + 2, zeroFraction))
                .Initializer("b2", new long[] { Classes }, RandomWeights(Classes, seed + 3))
                .Node("Gemm", new[] { "x", "W1", "b1" }, new[] { "h" }, "fc1", Int("transB", 1))
                .Node("Relu", new[] { "h" }, new[] { "hr" }, "relu1")
                .Node("Gemm", new[] { "hr", "W2", "b2" }, new[] { "logits" }, "fc2", Int("transB", 1));
        }

        /// <summary>
        /// Runs the model on <paramref name="x"/> (<paramref name="batch"/> samples of a batched input of shape
        /// <paramref name="sample"/>) in ONNX Runtime and through PredictBatch (batch 1: Predict), and compares every
        /// output: floats within 1e-5, int64 exactly. With batch &gt; 1 each sample through Predict must agree too.
        /// Returns the generated source.
        /// </summary>
        private static string AssertMatchesOrt(ModelBuilder b, float[] x, int batch, params long[] sample)
        {
            byte[] onnx = b.Build();
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, new long[] { batch }.Concat(sample).ToArray()));
            var model = CompiledModel.Load(onnx);
            var actual = batch == 1 ? model.PredictTyped(x) : model.PredictBatchTyped(batch, x);
            Assert.Equal(expected.Count, model.OutputCount);
            for (int o = 0; o < expected.Count; o++)
            {
                string what = $"output {o} '{expected[o].Name}' (batch {batch})";
                Assert.Equal(expected[o].Int64s != null, model.OutputIsInt64[o]);
                if (expected[o].Int64s != null) Assert.True(expected[o].Longs.SequenceEqual(actual.Longs[o]!),
                    $"{what}: ORT [{string.Join(", ", expected[o].Longs)}], generated [{string.Join(", ", actual.Longs[o]!)}]");
                else Tolerance.AssertClose(expected[o].Data, actual.Floats[o]!, 1e-5f, 1e-5f, what, expected[o].Dims);
            }
            if (batch > 1)
            {
                int perSample = x.Length / batch;
                for (int s = 0; s < batch; s++)
                {
                    var one = model.PredictTyped(x.AsSpan(s * perSample, perSample).ToArray());
                    for (int o = 0; o < model.OutputCount; o++)
                    {
                        if (!model.OutputIsInt64[o]) continue;
                        int n = model.OutputLengths[o];
                        Assert.Equal(actual.Longs[o]!.Skip(s * n).Take(n), one.Longs[o]!);
                    }
                }
            }
            return ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx")).Source!;
        }

        /// <summary>Fails unless every sample's two best logits (ORT) differ by more than 1e-3: an index test near a tie would test rounding.</summary>
        private static void AssertClearWinners(int seed, float[] x, int batch, bool max, double zeroFraction = 0)
        {
            var logits = OrtOracle.Run(Mlp(seed, logitsOutput: true, zeroFraction).Build(), OracleInput.Float("x", x, batch, Features))[0].Data;
            for (int s = 0; s < batch; s++)
            {
                var sorted = logits.Skip(s * Classes).Take(Classes).OrderBy(v => max ? -v : v).ToArray();
                Assert.True(Math.Abs(sorted[0] - sorted[1]) > 1e-3f, $"sample {s}: the two best logits are {sorted[0]} and {sorted[1]}; pick another seed");
            }
        }

        [Theory]
        [InlineData("ArgMax", 0, 1)]
        [InlineData("ArgMax", 0, 3)]
        [InlineData("ArgMax", 1, 1)]
        [InlineData("ArgMax", 1, 3)]
        [InlineData("ArgMin", 0, 3)]
        [InlineData("ArgMin", 1, 1)]
        [InlineData("ArgMax", 0, 70)]
        [InlineData("ArgMin", 1, 70)]
        [InlineData("ArgMax", 0, 70, 0.8)]
        [InlineData("ArgMax", 1, 1, 0.8)]
        public void Mlp_classifier_ending_in_an_arg_reduction(string op, int keepdims, int batch, double zeroFraction = 0)
        {
            const int seed = 41;
            float[] x = CompiledModel.RandomInput(batch * Features, 7 + batch, 2f);
            AssertClearWinners(seed, x, batch, op == "ArgMax", zeroFraction);
            var b = Mlp(seed, logitsOutput: false, zeroFraction)
                .Node(op, new[] { "logits" }, new[] { "class" }, "head", Int("axis", 1), Int("keepdims", keepdims))
                .Output("class", OnnxDataType.Int64, keepdims == 1 ? new long?[] { null, 1 } : new long?[] { null });
            string source = AssertMatchesOrt(b, x, batch, Features);
            Assert.Contains("public static void Predict(ReadOnlySpan<float> x, Span<long> class_)", source);
            Assert.Contains("public static void PredictBatch(ReadOnlySpan<float> x, Span<long> class_)", source);
            // PredictBatch runs the dense chain in groups of 64 and takes the indices from the feature-major result.
            Assert.Contains("Kernels.ArgReduceBatch(", source);
            Assert.Contains("private static void Run_Batch(ReadOnlySpan<float> x, Span<long> class_, int batch, Span<float> scratchT)", source);
            Assert.Contains("class indices of type <see cref=\"long\"/>", source);
        }

        [Fact]
        public void Cnn_classifier_ending_in_argmax_runs_batch_by_sample_and_allocates_nothing()
        {
            var b = new ModelBuilder(opset: 13).Input("x", null, 1, 6, 6)
                .Initializer("Wc", new long[] { 4, 1, 3, 3 }, RandomWeights(36, 3))
                .Initializer("bc", new long[] { 4 }, RandomWeights(4, 4))
                .Initializer("Wf", new long[] { 3, 4 }, RandomWeights(12, 5))
                .Initializer("bf", new long[] { 3 }, RandomWeights(3, 6))
                .Node("Conv", new[] { "x", "Wc", "bc" }, new[] { "c" }, "conv", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
                .Node("Relu", new[] { "c" }, new[] { "r" }, "relu")
                .Node("GlobalAveragePool", new[] { "r" }, new[] { "g" }, "gap")
                .Node("Flatten", new[] { "g" }, new[] { "f" }, "flatten")
                .Node("Gemm", new[] { "f", "Wf", "bf" }, new[] { "logits" }, "fc", Int("transB", 1))
                .Node("ArgMax", new[] { "logits" }, new[] { "label" }, "head", Int("axis", 1), Int("keepdims", 0))
                .Output("label", OnnxDataType.Int64, new long?[] { null });
            const int batch = 3;
            float[] x = CompiledModel.RandomInput(batch * 36, 21, 3f);
            AssertMatchesOrt(b, x, batch, 1, 6, 6);
            var model = CompiledModel.Load(b.Build());
            Assert.Equal(0, model.AllocatedBytes(new[] { x.Take(36).ToArray() }));
            Assert.Equal(0, model.AllocatedBytesBatch(batch, new[] { x }));
        }

        [Theory]
        [InlineData(1)]
        [InlineData(0)]
        public void Mlp_with_logits_and_top3_values_and_indices(int largest)
        {
            const int seed = 9, batch = 3;
            float[] x = CompiledModel.RandomInput(batch * Features, 12, 2f);
            var b = Mlp(seed, logitsOutput: true)
                .Int64Initializer("k", 3)
                .Node("TopK", new[] { "logits", "k" }, new[] { "top", "topIndex" }, "top3", Int("axis", -1), Int("largest", largest), Int("sorted", 1))
                .Node("ArgMax", new[] { "logits" }, new[] { "best" }, "best", Int("axis", 1), Int("keepdims", 0))
                .Output("top", null, 3)
                .Output("topIndex", OnnxDataType.Int64, null, 3)
                .Output("best", OnnxDataType.Int64, new long?[] { null });
            string source = AssertMatchesOrt(b, x, batch, Features);
            Assert.Contains("Span<float> logits, Span<float> top, Span<long> topIndex, Span<long> best)", source);
        }

        /// <summary>Rows with ties, NaN (first and later), infinities and signed zeros, for ArgMax and ArgMin.</summary>
        private static readonly float[][] s_specialRows =
        {
            new[] { 1f, 3, 3, 2, 3, 0 },
            new[] { float.NaN, 1, 2, 3, 4, 5 },
            new[] { 1f, float.NaN, 5, 5, float.NaN, 0 },
            new[] { -0f, 0, 0, -0f, 0, 0 },
            new[] { float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN },
            new[] { float.PositiveInfinity, float.NegativeInfinity, float.PositiveInfinity, 1, float.NegativeInfinity, 3 },
            new[] { 2f, 2, 2, 2, 2, 2 },
            new[] { 0f, -1, 4, -1, 4, float.NaN },
        };

        [Theory]
        [InlineData("ArgMax", 0, false)]
        [InlineData("ArgMax", 1, false)]
        [InlineData("ArgMin", 0, false)]
        [InlineData("ArgMin", 1, false)]
        [InlineData("ArgMax", 0, true)]
        [InlineData("ArgMax", 1, true)]
        [InlineData("ArgMin", 0, true)]
        [InlineData("ArgMin", 1, true)]
        public void Arg_reduction_with_ties_nan_and_signed_zero_matches_ort(string op, int selectLast, bool strided)
        {
            int batch = s_specialRows.Length;
            // Strided: [N, 6, 2] reduced over axis 1 (the second column holds each row reversed); else [N, 6] over axis 1.
            float[] x = strided
                ? s_specialRows.SelectMany(r => r.Zip(r.Reverse(), (a, c) => new[] { a, c }).SelectMany(p => p)).ToArray()
                : s_specialRows.SelectMany(r => r).ToArray();
            var b = new ModelBuilder(opset: 13).Input("x", strided ? new long?[] { null, 6, 2 } : new long?[] { null, 6 })
                .Node(op, new[] { "x" }, new[] { "y" }, "head", Int("axis", 1), Int("keepdims", 1), Int("select_last_index", selectLast))
                .Output("y", OnnxDataType.Int64, strided ? new long?[] { null, 1, 2 } : new long?[] { null, 1 });
            AssertMatchesOrt(b, x, batch, strided ? new long[] { 6, 2 } : new long[] { 6 });
        }

        [Theory]
        [InlineData("ArgMax", 0)]
        [InlineData("ArgMax", 1)]
        [InlineData("ArgMin", 0)]
        [InlineData("ArgMin", 1)]
        public void Arg_reduction_after_a_batched_layer_keeps_ties_nan_and_signed_zero_in_the_batch_path(string op, int selectLast)
        {
            // Neg runs in the batch path (it keeps NaN, ties and the zeros' equality): the arg reduction then reads the
            // feature-major group in place (Kernels.ArgReduceBatch), which must follow the same rule as ONNX Runtime.
            int batch = s_specialRows.Length;
            var b = new ModelBuilder(opset: 13).Input("x", null, 6)
                .Node("Neg", new[] { "x" }, new[] { "n" }, "neg")
                .Node(op, new[] { "n" }, new[] { "y" }, "head", Int("axis", 1), Int("keepdims", 0), Int("select_last_index", selectLast))
                .Output("y", OnnxDataType.Int64, new long?[] { null });
            string source = AssertMatchesOrt(b, s_specialRows.SelectMany(r => r).ToArray(), batch, 6);
            Assert.Contains("Kernels.ArgReduceBatch(", source);
        }

        [Theory]
        [InlineData(1, false)]
        [InlineData(0, false)]
        [InlineData(1, true)]
        [InlineData(0, true)]
        public void TopK_keeps_equal_values_in_index_order_like_ort(int largest, bool strided)
        {
            // No NaN here: ONNX leaves its rank open and ONNX Runtime 1.31's order with NaN is not consistent (probed:
            // [1, 3, 2, NaN] largest gives 3, 2, 1 but [1, NaN, 3, 2] gives NaN, 3, 2).
            var rows = new[]
            {
                new[] { 1f, 3, 3, 2, 3, 0 }, new[] { 2f, 2, 2, 2, 2, 2 }, new[] { -0f, 0, 0, -0f, 1, -1 },
                new[] { float.NegativeInfinity, 5, float.PositiveInfinity, 5, 1, float.PositiveInfinity }, new[] { 6f, 5, 4, 3, 2, 1 },
            };
            int batch = rows.Length;
            float[] x = strided
                ? rows.SelectMany(r => r.Zip(r.Reverse(), (a, c) => new[] { a, c }).SelectMany(p => p)).ToArray()
                : rows.SelectMany(r => r).ToArray();
            var b = new ModelBuilder(opset: 11).Input("x", strided ? new long?[] { null, 6, 2 } : new long?[] { null, 6 })
                .Int64Initializer("k", 4)
                .Node("TopK", new[] { "x", "k" }, new[] { "v", "i" }, "top4", Int("axis", 1), Int("largest", largest))
                .Output("v", strided ? new long?[] { null, 4, 2 } : new long?[] { null, 4 })
                .Output("i", OnnxDataType.Int64, strided ? new long?[] { null, 4, 2 } : new long?[] { null, 4 });
            AssertMatchesOrt(b, x, batch, strided ? new long[] { 6, 2 } : new long[] { 6 });
        }

        [Fact]
        public void TopK_ranks_nan_after_every_number()
        {
            // Our documented rule (ONNX Runtime is not consistent here): NaN after the numbers, NaNs in index order.
            var b = new ModelBuilder(opset: 11).Input("x", 6).Int64Initializer("k", 5)
                .Node("TopK", new[] { "x", "k" }, new[] { "v", "i" }, "top5", Int("largest", 1))
                .Output("v", 5).Output("i", OnnxDataType.Int64, 5);
            var model = CompiledModel.Load(b.Build());
            var r = model.PredictTyped(new[] { float.NaN, 1f, 3f, float.NaN, 2f, 1f });
            Assert.Equal(new long[] { 2, 4, 1, 5, 0 }, r.Longs[1]);
            Assert.Equal(new[] { 3f, 2f, 1f, 1f, float.NaN }, r.Floats[0]);
        }

        [Fact]
        public void Indices_reshaped_and_squeezed_stay_long_and_unreturned_indices_are_not_computed()
        {
            var b = new ModelBuilder(opset: 13).Input("x", null, 4)
                .Int64Initializer("k", 2).Int64Initializer("flat", -1).Int64Initializer("axes", 1)
                .Node("ArgMax", new[] { "x" }, new[] { "a" }, "am", Int("axis", 1), Int("keepdims", 1))
                .Node("Reshape", new[] { "a", "flat" }, new[] { "a1" }, "flatten")
                .Node("ArgMin", new[] { "x" }, new[] { "m" }, "amin", Int("axis", 1), Int("keepdims", 1))
                .Node("Squeeze", new[] { "m", "axes" }, new[] { "m1" }, "squeeze")
                .Node("TopK", new[] { "x", "k" }, new[] { "v", "unused" }, "top2", Int("axis", 1))
                .Output("a1", OnnxDataType.Int64, new long?[] { null })
                .Output("m1", OnnxDataType.Int64, new long?[] { null })
                .Output("v", null, 2);
            float[] x = CompiledModel.RandomInput(3 * 4, 5);
            string source = AssertMatchesOrt(b, x, 3, 4);
            Assert.Contains("Span<long> a1, Span<long> m1, Span<float> v)", source);
            Assert.DoesNotContain("TopKIndices", source);
        }

        [Fact]
        public void Same_indices_returned_twice_are_copied_between_long_spans()
        {
            var b = new ModelBuilder(opset: 13).Input("x", null, 5)
                .Node("ArgMax", new[] { "x" }, new[] { "a" }, "am", Int("axis", 1), Int("keepdims", 0))
                .Node("Identity", new[] { "a" }, new[] { "again" }, "copy")
                .Output("a", OnnxDataType.Int64, new long?[] { null })
                .Output("again", OnnxDataType.Int64, new long?[] { null });
            string source = AssertMatchesOrt(b, CompiledModel.RandomInput(3 * 5, 8), 3, 5);
            Assert.Contains("a.CopyTo(again);", source);
        }

        [Fact]
        public void Hostile_index_output_name_stays_inert_in_the_generated_code()
        {
            const string name = "cls*/ \"{x}\" \n// <see cref=\"x\"/> \u202E";
            var b = new ModelBuilder(opset: 13).Input("x", null, 4)
                .Node("ArgMax", new[] { "x" }, new[] { name }, "am */ {", Int("axis", 1), Int("keepdims", 0))
                .Output(name, OnnxDataType.Int64, new long?[] { null });
            float[] x = CompiledModel.RandomInput(2 * 4, 3);
            string source = AssertMatchesOrt(b, x, 2, 4);
            // Compiled without warnings (CompiledModel.Load) and matching ORT; the source is printable ASCII plus newlines.
            int bad = source.IndexOf(source.FirstOrDefault(ch => ch != '\n' && (ch < 0x20 || ch > 0x7E)));
            Assert.True(source.All(ch => ch == '\n' || (ch >= 0x20 && ch <= 0x7E)), $"a non-printable character at {bad}");
            Assert.Contains("Span<long> ", source);
        }

        private static PcgDiagnostic Refusal(ModelBuilder b)
        {
            var result = ModelCompiler.Compile(b.Build(), new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.False(result.Succeeded);
            return Assert.Single(result.Diagnostics, d => d.Severity == PcgSeverity.Error);
        }

        [Fact]
        public void Indices_used_in_arithmetic_are_refused_naming_the_node()
        {
            var b = new ModelBuilder(opset: 13).Input("x", null, 4).Initializer("one", new long[] { 1 }, new[] { 1f })
                .Node("ArgMax", new[] { "x" }, new[] { "a" }, "am", Int("axis", 1))
                .Node("Add", new[] { "a", "one" }, new[] { "y" }, "plus_one")
                .Output("y", null, 1);
            var d = Refusal(b);
            Assert.Equal(DiagnosticIds.UnsupportedDataType, d.Id);
            Assert.Contains("node 'plus_one' (Add)", d.Message);
            Assert.Contains("int64 indices of ArgMax, ArgMin or TopK", d.Message);
        }

        [Fact]
        public void Int64_outputs_other_than_indices_and_integer_inputs_are_still_refused()
        {
            var shape = new ModelBuilder(opset: 13).Input("x", 2, 4)
                .Node("Shape", new[] { "x" }, new[] { "s" }, "shape")
                .Output("s", OnnxDataType.Int64, 2);
            var d = Refusal(shape);
            Assert.Equal(DiagnosticIds.UnsupportedDataType, d.Id);
            Assert.Contains("graph output 's' has element type Int64 but is not the indices output of ArgMax, ArgMin or TopK", d.Message);

            var intInput = new ModelBuilder(opset: 11).Input("x", OnnxDataType.Int64, 2, 4).Int64Initializer("k", 2)
                .Node("TopK", new[] { "x", "k" }, new[] { "v", "i" }, "top2")
                .Output("v", OnnxDataType.Int64, 2, 2).Output("i", OnnxDataType.Int64, 2, 2);
            d = Refusal(intInput);
            Assert.Equal(DiagnosticIds.UnsupportedDataType, d.Id);

            var floatDeclared = new ModelBuilder(opset: 13).Input("x", 2, 4)
                .Node("ArgMax", new[] { "x" }, new[] { "a" }, "am", Int("axis", 1))
                .Output("a", 2, 1);
            d = Refusal(floatDeclared);
            Assert.Equal(DiagnosticIds.UnsupportedDataType, d.Id);
            Assert.Contains("declared Float but computes int64 indices", d.Message);
        }

        [Fact]
        public void TopK_with_a_run_time_or_out_of_range_k_is_refused()
        {
            var runTimeK = new ModelBuilder(opset: 11).Input("x", 2, 4).Input("k", OnnxDataType.Int64, 1)
                .Node("TopK", new[] { "x", "k" }, new[] { "v", "i" }, "top")
                .Output("v", 2, 2).Output("i", OnnxDataType.Int64, 2, 2);
            Assert.Equal(DiagnosticIds.UnsupportedDataType, Refusal(runTimeK).Id);

            var tooLarge = new ModelBuilder(opset: 11).Input("x", 2, 4).Int64Initializer("k", 5)
                .Node("TopK", new[] { "x", "k" }, new[] { "v", "i" }, "top")
                .Output("v", 2, 5).Output("i", OnnxDataType.Int64, 2, 5);
            var d = Refusal(tooLarge);
            Assert.Equal(DiagnosticIds.InvalidNode, d.Id);
            Assert.Contains("node 'top' (TopK): k = 5 is outside [0, 4]", d.Message);
        }

        [Fact]
        public void Arg_reduction_over_the_batch_dim_is_refused()
        {
            var b = new ModelBuilder(opset: 13).Input("x", null, 4)
                .Node("ArgMax", new[] { "x" }, new[] { "a" }, "am", Int("axis", 0))
                .Output("a", OnnxDataType.Int64, 1, 4);
            Assert.Equal(DiagnosticIds.UnknownShape, Refusal(b).Id);
        }
    }
}
