using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // Ops that pick elements by build-time indices: Slice, Gather (indices constant), Split, Expand, Tile,
    // DepthToSpace and SpaceToDepth (sub-pixel convolution heads of super-resolution models). Each
    // becomes one GatherOp (per-axis offsets, see Gather in GraphBuilder.Shape.cs) on a run-time value, or is
    // evaluated now on a constant (float or int64, so they also serve shape computations). None may change the
    // batch dim: a batched input keeps its whole axis 0.
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops lowered in this file.</summary>
        private static string[] IndexingOps => new[] { "Slice", "Gather", "Split", "Expand", "Tile", "DepthToSpace", "SpaceToDepth" };

        private bool TryLowerIndexing(OnnxNode node, string where)
        {
            switch (node.OpType)
            {
                case "Slice": LowerSlice(node, where); return true;
                case "Gather": LowerGatherIndices(node, where); return true;
                case "Split": LowerSplit(node, where); return true;
                case "Expand": LowerExpand(node, where); return true;
                case "Tile": LowerTile(node, where); return true;
                case "DepthToSpace": LowerDepthToSpace(node, where); return true;
                case "SpaceToDepth": LowerSpaceToDepth(node, where); return true;
                default: return false;
            }
        }

        /// <summary>Integer values of a build-time constant operand (starts, ends, indices...), or a precise refusal.</summary>
        private long[] ConstantInts(IrValue value, string what, string where)
        {
            if (!IsIntConstant(value))
                throw new ModelCompileException(DiagnosticIds.UnknownShape,
                    $"{where}: {what} '{Text.Quote(value.Name)}' must be a build-time int64 constant (computed at run time it cannot be compiled)");
            return value.IntData!;
        }

        private void RequireDataOperand(IrValue x, string where)
        {
            if (x.Kind != ValueKind.Constant) RequireFloat(x, where);
        }

        /// <summary>The offsets that read an axis of <paramref name="size"/> elements in order: i * stride.</summary>
        private static int[] Identity(int size, int stride) => Enumerable.Range(0, size).Select(i => i * stride).ToArray();

        // ---- Slice ----

        private void LowerSlice(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            var x = Input(node, 0, where);
            RequireDataOperand(x, where);
            int rank = x.Shape.Length;
            long[] starts, ends, axesSpec, steps;
            if (_opset < 10)
            {
                attrs.OnlyKnown("starts", "ends", "axes");
                starts = attrs.Ints("starts")?.ToArray() ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Slice needs 'starts'");
                ends = attrs.Ints("ends")?.ToArray() ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Slice needs 'ends'");
                axesSpec = attrs.Ints("axes")?.ToArray() ?? Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
                steps = Enumerable.Repeat(1L, starts.Length).ToArray();
            }
            else
            {
                attrs.OnlyKnown();
                starts = ConstantInts(Input(node, 1, where), "starts", where);
                ends = ConstantInts(Input(node, 2, where), "ends", where);
                axesSpec = OptionalInput(node, 3, where) is IrValue a ? ConstantInts(a, "axes", where) : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
                steps = OptionalInput(node, 4, where) is IrValue s ? ConstantInts(s, "steps", where) : Enumerable.Repeat(1L, starts.Length).ToArray();
            }
            if (ends.Length != starts.Length || axesSpec.Length != starts.Length || steps.Length != starts.Length)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: starts, ends, axes and steps have different lengths");
            int[] axes = NormalizeAxes(axesSpec, rank, where);

            var shape = (int[])x.Shape.Clone();
            var strides = Strides(x.Shape);
            var offsets = Enumerable.Range(0, rank).Select(d => Identity(x.Shape[d], strides[d])).ToArray();
            for (int i = 0; i < axes.Length; i++)
            {
                int d = axes[i];
                long dim = x.Shape[d], step = steps[i];
                if (step == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: step 0 on axis {d}");
                if (d == 0 && x.IsBatched)
                {
                    // Only "the whole batch" can be compiled: start 0, step 1 and an end at or past the batch.
                    bool whole = step == 1 && Wrap(starts[i], 1) <= 0 && (ends[i] == BatchSymbol || ends[i] >= int.MaxValue);
                    if (!whole) throw BatchMix(where, "it slices the batch dim");
                    continue;
                }
                if (starts[i] == BatchSymbol || ends[i] == BatchSymbol) throw BatchDependent(where, "a slice bound");
                long start = Wrap(starts[i], dim), end = Wrap(ends[i], dim);
                // Clamping as the ONNX spec: [0, dim] for positive steps, [-1, dim - 1] for negative ones.
                start = step > 0 ? Clamp(start, 0, dim) : Clamp(start, 0, dim - 1);
                end = step > 0 ? Clamp(end, 0, dim) : Clamp(end, -1, dim - 1);
                // Written so that no step (up to +-2^63) overflows: the span is at most dim + 1.
                long span = step > 0 ? end - start : start - end;
                long stride = step > 0 ? step : step == long.MinValue ? long.MaxValue : -step;
                long count = span <= 0 ? 0 : (span - 1) / stride + 1;
                shape[d] = (int)count;
                offsets[d] = Enumerable.Range(0, (int)count).Select(k => (int)(start + k * step) * strides[d]).ToArray();
            }
            DefineOutput(node, 0, Gather(x, shape, offsets, 0f, $"Slice axes=[{InvariantList(axes.Select(a => (long)a))}]", node), where);
        }

        // ---- Gather with build-time indices ----

        private void LowerGatherIndices(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("axis");
            var x = Input(node, 0, where);
            RequireDataOperand(x, where);
            var indicesValue = Input(node, 1, where);
            long[] indices = ConstantInts(indicesValue, "indices", where);
            int rank = x.Shape.Length;
            if (rank == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Gather of a scalar");
            int axis = NormalizeAxes(new[] { attrs.Int("axis", 0) }, rank, where)[0];
            if (axis == 0 && x.IsBatched) throw BatchMix(where, "it picks along the batch dim");
            int dim = x.Shape[axis];
            var picks = indices.Select(i =>
            {
                long at = Wrap(i, dim);
                if (i == BatchSymbol || at < 0 || at >= dim)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: index {i} is out of range for axis {axis} of size {dim}");
                return (int)at;
            }).ToArray();

            var strides = Strides(x.Shape);
            int[] indexShape = indicesValue.Shape;
            var shape = x.Shape.Take(axis).Concat(indexShape).Concat(x.Shape.Skip(axis + 1)).ToArray();
            if (shape.Length > MaxRank) throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: rank {shape.Length} exceeds the limit {MaxRank}");
            var before = Enumerable.Range(0, axis).Select(d => Identity(x.Shape[d], strides[d]));
            var after = Enumerable.Range(axis + 1, rank - axis - 1).Select(d => Identity(x.Shape[d], strides[d]));
            int[][] offsets;
            if (indexShape.Length == 1)
                offsets = before.Append(picks.Select(p => p * strides[axis]).ToArray()).Concat(after).ToArray();
            else if (indexShape.Length == 0)
            {
                // A scalar index removes the axis: its offset is added to the axis before it (or after it).
                offsets = before.Concat(after).ToArray();
                int baseOffset = picks[0] * strides[axis];
                if (offsets.Length == 0)
                {
                    if (x.Kind != ValueKind.Constant)
                        throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: a scalar picked from a 1-D run-time tensor is not supported; use indices of shape [1]");
                    DefineOutput(node, 0, x.IntData != null
                        ? IntConstant(node.Outputs[0], shape, new[] { x.IntData[picks[0]] })
                        : NewConstant(node.Outputs[0], shape, new[] { x.Data![picks[0]] }), where);
                    return;
                }
                offsets[0] = offsets[0].Select(o => o + baseOffset).ToArray();
            }
            else
            {
                if (x.Kind != ValueKind.Constant)
                    throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: Gather with indices of rank {indexShape.Length} on a run-time tensor is not supported (rank 0 and 1 are)");
                // A constant: gather through a flat view of the indices, then give the result its shape.
                var flat = before.Append(picks.Select(p => p * strides[axis]).ToArray()).Concat(after).ToArray();
                var flatShape = x.Shape.Take(axis).Append(picks.Length).Concat(x.Shape.Skip(axis + 1)).ToArray();
                var folded = Gather(x, flatShape, flat, 0f, "Gather", node);
                DefineOutput(node, 0, new IrValue(node.Outputs[0], ValueKind.Constant, shape, false) { Data = folded.Data, IntData = folded.IntData }, where);
                return;
            }
            DefineOutput(node, 0, Gather(x, shape, offsets, 0f, $"Gather axis={axis}", node), where);
        }

        // ---- Split ----

        private void LowerSplit(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            var x = Input(node, 0, where);
            RequireDataOperand(x, where);
            int rank = x.Shape.Length;
            long[]? sizes;
            if (_opset < 13)
            {
                attrs.OnlyKnown("axis", "split");
                sizes = attrs.Ints("split")?.ToArray();
            }
            else
            {
                attrs.OnlyKnown("axis", "num_outputs");
                sizes = OptionalInput(node, 1, where) is IrValue s ? ConstantInts(s, "split", where) : null;
            }
            int axis = NormalizeAxes(new[] { attrs.Int("axis", 0) }, rank, where)[0];
            if (axis == 0 && x.IsBatched) throw BatchMix(where, "it splits the batch dim");
            int outputs = node.Outputs.Count;
            int dim = x.Shape[axis];
            if (sizes == null || sizes.Length == 0)
            {
                // Equal parts; opset 18's num_outputs allows a smaller last part (ceil division).
                int parts = attrs.Has("num_outputs") ? (int)attrs.Int("num_outputs", outputs) : outputs;
                if (parts <= 0 || parts != outputs) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: num_outputs {parts} does not match the {outputs} outputs");
                int chunk = attrs.Has("num_outputs") ? (dim + parts - 1) / parts : dim / parts;
                if (!attrs.Has("num_outputs") && dim % parts != 0)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: axis {axis} of size {dim} does not split into {parts} equal parts");
                sizes = Enumerable.Range(0, parts).Select(p => (long)Math.Max(0, Math.Min(chunk, dim - p * chunk))).ToArray();
            }
            if (sizes.Length != outputs || sizes.Any(s => s < 0) || sizes.Sum() != dim)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: split sizes [{InvariantList(sizes)}] do not cover axis {axis} of size {dim} in {outputs} outputs");
            var strides = Strides(x.Shape);
            int first = 0;
            for (int o = 0; o < outputs; o++)
            {
                int size = (int)sizes[o];
                if (node.Outputs[o].Length > 0)
                {
                    var shape = (int[])x.Shape.Clone();
                    shape[axis] = size;
                    var offsets = Enumerable.Range(0, rank).Select(d => d == axis
                        ? Enumerable.Range(first, size).Select(i => i * strides[d]).ToArray()
                        : Identity(x.Shape[d], strides[d])).ToArray();
                    var part = Gather(x, shape, offsets, 0f, $"Split part {o} of axis {axis}", node, outputName: node.Outputs[o]);
                    DefineOutput(node, o, part, where);
                }
                first += size;
            }
        }

        // ---- Expand, Tile ----

        private void LowerExpand(OnnxNode node, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            var x = Input(node, 0, where);
            RequireDataOperand(x, where);
            long[] spec = ConstantInts(Input(node, 1, where), "shape", where);
            if (spec.Length > MaxRank) throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: rank {spec.Length} exceeds the limit {MaxRank}");
            // The batch symbol in the target means "the batch dim": 1 per sample here.
            int batchAt = Array.IndexOf(spec, BatchSymbol);
            if (batchAt > 0 || (batchAt == 0 && !(x.IsBatched && x.Shape.Length == spec.Length)))
                throw BatchDependent(where, "an expansion to the batch size");
            int[] target = spec.Select((d, i) => d == BatchSymbol ? 1 : d < 0 || d > Shapes.MaxElements
                ? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: invalid dim {d}") : (int)d).ToArray();
            int[] shape = Shapes.Broadcast(x.Shape, target)
                ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: {Shapes.Format(x.Shape)} does not broadcast to {Shapes.Format(target)}");
            if (x.IsBatched && (shape.Length != x.Shape.Length || shape[0] != 1)) throw BatchMix(where, "the expansion moves or repeats the batch dim");
            if (shape.SequenceEqual(x.Shape))
            {
                DefineOutput(node, 0, View(x, shape, node), where);
                return;
            }
            Shapes.Count(shape);
            var read = Shapes.BroadcastStrides(x.Shape, shape);
            var offsets = shape.Select((size, d) => Identity(size, read[d])).ToArray();
            DefineOutput(node, 0, Gather(x, shape, offsets, 0f, $"Expand to {Shapes.Format(shape)}", node), where);
        }

        private void LowerTile(OnnxNode node, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            var x = Input(node, 0, where);
            RequireDataOperand(x, where);
            long[] repeats = ConstantInts(Input(node, 1, where), "repeats", where);
            int rank = x.Shape.Length;
            if (repeats.Length != rank) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: repeats has {repeats.Length} values for rank {rank}");
            var shape = new int[rank];
            for (int d = 0; d < rank; d++)
            {
                if (repeats[d] < 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: negative repeat {repeats[d]}");
                if (d == 0 && x.IsBatched && repeats[d] != 1) throw BatchMix(where, "it repeats the batch dim");
                long size = x.Shape[d] * repeats[d];
                if (size > Shapes.MaxElements) throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where}: the result is too large");
                shape[d] = (int)size;
            }
            Shapes.Count(shape);
            var strides = Strides(x.Shape);
            var offsets = Enumerable.Range(0, rank).Select(d => Enumerable.Range(0, shape[d]).Select(i => i % x.Shape[d] * strides[d]).ToArray()).ToArray();
            DefineOutput(node, 0, Gather(x, shape, offsets, 0f, $"Tile repeats=[{InvariantList(repeats)}]", node), where);
        }

        // ---- DepthToSpace, SpaceToDepth ----

        /// <summary>
        /// [N, C*b*b, H, W] -> [N, C, H*b, W*b]. Output (c, h, w) reads input channel (h%b, w%b, c) in DCR mode (the
        /// default) or (c, h%b, w%b) in CRD mode, at (h/b, w/b); that offset is a sum of one part per output axis, so
        /// the op is one GatherOp.
        /// </summary>
        private void LowerDepthToSpace(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("blocksize", "mode");
            var x = Input(node, 0, where);
            RequireDataOperand(x, where);
            if (x.Shape.Length != 4) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: DepthToSpace needs an [N, C, H, W] input");
            long blockValue = attrs.Int("blocksize", 0);
            string mode = StringAttribute(attrs, "mode", "DCR");
            if (mode != "DCR" && mode != "CRD") throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: mode '{Text.Quote(mode)}' is not DCR or CRD");
            int n = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
            if (blockValue <= 0 || blockValue > 1024 || cin % (blockValue * blockValue) != 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: blocksize {blockValue} does not divide the {cin} channels into squares");
            int b = (int)blockValue, c = cin / (b * b);
            var shape = new[] { n, c, h * b, w * b };
            Shapes.Count(shape);
            int plane = h * w;
            bool dcr = mode == "DCR";
            var offsets = new[]
            {
                Identity(n, cin * plane),
                Enumerable.Range(0, c).Select(ci => (dcr ? ci : ci * b * b) * plane).ToArray(),
                Enumerable.Range(0, h * b).Select(oh => (dcr ? oh % b * b * c : oh % b * b) * plane + oh / b * w).ToArray(),
                Enumerable.Range(0, w * b).Select(ow => (dcr ? ow % b * c : ow % b) * plane + ow / b).ToArray(),
            };
            DefineOutput(node, 0, Gather(x, shape, offsets, 0f, $"DepthToSpace blocksize={b} mode={mode}", node), where);
        }

        /// <summary>[N, C, H*b, W*b] -> [N, C*b*b, H, W]: output channel (bh, bw, c) reads (c, h*b + bh, w*b + bw).</summary>
        private void LowerSpaceToDepth(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("blocksize");
            var x = Input(node, 0, where);
            RequireDataOperand(x, where);
            if (x.Shape.Length != 4) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: SpaceToDepth needs an [N, C, H, W] input");
            long blockValue = attrs.Int("blocksize", 0);
            int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
            if (blockValue <= 0 || blockValue > 1024 || h % blockValue != 0 || w % blockValue != 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: blocksize {blockValue} does not divide the {h}x{w} map");
            int b = (int)blockValue;
            var shape = new[] { n, c * b * b, h / b, w / b };
            Shapes.Count(shape);
            var offsets = new[]
            {
                Identity(n, c * h * w),
                Enumerable.Range(0, c * b * b).Select(oc => oc % c * h * w + oc / c / b * w + oc / c % b).ToArray(),
                Enumerable.Range(0, h / b).Select(oh => oh * b * w).ToArray(),
                Enumerable.Range(0, w / b).Select(ow => ow * b).ToArray(),
            };
            DefineOutput(node, 0, Gather(x, shape, offsets, 0f, $"SpaceToDepth blocksize={b}", node), where);
        }
    }
}
