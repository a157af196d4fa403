using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // ArgMax, ArgMin and TopK: the ops whose outputs are int64 indices (class indices of a classifier head). Those values
    // are computed straight into the caller's Span<long>; they may be reshaped (a view) and returned as graph outputs,
    // and nothing else may read them (CheckIndexUses), because every other op of the IR computes on floats.
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops lowered in this file.</summary>
        private static string[] ArgTopKOps => new[] { "ArgMax", "ArgMin", "TopK" };

        /// <summary>Ops that may read int64 indices (as their input 0): views, which move no data.</summary>
        private static readonly HashSet<string> s_indexViewOps = new HashSet<string>(System.StringComparer.Ordinal)
        {
            "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Dropout",
        };

        /// <summary>(op, output) pairs whose output is int64 indices.</summary>
        private static bool IsIndexOutput(string opType, int output) =>
            ((opType == "ArgMax" || opType == "ArgMin") && output == 0) || (opType == "TopK" && output == 1);

        private bool TryLowerArgTopK(OnnxNode node, string where)
        {
            switch (node.OpType)
            {
                case "ArgMax": LowerArgReduce(node, max: true, where); return true;
                case "ArgMin": LowerArgReduce(node, max: false, where); return true;
                case "TopK": LowerTopK(node, where); return true;
                default: return false;
            }
        }

        /// <summary>Refuses a node that reads int64 indices other than as a view's data input.</summary>
        private void CheckIndexUses(OnnxNode node, string where)
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i].Length == 0 || !_values.TryGetValue(node.Inputs[i], out var value) || !value.Root.IsInt64) continue;
                if (i == 0 && s_indexViewOps.Contains(node.OpType)) continue;
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                    $"{where}: input '{Text.Quote(node.Inputs[i])}' holds the int64 indices of ArgMax, ArgMin or TopK; they can only be reshaped "
                    + "(Identity, Reshape, Flatten, Squeeze, Unsqueeze) and returned as graph outputs, not computed with");
            }
        }

        /// <summary>ArgMax / ArgMin(axis = 0, keepdims = 1, select_last_index = 0 (opset 12+)).</summary>
        private void LowerArgReduce(OnnxNode node, bool max, string where)
        {
            var attrs = new NodeAttributes(node, where);
            if (_opset >= 12) attrs.OnlyKnown("axis", "keepdims", "select_last_index");
            else attrs.OnlyKnown("axis", "keepdims");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            if (rank == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: {node.OpType} needs rank >= 1");
            int axis = NormalizeAxes(new[] { attrs.Int("axis", 0) }, rank, where)[0];
            bool keepDims = attrs.Int("keepdims", 1) != 0;
            bool last = attrs.Int("select_last_index", 0) != 0;
            if (x.IsBatched && axis == 0) throw BatchMix(where, $"the {(max ? "maximum" : "minimum")} is taken over the batch dim");
            if (x.Shape[axis] == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: {node.OpType} over an empty axis (dim {axis} is 0) has no answer");

            var kept = x.Shape.Select((d, i) => i == axis ? 1 : d).ToArray();
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", kept, x.IsBatched);
            y.IsInt64 = true;
            _graph.Ops.Add(new ArgReduceOp(max, last, x, y, Shapes.Product(x.Shape, 0, axis), x.Shape[axis], Shapes.Product(x.Shape, axis + 1, rank), Source(node)));
            var final = keepDims ? kept : x.Shape.Where((d, i) => i != axis).ToArray();
            DefineOutput(node, 0, keepDims ? y : View(y, final, node), where);
        }

        /// <summary>TopK(x, k) with axis = -1, largest = 1, sorted = 1 (k an attribute before opset 10, a constant input since).</summary>
        private void LowerTopK(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            if (_opset >= 11) attrs.OnlyKnown("axis", "largest", "sorted");
            else if (_opset >= 10) attrs.OnlyKnown("axis");
            else attrs.OnlyKnown("axis", "k");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            if (rank == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: TopK needs rank >= 1");
            int axis = NormalizeAxes(new[] { attrs.Int("axis", -1) }, rank, where)[0];
            long k;
            if (_opset >= 10)
            {
                long[] ks = ConstantInts(Input(node, 1, where), "k", where);
                if (ks.Length != 1) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: TopK's k must be one value, got {ks.Length}");
                k = ks[0];
            }
            else
            {
                k = attrs.Int("k", -1);
            }
            if (k < 0 || k > x.Shape[axis])
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: k = {k} is outside [0, {x.Shape[axis]}] (the length of axis {axis})");
            bool largest = attrs.Int("largest", 1) != 0;
            // sorted = 0 leaves the order open: the sorted order is one of the allowed ones.
            if (x.IsBatched && axis == 0) throw BatchMix(where, "the selection runs over the batch dim");

            var shape = x.Shape.Select((d, i) => i == axis ? (int)k : d).ToArray();
            int outer = Shapes.Product(x.Shape, 0, axis), length = x.Shape[axis], inner = Shapes.Product(x.Shape, axis + 1, rank);
            string source = Source(node);
            for (int output = 0; output < 2; output++)
            {
                if (output >= node.Outputs.Count || node.Outputs[output].Length == 0) continue;
                var y = NewValue(node.Outputs[output], shape, x.IsBatched);
                y.IsInt64 = output == 1;
                _graph.Ops.Add(new TopKOp(output == 1, largest, (int)k, x, y, outer, length, inner, source));
                DefineOutput(node, output, y, where);
            }
        }

        /// <summary>
        /// The graph output types: float, or int64 when the value is the indices output of ArgMax, ArgMin or TopK (through
        /// views). Checked before any node, so that a model with other non-float outputs is refused as such (PCG0005).
        /// </summary>
        private static void CheckDeclaredOutputTypes(OnnxGraph graph)
        {
            Dictionary<string, (OnnxNode Node, int Output)>? producers = null;
            foreach (var declared in graph.Outputs)
            {
                string where = $"graph output '{Text.Quote(declared.Name)}'";
                if (declared.TypeKind.Length > 0 && declared.TypeKind != "tensor")
                    throw new ModelCompileException(DiagnosticIds.UnsupportedDataType, $"{where} is a {declared.TypeKind}; only float tensors are supported");
                if (declared.TypeKind != "tensor" || declared.ElementType == OnnxDataType.Float || declared.ElementType == OnnxDataType.Undefined) continue;
                if (declared.ElementType == OnnxDataType.Int64)
                {
                    producers ??= Producers(graph);
                    if (IsIndexChain(producers, declared.Name)) continue;
                    throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                        $"{where} has element type Int64 but is not the indices output of ArgMax, ArgMin or TopK; only float outputs and those indices are supported");
                }
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                    $"{where} has element type {declared.ElementType}; only float outputs (and int64 indices of ArgMax, ArgMin, TopK) are supported");
            }
        }

        private static Dictionary<string, (OnnxNode Node, int Output)> Producers(OnnxGraph graph)
        {
            var producers = new Dictionary<string, (OnnxNode, int)>(System.StringComparer.Ordinal);
            foreach (var node in graph.Nodes)
                for (int o = 0; o < node.Outputs.Count; o++)
                    if (node.Outputs[o].Length > 0 && !producers.ContainsKey(node.Outputs[o])) producers[node.Outputs[o]] = (node, o);
            return producers;
        }

        private static bool IsIndexChain(Dictionary<string, (OnnxNode Node, int Output)> producers, string name)
        {
            // Bounded by the node count: a cyclic (invalid) graph cannot loop here.
            for (int steps = 0; steps <= producers.Count && producers.TryGetValue(name, out var p); steps++)
            {
                if (p.Node.Domain.Length > 0 && p.Node.Domain != "ai.onnx") return false;
                if (IsIndexOutput(p.Node.OpType, p.Output)) return true;
                if (p.Output != 0 || !s_indexViewOps.Contains(p.Node.OpType) || p.Node.Inputs.Count == 0) return false;
                name = p.Node.Inputs[0];
            }
            return false;
        }

        /// <summary>Drops index ops whose result no graph output returns (e.g. TopK's unused indices): nothing else can read them.</summary>
        private void RemoveUnreturnedIndexOps()
        {
            var returned = new HashSet<IrValue>(_graph.Outputs.Select(v => v.Root));
            _graph.Ops.RemoveAll(op => op.Output.IsInt64 && !returned.Contains(op.Output.Root));
        }
    }
}
