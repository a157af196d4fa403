using System;
using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>How a convolution with constant weights is executed.</summary>
    internal enum ConvKernelKind
    {
        /// <summary>Per filter, its nonzero taps; each tap one multiply-add across an output row (zero taps cost nothing).</summary>
        Taps,
        /// <summary>Per output position, the nonzero tap rows broadcast into register tiles of filters (dense over filters).</summary>
        Channels,
    }

    internal readonly record struct ConvPlan(ConvKernelKind Kernel, int NonzeroTaps, int TapRows, double TapsCostNs, double ChannelsCostNs)
    {
        public double ChosenCostNs => Kernel == ConvKernelKind.Taps ? TapsCostNs : ChannelsCostNs;
    }

    /// <summary>
    /// Chooses the conv kernel from a rough cost model of one image (first measurements on the digits CNN, to be
    /// calibrated): the tap kernel pays a fixed cost per tap and per output row it touches, plus a vector FMA per
    /// 8 outputs of a row; the channel kernel pays per output position a gather per tap row, a 16-wide FMA per tap
    /// row and tile of 16 filters, and a store per filter. Grouped convolutions always use taps (a tap list holds only
    /// the group's own channels, so depthwise layers cost one row FMA per nonzero tap).
    /// </summary>
    internal static class ConvPlanner
    {
        public const double NsPerTap = 4.0;
        public const double NsPerTapRow = 1.0;
        public const double NsPerRowVector = 0.4;
        public const double NsPerGather = 0.5;
        public const double NsPerChannelFma = 0.4;
        public const double NsPerStore = 0.5;
        public const double NsPerPosition = 8.0;

        public static ConvPlan Plan(ConvOp conv, KernelChoice choice)
        {
            var g = conv.Geometry;
            int volume = g.KernelVolume, filters = g.OutChannels;
            int nonzeroTaps = conv.Weights!.Count(w => w != 0f);
            int tapRows = 0;
            for (int row = 0; row < g.InChannels * volume && conv.Group == 1; row++)
            {
                int c = row / volume, k = row % volume;
                for (int m = 0; m < filters; m++)
                    if (conv.Weights![m * conv.FilterLength + c * volume + k] != 0f) { tapRows++; break; }
            }
            int rows = g.Out[0] * g.Out[1];
            double taps = g.Images * nonzeroTaps * (NsPerTap + rows * (NsPerTapRow + Math.Ceiling(g.Out[2] / 8.0) * NsPerRowVector));
            double channels = g.Images * g.OutPlane * (NsPerPosition + tapRows * (NsPerGather + Math.Ceiling(filters / 16.0) * NsPerChannelFma) + filters * NsPerStore);
            bool channelsPossible = conv.Group == 1 && tapRows <= Emitting.ModelEmitter.MaxConvColumn && filters <= Emitting.ModelEmitter.MaxConvColumn;
            var kind = choice switch
            {
                KernelChoice.DenseSimd when channelsPossible => ConvKernelKind.Channels,
                KernelChoice.SparseRows or KernelChoice.BlockSparse => ConvKernelKind.Taps,
                _ => channelsPossible && channels < taps ? ConvKernelKind.Channels : ConvKernelKind.Taps,
            };
            return new ConvPlan(kind, nonzeroTaps, tapRows, taps, channelsPossible ? channels : double.PositiveInfinity);
        }
    }
}
