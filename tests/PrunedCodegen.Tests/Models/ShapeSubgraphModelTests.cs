using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Shape subgraphs as exporters write them (issue 18): Shape -> Gather -> Unsqueeze -> Concat -> Reshape for
    /// PyTorch's <c>x.view(x.size(0), -1)</c>, box-decoding heads that Slice and Concat, ConstantOfShape/Range
    /// tables, and the indexing ops on run-time data (Slice, Gather with constant indices, Split, Expand, Tile).
    /// Each model is compiled and compared with ONNX Runtime, batched models through PredictBatch with a
    /// batch of 3, so a shape computed for one sample that would break for three is caught.
    /// </summary>
    public class ShapeSubgraphModelTests
    {
        private static string AssertMatchesOrt(ModelBuilder b, int batch = 3, float atol = 1e-5f) =>
            ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch, specials: true, atol: atol, rtol: 1e-5f);

        private static OnnxTensor IntScalar(string name, long value)
        {
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.Int64 };
            t.Int64Data.Add(value);
            return t;
        }

        [Theory]
        [InlineData(11)]
        [InlineData(13)]
        public void Pytorch_view_of_size0_minus_one_flattens_per_sample(int opset)
        {
            // What torch.onnx.export writes for `x = x.view(x.size(0), -1); return self.fc(x)` on a [N, 2, 3, 4] map.
            var b = new ModelBuilder(opset).Input("x", null, 2, 3, 4).Output("y", null, 5)
                .Initializer(IntScalar("zero", 0))
                .Int64Initializer("minus_one", -1)
                .Initializer("w", new long[] { 24, 5 }, RandomWeights(120, 3))
                .Node("Shape", new[] { "x" }, new[] { "shape" }, "Shape_1")
                .Node("Gather", new[] { "shape", "zero" }, new[] { "n" }, "Gather_2", Int("axis", 0));
            if (opset >= 13) b.Int64Initializer("axes0", 0).Node("Unsqueeze", new[] { "n", "axes0" }, new[] { "n1" }, "Unsqueeze_3");
            else b.Node("Unsqueeze", new[] { "n" }, new[] { "n1" }, "Unsqueeze_3", Ints("axes", 0));
            b.Node("Concat", new[] { "n1", "minus_one" }, new[] { "target" }, "Concat_4", Int("axis", 0))
                .Node("Reshape", new[] { "x", "target" }, new[] { "flat" }, "Reshape_5")
                .Node("MatMul", new[] { "flat", "w" }, new[] { "y" }, "MatMul_6");
            string source = AssertMatchesOrt(b);
            // The shape subgraph leaves nothing behind: no code runs for Shape, Gather, Unsqueeze or Concat.
            Assert.DoesNotContain("Shape_1", source);
            Assert.DoesNotContain("Concat_4", source);
        }

        [Fact]
        public void Flatten_with_a_product_of_static_dims_and_reduce_prod()
        {
            // x.view(-1, x.size(1) * x.size(2) * x.size(3)) and x.flatten(1) as tf2onnx-style Slice + ReduceProd.
            var b = new ModelBuilder(13).Input("x", null, 2, 3, 4).Output("y", null, 24).Output("z", null, 24)
                .Int64Initializer("one", 1).Int64Initializer("big", long.MaxValue).Int64Initializer("minus_one", -1)
                .Node("Shape", new[] { "x" }, new[] { "s" })
                .Node("Slice", new[] { "s", "one", "big" }, new[] { "tail" })
                .Node("ReduceProd", new[] { "tail" }, new[] { "features" }, "", Int("keepdims", 1))
                .Node("Concat", new[] { "minus_one", "features" }, new[] { "t1" }, "", Int("axis", 0))
                .Node("Reshape", new[] { "x", "t1" }, new[] { "y" })
                .Node("Slice", new[] { "s", "one", "big" }, new[] { "tail2" })
                .Node("Split", new[] { "tail2" }, new[] { "c", "h", "w" }, "", Int("axis", 0))
                .Node("Mul", new[] { "c", "h" }, new[] { "ch" })
                .Node("Mul", new[] { "ch", "w" }, new[] { "chw" })
                .Node("Slice", new[] { "s", "zero", "one" }, new[] { "n" })
                .Int64Initializer("zero", 0)
                .Node("Concat", new[] { "n", "chw" }, new[] { "t2" }, "", Int("axis", 0))
                .Node("Reshape", new[] { "x", "t2" }, new[] { "z" });
            AssertMatchesOrt(b);
        }

        [Fact]
        public void Box_decoding_head_slices_exps_and_concatenates()
        {
            // A detector head: [N, 8, 4] boxes as (cx, cy, w, h) -> (x1, y1, x2, y2) with Slice, Exp, Sub/Add, Concat.
            var b = new ModelBuilder(13).Input("x", null, 8, 4).Output("boxes", null, 8, 4)
                .Int64Initializer("s0", 0).Int64Initializer("s2", 2).Int64Initializer("s4", 4).Int64Initializer("ax", 2)
                .Initializer("half", new long[] { 1 }, new[] { 0.5f })
                .Node("Slice", new[] { "x", "s0", "s2", "ax" }, new[] { "centre" })
                .Node("Slice", new[] { "x", "s2", "s4", "ax" }, new[] { "logsize" })
                .Node("Exp", new[] { "logsize" }, new[] { "size" })
                .Node("Mul", new[] { "size", "half" }, new[] { "halfsize" })
                .Node("Sub", new[] { "centre", "halfsize" }, new[] { "lo" })
                .Node("Add", new[] { "centre", "halfsize" }, new[] { "hi" })
                .Node("Concat", new[] { "lo", "hi" }, new[] { "boxes" }, "", Int("axis", -1));
            AssertMatchesOrt(b, atol: 1e-4f);
        }

        [Fact]
        public void Slice_with_negative_steps_clamped_bounds_and_axes()
        {
            var b = new ModelBuilder(13).Input("x", null, 7, 6).Output("a", null, 6, 6).Output("b", null, 3, 6).Output("c", null, 7, 6)
                .Int64Initializer("st", -1).Int64Initializer("en", long.MinValue).Int64Initializer("ax1", 1).Int64Initializer("step", -3)
                .Int64Initializer("st2", 1).Int64Initializer("en2", 100).Int64Initializer("ax2", 1).Int64Initializer("step2", 2)
                .Int64Initializer("st3", 0).Int64Initializer("en3", long.MaxValue).Int64Initializer("ax0", 0)
                .Node("Slice", new[] { "x", "st2", "en2", "ax2", "step2" }, new[] { "a0" })  // rows 1, 3, 5: [N, 3, 6]
                .Node("Transpose", new[] { "a0" }, new[] { "a1" }, "", Ints("perm", 0, 2, 1))  // [N, 6, 3]
                .Node("Slice", new[] { "a1", "st3", "en2", "ax2" }, new[] { "a2" })
                .Node("MatMul", new[] { "a2", "w" }, new[] { "a" })
                .Initializer("w", new long[] { 3, 6 }, RandomWeights(18, 9))
                .Node("Slice", new[] { "x", "st", "en", "ax1", "step" }, new[] { "b" })          // rows 6, 3, 0
                .Node("Slice", new[] { "x", "st3", "en3", "ax0" }, new[] { "c" });               // the whole batch
            AssertMatchesOrt(b);
        }

        [Fact]
        public void Gather_with_constant_indices_picks_channels_and_rows()
        {
            // Rows 4, 0, -2 of each sample (axis 1), the last column as a scalar index on axis -1 (the axis disappears).
            var b = new ModelBuilder(13).Input("x", null, 5, 4).Output("y", null, 3, 4).Output("z", null, 5)
                .Int64Initializer("rows", 4, 0, -2)
                .Initializer(IntScalar("col", -1))
                .Node("Gather", new[] { "x", "rows" }, new[] { "y" }, "", Int("axis", 1))
                .Node("Gather", new[] { "x", "col" }, new[] { "z" }, "", Int("axis", -1));
            AssertMatchesOrt(b);
        }

        [Fact]
        public void Gather_of_a_weight_table_by_constant_ids_of_rank_two()
        {
            // An embedding table read with constant ids of shape [2, 3]: folded to a [2, 3, 3] constant.
            var b = new ModelBuilder(13).Input("bias", 3).Output("e", 2, 3, 3)
                .Initializer("table", new long[] { 6, 3 }, RandomWeights(18, 4))
                .Initializer(new OnnxTensor { Name = "ids", DataType = OnnxDataType.Int64, Dims = { 2, 3 }, Int64Data = { 5, 0, 2, 2, 1, -1 } })
                .Node("Gather", new[] { "table", "ids" }, new[] { "e0" }, "", Int("axis", 0))
                .Node("Add", new[] { "e0", "bias" }, new[] { "e" });
            AssertMatchesOrt(b);
        }

        [Fact]
        public void Split_expand_and_tile_on_run_time_data()
        {
            var b = new ModelBuilder(13).Input("x", null, 6, 1).Output("p", null, 2, 1).Output("q", null, 4, 1)
                .Output("r", null, 6, 3).Output("t", null, 12, 2)
                .Int64Initializer("sizes", 2, 4)
                .Int64Initializer("target", 1, 6, 3)
                .Int64Initializer("reps", 1, 2, 2)
                .Node("Split", new[] { "x", "sizes" }, new[] { "p", "q" }, "", Int("axis", 1))
                .Node("Expand", new[] { "x", "target" }, new[] { "r" })
                .Node("Tile", new[] { "x", "reps" }, new[] { "t" });
            AssertMatchesOrt(b);
        }

        [Fact]
        public void Expand_to_the_shape_of_a_batched_tensor()
        {
            // y = x + bias.expand_as(x): Shape(x) (batch symbol first) feeds Expand of a per-feature bias.
            var b = new ModelBuilder(13).Input("x", null, 3, 4).Output("y", null, 3, 4)
                .Initializer("bias", new long[] { 4 }, RandomWeights(4, 2))
                .Node("Shape", new[] { "x" }, new[] { "s" })
                .Node("Expand", new[] { "bias", "s" }, new[] { "be" })
                .Node("Add", new[] { "x", "be" }, new[] { "y" });
            var result = ModelCompiler.Compile(b.Build(), new CompileOptions("Model", "Tests", "model.onnx"));
            // An unbatched constant expanded to the batch size would be a batched constant: refused precisely.
            Assert.False(result.Succeeded);
            Assert.Contains(result.Diagnostics, d => d.Id == DiagnosticIds.UnknownShape && d.Message.Contains("batch"));
        }

        [Fact]
        public void Constant_of_shape_range_cast_and_where_fold_to_tables()
        {
            // A position table built at run time by exporters: Range(0, W) cast to float, a mask from Equal/Where,
            // ConstantOfShape(Shape(x)[1:]) as zeros.
            var b = new ModelBuilder(13).Input("x", null, 5).Output("y", null, 5)
                .Initializer(IntScalar("start", 0)).Initializer(IntScalar("limit", 5)).Initializer(IntScalar("delta", 1))
                .Int64Initializer("one", 1).Int64Initializer("big", 100).Int64Initializer("two", 2)
                .Node("Range", new[] { "start", "limit", "delta" }, new[] { "r" })
                .Node("Cast", new[] { "r" }, new[] { "rf" }, "", Int("to", 1))
                .Node("Mod", new[] { "r", "two" }, new[] { "parity" })
                .Node("Equal", new[] { "parity", "zero" }, new[] { "even" })
                .Initializer(IntScalar("zero", 0))
                .Node("Where", new[] { "even", "r", "zero" }, new[] { "evens" })
                .Node("Cast", new[] { "evens" }, new[] { "ef" }, "", Int("to", 1))
                .Node("Shape", new[] { "x" }, new[] { "s" })
                .Node("Slice", new[] { "s", "one", "big" }, new[] { "tail" })
                .Node("ConstantOfShape", new[] { "tail" }, new[] { "zeros" })
                .Node("Add", new[] { "x", "rf" }, new[] { "a" })
                .Node("Add", new[] { "a", "ef" }, new[] { "b1" })
                .Node("Add", new[] { "b1", "zeros" }, new[] { "y" });
            AssertMatchesOrt(b);
        }

        [Theory]
        [InlineData("mul")]      // N * 2: the batch size itself is needed
        [InlineData("reshape")]  // N at axis 1 of the target
        [InlineData("slice")]    // the first sample only
        public void Batch_dependent_shape_math_names_the_node(string variant)
        {
            var b = new ModelBuilder(13).Input("x", null, 6).Output("y", null, 6)
                .Initializer(IntScalar("zero", 0)).Int64Initializer("two", 2).Int64Initializer("axes0", 0)
                .Node("Shape", new[] { "x" }, new[] { "s" })
                .Node("Gather", new[] { "s", "zero" }, new[] { "n" }, "", Int("axis", 0))
                .Node("Unsqueeze", new[] { "n", "axes0" }, new[] { "n1" });
            switch (variant)
            {
                case "mul":
                    b.Node("Mul", new[] { "n1", "two" }, new[] { "n2" }, "double_the_batch")
                        .Int64Initializer("m1", -1)
                        .Node("Concat", new[] { "n2", "m1" }, new[] { "t" }, "", Int("axis", 0))
                        .Node("Reshape", new[] { "x", "t" }, new[] { "y" });
                    break;
                case "reshape":
                    b.Int64Initializer("six", 6)
                        .Node("Concat", new[] { "six", "n1" }, new[] { "t" }, "", Int("axis", 0))
                        .Node("Reshape", new[] { "x", "t" }, new[] { "y" }, "reshape_to_batch_last");
                    break;
                default:
                    b.Int64Initializer("one", 1)
                        .Node("Slice", new[] { "x", "axes0", "one", "axes0" }, new[] { "y" }, "first_sample");
                    break;
            }
            var result = ModelCompiler.Compile(b.Build(), new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.False(result.Succeeded);
            var d = Assert.Single(result.Diagnostics, x => x.Severity == PcgSeverity.Error);
            Assert.Equal(DiagnosticIds.UnknownShape, d.Id);
            Assert.Contains(variant switch { "mul" => "double_the_batch", "reshape" => "reshape_to_batch_last", _ => "first_sample" }, d.Message);
        }
    }
}
