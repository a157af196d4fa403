using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // Ops that move data without arithmetic: Squeeze and Unsqueeze (views), Transpose and Pad (one GatherOp
    // each), Concat. With constant inputs they are folded at build time. None of them may move the batch dim.
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops lowered in this file.</summary>
        private static string[] ShapeOps => new[] { "Squeeze", "Unsqueeze", "Transpose", "Pad", "Concat" };

        private bool TryLowerShape(OnnxNode node, string where)
        {
            switch (node.OpType)
            {
                case "Squeeze": LowerSqueeze(node, where); return true;
                case "Unsqueeze": LowerUnsqueeze(node, where); return true;
                case "Transpose": LowerTranspose(node, where); return true;
                case "Pad": LowerPad(node, where); return true;
                case "Concat": LowerConcat(node, where); return true;
                default: return false;
            }
        }

        /// <summary>Axes from the 'axes' attribute (opset &lt; 13) or the optional constant int64 input 1 (opset 13+), or null.</summary>
        private long[]? AxesOperand(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            if (_opset < 13)
            {
                attrs.OnlyKnown("axes");
                return attrs.Ints("axes")?.ToArray();
            }
            attrs.OnlyKnown();
            var axes = OptionalInput(node, 1, where);
            if (axes == null) return null;
            if (axes.Kind != ValueKind.Constant || axes.IntData == null)
                throw new ModelCompileException(DiagnosticIds.UnknownShape, $"{where}: axes '{Text.Quote(axes.Name)}' must be a constant int64 tensor");
            return axes.IntData;
        }

        private static int[] NormalizeAxes(IEnumerable<long> axes, int rank, string where)
        {
            var result = new List<int>();
            foreach (long a in axes)
            {
                if (a < -rank || a >= rank)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: axis {a} is out of range for rank {rank}");
                int n = (int)(a < 0 ? a + rank : a);
                if (result.Contains(n)) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: axis {a} is given twice");
                result.Add(n);
            }
            return result.ToArray();
        }

        private void LowerSqueeze(OnnxNode node, string where)
        {
            var x = Input(node, 0, where);
            long[]? spec = AxesOperand(node, where);
            int rank = x.Shape.Length;
            int[] axes;
            if (spec == null)
            {
                // Every dim of size 1, except a symbolic batch dim (compiled as 1, but not 1 at run time).
                axes = Enumerable.Range(0, rank).Where(d => x.Shape[d] == 1 && !(d == 0 && x.IsBatched)).ToArray();
            }
            else
            {
                axes = NormalizeAxes(spec, rank, where);
                foreach (int a in axes)
                {
                    if (a == 0 && x.IsBatched) throw BatchMix(where, "it squeezes the batch dim");
                    if (x.Shape[a] != 1)
                        throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: cannot squeeze axis {a} of size {x.Shape[a]}");
                }
            }
            var shape = Enumerable.Range(0, rank).Where(d => !axes.Contains(d)).Select(d => x.Shape[d]).ToArray();
            DefineOutput(node, 0, View(x, shape, node), where);
        }

        private void LowerUnsqueeze(OnnxNode node, string where)
        {
            var x = Input(node, 0, where);
            long[] spec = AxesOperand(node, where)
                ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Unsqueeze needs axes");
            int rank = x.Shape.Length + spec.Length;
            if (rank > MaxRank) throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: rank {rank} exceeds the limit {MaxRank}");
            int[] axes = NormalizeAxes(spec, rank, where);
            if (x.IsBatched && axes.Contains(0)) throw BatchMix(where, "a new axis 0 moves the batch dim");
            var shape = new int[rank];
            for (int d = 0, source = 0; d < rank; d++) shape[d] = axes.Contains(d) ? 1 : x.Shape[source++];
            DefineOutput(node, 0, View(x, shape, node), where);
        }

        private void LowerTranspose(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("perm");
            var x = Input(node, 0, where);
            if (!IsIntConstant(x)) RequireFloat(x, where);
            int rank = x.Shape.Length;
            long[] spec = attrs.Ints("perm")?.ToArray() ?? Enumerable.Range(0, rank).Reverse().Select(a => (long)a).ToArray();
            if (spec.Length != rank || spec.Any(p => p < 0 || p >= rank) || spec.Distinct().Count() != rank)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: perm [{string.Join(",", spec)}] is not a permutation of {rank} axes");
            int[] perm = spec.Select(p => (int)p).ToArray();
            if (x.IsBatched && perm[0] != 0) throw BatchMix(where, "the permutation moves the batch dim");

            var shape = perm.Select(p => x.Shape[p]).ToArray();
            if (perm.Select((p, d) => p == d).All(same => same) || x.Count <= 1)
            {
                DefineOutput(node, 0, View(x, shape, node), where);
                return;
            }
            var strides = Strides(x.Shape);
            var offsets = perm.Select(p => Enumerable.Range(0, x.Shape[p]).Select(i => i * strides[p]).ToArray()).ToArray();
            DefineOutput(node, 0, Gather(x, shape, offsets, 0f, $"Transpose perm=[{InvariantList(perm.Select(a => (long)a))}]", node), where);
        }

        private void LowerPad(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            string mode;
            long[] pads;
            float fill = 0f;
            IrValue? fillInput = null;
            int[] axes;
            if (_opset < 11)
            {
                attrs.OnlyKnown("mode", "pads", "value");
                mode = StringAttribute(attrs, "mode", "constant");
                pads = attrs.Ints("pads")?.ToArray() ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Pad needs 'pads'");
                fill = attrs.Float("value", 0f);
                axes = Enumerable.Range(0, rank).ToArray();
            }
            else
            {
                attrs.OnlyKnown("mode");
                mode = StringAttribute(attrs, "mode", "constant");
                var padsValue = Input(node, 1, where);
                if (padsValue.Kind != ValueKind.Constant || padsValue.IntData == null)
                    throw new ModelCompileException(DiagnosticIds.UnknownShape, $"{where}: pads '{Text.Quote(padsValue.Name)}' must be a constant int64 tensor");
                pads = padsValue.IntData;
                if (OptionalInput(node, 2, where) is IrValue value)
                {
                    RequireFloat(value, where);
                    if (value.Count != 1 || value.IsBatched) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: constant_value must be a float scalar");
                    if (value.Kind == ValueKind.Constant) fill = value.Data![0];
                    else fillInput = value;
                }
                axes = OptionalInput(node, 3, where) is IrValue axesValue
                    ? NormalizeAxes(axesValue.IntData ?? throw new ModelCompileException(DiagnosticIds.UnknownShape, $"{where}: axes must be a constant int64 tensor"), rank, where)
                    : Enumerable.Range(0, rank).ToArray();
            }
            if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "wrap")
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: pad mode '{Text.Quote(mode)}' is not supported (constant, edge, reflect, wrap are)");
            if (pads.Length != 2 * axes.Length)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: pads has {pads.Length} values; expected {2 * axes.Length}");

            var begin = new long[rank];
            var end = new long[rank];
            for (int i = 0; i < axes.Length; i++)
            {
                begin[axes[i]] = pads[i];
                end[axes[i]] = pads[i + axes.Length];
            }
            var shape = new int[rank];
            for (int d = 0; d < rank; d++)
            {
                long size = x.Shape[d] + begin[d] + end[d];
                if (size < 0 || size > Shapes.MaxElements)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: pads {begin[d]} and {end[d]} give axis {d} the size {size}");
                if (d == 0 && x.IsBatched && (begin[d] != 0 || end[d] != 0)) throw BatchMix(where, "it pads the batch dim");
                shape[d] = (int)size;
            }
            Shapes.Count(shape);

            // Negative pads crop first; the positive ones then pad what is left (as the ONNX reference does).
            var strides = Strides(x.Shape);
            var offsets = new int[rank][];
            for (int d = 0; d < rank; d++)
            {
                long first = Math.Max(0, -begin[d]);
                int n = (int)(x.Shape[d] - first - Math.Max(0, -end[d]));
                if (n <= 0 && shape[d] > 0 && mode != "constant")
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: {mode} padding of axis {d}, which the negative pads crop to nothing");
                offsets[d] = new int[shape[d]];
                for (int o = 0; o < shape[d]; o++)
                {
                    long i = o - Math.Max(0, begin[d]);
                    int source = mode switch
                    {
                        "constant" => i >= 0 && i < n ? (int)i : -1,
                        "edge" => (int)Math.Min(Math.Max(i, 0), n - 1),
                        "wrap" => (int)(((i % n) + n) % n),
                        _ => Reflect(i, n),
                    };
                    offsets[d][o] = source < 0 ? -1 : (int)(first + source) * strides[d];
                }
            }
            string what = $"Pad {mode} [{InvariantList(pads)}]" + (mode != "constant" ? "" : fillInput != null ? " value from input" : $" value {Emitting.CSharpLiterals.Float(fill)}");
            DefineOutput(node, 0, Gather(x, shape, offsets, fill, what, node, mode == "constant" ? fillInput : null), where);
        }

        /// <summary>numpy's "reflect": mirror about the edge elements (not repeating them), repeatedly.</summary>
        private static int Reflect(long i, int n)
        {
            if (n == 1) return 0;
            long period = 2L * (n - 1);
            long m = ((i % period) + period) % period;
            return (int)(m < n ? m : period - m);
        }

        private void LowerConcat(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("axis");
            if (!attrs.Has("axis") && _opset >= 4) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Concat needs 'axis'");
            if (node.Inputs.Count == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Concat needs at least one input");
            var parts = Enumerable.Range(0, node.Inputs.Count).Select(i => Input(node, i, where)).ToList();
            bool ints = parts.Any(IsIntConstant);
            if (ints && !parts.All(IsIntConstant))
                throw new ModelCompileException(DiagnosticIds.UnknownShape, $"{where}: Concat joins int64 constants with values that are not build-time int64 constants");
            if (!ints) foreach (var p in parts) RequireFloat(p, where);
            int rank = parts[0].Shape.Length;
            if (rank == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Concat of scalars");
            long axisValue = attrs.Int("axis", 1);
            if (axisValue < -rank || axisValue >= rank)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: axis {axisValue} is out of range for rank {rank}");
            int axis = (int)(axisValue < 0 ? axisValue + rank : axisValue);

            var shape = (int[])parts[0].Shape.Clone();
            long total = 0;
            foreach (var p in parts)
            {
                if (p.Shape.Length != rank || Enumerable.Range(0, rank).Any(d => d != axis && p.Shape[d] != shape[d]))
                    throw new ModelCompileException(DiagnosticIds.InvalidNode,
                        $"{where}: shapes {string.Join(", ", parts.Select(v => Shapes.Format(v.Shape)))} differ outside axis {axis}");
                total += p.Shape[axis];
            }
            if (total > Shapes.MaxElements) throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: the result is too large");
            shape[axis] = (int)total;
            Shapes.Count(shape);

            bool batched = parts.Any(p => p.IsBatched);
            if (batched && (axis == 0 || parts.Any(p => !p.IsBatched)))
                throw BatchMix(where, axis == 0 ? "it concatenates along the batch dim" : "it joins per-sample values with values that have no batch dim");

            int outer = Shapes.Product(shape, 0, axis);
            int inner = Shapes.Product(shape, axis + 1, rank);
            var chunks = parts.Select(p => p.Shape[axis] * inner).ToArray();
            string name = node.Outputs.FirstOrDefault() ?? "";
            if (parts.Count == 1)
            {
                DefineOutput(node, 0, View(parts[0], shape, node), where);
                return;
            }
            if (ints)
            {
                // Shape computations: the batch symbol is copied like any other dim.
                var joined = new long[Shapes.Count(shape)];
                int next = 0;
                for (int o = 0; o < outer; o++)
                    for (int k = 0; k < parts.Count; k++)
                    {
                        Array.Copy(parts[k].IntData!, o * chunks[k], joined, next, chunks[k]);
                        next += chunks[k];
                    }
                DefineOutput(node, 0, IntConstant(name, shape, joined), where);
                return;
            }
            if (parts.All(p => p.Kind == ValueKind.Constant))
            {
                var data = new float[Shapes.Count(shape)];
                int at = 0;
                for (int o = 0; o < outer; o++)
                    for (int k = 0; k < parts.Count; k++)
                    {
                        Array.Copy(parts[k].Data!, o * chunks[k], data, at, chunks[k]);
                        at += chunks[k];
                    }
                DefineOutput(node, 0, NewConstant(name, shape, data), where);
                return;
            }
            var output = NewValue(name, shape, batched);
            _graph.Ops.Add(new ConcatOp(parts, output, outer, chunks, axis, Source(node)));
            DefineOutput(node, 0, output, where);
        }

        /// <summary>Appends a GatherOp (or evaluates it now when X is a constant).</summary>
        private IrValue Gather(IrValue x, int[] shape, int[][] offsets, float fill, string what, OnnxNode node, IrValue? fillInput = null, string? outputName = null)
        {
            string name = outputName ?? node.Outputs.FirstOrDefault() ?? "";
            if (x.Kind == ValueKind.Constant && fillInput == null)
            {
                // Folded now, for float data and for int64 data (shape computations; the batch symbol is copied as is).
                int count = Shapes.Count(shape);
                ChargeConstant(count);
                var data = x.Data != null ? new float[count] : null;
                var ints = x.Data == null ? new long[count] : null;
                var index = new int[shape.Length];
                for (int e = 0; e < count; e++)
                {
                    int at = 0;
                    for (int d = 0; d < shape.Length && at >= 0; d++) at = offsets[d][index[d]] < 0 ? -1 : at + offsets[d][index[d]];
                    if (data != null) data[e] = at < 0 ? fill : x.Data![at];
                    else ints![e] = at < 0 ? 0 : x.IntData![at];
                    for (int d = shape.Length - 1; d >= 0; d--)
                    {
                        if (++index[d] < shape[d]) break;
                        index[d] = 0;
                    }
                }
                return data != null ? NewConstant(name, shape, data) : new IrValue(name, ValueKind.Constant, shape, isBatched: false) { IntData = ints };
            }
            var output = NewValue(name, shape, x.IsBatched);
            _graph.Ops.Add(new GatherOp(x, output, offsets, fill, what, Source(node)) { FillInput = fillInput });
            return output;
        }

        /// <summary>"1,-2,3" whatever the culture (some write the minus sign as U+2212): it reaches the generated comments.</summary>
        private static string InvariantList(IEnumerable<long> values) =>
            string.Join(",", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        /// <summary>Row-major element strides of a shape.</summary>
        private static int[] Strides(int[] shape)
        {
            var strides = new int[shape.Length];
            int stride = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                strides[d] = stride;
                stride *= shape[d];
            }
            return strides;
        }
    }
}
