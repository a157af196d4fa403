using System;
using System.Linq;
using System.Text;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Hand-built convolutional graphs (Conv, pools, BatchNorm, filter pruning) over grids of strides, pads,
    /// auto_pad, dilations, groups and ceil_mode, with random sparsity and dead filters, compared with ONNX Runtime.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class ConvOpModelTests
    {
        private static OnnxAttribute Ints(string name, params long[] values)
        {
            var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        private static OnnxAttribute Str(string name, string value) =>
            new OnnxAttribute { Name = name, Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes(value) };

        /// <summary>Compiles the model, runs `batch` random samples (or the fixed tensor) and compares every output with ORT.</summary>
        /// <remarks>
        /// Every conv kernel runs: Kernel=dense forces the tile kernel (stride 1, small enough), else the channel kernel;
        /// Kernel=block the channel kernel (where it applies); Kernel=sparse the tap kernel; Kernel=direct the direct kernel (group 1).
        /// </remarks>
        private static void AssertMatchesOrt(ModelBuilder builder, long?[] inputDims, int batch = 2, float atol = 2e-5f)
        {
            byte[] onnx = builder.Build();
            foreach (var kernel in new[] { KernelChoice.DenseSimd, KernelChoice.BlockSparse, KernelChoice.SparseRows, KernelChoice.Direct })
            {
                var model = CompiledModel.Load(onnx, kernel);
                bool batched = inputDims[0] == null;
                var data = CompiledModel.RandomInput(model.InputLengths[0] * (batched ? batch : 1), 7, 2f);
                var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, inputDims.Select(d => d ?? batch).ToArray()));
                var actual = batched ? model.PredictBatch(batch, data) : model.Predict(data);
                Tolerance.AssertClose(expected[0].Data, actual[0], atol, 1e-5f, $"output vs ONNX Runtime ({kernel})");
            }
        }

        /// <summary>Weights with random zeros and, when asked, whole filters (and their bias) set to zero.</summary>
        private static (float[] W, float[] B) Filters(int m, int perFilter, int seed, double zeroFraction, int[] deadFilters)
        {
            var w = RandomWeights(m * perFilter, seed, zeroFraction);
            var b = RandomWeights(m, seed + 1);
            foreach (int f in deadFilters)
            {
                Array.Clear(w, f * perFilter, perFilter);
                b[f] = 0f;
            }
            return (w, b);
        }

        // c, h, w, m, kernel, stride, pads (t,l,b,r or empty), dilation, group, auto_pad, zero fraction
        [Theory]
        [InlineData(3, 9, 9, 4, 3, 1, "", 1, 1, "NOTSET", 0.0)]
        [InlineData(3, 9, 9, 4, 3, 1, "1,1,1,1", 1, 1, "NOTSET", 0.5)]
        [InlineData(3, 10, 7, 5, 3, 2, "1,1,1,1", 1, 1, "NOTSET", 0.3)]
        [InlineData(3, 10, 7, 5, 3, 2, "0,1,2,1", 1, 1, "NOTSET", 0.0)]
        [InlineData(2, 11, 11, 3, 3, 1, "2,2,2,2", 2, 1, "NOTSET", 0.2)]
        [InlineData(4, 8, 9, 6, 3, 1, "1,0,1,0", 1, 2, "NOTSET", 0.4)]
        [InlineData(4, 8, 9, 4, 3, 1, "1,1,1,1", 1, 4, "NOTSET", 0.0)]        // depthwise
        [InlineData(4, 8, 9, 8, 3, 2, "", 1, 4, "SAME_UPPER", 0.3)]          // depthwise x2
        [InlineData(3, 9, 8, 4, 4, 2, "", 1, 1, "SAME_UPPER", 0.0)]
        [InlineData(3, 9, 8, 4, 4, 2, "", 1, 1, "SAME_LOWER", 0.5)]
        [InlineData(3, 9, 8, 4, 2, 3, "", 2, 1, "VALID", 0.0)]
        [InlineData(16, 20, 20, 24, 3, 1, "1,1,1,1", 1, 1, "NOTSET", 0.9)]   // rows of 20: Vector512 + Vector128 tail
        [InlineData(1, 5, 37, 2, 5, 1, "2,2,2,2", 1, 1, "NOTSET", 0.0)]      // long rows: every vector width and a scalar tail
        [InlineData(2, 6, 6, 3, 1, 1, "", 1, 1, "NOTSET", 0.0)]              // 1x1 conv
        [InlineData(1, 8, 8, 16, 3, 1, "1,1,1,1", 1, 1, "NOTSET", 0.0)]      // digits conv1 geometry: tiles, 3 steps of 32 positions
        [InlineData(16, 4, 4, 32, 3, 1, "1,1,1,1", 1, 1, "NOTSET", 0.5)]     // digits conv2 geometry: tiles, one step
        [InlineData(3, 7, 5, 6, 3, 1, "0,2,1,0", 1, 1, "NOTSET", 0.3)]       // tiles: 6 filters (a half tile), uneven pads
        [InlineData(2, 3, 2, 5, 2, 1, "", 1, 1, "NOTSET", 0.0)]              // tiles: 2x1 output, one position per row
        [InlineData(5, 12, 40, 9, 3, 1, "", 3, 1, "NOTSET", 0.6)]            // tiles: dilation 3, long rows, several steps
        [InlineData(2, 5, 5, 4, 3, 1, "1,1,1,1", 1, 1, "NOTSET", 0.95)]      // tiles: nearly all taps zero
        public void Conv2D_matches_ORT(int c, int h, int w, int m, int k, int stride, string pads, int dilation, int group, string autoPad, double zeroFraction)
        {
            var (weights, bias) = Filters(m, c / group * k * k, c * 31 + m, zeroFraction, m > 2 ? new[] { 1 } : Array.Empty<int>());
            var attrs = new System.Collections.Generic.List<OnnxAttribute>
            {
                Ints("kernel_shape", k, k), Ints("strides", stride, stride), Ints("dilations", dilation, dilation), Int("group", group),
            };
            if (pads.Length > 0) attrs.Add(Ints("pads", pads.Split(',').Select(long.Parse).ToArray()));
            if (autoPad != "NOTSET") attrs.Add(Str("auto_pad", autoPad));
            var builder = new ModelBuilder().Input("x", null, c, h, w).Output("y", null, null, null, null)
                .Initializer("W", new long[] { m, c / group, k, k }, weights)
                .Initializer("B", new long[] { m }, bias)
                .Node("Conv", new[] { "x", "W", "B" }, new[] { "y" }, "conv", attrs.ToArray());
            AssertMatchesOrt(builder, new long?[] { null, c, h, w });
        }

        [Theory]
        [InlineData(3, 20, 4, 5, 1, "", 1, 1)]
        [InlineData(3, 20, 4, 5, 2, "2,1", 1, 1)]
        [InlineData(4, 19, 4, 3, 1, "2,2", 2, 4)]
        public void Conv1D_matches_ORT(int c, int length, int m, int k, int stride, string pads, int dilation, int group)
        {
            var (weights, bias) = Filters(m, c / group * k, 5, 0.3, Array.Empty<int>());
            var attrs = new System.Collections.Generic.List<OnnxAttribute> { Ints("strides", stride), Ints("dilations", dilation), Int("group", group) };
            if (pads.Length > 0) attrs.Add(Ints("pads", pads.Split(',').Select(long.Parse).ToArray()));
            var builder = new ModelBuilder().Input("x", null, c, length).Output("y", null, null, null)
                .Initializer("W", new long[] { m, c / group, k }, weights)
                .Initializer("B", new long[] { m }, bias)
                .Node("Conv", new[] { "x", "W", "B" }, new[] { "y" }, "conv1d", attrs.ToArray());
            AssertMatchesOrt(builder, new long?[] { null, c, length });
        }

        // kind, kernel, stride, pads, ceil_mode, count_include_pad, dilation, auto_pad
        [Theory]
        [InlineData("MaxPool", 2, 2, "", 0, 0, 1, "NOTSET")]
        [InlineData("MaxPool", 3, 2, "1,1,1,1", 1, 0, 1, "NOTSET")]
        [InlineData("MaxPool", 3, 1, "", 0, 0, 2, "NOTSET")]
        [InlineData("MaxPool", 3, 2, "", 0, 0, 1, "SAME_UPPER")]
        [InlineData("MaxPool", 2, 2, "", 1, 0, 1, "NOTSET")]
        [InlineData("AveragePool", 3, 2, "1,1,1,1", 0, 0, 1, "NOTSET")]
        [InlineData("AveragePool", 3, 2, "1,1,1,1", 0, 1, 1, "NOTSET")]
        [InlineData("AveragePool", 3, 2, "1,0,0,1", 1, 1, 1, "NOTSET")]
        [InlineData("AveragePool", 2, 2, "", 1, 0, 1, "NOTSET")]
        [InlineData("AveragePool", 3, 2, "", 0, 0, 1, "SAME_LOWER")]
        public void Pool_matches_ORT(string op, int k, int stride, string pads, int ceil, int includePad, int dilation, string autoPad)
        {
            var attrs = new System.Collections.Generic.List<OnnxAttribute> { Ints("kernel_shape", k, k), Ints("strides", stride, stride), Int("ceil_mode", ceil) };
            if (pads.Length > 0) attrs.Add(Ints("pads", pads.Split(',').Select(long.Parse).ToArray()));
            if (autoPad != "NOTSET") attrs.Add(Str("auto_pad", autoPad));
            if (dilation != 1) attrs.Add(Ints("dilations", dilation, dilation));
            if (op == "AveragePool") attrs.Add(Int("count_include_pad", includePad));
            var builder = new ModelBuilder(op == "AveragePool" && dilation != 1 ? 19 : 13).Input("x", null, 3, 9, 8).Output("y", null, null, null, null)
                .Node(op, new[] { "x" }, new[] { "y" }, "pool", attrs.ToArray());
            AssertMatchesOrt(builder, new long?[] { null, 3, 9, 8 });
        }

        /// <summary>2x2 stride-2 max pooling (its own vector kernel) over widths that need overlapping vectors or none.</summary>
        [Theory]
        [InlineData(4, 4)]
        [InlineData(8, 8)]
        [InlineData(5, 6)]
        [InlineData(7, 10)]
        [InlineData(6, 19)]
        [InlineData(3, 3)]
        [InlineData(2, 2)]
        public void MaxPool_2x2_matches_ORT(int h, int w)
        {
            var builder = new ModelBuilder().Input("x", null, 3, h, w).Output("y", null, null, null, null)
                .Node("MaxPool", new[] { "x" }, new[] { "y" }, "pool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
            AssertMatchesOrt(builder, new long?[] { null, 3, h, w });
        }

        [Fact]
        public void Auto_picks_the_tile_kernel_for_small_stride_1_convs()
        {
            var (weights, bias) = Filters(32, 16 * 9, 3, 0.0, Array.Empty<int>());
            var builder = new ModelBuilder().Input("x", null, 16, 4, 4).Output("y", null, null, null, null)
                .Initializer("W", new long[] { 32, 16, 3, 3 }, weights).Initializer("B", new long[] { 32 }, bias)
                .Node("Conv", new[] { "x", "W", "B" }, new[] { "c" }, "conv", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
                .Node("Relu", new[] { "c" }, new[] { "y" });
            string source = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("Kernels.ConvTiles(", source);
            Assert.Contains("relu: true", source);
            Assert.DoesNotContain("Kernels.Relu(", source);
        }

        [Theory]
        [InlineData("GlobalAveragePool")]
        [InlineData("GlobalMaxPool")]
        public void Global_pools_match_ORT(string op)
        {
            AssertMatchesOrt(new ModelBuilder().Input("x", null, 5, 7, 9).Output("y", null, 5, 1, 1).Node(op, new[] { "x" }, new[] { "y" }), new long?[] { null, 5, 7, 9 });
        }

        /// <summary>Conv-BN-Relu-MaxPool twice, then Flatten and Gemm, with dead filters in both convs: BN folds, filters go.</summary>
        [Theory]
        [InlineData(0.0, false)]
        [InlineData(0.5, true)]
        public void Small_cnn_with_batchnorm_and_dead_filters_matches_ORT(double zeroFraction, bool deadFilters)
        {
            var (w1, b1) = Filters(8, 2 * 9, 11, zeroFraction, deadFilters ? new[] { 0, 3, 4 } : Array.Empty<int>());
            var (w2, b2) = Filters(6, 8 * 9, 12, zeroFraction, deadFilters ? new[] { 2, 5 } : Array.Empty<int>());
            var builder = new ModelBuilder().Input("x", null, 2, 8, 8).Output("y", null, 5)
                .Initializer("W1", new long[] { 8, 2, 3, 3 }, w1).Initializer("B1", new long[] { 8 }, b1)
                .Initializer("W2", new long[] { 6, 8, 3, 3 }, w2).Initializer("B2", new long[] { 6 }, b2);
            foreach (var (name, c, seed) in new[] { ("bn1", 8, 20), ("bn2", 6, 30) })
            {
                // A dead filter also gets a zero BN scale and shift, as the fixture script prunes them, so it stays exactly 0.
                var scale = RandomWeights(c, seed).Select(v => 0.5f + Math.Abs(v)).ToArray();
                var shift = RandomWeights(c, seed + 1);
                foreach (int f in deadFilters ? (name == "bn1" ? new[] { 0, 3, 4 } : new[] { 2, 5 }) : Array.Empty<int>()) { scale[f] = 0f; shift[f] = 0f; }
                builder.Initializer(name + "_s", new long[] { c }, scale).Initializer(name + "_b", new long[] { c }, shift)
                    .Initializer(name + "_m", new long[] { c }, RandomWeights(c, seed + 2))
                    .Initializer(name + "_v", new long[] { c }, RandomWeights(c, seed + 3).Select(v => 0.2f + Math.Abs(v)).ToArray());
            }
            builder.Initializer("Wfc", new long[] { 5, 6 * 2 * 2 }, RandomWeights(5 * 24, 40)).Initializer("bfc", new long[] { 5 }, RandomWeights(5, 41))
                .Node("Conv", new[] { "x", "W1", "B1" }, new[] { "c1" }, "conv1", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
                .Node("BatchNormalization", new[] { "c1", "bn1_s", "bn1_b", "bn1_m", "bn1_v" }, new[] { "n1" }, "bn1", Float("epsilon", 1e-3f))
                .Node("Relu", new[] { "n1" }, new[] { "r1" })
                .Node("MaxPool", new[] { "r1" }, new[] { "p1" }, "pool1", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))
                .Node("Conv", new[] { "p1", "W2", "B2" }, new[] { "c2" }, "conv2", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
                .Node("BatchNormalization", new[] { "c2", "bn2_s", "bn2_b", "bn2_m", "bn2_v" }, new[] { "n2" }, "bn2")
                .Node("Relu", new[] { "n2" }, new[] { "r2" })
                .Node("MaxPool", new[] { "r2" }, new[] { "p2" }, "pool2", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))
                .Node("Flatten", new[] { "p2" }, new[] { "f" })
                .Node("Gemm", new[] { "f", "Wfc", "bfc" }, new[] { "y" }, "fc", Int("transB", 1));
            AssertMatchesOrt(builder, new long?[] { null, 2, 8, 8 }, batch: 3);

            string source = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.DoesNotContain("ChannelAffine", source);    // both BatchNorms folded into their convs
            if (deadFilters)
            {
                Assert.Contains("Conv+Relu (-0 in, -3 out)", source);
                Assert.Contains("Conv+Relu (-3 in, -2 out)", source);
                Assert.Contains("Dense (-8 in, -0 out)", source);
            }
        }

        [Fact]
        public void Standalone_and_runtime_batchnorm_match_ORT()
        {
            // On the input (nothing to fold into): a per-channel affine layer.
            AssertMatchesOrt(new ModelBuilder().Input("x", null, 4, 3, 5).Output("y", null, 4, 3, 5)
                .Initializer("s", new long[] { 4 }, RandomWeights(4, 1)).Initializer("b", new long[] { 4 }, RandomWeights(4, 2))
                .Initializer("m", new long[] { 4 }, RandomWeights(4, 3)).Initializer("v", new long[] { 4 }, RandomWeights(4, 4).Select(Math.Abs).ToArray())
                .Node("BatchNormalization", new[] { "x", "s", "b", "m", "v" }, new[] { "y" }), new long?[] { null, 4, 3, 5 });
            // After a Gemm: folded into the dense layer.
            var builder = new ModelBuilder().Input("x", null, 6).Output("y", null, 4)
                .Initializer("W", new long[] { 4, 6 }, RandomWeights(24, 5)).Initializer("c", new long[] { 4 }, RandomWeights(4, 6))
                .Initializer("s", new long[] { 4 }, RandomWeights(4, 1)).Initializer("b", new long[] { 4 }, RandomWeights(4, 2))
                .Initializer("m", new long[] { 4 }, RandomWeights(4, 3)).Initializer("v", new long[] { 4 }, RandomWeights(4, 4).Select(Math.Abs).ToArray())
                .Node("Gemm", new[] { "x", "W", "c" }, new[] { "h" }, "fc", Int("transB", 1))
                .Node("BatchNormalization", new[] { "h", "s", "b", "m", "v" }, new[] { "n" })
                .Node("Relu", new[] { "n" }, new[] { "y" });
            AssertMatchesOrt(builder, new long?[] { null, 6 });
            string source = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("Dense+Relu", source);
            Assert.DoesNotContain("ChannelAffine", source);
        }

        [Fact]
        public void Conv_with_runtime_weights_matches_ORT()
        {
            var builder = new ModelBuilder().Input("x", 2, 3, 6, 6).Input("W", 4, 3, 3, 3).Output("y", 2, 4, 3, 3)
                .Node("Conv", new[] { "x", "W" }, new[] { "y" }, "conv", Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx);
            var x = CompiledModel.RandomInput(2 * 3 * 36, 1);
            var w = RandomWeights(4 * 27, 2, 0.3);
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 2, 3, 6, 6), OracleInput.Float("W", w, 4, 3, 3, 3));
            Tolerance.AssertClose(expected[0].Data, model.Predict(x, w)[0], 2e-5f, 1e-5f, "runtime-weight conv vs ONNX Runtime");
        }

        [Fact]
        public void Bad_conv_and_pool_nodes_get_diagnostics()
        {
            string Compile(ModelBuilder b) => string.Join(";", ModelCompiler.Compile(b.Build(), new CompileOptions("Model", "Tests", "model.onnx")).Diagnostics.Select(d => d.Id));
            // W's channels do not match the input's with this group.
            Assert.Equal("PCG0009", Compile(new ModelBuilder().Input("x", null, 3, 5, 5).Output("y", null, 2, 3, 3)
                .Initializer("W", new long[] { 2, 2, 3, 3 }, RandomWeights(36, 1)).Node("Conv", new[] { "x", "W" }, new[] { "y" })));
            // Window larger than the padded input.
            Assert.Equal("PCG0009", Compile(new ModelBuilder().Input("x", null, 1, 2, 2).Output("y", null, 1, 1, 1)
                .Node("MaxPool", new[] { "x" }, new[] { "y" }, "", Ints("kernel_shape", 3, 3))));
            // MaxPool's Indices output is int64.
            Assert.Equal("PCG0005", Compile(new ModelBuilder().Input("x", null, 1, 4, 4).Output("y", null, 1, 2, 2)
                .Node("MaxPool", new[] { "x" }, new[] { "y", "i" }, "", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))));
            // Training-mode BatchNorm.
            Assert.Equal("PCG0004", Compile(new ModelBuilder().Input("x", 2, 2, 3).Output("y", 2, 2, 3)
                .Initializer("s", new long[] { 2 }, new[] { 1f, 1f }).Initializer("b", new long[] { 2 }, new[] { 0f, 0f })
                .Initializer("m", new long[] { 2 }, new[] { 0f, 0f }).Initializer("v", new long[] { 2 }, new[] { 1f, 1f })
                .Node("BatchNormalization", new[] { "x", "s", "b", "m", "v" }, new[] { "y" }, "", Int("training_mode", 1))));
            // A 4-D spatial input.
            Assert.Equal("PCG0009", Compile(new ModelBuilder().Input("x", null, 1, 2, 2, 2, 2).Output("y", null, 1, 1, 1, 1, 1)
                .Node("GlobalMaxPool", new[] { "x" }, new[] { "y" })));
        }
    }
}
