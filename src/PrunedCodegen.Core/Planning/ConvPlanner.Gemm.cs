using System;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    // Pointwise (1x1, stride 1, unpadded, group 1) convolutions through the GEMM micro-kernel (Runtime/GemmKernels.cs):
    // per image C[filters][positions] = W[filters][channels] x X[channels][positions], the input read in place (CHW makes
    // X [channels][positions] with a row stride of the plane), the weights packed at build time in 12-row panels.
    internal static partial class ConvPlanner
    {
        /// <summary>
        /// One k step of a 12-row panel over 2 vectors of positions (2 loads, 12 broadcasts, 24 FMAs), over 1 vector, and
        /// over one leftover position (12 scalar FMAs). First estimates against the pointwise kernel's step (4 filters x 2
        /// vectors = 1.0 ns): the broadcasts and loads per FMA fall by 3x, the FMAs stay.
        /// </summary>
        public const double NsPerGemmStep = 1.6, NsPerGemmSingleStep = 1.0, NsPerGemmScalarColumn = 1.5;

        /// <summary>Whether the GEMM path applies: exactly where the pointwise kernel does.</summary>
        public static bool GemmPossible(ConvOp conv) => PointwisePossible(conv);

        /// <summary>
        /// Per image: per 12-row panel and input channel, the steps the micro-kernel takes over the plane's positions
        /// (pairs of Vector512, then a single vector, then the Vector256/128 and scalar leftovers as GemmColumns walks
        /// them), plus a store per filter and vector of 16 positions. Every weight is multiplied, zero or not.
        /// </summary>
        public static double GemmCost(ConvOp conv)
        {
            var g = conv.Geometry;
            int plane = g.OutPlane, panels = (g.OutChannels + 11) / 12;
            int left = plane;
            double perK = 0;
            foreach (int width in new[] { 16, 8, 4 })
            {
                int vectors = left / width;
                perK += vectors / 2 * NsPerGemmStep + vectors % 2 * NsPerGemmSingleStep;
                left -= vectors * width;
            }
            perK += left * NsPerGemmScalarColumn;
            return g.Images * ((double)panels * g.InChannels * perK + g.OutChannels * Math.Ceiling(plane / 16.0) * NsPerStore);
        }
    }
}
