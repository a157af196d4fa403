using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using PrunedCodegen.Onnx;
using Xunit;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Onnx
{
    /// <summary>ONNX Runtime as an independent reader of the same node-test files.</summary>
    public class OnnxRuntimeCrossCheckTests
    {
        private readonly ITestOutputHelper _output;

        public OnnxRuntimeCrossCheckTests(ITestOutputHelper output) => _output = output;

        private static InferenceSession Open(string path)
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
            return new InferenceSession(path, options);
        }

        [Fact]
        public void InputAndOutputMetadata_AgreeWithOnnxRuntime()
        {
            var failures = new List<string>();
            var unreadableByOrt = new List<string>();
            int compared = 0;
            foreach (NodeTestCase c in NodeTestData.Cases)
            {
                OnnxGraph g = OnnxReader.Read(File.ReadAllBytes(c.ModelPath)).Graph!;
                InferenceSession session;
                try
                {
                    session = Open(c.ModelPath);
                }
                catch (OnnxRuntimeException e)
                {
                    // ORT's C# API cannot describe some newer element types (e.g. 2-bit integers) in metadata.
                    if (g.Inputs.Concat(g.Outputs).Any(v => (int)v.ElementType > (int)OnnxDataType.BFloat16))
                    {
                        unreadableByOrt.Add(c.Name);
                        continue;
                    }
                    failures.Add($"{c.Name}: ORT failed to open it: {e.Message}");
                    continue;
                }
                using InferenceSession disposeSession = session;
                Compare(failures, c.Name, "input", g.Inputs, session.InputNames, session.InputMetadata);
                Compare(failures, c.Name, "output", g.Outputs, session.OutputNames, session.OutputMetadata);
                compared++;
            }
            _output.WriteLine($"{compared} models compared with ONNX Runtime's metadata; ORT's C# API could not open {unreadableByOrt.Count}: {string.Join(", ", unreadableByOrt)}");
            Assert.True(compared >= 300, $"only {compared} models compared");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }

        private static void Compare(List<string> failures, string test, string kind, List<OnnxValueInfo> ours,
            IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata)
        {
            if (!ours.Select(v => v.Name).SequenceEqual(names))
            {
                failures.Add($"{test}: {kind} names [{string.Join(",", ours.Select(v => v.Name))}], ORT [{string.Join(",", names)}]");
                return;
            }
            foreach (OnnxValueInfo v in ours)
            {
                NodeMetadata meta = metadata[v.Name];
                if ((v.TypeKind == "tensor") != meta.IsTensor)
                {
                    failures.Add($"{test}: {kind} {v.Name} is a {v.TypeKind}, ORT says IsTensor={meta.IsTensor}");
                    continue;
                }
                if (!meta.IsTensor)
                    continue;
                if ((int)v.ElementType != (int)meta.ElementDataType)
                    failures.Add($"{test}: {kind} {v.Name} has element type {(int)v.ElementType}, ORT {(int)meta.ElementDataType} ({meta.ElementDataType})");
                long[] ourDims = v.Shape!.Select(d => d.Value ?? -1).ToArray();
                long[] ortDims = meta.Dimensions.Select(d => (long)d).ToArray();
                if (!ourDims.SequenceEqual(ortDims))
                    failures.Add($"{test}: {kind} {v.Name} has shape [{string.Join(",", ourDims)}], ORT [{string.Join(",", ortDims)}]");
            }
        }

        [Fact]
        public void FloatNodeTests_DecodedInputsRunInOnnxRuntime_GiveDecodedOutputs()
        {
            var failures = new List<string>();
            int ran = 0;
            foreach (NodeTestCase c in NodeTestData.Cases.Where(c => !c.HasNonTensorData))
            {
                OnnxGraph g = OnnxReader.Read(File.ReadAllBytes(c.ModelPath)).Graph!;
                if (!g.Inputs.Concat(g.Outputs).All(v => v.TypeKind == "tensor" && v.ElementType == OnnxDataType.Float))
                    continue;
                string set = Path.Combine(c.Folder, "test_data_set_0");
                OnnxTensor[] inputs = g.Inputs.Select((_, i) => OnnxReader.ReadTensor(File.ReadAllBytes(Path.Combine(set, $"input_{i}.pb")))).ToArray();
                OnnxTensor[] expected = g.Outputs.Select((_, i) => OnnxReader.ReadTensor(File.ReadAllBytes(Path.Combine(set, $"output_{i}.pb")))).ToArray();

                using InferenceSession session = Open(c.ModelPath);
                var inputValues = new List<OrtValue>();
                try
                {
                    foreach (OnnxTensor t in inputs)
                        inputValues.Add(OrtValue.CreateTensorValueFromMemory(OnnxTensorData.ToFloats(t), t.Dims.ToArray()));
                    using var runOptions = new RunOptions();
                    using IDisposableReadOnlyCollection<OrtValue> results =
                        session.Run(runOptions, g.Inputs.Select(v => v.Name).ToArray(), inputValues, g.Outputs.Select(v => v.Name).ToArray());
                    for (int o = 0; o < expected.Length; o++)
                    {
                        float[] want = OnnxTensorData.ToFloats(expected[o]);
                        ReadOnlySpan<float> got = results[o].GetTensorDataAsSpan<float>();
                        long[] gotShape = results[o].GetTensorTypeAndShape().Shape;
                        if (!gotShape.SequenceEqual(expected[o].Dims))
                        {
                            failures.Add($"{c.Name}: output {o} shape [{string.Join(",", gotShape)}], expected [{string.Join(",", expected[o].Dims)}]");
                            continue;
                        }
                        for (int i = 0; i < want.Length; i++)
                        {
                            float w = want[i], r = got[i];
                            bool same = (float.IsNaN(w) && float.IsNaN(r)) || Math.Abs(w - r) <= 1e-3f + 1e-3f * Math.Abs(w);
                            if (!same)
                            {
                                failures.Add($"{c.Name}: output {o}[{i}] = {r}, expected {w}");
                                break;
                            }
                        }
                    }
                    ran++;
                }
                finally
                {
                    foreach (OrtValue v in inputValues)
                        v.Dispose();
                }
            }
            _output.WriteLine($"{ran} float node tests run in ONNX Runtime on decoded inputs");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.True(ran >= 150, $"only {ran} float node tests ran");
        }
    }
}
