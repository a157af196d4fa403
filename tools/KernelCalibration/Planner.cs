using BenchModels;
using PrunedCodegen;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace KernelCalibration
{
    /// <summary>The generator's own planner, asked directly about a layer (a single-layer model reaches it unchanged:
    /// no neuron can be removed from the graph's output layer).</summary>
    internal static class Planner
    {
        public static DenseOp Op(Layer layer)
        {
            var x = new IrValue("input", ValueKind.Input, new[] { 1, layer.K }, true);
            var y = new IrValue("output", ValueKind.Intermediate, new[] { 1, layer.N }, true);
            return new DenseOp(x, y, 1, layer.K, layer.N, layer.Weights, "Gemm") { Bias = layer.Bias };
        }

        public static LayerPlan Plan(Layer layer, KernelChoice choice = KernelChoice.Auto) => KernelPlanner.Plan(Op(layer), choice);
    }
}
