using PrunedCodegen.Graph;

namespace PrunedCodegen.Emitting
{
    // ArgMax, ArgMin and TopK layers. Their int64 results go straight into the caller's Span<long> (a graph output is
    // the only place such a value can live; GraphBuilder refuses any other use of it).
    internal sealed partial class ModelEmitter
    {
        private void EmitArgReduce(int index, ArgReduceOp a)
        {
            _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> x, Span<long> y)");
            _w.Line($"{K}.ArgReduce(x, y, {I(a.Outer)}, {I(a.Length)}, {I(a.Inner)}, max: {Bool(a.Max)}, last: {Bool(a.SelectLast)});");
            _w.Close();
        }

        private void EmitTopK(int index, TopKOp t)
        {
            _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> x, Span<{(t.Indices ? "long" : "float")}> y)");
            _w.Line($"{K}.TopK{(t.Indices ? "Indices" : "Values")}(x, y, {I(t.Outer)}, {I(t.Length)}, {I(t.Inner)}, k: {I(t.K)}, largest: {Bool(t.Largest)});");
            _w.Close();
        }

        private static string DescribeArgReduce(ArgReduceOp a) =>
            $"Y = Arg{(a.Max ? "Max" : "Min")}(X) over {I(a.Length)} elements ([{I(a.Outer)}, {I(a.Length)}, {I(a.Inner)}] view) -> {Shapes.Format(a.Output.Shape)} int64 indices; "
            + $"the {(a.SelectLast ? "last" : "first")} {(a.Max ? "largest" : "smallest")} element wins (NaN only at index 0, as ONNX Runtime).";

        private static string DescribeTopK(TopKOp t) =>
            $"Y = TopK(X, k={I(t.K)}, {(t.Largest ? "largest" : "smallest")}) {(t.Indices ? "indices (int64)" : "values")} over {I(t.Length)} elements ([{I(t.Outer)}, {I(t.Length)}, {I(t.Inner)}] view) -> {Shapes.Format(t.Output.Shape)}; "
            + "sorted, equal values in index order, NaN last"
            + (t.Indices ? "." : "; the indices output, if returned, is another layer repeating the selection.");

        /// <summary>What the indices of <paramref name="output"/> are, for its parameter doc.</summary>
        private string IndexProducer(IrValue output)
        {
            foreach (var op in _graph.Ops)
            {
                if (op.Output.Root != output.Root) continue;
                if (op is ArgReduceOp a) return $"the position of the {(a.Max ? "largest" : "smallest")} of {I(a.Length)} values, by {(a.Max ? "ArgMax" : "ArgMin")}";
                if (op is TopKOp t) return $"the positions of the {I(t.K)} {(t.Largest ? "largest" : "smallest")} of {I(t.Length)} values, best first, by TopK";
            }
            return "the model";
        }
    }
}
