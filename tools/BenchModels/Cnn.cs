using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PrunedCodegen.Onnx;

namespace BenchModels
{
    /// <summary>One layer with weights of a CNN: outputs (filters or Gemm rows), weights, nonzeros, output positions per sample.</summary>
    internal sealed record CnnWeightLayer(string Op, int Outputs, long Weights, long Nonzeros, long OutputPositions)
    {
        /// <summary>Useful multiply-adds per sample: every nonzero weight once per output position.</summary>
        public long MultiplyAdds => Nonzeros * OutputPositions;
    }

    /// <summary>
    /// What the manifest needs to know of an image CNN (Conv, BatchNormalization, Relu, MaxPool, Flatten, Gemm over
    /// a [batch, C, H, W] input): shapes followed through the graph, weights and nonzeros of the Conv and Gemm layers.
    /// BatchNormalization parameters are not counted as weights (they fold into the conv).
    /// </summary>
    internal sealed class CnnSummary
    {
        private CnnSummary(int[] inputShape, int outputLength, List<CnnWeightLayer> layers)
        {
            InputShape = inputShape;
            OutputLength = outputLength;
            Layers = layers;
        }

        /// <summary>C, H, W of one sample.</summary>
        public int[] InputShape { get; }
        public int InputLength => InputShape.Aggregate(1, (a, b) => a * b);
        public int OutputLength { get; }
        public IReadOnlyList<CnnWeightLayer> Layers { get; }
        public long WeightCount => Layers.Sum(l => l.Weights);
        public long NonzeroWeights => Layers.Sum(l => l.Nonzeros);
        public long MultiplyAdds => Layers.Sum(l => l.MultiplyAdds);
        public long ParamCount { get; private set; }

        public static CnnSummary FromOnnx(byte[] bytes)
        {
            var g = OnnxReader.Read(bytes).Graph ?? throw new InvalidDataException("no graph");
            var inits = g.Initializers.ToDictionary(t => t.Name);
            var input = g.Inputs.First(i => !inits.ContainsKey(i.Name));
            if (input.Shape == null || input.Shape.Count != 4 || input.Shape.Skip(1).Any(d => d.Value == null))
                throw new InvalidDataException("a CNN input [batch, C, H, W] with fixed C, H, W is expected");
            var inShape = input.Shape.Skip(1).Select(d => (int)d.Value!.Value).ToArray();
            int c = inShape[0], h = inShape[1], w = inShape[2], flat = -1;
            var layers = new List<CnnWeightLayer>();
            foreach (var node in g.Nodes)
            {
                switch (node.OpType)
                {
                    case "Conv":
                    {
                        var wt = inits[node.Inputs[1]];
                        var kernel = Ints(node, "kernel_shape") ?? wt.Dims.Skip(2).Select(d => (int)d).ToArray();
                        var pads = Ints(node, "pads") ?? new int[4];
                        var strides = Ints(node, "strides") ?? new[] { 1, 1 };
                        if ((Ints(node, "dilations") ?? new[] { 1, 1 }).Any(d => d != 1) || (node.Attributes.FirstOrDefault(a => a.Name == "group")?.I ?? 1) != 1)
                            throw new InvalidDataException("only ungrouped, undilated Conv is supported here");
                        c = (int)wt.Dims[0];
                        h = (h + pads[0] + pads[2] - kernel[0]) / strides[0] + 1;
                        w = (w + pads[1] + pads[3] - kernel[1]) / strides[1] + 1;
                        var values = OnnxTensorData.ToFloats(wt);
                        layers.Add(new CnnWeightLayer("Conv", c, values.Length, values.Count(v => v != 0f), (long)h * w));
                        break;
                    }
                    case "MaxPool":
                    {
                        var kernel = Ints(node, "kernel_shape")!;
                        var pads = Ints(node, "pads") ?? new int[4];
                        var strides = Ints(node, "strides") ?? new[] { 1, 1 };
                        h = (h + pads[0] + pads[2] - kernel[0]) / strides[0] + 1;
                        w = (w + pads[1] + pads[3] - kernel[1]) / strides[1] + 1;
                        break;
                    }
                    case "Flatten":
                        flat = c * h * w;
                        break;
                    case "Gemm":
                    {
                        var values = OnnxTensorData.ToFloats(inits[node.Inputs[1]]);
                        if (flat < 0) throw new InvalidDataException("Gemm before Flatten");
                        flat = values.Length / flat;
                        layers.Add(new CnnWeightLayer("Gemm", flat, values.Length, values.Count(v => v != 0f), 1));
                        break;
                    }
                    case "BatchNormalization":
                    case "Relu":
                        break;
                    default:
                        throw new InvalidDataException($"only Conv/BatchNormalization/Relu/MaxPool/Flatten/Gemm CNNs are supported here, found {node.OpType}");
                }
            }
            if (flat < 0) throw new InvalidDataException("the CNN has no Flatten + Gemm head");
            return new CnnSummary(inShape, flat, layers)
            {
                ParamCount = g.Initializers.Where(t => t.DataType == OnnxDataType.Float).Sum(t => OnnxTensorData.ElementCount(t)),
            };
        }

        private static int[]? Ints(OnnxNode node, string name) =>
            node.Attributes.FirstOrDefault(a => a.Name == name)?.Ints.Select(v => (int)v).ToArray();
    }
}
