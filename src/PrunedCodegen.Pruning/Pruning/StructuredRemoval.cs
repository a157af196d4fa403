using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Pruning
{
    /// <summary>
    /// Physically removes neurons whose weights are all pruned. A removed neuron would output a constant
    /// (its bias through the elementwise ops that follow: activation, BatchNormalization, per-channel Add/Mul);
    /// that constant times the next layer's column is folded into the next layer's bias, then the neuron's row,
    /// its bias, its per-channel parameters and the next layer's column are all dropped. The smaller model
    /// computes what the zero-filled one does.
    /// </summary>
    internal static class StructuredRemoval
    {
        /// <summary>How a layer's output reaches the single layer that reads it.</summary>
        internal sealed class Chain
        {
            public Chain(List<OnnxNode> ops, PrunableLayer next, bool flattened) { Ops = ops; Next = next; Flattened = flattened; }
            /// <summary>
            /// Nodes between the layer (after its bias Add, for MatMul) and <see cref="Next"/>: elementwise ops, and for a
            /// conv also pooling and one Flatten. Each maps a constant channel to the same constant.
            /// </summary>
            public List<OnnxNode> Ops { get; }
            public PrunableLayer Next { get; }
            /// <summary>A conv's channels reach a dense layer through Flatten: each channel is a run of columns there.</summary>
            public bool Flattened { get; }
        }

        private static readonly HashSet<string> Activations = new HashSet<string>(StringComparer.Ordinal)
        {
            "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Identity", "Dropout", "Clip", "Elu",
        };

        /// <summary>The chain from <paramref name="layer"/> to the next dense layer, or null when its neurons cannot be removed.</summary>
        public static Chain? FindChain(OnnxModel model, PrunableLayer layer, IReadOnlyList<PrunableLayer> layers) => FindChain(model, layer, layers, out _);

        /// <summary>As above; <paramref name="why"/> says why not when the result is null.</summary>
        public static Chain? FindChain(OnnxModel model, PrunableLayer layer, IReadOnlyList<PrunableLayer> layers, out string why)
        {
            var graph = model.Graph!;
            bool conv = layer.Node.OpType == "Conv";
            why = "";
            if (!HasPerOutputBiasOrNone(layer)) { why = "its bias is not one value per output"; return null; }
            // A grouped conv's filters are split evenly between its groups (and read only their group's input channels):
            // removing some would leave groups of different sizes, which one Conv node cannot express.
            if (conv && Group(layer.Node) != 1)
            {
                why = $"a grouped convolution (group {Group(layer.Node)}): structured removal takes group-1 convolutions only";
                return null;
            }
            var initializers = graph.Initializers.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
            var consumers = LayerFinder.Consumers(graph);
            var ops = new List<OnnxNode>();
            bool flattened = false;
            string tensor = layer.Node.Outputs[0];
            if (layer.Node.OpType == "MatMul" && layer.Bias != null)
                tensor = consumers[tensor][0].Outputs[0]; // the bias Add belongs to the layer
            for (int guard = 0; guard < 64; guard++)
            {
                if (graph.Outputs.Any(o => o.Name == tensor)) { why = "its outputs are the model's"; return null; }
                if (!consumers.TryGetValue(tensor, out var readers) || readers.Count != 1) { why = $"'{tensor}' is read by {readers?.Count ?? 0} nodes, not one"; return null; }
                var node = readers[0];
                if (node.Inputs.Count(i => i == tensor) != 1) { why = $"{Describe(node)} reads '{tensor}' twice"; return null; }
                var next = layers.FirstOrDefault(l => ReferenceEquals(l.Node, node));
                if (next != null)
                {
                    // Dense feeds dense (one input per neuron); a conv feeds a conv (one kernel window per filter) or, through
                    // Flatten, a dense layer (one run of H x W columns per filter, NCHW order).
                    bool nextIsConv = node.OpType == "Conv";
                    bool readsAsInput = node.Inputs[0] == tensor && nextIsConv == (conv && !flattened) && !node.Attributes.Any(a => a.Name == "transA" && a.I != 0);
                    bool shapesMatch = !conv ? next.Inputs == layer.Outputs
                        : flattened ? next.Inputs % layer.Outputs == 0
                        : Group(node) == 1 && next.Inputs % layer.Outputs == 0 && (int)next.Weight.Dims[1] == layer.Outputs;
                    if (nextIsConv && Group(node) != 1)
                        why = $"it feeds {Describe(node)}, a grouped convolution (group {Group(node)}): removing its input channels would leave groups of different sizes";
                    else if (!readsAsInput || !shapesMatch || !HasPerOutputBiasOrNone(next))
                        why = $"{Describe(node)} does not read its outputs as one input per neuron (or filter)";
                    else
                        return new Chain(ops, next, flattened);
                    return null;
                }
                if (node.Inputs[0] != tensor || node.Outputs.Count < 1) { why = $"{Describe(node)} reads it other than as its first input"; return null; }
                bool ok = node.OpType switch
                {
                    _ when Activations.Contains(node.OpType) => node.Inputs.Skip(1).All(i => i.Length == 0 || initializers.ContainsKey(i)),
                    "BatchNormalization" => node.Inputs.Count == 5 && node.Inputs.Skip(1).All(i => initializers.TryGetValue(i, out var t) && OnnxTensorData.ElementCount(t) == layer.Outputs),
                    "Add" or "Sub" or "Mul" or "Div" => initializers.TryGetValue(node.Inputs[1], out var c) && IsPerChannelOrScalar(c, layer.Outputs, conv && !flattened),
                    // A constant channel pools to the same constant: max pooling ignores padding, average pooling too
                    // unless it counts the padded cells.
                    "MaxPool" or "GlobalMaxPool" or "GlobalAveragePool" => conv && !flattened && node.Outputs.Count(o => o.Length > 0) == 1,
                    "AveragePool" => conv && !flattened && (!Pads(node) || IntAttribute(node, "count_include_pad", 0) == 0),
                    "Flatten" => conv && !flattened && IntAttribute(node, "axis", 1) == 1,
                    _ => false,
                };
                if (node.OpType == "Flatten") flattened = true;
                if (!ok)
                {
                    why = $"{Describe(node)} between it and the next layer does not pass a constant neuron on as a constant";
                    return null;
                }
                ops.Add(node);
                tensor = node.Outputs[0];
            }
            why = "no layer reads it within 64 nodes";
            return null;
        }

        private static string Describe(OnnxNode node) => node.Name.Length > 0 ? $"{node.OpType} '{node.Name}'" : node.OpType;

        private static bool HasPerOutputBiasOrNone(PrunableLayer l) =>
            l.Node.OpType != "Gemm" || l.Node.Inputs.Count < 3 || l.Node.Inputs[2].Length == 0 || l.Bias != null;

        /// <summary>A scalar, or one value per channel: along the last axis for dense layers, as [C, 1, 1] for convolutions.</summary>
        private static bool IsPerChannelOrScalar(OnnxTensor c, int n, bool conv)
        {
            long count = OnnxTensorData.ElementCount(c);
            if (c.DataType != OnnxDataType.Float) return false;
            if (count == 1) return true;
            if (count != n) return false;
            return conv ? c.Dims.Count == 3 && c.Dims[0] == n : c.Dims.Count >= 1 && c.Dims[c.Dims.Count - 1] == n;
        }

        private static long Group(OnnxNode node) => IntAttribute(node, "group", 1);

        private static long IntAttribute(OnnxNode node, string name, long fallback) => node.Attributes.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

        /// <summary>Whether a conv pads its input: then a constant input channel is not constant at the borders, and cannot be folded into the bias.</summary>
        private static bool Pads(OnnxNode node) =>
            node.Attributes.Any(a => a.Name == "pads" && a.Ints.Any(p => p != 0)) ||
            node.Attributes.Any(a => a.Name == "auto_pad" && System.Text.Encoding.UTF8.GetString(a.S) is "SAME_UPPER" or "SAME_LOWER");

        private sealed class Edit
        {
            public Edit(float[] matrix) { Matrix = matrix; }
            public float[] Matrix { get; }
            public int[]? KeepRows { get; set; }
            public int[]? KeepColumns { get; set; }
            public double[]? BiasDelta { get; set; }
        }

        /// <summary>Removes every fully-pruned neuron that can be removed. <paramref name="matrices"/> are the masked weights, by layer index.</summary>
        public static int Remove(OnnxModel model, IReadOnlyList<PrunableLayer> layers, IReadOnlyList<float[]> matrices)
        {
            var graph = model.Graph!;
            var initializers = graph.Initializers.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
            var edits = layers.Select((l, i) => new Edit(matrices[i])).ToArray();
            var chains = new List<(PrunableLayer Layer, Chain Chain, int[] Keep, int Window)>();
            int removed = 0;
            foreach (var layer in layers)
            {
                var m = matrices[layer.Index];
                var dead = Enumerable.Range(0, layer.Outputs).Where(r => IsZeroRow(m, r, layer.Inputs)).ToArray();
                if (dead.Length == 0 || dead.Length == layer.Outputs) continue;
                var chain = FindChain(model, layer, layers);
                if (chain == null) continue;
                var keep = Enumerable.Range(0, layer.Outputs).Except(dead).ToArray();
                float[] bias = Bias(layer);
                var next = chain.Next;
                int window = next.Inputs / layer.Outputs; // columns of the next layer per neuron: 1, or kh x kw for a conv
                var constants = dead.Select(j => ConstantThrough(chain.Ops, bias[j], j, initializers)).ToArray();
                if (!chain.Flattened && window > 1 && Pads(next.Node) && constants.Any(c => c != 0))
                    continue; // zero-filled stays correct; removal would change the border outputs
                var delta = edits[next.Index].BiasDelta ??= new double[next.Outputs];
                var w2 = matrices[next.Index];
                for (int d = 0; d < dead.Length; d++)
                {
                    if (constants[d] == 0) continue;
                    for (int o = 0; o < next.Outputs; o++)
                        for (int w = 0; w < window; w++)
                            delta[o] += w2[o * next.Inputs + dead[d] * window + w] * constants[d];
                }
                edits[layer.Index].KeepRows = keep;
                edits[next.Index].KeepColumns = keep.SelectMany(j => Enumerable.Range(j * window, window)).ToArray();
                chains.Add((layer, chain, keep, window));
                removed += dead.Length;
            }

            // Fold first, at full width: a layer's bias may be sliced below when its own neurons go too.
            var biases = layers.Select(l => l.Bias).ToArray();
            foreach (var layer in layers)
                if (edits[layer.Index].BiasDelta is double[] delta && delta.Any(d => d != 0))
                    biases[layer.Index] = AddToBias(graph, layer, delta);
            foreach (var (layer, chain, keep, window) in chains)
            {
                SliceBias(biases[layer.Index], keep);
                foreach (var op in chain.Ops) SliceParameters(op, keep, layer.Outputs, initializers);
                ResizeValueInfos(graph, layer, chain, keep.Length, window);
            }
            foreach (var layer in layers)
            {
                var e = edits[layer.Index];
                if (e.KeepRows == null && e.KeepColumns == null) continue;
                int[] rows = e.KeepRows ?? Enumerable.Range(0, layer.Outputs).ToArray();
                int[] cols = e.KeepColumns ?? Enumerable.Range(0, layer.Inputs).ToArray();
                var w = new float[rows.Length * cols.Length];
                for (int r = 0; r < rows.Length; r++)
                    for (int c = 0; c < cols.Length; c++)
                        w[r * cols.Length + c] = e.Matrix[rows[r] * layer.Inputs + cols[c]];
                layer.WriteMatrix(w, rows.Length, cols.Length);
            }
            return removed;
        }

        private static bool IsZeroRow(float[] m, int row, int k)
        {
            for (int c = 0; c < k; c++) if (m[row * k + c] != 0f) return false;
            return true;
        }

        private static float Beta(OnnxNode node) => node.Attributes.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f;

        /// <summary>The bias each output adds (Gemm's beta applied), zeros when there is none.</summary>
        private static float[] Bias(PrunableLayer layer)
        {
            if (layer.Bias == null) return new float[layer.Outputs];
            var b = OnnxTensorData.ToFloats(layer.Bias);
            if (layer.Node.OpType == "Gemm") { float beta = Beta(layer.Node); for (int i = 0; i < b.Length; i++) b[i] *= beta; }
            return b;
        }

        /// <summary>The value a neuron whose weights are all zero passes on: its bias through the chain's elementwise ops.</summary>
        private static double ConstantThrough(List<OnnxNode> ops, float bias, int channel, Dictionary<string, OnnxTensor> initializers)
        {
            float v = bias;
            float Param(OnnxNode node, int input) => PerChannel(OnnxTensorData.ToFloats(initializers[node.Inputs[input]]), channel);
            float Attr(OnnxNode node, string name, float fallback) => node.Attributes.FirstOrDefault(a => a.Name == name)?.F ?? fallback;
            foreach (var op in ops)
            {
                v = op.OpType switch
                {
                    "Relu" => v < 0 ? 0 : v,
                    "LeakyRelu" => v < 0 ? v * Attr(op, "alpha", 0.01f) : v,
                    "Elu" => v < 0 ? Attr(op, "alpha", 1f) * (MathF.Exp(v) - 1) : v,
                    "Sigmoid" => (float)(1.0 / (1.0 + Math.Exp(-v))),
                    "Tanh" => MathF.Tanh(v),
                    "Clip" => Math.Min(Math.Max(v,
                        op.Inputs.Count > 1 && op.Inputs[1].Length > 0 ? Param(op, 1) : Attr(op, "min", float.MinValue)),
                        op.Inputs.Count > 2 && op.Inputs[2].Length > 0 ? Param(op, 2) : Attr(op, "max", float.MaxValue)),
                    "BatchNormalization" => (v - Param(op, 3)) / MathF.Sqrt(Param(op, 4) + Attr(op, "epsilon", 1e-5f)) * Param(op, 1) + Param(op, 2),
                    "Add" => v + Param(op, 1),
                    "Sub" => v - Param(op, 1),
                    "Mul" => v * Param(op, 1),
                    "Div" => v / Param(op, 1),
                    _ => v, // Identity, Dropout (inference)
                };
            }
            return v;
        }

        private static float PerChannel(float[] values, int channel) => values.Length == 1 ? values[0] : values[channel];

        private static void SliceBias(OnnxTensor? bias, int[] keep)
        {
            if (bias == null) return;
            var b = OnnxTensorData.ToFloats(bias);
            var dims = bias.Dims.ToArray();
            dims[dims.Length - 1] = keep.Length;
            TensorWriting.SetFloats(bias, keep.Select(i => b[i]).ToArray(), dims);
        }

        private static void SliceParameters(OnnxNode op, int[] keep, int n, Dictionary<string, OnnxTensor> initializers)
        {
            foreach (var name in op.Inputs.Skip(1))
            {
                if (name.Length == 0 || !initializers.TryGetValue(name, out var t) || t.DataType != OnnxDataType.Float || OnnxTensorData.ElementCount(t) != n || n == 1)
                    continue;
                var v = OnnxTensorData.ToFloats(t);
                var dims = t.Dims.ToArray();
                dims[dims[dims.Length - 1] == n ? dims.Length - 1 : Array.IndexOf(dims, (long)n)] = keep.Length; // [N], or [C, 1, 1] for convs
                TensorWriting.SetFloats(t, keep.Select(i => v[i]).ToArray(), dims);
            }
        }

        /// <summary>
        /// Intermediate value_info entries between the layer and the next keep their old width otherwise: fix the channel
        /// (or last) dim, and after a Flatten the flattened width (channels x <paramref name="window"/> positions).
        /// </summary>
        private static void ResizeValueInfos(OnnxGraph graph, PrunableLayer layer, Chain chain, int width, int window)
        {
            var names = new HashSet<string>(StringComparer.Ordinal) { layer.Node.Outputs[0] };
            var flatNames = new HashSet<string>(StringComparer.Ordinal);
            bool flat = false;
            foreach (var op in chain.Ops)
            {
                flat |= op.OpType == "Flatten";
                (flat ? flatNames : names).Add(op.Outputs[0]);
            }
            foreach (var vi in graph.ValueInfos.Where(v => flatNames.Contains(v.Name) && v.Shape != null && v.Shape.Count == 2))
                vi.Shape![1] = new OnnxDim { Value = (long)width * window };
            if (layer.Node.OpType == "MatMul" && layer.Bias != null)
                foreach (var node in graph.Nodes.Where(n => n.OpType == "Add" && n.Inputs.Contains(layer.Node.Outputs[0]))) names.Add(node.Outputs[0]);
            int axis(OnnxValueInfo v) => layer.Node.OpType == "Conv" ? 1 : v.Shape!.Count - 1; // channels of NCHW, features of [.., N]
            foreach (var vi in graph.ValueInfos.Where(v => names.Contains(v.Name) && v.Shape != null && v.Shape.Count > 1))
                vi.Shape![axis(vi)] = new OnnxDim { Value = width };
        }

        /// <summary>Adds a folded constant to a layer's bias, creating the bias (Gemm's C, or an Add after a MatMul) when there is none.</summary>
        private static OnnxTensor AddToBias(OnnxGraph graph, PrunableLayer layer, double[] delta)
        {
            if (layer.Bias != null)
            {
                var b = OnnxTensorData.ToFloats(layer.Bias);
                float beta = layer.Node.OpType == "Gemm" ? Beta(layer.Node) : 1f;
                for (int i = 0; i < b.Length; i++) b[i] = (float)(b[i] + delta[i] / beta);
                TensorWriting.SetFloats(layer.Bias, b, layer.Bias.Dims.ToArray());
                return layer.Bias;
            }
            string name = UniqueName(graph, layer.Weight.Name + "_folded_bias");
            var t = new OnnxTensor { Name = name };
            graph.Initializers.Add(t);
            if (layer.Node.OpType is "Gemm" or "Conv")
            {
                float beta = layer.Node.OpType == "Gemm" ? Beta(layer.Node) : 1f;
                TensorWriting.SetFloats(t, delta.Select(d => (float)(d / beta)).ToArray(), new long[] { delta.Length });
                while (layer.Node.Inputs.Count < 3) layer.Node.Inputs.Add("");
                layer.Node.Inputs[2] = name;
            }
            else
            {
                TensorWriting.SetFloats(t, delta.Select(d => (float)d).ToArray(), new long[] { delta.Length });
                string output = layer.Node.Outputs[0];
                string product = UniqueName(graph, output + "_before_folded_bias");
                layer.Node.Outputs[0] = product;
                var add = new OnnxNode { OpType = "Add", Name = UniqueName(graph, layer.Name + "_folded_bias_add") };
                add.Inputs.Add(product);
                add.Inputs.Add(name);
                add.Outputs.Add(output);
                graph.Nodes.Insert(graph.Nodes.IndexOf(layer.Node) + 1, add);
            }
            return t;
        }

        private static string UniqueName(OnnxGraph graph, string stem)
        {
            var used = new HashSet<string>(graph.Initializers.Select(t => t.Name).Concat(graph.Nodes.SelectMany(n => n.Outputs.Append(n.Name))).Concat(graph.Inputs.Select(i => i.Name)), StringComparer.Ordinal);
            string name = stem;
            for (int i = 2; used.Contains(name); i++) name = stem + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return name;
        }
    }
}
