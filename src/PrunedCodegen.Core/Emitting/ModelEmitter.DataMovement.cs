using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Emitting
{
    // Layers that only move data, gathers (Transpose, Pad) and Concat, and the reductions.
    internal sealed partial class ModelEmitter
    {
        private void EmitGather(int index, GatherOp g)
        {
            string layer = $"Layer{I(index)}";
            var shape = g.Output.Shape;
            if (g.FillInput == null)
            {
                _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
                _w.Line($"{K}.Gather(x, y, {layer}_Shape, {layer}_Offsets, {CSharpLiterals.Float(g.Fill)});");
            }
            else
            {
                _w.Open($"private static void {layer}(ReadOnlySpan<float> x, ReadOnlySpan<float> fill, Span<float> y)");
                _w.Line($"{K}.Gather(x, y, {layer}_Shape, {layer}_Offsets, fill[0]);");
            }
            _w.Close();
            _w.Line();
            _w.Line("// Output dims; then per output axis, the input offset of each index along it (-1: the fill value).");
            EmitIntData($"{layer}_Shape", shape);
            EmitIntData($"{layer}_Offsets", g.AxisOffsets.SelectMany(a => a).ToArray());
        }

        private void EmitConcat(int index, ConcatOp c)
        {
            var parameters = c.Parts.Select((_, k) => $"ReadOnlySpan<float> x{I(k)}");
            _w.Open($"private static void Layer{I(index)}({string.Join(", ", parameters)}, Span<float> y)");
            int step = c.ChunkLengths.Sum();
            if (c.Outer == 1)
            {
                int at = 0;
                for (int k = 0; k < c.Parts.Count; k++)
                {
                    if (c.ChunkLengths[k] > 0) _w.Line($"x{I(k)}.CopyTo(y.Slice({I(at)}, {I(c.ChunkLengths[k])}));");
                    at += c.ChunkLengths[k];
                }
            }
            else
            {
                _w.Open($"for (int o = 0; o < {I(c.Outer)}; o++)");
                int at = 0;
                for (int k = 0; k < c.Parts.Count; k++)
                {
                    int n = c.ChunkLengths[k];
                    if (n > 0) _w.Line($"x{I(k)}.Slice(o * {I(n)}, {I(n)}).CopyTo(y.Slice(o * {I(step)} + {I(at)}, {I(n)}));");
                    at += n;
                }
                _w.Close();
            }
            _w.Close();
        }

        private void EmitReduce(int index, ReduceOp r)
        {
            string op = r.Kind == ReduceKind.Max ? "MaxOp" : r.Kind == ReduceKind.Min ? "MinOp" : "AddOp";
            float scale = r.Kind == ReduceKind.Mean ? 1f / r.Length : 1f;
            _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> x, Span<float> y)");
            _w.Line($"{K}.Reduce<{K}.{op}>(x, y, {I(r.Outer)}, {I(r.Length)}, {I(r.Inner)}, scale: {CSharpLiterals.Float(scale)});");
            _w.Close();
        }

        private void EmitScan(int index, ScanOp op)
        {
            _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> x, Span<float> y)");
            if (op.Kind == ScanKind.CumSum)
                _w.Line($"{K}.CumSum(x, y, {I(op.Outer)}, {I(op.Length)}, {I(op.Inner)}, exclusive: {(op.Exclusive ? "true" : "false")}, reverse: {(op.Reverse ? "true" : "false")});");
            else
                _w.Line($"{K}.Hardmax(x, y, {I(op.Outer)}, {I(op.Length)}, {I(op.Inner)});");
            _w.Close();
        }

        private static string DescribeScan(ScanOp op)
        {
            string what = op.Kind == ScanKind.Hardmax ? "Hardmax"
                : "CumSum" + (op.Exclusive ? " exclusive" : "") + (op.Reverse ? " reverse" : "");
            return $"Y = {what}(X) along {I(op.Length)} elements ([{I(op.Outer)}, {I(op.Length)}, {I(op.Inner)}] view), shape {Shapes.Format(op.Output.Shape)}.";
        }

        private static string DescribeGather(GatherOp g) =>
            $"Y = {g.What}(X): {Shapes.Format(g.Input.Shape)} -> {Shapes.Format(g.Output.Shape)}; kernel: gather through per-axis offset tables.";

        private static string DescribeConcat(ConcatOp c) =>
            $"Y = Concat(axis={I(c.Axis)}) of {string.Join(", ", c.Parts.Select(p => Shapes.Format(p.Shape)))} -> {Shapes.Format(c.Output.Shape)}; " +
            $"{I(c.Outer)} round(s) of contiguous copies.";
    }
}
