using System.Collections.Generic;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// Everything decided about a model before any code is written: per layer the kernel and its estimated cost (dense
    /// layers, convolutions, pools), where every value lives (<see cref="Buffers"/>), and how PredictBatch runs
    /// (<see cref="Batch"/>, null when it loops over samples). Plain data made by <see cref="ModelPlanner"/>; the emitter
    /// only renders it, and the layer table, PCG1000 and <c>pcg inspect</c> report it.
    /// </summary>
    internal sealed class ModelPlan
    {
        public ModelPlan(BufferPlan buffers, IReadOnlyDictionary<DenseOp, LayerPlan> dense, IReadOnlyDictionary<ConvOp, ConvPlan> conv,
            IReadOnlyDictionary<PoolOp, PoolPlan> pools, BatchPlan? batch, IEnumerable<IrValue>? channelsLast = null)
        {
            _channelsLast = new HashSet<IrValue>(channelsLast ?? new IrValue[0]);
            Buffers = buffers;
            Dense = dense;
            Conv = conv;
            Pools = pools;
            Batch = batch;
        }

        public BufferPlan Buffers { get; }

        /// <summary>Every dense layer's plan.</summary>
        public IReadOnlyDictionary<DenseOp, LayerPlan> Dense { get; }

        /// <summary>Every convolution with constant weights (a conv whose weights are a runtime input has no plan).</summary>
        public IReadOnlyDictionary<ConvOp, ConvPlan> Conv { get; }

        public IReadOnlyDictionary<PoolOp, PoolPlan> Pools { get; }

        public BatchPlan? Batch { get; }

        private readonly HashSet<IrValue> _channelsLast;

        /// <summary>Whether a value is stored channels-last (NHWC) between the convolutions of a depthwise-separable chain (<see cref="LayoutPlanner"/>); every other value is NCHW.</summary>
        public bool IsChannelsLast(IrValue value) => _channelsLast.Contains(value);

        /// <summary>Whether op <paramref name="index"/> runs in PredictBatch's groups of samples.</summary>
        public bool IsBatched(int index) => Batch != null && index < Batch.BatchedOps;

        /// <summary>The planner's estimate for one op (ns per sample), or null for ops it does not estimate.</summary>
        public double? EstimatedNs(IrOp op) => op switch
        {
            DenseOp d => Dense[d].ChosenCostNs,
            ConvOp c when Conv.TryGetValue(c, out var plan) => plan.ChosenCostNs,
            PoolOp p => Pools[p].CostNs,
            _ => null,
        };
    }
}
