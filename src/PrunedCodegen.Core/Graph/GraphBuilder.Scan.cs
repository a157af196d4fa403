using System;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // Ops along one axis whose outputs depend on the whole line: CumSum and Hardmax (one ScanOp each), and Trilu,
    // which keeps the upper or lower triangle of the last two dims: a GatherOp over those two dims merged into one,
    // reading -1 (the fill, 0) where the triangle ends, so a NaN outside the triangle becomes 0 as ONNX says.
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops lowered in this file.</summary>
        private static string[] ScanOps => new[] { "CumSum", "Hardmax", "Trilu" };

        private bool TryLowerScan(OnnxNode node, string where)
        {
            switch (node.OpType)
            {
                case "CumSum": LowerCumSum(node, where); return true;
                case "Hardmax": LowerHardmax(node, where); return true;
                case "Trilu": LowerTrilu(node, where); return true;
                default: return false;
            }
        }

        /// <summary>CumSum(x, axis): axis a build-time scalar; exclusive and reverse as attributes.</summary>
        private void LowerCumSum(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("exclusive", "reverse");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            long[] axisValue = ConstantInts(Input(node, 1, where), "axis", where);
            if (axisValue.Length != 1) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: CumSum's axis must be one value, got {axisValue.Length}");
            int rank = x.Shape.Length;
            if (rank == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: CumSum needs rank >= 1");
            int axis = NormalizeAxes(axisValue, rank, where)[0];
            if (x.IsBatched && axis == 0) throw BatchMix(where, "the running sum runs over the batch dim");
            AddScan(node, ScanKind.CumSum, x, axis, coerce2D: false, attrs.Int("exclusive", 0) != 0, attrs.Int("reverse", 0) != 0, where);
        }

        /// <summary>Hardmax: 1 at the first maximum along the axis (before opset 13: of the input coerced to 2-D at the axis).</summary>
        private void LowerHardmax(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("axis");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            if (rank == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Hardmax needs rank >= 1");
            bool coerce2D = _opset < 13;
            int axis = Shapes.NormalizeAxis((int)attrs.Int("axis", coerce2D ? 1 : -1), rank, where);
            if (axis == rank) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: axis is out of range for rank {rank}");
            if (x.IsBatched && axis == 0) throw BatchMix(where, "the maximum is taken over the batch dim");
            AddScan(node, ScanKind.Hardmax, x, axis, coerce2D, exclusive: false, reverse: false, where);
        }

        private void AddScan(OnnxNode node, ScanKind kind, IrValue x, int axis, bool coerce2D, bool exclusive, bool reverse, string where)
        {
            int rank = x.Shape.Length;
            int outer = Shapes.Product(x.Shape, 0, axis);
            int length = coerce2D ? Shapes.Product(x.Shape, axis, rank) : x.Shape[axis];
            int inner = coerce2D ? 1 : Shapes.Product(x.Shape, axis + 1, rank);
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", x.Shape, x.IsBatched);
            _graph.Ops.Add(new ScanOp(kind, x, y, outer, length, inner, exclusive, reverse, Source(node)));
            DefineOutput(node, 0, y, where);
        }

        /// <summary>
        /// Trilu(x, k): for the last two dims [H, W], keeps element (i, j) where j - i &gt;= k (upper, the default) or
        /// j - i &lt;= k (lower), and writes 0 elsewhere.
        /// </summary>
        private void LowerTrilu(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("upper");
            var x = Input(node, 0, where);
            RequireDataOperand(x, where);
            int rank = x.Shape.Length;
            if (rank < 2) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Trilu needs rank >= 2, got {Shapes.Format(x.Shape)}");
            if (x.IsBatched && rank == 2) throw BatchMix(where, "the triangle's rows are the batch dim");
            long k = 0;
            if (OptionalInput(node, 1, where) is IrValue kValue)
            {
                long[] ks = ConstantInts(kValue, "k", where);
                if (ks.Length != 1) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Trilu's k must be one value, got {ks.Length}");
                k = ks[0];
            }
            bool upper = attrs.Int("upper", 1) != 0;
            int h = x.Shape[rank - 2], w = x.Shape[rank - 1];
            // [lead..., H*W]: the leading axes read in order, the merged one through the triangle's mask.
            var merged = x.Shape.Take(rank - 2).Concat(new[] { h * w }).ToArray();
            var offsets = new int[rank - 1][];
            int stride = h * w;
            for (int d = rank - 3; d >= 0; d--)
            {
                offsets[d] = Identity(x.Shape[d], stride);
                stride *= x.Shape[d];
            }
            offsets[rank - 2] = Enumerable.Range(0, h * w).Select(e =>
            {
                long diagonal = e % w - e / w;
                return (upper ? diagonal >= k : diagonal <= k) ? e : -1;
            }).ToArray();
            string what = $"Trilu upper={(upper ? 1 : 0)} k={k.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            var masked = Gather(View(x, merged, node), merged, offsets, 0f, what, node, outputName: PartName(node, "triangle"));
            DefineOutput(node, 0, View(masked, x.Shape, node), where);
        }
    }
}
