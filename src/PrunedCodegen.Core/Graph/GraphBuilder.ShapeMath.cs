using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // Shape subgraphs folded at build time. Exporters compute shapes at run time (PyTorch writes
    // Shape -> Gather -> Unsqueeze -> Concat -> Reshape for `x.view(x.size(0), -1)`), but in our models every dim
    // except the batch is static, so these subgraphs are int64 constants here. The batch dim stays symbolic:
    // Shape of a batched tensor gives BatchSymbol at axis 0, which survives picks, slices and concatenations and
    // means "the batch dim" to Reshape and Expand; arithmetic that would need its value is refused (PCG0006) with
    // the node named.
    internal sealed partial class GraphBuilder
    {
        /// <summary>
        /// The symbolic batch dim inside an int64 constant computed by Shape. Far from any real dim or index, and
        /// negative, so code that does not know about it refuses it as an invalid dim rather than using it.
        /// </summary>
        internal const long BatchSymbol = long.MinValue / 4;

        /// <summary>
        /// The ONNX ops of this file that work whatever the data: Shape and Size of any tensor, Cast of float values,
        /// ConstantOfShape and Range. The integer arithmetic (Add...Mod, Equal, Not, And, Or, Xor, Neg, Abs, Where,
        /// ReduceProd/Sum/Max/Min) is folded on int64 constants only, so it is not listed as supported for float data.
        /// </summary>
        private static string[] ShapeMathOps => new[] { "Shape", "Size", "ConstantOfShape", "Range", "Cast" };

        /// <summary>Integer ONNX element types (TensorProto.DataType): uint8, int8, uint16, int16, int32, int64, bool, uint32, uint64.</summary>
        private static bool IsIntegerType(long type) => type is 2 or 3 or 4 or 5 or 6 or 7 or 9 or 12 or 13;

        private static bool IsIntConstant(IrValue v) => v.Kind == ValueKind.Constant && v.IntData != null;

        private IrValue IntConstant(string name, int[] shape, long[] data)
        {
            ChargeConstant(data.Length);
            return new IrValue(name, ValueKind.Constant, shape, isBatched: false) { IntData = data };
        }

        /// <summary>
        /// Folds the node when it computes on int64 constants (or asks for a static shape); false when the node is
        /// not one of these, so the float lowerings get it.
        /// </summary>
        private bool TryFoldIntegers(OnnxNode node, string where)
        {
            switch (node.OpType)
            {
                case "Shape": FoldShape(node, where); return true;
                case "Size": FoldSize(node, where); return true;
                case "ConstantOfShape": FoldConstantOfShape(node, where); return true;
                case "Range": FoldRange(node, where); return true;
                case "Cast": return TryFoldCast(node, where);
            }
            var inputs = node.Inputs.Where(n => n.Length > 0).Select(n => Lookup(n, where)).ToList();
            if (inputs.Count == 0) return false;
            // Decided by the data operands: a reduction of float data with int64 axes is a float reduction, a Where
            // with a float condition... is not ours.
            bool integerData = node.OpType.StartsWith("Reduce", StringComparison.Ordinal) ? IsIntConstant(inputs[0])
                : node.OpType == "Where" ? IsIntConstant(inputs[0]) || inputs.Skip(1).Any(IsIntConstant)
                : inputs.Any(IsIntConstant);
            if (!integerData) return false;
            switch (node.OpType)
            {
                case "Add": FoldIntBinary(node, where, (a, b) => checked(a + b), keepsBatch: b => b == 0); return true;
                case "Sub": FoldIntBinary(node, where, (a, b) => checked(a - b), keepsBatch: b => b == 0, symbolOnLeftOnly: true); return true;
                case "Mul": FoldIntBinary(node, where, (a, b) => checked(a * b), keepsBatch: b => b == 1); return true;
                case "Div": FoldIntBinary(node, where, (a, b) => b == 0 ? throw DivideByZero(where) : a / b, keepsBatch: b => b == 1, symbolOnLeftOnly: true); return true;
                case "Mod": FoldIntBinary(node, where, (a, b) => b == 0 ? throw DivideByZero(where) : FloorMod(a, b, new NodeAttributes(node, where).Int("fmod", 0) != 0)); return true;
                case "Max": case "Min": FoldIntVariadic(node, where, node.OpType == "Max" ? Math.Max : Math.Min); return true;
                case "Equal": FoldIntBinary(node, where, (a, b) => a == b ? 1 : 0); return true;
                case "Less": FoldIntBinary(node, where, (a, b) => a < b ? 1 : 0); return true;
                case "Greater": FoldIntBinary(node, where, (a, b) => a > b ? 1 : 0); return true;
                case "LessOrEqual": FoldIntBinary(node, where, (a, b) => a <= b ? 1 : 0); return true;
                case "GreaterOrEqual": FoldIntBinary(node, where, (a, b) => a >= b ? 1 : 0); return true;
                case "And": FoldIntBinary(node, where, (a, b) => a != 0 && b != 0 ? 1 : 0); return true;
                case "Or": FoldIntBinary(node, where, (a, b) => a != 0 || b != 0 ? 1 : 0); return true;
                case "Xor": FoldIntBinary(node, where, (a, b) => (a != 0) != (b != 0) ? 1 : 0); return true;
                case "Not": FoldIntUnary(node, where, a => a == 0 ? 1 : 0); return true;
                case "Neg": FoldIntUnary(node, where, a => checked(-a)); return true;
                case "Abs": FoldIntUnary(node, where, a => checked(Math.Abs(a))); return true;
                case "Where": FoldWhere(node, where); return true;
                case "ReduceProd": FoldIntReduce(node, where, 1, (a, b) => checked(a * b)); return true;
                case "ReduceSum": FoldIntReduce(node, where, 0, (a, b) => checked(a + b)); return true;
                case "ReduceMax": FoldIntReduce(node, where, long.MinValue, Math.Max); return true;
                case "ReduceMin": FoldIntReduce(node, where, long.MaxValue, Math.Min); return true;
                default: return false;
            }
        }

        private static ModelCompileException DivideByZero(string where) =>
            new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: integer division by zero in a shape computation");

        private static long FloorMod(long a, long b, bool fmod)
        {
            long r = a % b;
            return fmod || r == 0 || (r < 0) == (b < 0) ? r : r + b;
        }

        private static ModelCompileException BatchDependent(string where, string why) =>
            new ModelCompileException(DiagnosticIds.UnknownShape,
                $"{where}: {why} depends on the batch size, which is only known at run time; only computations that keep the batch dim as it is can be compiled (export with a fixed batch dim to compile the model as a single tensor)");

        // ---- Shape, Size ----

        private void FoldShape(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("start", "end");
            var x = Input(node, 0, where);
            int rank = x.Shape.Length;
            var dims = x.Shape.Select((d, i) => i == 0 && x.IsBatched ? BatchSymbol : d).ToArray();
            // Opset 15: [start, end) of the dims, negative from the back, clamped to [0, rank].
            long start = Clamp(Wrap(attrs.Int("start", 0), rank), 0, rank);
            long end = Clamp(Wrap(attrs.Int("end", rank), rank), 0, rank);
            var picked = dims.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray();
            DefineOutput(node, 0, IntConstant(node.Outputs[0], new[] { picked.Length }, picked), where);
        }

        private static long Wrap(long index, long size) => index < 0 ? index + size : index;

        /// <summary>Math.Clamp, which netstandard2.0 (the analyzer's target) lacks.</summary>
        private static long Clamp(long value, long min, long max) => value < min ? min : value > max ? max : value;

        private void FoldSize(OnnxNode node, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            var x = Input(node, 0, where);
            if (x.IsBatched) throw BatchDependent(where, "the element count of a batched tensor");
            DefineOutput(node, 0, IntConstant(node.Outputs[0], Array.Empty<int>(), new long[] { x.Count }), where);
        }

        // ---- ConstantOfShape, Range, Cast ----

        private void FoldConstantOfShape(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("value");
            var spec = Input(node, 0, where);
            if (!IsIntConstant(spec))
                throw new ModelCompileException(DiagnosticIds.UnknownShape, $"{where}: the shape '{Text.Quote(spec.Name)}' is not a build-time int64 constant");
            if (spec.IntData!.Contains(BatchSymbol)) throw BatchDependent(where, "a constant whose shape includes the batch dim");
            if (spec.Shape.Length != 1) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: the shape input must be 1-D");
            int[] shape = ToDims(spec.IntData!, where);
            int count = Shapes.Count(shape);
            IrValue? fill = attrs.Find("value") is OnnxAttribute a && a.T != null ? ConstantFromTensor(a.T, where) : null;
            if (fill != null && fill.Count != 1) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: 'value' must hold one element");
            string name = node.Outputs[0];
            if (fill?.IntData != null)
                DefineOutput(node, 0, IntConstant(name, shape, Enumerable.Repeat(fill.IntData[0], count).ToArray()), where);
            else
            {
                ChargeConstant(count);
                DefineOutput(node, 0, NewConstant(name, shape, Enumerable.Repeat(fill?.Data![0] ?? 0f, count).ToArray()), where);
            }
        }

        private static int[] ToDims(long[] spec, string where) => spec.Select(d =>
            d < 0 || d > Shapes.MaxElements
                ? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: invalid dim {d}")
                : (int)d).ToArray();

        private void FoldRange(OnnxNode node, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            var operands = Enumerable.Range(0, 3).Select(i => Input(node, i, where)).ToArray();
            if (operands.Any(v => v.Kind != ValueKind.Constant || v.Count != 1))
                throw new ModelCompileException(DiagnosticIds.UnknownShape, $"{where}: start, limit and delta must be build-time scalar constants");
            string name = node.Outputs[0];
            if (operands.All(IsIntConstant))
            {
                long start = operands[0].IntData![0], limit = operands[1].IntData![0], delta = operands[2].IntData![0];
                if (new[] { start, limit, delta }.Contains(BatchSymbol)) throw BatchDependent(where, "a range over the batch size");
                if (delta == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: delta is 0");
                double steps = Math.Ceiling(((double)limit - start) / delta);
                long n = steps <= 0 ? 0 : steps > Shapes.MaxElements ? Shapes.MaxElements + 1L : (long)steps;
                if (n > Shapes.MaxElements) throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: the range has {n} elements");
                DefineOutput(node, 0, IntConstant(name, new[] { (int)n }, Enumerable.Range(0, (int)n).Select(i => start + i * delta).ToArray()), where);
                return;
            }
            if (operands.Any(v => v.Data == null)) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: start, limit and delta have different types");
            float fs = operands[0].Data![0], fl = operands[1].Data![0], fd = operands[2].Data![0];
            double count = Math.Ceiling((fl - fs) / (double)fd);
            if (fd == 0 || double.IsNaN(count)) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: delta is 0 or a bound is not finite");
            if (count > Shapes.MaxElements) throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: the range has {count} elements");
            int m = (int)Math.Max(0, count);
            ChargeConstant(m);
            DefineOutput(node, 0, NewConstant(name, new[] { m }, Enumerable.Range(0, m).Select(i => fs + i * fd).ToArray()), where);
        }

        /// <summary>Cast of a constant to or from an integer type, folded; float-to-float casts of runtime values are left to the elementwise lowering.</summary>
        private bool TryFoldCast(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("to", "saturate", "round_mode");
            var x = Input(node, 0, where);
            long to = attrs.Int("to", 0);
            bool toInt = IsIntegerType(to);
            bool toFloat = to is 1 or 10 or 11 or 16;
            if (!toInt && !toFloat)
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType, $"{where}: Cast to element type {to} is not supported (float and integer types are)");
            string name = node.Outputs.FirstOrDefault() ?? "";
            if (x.Kind != ValueKind.Constant)
            {
                if (toFloat && !IsBoolean(x))
                {
                    // A float value cast to float (or a half/double the code computes in float32): a view.
                    DefineOutput(node, 0, View(x, x.Shape, node), where);
                    return true;
                }
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                    $"{where}: Cast of the run-time value '{Text.Quote(x.Name)}' to element type {to}; integer tensors are only supported as build-time constants");
            }
            if (x.IntData != null)
            {
                if (toInt)
                {
                    var data = to == 9 ? x.IntData.Select(v => v == BatchSymbol ? 1L : v != 0 ? 1L : 0L).ToArray() : x.IntData;
                    DefineOutput(node, 0, IntConstant(name, x.Shape, data), where);
                }
                else
                {
                    if (x.IntData.Contains(BatchSymbol)) throw BatchDependent(where, "a float computed from the batch size");
                    ChargeConstant(x.Count);
                    DefineOutput(node, 0, NewConstant(name, x.Shape, x.IntData.Select(v => (float)v).ToArray()), where);
                }
                return true;
            }
            if (toFloat)
            {
                DefineOutput(node, 0, View(x, x.Shape, node), where);
                return true;
            }
            // Float constant to integer: truncation toward zero, as ONNX Runtime does; bool is "not zero".
            var ints = x.Data!.Select(f => float.IsNaN(f) || float.IsInfinity(f)
                ? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: cannot cast {f} to an integer")
                : to == 9 ? (f != 0 ? 1L : 0L) : (long)f).ToArray();
            DefineOutput(node, 0, IntConstant(name, x.Shape, ints), where);
            return true;
        }

        // ---- integer elementwise ops ----

        private IrValue RequireIntConstant(IrValue v, string where) =>
            IsIntConstant(v) ? v : throw new ModelCompileException(v.Kind == ValueKind.Constant ? DiagnosticIds.InvalidNode : DiagnosticIds.UnknownShape,
                v.Kind == ValueKind.Constant
                    ? $"{where}: '{Text.Quote(v.Name)}' is a float tensor next to an integer one"
                    : $"{where}: '{Text.Quote(v.Name)}' is computed at run time; integer arithmetic is only supported on build-time constants (shape computations)");

        /// <summary>
        /// a op b with broadcasting. BatchSymbol may pass through when the other operand leaves it unchanged
        /// (<paramref name="keepsBatch"/>: N + 0, N * 1); anything else that touches it is refused.
        /// </summary>
        private void FoldIntBinary(OnnxNode node, string where, Func<long, long, long> op, Func<long, bool>? keepsBatch = null, bool symbolOnLeftOnly = false)
        {
            var a = RequireIntConstant(Input(node, 0, where), where);
            var b = RequireIntConstant(Input(node, 1, where), where);
            int[] shape = Shapes.Broadcast(a.Shape, b.Shape)
                ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: shapes {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)} do not broadcast");
            var data = Broadcast2(a, b, shape, (x, y) =>
            {
                if (x == BatchSymbol && y != BatchSymbol && keepsBatch != null && keepsBatch(y)) return BatchSymbol;
                if (y == BatchSymbol && x != BatchSymbol && !symbolOnLeftOnly && keepsBatch != null && keepsBatch(x)) return BatchSymbol;
                if (x == BatchSymbol || y == BatchSymbol) throw BatchDependent(where, $"{node.OpType} of a dim");
                try { return op(x, y); }
                catch (OverflowException) { throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: integer overflow in a shape computation"); }
            });
            DefineOutput(node, 0, IntConstant(node.Outputs[0], shape, data), where);
        }

        private void FoldIntVariadic(OnnxNode node, string where, Func<long, long, long> op)
        {
            var parts = node.Inputs.Select((_, i) => RequireIntConstant(Input(node, i, where), where)).ToList();
            var acc = parts[0];
            for (int i = 1; i < parts.Count; i++)
            {
                var next = parts[i];
                int[] shape = Shapes.Broadcast(acc.Shape, next.Shape)
                    ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: shapes do not broadcast");
                var data = Broadcast2(acc, next, shape, (x, y) => x == BatchSymbol || y == BatchSymbol ? throw BatchDependent(where, $"{node.OpType} of a dim") : op(x, y));
                acc = new IrValue("", ValueKind.Constant, shape, false) { IntData = data };
            }
            DefineOutput(node, 0, IntConstant(node.Outputs[0], acc.Shape, acc.IntData!), where);
        }

        private void FoldIntUnary(OnnxNode node, string where, Func<long, long> op)
        {
            new NodeAttributes(node, where).OnlyKnown();
            var x = RequireIntConstant(Input(node, 0, where), where);
            var data = x.IntData!.Select(v =>
            {
                if (v == BatchSymbol) throw BatchDependent(where, $"{node.OpType} of a dim");
                try { return op(v); }
                catch (OverflowException) { throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: integer overflow in a shape computation"); }
            }).ToArray();
            DefineOutput(node, 0, IntConstant(node.Outputs[0], x.Shape, data), where);
        }

        /// <summary>Where over constants: the condition and both branches known at build time (ints or floats).</summary>
        private void FoldWhere(OnnxNode node, string where)
        {
            var condition = RequireIntConstant(Input(node, 0, where), where);
            var a = Input(node, 1, where);
            var b = Input(node, 2, where);
            if (a.Kind != ValueKind.Constant || b.Kind != ValueKind.Constant || (a.IntData == null) != (b.IntData == null))
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: Where with a constant condition needs two constant branches of the same type");
            int[] shape = (Shapes.Broadcast(condition.Shape, a.Shape) is int[] ca ? Shapes.Broadcast(ca, b.Shape) : null)
                ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: shapes do not broadcast");
            var ci = BroadcastIndex(condition.Shape, shape);
            var ai = BroadcastIndex(a.Shape, shape);
            var bi = BroadcastIndex(b.Shape, shape);
            string name = node.Outputs[0];
            if (a.IntData != null)
                DefineOutput(node, 0, IntConstant(name, shape, ci.Select((c, e) => condition.IntData![c] != 0 ? a.IntData[ai[e]] : b.IntData![bi[e]]).ToArray()), where);
            else
            {
                ChargeConstant(ci.Length);
                DefineOutput(node, 0, NewConstant(name, shape, ci.Select((c, e) => condition.IntData![c] != 0 ? a.Data![ai[e]] : b.Data![bi[e]]).ToArray()), where);
            }
        }

        private void FoldIntReduce(OnnxNode node, string where, long identity, Func<long, long, long> op)
        {
            var attrs = new NodeAttributes(node, where);
            var x = RequireIntConstant(Input(node, 0, where), where);
            long[]? spec;
            if (_opset >= 18 || (node.OpType == "ReduceSum" && _opset >= 13))
            {
                attrs.OnlyKnown("keepdims", "noop_with_empty_axes");
                spec = OptionalInput(node, 1, where) is IrValue axesValue ? RequireIntConstant(axesValue, where).IntData : null;
                if ((spec == null || spec.Length == 0) && attrs.Int("noop_with_empty_axes", 0) != 0)
                {
                    DefineOutput(node, 0, IntConstant(node.Outputs[0], x.Shape, x.IntData!), where);
                    return;
                }
            }
            else
            {
                attrs.OnlyKnown("axes", "keepdims");
                spec = attrs.Ints("axes")?.ToArray();
            }
            int rank = x.Shape.Length;
            int[] axes = spec == null || spec.Length == 0 ? Enumerable.Range(0, rank).ToArray() : NormalizeAxes(spec, rank, where);
            bool keep = attrs.Int("keepdims", 1) != 0;
            var outShape = Enumerable.Range(0, rank).Select(d => axes.Contains(d) ? 1 : x.Shape[d]).ToArray();
            var strides = Strides(outShape);
            var data = Enumerable.Repeat(identity, Shapes.Count(outShape)).ToArray();
            var index = new int[rank];
            foreach (long v in x.IntData!)
            {
                if (v == BatchSymbol) throw BatchDependent(where, $"{node.OpType} over a dim");
                int at = 0;
                for (int d = 0; d < rank; d++) at += axes.Contains(d) ? 0 : index[d] * strides[d];
                try { data[at] = op(data[at], v); }
                catch (OverflowException) { throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: integer overflow in a shape computation"); }
                for (int d = rank - 1; d >= 0; d--)
                {
                    if (++index[d] < x.Shape[d]) break;
                    index[d] = 0;
                }
            }
            var finalShape = keep ? outShape : Enumerable.Range(0, rank).Where(d => !axes.Contains(d)).Select(d => x.Shape[d]).ToArray();
            DefineOutput(node, 0, IntConstant(node.Outputs[0], finalShape, data), where);
        }

        private static long[] Broadcast2(IrValue a, IrValue b, int[] shape, Func<long, long, long> op)
        {
            var ai = BroadcastIndex(a.Shape, shape);
            var bi = BroadcastIndex(b.Shape, shape);
            var result = new long[ai.Length];
            for (int e = 0; e < result.Length; e++) result[e] = op(a.IntData![ai[e]], b.IntData![bi[e]]);
            return result;
        }

        /// <summary>For each element of <paramref name="output"/>, the index of the operand element broadcast to it.</summary>
        private static int[] BroadcastIndex(int[] operand, int[] output)
        {
            var strides = Shapes.BroadcastStrides(operand, output);
            var result = new int[Shapes.Count(output)];
            var index = new int[output.Length];
            for (int e = 0; e < result.Length; e++)
            {
                int at = 0;
                for (int d = 0; d < output.Length; d++) at += index[d] * strides[d];
                result[e] = at;
                for (int d = output.Length - 1; d >= 0; d--)
                {
                    if (++index[d] < output[d]) break;
                    index[d] = 0;
                }
            }
            return result;
        }
    }
}
