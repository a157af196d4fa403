using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Passes
{
    /// <summary>
    /// An activation's QuantizeLinear -> DequantizeLinear pair (the QDQ format puts one after nearly every layer) with one
    /// scale and zero point becomes one elementwise op, one pass over memory instead of two; runs before the epilogue
    /// fusions, so a conv or dense layer may then apply it in its own store.
    /// </summary>
    internal static class FuseQuantizeDequantize
    {
        public static void Run(IrGraph graph)
        {
            var uses = graph.CountUses();
            for (int i = 0; i < graph.Ops.Count; i++)
            {
                if (graph.Ops[i] is not UnaryOp q || q.Activation.Kind != ActivationKind.Quantize) continue;
                var output = q.Output;
                if (graph.Outputs.Any(o => o.Root == output) || !uses.TryGetValue(output, out int n) || n != 1) continue;
                int j = graph.Ops.FindIndex(i + 1, op => op.Inputs.Contains(output));
                if (j < 0 || graph.Ops[j] is not UnaryOp dq || dq.Activation.Kind != ActivationKind.Dequantize || dq.Input != output) continue;
                var (scale, zeroPoint) = (q.Activation.Alpha, q.Activation.Beta);
                if (dq.Activation.Alpha != scale || dq.Activation.Beta != zeroPoint) continue;
                var pair = new Activation(ActivationKind.QuantizeDequantize, Alpha: scale, Min: q.Activation.Min - zeroPoint, Max: q.Activation.Max - zeroPoint);
                graph.Ops[i] = new UnaryOp(pair, q.Input, dq.Output, q.SourceNodes + " + " + dq.SourceNodes);
                graph.Ops.RemoveAt(j);
                uses = graph.CountUses();
            }
        }
    }
}
