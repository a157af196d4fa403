using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // ReduceSum, ReduceMean, ReduceMax, ReduceMin: one ReduceOp per reduced axis (keeping the dim), then a view that
    // drops the reduced dims unless keepdims. The axes come from the attribute, or from input 1 where the opset moved
    // them there (ReduceSum 13, the others 18).
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops lowered in this file.</summary>
        private static string[] ReduceOps => new[] { "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin" };

        private bool TryLowerReduce(OnnxNode node, string where)
        {
            ReduceKind kind;
            switch (node.OpType)
            {
                case "ReduceSum": kind = ReduceKind.Sum; break;
                case "ReduceMean": kind = ReduceKind.Mean; break;
                case "ReduceMax": kind = ReduceKind.Max; break;
                case "ReduceMin": kind = ReduceKind.Min; break;
                default: return false;
            }
            bool axesAsInput = _opset >= (kind == ReduceKind.Sum ? 13 : 18);
            var attrs = new NodeAttributes(node, where);
            if (axesAsInput) attrs.OnlyKnown("keepdims", "noop_with_empty_axes");
            else attrs.OnlyKnown("keepdims", "axes");
            bool keepDims = attrs.Int("keepdims", 1) != 0;
            bool noopWithEmptyAxes = attrs.Int("noop_with_empty_axes", 0) != 0;

            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            long[]? spec;
            if (axesAsInput)
            {
                var axesValue = OptionalInput(node, 1, where);
                if (axesValue != null && (axesValue.Kind != ValueKind.Constant || axesValue.IntData == null))
                    throw new ModelCompileException(DiagnosticIds.UnknownShape, $"{where}: axes '{Text.Quote(axesValue.Name)}' must be a constant int64 tensor");
                spec = axesValue?.IntData;
            }
            else
            {
                spec = attrs.Ints("axes")?.ToArray();
            }
            if (spec == null || spec.Length == 0)
            {
                if (noopWithEmptyAxes)
                {
                    DefineOutput(node, 0, View(x, x.Shape, node), where);
                    return true;
                }
                spec = Enumerable.Range(0, rank).Select(a => (long)a).ToArray();
            }
            int[] axes = NormalizeAxes(spec, rank, where).OrderBy(a => a).ToArray();
            if (x.IsBatched && axes.Contains(0)) throw BatchMix(where, "it reduces over the batch dim");

            string source = Source(node);
            var final = keepDims
                ? x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray()
                : Enumerable.Range(0, rank).Where(d => !axes.Contains(d)).Select(d => x.Shape[d]).ToArray();
            if (axes.Any(a => x.Shape[a] == 0))
            {
                // A reduction over an empty set is the reduction's identity (ONNX 18): 0 for a sum, -inf for a max, +inf
                // for a min, NaN for a mean (0 / 0). Every output element is that constant.
                float identity = kind switch
                {
                    ReduceKind.Sum => 0f,
                    ReduceKind.Max => float.NegativeInfinity,
                    ReduceKind.Min => float.PositiveInfinity,
                    _ => float.NaN,
                };
                var data = Enumerable.Repeat(identity, Shapes.Count(final)).ToArray();
                DefineOutput(node, 0, NewConstant(node.Outputs.FirstOrDefault() ?? "", final, data), where);
                return true;
            }
            var current = x;
            foreach (int axis in axes)
            {
                var shape = (int[])current.Shape.Clone();
                shape[axis] = 1;
                var reduced = NewValue(node.Outputs.FirstOrDefault() ?? "", shape, x.IsBatched);
                _graph.Ops.Add(new ReduceOp(kind, current, reduced, Shapes.Product(current.Shape, 0, axis), current.Shape[axis],
                    Shapes.Product(current.Shape, axis + 1, rank), source));
                current = reduced;
            }
            DefineOutput(node, 0, final.SequenceEqual(current.Shape) ? current : View(current, final, node), where);
            return true;
        }
    }
}
