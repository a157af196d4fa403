using System;
using System.Collections.Generic;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    // Ungrouped convolutions of any size, stride, dilation and padding as an implicit GEMM in the GEMM micro-kernel's
    // register tiles (Runtime/ImplicitGemmConvKernels.cs): where it applies, the taps it multiplies, and its cost.
    internal static partial class ConvPlanner
    {
        /// <summary>Most positions over the phase rows per chunk and filters per panel (mirror Kernels.ImplicitGemmChunk, ImplicitGemmPanelRows).</summary>
        public const int ImplicitGemmChunk = 144, ImplicitGemmPanelRows = 8;

        /// <summary>Positions per chunk (mirrors Kernels.ImplicitGemmChunkLength): even chunks of at most 144, rounded up to 48.</summary>
        public static int ImplicitGemmChunkLength(long positions)
        {
            long chunks = (positions + ImplicitGemmChunk - 1) / ImplicitGemmChunk;
            return chunks == 0 ? 48 : (int)(((positions + chunks - 1) / chunks + 47) / 48 * 48);
        }

        /// <summary>
        /// One 8 x 3 register-tile step (a tap: 3 loads, 8 broadcasts, 24 FMAs), per staged input float (the padded copy;
        /// strided when the W stride splits columns into phases), and per copied-out row segment of one filter. Fitted on
        /// Zen 5 (kernel-only timing, both kernels interleaved, 10th percentile of 41 rounds, load 12-15) so that the ratio
        /// to the direct kernel's estimate (ConvPlanner.Direct.cs) follows the measured ratio on 11 layers of ResNet-8,
        /// CIFAR-10, MNIST, the MobileNet stem and 56x56 maps: measured direct/implicit 0.59-0.84x on 16-24 filters at
        /// 32x32 (the 12-filter panels waste a third of 16), 1.8x on 64x8x8, 1.8x on 32x16x16 -> 64 stride 2, 0.97x on
        /// 64x56x56; the fitted ratios are within 25% of the measured ones and every choice agrees.
        /// </summary>
        public const double NsPerImplicitGemmStep = 2.6, NsPerImplicitGemmStagedFloat = 0.1, NsPerImplicitGemmStridedFloat = 0.2, NsPerImplicitGemmSegment = 4.0;

        /// <summary>Floats the staged input may hold (mirrors the kernel's limit).</summary>
        private const long ImplicitGemmMaxStaged = int.MaxValue / 2 - 96;

        /// <summary>Whether the implicit GEMM applies: constant weights, group 1, a staged input within its limit.</summary>
        public static bool ImplicitGemmPossible(ConvOp conv)
        {
            if (conv.Weights == null || conv.Group != 1) return false;
            return conv.Geometry.InChannels * ImplicitGemmChannelLength(conv.Geometry) <= ImplicitGemmMaxStaged;
        }

        /// <summary>Floats of one staged input channel: every padded axis split into its stride phases.</summary>
        public static long ImplicitGemmChannelLength(WindowGeometry g)
        {
            long length = 1;
            for (int a = 0; a < WindowGeometry.SpatialDims; a++)
            {
                long padded = (long)g.In[a] + g.PadBegin[a] + g.PadEnd[a], s = g.Stride[a];
                length *= (padded + s - 1) / s * s;
            }
            return length;
        }

        /// <summary>
        /// Where tap (input channel, kd, kh, kw) reads in the staged input, relative to an output position numbered over the
        /// phase rows (mirrors Kernels.ConvImplicitGemm): the channel, the stride phase its kernel offsets fall in, and the
        /// shift inside that phase.
        /// </summary>
        public static int ImplicitGemmTapOffset(WindowGeometry g, int channel, int kd, int kh, int kw)
        {
            long[] l = new long[WindowGeometry.SpatialDims], e = { (long)kd * g.Dilation[0], (long)kh * g.Dilation[1], (long)kw * g.Dilation[2] };
            for (int a = 0; a < l.Length; a++) l[a] = ((long)g.In[a] + g.PadBegin[a] + g.PadEnd[a] + g.Stride[a] - 1) / g.Stride[a];
            long phase = ((e[0] % g.Stride[0]) * g.Stride[1] + e[1] % g.Stride[1]) * g.Stride[2] + e[2] % g.Stride[2];
            return checked((int)(channel * ImplicitGemmChannelLength(g) + phase * l[0] * l[1] * l[2]
                + (e[0] / g.Stride[0] * l[1] + e[1] / g.Stride[1]) * l[2] + e[2] / g.Stride[2]));
        }

        /// <summary>Bit p set when some used tap reads stride phase p ((pd * sH + ph) * sW + pw); -1 past 32 phases.</summary>
        public static int ImplicitGemmPhaseMask(WindowGeometry g, IEnumerable<int> usedRows)
        {
            if ((long)g.Stride[0] * g.Stride[1] * g.Stride[2] > 32) return -1;
            int mask = 0, volume = g.KernelVolume;
            foreach (int row in usedRows)
            {
                int k = row % volume, kd = k / (g.Kernel[1] * g.Kernel[2]), kh = k / g.Kernel[2] % g.Kernel[1], kw = k % g.Kernel[2];
                long phase = (((long)kd * g.Dilation[0] % g.Stride[0]) * g.Stride[1] + (long)kh * g.Dilation[1] % g.Stride[1]) * g.Stride[2] + (long)kw * g.Dilation[2] % g.Stride[2];
                mask |= 1 << (int)phase;
            }
            return mask;
        }

        private static int CountBits(int mask)
        {
            int count = 0;
            for (uint m = (uint)mask; m != 0; m &= m - 1) count++;
            return count;
        }

        /// <summary>The taps (input channel, kd, kh, kw) some filter has a nonzero weight at, in the packed weights' order.</summary>
        public static List<int> ImplicitGemmTaps(ConvOp conv)
        {
            var g = conv.Geometry;
            int rows = conv.FilterLength;
            var used = new List<int>();
            for (int row = 0; row < rows; row++)
                for (int m = 0; m < g.OutChannels; m++)
                    if (conv.Weights![m * rows + row] != 0f) { used.Add(row); break; }
            return used;
        }

        /// <summary>
        /// Per image: the staging copy; per chunk of up to 144 positions over the phase rows (the padding and phase slack columns
        /// computed and dropped) the 8 x 3 tile steps over the used taps for every 8-filter panel, and per filter the copy
        /// of each output-row segment the chunk meets.
        /// </summary>
        public static double ImplicitGemmCost(ConvOp conv, int usedTaps)
        {
            var g = conv.Geometry;
            if (g.OutPlane == 0) return 0;
            long lH = 1, lW = 1;
            for (int a = 1; a < WindowGeometry.SpatialDims; a++)
            {
                long padded = (long)g.In[a] + g.PadBegin[a] + g.PadEnd[a], s = g.Stride[a];
                if (a == 1) lH = (padded + s - 1) / s; else lW = (padded + s - 1) / s;
            }
            long positions = (g.Out[0] - 1) * lH * lW + (g.Out[1] - 1) * lW + g.Out[2];
            int chunk = ImplicitGemmChunkLength(positions);
            double chunks = Math.Ceiling(positions / (double)chunk);
            int panels = (g.OutChannels + ImplicitGemmPanelRows - 1) / ImplicitGemmPanelRows;
            double segmentsPerChunk = Math.Ceiling(chunk / (double)lW) + 1;
            // Only the stride phases some tap reads are staged (a 1x1 stride-2 conv stages one of four).
            int mask = ImplicitGemmPhaseMask(g, ImplicitGemmTaps(conv));
            long phases = (long)g.Stride[0] * g.Stride[1] * g.Stride[2];
            double staged = mask == -1 ? 1 : System.Math.Max(1, CountBits(mask)) / (double)phases;
            double stage = staged * g.InChannels * ImplicitGemmChannelLength(g) * (g.Stride[2] > 1 ? NsPerImplicitGemmStridedFloat : NsPerImplicitGemmStagedFloat);
            double perChunk = (double)panels * usedTaps * (chunk / 48) * NsPerImplicitGemmStep + g.OutChannels * segmentsPerChunk * NsPerImplicitGemmSegment;
            return g.Images * (stage + chunks * perChunk);
        }
    }
}
