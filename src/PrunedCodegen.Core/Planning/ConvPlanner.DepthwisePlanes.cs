using System;
using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    // The depthwise plane kernel (Runtime/DepthwisePlaneKernels.cs): where it applies and its cost.
    internal static partial class ConvPlanner
    {
        /// <summary>
        /// One nonzero tap over a step of 2 vectors of flat positions (2 loads, 2 FMAs), per staged input float, per output
        /// float copied out of the flat plane, per stage float cleared per call, and per channel (its tap list). First
        /// estimates scaled from the row depthwise kernel's constants (to be calibrated with tools/ConvTiming).
        /// </summary>
        public const double NsPerPlaneStep = 0.8, NsPerPlaneStaged = 0.05, NsPerPlaneCopy = 0.05, NsPerPlaneClear = 0.03, NsPerPlaneChannel = 30;

        /// <summary>Whether the depthwise plane kernel applies: constant weights, one filter per channel (group = in = out channels), 1-D or 2-D.</summary>
        public static bool DepthwisePlanesPossible(ConvOp conv)
        {
            var g = conv.Geometry;
            return conv.Weights != null && conv.Group == g.InChannels && g.OutChannels == g.InChannels && g.In[0] == 1 && g.Out[0] == 1 && g.Kernel[0] == 1
                && g.KernelVolume <= Emitting.ModelEmitter.MaxConvColumn && PlanesStaged(g) <= int.MaxValue / 2;
        }

        /// <summary>Floats of the staged stride-phase planes (mirrors Kernels.ConvDepthwisePlanes).</summary>
        public static long PlanesStaged(WindowGeometry g)
        {
            long phase = g.Out[2] + (long)(g.Kernel[2] - 1) * g.Dilation[2] / g.Stride[2], rows = g.Out[1] + (long)(g.Kernel[1] - 1) * g.Dilation[1] / g.Stride[1];
            return (long)g.Stride[1] * g.Stride[2] * rows * phase + phase + 64;
        }

        public static double DepthwisePlanesCost(ConvOp conv)
        {
            var g = conv.Geometry;
            int volume = g.KernelVolume;
            long phase = g.Out[2] + (long)(g.Kernel[2] - 1) * g.Dilation[2] / g.Stride[2], total = g.Out[1] * phase;
            int width = total >= 16 ? 16 : total >= 8 ? 8 : total >= 4 ? 4 : 1;
            double steps = Math.Ceiling(total / (2.0 * width));
            int nonzero = conv.Weights!.Count(w => w != 0f);
            bool copy = phase != g.Out[2];
            return g.Images * (nonzero * steps * NsPerPlaneStep + g.InChannels * (g.InPlane * NsPerPlaneStaged + (copy ? g.OutPlane * NsPerPlaneCopy : 0) + NsPerPlaneChannel))
                + PlanesStaged(g) * NsPerPlaneClear;
        }
    }
}
