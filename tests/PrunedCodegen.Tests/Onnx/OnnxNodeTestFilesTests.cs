using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using PrunedCodegen.Onnx;
using Xunit;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Onnx
{
    /// <summary>
    /// Reads the real files of the ONNX backend node tests (shared/onnx-node-tests) and checks them against
    /// INDEX.tsv, which was generated from the same files by other tools.
    /// </summary>
    public class OnnxNodeTestFilesTests
    {
        private readonly ITestOutputHelper _output;

        public OnnxNodeTestFilesTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void Index_ListsEveryFolder()
        {
            string[] folders = Directory.GetDirectories(Infrastructure.TestPaths.OnnxNodeTestsDir)
                .Select(Path.GetFileName).Select(n => n!).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            string[] indexed = NodeTestData.Cases.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(folders, indexed);
            Assert.True(indexed.Length >= 300, $"only {indexed.Length} node tests found");
        }

        [Fact]
        public void EveryModel_Reads_AndAgreesWithIndex()
        {
            var failures = new List<string>();
            foreach (NodeTestCase c in NodeTestData.Cases)
            {
                try
                {
                    OnnxModel m = OnnxReader.Read(File.ReadAllBytes(c.ModelPath));
                    OnnxGraph g = m.Graph!;
                    Check(failures, c, "ir_version", c.IrVersion, m.IrVersion.ToString(CultureInfo.InvariantCulture));
                    Check(failures, c, "opset", c.Opset, string.Join(",", m.OpsetImports.Select(o => (o.Domain.Length == 0 ? "ai.onnx" : o.Domain) + "=" + o.Version.ToString(CultureInfo.InvariantCulture))));
                    Check(failures, c, "ops", c.Ops, string.Join(",", g.Nodes.Select(n => n.OpType).Distinct().OrderBy(s => s, StringComparer.Ordinal)));
                    Check(failures, c, "inputs", c.Inputs, string.Join(" ", g.Inputs.Select(IndexForm)));
                    Check(failures, c, "outputs", c.Outputs, string.Join(" ", g.Outputs.Select(IndexForm)));
                    Check(failures, c, "data_sets", c.DataSets, Directory.GetDirectories(c.Folder, "test_data_set_*").Length.ToString(CultureInfo.InvariantCulture));
                    foreach (OnnxNode n in g.Nodes)
                    {
                        if (n.OpType.Length == 0 || n.Outputs.Count == 0)
                            failures.Add($"{c.Name}: node '{n.Name}' has no op type or no outputs");
                        if (n.Attributes.Any(a => a.Name.Length == 0 || a.Type == OnnxAttributeType.Undefined))
                            failures.Add($"{c.Name}: node '{n.OpType}' has an unnamed or untyped attribute");
                    }
                }
                catch (Exception e)
                {
                    failures.Add($"{c.Name}: {e.GetType().Name}: {e.Message}");
                }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }

        [Fact]
        public void SampleModels_HaveTheExpectedStructure()
        {
            OnnxModel add = ReadModel("test_add");
            Assert.Equal("backend-test", add.ProducerName);
            OnnxNode node = add.Graph!.Nodes.Single();
            Assert.Equal("Add", node.OpType);
            Assert.Equal(new[] { "x", "y" }, node.Inputs);
            Assert.Equal(new[] { "sum" }, node.Outputs);
            Assert.Equal(new long?[] { 3, 4, 5 }, add.Graph.Inputs[0].Shape!.Select(d => d.Value));

            OnnxNode gemm = ReadModel("test_gemm_all_attributes").Graph!.Nodes.Single();
            Assert.Equal(0.25f, gemm.Attributes.Single(a => a.Name == "alpha").F);
            Assert.Equal(0.35f, gemm.Attributes.Single(a => a.Name == "beta").F);
            Assert.Equal(1, gemm.Attributes.Single(a => a.Name == "transA").I);
            Assert.Equal(OnnxAttributeType.Int, gemm.Attributes.Single(a => a.Name == "transB").Type);

            OnnxNode conv = ReadModel("test_conv_with_strides_padding").Graph!.Nodes.Single();
            Assert.Equal(new long[] { 1, 1, 1, 1 }, conv.Attributes.Single(a => a.Name == "pads").Ints);
            Assert.Equal(new long[] { 2, 2 }, conv.Attributes.Single(a => a.Name == "strides").Ints);

            // Constant nodes of the expanded functions carry their value as an attribute tensor (float_data).
            OnnxNode half = ReadModel("test_gelu_tanh_1_expanded").Graph!.Nodes.First(n => n.OpType == "Constant");
            OnnxAttribute value = half.Attributes.Single();
            Assert.Equal(OnnxAttributeType.Tensor, value.Type);
            Assert.Equal(new[] { 0.5f }, OnnxTensorData.ToFloats(value.T!));

            OnnxValueInfo opt = ReadModel("test_identity_opt").Graph!.Inputs.Single();
            Assert.Equal("optional", opt.TypeKind);
            OnnxValueInfo seq = ReadModel("test_identity_sequence").Graph!.Inputs.Single();
            Assert.Equal("sequence", seq.TypeKind);
        }

        [Fact]
        public void EveryTestDataTensor_Reads_AndMatchesItsGraphValue()
        {
            var failures = new List<string>();
            int checkedFiles = 0, decoded = 0;
            foreach (NodeTestCase c in NodeTestData.Cases.Where(c => !c.HasNonTensorData))
            {
                OnnxGraph g = OnnxReader.Read(File.ReadAllBytes(c.ModelPath)).Graph!;
                foreach (string set in Directory.GetDirectories(c.Folder, "test_data_set_*"))
                {
                    foreach (string file in Directory.GetFiles(set, "*.pb").OrderBy(f => f, StringComparer.Ordinal))
                    {
                        string name = Path.GetFileNameWithoutExtension(file);
                        string where = $"{c.Name}/{Path.GetFileName(set)}/{name}.pb";
                        checkedFiles++;
                        try
                        {
                            OnnxTensor t = OnnxReader.ReadTensor(File.ReadAllBytes(file));
                            bool isInput = name.StartsWith("input_", StringComparison.Ordinal);
                            int index = int.Parse(name.Substring(name.IndexOf('_') + 1), CultureInfo.InvariantCulture);
                            List<OnnxValueInfo> values = isInput ? g.Inputs : g.Outputs;
                            if (index >= values.Count)
                            {
                                failures.Add($"{where}: the graph has only {values.Count} {(isInput ? "inputs" : "outputs")}");
                                continue;
                            }
                            OnnxValueInfo vi = values[index];
                            if (t.Name != vi.Name)
                                failures.Add($"{where}: name '{t.Name}', graph value '{vi.Name}'");
                            if (t.DataType != vi.ElementType)
                                failures.Add($"{where}: data type {t.DataType}, graph value {vi.ElementType}");
                            if (vi.Shape != null && vi.Shape.All(d => d.Value.HasValue) && !t.Dims.SequenceEqual(vi.Shape.Select(d => d.Value!.Value)))
                                failures.Add($"{where}: dims [{string.Join(",", t.Dims)}], graph value [{string.Join(",", vi.Shape.Select(d => d.Value))}]");
                            if (t.IsExternal)
                                failures.Add($"{where}: external data");
                            long count = OnnxTensorData.ElementCount(t);
                            int bits = SubByteBits(t.DataType);
                            if (bits > 0)
                            {
                                // FLOAT8/INT4/INT2 and friends: not decoded by OnnxTensorData; check the size only.
                                // Both raw_data and int32_data hold the packed bytes (two 4-bit or four 2-bit
                                // elements per byte); int32_data has one such byte per int32 value.
                                long expected = (count * bits + 7) / 8;
                                long actual = t.RawData?.Length ?? t.Int32Data.Count;
                                if (actual != expected)
                                    failures.Add($"{where}: {OnnxTensorData.TypeName(t.DataType)} with {count} elements holds {actual} {(t.RawData != null ? "raw bytes" : "int32_data values")}, expected {expected}");
                            }
                            else if (IsFloatType(t.DataType))
                            {
                                Assert.Equal(count, OnnxTensorData.ToFloats(t).Length);
                                decoded++;
                            }
                            else
                            {
                                Assert.Equal(count, OnnxTensorData.ToInt64s(t).Length);
                                decoded++;
                            }
                        }
                        catch (Exception e)
                        {
                            failures.Add($"{where}: {e.GetType().Name}: {e.Message}");
                        }
                    }
                }
            }
            _output.WriteLine($"{checkedFiles} tensor files read, {decoded} decoded");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.True(checkedFiles >= 900, $"only {checkedFiles} .pb files found");
        }

        [Fact]
        public void SampleTensors_DecodeToKnownValues()
        {
            // test_add input_0: 60 floats from numpy's randn with seed... check a few leading values by bits.
            OnnxTensor x = ReadPb("test_add", "input_0");
            Assert.Equal(new long[] { 3, 4, 5 }, x.Dims);
            Assert.NotNull(x.RawData);
            float[] values = OnnxTensorData.ToFloats(x);
            Assert.Equal(60, values.Length);
            Assert.Equal(BitConverter.ToSingle(x.RawData!, 4), values[1]);

            // Sum of the inputs is the output of Add.
            float[] y = OnnxTensorData.ToFloats(ReadPb("test_add", "input_1"));
            float[] sum = OnnxTensorData.ToFloats(ReadPb("test_add", "output_0"));
            for (int i = 0; i < sum.Length; i++)
                Assert.Equal(values[i] + y[i], sum[i], 5);
        }

        [Fact]
        public void WriteThenRead_PreservesEveryModel()
        {
            var failures = new List<string>();
            int identical = 0, written = 0;
            foreach (NodeTestCase c in NodeTestData.Cases)
            {
                byte[] original = File.ReadAllBytes(c.ModelPath);
                OnnxModel m = OnnxReader.Read(original);
                if (c.HasNonTensorData)
                {
                    Assert.Throws<NotSupportedException>(() => OnnxWriter.Write(m));
                    continue;
                }
                byte[] rewritten = OnnxWriter.Write(m);
                written++;
                if (rewritten.AsSpan().SequenceEqual(original))
                    identical++;
                string before = OnnxDump.Model(m), after = OnnxDump.Model(OnnxReader.Read(rewritten));
                if (before != after)
                    failures.Add($"{c.Name}:\n{before}\n---\n{after}");
            }
            _output.WriteLine($"{written} models rewritten, {identical} byte-identical to the original");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }

        [Fact]
        public void ReadingEveryModel_IsFast()
        {
            byte[][] files = NodeTestData.Cases.Select(c => File.ReadAllBytes(c.ModelPath)).ToArray();
            foreach (byte[] f in files)
                OnnxReader.Read(f); // warm up
            var sw = Stopwatch.StartNew();
            foreach (byte[] f in files)
                OnnxReader.Read(f);
            sw.Stop();
            _output.WriteLine($"{files.Length} models ({files.Sum(f => (long)f.Length)} bytes) read in {sw.Elapsed.TotalMilliseconds:F2} ms");
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        }

        private static OnnxModel ReadModel(string test) =>
            OnnxReader.Read(File.ReadAllBytes(Path.Combine(Infrastructure.TestPaths.OnnxNodeTestsDir, test, "model.onnx")));

        internal static OnnxTensor ReadPb(string test, string name) =>
            OnnxReader.ReadTensor(File.ReadAllBytes(Path.Combine(Infrastructure.TestPaths.OnnxNodeTestsDir, test, "test_data_set_0", name + ".pb")));

        private static void Check(List<string> failures, NodeTestCase c, string column, string expected, string actual)
        {
            if (expected != actual)
                failures.Add($"{c.Name}: {column} is '{actual}', INDEX.tsv says '{expected}'");
        }

        /// <summary>A value in INDEX.tsv's form: <c>x:float[3, 4, 5]</c>, <c>opt_in:None[]</c> for non-tensors.</summary>
        private static string IndexForm(OnnxValueInfo v)
        {
            string type = v.TypeKind == "tensor" ? OnnxTensorData.TypeName(v.ElementType).ToLowerInvariant() : "None";
            string dims = v.Shape == null ? "" : string.Join(", ", v.Shape.Select(d => d.Value.HasValue ? d.Value.Value.ToString(CultureInfo.InvariantCulture) : d.Param ?? "?"));
            return $"{v.Name}:{type}[{dims}]";
        }

        private static bool IsFloatType(OnnxDataType t) =>
            t == OnnxDataType.Float || t == OnnxDataType.Double || t == OnnxDataType.Float16 || t == OnnxDataType.BFloat16;

        /// <summary>Bits per element of the types OnnxTensorData does not decode (FLOAT8*, 4-bit, 2-bit); 0 otherwise.</summary>
        private static int SubByteBits(OnnxDataType t)
        {
            switch ((int)t)
            {
                case 17: case 18: case 19: case 20: case 24: return 8;
                case 21: case 22: case 23: return 4;
                case 25: case 26: return 2;
                default: return 0;
            }
        }
    }
}
