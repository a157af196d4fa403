using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Passes
{
    /// <summary>
    /// Applies an elementwise activation that follows a Conv inside the conv layer (one pass over its output
    /// instead of two), and lets filter removal see that a zero filter stays zero (Relu keeps 0).
    /// </summary>
    internal static class FuseConvActivation
    {
        public static void Run(IrGraph graph)
        {
            var uses = graph.CountUses();
            for (int i = 0; i < graph.Ops.Count; i++)
            {
                if (graph.Ops[i] is not ConvOp conv || conv.Activation.Kind != ActivationKind.None) continue;
                var output = conv.Output;
                if (graph.Outputs.Any(o => o.Root == output) || !uses.TryGetValue(output, out int n) || n != 1) continue;
                int j = graph.Ops.FindIndex(i + 1, op => op.Inputs.Contains(output));
                if (j < 0 || graph.Ops[j] is not UnaryOp act || act.Activation.Kind == ActivationKind.None || act.Input != output) continue;
                var fused = new ConvOp(conv.Input, act.Output, conv.Geometry, conv.Group, conv.SourceNodes + " + " + act.SourceNodes)
                {
                    Weights = conv.Weights, Bias = conv.Bias, WeightInput = conv.WeightInput, BiasInput = conv.BiasInput,
                    Activation = act.Activation, RemovedInputs = conv.RemovedInputs, RemovedOutputs = conv.RemovedOutputs,
                };
                graph.Ops[i] = fused;
                graph.Ops.RemoveAt(j);
                uses = graph.CountUses();
            }
        }
    }
}
