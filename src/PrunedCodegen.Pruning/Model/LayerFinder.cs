using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Model
{
    /// <summary>Finds the layers with constant weights that pruning can act on, in graph order.</summary>
    public static class LayerFinder
    {
        public static IReadOnlyList<PrunableLayer> Find(OnnxModel model)
        {
            var graph = model.Graph ?? throw new OnnxFormatException("the model has no graph");
            var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
            foreach (var t in graph.Initializers)
                initializers[t.Name] = t;
            var consumers = Consumers(graph);
            var layers = new List<PrunableLayer>();
            foreach (var node in graph.Nodes)
            {
                if (node.Domain.Length > 0 && node.Domain != "ai.onnx") continue;
                PrunableLayer? layer = node.OpType switch
                {
                    "Gemm" => Gemm(node, initializers, layers.Count),
                    "MatMul" => MatMul(graph, node, initializers, consumers, layers.Count),
                    "Conv" => Conv(node, initializers, layers.Count),
                    _ => null,
                };
                if (layer != null) layers.Add(layer);
            }
            return layers;
        }

        /// <summary>For every tensor name, the nodes that read it.</summary>
        internal static Dictionary<string, List<OnnxNode>> Consumers(OnnxGraph graph)
        {
            var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
            foreach (var node in graph.Nodes)
                foreach (var input in node.Inputs)
                {
                    if (input.Length == 0) continue;
                    if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = new List<OnnxNode>();
                    if (!list.Contains(node)) list.Add(node);
                }
            return consumers;
        }

        private static bool IsFloat2D(OnnxTensor? t) => t != null && t.DataType == OnnxDataType.Float && t.Dims.Count == 2 && !t.IsExternal;

        private static OnnxTensor? Initializer(OnnxNode node, int input, Dictionary<string, OnnxTensor> initializers) =>
            input < node.Inputs.Count && initializers.TryGetValue(node.Inputs[input], out var t) ? t : null;

        private static PrunableLayer? Gemm(OnnxNode node, Dictionary<string, OnnxTensor> initializers, int index)
        {
            var b = Initializer(node, 1, initializers);
            if (!IsFloat2D(b) || Initializer(node, 0, initializers) != null) return null;
            bool transB = node.Attributes.Any(a => a.Name == "transB" && a.I != 0);
            int n = (int)(transB ? b!.Dims[0] : b!.Dims[1]), k = (int)(transB ? b.Dims[1] : b.Dims[0]);
            var c = Initializer(node, 2, initializers);
            var bias = c != null && c.DataType == OnnxDataType.Float && OnnxTensorData.ElementCount(c) == n ? c : null;
            return new PrunableLayer(index, node, b, transB ? WeightLayout.OutputsByInputs : WeightLayout.InputsByOutputs, n, k, bias);
        }

        private static PrunableLayer? MatMul(OnnxGraph graph, OnnxNode node, Dictionary<string, OnnxTensor> initializers,
            Dictionary<string, List<OnnxNode>> consumers, int index)
        {
            var w = Initializer(node, 1, initializers);
            if (!IsFloat2D(w) || Initializer(node, 0, initializers) != null) return null;
            int k = (int)w!.Dims[0], n = (int)w.Dims[1];
            return new PrunableLayer(index, node, w, WeightLayout.InputsByOutputs, n, k, FollowingBias(graph, node, initializers, consumers, n));
        }

        /// <summary>The constant of an Add that is the only reader of a MatMul's output, when it is one value per output.</summary>
        internal static OnnxTensor? FollowingBias(OnnxGraph graph, OnnxNode node, Dictionary<string, OnnxTensor> initializers,
            Dictionary<string, List<OnnxNode>> consumers, int n)
        {
            if (graph.Outputs.Any(o => o.Name == node.Outputs[0])) return null;
            if (!consumers.TryGetValue(node.Outputs[0], out var readers) || readers.Count != 1) return null;
            var add = readers[0];
            if (add.OpType != "Add" || add.Inputs.Count != 2) return null;
            string other = add.Inputs[0] == node.Outputs[0] ? add.Inputs[1] : add.Inputs[0];
            if (!initializers.TryGetValue(other, out var c) || c.DataType != OnnxDataType.Float) return null;
            bool perOutput = c.Dims.Count >= 1 && c.Dims[c.Dims.Count - 1] == n && OnnxTensorData.ElementCount(c) == n;
            return perOutput ? c : null;
        }

        private static PrunableLayer? Conv(OnnxNode node, Dictionary<string, OnnxTensor> initializers, int index)
        {
            var w = Initializer(node, 1, initializers);
            if (w == null || w.DataType != OnnxDataType.Float || w.Dims.Count < 3 || w.IsExternal) return null;
            int outC = (int)w.Dims[0];
            int fanIn = (int)(OnnxTensorData.ElementCount(w) / Math.Max(1, outC));
            var b = Initializer(node, 2, initializers);
            return new PrunableLayer(index, node, w, WeightLayout.OutputsByInputs, outC, fanIn, b);
        }
    }
}
