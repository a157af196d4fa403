using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>How a pooling layer is executed.</summary>
    internal enum PoolKernelKind
    {
        /// <summary>GlobalMaxPool / GlobalAveragePool: one reduction per channel plane (Kernels.GlobalPool).</summary>
        Global,
        /// <summary>2-D windows wholly inside the input, no dilation: plain loops over locals, 2x2 stride-2 max pooling in vectors (Kernels.PoolUnpadded).</summary>
        Unpadded2D,
        /// <summary>Any window (padding, dilation, 1-D/3-D, ceil mode): per output position, the window's taps inside the input from precomputed tables (Kernels.Pool).</summary>
        Windows,
    }

    /// <summary>The planner's decision for one pooling layer and its estimated ns per sample.</summary>
    internal readonly record struct PoolPlan(PoolKernelKind Kernel, double CostNs)
    {
        public string KernelName => Kernel switch
        {
            PoolKernelKind.Global => "global reduce",
            PoolKernelKind.Unpadded2D => "window pool, unpadded 2-D",
            _ => "window pool",
        };
    }

    /// <summary>
    /// Chooses the pooling kernel from the window geometry, and estimates its time: one pass over the window taps, about
    /// 0.5 ns per tap read by the scalar window kernels and per output vector of the 2x2 max kernel (a first figure, not
    /// calibrated; pooling is a small share of a CNN's time next to its convolutions).
    /// </summary>
    internal static class PoolPlanner
    {
        public const double NsPerTap = 0.5;

        /// <summary>Whether every window lies inside an unpadded 2-D input (mirrors the runtime's check in Kernels.PoolUnpadded).</summary>
        public static bool UnpaddedPossible(PoolOp pool)
        {
            var g = pool.Geometry;
            return g.Out[0] == 1 && g.In[0] == 1 && g.PadBegin[1] == 0 && g.PadBegin[2] == 0 && g.PadEnd[1] == 0 && g.PadEnd[2] == 0
                && g.Dilation[1] == 1 && g.Dilation[2] == 1
                && (g.Out[1] - 1) * g.Stride[1] + g.Kernel[1] <= g.In[1] && (g.Out[2] - 1) * g.Stride[2] + g.Kernel[2] <= g.In[2];
        }

        public static PoolPlan Plan(PoolOp pool)
        {
            var g = pool.Geometry;
            long planes = (long)g.Images * g.InChannels;
            if (pool.Global) return new PoolPlan(PoolKernelKind.Global, planes * g.InPlane * NsPerTap / 8);
            bool max2x2 = pool.Kind == PoolKind.Max && g.Kernel[1] == 2 && g.Kernel[2] == 2 && g.Stride[1] == 2 && g.Stride[2] == 2;
            double taps = (double)planes * g.OutPlane * g.KernelVolume;
            if (UnpaddedPossible(pool)) return new PoolPlan(PoolKernelKind.Unpadded2D, (max2x2 ? taps / 8 : taps) * NsPerTap);
            return new PoolPlan(PoolKernelKind.Windows, taps * NsPerTap * 2);
        }
    }
}
