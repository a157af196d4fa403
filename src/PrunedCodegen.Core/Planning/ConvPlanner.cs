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
        /// <summary>Stride 1: register tiles of 4 filters x 2 vectors of output positions over the flattened padded input (zero taps of a tile skipped).</summary>
        Tiles,
        /// <summary>Depthwise (group = input channels): per filter, output rows in vector registers, one broadcast-weight FMA per nonzero tap.</summary>
        Depthwise,
        /// <summary>1x1, stride 1, unpadded, ungrouped: a GEMM in register tiles of 4 filters x 2 vectors of positions, read in place (zero input channels of a tile skipped).</summary>
        Pointwise,
        /// <summary>Ungrouped, any size, stride, dilation and padding: register tiles of 8 filters x 2 vectors of positions along output rows over a per-thread staged input (zero taps of a tile skipped).</summary>
        Direct,
        /// <summary>1x1, stride 1, unpadded, ungrouped: the GEMM micro-kernel (12-row panels of weights packed at build time x the input read in place), every weight multiplied.</summary>
        Gemm,
        /// <summary>Depthwise, one filter per channel, 1-D/2-D, any size, stride, dilation and padding: per channel the padded plane staged as stride-phase planes, the whole output plane one run of vectors (no border tests).</summary>
        DepthwisePlanes,
        /// <summary>Depthwise, one filter per channel, 1-D/2-D, any size: vectorised across channels over a channels-last (HWC) stage of the padded input, 4 positions x 1 vector of channels per tile, no per-channel overhead.</summary>
        DepthwiseChannels,
        /// <summary>Ungrouped, any size, stride, dilation and padding: an implicit GEMM in 8-filter x 3-vector register tiles, each tap read at its offset in a staged input (taps zero in every filter left out).</summary>
        ImplicitGemm,
        /// <summary>1x1, stride 1, unpadded, group 1, reading a channels-last input (LayoutPlanner): tiles of 6 positions x 2 vectors of filters, vectorised across filters.</summary>
        PointwiseChannelsLast,
        /// <summary>Group 1, 2-D 3x3 at stride and dilation 1, any size and padding: Winograd F(2x2, 3x3), filters transformed at build time, 16 GEMMs per block of tiles in the implicit GEMM's register tiles (2.25x fewer multiply-adds than the direct kernels; zero weights are not skipped).</summary>
        Winograd,
    }

    internal readonly record struct ConvPlan(ConvKernelKind Kernel, int NonzeroTaps, int TapRows, double TapsCostNs, double ChannelsCostNs, double TilesCostNs, int TileTaps,
        double DepthwiseCostNs, double PointwiseCostNs, double DirectCostNs = double.PositiveInfinity, int DirectTileTaps = 0, double GemmCostNs = double.PositiveInfinity, double DepthwisePlanesCostNs = double.PositiveInfinity,
        double DepthwiseChannelsCostNs = double.PositiveInfinity, double ImplicitGemmCostNs = double.PositiveInfinity, int ImplicitGemmTaps = 0, double PointwiseChannelsLastCostNs = double.PositiveInfinity,
        double WinogradCostNs = double.PositiveInfinity, int WinogradChannels = 0)
    {
        /// <summary>The kernel's short name, as the layer table, PCG1000 and <c>pcg inspect</c> show it.</summary>
        public string KernelName => Kernel switch
        {
            ConvKernelKind.Taps => "conv taps SIMD rows",
            ConvKernelKind.Channels => "conv channels SIMD",
            ConvKernelKind.Depthwise => "conv depthwise SIMD",
            ConvKernelKind.Pointwise => "conv pointwise SIMD",
            ConvKernelKind.Direct => "conv direct SIMD",
            ConvKernelKind.Gemm => "conv pointwise GEMM",
            ConvKernelKind.DepthwisePlanes => "conv depthwise planes SIMD",
            ConvKernelKind.DepthwiseChannels => "conv depthwise channels SIMD",
            ConvKernelKind.ImplicitGemm => "conv implicit GEMM",
            ConvKernelKind.PointwiseChannelsLast => "conv pointwise channels-last SIMD",
            ConvKernelKind.Winograd => "conv Winograd F(2x2,3x3)",
            _ => "conv tiles SIMD",
        };

        public double ChosenCostNs => Kernel switch
        {
            ConvKernelKind.Taps => TapsCostNs,
            ConvKernelKind.Channels => ChannelsCostNs,
            ConvKernelKind.Depthwise => DepthwiseCostNs,
            ConvKernelKind.Pointwise => PointwiseCostNs,
            ConvKernelKind.Direct => DirectCostNs,
            ConvKernelKind.Gemm => GemmCostNs,
            ConvKernelKind.DepthwisePlanes => DepthwisePlanesCostNs,
            ConvKernelKind.DepthwiseChannels => DepthwiseChannelsCostNs,
            ConvKernelKind.ImplicitGemm => ImplicitGemmCostNs,
            ConvKernelKind.PointwiseChannelsLast => PointwiseChannelsLastCostNs,
            ConvKernelKind.Winograd => WinogradCostNs,
            _ => TilesCostNs,
        };
    }

    /// <summary>
    /// Chooses the conv kernel from a rough cost model of one image (first measurements on the digits CNN, to be
    /// calibrated): the tap kernel pays a fixed cost per tap and per output row it touches, plus a vector FMA per
    /// 8 outputs of a row; the channel kernel pays per output position a gather per tap row, a 16-wide FMA per tap
    /// row and tile of 16 filters, and a store per filter; the tile kernel (stride 1 only) pays per tile of 4 filters
    /// and step of 32 flattened padded positions one step per tap the tile uses (2 loads, 4 broadcasts, 8 FMAs), plus a
    /// row copy per filter and output row and a copy per padded input row. Grouped convolutions always use taps (a tap
    /// list holds only the group's own channels, so depthwise layers cost one row FMA per nonzero tap).
    /// The depthwise kernel (group = input channels > 1, any channel multiplier) pays per output row of each filter a
    /// fixed cost (listing the row's taps) and a store per vector of 16 outputs, per nonzero tap one FMA per vector of
    /// 16 outputs, and a row copy per input row when the input is staged (W padding or W stride).
    /// The pointwise kernel (1x1, stride 1, no padding, group 1) pays per tile of 4 filters and step of 32 positions one
    /// step per input channel the tile reads (as the tile kernel, without its staging copies), plus a store per filter
    /// and vector of 16 positions.
    /// The GEMM path (1x1 as above) is costed in ConvPlanner.Gemm.cs; auto and dense take it where it is cheaper than the
    /// pointwise and direct kernels, gemm forces it (dense keeps the pointwise kernel).
    /// The depthwise plane kernel (one filter per channel, 1-D/2-D) is costed in ConvPlanner.DepthwisePlanes.cs; auto
    /// takes it where cheaper than every kernel but the row depthwise one (which it replaces where both apply: measured
    /// 1.1-2.2x faster on the MobileNet and DS-CNN layers, the row kernel's estimates being far too low), direct forces it.
    /// The channels-vectorised depthwise kernel is costed in ConvPlanner.DepthwiseChannels.cs; auto takes it where cheaper
    /// than every other kernel but the row depthwise one (which it replaces, as the plane kernel does: measured faster
    /// than both on every dense MobileNet and DS-CNN depthwise layer), dwchannels forces it.
    /// The implicit GEMM (ungrouped, any geometry) is costed in ConvPlanner.ImplicitGemm.cs; auto takes it where it is cheaper than
    /// every other kernel, gemm forces it where the pointwise GEMM does not apply.
    /// Winograd F(2x2, 3x3) (group 1, 2-D 3x3 at stride and dilation 1) is costed in ConvPlanner.Winograd.cs; auto takes it
    /// where it is cheaper than every other kernel (zero weights are not skipped in it, so pruned layers compare their taps
    /// kernels' lower costs), winograd forces it.
    /// Forcing: dense picks pointwise where it applies, else tiles, else channels, else depthwise; block picks channels; sparse picks taps
    /// (so block and sparse keep the generic tap kernel for depthwise layers).
    /// </summary>
    internal static partial class ConvPlanner
    {
        public const double NsPerTap = 4.0;
        public const double NsPerTapRow = 1.0;
        public const double NsPerRowVector = 0.4;
        /// <summary>
        /// Per output element of a tap row at W stride above 1, which the taps kernel reads one float at a time (measured on
        /// MobileNet-0.25's 80%-pruned stem, 3x96x96 stride 2: ~100 us for 99k such elements where the vector-row cost alone
        /// predicted 7 us, 2x slower than the direct kernel the planner had passed over).
        /// </summary>
        public const double NsPerStridedTapElement = 1.0;
        public const double NsPerGather = 0.5;
        public const double NsPerChannelFma = 0.4;
        public const double NsPerStore = 0.5;
        public const double NsPerPosition = 8.0;
        public const double NsPerTileStep = 1.2;
        public const double NsPerRowCopy = 2.0;
        public const double NsPerDepthwiseRow = 1.0;
        public const double NsPerDepthwiseFma = 0.5;
        public const double NsPerPointwiseStep = 1.0;

        /// <summary>Filters per tile and positions per step of the tile kernel (mirror Kernels.ConvTileFilters and two Vector512).</summary>
        public const int TileFilters = 4, TilePositions = 32;

        /// <summary>Whether the tile kernel applies: ungrouped, stride 1, padded input and staged rows within the stack budget.</summary>
        public static bool TilesPossible(ConvOp conv)
        {
            var g = conv.Geometry;
            if (conv.Group != 1 || g.Stride.Any(s => s != 1)) return false;
            long pD = g.In[0] + g.PadBegin[0] + g.PadEnd[0], pH = g.In[1] + g.PadBegin[1] + g.PadEnd[1], pW = g.In[2] + g.PadBegin[2] + g.PadEnd[2];
            long qEnd = ((g.Out[0] - 1) * pH + g.Out[1] - 1) * pW + g.Out[2];
            return g.InChannels * pD * pH * pW + TilePositions + TileFilters * (qEnd + TilePositions) <= Emitting.ModelEmitter.MaxTileStack;
        }

        /// <summary>
        /// Whether the depthwise kernel applies: one input channel per filter (group = input channels, more than one), and
        /// an input plane that, padded along W, fits the stack (mirrors Kernels.ConvDepthwise).
        /// </summary>
        public static bool DepthwisePossible(ConvOp conv)
        {
            var g = conv.Geometry;
            if (conv.Weights == null || conv.Group < 2 || conv.Group != g.InChannels || g.KernelVolume > Emitting.ModelEmitter.MaxConvColumn) return false;
            long pW = g.In[2] + g.PadBegin[2] + g.PadEnd[2], sW = g.Stride[2];
            bool direct = sW == 1 && pW == g.In[2];
            return direct || (long)g.In[0] * g.In[1] * sW * ((pW + sW - 1) / sW) <= Emitting.ModelEmitter.MaxTileStack;
        }

        /// <summary>Whether the pointwise kernel applies: constant weights, group 1, every kernel extent and stride 1, no padding.</summary>
        public static bool PointwisePossible(ConvOp conv)
        {
            var g = conv.Geometry;
            return conv.Weights != null && conv.Group == 1 && g.Kernel.All(k => k == 1) && g.Stride.All(s => s == 1)
                && g.PadBegin.All(p => p == 0) && g.PadEnd.All(p => p == 0);
        }

        /// <summary>Per tile of 4 filters, the tap rows (input channel, kernel offset) where any of the four has a nonzero weight.</summary>
        public static int TileTaps(ConvOp conv)
        {
            var g = conv.Geometry;
            int volume = g.KernelVolume, total = 0;
            for (int first = 0; first < g.OutChannels; first += TileFilters)
                for (int row = 0; row < g.InChannels * volume; row++)
                    for (int m = first; m < Math.Min(first + TileFilters, g.OutChannels); m++)
                        if (conv.Weights![m * conv.FilterLength + row] != 0f) { total++; break; }
            return total;
        }

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
            double taps = g.Images * nonzeroTaps * (NsPerTap + rows * (NsPerTapRow
                + (g.Stride[2] == 1 ? Math.Ceiling(g.Out[2] / 8.0) * NsPerRowVector : g.Out[2] * NsPerStridedTapElement)));
            double channels = g.Images * g.OutPlane * (NsPerPosition + tapRows * (NsPerGather + Math.Ceiling(filters / 16.0) * NsPerChannelFma) + filters * NsPerStore);
            bool channelsPossible = conv.Group == 1 && tapRows <= Emitting.ModelEmitter.MaxConvColumn && filters <= Emitting.ModelEmitter.MaxConvColumn;
            bool tilesPossible = TilesPossible(conv), pointwisePossible = PointwisePossible(conv);
            int tileTaps = tilesPossible || pointwisePossible ? TileTaps(conv) : 0;
            double pointwise = pointwisePossible
                ? g.Images * (tileTaps * Math.Ceiling(g.OutPlane / (double)TilePositions) * NsPerPointwiseStep + filters * Math.Ceiling(g.OutPlane / 16.0) * NsPerStore)
                : double.PositiveInfinity;
            double tiles = double.PositiveInfinity;
            if (tilesPossible)
            {
                long pH = g.In[1] + g.PadBegin[1] + g.PadEnd[1], pW = g.In[2] + g.PadBegin[2] + g.PadEnd[2];
                long qEnd = ((g.Out[0] - 1) * pH + g.Out[1] - 1) * pW + g.Out[2];
                double steps = Math.Ceiling(qEnd / (double)TilePositions);
                tiles = g.Images * (tileTaps * steps * NsPerTileStep + (filters * g.Out[0] * g.Out[1] + g.InChannels * g.In[0] * g.In[1]) * NsPerRowCopy);
            }
            if (!channelsPossible) channels = double.PositiveInfinity;
            bool depthwisePossible = DepthwisePossible(conv);
            bool staged = g.Stride[2] != 1 || g.PadBegin[2] + g.PadEnd[2] != 0;
            double depthwise = depthwisePossible
                ? g.Images * (rows * Math.Ceiling(g.Out[2] / 16.0) * (filters * NsPerStore + nonzeroTaps * NsPerDepthwiseFma) + filters * rows * NsPerDepthwiseRow
                    + (staged ? g.InChannels * g.In[0] * g.In[1] * NsPerRowCopy : 0))
                : double.PositiveInfinity;
            bool directPossible = DirectPossible(conv);
            int directTileTaps = directPossible ? DirectTileTaps(conv) : 0;
            double direct = directPossible ? DirectCost(conv, directTileTaps) : double.PositiveInfinity;
            bool gemmPossible = GemmPossible(conv);
            double gemm = gemmPossible ? GemmCost(conv) : double.PositiveInfinity;
            bool planesPossible = DepthwisePlanesPossible(conv);
            double planes = planesPossible ? DepthwisePlanesCost(conv) : double.PositiveInfinity;
            bool dwChannelsPossible = DepthwiseChannelsPossible(conv);
            double dwChannels = dwChannelsPossible ? DepthwiseChannelsCost(conv) : double.PositiveInfinity;
            bool implicitPossible = ImplicitGemmPossible(conv);
            int implicitTaps = implicitPossible ? ImplicitGemmTaps(conv).Count : 0;
            double implicitGemm = implicitPossible ? ImplicitGemmCost(conv, implicitTaps) : double.PositiveInfinity;
            bool winogradPossible = WinogradPossible(conv);
            int winogradChannels = winogradPossible ? WinogradChannels(conv).Count : 0;
            double winograd = winogradPossible ? WinogradCost(conv, winogradChannels) : double.PositiveInfinity;
            double others = Math.Min(Math.Min(Math.Min(taps, channels), Math.Min(tiles, depthwise)), Math.Min(Math.Min(pointwise, direct), Math.Min(Math.Min(gemm, planes), dwChannels)));
            var kind = choice switch
            {
                KernelChoice.Winograd when winogradPossible => ConvKernelKind.Winograd,
                KernelChoice.Auto when winogradPossible && winograd < others && winograd < implicitGemm => ConvKernelKind.Winograd,
                KernelChoice.DepthwiseChannels when dwChannelsPossible => ConvKernelKind.DepthwiseChannels,
                KernelChoice.Auto when dwChannelsPossible && dwChannels <= planes && dwChannels <= direct && dwChannels * ChannelsOverTapsMargin <= taps && dwChannels <= tiles
                    && dwChannels <= channels => ConvKernelKind.DepthwiseChannels,
                KernelChoice.Direct when planesPossible && !directPossible => ConvKernelKind.DepthwisePlanes,
                _ when choice is KernelChoice.Auto or KernelChoice.Direct && planesPossible && planes <= direct && planes <= taps && planes <= tiles
                    && planes <= channels && planes <= pointwise && planes <= gemm => ConvKernelKind.DepthwisePlanes,
                KernelChoice.Gemm when gemmPossible => ConvKernelKind.Gemm,
                KernelChoice.Gemm when implicitPossible => ConvKernelKind.ImplicitGemm,
                KernelChoice.Auto when implicitPossible && implicitGemm < others => ConvKernelKind.ImplicitGemm,
                KernelChoice.Direct when directPossible => ConvKernelKind.Direct,
                _ when choice is KernelChoice.Auto or KernelChoice.Gemm && gemmPossible && gemm <= direct && gemm <= pointwise
                    => ConvKernelKind.Gemm,
                _ when choice is KernelChoice.Auto or KernelChoice.Direct && direct <= taps && direct <= tiles && direct <= channels && direct <= pointwise && direct <= depthwise
                    => ConvKernelKind.Direct,
                KernelChoice.DenseSimd when pointwisePossible => ConvKernelKind.Pointwise,
                KernelChoice.DenseSimd when tilesPossible => ConvKernelKind.Tiles,
                KernelChoice.DenseSimd when channelsPossible => ConvKernelKind.Channels,
                KernelChoice.DenseSimd when depthwisePossible => ConvKernelKind.Depthwise,
                KernelChoice.BlockSparse when channelsPossible => ConvKernelKind.Channels,
                KernelChoice.SparseRows or KernelChoice.BlockSparse => ConvKernelKind.Taps,
                _ when pointwise <= taps && pointwise <= tiles && pointwise <= channels => ConvKernelKind.Pointwise,
                _ when depthwise <= taps && depthwise <= tiles && depthwise <= channels => ConvKernelKind.Depthwise,
                _ when tiles <= channels && tiles <= taps => ConvKernelKind.Tiles,
                _ => channels < taps ? ConvKernelKind.Channels : ConvKernelKind.Taps,
            };
            return new ConvPlan(kind, nonzeroTaps, tapRows, taps, channels, tiles, tileTaps, depthwise, pointwise, direct, directTileTaps, gemm, planes, dwChannels, implicitGemm, implicitTaps,
                WinogradCostNs: winograd, WinogradChannels: winogradChannels);
        }
    }
}
