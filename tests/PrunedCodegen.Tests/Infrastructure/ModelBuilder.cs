using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>Builds small ONNX models by hand, for tests that need a precise graph.</summary>
    internal sealed class ModelBuilder
    {
        private readonly OnnxModel _model = new OnnxModel { IrVersion = 8, ProducerName = "pcg-tests", ProducerVersion = "1" };
        private readonly OnnxGraph _graph = new OnnxGraph { Name = "test" };

        public ModelBuilder(long opset = 13)
        {
            _model.OpsetImports.Add(new OnnxOpsetImport { Domain = "", Version = opset });
            _model.Graph = _graph;
        }

        public OnnxModel Model => _model;

        /// <summary>A float input; a null dim is symbolic ("batch").</summary>
        public ModelBuilder Input(string name, params long?[] dims) => Input(name, OnnxDataType.Float, dims);

        public ModelBuilder Input(string name, OnnxDataType type, params long?[] dims)
        {
            _graph.Inputs.Add(ValueInfo(name, type, dims));
            return this;
        }

        public ModelBuilder Output(string name, params long?[] dims) => Output(name, OnnxDataType.Float, dims);

        public ModelBuilder Output(string name, OnnxDataType type, params long?[] dims)
        {
            _graph.Outputs.Add(ValueInfo(name, type, dims));
            return this;
        }

        public ModelBuilder Initializer(string name, long[] dims, float[] data)
        {
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.Float };
            t.Dims.AddRange(dims);
            t.FloatData.AddRange(data);
            _graph.Initializers.Add(t);
            return this;
        }

        public ModelBuilder Initializer(OnnxTensor tensor)
        {
            _graph.Initializers.Add(tensor);
            return this;
        }

        public ModelBuilder Int64Initializer(string name, params long[] data)
        {
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.Int64 };
            t.Dims.Add(data.Length);
            t.Int64Data.AddRange(data);
            _graph.Initializers.Add(t);
            return this;
        }

        public ModelBuilder Node(string opType, string[] inputs, string[] outputs, string name = "", params OnnxAttribute[] attributes)
        {
            var node = new OnnxNode { OpType = opType, Name = name };
            node.Inputs.AddRange(inputs);
            node.Outputs.AddRange(outputs);
            node.Attributes.AddRange(attributes);
            _graph.Nodes.Add(node);
            return this;
        }

        public byte[] Build() => OnnxWriter.Write(_model);

        public static OnnxAttribute Int(string name, long value) => new OnnxAttribute { Name = name, Type = OnnxAttributeType.Int, I = value };

        public static OnnxAttribute Ints(string name, params long[] values)
        {
            var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        public static OnnxAttribute Float(string name, float value) => new OnnxAttribute { Name = name, Type = OnnxAttributeType.Float, F = value };

        /// <summary>Deterministic pseudo-random floats in [-1, 1), with the given fraction set to exactly zero.</summary>
        public static float[] RandomWeights(int count, int seed, double zeroFraction = 0)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, count).Select(_ => random.NextDouble() < zeroFraction ? 0f : (float)(random.NextDouble() * 2 - 1)).ToArray();
        }

        private static OnnxValueInfo ValueInfo(string name, OnnxDataType type, long?[] dims) => new OnnxValueInfo
        {
            Name = name,
            TypeKind = "tensor",
            ElementType = type,
            Shape = dims.Select(d => d == null ? new OnnxDim { Param = "batch" } : new OnnxDim { Value = d }).ToList(),
        };

        /// <summary>x[batch, k] → Gemm(transB=1) → Relu → Gemm(transB=1) → y[batch, n]: a two-layer MLP.</summary>
        public static ModelBuilder Mlp(int k, int hidden, int n, int seed, double zeroFraction = 0) =>
            new ModelBuilder()
                .Input("x", null, k)
                .Output("y", null, n)
                .Initializer("W1", new long[] { hidden, k }, RandomWeights(hidden * k, seed, zeroFraction))
                .Initializer("b1", new long[] { hidden }, RandomWeights(hidden, seed + 1))
                .Initializer("W2", new long[] { n, hidden }, RandomWeights(n * hidden, seed + 2, zeroFraction))
                .Initializer("b2", new long[] { n }, RandomWeights(n, seed + 3))
                .Node("Gemm", new[] { "x", "W1", "b1" }, new[] { "h" }, "fc1", Int("transB", 1))
                .Node("Relu", new[] { "h" }, new[] { "hr" }, "relu1")
                .Node("Gemm", new[] { "hr", "W2", "b2" }, new[] { "y" }, "fc2", Int("transB", 1));
    }
}
