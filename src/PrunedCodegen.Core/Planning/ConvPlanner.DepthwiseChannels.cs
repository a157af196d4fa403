using System;
using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    // The channels-vectorised depthwise kernel (Runtime/DepthwiseChannelKernels.cs): where it applies and its cost.
    internal static partial class ConvPlanner
    {
        /// <summary>
        /// Per (tap, output position, vector of 16 channels) one load and one FMA in tiles of 4 positions (plus the tap's
        /// weight vector once per tile), per output vector a store, per staged float cleared, per input float transposed
        /// into the channels-last stage and per output float transposed back to NCHW. Set against the plane kernel's
        /// estimates from per-layer timings interleaved in one process (the 13 MobileNet-0.25 and 4 DS-CNN depthwise
        /// layers, loaded machine): this kernel measured 1.0x (8 channels at 48x48) to 10x (16 channels at 48x48, stride 2)
        /// faster than the plane kernel on dense layers. Against the tap kernel (80% unstructured zeros, which this kernel
        /// multiplies) it measured 1.0-2.0x slower where these estimates said 0.4-0.8x: auto takes it over the tap kernel
        /// only where <see cref="ChannelsOverTapsMargin"/> times its estimate is still below the tap kernel's. Relative,
        /// not absolute: to be calibrated with tools/KernelCalibration.
        /// </summary>
        public const double NsPerChannelsTap = 0.1, NsPerChannelsStore = 0.3, NsPerChannelsClear = 0.01, NsPerChannelsTranspose = 0.08;

        /// <summary>How much lower than the channels kernel's estimate the tap kernel's may be and still lose (see above).</summary>
        public const double ChannelsOverTapsMargin = 3.5;

        /// <summary>Whether the channels kernel applies: where the plane kernel does (one filter per channel, 1-D or 2-D), with a stage under 1 G floats.</summary>
        public static bool DepthwiseChannelsPossible(ConvOp conv) =>
            DepthwisePlanesPossible(conv) && ChannelsStaged(conv.Geometry) <= int.MaxValue / 2 && (long)conv.Geometry.OutPlane * conv.Geometry.OutChannels <= int.MaxValue / 2;

        /// <summary>Floats of the channels-last stage (mirrors Kernels.ConvDepthwiseChannels).</summary>
        public static long ChannelsStaged(WindowGeometry g) =>
            ((long)(g.Out[1] - 1) * g.Stride[1] + (long)(g.Kernel[1] - 1) * g.Dilation[1] + 1) * ((long)(g.Out[2] - 1) * g.Stride[2] + (long)(g.Kernel[2] - 1) * g.Dilation[2] + 1) * g.InChannels;

        /// <summary>Taps (kh * kW + kw) nonzero in some channel: the ones the channels kernel multiplies.</summary>
        public static int[] DepthwiseChannelTaps(ConvOp conv)
        {
            int volume = conv.Geometry.KernelVolume, channels = conv.Geometry.InChannels;
            return Enumerable.Range(0, volume).Where(t => Enumerable.Range(0, channels).Any(c => conv.Weights![c * volume + t] != 0f)).ToArray();
        }

        /// <summary>The channels kernel's estimate: NCHW in and out (the transposes included) unless a side is channels-last (LayoutPlanner; a row copy then).</summary>
        public static double DepthwiseChannelsCost(ConvOp conv, bool inputChannelsLast = false, bool outputChannelsLast = false)
        {
            var g = conv.Geometry;
            int taps = DepthwiseChannelTaps(conv).Length;
            double vectors = Math.Ceiling(g.InChannels / 16.0);
            return g.Images * (g.OutPlane * vectors * (taps * NsPerChannelsTap + NsPerChannelsStore)
                + ChannelsStaged(g) * NsPerChannelsClear + ((double)g.InPlane * (inputChannelsLast ? 0.2 : 1) + g.OutPlane * (outputChannelsLast ? 0 : 1)) * g.InChannels * NsPerChannelsTranspose);
        }
    }
}
