using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrunedCodegen.Emitting;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>
    /// Arrays of 4,096 elements or more are emitted as one base64 blob decoded at type initialisation; smaller ones
    /// stay literals. The blob code must compute exactly what the literal code computed, on every kernel.
    /// </summary>
    public class DataBlobTests
    {
        private static CompileOptions Options(KernelChoice kernel = KernelChoice.Auto) => new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel };

        /// <summary>The code as it was before blobs: every array as element literals.</summary>
        private static CompileOptions LiteralsOnly(CompileOptions options) => options with { BlobMinElements = int.MaxValue };

        private static string Compile(byte[] onnx, CompileOptions options)
        {
            var result = ModelCompiler.Compile(onnx, options);
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            return result.Source!;
        }

        private static GeneratedModel Load(string source)
        {
            var model = GeneratedModel.Load(new[] { source, ModelCompiler.KernelsSource }, "Tests.Model");
            Assert.Empty(model.Warnings);
            return model;
        }

        /// <summary>Every blob a UTF-8 literal, as past the string-literal budget.</summary>
        private static CompileOptions Utf8Only(CompileOptions options) => options with { StringBlobMaxChars = 0 };

        [Theory]
        [InlineData(KernelChoice.Auto, false)]
        [InlineData(KernelChoice.DenseSimd, false)]
        [InlineData(KernelChoice.SparseRows, false)]
        [InlineData(KernelChoice.BlockSparse, false)]
        [InlineData(KernelChoice.Auto, true)]
        [InlineData(KernelChoice.DenseSimd, true)]
        [InlineData(KernelChoice.SparseRows, true)]
        [InlineData(KernelChoice.BlockSparse, true)]
        public void Blob_code_computes_bit_for_bit_what_literal_code_did_and_matches_onnx_runtime(KernelChoice kernel, bool utf8)
        {
            // Layer 0: 100 x 200 = 20,000 weights, 10% zero (~18,000 nonzeros: too many to unroll (16,384), and over the
            // threshold as sparse values and columns too): blobs. Layer 1: 10 x 100 = 1,000 weights, and the biases: literals.
            const int k = 200, n = 10;
            byte[] onnx = Mlp(k, 100, n, seed: 501, zeroFraction: 0.1).Build();
            string blobs = Compile(onnx, utf8 ? Utf8Only(Options(kernel)) : Options(kernel)), literals = Compile(onnx, LiteralsOnly(Options(kernel)));

            Assert.Contains("// Stored as a blob: ", blobs);
            Assert.Equal(utf8, blobs.Contains("\"u8);", StringComparison.Ordinal));
            Assert.Contains($"private static global::System.ArraySegment<T> DecodeBlob<T>(int count, {(utf8 ? "ReadOnlySpan<byte>" : "string")} base64) where T : unmanaged", blobs);
            Assert.Contains("private static ReadOnlySpan<float> Layer0_Bias => new float[]", blobs);
            Assert.DoesNotContain("Stored as a blob", literals);
            Assert.DoesNotContain("DecodeBlob", literals);
            Assert.True(blobs.Length < literals.Length, $"{blobs.Length} vs {literals.Length} chars");

            GeneratedModel withBlobs = Load(blobs), withLiterals = Load(literals);
            const int batch = 7;
            var x = CompiledModel.RandomInput(k * batch, 502);
            var expected = OrtOracle.Run(onnx, OracleInput.Float(x, batch, k))[0].Data;
            var batchBlobs = withBlobs.PredictBatch(batch, x)[0];
            Assert.Equal(withLiterals.PredictBatch(batch, x)[0], batchBlobs);   // exact, element by element
            // Against ONNX Runtime only to rounding: with fan-ins of 200 and 100, float32 summation order alone moves an
            // output by ~1e-5 (the width-generic dense kernel's order differs from ORT's by 1.2e-5 on an output of -0.22).
            Tolerance.AssertClose(expected, batchBlobs, 3e-5f, 1e-5f, $"{kernel} batch vs ONNX Runtime");
            for (int s = 0; s < batch; s++)
            {
                var sample = x.AsSpan(s * k, k).ToArray();
                var one = withBlobs.Predict(sample)[0];
                Assert.Equal(withLiterals.Predict(sample)[0], one);
                Tolerance.AssertClose(expected.AsSpan(s * n, n).ToArray(), one, 3e-5f, 1e-5f, $"{kernel} sample {s} vs ONNX Runtime");
            }
            Assert.Equal(0, withBlobs.AllocatedBytes(new[] { x.AsSpan(0, k).ToArray() }, iterations: 200));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Blob_arrays_start_on_a_64_byte_boundary(bool utf8)
        {
            // A Vector512 load from a misaligned address touches two cache lines; GC-heap arrays are only 8-byte aligned.
            byte[] onnx = Mlp(200, 100, 10, seed: 521).Build();
            var model = Load(Compile(onnx, utf8 ? Utf8Only(Options(KernelChoice.DenseSimd)) : Options(KernelChoice.DenseSimd)));
            model.Predict(new[] { new float[200] });
            var field = model.ModelType.GetField("Layer0_WeightsBlob", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
            Assert.NotNull(field);
            var segment = (ArraySegment<float>)field!.GetValue(null)!;
            Assert.Equal(20_000, segment.Count);
            nint address = System.Runtime.CompilerServices.Unsafe.ByteOffset(ref System.Runtime.CompilerServices.Unsafe.NullRef<float>(), ref segment.Array![segment.Offset]);
            Assert.Equal(0, (long)address % 64);
            // Pinned: a full compacting collection leaves it where it is.
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            nint after = System.Runtime.CompilerServices.Unsafe.ByteOffset(ref System.Runtime.CompilerServices.Unsafe.NullRef<float>(), ref segment.Array![segment.Offset]);
            Assert.Equal(address, after);
        }

        [Fact]
        public void The_threshold_is_4096_elements_per_array()
        {
            string at = Compile(Mlp(64, 64, 3, seed: 511).Build(), Options(KernelChoice.DenseSimd));
            string below = Compile(Mlp(63, 65, 3, seed: 511).Build(), Options(KernelChoice.DenseSimd));
            Assert.Equal(4096, DataBlob.MinElements);
            Assert.Contains("// Stored as a blob: 4096 floats (16384 bytes, little-endian) in base64, decoded once when the class is first used.", at);
            Assert.Contains("private static readonly global::System.ArraySegment<float> Layer0_WeightsBlob = DecodeBlob<float>(4096, \"", at);
            Assert.Contains("\");\n", at.Substring(at.IndexOf("Layer0_WeightsBlob = ", StringComparison.Ordinal)));
            Assert.Contains("private static ReadOnlySpan<float> Layer0_Weights => Layer0_WeightsBlob;", at);
            Assert.DoesNotContain("Stored as a blob", below);
            Assert.Contains("private static ReadOnlySpan<float> Layer0_Weights => new float[]", below);
        }

        [Fact]
        public void Blob_bytes_are_little_endian_ieee_bits_of_every_value()
        {
            var values = new float[] { -0f, 1e-45f, float.NaN, BitConverter.Int32BitsToSingle(0x7FC01234), float.PositiveInfinity, float.NegativeInfinity, 3.4028235e38f, 0.1f, -1.5f };
            var bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
            Assert.Equal(Convert.ToBase64String(bytes), DataBlob.Base64(values));

            var ints = new[] { 0, 1, -1, int.MaxValue, int.MinValue, 0x01020304 };
            bytes = new byte[ints.Length * 4];
            for (int i = 0; i < ints.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), ints[i]);
            Assert.Equal(Convert.ToBase64String(bytes), DataBlob.Base64(ints));
            Assert.Equal(Convert.ToBase64String(bytes).Length, DataBlob.Base64Length(ints.Length));
        }

        [Fact]
        public void A_decoded_blob_keeps_special_values_bit_for_bit()
        {
            // y = x + c with x = 0 returns c; c has 5,000 elements (a blob) with NaN payloads, -0, infinities, subnormals.
            var odd = new float[] { -0f, 1e-45f, BitConverter.Int32BitsToSingle(0x7FC01234), float.PositiveInfinity, float.NegativeInfinity, 3.4028235e38f, -1.17549435e-38f, 0.1f, 16777217f, 1f / 3f };
            var c = Enumerable.Range(0, 5000).Select(i => i % 3 == 0 ? odd[i / 3 % odd.Length] : (float)Math.Sin(i)).ToArray();
            byte[] onnx = new ModelBuilder().Input("x", null, c.Length).Output("y", null, c.Length)
                .Initializer("c", new long[] { c.Length }, c).Node("Add", new[] { "x", "c" }, new[] { "y" }).Build();
            string source = Compile(onnx, Options());
            Assert.Contains("Stored as a blob: 5000 floats", source);
            var y = Load(source).Predict(new float[c.Length])[0];
            var expected = OrtOracle.Run(onnx, OracleInput.Float(new float[c.Length], 1, c.Length))[0].Data;
            for (int i = 0; i < c.Length; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(c[i] == 0 ? 0f : c[i]), BitConverter.SingleToInt32Bits(y[i]));   // 0 + -0 is +0
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(y[i]));
            }
        }

        [Fact]
        public void Blob_source_is_byte_identical_across_runs_and_cultures()
        {
            byte[] onnx = Mlp(96, 80, 10, seed: 521, zeroFraction: 0.3).Build();
            foreach (var options in new[] { Options(KernelChoice.DenseSimd), Options(KernelChoice.SparseRows), Utf8Only(Options()) })
            {
                string reference = Compile(onnx, options);
                Assert.Contains("Stored as a blob", reference);
                Assert.Equal(reference, Compile(onnx, options));
                var original = CultureInfo.CurrentCulture;
                try
                {
                    foreach (var culture in new[] { "fi-FI", "ar-SA", "fa-IR" })
                    {
                        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
                        Assert.Equal(reference, Compile(onnx, options));
                    }
                }
                finally
                {
                    CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = original;
                }
            }
        }

        /// <summary>Two 700 x 700 layers: the first blob (490,000 floats, 2.6M chars) fits the 3M-char string budget, the second does not.</summary>
        private static byte[] TwoLargeLayers(int seed)
        {
            var w = RandomWeights(700 * 700, seed);
            return new ModelBuilder().Input("x", null, 700).Output("y", null, 700)
                .Initializer("W1", new long[] { 700, 700 }, w).Initializer("W2", new long[] { 700, 700 }, w)
                .Node("Gemm", new[] { "x", "W1" }, new[] { "h" }, "fc1", Int("transB", 1))
                .Node("Gemm", new[] { "h", "W2" }, new[] { "y" }, "fc2", Int("transB", 1)).Build();
        }

        [Fact]
        public void Past_the_string_budget_blobs_are_utf8_literals_and_the_model_matches_onnx_runtime()
        {
            byte[] onnx = TwoLargeLayers(541);
            string source = Compile(onnx, Options(KernelChoice.DenseSimd));
            Assert.Contains("private static readonly global::System.ArraySegment<float> Layer0_WeightsBlob = DecodeBlob<float>(490000, \"", source);
            Assert.Contains("private static readonly global::System.ArraySegment<float> Layer1_WeightsBlob = DecodeBlob<float>(490000, \"", source);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(source, "\"u8\\);"));
            Assert.Contains("(int count, string base64)", source);
            Assert.Contains("(int count, ReadOnlySpan<byte> base64)", source);

            var x = CompiledModel.RandomInput(700 * 2, 542);
            var y = Load(source).PredictBatch(2, x)[0];
            // Exactly what the same model computes with both layers in string blobs (bit-exact to literals above).
            Assert.Equal(Load(Compile(onnx, Options(KernelChoice.DenseSimd) with { StringBlobMaxChars = long.MaxValue })).PredictBatch(2, x)[0], y);
            // Two 700-term layers without an activation: outputs up to ~100 from terms summing to thousands, so the
            // summation-order differences from ORT reach ~1e-4 absolute.
            var expected = OrtOracle.Run(onnx, OracleInput.Float(x, 2, 700))[0].Data;
            Tolerance.AssertClose(expected, y, 1e-3f, 1e-4f, "string + UTF-8 blobs vs ONNX Runtime");
        }

        [Fact]
        public void Without_utf8_literals_arrays_past_the_string_budget_stay_literals()
        {
            string source = Compile(TwoLargeLayers(541), Options(KernelChoice.DenseSimd) with { Utf8StringLiterals = false });
            Assert.Contains("private static readonly global::System.ArraySegment<float> Layer0_WeightsBlob = DecodeBlob<float>(490000, \"", source);
            Assert.Contains("private static ReadOnlySpan<float> Layer1_Weights => new float[]", source);
            Assert.DoesNotContain("u8);", source);
        }

        [Fact]
        public void The_generator_takes_utf8_literals_from_the_consumers_language_version()
        {
            string path = GeneratorHarness.WriteTemp(TwoLargeLayers(551));
            foreach (var (version, utf8) in new[] { (LanguageVersion.CSharp10, false), (LanguageVersion.CSharp11, true), (LanguageVersion.CSharp12, true), (LanguageVersion.Preview, true) })
            {
                var parse = new CSharpParseOptions(version);
                var driver = CSharpGeneratorDriver.Create(new[] { new PrunedCodegen.Generator.PrunedModelGenerator().AsSourceGenerator() }, parseOptions: parse);
                var compilation = CSharpCompilation.Create("TestApp", new[] { CSharpSyntaxTree.ParseText("class P { }", parse) }, InMemoryReferences.All,
                    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
                var result = GeneratorHarness.Run(new[] { new GeneratorHarness.ModelItem(path, "Model", "Tests") }, compilation: compilation, driver: driver);
                string source = result.Source("Tests.Model.g.cs");
                Assert.Contains("Layer0_WeightsBlob = DecodeBlob<float>(490000, \"", source);
                Assert.Equal(utf8, source.Contains("Layer1_WeightsBlob = DecodeBlob<float>(490000, \"", StringComparison.Ordinal));
                Assert.Equal(utf8, source.Contains("\"u8);", StringComparison.Ordinal));
            }
        }
    }
}
