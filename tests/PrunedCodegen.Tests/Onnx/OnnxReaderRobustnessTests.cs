using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Onnx
{
    /// <summary>Hostile input: truncation, random mutation, random bytes. Only OnnxFormatException may escape.</summary>
    public class OnnxReaderRobustnessTests
    {
        private readonly ITestOutputHelper _output;

        public OnnxReaderRobustnessTests(ITestOutputHelper output) => _output = output;

        private static byte[] RealModel(string test) => File.ReadAllBytes(Path.Combine(TestPaths.OnnxNodeTestsDir, test, "model.onnx"));

        public static IEnumerable<object[]> TruncationSources() => new[]
        {
            new object[] { "test_gelu_tanh_1_expanded" },   // the largest node-test model: many nodes and Constant tensors
            new object[] { "test_gemm_all_attributes" },
            new object[] { "test_identity_opt" },           // optional(sequence(tensor)) types
            new object[] { "hand-built" },
        };

        [Theory]
        [MemberData(nameof(TruncationSources))]
        public void EveryPrefix_FailsWithOnnxFormatException_UnlessItEndsBetweenTopLevelFields(string source)
        {
            byte[] model = source == "hand-built" ? OnnxWriter.Write(SampleModels.EveryField()) : RealModel(source);
            // Where top-level fields end, and whether the graph (field 7) is complete there: found independently.
            var boundaries = new Dictionary<int, bool>();
            bool graphSeen = false;
            int pos = 0;
            while (pos < model.Length)
            {
                ulong tag = ReadVarint(model, ref pos);
                switch ((int)(tag & 7))
                {
                    case 0: ReadVarint(model, ref pos); break;
                    case 2:
                        int length = (int)ReadVarint(model, ref pos);
                        pos += length;
                        break;
                    default: throw new InvalidOperationException("unexpected top-level wire type");
                }
                graphSeen |= (tag >> 3) == 7;
                boundaries[pos] = graphSeen;
            }
            Assert.Equal(model.Length, pos);

            int successes = 0;
            for (int length = 0; length < model.Length; length++)
            {
                byte[] prefix = model.AsSpan(0, length).ToArray();
                bool shouldParse = boundaries.TryGetValue(length, out bool hasGraph) && hasGraph;
                Exception? error = Record(() => OnnxReader.Read(prefix));
                if (shouldParse)
                {
                    Assert.True(error == null, $"prefix of {length} bytes ends between fields after the graph but failed: {error}");
                    successes++;
                }
                else
                {
                    Assert.True(error is OnnxFormatException, $"prefix of {length} bytes: expected OnnxFormatException, got {(error == null ? "success" : error.ToString())}");
                }
            }
            _output.WriteLine($"{model.Length} prefixes, {successes} parse (they end between top-level fields, after the graph)");
        }

        [Fact]
        public void EveryPrefix_OfATensorFile_FailsWithOnnxFormatExceptionOnly()
        {
            byte[] pb = File.ReadAllBytes(Path.Combine(TestPaths.OnnxNodeTestsDir, "test_conv_with_strides_padding", "test_data_set_0", "input_1.pb"));
            for (int length = 0; length < pb.Length; length++)
            {
                byte[] prefix = pb.AsSpan(0, length).ToArray();
                Exception? error = Record(() => OnnxTensorData.ToFloats(OnnxReader.ReadTensor(prefix)));
                Assert.True(error == null || error is OnnxFormatException, $"prefix of {length} bytes: {error}");
            }
        }

        [Fact]
        public void RandomMutations_OfValidModels_EndInSuccessOrOnnxFormatException()
        {
            byte[][] seeds =
            {
                OnnxWriter.Write(SampleModels.EveryField()),
                RealModel("test_gelu_tanh_1_expanded"),
                RealModel("test_conv_with_strides_padding"),
                RealModel("test_identity_sequence"),
                RealModel("test_add"),
            };
            var rng = new Random(20261125);
            int successes = 0, rejected = 0, rewritten = 0;
            var messages = new HashSet<string>();
            for (int iteration = 0; iteration < 2000; iteration++)
            {
                byte[] seed = seeds[rng.Next(seeds.Length)];
                var mutations = new List<string>();
                byte[] input = Mutate(seed, rng, mutations);
                string context = $"iteration {iteration} ({string.Join("; ", mutations)})";
                try
                {
                    OnnxModel model = OnnxReader.Read(input);
                    successes++;
                    ExerciseTensors(model);
                    byte[] written;
                    try
                    {
                        written = OnnxWriter.Write(model);
                    }
                    catch (NotSupportedException)
                    {
                        continue;
                    }
                    // Whatever was read and written must read back, and writing is idempotent.
                    Assert.Equal(written, OnnxWriter.Write(OnnxReader.Read(written)));
                    rewritten++;
                }
                catch (OnnxFormatException e)
                {
                    rejected++;
                    messages.Add(System.Text.RegularExpressions.Regex.Replace(e.Message, @"\d+", "N"));
                }
                catch (Exception e)
                {
                    Assert.Fail($"{context}: {e}\ninput: {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 512)))}");
                }
            }
            _output.WriteLine($"2000 mutations: {successes} read ({rewritten} rewritten and re-read), {rejected} rejected with {messages.Count} distinct messages:");
            foreach (string m in messages.OrderBy(m => m, StringComparer.Ordinal).Take(60))
                _output.WriteLine("  " + m);
            Assert.True(successes > 100 && rejected > 100, $"mutations too mild or too harsh: {successes} read, {rejected} rejected");
        }

        [Fact]
        public void RandomMutations_OfTensorFiles_EndInSuccessOrOnnxFormatException()
        {
            string set = Path.Combine(TestPaths.OnnxNodeTestsDir, "test_conv_with_strides_padding", "test_data_set_0");
            byte[][] seeds =
            {
                File.ReadAllBytes(Path.Combine(set, "input_1.pb")),
                File.ReadAllBytes(Path.Combine(TestPaths.OnnxNodeTestsDir, "test_quantizelinear_int4", "test_data_set_0", "output_0.pb")),
                OnnxWriter.WriteTensor(SampleModels.Tensor("i", OnnxDataType.Int64, new long[] { 2, 2 }, t => t.Int64Data.AddRange(new[] { 1L, -2, 3, -4 }))),
                OnnxWriter.WriteTensor(SampleModels.Tensor("d", OnnxDataType.Double, new long[] { 3 }, t => t.DoubleData.AddRange(new[] { 1.0, 2, 3 }))),
            };
            var rng = new Random(7);
            for (int iteration = 0; iteration < 1000; iteration++)
            {
                var mutations = new List<string>();
                byte[] input = Mutate(seeds[rng.Next(seeds.Length)], rng, mutations);
                Exception? error = Record(() =>
                {
                    OnnxTensor t = OnnxReader.ReadTensor(input);
                    ExerciseTensor(t);
                });
                Assert.True(error == null || error is OnnxFormatException, $"iteration {iteration} ({string.Join("; ", mutations)}): {error}");
            }
        }

        [Fact]
        public void RandomBytes_EndInSuccessOrOnnxFormatException()
        {
            var rng = new Random(42);
            for (int iteration = 0; iteration < 3000; iteration++)
            {
                var bytes = new byte[rng.Next(1, 400)];
                rng.NextBytes(bytes);
                if (iteration % 3 == 0)
                    bytes[0] = 0x3A; // start with a graph tag so that the nested readers are reached more often
                Exception? error = Record(() => OnnxReader.Read(bytes));
                Assert.True(error == null || error is OnnxFormatException, $"iteration {iteration}: {error}\n{Convert.ToHexString(bytes)}");
                error = Record(() => ExerciseTensor(OnnxReader.ReadTensor(bytes)));
                Assert.True(error == null || error is OnnxFormatException, $"iteration {iteration} as tensor: {error}\n{Convert.ToHexString(bytes)}");
            }
        }

        private static byte[] Mutate(byte[] seed, Random rng, List<string> log)
        {
            var data = new List<byte>(seed);
            int count = rng.Next(1, 5);
            for (int m = 0; m < count; m++)
            {
                if (data.Count == 0)
                    data.Add(0);
                int at = rng.Next(data.Count);
                switch (rng.Next(8))
                {
                    case 0:
                        int bit = rng.Next(8);
                        data[at] ^= (byte)(1 << bit);
                        log.Add($"flip bit {bit} at {at}");
                        break;
                    case 1:
                        byte value = new byte[] { 0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x3A, (byte)rng.Next(256) }[rng.Next(9)];
                        data[at] = value;
                        log.Add($"set {at} to {value:X2}");
                        break;
                    case 2:
                        int keep = rng.Next(data.Count);
                        data.RemoveRange(keep, data.Count - keep);
                        log.Add($"truncate to {keep}");
                        break;
                    case 3:
                    {
                        int length = rng.Next(1, Math.Min(64, data.Count - at) + 1);
                        byte[] copy = data.GetRange(at, length).ToArray();
                        int to = rng.Next(data.Count + 1);
                        data.InsertRange(to, copy);
                        log.Add($"duplicate {length} bytes from {at} to {to}");
                        break;
                    }
                    case 4:
                    {
                        var inserted = new byte[rng.Next(1, 9)];
                        rng.NextBytes(inserted);
                        data.InsertRange(at, inserted);
                        log.Add($"insert {Convert.ToHexString(inserted)} at {at}");
                        break;
                    }
                    case 5:
                    {
                        int length = rng.Next(1, Math.Min(16, data.Count - at) + 1);
                        data.RemoveRange(at, length);
                        log.Add($"delete {length} bytes at {at}");
                        break;
                    }
                    case 6:
                        // A huge varint where a length probably was.
                        data.InsertRange(at, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x07 });
                        log.Add($"insert huge varint at {at}");
                        break;
                    default:
                        data[at] = (byte)(data[at] + 1);
                        log.Add($"increment byte {at}");
                        break;
                }
            }
            return data.ToArray();
        }

        private static void ExerciseTensors(OnnxModel model)
        {
            foreach (OnnxTensor t in model.Graph!.Initializers)
                ExerciseTensor(t);
            foreach (OnnxAttribute a in model.Graph.Nodes.SelectMany(n => n.Attributes))
            {
                if (a.T != null)
                    ExerciseTensor(a.T);
            }
        }

        /// <summary>Decodes a tensor every way; only OnnxFormatException may come out.</summary>
        private static void ExerciseTensor(OnnxTensor t)
        {
            foreach (Action decode in new Action[] { () => OnnxTensorData.ElementCount(t), () => OnnxTensorData.ToFloats(t), () => OnnxTensorData.ToInt64s(t) })
            {
                try
                {
                    decode();
                }
                catch (OnnxFormatException)
                {
                }
            }
        }

        private static Exception? Record(Action action)
        {
            try
            {
                action();
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        }

        private static ulong ReadVarint(byte[] b, ref int pos)
        {
            ulong value = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte x = b[pos++];
                value |= (ulong)(x & 0x7F) << shift;
                if (x < 0x80)
                    return value;
            }
        }
    }
}
