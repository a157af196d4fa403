// PrunedCodegen runtime kernel: ungrouped convolution of any size, stride, dilation and padding as an implicit GEMM in
// the GEMM micro-kernel's register tiles (appended to Kernels.cs in the emitted source). Same geometry table as
// ConvKernels.cs.
//
// Per image, y[filters][positions] = W[filters][taps] x X[taps][positions], where a tap is (input channel, kd, kh, kw) and
// X[t][q] is the input value output position q reads through tap t. X is never built: the input is staged once per image
// in the per-thread buffer with its zero padding explicit and each padded axis split into its stride phases (padded
// coordinate j goes to phase j % s at j / s). In that stage, output positions numbered over the phase rows
// (q = (od * lH + oh) * lW + ow, ow < lW) read, for each tap, consecutive floats from the tap's own offset:
// X[t][q] = stage[offset[t] + q]. So a register tile runs as the GEMM micro-kernel's (Runtime/GemmKernels.cs), with B's
// row t found through offset[t] instead of t * ldb. The tile is 8 filters x 3 vectors of positions: per tap 3 vector
// loads, 8 broadcasts of the packed weights, 24 FMAs in 24 independent accumulators (AVX2/SSE: two 4 x 3 tiles, 16
// registers); 8-filter panels waste nothing on the 8/16/24/32/64-filter layers CNNs have (12-row panels waste a third of
// 16). The positions past the output row (ow >= outW, the padding and phase slack) are computed and dropped: each chunk of
// up to 144 positions lands in a per-thread scratch of [filters][chunk], and its valid row segments are copied out, bias and ReLU/Clip applied in the tile's
// store. Taps zero in every filter are left out at build time (dead input channels cost nothing); every other weight is
// multiplied, zero or not. Unlike the direct kernel, the positions form one flat GEMM dimension, so 8x8 maps and stride 2
// run full-width vectors.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>Filters per packed weight panel of <see cref="ConvImplicitGemm"/> (the register tile's height).</summary>
        public const int ImplicitGemmPanelRows = 8;

        /// <summary>Most positions (over the phase rows) per chunk; chunks are multiples of 48 (3 Vector512, 6 Vector256, ...).</summary>
        public const int ImplicitGemmChunk = 144;

        /// <summary>Positions per chunk: the positions split evenly into the fewest chunks of at most 144, rounded up to 48.</summary>
        public static int ImplicitGemmChunkLength(int positions)
        {
            int chunks = (positions + ImplicitGemmChunk - 1) / ImplicitGemmChunk;
            return chunks == 0 ? 48 : ((positions + chunks - 1) / chunks + 47) / 48 * 48;
        }

        /// <summary>Floats of the packed weight panels: [ceil(filters / 8)][taps][8].</summary>
        public static int ImplicitGemmPackedLength(int filters, int taps) => (filters + ImplicitGemmPanelRows - 1) / ImplicitGemmPanelRows * ImplicitGemmPanelRows * taps;

        /// <summary>Floats past the staged input that a chunk's last tile may read (its results are dropped).</summary>
        private const int ImplicitGemmSlack = ImplicitGemmChunk + 96;

        [ThreadStatic] private static float[]? t_implicitStage;
        [ThreadStatic] private static float[]? t_implicitOutput;

        /// <summary>
        /// Convolution as an implicit GEMM (see the top of ImplicitGemmConvKernels.cs). <paramref name="packedWeights"/> is
        /// [ceil(filters / 8)][taps][8] (filters past the last zero); <paramref name="tapOffsets"/> is, per tap in the same
        /// order, where it reads in the staged input (ConvPlanner.ImplicitGemmTapOffset). Bit p of <paramref name="phaseMask"/>
        /// says whether stride phase p ((pd * sH + ph) * sW + pw) is read by some tap and so staged (-1: all). Bias may be
        /// empty; clamp applies min(max(v, low), high) in the store.
        /// </summary>
        public static void ConvImplicitGemm(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> packedWeights, ReadOnlySpan<int> tapOffsets, int phaseMask, bool clamp, float low, float high)
        {
            if (Vector512.IsHardwareAccelerated)
                ConvImplicitGemm<Width512, Vector512<float>>(x, y, g, bias, packedWeights, tapOffsets, phaseMask, clamp, low, high);
            else if (Vector256.IsHardwareAccelerated)
                ConvImplicitGemm<Width256, Vector256<float>>(x, y, g, bias, packedWeights, tapOffsets, phaseMask, clamp, low, high);
            else if (Vector128.IsHardwareAccelerated)
                ConvImplicitGemm<Width128, Vector128<float>>(x, y, g, bias, packedWeights, tapOffsets, phaseMask, clamp, low, high);
            else
                ConvImplicitGemm<ScalarWidth, float>(x, y, g, bias, packedWeights, tapOffsets, phaseMask, clamp, low, high);
        }

        /// <summary><see cref="ConvImplicitGemm"/> at one vector width (tests call each width directly).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ConvImplicitGemm<W, V>(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> packedWeights, ReadOnlySpan<int> tapOffsets, int phaseMask, bool clamp, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], inChannels = g[GeoInChannels], filters = g[GeoOutChannels];
            int inD = g[GeoIn], inH = g[GeoIn + 1], inW = g[GeoIn + 2], outD = g[GeoOut], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int kD = g[GeoKernel], kH = g[GeoKernel + 1], kW = g[GeoKernel + 2];
            int sD = g[GeoStride], sH = g[GeoStride + 1], sW = g[GeoStride + 2];
            int dD = g[GeoDilation], dH = g[GeoDilation + 1], dW = g[GeoDilation + 2];
            int padD = g[GeoPadBegin], padH = g[GeoPadBegin + 1], padW = g[GeoPadBegin + 2];
            long pD = (long)inD + padD + g[GeoPadEnd], pH = (long)inH + padH + g[GeoPadEnd + 1], pW = (long)inW + padW + g[GeoPadEnd + 2];
            int count = tapOffsets.Length;
            if (packedWeights.Length != ImplicitGemmPackedLength(filters, count) || (!bias.IsEmpty && bias.Length != filters))
                throw new ArgumentException("implicit GEMM conv data and geometry disagree");
            // Every output window must lie inside the padded input (what ONNX's output size guarantees).
            if ((outD - 1L) * sD + (kD - 1L) * dD >= pD || (outH - 1L) * sH + (kH - 1L) * dH >= pH || (outW - 1L) * sW + (kW - 1L) * dW >= pW)
                throw new ArgumentException("implicit GEMM conv output windows leave the padded input");
            int plane = outD * outH * outW, inPlane = inD * inH * inW;
            if (plane == 0 || filters == 0) return;
            // The stage: per channel sD x sH x sW phase volumes of lD x lH x lW floats, then the slack the last tiles read.
            long lD = (pD + sD - 1) / sD, lH = (pH + sH - 1) / sH, lW = (pW + sW - 1) / sW, phaseVolume = lD * lH * lW;
            long channelLength = phaseVolume * sD * sH * sW, stagedLength = inChannels * channelLength;
            if (stagedLength + ImplicitGemmSlack > int.MaxValue / 2) throw new ArgumentException("implicit GEMM conv input too large to stage");
            int rowLength = (int)lW, sliceLength = (int)(lH * lW);
            int virtualPositions = (outD - 1) * sliceLength + (outH - 1) * rowLength + outW;
            // Tap t reads stage[offset[t] + q] for q up to the last position's chunk: an offset in [0, limit] stays inside
            // the stage and its slack (the generator places them, ConvPlanner.ImplicitGemmTapOffset).
            long limit = stagedLength - virtualPositions;
            for (int t = 0; t < count; t++)
                if ((uint)tapOffsets[t] > limit) throw new ArgumentException("implicit GEMM conv tap offset outside the staged input");
            // Positions over the phase rows up to the last output, in even chunks of at most 144, every tile full.
            int chunk = ImplicitGemmChunkLength(virtualPositions);
            int panels = (filters + ImplicitGemmPanelRows - 1) / ImplicitGemmPanelRows;
            float[] stage = t_implicitStage is { } s && s.Length >= stagedLength + ImplicitGemmSlack ? s : (t_implicitStage = new float[stagedLength + ImplicitGemmSlack]);
            float[] scratch = t_implicitOutput is { } r && r.Length >= panels * ImplicitGemmPanelRows * ImplicitGemmChunk ? r : (t_implicitOutput = new float[panels * ImplicitGemmPanelRows * ImplicitGemmChunk]);
            // 32 vector registers (AVX-512, NEON) hold the 24 accumulators of an 8 x 3 tile; 16 (AVX2, SSE) hold 4 x 3.
            bool eightByThree = typeof(W) == typeof(Width512) || (typeof(W) == typeof(Width128) && System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported);
            Span<float> biasPadded = stackalloc float[ImplicitGemmPanelRows];
            ref float stage0 = ref MemoryMarshal.GetArrayDataReference(stage);
            ref float scratch0 = ref MemoryMarshal.GetArrayDataReference(scratch);
            ref float weights0 = ref MemoryMarshal.GetReference(packedWeights);
            ref int offsets0 = ref MemoryMarshal.GetReference(tapOffsets);
            V lo = W.Broadcast(low), hi = W.Broadcast(high);
            int triple = 3 * W.Count;
            for (int n = 0; n < images; n++)
            {
                StageImplicitGemmInput(x.Slice(n * inChannels * inPlane, inChannels * inPlane), stage, inChannels, inD, inH, inW,
                    padD, padH, padW, sD, sH, sW, (int)lD, (int)lH, (int)lW, (int)channelLength, phaseMask);
                Span<float> image = y.Slice(n * filters * plane, filters * plane);
                for (int q0 = 0; q0 < virtualPositions; q0 += chunk)
                {
                    for (int panel = 0; panel < panels; panel++)
                    {
                        int first = panel * ImplicitGemmPanelRows;
                        for (int i = 0; i < ImplicitGemmPanelRows; i++) biasPadded[i] = !bias.IsEmpty && first + i < filters ? bias[first + i] : 0f;
                        ref float pb = ref MemoryMarshal.GetReference(biasPadded);
                        ref float a = ref Unsafe.Add(ref weights0, (nint)first * count);
                        ref float c = ref Unsafe.Add(ref scratch0, (nint)first * chunk);
                        for (int col = 0; col < chunk; col += triple)
                        {
                            if (eightByThree)
                                ImplicitTile8x3<W, V>(ref a, count, ref stage0, ref offsets0, q0 + col, ref pb, ref Unsafe.Add(ref c, col), chunk, clamp, lo, hi);
                            else
                            {
                                ImplicitTile4x3<W, V>(ref a, count, ref stage0, ref offsets0, q0 + col, ref pb, ref Unsafe.Add(ref c, col), chunk, clamp, lo, hi);
                                ImplicitTile4x3<W, V>(ref Unsafe.Add(ref a, 4), count, ref stage0, ref offsets0, q0 + col, ref Unsafe.Add(ref pb, 4), ref Unsafe.Add(ref c, 4 * chunk + col), chunk, clamp, lo, hi);
                            }
                        }
                    }
                    // Copy out the chunk's valid positions: per output row it meets, the columns ow < outW.
                    int q1 = Math.Min(q0 + chunk, virtualPositions);
                    for (int rowStart = q0 / rowLength * rowLength; rowStart < q1; rowStart += rowLength)
                    {
                        int row = rowStart / rowLength, oh = row % (int)lH, od = row / (int)lH;
                        if (oh >= outH) continue;
                        int from = Math.Max(rowStart, q0), to = Math.Min(rowStart + outW, q1);
                        if (to <= from) continue;
                        int target = (od * outH + oh) * outW + (from - rowStart), length = to - from;
                        // One short run per filter and row (ResNet-8's 8x8 outputs: 512 runs of 8 floats per call; DS-CNN's
                        // stem 1,600 of 5): inline vector copies, not a Span.CopyTo call each.
                        ref float run = ref Unsafe.Add(ref scratch0, from - q0);
                        ref float place = ref Unsafe.Add(ref MemoryMarshal.GetReference(image), target);
                        for (int f = 0; f < filters; f++)
                            CopyRun(ref Unsafe.Add(ref run, (nint)f * chunk), ref Unsafe.Add(ref place, (nint)f * plane), length);
                    }
                }
            }
        }

        /// <summary>d[0, n) = s[0, n): whole vectors, the last one overlapping, at the widest width n fills; one float at a time below 4.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyRun(ref float s, ref float d, int n)
        {
            if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
            {
                for (int i = 0; i < n - Vector512<float>.Count; i += Vector512<float>.Count) Vector512.LoadUnsafe(ref s, (nuint)i).StoreUnsafe(ref d, (nuint)i);
                Vector512.LoadUnsafe(ref s, (nuint)(n - Vector512<float>.Count)).StoreUnsafe(ref d, (nuint)(n - Vector512<float>.Count));
            }
            else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
            {
                for (int i = 0; i < n - Vector256<float>.Count; i += Vector256<float>.Count) Vector256.LoadUnsafe(ref s, (nuint)i).StoreUnsafe(ref d, (nuint)i);
                Vector256.LoadUnsafe(ref s, (nuint)(n - Vector256<float>.Count)).StoreUnsafe(ref d, (nuint)(n - Vector256<float>.Count));
            }
            else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
            {
                for (int i = 0; i < n - Vector128<float>.Count; i += Vector128<float>.Count) Vector128.LoadUnsafe(ref s, (nuint)i).StoreUnsafe(ref d, (nuint)i);
                Vector128.LoadUnsafe(ref s, (nuint)(n - Vector128<float>.Count)).StoreUnsafe(ref d, (nuint)(n - Vector128<float>.Count));
            }
            else
                for (int i = 0; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i);
        }

        /// <summary>8 filters x 3 vectors of positions: 24 accumulators, per tap 3 loads at the tap's offset, 8 broadcasts, 24 FMAs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ImplicitTile8x3<W, V>(ref float a, int k, ref float stage, ref int offsets, int q, ref float bias, ref float c, nint ldc, bool clamp, V low, V high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V c0_0 = W.Broadcast(Unsafe.Add(ref bias, 0)), c0_1 = c0_0, c0_2 = c0_0;
            V c1_0 = W.Broadcast(Unsafe.Add(ref bias, 1)), c1_1 = c1_0, c1_2 = c1_0;
            V c2_0 = W.Broadcast(Unsafe.Add(ref bias, 2)), c2_1 = c2_0, c2_2 = c2_0;
            V c3_0 = W.Broadcast(Unsafe.Add(ref bias, 3)), c3_1 = c3_0, c3_2 = c3_0;
            V c4_0 = W.Broadcast(Unsafe.Add(ref bias, 4)), c4_1 = c4_0, c4_2 = c4_0;
            V c5_0 = W.Broadcast(Unsafe.Add(ref bias, 5)), c5_1 = c5_0, c5_2 = c5_0;
            V c6_0 = W.Broadcast(Unsafe.Add(ref bias, 6)), c6_1 = c6_0, c6_2 = c6_0;
            V c7_0 = W.Broadcast(Unsafe.Add(ref bias, 7)), c7_1 = c7_0, c7_2 = c7_0;
            ref float b = ref Unsafe.Add(ref stage, q);
            nuint second = (nuint)W.Count, third = (nuint)(2 * W.Count);
            for (int p = 0; p < k; p++)
            {
                ref float bp = ref Unsafe.Add(ref b, Unsafe.Add(ref offsets, p));
                V b0 = W.Load(ref bp), b1 = W.Load(ref bp, second), b2 = W.Load(ref bp, third);
                V a0 = W.Broadcast(Unsafe.Add(ref a, 0)); c0_0 = W.MulAdd(a0, b0, c0_0); c0_1 = W.MulAdd(a0, b1, c0_1); c0_2 = W.MulAdd(a0, b2, c0_2);
                V a1 = W.Broadcast(Unsafe.Add(ref a, 1)); c1_0 = W.MulAdd(a1, b0, c1_0); c1_1 = W.MulAdd(a1, b1, c1_1); c1_2 = W.MulAdd(a1, b2, c1_2);
                V a2 = W.Broadcast(Unsafe.Add(ref a, 2)); c2_0 = W.MulAdd(a2, b0, c2_0); c2_1 = W.MulAdd(a2, b1, c2_1); c2_2 = W.MulAdd(a2, b2, c2_2);
                V a3 = W.Broadcast(Unsafe.Add(ref a, 3)); c3_0 = W.MulAdd(a3, b0, c3_0); c3_1 = W.MulAdd(a3, b1, c3_1); c3_2 = W.MulAdd(a3, b2, c3_2);
                V a4 = W.Broadcast(Unsafe.Add(ref a, 4)); c4_0 = W.MulAdd(a4, b0, c4_0); c4_1 = W.MulAdd(a4, b1, c4_1); c4_2 = W.MulAdd(a4, b2, c4_2);
                V a5 = W.Broadcast(Unsafe.Add(ref a, 5)); c5_0 = W.MulAdd(a5, b0, c5_0); c5_1 = W.MulAdd(a5, b1, c5_1); c5_2 = W.MulAdd(a5, b2, c5_2);
                V a6 = W.Broadcast(Unsafe.Add(ref a, 6)); c6_0 = W.MulAdd(a6, b0, c6_0); c6_1 = W.MulAdd(a6, b1, c6_1); c6_2 = W.MulAdd(a6, b2, c6_2);
                V a7 = W.Broadcast(Unsafe.Add(ref a, 7)); c7_0 = W.MulAdd(a7, b0, c7_0); c7_1 = W.MulAdd(a7, b1, c7_1); c7_2 = W.MulAdd(a7, b2, c7_2);
                a = ref Unsafe.Add(ref a, ImplicitGemmPanelRows);
            }
            if (clamp)
            {
                c0_0 = W.Clamp(c0_0, low, high); c0_1 = W.Clamp(c0_1, low, high); c0_2 = W.Clamp(c0_2, low, high);
                c1_0 = W.Clamp(c1_0, low, high); c1_1 = W.Clamp(c1_1, low, high); c1_2 = W.Clamp(c1_2, low, high);
                c2_0 = W.Clamp(c2_0, low, high); c2_1 = W.Clamp(c2_1, low, high); c2_2 = W.Clamp(c2_2, low, high);
                c3_0 = W.Clamp(c3_0, low, high); c3_1 = W.Clamp(c3_1, low, high); c3_2 = W.Clamp(c3_2, low, high);
                c4_0 = W.Clamp(c4_0, low, high); c4_1 = W.Clamp(c4_1, low, high); c4_2 = W.Clamp(c4_2, low, high);
                c5_0 = W.Clamp(c5_0, low, high); c5_1 = W.Clamp(c5_1, low, high); c5_2 = W.Clamp(c5_2, low, high);
                c6_0 = W.Clamp(c6_0, low, high); c6_1 = W.Clamp(c6_1, low, high); c6_2 = W.Clamp(c6_2, low, high);
                c7_0 = W.Clamp(c7_0, low, high); c7_1 = W.Clamp(c7_1, low, high); c7_2 = W.Clamp(c7_2, low, high);
            }
            W.Store(c0_0, ref c); W.Store(c0_1, ref c, second); W.Store(c0_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c1_0, ref c); W.Store(c1_1, ref c, second); W.Store(c1_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c2_0, ref c); W.Store(c2_1, ref c, second); W.Store(c2_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c3_0, ref c); W.Store(c3_1, ref c, second); W.Store(c3_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c4_0, ref c); W.Store(c4_1, ref c, second); W.Store(c4_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c5_0, ref c); W.Store(c5_1, ref c, second); W.Store(c5_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c6_0, ref c); W.Store(c6_1, ref c, second); W.Store(c6_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c7_0, ref c); W.Store(c7_1, ref c, second); W.Store(c7_2, ref c, third);
        }

        /// <summary>4 filters x 3 vectors of positions (16-register machines): 12 accumulators, per tap 3 loads, 4 broadcasts, 12 FMAs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ImplicitTile4x3<W, V>(ref float a, int k, ref float stage, ref int offsets, int q, ref float bias, ref float c, nint ldc, bool clamp, V low, V high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V c0_0 = W.Broadcast(Unsafe.Add(ref bias, 0)), c0_1 = c0_0, c0_2 = c0_0;
            V c1_0 = W.Broadcast(Unsafe.Add(ref bias, 1)), c1_1 = c1_0, c1_2 = c1_0;
            V c2_0 = W.Broadcast(Unsafe.Add(ref bias, 2)), c2_1 = c2_0, c2_2 = c2_0;
            V c3_0 = W.Broadcast(Unsafe.Add(ref bias, 3)), c3_1 = c3_0, c3_2 = c3_0;
            ref float b = ref Unsafe.Add(ref stage, q);
            nuint second = (nuint)W.Count, third = (nuint)(2 * W.Count);
            for (int p = 0; p < k; p++)
            {
                ref float bp = ref Unsafe.Add(ref b, Unsafe.Add(ref offsets, p));
                V b0 = W.Load(ref bp), b1 = W.Load(ref bp, second), b2 = W.Load(ref bp, third);
                V a0 = W.Broadcast(Unsafe.Add(ref a, 0)); c0_0 = W.MulAdd(a0, b0, c0_0); c0_1 = W.MulAdd(a0, b1, c0_1); c0_2 = W.MulAdd(a0, b2, c0_2);
                V a1 = W.Broadcast(Unsafe.Add(ref a, 1)); c1_0 = W.MulAdd(a1, b0, c1_0); c1_1 = W.MulAdd(a1, b1, c1_1); c1_2 = W.MulAdd(a1, b2, c1_2);
                V a2 = W.Broadcast(Unsafe.Add(ref a, 2)); c2_0 = W.MulAdd(a2, b0, c2_0); c2_1 = W.MulAdd(a2, b1, c2_1); c2_2 = W.MulAdd(a2, b2, c2_2);
                V a3 = W.Broadcast(Unsafe.Add(ref a, 3)); c3_0 = W.MulAdd(a3, b0, c3_0); c3_1 = W.MulAdd(a3, b1, c3_1); c3_2 = W.MulAdd(a3, b2, c3_2);
                a = ref Unsafe.Add(ref a, ImplicitGemmPanelRows);
            }
            if (clamp)
            {
                c0_0 = W.Clamp(c0_0, low, high); c0_1 = W.Clamp(c0_1, low, high); c0_2 = W.Clamp(c0_2, low, high);
                c1_0 = W.Clamp(c1_0, low, high); c1_1 = W.Clamp(c1_1, low, high); c1_2 = W.Clamp(c1_2, low, high);
                c2_0 = W.Clamp(c2_0, low, high); c2_1 = W.Clamp(c2_1, low, high); c2_2 = W.Clamp(c2_2, low, high);
                c3_0 = W.Clamp(c3_0, low, high); c3_1 = W.Clamp(c3_1, low, high); c3_2 = W.Clamp(c3_2, low, high);
            }
            W.Store(c0_0, ref c); W.Store(c0_1, ref c, second); W.Store(c0_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c1_0, ref c); W.Store(c1_1, ref c, second); W.Store(c1_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c2_0, ref c); W.Store(c2_1, ref c, second); W.Store(c2_2, ref c, third); c = ref Unsafe.Add(ref c, ldc);
            W.Store(c3_0, ref c); W.Store(c3_1, ref c, second); W.Store(c3_2, ref c, third);
        }

        /// <summary>
        /// One image into the stage: per channel, per stride phase (pd, ph, pw) some tap reads, the padded coordinates
        /// pd + sD * i (i &lt; lD), and so on; padding, and phase slots past the padded input, are zero (rewritten per call:
        /// the buffer is shared). A phase no tap reads (a 1x1 stride-2 conv reads one of four) is not written.
        /// </summary>
        private static void StageImplicitGemmInput(ReadOnlySpan<float> image, Span<float> stage, int channels, int inD, int inH, int inW,
            int padD, int padH, int padW, int sD, int sH, int sW, int lD, int lH, int lW, int channelLength, int phaseMask)
        {
            int phaseVolume = lD * lH * lW;
            for (int c = 0; c < channels; c++)
                for (int phD = 0; phD < sD; phD++)
                    for (int phH = 0; phH < sH; phH++)
                        for (int i = 0; i < lD; i++)
                        {
                            int id = phD + i * sD - padD;
                            for (int j = 0; j < lH; j++)
                            {
                                int ih = phH + j * sH - padH;
                                bool inside = (uint)id < (uint)inD && (uint)ih < (uint)inH;
                                ReadOnlySpan<float> input = inside ? image.Slice(((c * inD + id) * inH + ih) * inW, inW) : default;
                                for (int phW = 0; phW < sW; phW++)
                                {
                                    int phaseIndex = (phD * sH + phH) * sW + phW;
                                    if (phaseIndex < 32 && (phaseMask & (1 << phaseIndex)) == 0) continue;
                                    Span<float> row = stage.Slice(c * channelLength + ((phD * sH + phH) * sW + phW) * phaseVolume + (i * lH + j) * lW, lW);
                                    if (!inside) { row.Clear(); continue; }
                                    if (sW == 1)
                                    {
                                        // lW = padW + inW + the end pad.
                                        ref float row0 = ref MemoryMarshal.GetReference(row);
                                        ZeroRun(ref row0, padW);
                                        input.CopyTo(row.Slice(padW));
                                        ZeroRun(ref Unsafe.Add(ref row0, padW + inW), row.Length - padW - inW);
                                        continue;
                                    }
                                    // Slot k holds padded column phW + k * sW, input column phW + k * sW - padW: one untested run
                                    // (stride 2 a vector deinterleave), as the direct kernel stages its phases.
                                    StageDirectPhase(input, row, phW - padW, sW);
                                }
                            }
                        }
        }
    }
}
