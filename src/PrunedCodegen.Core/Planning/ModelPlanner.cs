using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// The planning stage of the pipeline (after the passes, before emission): a kernel for every layer from the cost
    /// models (dense <see cref="KernelPlanner"/>, conv <see cref="ConvPlanner"/>, pool <see cref="PoolPlanner"/>), the
    /// scratch-buffer plan, and the batch path. <c>Kernel=</c> forces a kernel kind for the whole model and
    /// <c>LayerKernels=</c> per layer (layer numbers as in the generated file's table), for dense layers and
    /// convolutions alike.
    /// </summary>
    internal static class ModelPlanner
    {
        public static ModelPlan Plan(IrGraph graph, CompileOptions options, CancellationToken cancellationToken = default)
        {
            var overrides = ParseLayerKernels(options.LayerKernels);
            foreach (int layer in overrides.Keys)
                if (layer >= graph.Ops.Count || !(graph.Ops[layer] is DenseOp || graph.Ops[layer] is ConvOp { Weights: not null }))
                    throw new ModelCompileException(DiagnosticIds.InvalidOptions,
                        $"LayerKernels names layer {layer}, which is not a layer with weights (see the generated file's layer table)");

            var dense = new Dictionary<DenseOp, LayerPlan>();
            var conv = new Dictionary<ConvOp, ConvPlan>();
            var pools = new Dictionary<PoolOp, PoolPlan>();
            for (int i = 0; i < graph.Ops.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var choice = overrides.TryGetValue(i, out var forced) ? forced : options.Kernel;
                switch (graph.Ops[i])
                {
                    case DenseOp d: dense[d] = KernelPlanner.Plan(d, choice, Planning.InputZeros.Expected(graph, d.Input)); break;
                    case ConvOp c when c.Weights != null: conv[c] = ConvPlanner.Plan(c, choice); break;
                    case PoolOp p: pools[p] = PoolPlanner.Plan(p); break;
                }
            }
            // SELL layers feeding one dense layer: neurons reordered into SELL's row order, the next layer's inputs to match.
            SellNeuronOrder.Apply(graph, dense, (i, d) => KernelPlanner.Plan(d, overrides.TryGetValue(i, out var forced) ? forced : options.Kernel, Planning.InputZeros.Expected(graph, d.Input)));
            // Depthwise-separable chains channels-last between their convs (pointwise layers whose kernel was forced stay out).
            var channelsLast = LayoutPlanner.Plan(graph, conv, i => (overrides.TryGetValue(i, out var forced) ? forced : options.Kernel) is KernelChoice.Auto or KernelChoice.DepthwiseChannels);
            var buffers = BufferPlan.Create(graph);
            var batch = BatchPlan.TryCreate(graph, buffers, dense);
            return new ModelPlan(buffers, dense, conv, pools, batch, channelsLast);
        }

        /// <summary>"0=dense;2=sparse" → {0: DenseSimd, 2: SparseRows}.</summary>
        private static Dictionary<int, KernelChoice> ParseLayerKernels(string text)
        {
            var result = new Dictionary<int, KernelChoice>();
            foreach (var part in text.Split(new[] { ';', ',' }, System.StringSplitOptions.RemoveEmptyEntries))
            {
                var pieces = part.Split('=');
                if (pieces.Length != 2 || !int.TryParse(pieces[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int layer) ||
                    CompileOptions.ParseKernel(pieces[1]) is not KernelChoice kernel || result.ContainsKey(layer))
                    throw new ModelCompileException(DiagnosticIds.InvalidOptions,
                        $"LayerKernels entry '{Text.Quote(part)}' is not LAYER=KERNEL with a layer number used once and a kernel among auto, dense, block, sparse, unrolled, direct, skipzeros, gemm, sell, dwchannels, winograd");
                result[layer] = kernel;
            }
            return result;
        }
    }
}
