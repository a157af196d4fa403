using System;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    // The direct conv kernel (Runtime/DirectConvKernels.cs): where it applies, the layout of its staged input (the
    // generator places each tap's offset into it), and its cost.
    internal static partial class ConvPlanner
    {
        /// <summary>Filters per register tile of the direct kernel (mirrors Kernels.DirectFilters).</summary>
        public const int DirectFilters = 8;

        /// <summary>Output columns of a staged row are rounded up to this (mirrors Kernels.DirectColumnRound).</summary>
        public const int DirectColumnRound = 32;

        /// <summary>
        /// One tap of the 8 x 2 register tile (2 loads, 8 broadcasts, 16 vector FMAs) with Vector512, and with the Vector256
        /// or Vector128 the kernel takes for rows of 8 or fewer outputs. Calibrated with tools/ConvTiming on Zen 5 against the
        /// tile kernel's step on the same layers (MNIST, CIFAR-10 and ResNet-8 convs; the machine was loaded, so the
        /// figures are ratios to the other kernels' constants more than absolute times).
        /// </summary>
        public const double NsPerDirectStep = 1.7, NsPerDirectNarrowStep = 3.5;

        /// <summary>Per staged input float (the padded, phase-split copy) and per output float (the store with its activation).</summary>
        public const double NsPerDirectStagedFloat = 0.15, NsPerDirectOutput = 0.1;

        /// <summary>Floats the staged input holds of the largest layer: the direct kernel refuses more than this (int.MaxValue / 2).</summary>
        private const long DirectMaxStaged = int.MaxValue / 2;

        /// <summary>Floats per stride phase of a staged row (mirrors Kernels.DirectPhaseLength).</summary>
        public static int DirectPhaseLength(WindowGeometry g)
        {
            int pW = g.In[2] + g.PadBegin[2] + g.PadEnd[2], sW = g.Stride[2];
            return Math.Max((pW + sW - 1) / sW, (g.Out[2] + DirectColumnRound - 1) / DirectColumnRound * DirectColumnRound + (g.Kernel[2] - 1) * g.Dilation[2] / sW);
        }

        /// <summary>Floats of one staged input channel: padded D x padded H rows of sW phases.</summary>
        public static long DirectChannelLength(WindowGeometry g) =>
            (long)(g.In[0] + g.PadBegin[0] + g.PadEnd[0]) * (g.In[1] + g.PadBegin[1] + g.PadEnd[1]) * g.Stride[2] * DirectPhaseLength(g);

        /// <summary>Whether the direct kernel applies: constant weights, group 1, a staged input within its limit.</summary>
        public static bool DirectPossible(ConvOp conv) =>
            conv.Weights != null && conv.Group == 1 && conv.Geometry.InChannels * DirectChannelLength(conv.Geometry) <= DirectMaxStaged;

        /// <summary>
        /// Where tap (input channel, kd, kh, kw) reads in the staged input, relative to an output position's row base and
        /// column: channel, then the kernel offsets down D and H in padded rows, then along W the stride phase and the shift in it.
        /// </summary>
        public static int DirectTapOffset(WindowGeometry g, int channel, int kd, int kh, int kw)
        {
            int pH = g.In[1] + g.PadBegin[1] + g.PadEnd[1], sW = g.Stride[2], phase = DirectPhaseLength(g);
            long rowLength = (long)sW * phase, shiftW = (long)kw * g.Dilation[2];
            return checked((int)(channel * DirectChannelLength(g) + ((long)kd * g.Dilation[0] * pH + (long)kh * g.Dilation[1]) * rowLength
                + shiftW % sW * phase + shiftW / sW));
        }

        /// <summary>Per tile of 8 filters, the taps (input channel, kernel offset) where any of the 8 has a nonzero weight.</summary>
        public static int DirectTileTaps(ConvOp conv)
        {
            int rows = conv.FilterLength, total = 0, filters = conv.Geometry.OutChannels;
            for (int first = 0; first < filters; first += DirectFilters)
                for (int row = 0; row < rows; row++)
                    for (int m = first; m < Math.Min(first + DirectFilters, filters); m++)
                        if (conv.Weights![m * rows + row] != 0f) { total++; break; }
            return total;
        }

        /// <summary>
        /// Per image: per band-pair of position vectors (16 floats wide, 8 or 4 for rows that narrow, as the kernel picks)
        /// one 8x2 step per tile tap, plus the staged copy and the stores.
        /// </summary>
        public static double DirectCost(ConvOp conv, int tileTaps)
        {
            var g = conv.Geometry;
            int width = g.Out[2] > 8 ? 16 : g.Out[2] > 4 ? 8 : 4;
            double vectors = (double)g.Out[0] * g.Out[1] * Math.Ceiling(g.Out[2] / (double)width);
            double steps = Math.Ceiling(vectors / 2);
            return g.Images * (tileTaps * steps * (width == 16 ? NsPerDirectStep : NsPerDirectNarrowStep) + g.InChannels * DirectChannelLength(g) * NsPerDirectStagedFloat
                + (double)g.OutChannels * g.OutPlane * NsPerDirectOutput);
        }
    }
}
