using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // One lowering per supported ONNX op. Each reads the node's inputs and attributes, computes the static
    // output shape, and appends IR ops (or folds the node away when its inputs are constants).
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops (default domain) this builder lowers.</summary>
        public static readonly IReadOnlyList<string> SupportedOps = new[]
        {
            "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh",
            "Softmax", "LogSoftmax", "Clip", "Flatten", "Reshape", "Identity", "Dropout", "Constant",
        }.Concat(QuantizationOps).Concat(ElementwiseOps).Concat(ShapeOps).Concat(ShapeMathOps).Concat(IndexingOps).Concat(CompositeOps).Concat(ReduceOps).Concat(ScanOps).Concat(ArgTopKOps).Distinct().ToArray();

        private void LowerNode(OnnxNode node, int index, string? where = null)
        {
            where ??= Describe(node, index);
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp,
                    $"{where}: op '{Text.Quote(node.OpType)}' of domain '{Text.Quote(node.Domain)}' is not supported (only the default ONNX domain is)");
            CheckIndexUses(node, where);
            // A QuantizeLinear output (integers held as floats) may only be dequantized or moved; checked before any lowering.
            var quantized = CheckQuantizedInputs(node, where);
            // Integer (shape) computations on build-time constants first: Add, Mul, Concat... of int64 data.
            if (TryFoldIntegers(node, where)) return;
            switch (node.OpType)
            {
                case "Gemm": LowerGemm(node, where); break;
                case "MatMul": LowerMatMul(node, where); break;
                case "Add": LowerBinary(node, BinaryKind.Add, where); break;
                case "Sub": LowerBinary(node, BinaryKind.Sub, where); break;
                case "Mul": LowerBinary(node, BinaryKind.Mul, where); break;
                case "Div": LowerBinary(node, BinaryKind.Div, where); break;
                case "Relu": LowerUnary(node, new Activation(ActivationKind.Relu), where); break;
                case "Sigmoid": LowerUnary(node, new Activation(ActivationKind.Sigmoid), where); break;
                case "Tanh": LowerUnary(node, new Activation(ActivationKind.Tanh), where); break;
                case "LeakyRelu":
                    new NodeAttributes(node, where).OnlyKnown("alpha");
                    LowerUnary(node, new Activation(ActivationKind.LeakyRelu, Alpha: new NodeAttributes(node, where).Float("alpha", 0.01f)), where);
                    break;
                case "Softmax": LowerSoftmax(node, log: false, where); break;
                case "LogSoftmax": LowerSoftmax(node, log: true, where); break;
                case "Clip": LowerClip(node, where); break;
                case "Flatten": LowerFlatten(node, where); break;
                case "Reshape": LowerReshape(node, where); break;
                case "Identity": LowerIdentity(node, where); break;
                case "Dropout": LowerDropout(node, where); break;
                case "Constant": LowerConstant(node, where); break;
                case "QuantizeLinear": LowerQuantizeLinear(node, where); break;
                case "DequantizeLinear": LowerDequantizeLinear(node, where); break;
                default:
                    if (TryLowerElementwise(node, where) || TryLowerShape(node, where) || TryLowerIndexing(node, where) || TryLowerComposite(node, where) || TryLowerReduce(node, where) || TryLowerScan(node, where) || TryLowerArgTopK(node, where) || TryLowerConvolutional(node, where)) break;
                    throw new ModelCompileException(DiagnosticIds.UnsupportedOp,
                        $"{where}: op '{Text.Quote(node.OpType)}' (opset {_opset}) is not supported; supported ops: {string.Join(", ", SupportedOps.Concat(ConvolutionalOps))}");
            }
            // Reshape, Transpose... of quantized integers give quantized integers.
            if (quantized != null && node.OpType != "DequantizeLinear") MarkQuantizedOutputs(node, quantized.Value);
        }

        // ---- Gemm: Y = alpha * A' * B' + beta * C ----

        private void LowerGemm(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("alpha", "beta", "transA", "transB", "broadcast");
            float alpha = attrs.Float("alpha", 1f), beta = attrs.Float("beta", 1f);
            bool transA = attrs.Int("transA", 0) != 0, transB = attrs.Int("transB", 0) != 0;
            var a = Input(node, 0, where);
            var b = Input(node, 1, where);
            var c = OptionalInput(node, 2, where);
            RequireFloat(a, where); RequireFloat(b, where);
            if (c != null) RequireFloat(c, where);
            if (a.Shape.Length != 2 || b.Shape.Length != 2)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Gemm needs 2-D A and B, got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}");
            if (a.IsBatched && transA) throw BatchMix(where, "transA=1 transposes the batch dim");
            if (b.IsBatched) throw BatchMix(where, "B depends on the batch");
            if (c != null && c.IsBatched) throw BatchMix(where, "C depends on the batch");

            int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
            int kb = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
            if (k != kb)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: inner dims differ: A' is [{m},{k}] and B' is [{kb},{n}]");
            var outShape = new[] { m, n };
            if (c != null && (Shapes.Broadcast(c.Shape, outShape) is not int[] bc || !bc.SequenceEqual(outShape)))
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: C of shape {Shapes.Format(c.Shape)} does not broadcast to [{m},{n}]");

            string source = Source(node);
            var left = a;
            if (transA)
            {
                left = NewValue(a.Name + "^T", new[] { m, k }, false);
                _graph.Ops.Add(new TransposeOp(a, left, k, m, source));
            }

            IrValue product;
            if (b.Kind == ValueKind.Constant)
            {
                // Constant B: a dense layer with weights stored [N][K], alpha folded in.
                var bd = b.Data!;
                var w = new float[n * k];
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < k; j++)
                        w[i * k + j] = alpha * (transB ? bd[i * k + j] : bd[j * n + i]);
                product = NewValue(node.Outputs.FirstOrDefault() ?? "", outShape, a.IsBatched);
                var dense = new DenseOp(left, product, m, k, n, w, source);
                if (c != null && c.Kind == ValueKind.Constant && RowBias(c, n) is float[] bias)
                {
                    dense.Bias = bias.Select(v => beta * v).ToArray();
                    c = null;
                }
                _graph.Ops.Add(dense);
            }
            else
            {
                var right = b;
                if (transB)
                {
                    right = NewValue(b.Name + "^T", new[] { k, n }, false);
                    _graph.Ops.Add(new TransposeOp(b, right, n, k, source));
                }
                product = NewValue(node.Outputs.FirstOrDefault() ?? "", outShape, a.IsBatched);
                _graph.Ops.Add(new MatMulOp(left, right, product, m, k, n, new[] { 0, 0 }, source));
                if (alpha != 1f)
                    product = Binary(BinaryKind.Mul, product, NewConstant("alpha", Array.Empty<int>(), new[] { alpha }), source, where);
            }

            if (c != null)
            {
                var addend = c;
                if (beta != 1f)
                    addend = c.Kind == ValueKind.Constant
                        ? NewConstant(c.Name, c.Shape, c.Data!.Select(v => beta * v).ToArray())
                        : Binary(BinaryKind.Mul, c, NewConstant("beta", Array.Empty<int>(), new[] { beta }), source, where);
                product = Binary(BinaryKind.Add, product, addend, source, where);
            }
            DefineOutput(node, 0, product, where);
        }

        /// <summary>A constant that broadcasts along rows (shape [], [1], [N], [1,N]) as a per-column vector of length N.</summary>
        private static float[]? RowBias(IrValue c, int n)
        {
            var data = c.Data!;
            if (c.Shape.Take(Math.Max(0, c.Shape.Length - 1)).Any(d => d != 1)) return null;
            if (data.Length == n) return data;
            if (data.Length == 1) return Enumerable.Repeat(data[0], n).ToArray();
            return null;
        }

        // ---- MatMul (numpy semantics) ----

        private void LowerMatMul(OnnxNode node, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            var a = Input(node, 0, where);
            var b = Input(node, 1, where);
            RequireFloat(a, where); RequireFloat(b, where);
            if (a.Shape.Length == 0 || b.Shape.Length == 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: MatMul operands must have rank >= 1");
            if (b.IsBatched) throw BatchMix(where, "the right operand depends on the batch");
            if (a.IsBatched && a.Shape.Length < 2) throw BatchMix(where, "the batch dim of a 1-D operand is contracted");

            int k = a.Shape[a.Shape.Length - 1];
            int kb = b.Shape.Length == 1 ? b.Shape[0] : b.Shape[b.Shape.Length - 2];
            if (k != kb)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: inner dims differ: {Shapes.Format(a.Shape)} x {Shapes.Format(b.Shape)}");
            string source = Source(node);
            string outName = node.Outputs.FirstOrDefault() ?? "";

            if (b.Kind == ValueKind.Constant && b.Shape.Length <= 2 && a.Kind != ValueKind.Constant)
            {
                // Constant right operand: every row of A (all leading dims flattened) times the same matrix.
                int n = b.Shape.Length == 1 ? 1 : b.Shape[1];
                var bd = b.Data!;
                var w = new float[n * k];
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < k; j++)
                        w[i * k + j] = bd[j * n + i];
                var outShape = a.Shape.Take(a.Shape.Length - 1).Concat(b.Shape.Length == 1 ? Array.Empty<int>() : new[] { n }).ToArray();
                int rows = Shapes.Product(a.Shape, 0, a.Shape.Length - 1);
                var output = NewValue(outName, outShape, a.IsBatched);
                _graph.Ops.Add(new DenseOp(a, output, rows, k, n, w, source));
                DefineOutput(node, 0, output, where);
                return;
            }

            // General case: promote 1-D operands, broadcast the batch dims, one M x K x N product per batch entry.
            var ash = a.Shape.Length == 1 ? new[] { 1, a.Shape[0] } : a.Shape;
            var bsh = b.Shape.Length == 1 ? new[] { b.Shape[0], 1 } : b.Shape;
            int m = ash[ash.Length - 2], nn = bsh[bsh.Length - 1];
            var aBatch = ash.Take(ash.Length - 2).ToArray();
            var bBatch = bsh.Take(bsh.Length - 2).ToArray();
            var batch = Shapes.Broadcast(aBatch, bBatch)
                ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: batch dims {Shapes.Format(aBatch)} and {Shapes.Format(bBatch)} do not broadcast");
            if (a.IsBatched && aBatch.Length < batch.Length) throw BatchMix(where, "the operands' batch dims do not line up");
            if (a.IsBatched && bBatch.Length == batch.Length && bBatch.Length > 0 && bBatch[0] != 1) throw BatchMix(where, "the right operand has its own leading dim");

            var shapeOut = new List<int>(batch);
            if (a.Shape.Length > 1) shapeOut.Add(m);
            if (b.Shape.Length > 1) shapeOut.Add(nn);
            var result = NewValue(outName, shapeOut.ToArray(), a.IsBatched);

            int batchCount = Shapes.Count(batch);
            var aStrides = Shapes.BroadcastStrides(aBatch, batch);
            var bStrides = Shapes.BroadcastStrides(bBatch, batch);
            var offsets = new int[batchCount * 2];
            var index = new int[batch.Length];
            for (int e = 0; e < batchCount; e++)
            {
                int ao = 0, bo = 0;
                for (int d = 0; d < batch.Length; d++) { ao += index[d] * aStrides[d]; bo += index[d] * bStrides[d]; }
                offsets[2 * e] = ao * m * k;
                offsets[2 * e + 1] = bo * k * nn;
                for (int d = batch.Length - 1; d >= 0; d--)
                {
                    if (++index[d] < batch[d]) break;
                    index[d] = 0;
                }
            }
            _graph.Ops.Add(new MatMulOp(a, b, result, m, k, nn, offsets, source));
            DefineOutput(node, 0, result, where);
        }

        // ---- elementwise ----

        private void LowerBinary(OnnxNode node, BinaryKind kind, string where)
        {
            var attrs = new NodeAttributes(node, where);
            if (attrs.Int("broadcast", 0) != 0 || attrs.Has("axis"))
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: the legacy (opset < 7) 'broadcast'/'axis' attributes are not supported; re-export with opset 7 or newer");
            attrs.OnlyKnown("broadcast");
            var a = Input(node, 0, where);
            var b = Input(node, 1, where);
            RequireFloat(a, where); RequireFloat(b, where);
            // Named after the node's output (not operand A), so that a graph output keeps its own name in generated code.
            DefineOutput(node, 0, Binary(kind, a, b, Source(node), where, node.Outputs.FirstOrDefault()), where);
        }

        /// <summary>Appends (or constant-folds) one broadcast binary op and returns its result.</summary>
        private IrValue Binary(BinaryKind kind, IrValue a, IrValue b, string source, string where, string? name = null)
        {
            name ??= a.Name;
            var shape = Shapes.Broadcast(a.Shape, b.Shape)
                ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: shapes {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)} do not broadcast");
            bool batched = a.IsBatched || b.IsBatched;
            if (batched)
            {
                foreach (var v in new[] { a, b })
                {
                    if (v.IsBatched && v.Shape.Length < shape.Length) throw BatchMix(where, $"'{Text.Quote(v.Name)}' is broadcast across the batch dim");
                    if (!v.IsBatched && v.Shape.Length == shape.Length && v.Shape.Length > 0 && v.Shape[0] != 1) throw BatchMix(where, $"'{Text.Quote(v.Name)}' has its own leading dim {v.Shape[0]}");
                }
            }

            if (a.Kind == ValueKind.Constant && b.Kind == ValueKind.Constant)
            {
                int count = Shapes.Count(shape);
                ChargeConstant(count);   // folding can make a large constant out of two small ones
                var result = new float[count];
                var sa = Shapes.BroadcastStrides(a.Shape, shape);
                var sb = Shapes.BroadcastStrides(b.Shape, shape);
                var index = new int[shape.Length];
                for (int e = 0; e < result.Length; e++)
                {
                    int ia = 0, ib = 0;
                    for (int d = 0; d < shape.Length; d++) { ia += index[d] * sa[d]; ib += index[d] * sb[d]; }
                    result[e] = Apply(kind, a.Data![ia], b.Data![ib]);
                    for (int d = shape.Length - 1; d >= 0; d--)
                    {
                        if (++index[d] < shape[d]) break;
                        index[d] = 0;
                    }
                }
                return NewConstant(name, shape, result);
            }

            var output = NewValue(name, shape, batched);
            _graph.Ops.Add(new BinaryOp(kind, a, b, output, source));
            return output;
        }

        private static float Apply(BinaryKind kind, float x, float y) => kind switch
        {
            BinaryKind.Add => x + y,
            BinaryKind.Sub => x - y,
            BinaryKind.Mul => x * y,
            BinaryKind.Div => x / y,
            BinaryKind.Max => Math.Max(x, y),
            BinaryKind.Min => Math.Min(x, y),
            BinaryKind.Pow => (float)Math.Pow(x, y),
            BinaryKind.Less => x < y ? 1f : 0f,
            BinaryKind.Greater => x > y ? 1f : 0f,
            _ => x < 0 ? x * y : x,   // PRelu
        };

        private void LowerUnary(OnnxNode node, Activation activation, string where, bool attributesChecked = false)
        {
            if (activation.Kind != ActivationKind.LeakyRelu && !attributesChecked) new NodeAttributes(node, where).OnlyKnown();
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", x.Shape, x.IsBatched);
            _graph.Ops.Add(new UnaryOp(activation, x, y, Source(node)));
            DefineOutput(node, 0, y, where);
        }

        private void LowerClip(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            string source = Source(node);
            float min = float.NegativeInfinity, max = float.PositiveInfinity;
            IrValue? minValue = null, maxValue = null;
            if (_opset < 11)
            {
                attrs.OnlyKnown("min", "max");
                min = attrs.Float("min", float.NegativeInfinity);
                max = attrs.Float("max", float.PositiveInfinity);
            }
            else
            {
                attrs.OnlyKnown();
                minValue = OptionalInput(node, 1, where);
                maxValue = OptionalInput(node, 2, where);
                foreach (var bound in new[] { minValue, maxValue })
                    if (bound != null && (bound.Count != 1 || bound.IsBatched || (bound.Kind == ValueKind.Constant && bound.Data == null)))
                        throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: min and max must be float scalars");
                if (minValue?.Kind == ValueKind.Constant) { min = minValue.Data![0]; minValue = null; }
                if (maxValue?.Kind == ValueKind.Constant) { max = maxValue.Data![0]; maxValue = null; }
            }

            // Runtime bounds become Max/Min against a scalar: y = min(max(x, lo), hi), as ONNX defines it.
            var current = x;
            if (minValue != null) current = Binary(BinaryKind.Max, current, minValue, source, where);
            if (maxValue != null) current = Binary(BinaryKind.Min, current, maxValue, source, where);
            if (!float.IsNegativeInfinity(min) || !float.IsPositiveInfinity(max) || current == x)
            {
                var y = NewValue(node.Outputs.FirstOrDefault() ?? "", x.Shape, x.IsBatched);
                _graph.Ops.Add(new UnaryOp(new Activation(ActivationKind.Clip, Min: min, Max: max), current, y, source));
                current = y;
            }
            DefineOutput(node, 0, current, where);
        }

        private void LowerSoftmax(OnnxNode node, bool log, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("axis");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            if (rank == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Softmax needs rank >= 1");
            bool coerce2D = _opset < 13;
            int axis = Shapes.NormalizeAxis((int)attrs.Int("axis", coerce2D ? 1 : -1), rank, where);
            if (axis == rank) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: axis is out of range for rank {rank}");
            if (x.IsBatched && axis == 0) throw BatchMix(where, "the softmax runs over the batch dim");
            int outer = Shapes.Product(x.Shape, 0, axis);
            int length = coerce2D ? Shapes.Product(x.Shape, axis, rank) : x.Shape[axis];
            int inner = coerce2D ? 1 : Shapes.Product(x.Shape, axis + 1, rank);
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", x.Shape, x.IsBatched);
            _graph.Ops.Add(new SoftmaxOp(log, x, y, outer, length, inner, Source(node)));
            DefineOutput(node, 0, y, where);
        }

        // ---- views: no data moves ----

        private void LowerFlatten(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("axis");
            var x = Input(node, 0, where);
            int axis = Shapes.NormalizeAxis((int)attrs.Int("axis", 1), x.Shape.Length, where);
            if (x.IsBatched && axis == 0) throw BatchMix(where, "axis 0 flattens the batch dim into the features");
            DefineOutput(node, 0, View(x, new[] { Shapes.Product(x.Shape, 0, axis), Shapes.Product(x.Shape, axis, x.Shape.Length) }, node), where);
        }

        private void LowerReshape(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("allowzero");
            bool allowZero = attrs.Int("allowzero", 0) != 0;
            var x = Input(node, 0, where);
            var shapeValue = Input(node, 1, where);
            if (shapeValue.Kind != ValueKind.Constant || shapeValue.IntData == null)
                throw new ModelCompileException(DiagnosticIds.UnknownShape,
                    $"{where}: the target shape '{Text.Quote(shapeValue.Name)}' is not a constant int64 tensor; only constant shapes are supported");
            var spec = shapeValue.IntData;
            if (spec.Length > MaxRank)
                throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: target rank {spec.Length} exceeds the limit {MaxRank}");
            var dims = new int[spec.Length];
            int inferred = -1;
            long known = 1;
            for (int i = 0; i < spec.Length; i++)
            {
                long s = spec[i];
                if (s == -1)
                {
                    if (inferred >= 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: more than one -1 in the target shape");
                    inferred = i;
                    continue;
                }
                if (s == BatchSymbol)
                {
                    // Shape(x)[0] of a batched tensor, e.g. PyTorch's x.view(x.size(0), -1): the batch dim, kept first.
                    if (i != 0 || !x.IsBatched) throw BatchDependent(where, $"target dim {i} (the batch size)");
                    s = x.Shape[0];
                }
                else if (s == 0 && !allowZero)
                {
                    if (i >= x.Shape.Length) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: 0 at axis {i} copies a dim the input does not have");
                    s = x.Shape[i];
                }
                if (s < 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: invalid target dim {spec[i]}");
                if (s > Shapes.MaxElements) throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: target dim {spec[i]} is beyond the limit of {Shapes.MaxElements} elements");
                dims[i] = (int)s;
                known *= s;
                if (known > Shapes.MaxElements) throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: the target shape is too large");
            }
            int count = x.Count;
            if (inferred >= 0)
            {
                if (known == 0 || count % known != 0)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: cannot reshape {Shapes.Format(x.Shape)} to [{string.Join(",", spec)}]");
                dims[inferred] = (int)(count / known);
            }
            if (Shapes.Count(dims) != count)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: cannot reshape {Shapes.Format(x.Shape)} ({count} elements) to {Shapes.Format(dims)}");
            if (x.IsBatched && (spec.Length == 0 || (spec[0] != 0 && spec[0] != -1 && spec[0] != BatchSymbol) || (spec[0] == 0 && allowZero)))
                throw BatchMix(where, "the target shape does not keep the batch dim first (use 0 or -1 there)");
            DefineOutput(node, 0, View(x, dims, node), where);
        }

        private void LowerIdentity(OnnxNode node, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            var x = Input(node, 0, where);
            DefineOutput(node, 0, View(x, x.Shape, node), where);
        }

        private void LowerDropout(OnnxNode node, string where)
        {
            new NodeAttributes(node, where).OnlyKnown("ratio", "seed", "is_test");
            var x = Input(node, 0, where);
            if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType, $"{where}: the mask output (bool) of Dropout is not supported");
            var training = OptionalInput(node, 2, where);
            if (training != null && (training.Kind != ValueKind.Constant || (training.IntData ?? Array.Empty<long>()).Any(v => v != 0)))
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: Dropout in training mode is not supported (inference only)");
            // Inference: Dropout is the identity; 'ratio' does not matter.
            DefineOutput(node, 0, View(x, x.Shape, node), where);
        }

        private IrValue View(IrValue x, int[] shape, OnnxNode node)
        {
            string name = node.Outputs.FirstOrDefault() ?? "";
            if (x.Kind == ValueKind.Constant)
                return new IrValue(name, ValueKind.Constant, shape, false) { Data = x.Data, IntData = x.IntData };
            return new IrValue(name, ValueKind.Intermediate, shape, x.IsBatched) { AliasOf = x };
        }

        private void LowerConstant(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("value", "value_float", "value_floats", "value_int", "value_ints");
            string name = node.Outputs.FirstOrDefault() ?? "";
            IrValue value;
            if (attrs.Find("value") is OnnxAttribute tensorAttr)
            {
                if (tensorAttr.Type != OnnxAttributeType.Tensor || tensorAttr.T == null)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: 'value' must be a tensor");
                var constant = ConstantFromTensor(tensorAttr.T, where);
                value = new IrValue(name, ValueKind.Constant, constant.Shape, false) { Data = constant.Data, IntData = constant.IntData };
            }
            else if (attrs.Find("value_float") is OnnxAttribute f)
                value = NewConstant(name, Array.Empty<int>(), new[] { f.F });
            else if (attrs.Find("value_floats") is OnnxAttribute fs)
                value = NewConstant(name, new[] { fs.Floats.Count }, fs.Floats.ToArray());
            else if (attrs.Find("value_int") is OnnxAttribute i)
                value = new IrValue(name, ValueKind.Constant, Array.Empty<int>(), false) { IntData = new[] { i.I } };
            else if (attrs.Find("value_ints") is OnnxAttribute iss)
                value = new IrValue(name, ValueKind.Constant, new[] { iss.Ints.Count }, false) { IntData = iss.Ints.ToArray() };
            else
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: only dense 'value' and value_float(s)/value_int(s) constants are supported");
            DefineOutput(node, 0, value, where);
        }
    }
}
