using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// The layout decision for depthwise-separable chains (issue 14): which values between convolutions are stored
    /// channels-last (NHWC: the channels of a position side by side) instead of NCHW. A value is channels-last when the op
    /// that writes it can write it so and every op that reads it can read it so: the channels-vectorised depthwise kernel
    /// reads and writes either layout; a pointwise 1x1 conv (stride 1, unpadded, group 1) reads channels-last through
    /// <see cref="ConvKernelKind.PointwiseChannelsLast"/> (vectorised across filters) and writes either layout. So a
    /// dw -> pw -> dw -> ... chain is transposed once on the way in (the first depthwise stages its NCHW input
    /// channels-last) and once on the way out (the last conv writes NCHW for the op after it); graph inputs and outputs
    /// and every other op stay NCHW. Measured (per-layer timing, DS-CNN 64x25x5 depthwise layer): the depthwise with both
    /// transposes 21 us, without them 4.6 us; the chain removes them between the convolutions of a block.
    /// </summary>
    internal static class LayoutPlanner
    {
        /// <summary>A 1x1 conv the channels-last pointwise kernel runs: where the GEMM path applies, 1-D or 2-D.</summary>
        public static bool ChainPointwise(ConvOp c) =>
            ConvPlanner.PointwisePossible(c) && c.Geometry.In[0] == 1 && (long)c.Geometry.InChannels * c.Geometry.OutChannels <= int.MaxValue / 2;

        /// <summary>
        /// The channels-last values, and the pointwise convs that read one switched to the channels-last kernel in
        /// <paramref name="conv"/>. <paramref name="mayChain"/> says whether op i's kernel may be chosen here (not forced).
        /// </summary>
        public static HashSet<IrValue> Plan(IrGraph graph, Dictionary<ConvOp, ConvPlan> conv, Func<int, bool> mayChain)
        {
            var index = new Dictionary<IrOp, int>();
            var readers = new Dictionary<IrValue, List<IrOp>>();
            for (int i = 0; i < graph.Ops.Count; i++)
            {
                index[graph.Ops[i]] = i;
                foreach (var v in graph.Ops[i].Inputs)
                {
                    if (!readers.TryGetValue(v, out var list)) readers[v] = list = new List<IrOp>();
                    list.Add(graph.Ops[i]);
                }
            }
            var outputs = new HashSet<IrValue>(graph.Outputs);
            var producer = new Dictionary<IrValue, IrOp>();
            foreach (var op in graph.Ops) producer[op.Output] = op;
            // A depthwise conv that auto gave another kernel is re-priced for the channels kernel inside a chain (its
            // pointwise neighbours channels-last: no transposes on that side) and switched where that is cheapest.
            bool OnlyPointwiseReaders(IrValue v) => !outputs.Contains(v) && readers.TryGetValue(v, out var rs)
                && rs.All(r => r is ConvOp p && conv.ContainsKey(p) && ChainPointwise(p) && mayChain(index[r]));
            foreach (var op in graph.Ops)
            {
                if (op is not ConvOp d || !conv.TryGetValue(d, out var plan) || plan.Kernel == ConvKernelKind.DepthwiseChannels
                    || double.IsInfinity(plan.DepthwiseChannelsCostNs) || !mayChain(index[op])) continue;
                bool inLast = producer.TryGetValue(d.Input, out var before) && before is ConvOp b && conv.ContainsKey(b) && ChainPointwise(b) && mayChain(index[b])
                    && readers[d.Input].Count == 1 && !outputs.Contains(d.Input);
                bool outLast = OnlyPointwiseReaders(d.Output);
                if (!inLast && !outLast) continue;
                double cost = ConvPlanner.DepthwiseChannelsCost(d, inLast, outLast);
                if (cost <= plan.ChosenCostNs) conv[d] = plan with { Kernel = ConvKernelKind.DepthwiseChannels, DepthwiseChannelsCostNs = cost };
            }
            var channelsLast = new HashSet<IrValue>();
            bool Depthwise(IrOp op) => op is ConvOp d && conv.TryGetValue(d, out var p) && p.Kernel == ConvKernelKind.DepthwiseChannels;
            bool Pointwise(IrOp op) => op is ConvOp d && conv.ContainsKey(d) && ChainPointwise(d) && mayChain(index[op]);
            foreach (var op in graph.Ops)
            {
                if (op is not ConvOp c || !conv.ContainsKey(c)) continue;
                bool writes = Depthwise(c) || (Pointwise(c) && channelsLast.Contains(c.Input));
                if (!writes || outputs.Contains(c.Output) || !readers.TryGetValue(c.Output, out var list)) continue;
                if (list.All(r => ((Depthwise(r) || Pointwise(r)) && ((ConvOp)r).Inputs.Count(v => v == c.Output) == 1 && ((ConvOp)r).Geometry.Images == c.Geometry.Images)
                        || AveragePool(r, c)))
                    channelsLast.Add(c.Output);
            }
            foreach (var c in conv.Keys.ToList())
            {
                if (channelsLast.Contains(c.Input) && ChainPointwise(c) && conv[c].Kernel != ConvKernelKind.DepthwiseChannels)
                    conv[c] = conv[c] with { Kernel = ConvKernelKind.PointwiseChannelsLast, PointwiseChannelsLastCostNs = PointwiseChannelsLastCost(c) };
                else if (conv[c].Kernel == ConvKernelKind.DepthwiseChannels && (channelsLast.Contains(c.Input) || channelsLast.Contains(c.Output)))
                    conv[c] = conv[c] with { DepthwiseChannelsCostNs = ConvPlanner.DepthwiseChannelsCost(c, channelsLast.Contains(c.Input), channelsLast.Contains(c.Output)) };
            }
            return channelsLast;
        }

        /// <summary>A GlobalAveragePool of the conv's output reads it channels-last (Kernels.GlobalAveragePoolChannelsLast): the chain's exit without a transpose.</summary>
        private static bool AveragePool(IrOp reader, ConvOp writer) =>
            reader is PoolOp { Global: true, Kind: PoolKind.Average } p && p.Input == writer.Output && p.Geometry.Images == writer.Geometry.Images
            && p.Geometry.InChannels == writer.Geometry.OutChannels && p.Geometry.InPlane == writer.Geometry.OutPlane;

        /// <summary>Per 6 positions x 2 vectors of 16 filters and input channel one step (2 loads, 6 broadcasts, 12 FMAs), a store per output vector.</summary>
        public const double NsPerChannelsLastStep = 3.5;

        public static double PointwiseChannelsLastCost(ConvOp c)
        {
            var g = c.Geometry;
            return g.Images * (Math.Ceiling(g.OutPlane / 6.0) * Math.Ceiling(g.OutChannels / 32.0) * g.InChannels * NsPerChannelsLastStep
                + g.OutPlane * Math.Ceiling(g.OutChannels / 16.0) * ConvPlanner.NsPerStore);
        }
    }
}
