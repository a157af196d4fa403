using PrunedCodegen.Graph;

namespace PrunedCodegen.Emitting
{
    internal sealed partial class ModelEmitter
    {
        private void EmitWhere(int index, WhereOp op)
        {
            var shape = op.Output.Shape.Length == 0 ? new[] { 1 } : op.Output.Shape;
            int[] Strides(IrValue v) => Shapes.BroadcastStrides(v.Shape.Length == 0 ? new[] { 1 } : v.Shape, shape);
            _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> condition, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)");
            _w.Line($"{K}.Where(condition, a, b, y, {IntArray(shape)}, {IntArray(Strides(op.Condition))}, {IntArray(Strides(op.A))}, {IntArray(Strides(op.B))});");
            _w.Close();
        }
    }
}
