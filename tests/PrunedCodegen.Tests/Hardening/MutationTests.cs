using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using PrunedCodegen.Fuzz;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Hardening
{
    /// <summary>
    /// Thousands of mutated models per run (fixed seed): bytes flipped, truncated, duplicated, extended, deleted, and
    /// protobuf fields changed through the data model (dims, op types, attributes, data types, names, opsets, whole
    /// fields repeated). Every case must end as <see cref="FuzzTarget"/> demands (source, or a PCG error; never an
    /// exception, PCG0099, unescaped text or an allocation beyond budget), and a sample of the mutants that compile is
    /// compiled by Roslyn and run.
    /// </summary>
    public class MutationTests
    {
        private const int Seed = 20261125;
        private const int CasesPerSource = 260;
        /// <summary>Mutants that compiled, compiled again by Roslyn (all in one compilation) and loaded.</summary>
        private const int RoslynSample = 30;
        /// <summary>Of those, how many run Predict/PredictBatch on random input.</summary>
        private const int RunSample = 4;

        private readonly ITestOutputHelper _output;

        public MutationTests(ITestOutputHelper output) => _output = output;

        private static readonly string[] NodeTests =
        {
            "test_gemm_all_attributes", "test_gemm_default_matrix_bias", "test_matmul_2d", "test_relu", "test_softmax_axis_1",
            "test_logsoftmax_example_1", "test_clip", "test_flatten_axis1", "test_reshape_reordered_all_dims", "test_add_bcast",
            "test_leakyrelu", "test_sigmoid", "test_dropout_default",
        };

        private static IEnumerable<(string Name, byte[] Bytes)> Sources()
        {
            foreach (var file in new[] { ("digits", "digits_pruned.onnx"), ("activations", "mlp_activations.onnx"), ("matmul_add", "mlp_matmul_add.onnx") })
                yield return (file.Item2, File.ReadAllBytes(CompiledModel.Fixture(file.Item1, file.Item2)));
            foreach (var test in NodeTests)
                yield return (test, File.ReadAllBytes(Path.Combine(TestPaths.OnnxNodeTestsDir, test, "model.onnx")));
            yield return ("hand-built mlp", ModelBuilder.Mlp(7, 5, 3, seed: 3, zeroFraction: 0.6).Build());
            // Resize (scales, and sizes with axes) and ConvTranspose: their attributes and constant operands mutated too.
            yield return ("unet resize linear", UpsamplingModelTests.UNet("linear_half_pixel", 13).Build());
            yield return ("unet resize sizes", UpsamplingModelTests.UNet("nearest_round_half_pixel_sizes", 18).Build());
            yield return ("unet convtranspose", UpsamplingModelTests.UNet("convtranspose", 13).Build());
        }

        [Fact]
        [Trait("Category", "Hardening")]
        public void Thousands_of_mutants_end_in_compiling_code_or_a_PCG_diagnostic()
        {
            var random = new Random(Seed);
            var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var compiled = new Dictionary<string, byte[]>(StringComparer.Ordinal); // distinct successful mutants by source hash
            int cases = 0;
            var clock = Stopwatch.StartNew();
            foreach (var (name, original) in Sources())
            {
                for (int i = 0; i < CasesPerSource; i++)
                {
                    var (operation, mutant) = Mutate(original, random);
                    string outcome;
                    try
                    {
                        outcome = FuzzTarget.Run(mutant);
                    }
                    catch (Exception e)
                    {
                        string path = Path.Combine(Path.GetTempPath(), $"pcg-mutant-{name}-{i}.onnx");
                        File.WriteAllBytes(path, mutant);
                        throw new Xunit.Sdk.XunitException($"{name}, case {i} ({operation}; saved to {path}): {e}");
                    }
                    outcomes[outcome] = outcomes.TryGetValue(outcome, out int n) ? n + 1 : 1;
                    // The Roslyn sample takes small models only: the digits mutants (13k weights each) would make the
                    // compilation itself the slow part of the test.
                    if (outcome == "ok" && mutant.Length < 8 * 1024 && compiled.Count < 4 * RoslynSample)
                    {
                        string key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(mutant));
                        compiled.TryAdd(key, mutant);
                    }
                    cases++;
                }
            }
            var mutateTime = clock.Elapsed;
            _output.WriteLine($"{cases} mutants in {mutateTime.TotalSeconds:0.0} s: " + string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}")));
            Assert.True(outcomes.GetValueOrDefault("ok") > RoslynSample, "too few mutants compile for the Roslyn sample to mean anything");
            Assert.True(outcomes.Count > 5, "the mutations reach too few diagnostics");

            // A deterministic sample of the mutants that compiled: one Roslyn compilation with a class each.
            var sample = compiled.OrderBy(p => p.Key, StringComparer.Ordinal).Take(RoslynSample).Select(p => p.Value).ToList();
            var sources = new List<string> { ModelCompiler.KernelsSource };
            for (int i = 0; i < sample.Count; i++)
                sources.Add(ModelCompiler.Compile(sample[i], new CompileOptions("Mutant" + i, "Mutants", "mutant.onnx")).Source!);
            var roslynClock = Stopwatch.StartNew();
            var assembly = InMemoryCompiler.Compile(sources.ToArray());
            _output.WriteLine($"Roslyn compilation of {sample.Count} mutants: {roslynClock.Elapsed.TotalSeconds:0.0} s");
            Assert.Empty(assembly.Warnings);
            for (int i = 0; i < sample.Count; i++)
                Assert.NotNull(assembly.Assembly.GetType("Mutants.Mutant" + i));

            // A few of them run: every output written, the same twice, inputs untouched (GeneratedModel checks that).
            for (int i = 0; i < Math.Min(RunSample, sample.Count); i++)
            {
                var model = CompiledModel.Load(sample[i]);
                var inputs = model.InputLengths.Select((len, j) => CompiledModel.RandomInput(len * 3, 100 + j)).ToArray();
                model.PredictBatch(3, inputs);
                model.Predict(inputs.Select((x, j) => x.AsSpan(0, model.InputLengths[j]).ToArray()).ToArray());
            }
            _output.WriteLine($"{sample.Count} compiled mutants compiled by Roslyn, {Math.Min(RunSample, sample.Count)} run; total {clock.Elapsed.TotalSeconds:0.0} s");
        }

        private static (string Operation, byte[] Bytes) Mutate(byte[] original, Random random)
        {
            int op = random.Next(16);
            if (op < 7)
                return ($"bytes {op}", MutateBytes(original, op, random));
            var model = OnnxReader.Read(original); // a fresh copy of the data model to change
            string what = MutateFields(model, op, random);
            return ($"field {op}: {what}", OnnxWriter.Write(model));
        }

        private static byte[] MutateBytes(byte[] b, int op, Random random)
        {
            var list = new List<byte>(b);
            int At(int extra = 0) => random.Next(list.Count + extra);
            switch (op)
            {
                case 0: // flip 1-8 bits
                    for (int k = random.Next(1, 9); k > 0; k--) { int i = At(); list[i] ^= (byte)(1 << random.Next(8)); }
                    break;
                case 1: // interesting byte values
                    for (int k = random.Next(1, 4); k > 0; k--) list[At()] = new byte[] { 0, 1, 0x7F, 0x80, 0xFF, 0x08, 0x12 }[random.Next(7)];
                    break;
                case 2: // truncate
                    list = list.Take(random.Next(list.Count)).ToList();
                    break;
                case 3: // duplicate a range somewhere
                {
                    int start = At(), length = Math.Min(random.Next(1, 64), list.Count - start);
                    list.InsertRange(At(1), list.GetRange(start, length));
                    break;
                }
                case 4: // extend with random bytes
                    for (int k = random.Next(1, 32); k > 0; k--) list.Add((byte)random.Next(256));
                    break;
                case 5: // delete a range
                {
                    int start = At();
                    list.RemoveRange(start, Math.Min(random.Next(1, 32), list.Count - start));
                    break;
                }
                default: // a huge varint (a length or a value) spliced in
                    list.InsertRange(At(1), new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }.Take(random.Next(1, 11)));
                    break;
            }
            return list.ToArray();
        }

        private static readonly string[] OpTypes =
        {
            "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Clip",
            "Flatten", "Reshape", "Identity", "Dropout", "Constant", "Conv", "",
        };

        private static readonly long[] Dims = { 0, 1, 2, 3, 7, 64, -1, -7, 1L << 31, long.MaxValue, 65536 };

        private static T Pick<T>(IReadOnlyList<T> items, Random random) => items[random.Next(items.Count)];

        private static string MutateFields(OnnxModel model, int op, Random random)
        {
            var g = model.Graph!;
            var names = g.Nodes.SelectMany(n => n.Inputs.Concat(n.Outputs)).Concat(g.Inputs.Select(v => v.Name)).Concat(g.Initializers.Select(t => t.Name)).Append("").Append("nowhere").ToList();
            switch (op)
            {
                case 7: // a dim of a tensor, input or output
                {
                    long d = Pick(Dims, random);
                    if (random.Next(2) == 0 && g.Initializers.Count > 0)
                    {
                        var t = Pick(g.Initializers, random);
                        if (t.Dims.Count == 0 || random.Next(4) == 0) t.Dims.Add(d); else t.Dims[random.Next(t.Dims.Count)] = d;
                        return $"initializer '{t.Name}' dim := {d}";
                    }
                    var vi = Pick(g.Inputs.Concat(g.Outputs).ToList(), random);
                    if (vi.Shape == null || vi.Shape.Count == 0 || random.Next(4) == 0) (vi.Shape ??= new List<OnnxDim>()).Add(new OnnxDim { Value = d });
                    else vi.Shape[random.Next(vi.Shape.Count)] = random.Next(5) == 0 ? new OnnxDim { Param = "n" } : new OnnxDim { Value = d };
                    return $"value '{vi.Name}' dim := {d}";
                }
                case 8: // another op type
                {
                    if (g.Nodes.Count == 0) return "no nodes";
                    var node = Pick(g.Nodes, random);
                    node.OpType = Pick(OpTypes, random);
                    return $"op := {node.OpType}";
                }
                case 9: // rewire an input or output name
                {
                    if (g.Nodes.Count == 0) return "no nodes";
                    var node = Pick(g.Nodes, random);
                    var list = random.Next(3) == 0 ? node.Outputs : node.Inputs;
                    string name = Pick(names, random);
                    if (list.Count == 0 || random.Next(4) == 0) list.Add(name); else list[random.Next(list.Count)] = name;
                    return $"rewired to '{name}'";
                }
                case 10: // delete, duplicate or move a node
                {
                    if (g.Nodes.Count == 0) return "no nodes";
                    int i = random.Next(g.Nodes.Count);
                    var node = g.Nodes[i];
                    switch (random.Next(3))
                    {
                        case 0: g.Nodes.RemoveAt(i); return "node deleted";
                        case 1: g.Nodes.Insert(random.Next(g.Nodes.Count + 1), node); return "node duplicated";
                        default: g.Nodes.RemoveAt(i); g.Nodes.Insert(random.Next(g.Nodes.Count + 1), node); return "node moved";
                    }
                }
                case 11: // attribute values
                {
                    var attributes = g.Nodes.SelectMany(n => n.Attributes).ToList();
                    if (attributes.Count == 0)
                    {
                        if (g.Nodes.Count == 0) return "no nodes";
                        Pick(g.Nodes, random).Attributes.Add(new OnnxAttribute { Name = Pick(new[] { "axis", "transA", "transB", "alpha", "min" }, random), Type = OnnxAttributeType.Int, I = Pick(Dims, random) });
                        return "attribute added";
                    }
                    var a = Pick(attributes, random);
                    switch (random.Next(4))
                    {
                        case 0: a.I = Pick(Dims, random); break;
                        case 1: a.F = Pick(new[] { float.NaN, float.PositiveInfinity, -0f, 1e30f, -1f }, random); break;
                        case 2: a.Type = Pick(new[] { OnnxAttributeType.Float, OnnxAttributeType.Int, OnnxAttributeType.String, OnnxAttributeType.Floats, OnnxAttributeType.Ints, OnnxAttributeType.Strings }, random); break;
                        default: a.Ints.Add(Pick(Dims, random)); break;
                    }
                    return $"attribute '{a.Name}' changed";
                }
                case 12: // element types
                {
                    var type = Pick(new[] { OnnxDataType.Double, OnnxDataType.Int64, OnnxDataType.Float16, OnnxDataType.Undefined, (OnnxDataType)999, OnnxDataType.Int32 }, random);
                    if (random.Next(2) == 0 && g.Initializers.Count > 0) { Pick(g.Initializers, random).DataType = type; return $"initializer type := {type}"; }
                    Pick(g.Inputs.Concat(g.Outputs).ToList(), random).ElementType = type;
                    return $"value type := {type}";
                }
                case 13: // tensor data: cut, extended, moved between fields
                {
                    if (g.Initializers.Count == 0) return "no initializers";
                    var t = Pick(g.Initializers, random);
                    switch (random.Next(4))
                    {
                        case 0: if (t.FloatData.Count > 0) t.FloatData.RemoveAt(t.FloatData.Count - 1); t.RawData = t.RawData?.Take(t.RawData.Length - 1).ToArray(); break;
                        case 1: t.FloatData.Add(float.NaN); break;
                        case 2: t.RawData = null; break;
                        default: t.RawData = new byte[random.Next(64)]; break;
                    }
                    return $"initializer '{t.Name}' data changed";
                }
                case 14: // opset
                {
                    long v = Pick(new[] { 0L, 1, 5, 6, 7, 11, 12, 13, 18, 99, long.MaxValue, -1 }, random);
                    if (model.OpsetImports.Count == 0 || random.Next(4) == 0) model.OpsetImports.Add(new OnnxOpsetImport { Domain = "", Version = v });
                    else Pick(model.OpsetImports, random).Version = v;
                    return $"opset := {v}";
                }
                default: // protobuf merge: a whole graph's fields repeated (nodes, initializers, inputs and outputs twice)
                {
                    var copy = OnnxReader.Read(OnnxWriter.Write(model)).Graph!;
                    int which = random.Next(4);
                    if (which == 0) g.Nodes.AddRange(copy.Nodes);
                    else if (which == 1) g.Initializers.AddRange(copy.Initializers);
                    else if (which == 2) g.Inputs.AddRange(copy.Inputs);
                    else g.Outputs.AddRange(copy.Outputs);
                    return $"graph fields repeated ({which})";
                }
            }
        }
    }
}
