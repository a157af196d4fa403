using System;
using System.Collections.Generic;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    // 3x3 stride-1 convolutions by Winograd F(2x2, 3x3) (Runtime/WinogradConvKernels.cs): where it applies, the filters
    // transformed at build time, and its cost.
    internal static partial class ConvPlanner
    {
        /// <summary>
        /// One 8 x 3 register-tile step of the 16 GEMMs (a channel: 3 loads, 8 broadcasts, 24 FMAs; the implicit GEMM's step),
        /// one single-vector step (8 x 1: 1 load, 8 broadcasts, 8 FMAs), and per used input channel and vector of tiles the input transform (16 loads,
        /// 32 additions, 16 stores), per filter and vector of tiles the output transform (16 loads, 28 additions, 4
        /// interleaving stores), per staged input row (a padded copy). Set from the step counts so that the ratio to the best
        /// other kernel follows tools/ConvTiming's on 9 layers of ResNet-8, CIFAR-10 and super-resolution (docs/benchmarks.md, Winograd).
        /// </summary>
        public const double NsPerWinogradStep = 2.6, NsPerWinogradSingleStep = 1.4, NsPerWinogradInputVector = 6.0, NsPerWinogradOutputVector = 7.0,
            NsPerWinogradStagedRow = 6.0;

        /// <summary>Floats of V plus M per block of tile rows (mirrors Kernels.WinogradBlockFloats: about half of a 1 MB L2).</summary>
        public const int WinogradBlockFloats = 128 * 1024;

        /// <summary>Whether Winograd F(2x2, 3x3) applies: constant weights, group 1, a 2-D 3x3 window at stride and dilation 1.</summary>
        public static bool WinogradPossible(ConvOp conv)
        {
            var g = conv.Geometry;
            if (conv.Weights == null || conv.Group != 1) return false;
            if (g.In[0] != 1 || g.Kernel[0] != 1 || g.Kernel[1] != 3 || g.Kernel[2] != 3 || g.PadBegin[0] != 0 || g.PadEnd[0] != 0) return false;
            if (g.Stride[1] != 1 || g.Stride[2] != 1 || g.Dilation[1] != 1 || g.Dilation[2] != 1) return false;
            long tiles = (g.Out[1] + 1L) / 2 * ((g.Out[2] + 1L) / 2), stage = 2L * g.InChannels * (2 * ((g.Out[1] + 1L) / 2) + 2) * ((g.Out[2] + 1L) / 2 + 1);
            return g.OutPlane > 0 && stage <= int.MaxValue / 2 && 16L * (g.InChannels + g.OutChannels + 8) * tiles <= int.MaxValue / 2;
        }

        /// <summary>The input channels some filter has a nonzero weight in, ascending (the others are not staged or multiplied).</summary>
        public static List<int> WinogradChannels(ConvOp conv) => WinogradChannels(conv.Weights!, conv.Geometry.OutChannels, conv.Geometry.InChannels);

        /// <summary>The same over weights [filters][channels][3][3].</summary>
        public static List<int> WinogradChannels(float[] weights, int filters, int channels)
        {
            var used = new List<int>();
            for (int ch = 0; ch < channels; ch++)
            {
                bool any = false;
                for (int m = 0; m < filters && !any; m++)
                    for (int k = 0; k < 9 && !any; k++)
                        any = weights[(m * channels + ch) * 9 + k] != 0f;
                if (any) used.Add(ch);
            }
            return used;
        }

        /// <summary>
        /// The filters transformed, U = G g G^T per filter and used channel (in double, rounded once), packed as the kernel
        /// reads them: [16 positions xi = 4a + b][ceil(filters / 8) panels][used channels][8 filters], filters past the last zero.
        /// </summary>
        public static float[] WinogradTransformFilters(ConvOp conv, IReadOnlyList<int> used) =>
            WinogradTransformFilters(conv.Weights!, conv.Geometry.OutChannels, conv.Geometry.InChannels, used);

        /// <summary>The same over weights [filters][channels][3][3].</summary>
        public static float[] WinogradTransformFilters(float[] weights, int filters, int channels, IReadOnlyList<int> used)
        {
            int count = used.Count, panels = (filters + ImplicitGemmPanelRows - 1) / ImplicitGemmPanelRows;
            var packed = new float[16 * panels * count * ImplicitGemmPanelRows];
            var gg = new double[4, 3];
            var row = new double[4];
            for (int m = 0; m < filters; m++)
                for (int u = 0; u < count; u++)
                {
                    int at = (m * channels + used[u]) * 9;
                    // G g: the rows of g combined as G's rows say.
                    for (int j = 0; j < 3; j++)
                    {
                        double g0 = weights[at + j], g1 = weights[at + 3 + j], g2 = weights[at + 6 + j];
                        gg[0, j] = g0; gg[1, j] = (g0 + g1 + g2) / 2; gg[2, j] = (g0 - g1 + g2) / 2; gg[3, j] = g2;
                    }
                    // (G g) G^T: the same over the columns.
                    for (int a = 0; a < 4; a++)
                    {
                        double c0 = gg[a, 0], c1 = gg[a, 1], c2 = gg[a, 2];
                        row[0] = c0; row[1] = (c0 + c1 + c2) / 2; row[2] = (c0 - c1 + c2) / 2; row[3] = c2;
                        for (int b = 0; b < 4; b++)
                            packed[((4 * a + b) * panels + m / ImplicitGemmPanelRows) * count * ImplicitGemmPanelRows + u * ImplicitGemmPanelRows + m % ImplicitGemmPanelRows] = (float)row[b];
                    }
                }
            return packed;
        }

        /// <summary>
        /// Per image: the 16 GEMMs over each block's tiles (blocks as the kernel cuts them, columns in 3-vector steps then
        /// single vectors of 16), the input transform per used channel and vector of a tile row, the output transform per
        /// filter and vector, and the staging per used channel and padded row. Every transformed weight is multiplied.
        /// </summary>
        public static double WinogradCost(ConvOp conv, int usedChannels)
        {
            var g = conv.Geometry;
            int tileRows = (g.Out[1] + 1) / 2, tileColumns = (g.Out[2] + 1) / 2;
            int panels = (g.OutChannels + ImplicitGemmPanelRows - 1) / ImplicitGemmPanelRows;
            int blockRows = Math.Max(1, Math.Min(tileRows, WinogradBlockFloats / (16 * (usedChannels + panels * ImplicitGemmPanelRows) * tileColumns)));
            double gemm = 0;
            for (int th0 = 0; th0 < tileRows; th0 += blockRows)
            {
                int vectors = (Math.Min(blockRows, tileRows - th0) * tileColumns + 15) / 16;
                gemm += 16.0 * panels * usedChannels * (vectors / 3 * NsPerWinogradStep + vectors % 3 * NsPerWinogradSingleStep);
            }
            // The transforms run at the widest vector that fits a row of tiles: 16, 8 or 4 tiles.
            int width = tileColumns >= 16 ? 16 : tileColumns >= 8 ? 8 : tileColumns >= 4 ? 4 : 1;
            double rowVectors = Math.Ceiling(tileColumns / (double)width) * tileRows;
            return g.Images * (gemm + rowVectors * (usedChannels * NsPerWinogradInputVector + g.OutChannels * NsPerWinogradOutputVector)
                + usedChannels * (2.0 * tileRows + 2) * NsPerWinogradStagedRow);
        }
    }
}
