using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>
    /// An input for <see cref="OrtOracle"/>: float or int64 data with its shape. <see cref="Name"/> null means
    /// "the graph input at this position".
    /// </summary>
    public sealed class OracleInput
    {
        private OracleInput(string? name, long[] dims, float[]? floats, long[]? int64s)
        {
            long count = dims.Aggregate(1L, (a, d) => a * d);
            long length = floats?.Length ?? int64s!.Length;
            if (dims.Any(d => d < 0) || count != length)
            {
                throw new ArgumentException($"Input '{name}': shape [{string.Join(", ", dims)}] holds {count} elements but the data has {length}.");
            }
            Name = name;
            Dims = dims;
            Floats = floats;
            Int64s = int64s;
        }

        public string? Name { get; }
        public long[] Dims { get; }
        public float[]? Floats { get; }
        public long[]? Int64s { get; }

        public static OracleInput Float(float[] data, params long[] dims) => new OracleInput(null, dims, data, null);
        public static OracleInput Float(string name, float[] data, params long[] dims) => new OracleInput(name, dims, data, null);
        public static OracleInput Int64(long[] data, params long[] dims) => new OracleInput(null, dims, null, data);
        public static OracleInput Int64(string name, long[] data, params long[] dims) => new OracleInput(name, dims, null, data);
    }

    /// <summary>
    /// One graph output as ONNX Runtime computed it. <see cref="Floats"/> is null unless the element type is float,
    /// <see cref="Int64s"/> unless it is int64.
    /// </summary>
    public sealed record OracleOutput(string Name, long[] Dims, TensorElementType ElementType, float[]? Floats, long[]? Int64s = null)
    {
        /// <summary>The int64 data; throws when the output is of another element type.</summary>
        public long[] Longs => Int64s ?? throw new InvalidOperationException($"Output '{Name}' is {ElementType}, not int64.");

        /// <summary>The float data; throws when the output is of another element type.</summary>
        public float[] Data => Floats ?? throw new InvalidOperationException($"Output '{Name}' is {ElementType}, not float.");
    }

    /// <summary>
    /// ONNX Runtime as an independent oracle: one session per call, created from the model's bytes with one
    /// intra-op and one inter-op thread. Graph optimisations are off by default so that ORT computes each node
    /// as written (fused kernels may round differently).
    /// </summary>
    public static class OrtOracle
    {
        public static IReadOnlyList<OracleOutput> Run(byte[] model, params OracleInput[] inputs) =>
            Run(model, inputs, GraphOptimizationLevel.ORT_DISABLE_ALL);

        /// <summary>
        /// Runs <paramref name="model"/> on <paramref name="inputs"/> (matched by name, or by position when unnamed)
        /// and returns every graph output in graph-output order.
        /// </summary>
        public static IReadOnlyList<OracleOutput> Run(byte[] model, IReadOnlyList<OracleInput> inputs, GraphOptimizationLevel optimization)
        {
            using var options = new SessionOptions
            {
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = optimization,
            };
            using var session = new InferenceSession(model, options);
            IReadOnlyList<string> graphInputs = session.InputNames;
            if (inputs.Count != graphInputs.Count)
            {
                throw new ArgumentException($"The model has {graphInputs.Count} input(s) ({string.Join(", ", graphInputs)}), got {inputs.Count}.");
            }

            var names = new List<string>();
            var values = new List<OrtValue>();
            try
            {
                for (int i = 0; i < inputs.Count; i++)
                {
                    OracleInput input = inputs[i];
                    string name = input.Name ?? graphInputs[i];
                    names.Add(name);
                    // ORT reads the managed arrays in place (pinned until the OrtValue is disposed).
                    values.Add(input.Floats != null
                        ? OrtValue.CreateTensorValueFromMemory(input.Floats, input.Dims)
                        : OrtValue.CreateTensorValueFromMemory(input.Int64s!, input.Dims));
                }

                using var runOptions = new RunOptions();
                IReadOnlyList<string> outputNames = session.OutputNames;
                using var results = session.Run(runOptions, names, values, outputNames);
                var outputs = new List<OracleOutput>(outputNames.Count);
                int k = 0;
                foreach (OrtValue value in results)
                {
                    string name = outputNames[k++];
                    if (!value.IsTensor)
                    {
                        throw new NotSupportedException($"Output '{name}' is a {value.OnnxType}, not a tensor.");
                    }
                    OrtTensorTypeAndShapeInfo info = value.GetTensorTypeAndShape();
                    float[]? data = info.ElementDataType == TensorElementType.Float
                        ? value.GetTensorDataAsSpan<float>().ToArray()
                        : null;
                    long[]? longs = info.ElementDataType == TensorElementType.Int64
                        ? value.GetTensorDataAsSpan<long>().ToArray()
                        : null;
                    outputs.Add(new OracleOutput(name, info.Shape, info.ElementDataType, data, longs));
                }
                return outputs;
            }
            finally
            {
                foreach (var value in values) value.Dispose();
            }
        }
    }
}
