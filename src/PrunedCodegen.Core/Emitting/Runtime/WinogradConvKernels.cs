// PrunedCodegen runtime kernel: 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (appended to
// Kernels.cs in the emitted source). Same geometry table as ConvKernels.cs.
//
// Each 2x2 block of outputs (a tile) is computed from the 4x4 input patch under it as Y = A^T [U (.) (B^T d B)] A, where
// U = G g G^T is the filter transformed at build time (the generator packs it; ConvPlanner.WinogradTransformFilter) and
// (.) is an elementwise product over the 16 transformed positions xi. Summed over input channels, that product is 16
// independent GEMMs, one per xi: M[xi][filter][tile] = U[xi][filter][channel] x V[xi][channel][tile]. They do 16 multiply-
// adds per tile, filter and channel where the direct convolution does 36 (2.25x fewer), at the cost of the two transforms,
// which are additions only and linear in channels + filters (not their product).
//
//     B^T = | 1  0 -1  0 |    G = | 1    0    0  |    A^T = | 1  1  1  0 |
//           | 0  1  1  0 |        | 1/2  1/2  1/2|          | 0  1 -1 -1 |
//           | 0 -1  1  0 |        | 1/2 -1/2  1/2|
//           | 0  1  0 -1 |        | 0    0    1  |
//
// Layout, per image:
// - stage: each used input channel's zero-padded plane, 2 * tileRows + 2 rows of 2 * tileColumns + 2 floats (the padded
//   input, plus a zero row and column where the output size is odd). Tile (th, tw) reads rows 2th .. 2th + 3, columns
//   2tw .. 2tw + 3: for a vector of n tiles along a row, columns 0 and 1 of their patches are the even and odd floats of
//   the 2n floats at 2tw, columns 2 and 3 those of the 2n floats at 2tw + 2, split by one two-register permute each
//   (AVX-512 vpermt2ps, NEON uzp1/uzp2), so the input transform runs across a row of tiles with no strided loads.
// - V [16][used channels][tiles of a block] and M [16][filters, padded to 8][tiles of a block]: a block is as many tile
//   rows as keep V and M within about half of a 1 MB L2; V's tiles are numbered row after row (th * tileColumns + tw).
// - the GEMMs run in the implicit-GEMM kernel's register tiles (8 filters x 3 vectors, 4 x 3 on 16-register machines,
//   then 8 x 1 / 4 x 1 for the last vectors), B's row for channel u found at u * ldv.
// - the output transform reads M across a row of tiles and writes each output row's even and odd columns interleaved,
//   bias and ReLU/Clip applied in the store.
// The transforms of one tile row run at the widest accelerated width whose vector fits in a row of tiles (8x8 maps have
// 4 tiles per row: Vector128), the last vector of a row overlapping the one before; the GEMMs at the widest width.
// Odd output sizes compute the last tile's extra row or column and drop it.
// Non-finite inputs: the transforms add and subtract every float of a patch, so one infinity or NaN would reach outputs
// whose window does not contain it (inf - inf, 0 * inf). The stage notes any non-finite float it copies; an image with
// one is convolved from the untransformed weights instead, directly over the stage, every weight of the used channels
// multiplied as the dense kernels do, so the results keep ONNX's semantics.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;
    using System.Runtime.Intrinsics.Arm;
    using System.Runtime.Intrinsics.X86;

    internal static partial class Kernels
    {
        /// <summary>Transformed positions per tile of F(2x2, 3x3): the 4x4 patch.</summary>
        public const int WinogradPositions = 16;

        /// <summary>Floats of the packed transformed filters: [16][ceil(filters / 8)][used channels][8].</summary>
        public static int WinogradPackedLength(int filters, int channels) =>
            WinogradPositions * ((filters + ImplicitGemmPanelRows - 1) / ImplicitGemmPanelRows) * ImplicitGemmPanelRows * channels;

        /// <summary>Floats of V plus M per block, about half of a 1 MB L2 (every block at least one tile row).</summary>
        private const int WinogradBlockFloats = 128 * 1024;

        [ThreadStatic] private static float[]? t_winogradStage;
        [ThreadStatic] private static float[]? t_winogradTransformed;
        [ThreadStatic] private static float[]? t_winogradProducts;
        [ThreadStatic] private static float[]? t_winogradRow;
        [ThreadStatic] private static int[]? t_winogradOffsets;

        /// <summary>
        /// 3x3, stride 1, dilation 1, group 1, 2-D convolution by Winograd F(2x2, 3x3) (see the top of
        /// WinogradConvKernels.cs). <paramref name="packedFilters"/> is [16][ceil(filters / 8)][channels.Length][8], the
        /// transformed filters (filters past the last zero); <paramref name="channels"/> lists the input channels some
        /// filter reads, ascending (the rest are skipped). Bias may be empty; clamp applies min(max(v, low), high) in the store.
        /// </summary>
        public static void ConvWinograd(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> packedFilters, ReadOnlySpan<int> channels, ReadOnlySpan<float> weights, bool clamp, float low, float high)
        {
            if (Vector512.IsHardwareAccelerated)
                ConvWinograd<Width512, Vector512<float>>(x, y, g, bias, packedFilters, channels, weights, clamp, low, high);
            else if (Vector256.IsHardwareAccelerated)
                ConvWinograd<Width256, Vector256<float>>(x, y, g, bias, packedFilters, channels, weights, clamp, low, high);
            else if (Vector128.IsHardwareAccelerated)
                ConvWinograd<Width128, Vector128<float>>(x, y, g, bias, packedFilters, channels, weights, clamp, low, high);
            else
                ConvWinograd<ScalarWidth, float>(x, y, g, bias, packedFilters, channels, weights, clamp, low, high);
        }

        /// <summary><see cref="ConvWinograd"/> with its GEMMs at width W (tests call each width directly; the transforms
        /// run at the widest accelerated width that fits a row of tiles, whatever W).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ConvWinograd<W, V>(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> packedFilters, ReadOnlySpan<int> channels, ReadOnlySpan<float> weights, bool clamp, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], inChannels = g[GeoInChannels], filters = g[GeoOutChannels];
            int inH = g[GeoIn + 1], inW = g[GeoIn + 2], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int padH = g[GeoPadBegin + 1], padW = g[GeoPadBegin + 2];
            if (g[GeoIn] != 1 || g[GeoOut] != 1 || g[GeoKernel] != 1 || g[GeoKernel + 1] != 3 || g[GeoKernel + 2] != 3 || g[GeoPadBegin] != 0 || g[GeoPadEnd] != 0
                || g[GeoStride + 1] != 1 || g[GeoStride + 2] != 1 || g[GeoDilation + 1] != 1 || g[GeoDilation + 2] != 1)
                throw new ArgumentException("Winograd conv needs a 2-D 3x3 window at stride and dilation 1");
            if (outH != inH + padH + g[GeoPadEnd + 1] - 2 || outW != inW + padW + g[GeoPadEnd + 2] - 2)
                throw new ArgumentException("Winograd conv output size disagrees with the padded input");
            int used = channels.Length;
            if (packedFilters.Length != WinogradPackedLength(filters, used) || weights.Length != filters * inChannels * 9 || (!bias.IsEmpty && bias.Length != filters))
                throw new ArgumentException("Winograd conv data and geometry disagree");
            for (int u = 0; u < used; u++)
                if ((uint)channels[u] >= (uint)inChannels || (u > 0 && channels[u] <= channels[u - 1]))
                    throw new ArgumentException("Winograd conv channel list is not ascending within the input channels");
            int plane = outH * outW, inPlane = inH * inW;
            if (plane == 0 || filters == 0) return;

            int tileRows = (outH + 1) / 2, tileColumns = (outW + 1) / 2;
            int stageRows = 2 * tileRows + 2, rowLength = 2 * tileColumns + 2, channelLength = stageRows * rowLength;
            int panels = (filters + ImplicitGemmPanelRows - 1) / ImplicitGemmPanelRows, paddedFilters = panels * ImplicitGemmPanelRows;
            int blockRows = Math.Clamp(WinogradBlockFloats / (WinogradPositions * (used + paddedFilters) * tileColumns), 1, tileRows);
            // A block's tiles rounded up to whole GEMM vectors (the columns past the block's tiles are computed and unread).
            int ldv = (blockRows * tileColumns + W.Count - 1) / W.Count * W.Count;
            // Per position xi, V and M hold a [channels][ldv] and a [filters][ldv] plane; the planes start an odd number of
            // cache lines apart, so the 16 loads or stores of a transform (one per plane) fall in different L1 sets and do not
            // alias at 4 KB (plane sizes are often multiples of 4 KB: 16 x 256 floats).
            long vPlane = WinogradPlaneStride((long)used * ldv), mPlane = WinogradPlaneStride((long)paddedFilters * ldv);
            long stageLength = (long)used * channelLength, transformedLength = WinogradPositions * vPlane, productsLength = WinogradPositions * mPlane;
            if (stageLength > int.MaxValue / 2 || transformedLength > int.MaxValue / 2 || productsLength > int.MaxValue / 2)
                throw new ArgumentException("Winograd conv input too large to stage");
            int vStride = (int)vPlane, mStride = (int)mPlane;
            float[] stage = t_winogradStage is { } s && s.Length >= stageLength ? s : (t_winogradStage = new float[stageLength]);
            float[] transformed = t_winogradTransformed is { } v && v.Length >= transformedLength ? v : (t_winogradTransformed = new float[transformedLength]);
            float[] products = t_winogradProducts is { } m && m.Length >= productsLength ? m : (t_winogradProducts = new float[productsLength]);
            float[] row = t_winogradRow is { } r && r.Length >= 4 * tileColumns ? r : (t_winogradRow = new float[4 * tileColumns]);
            int[] offsets = t_winogradOffsets is { } o && o.Length >= used ? o : (t_winogradOffsets = new int[used]);
            for (int u = 0; u < used; u++) offsets[u] = u * ldv;
            Span<float> zeroBias = stackalloc float[ImplicitGemmPanelRows];
            zeroBias.Clear();
            for (int n = 0; n < images; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * inChannels * inPlane, inChannels * inPlane);
                bool finite = true;
                for (int u = 0; u < used; u++)
                    finite &= WinogradStageChannel(image.Slice(channels[u] * inPlane, inPlane), ref stage[u * channelLength], inH, inW, padH, padW, stageRows, rowLength);
                Span<float> output = y.Slice(n * filters * plane, filters * plane);
                if (!finite)
                {
                    WinogradDirectImage(stage, channels, inChannels, weights, bias, output, outH, outW, rowLength, channelLength, clamp, low, high);
                    continue;
                }
                for (int th0 = 0; th0 < tileRows; th0 += blockRows)
                {
                    int rows = Math.Min(blockRows, tileRows - th0), tiles = rows * tileColumns;
                    WinogradInputTransform(stage, transformed, used, rowLength, channelLength, tileColumns, th0, rows, ldv, vStride);
                    WinogradProducts<W, V>(packedFilters, transformed, products, used, panels, ldv, vStride, mStride, (tiles + W.Count - 1) / W.Count * W.Count, offsets, zeroBias);
                    WinogradOutputTransform(products, output, bias, filters, ldv, mStride, tileColumns, th0, rows, outH, outW, clamp, low, high, row);
                }
            }
        }

        /// <summary>A plane's floats rounded up to an odd number of 16-float cache lines.</summary>
        private static long WinogradPlaneStride(long floats) => (floats + 31) / 32 * 32 + 16;

        /// <summary>The input transform of tile rows th0 .. th0 + rows - 1 at the widest width that fits a row of tiles.</summary>
        private static void WinogradInputTransform(float[] stage, float[] transformed, int used, int rowLength, int channelLength, int tileColumns, int th0, int rows, int ldv, int vStride)
        {
            if (Vector512.IsHardwareAccelerated && tileColumns >= Vector512<float>.Count)
                WinogradInputTransform<Width512, Vector512<float>>(stage, transformed, used, rowLength, channelLength, tileColumns, th0, rows, ldv, vStride);
            else if (Vector256.IsHardwareAccelerated && tileColumns >= Vector256<float>.Count)
                WinogradInputTransform<Width256, Vector256<float>>(stage, transformed, used, rowLength, channelLength, tileColumns, th0, rows, ldv, vStride);
            else if (Vector128.IsHardwareAccelerated && tileColumns >= Vector128<float>.Count)
                WinogradInputTransform<Width128, Vector128<float>>(stage, transformed, used, rowLength, channelLength, tileColumns, th0, rows, ldv, vStride);
            else
                WinogradInputTransform<ScalarWidth, float>(stage, transformed, used, rowLength, channelLength, tileColumns, th0, rows, ldv, vStride);
        }

        /// <summary>
        /// V[xi = 4a + b][u][(th - th0) * tileColumns + tw] = (B^T d B)[a][b] for the patch d of tile (th, tw) of used
        /// channel u, W.Count tiles of a row at a time (tileColumns >= W.Count; the last vector overlaps the one before).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void WinogradInputTransform<W, V>(float[] stage, float[] transformed, int used, int rowLength, int channelLength, int tileColumns, int th0, int rows, int ldv, int vStride)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int n = W.Count;
            ref float stage0 = ref MemoryMarshal.GetArrayDataReference(stage);
            ref float v0 = ref MemoryMarshal.GetArrayDataReference(transformed);
            nint xiStride = vStride;
            for (int u = 0; u < used; u++)
                for (int th = th0; th < th0 + rows; th++)
                {
                    // Patch row i of this tile row is stage row 2th + i.
                    ref float d = ref Unsafe.Add(ref stage0, (nint)u * channelLength + 2 * th * (nint)rowLength);
                    ref float target = ref Unsafe.Add(ref v0, (nint)u * ldv + (th - th0) * tileColumns);
                    for (int k = 0; ; k += n)
                    {
                        if (k > tileColumns - n) k = tileColumns - n;
                        // Per patch row i, its columns c0 .. c3 across the n tiles; combined over the rows by B^T:
                        // t0 = d0 - d2, t1 = d1 + d2, t2 = d2 - d1, t3 = d1 - d3, column by column (x_ij: row i, column j).
                        ref float r = ref Unsafe.Add(ref d, 2 * k);
                        PatchColumns<W, V>(ref r, out V c00, out V c01, out V c02, out V c03);
                        PatchColumns<W, V>(ref Unsafe.Add(ref r, rowLength), out V c10, out V c11, out V c12, out V c13);
                        PatchColumns<W, V>(ref Unsafe.Add(ref r, 2 * rowLength), out V c20, out V c21, out V c22, out V c23);
                        PatchColumns<W, V>(ref Unsafe.Add(ref r, 3 * rowLength), out V c30, out V c31, out V c32, out V c33);
                        V x00 = W.Subtract(c00, c20), x10 = W.Add(c10, c20), x20 = W.Subtract(c20, c10), x30 = W.Subtract(c10, c30);
                        V x01 = W.Subtract(c01, c21), x11 = W.Add(c11, c21), x21 = W.Subtract(c21, c11), x31 = W.Subtract(c11, c31);
                        V x02 = W.Subtract(c02, c22), x12 = W.Add(c12, c22), x22 = W.Subtract(c22, c12), x32 = W.Subtract(c12, c32);
                        V x03 = W.Subtract(c03, c23), x13 = W.Add(c13, c23), x23 = W.Subtract(c23, c13), x33 = W.Subtract(c13, c33);
                        // Then over the columns by B: v[a][0] = x0 - x2, v[a][1] = x1 + x2, v[a][2] = x2 - x1, v[a][3] = x1 - x3.
                        ref float t = ref Unsafe.Add(ref target, k);
                        W.Store(W.Subtract(x00, x02), ref t); W.Store(W.Add(x01, x02), ref Unsafe.Add(ref t, xiStride));
                        W.Store(W.Subtract(x02, x01), ref Unsafe.Add(ref t, 2 * xiStride)); W.Store(W.Subtract(x01, x03), ref Unsafe.Add(ref t, 3 * xiStride));
                        t = ref Unsafe.Add(ref t, 4 * xiStride);
                        W.Store(W.Subtract(x10, x12), ref t); W.Store(W.Add(x11, x12), ref Unsafe.Add(ref t, xiStride));
                        W.Store(W.Subtract(x12, x11), ref Unsafe.Add(ref t, 2 * xiStride)); W.Store(W.Subtract(x11, x13), ref Unsafe.Add(ref t, 3 * xiStride));
                        t = ref Unsafe.Add(ref t, 4 * xiStride);
                        W.Store(W.Subtract(x20, x22), ref t); W.Store(W.Add(x21, x22), ref Unsafe.Add(ref t, xiStride));
                        W.Store(W.Subtract(x22, x21), ref Unsafe.Add(ref t, 2 * xiStride)); W.Store(W.Subtract(x21, x23), ref Unsafe.Add(ref t, 3 * xiStride));
                        t = ref Unsafe.Add(ref t, 4 * xiStride);
                        W.Store(W.Subtract(x30, x32), ref t); W.Store(W.Add(x31, x32), ref Unsafe.Add(ref t, xiStride));
                        W.Store(W.Subtract(x32, x31), ref Unsafe.Add(ref t, 2 * xiStride)); W.Store(W.Subtract(x31, x33), ref Unsafe.Add(ref t, 3 * xiStride));
                        if (k + n >= tileColumns) break;
                    }
                }
        }

        /// <summary>
        /// One channel's padded plane into the stage: rows -padH .. of the input (zero outside), each padW zeros, the row,
        /// zeros to the row's end. Short runs of vector stores and loads, no calls (this runs once per input row per call).
        /// False when some float copied is an infinity or NaN.
        /// </summary>
        private static bool WinogradStageChannel(ReadOnlySpan<float> channel, ref float stage, int inH, int inW, int padH, int padW, int stageRows, int rowLength)
        {
            ref float input = ref MemoryMarshal.GetReference(channel);
            bool finite = true;
            for (int sr = 0; sr < stageRows; sr++)
            {
                ref float row = ref Unsafe.Add(ref stage, (nint)sr * rowLength);
                int ih = sr - padH;
                if ((uint)ih >= (uint)inH) { ZeroRun(ref row, rowLength); continue; }
                for (int j = 0; j < padW; j++) Unsafe.Add(ref row, j) = 0f;
                finite &= CopyFiniteRun(ref Unsafe.Add(ref input, (nint)ih * inW), ref Unsafe.Add(ref row, padW), inW);
                for (int j = padW + inW; j < rowLength; j++) Unsafe.Add(ref row, j) = 0f;
            }
            return finite;
        }

        /// <summary>
        /// d[0, n) = s[0, n) in whole vectors, the last one overlapping, at the widest width n fills; false when some float
        /// is an infinity or NaN (v - v is +0 for every finite v, NaN otherwise: the OR of those bits stays zero).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool CopyFiniteRun(ref float s, ref float d, int n)
        {
            if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
            {
                Vector512<float> v, bad = Vector512<float>.Zero;
                for (int i = 0; i < n - Vector512<float>.Count; i += Vector512<float>.Count) { v = Vector512.LoadUnsafe(ref s, (nuint)i); v.StoreUnsafe(ref d, (nuint)i); bad |= v - v; }
                v = Vector512.LoadUnsafe(ref s, (nuint)(n - Vector512<float>.Count)); v.StoreUnsafe(ref d, (nuint)(n - Vector512<float>.Count)); bad |= v - v;
                return bad.AsUInt32() == Vector512<uint>.Zero;
            }
            if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
            {
                Vector256<float> v, bad = Vector256<float>.Zero;
                for (int i = 0; i < n - Vector256<float>.Count; i += Vector256<float>.Count) { v = Vector256.LoadUnsafe(ref s, (nuint)i); v.StoreUnsafe(ref d, (nuint)i); bad |= v - v; }
                v = Vector256.LoadUnsafe(ref s, (nuint)(n - Vector256<float>.Count)); v.StoreUnsafe(ref d, (nuint)(n - Vector256<float>.Count)); bad |= v - v;
                return bad.AsUInt32() == Vector256<uint>.Zero;
            }
            if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
            {
                Vector128<float> v, bad = Vector128<float>.Zero;
                for (int i = 0; i < n - Vector128<float>.Count; i += Vector128<float>.Count) { v = Vector128.LoadUnsafe(ref s, (nuint)i); v.StoreUnsafe(ref d, (nuint)i); bad |= v - v; }
                v = Vector128.LoadUnsafe(ref s, (nuint)(n - Vector128<float>.Count)); v.StoreUnsafe(ref d, (nuint)(n - Vector128<float>.Count)); bad |= v - v;
                return bad.AsUInt32() == Vector128<uint>.Zero;
            }
            bool finite = true;
            for (int i = 0; i < n; i++) { float v = Unsafe.Add(ref s, i); Unsafe.Add(ref d, i) = v; finite &= v - v == 0f; }
            return finite;
        }

        /// <summary>
        /// One image by the direct definition over the stage (the padded input of the used channels), every weight of those
        /// channels multiplied (0 x NaN is NaN, as ONNX Runtime computes), bias and clamp as the Winograd store applies them:
        /// for an image with an infinity or NaN. Vectorised along output rows at the widest width a row fills.
        /// </summary>
        private static void WinogradDirectImage(float[] stage, ReadOnlySpan<int> channels, int inChannels, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            Span<float> image, int outH, int outW, int rowLength, int channelLength, bool clamp, float low, float high)
        {
            if (Vector512.IsHardwareAccelerated && outW >= Vector512<float>.Count)
                WinogradDirectImage<Width512, Vector512<float>>(stage, channels, inChannels, weights, bias, image, outH, outW, rowLength, channelLength, clamp, low, high);
            else if (Vector256.IsHardwareAccelerated && outW >= Vector256<float>.Count)
                WinogradDirectImage<Width256, Vector256<float>>(stage, channels, inChannels, weights, bias, image, outH, outW, rowLength, channelLength, clamp, low, high);
            else if (Vector128.IsHardwareAccelerated && outW >= Vector128<float>.Count)
                WinogradDirectImage<Width128, Vector128<float>>(stage, channels, inChannels, weights, bias, image, outH, outW, rowLength, channelLength, clamp, low, high);
            else
                WinogradDirectImage<ScalarWidth, float>(stage, channels, inChannels, weights, bias, image, outH, outW, rowLength, channelLength, clamp, low, high);
        }

        private static void WinogradDirectImage<W, V>(float[] stage, ReadOnlySpan<int> channels, int inChannels, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            Span<float> image, int outH, int outW, int rowLength, int channelLength, bool clamp, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int n = W.Count, filters = image.Length / (outH * outW);
            ref float stage0 = ref MemoryMarshal.GetArrayDataReference(stage);
            ref float y0 = ref MemoryMarshal.GetReference(image);
            V lo = W.Broadcast(low), hi = W.Broadcast(high);
            for (int f = 0; f < filters; f++)
                for (int oh = 0; oh < outH; oh++)
                    for (int ow = 0; ; ow += n)
                    {
                        if (ow > outW - n) ow = outW - n;
                        V acc = W.Broadcast(bias.IsEmpty ? 0f : bias[f]);
                        for (int u = 0; u < channels.Length; u++)
                        {
                            ReadOnlySpan<float> w = weights.Slice((f * inChannels + channels[u]) * 9, 9);
                            ref float r = ref Unsafe.Add(ref stage0, (nint)u * channelLength + (nint)oh * rowLength + ow);
                            for (int i = 0; i < 3; i++, r = ref Unsafe.Add(ref r, rowLength))
                            {
                                acc = W.MulAdd(W.Broadcast(w[3 * i]), W.Load(ref r), acc);
                                acc = W.MulAdd(W.Broadcast(w[3 * i + 1]), W.Load(ref r, 1), acc);
                                acc = W.MulAdd(W.Broadcast(w[3 * i + 2]), W.Load(ref r, 2), acc);
                            }
                        }
                        if (clamp) acc = W.Clamp(acc, lo, hi);
                        W.Store(acc, ref Unsafe.Add(ref y0, ((nint)f * outH + oh) * outW + ow));
                        if (ow + n >= outW) break;
                    }
        }

        /// <summary>
        /// Columns 0 .. 3 of the 4x4 patches of W.Count consecutive tiles in one stage row starting at r (tile j's patch at
        /// r[2j]): c0 = the even floats of r[0, 2n), c1 the odd ones, c2 and c3 the same of r[2, 2n + 2).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PatchColumns<W, V>(ref float r, out V c0, out V c1, out V c2, out V c3) where W : struct, IVectorWidth<V> where V : struct
        {
            if (typeof(W) == typeof(ScalarWidth))
            {
                float f0 = r, f1 = Unsafe.Add(ref r, 1), f2 = Unsafe.Add(ref r, 2), f3 = Unsafe.Add(ref r, 3);
                c0 = Unsafe.As<float, V>(ref f0); c1 = Unsafe.As<float, V>(ref f1); c2 = Unsafe.As<float, V>(ref f2); c3 = Unsafe.As<float, V>(ref f3);
                return;
            }
            nuint n = (nuint)W.Count;
            Deinterleave<W, V>(W.Load(ref r), W.Load(ref r, n), out c0, out c1);
            Deinterleave<W, V>(W.Load(ref r, 2), W.Load(ref r, n + 2), out c2, out c3);
        }

        /// <summary>even = (a0, a2, .., b0, b2, ..), odd = (a1, a3, .., b1, b3, ..): the even and odd floats of a then b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Deinterleave<W, V>(V a, V b, out V even, out V odd) where W : struct, IVectorWidth<V> where V : struct
        {
            if (typeof(W) == typeof(Width512))
            {
                Vector512<float> x = Unsafe.As<V, Vector512<float>>(ref a), y = Unsafe.As<V, Vector512<float>>(ref b), e, o;
                if (Avx512F.IsSupported)
                {
                    e = Avx512F.PermuteVar16x32x2(x, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), y);
                    o = Avx512F.PermuteVar16x32x2(x, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), y);
                }
                else
                {
                    Vector512<float> lowHalf = Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0).AsSingle();
                    Vector512<int> evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14), odds = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15);
                    e = Vector512.ConditionalSelect(lowHalf, Vector512.Shuffle(x, evens), Vector512.Shuffle(y, evens));
                    o = Vector512.ConditionalSelect(lowHalf, Vector512.Shuffle(x, odds), Vector512.Shuffle(y, odds));
                }
                even = Unsafe.As<Vector512<float>, V>(ref e); odd = Unsafe.As<Vector512<float>, V>(ref o);
            }
            else if (typeof(W) == typeof(Width256))
            {
                Vector256<float> x = Unsafe.As<V, Vector256<float>>(ref a), y = Unsafe.As<V, Vector256<float>>(ref b), e, o;
                if (Avx2.IsSupported)
                {
                    // In-lane shuffles give (x0 x2 y0 y2 | x4 x6 y4 y6); the 64-bit permute orders the pairs (x0 x2 x4 x6 y0 y2 y4 y6).
                    e = Avx2.Permute4x64(Avx.Shuffle(x, y, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
                    o = Avx2.Permute4x64(Avx.Shuffle(x, y, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
                }
                else
                {
                    Vector256<float> lowHalf = Vector256.Create(-1, -1, -1, -1, 0, 0, 0, 0).AsSingle();
                    Vector256<int> evens = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6), odds = Vector256.Create(1, 3, 5, 7, 1, 3, 5, 7);
                    e = Vector256.ConditionalSelect(lowHalf, Vector256.Shuffle(x, evens), Vector256.Shuffle(y, evens));
                    o = Vector256.ConditionalSelect(lowHalf, Vector256.Shuffle(x, odds), Vector256.Shuffle(y, odds));
                }
                even = Unsafe.As<Vector256<float>, V>(ref e); odd = Unsafe.As<Vector256<float>, V>(ref o);
            }
            else
            {
                Vector128<float> x = Unsafe.As<V, Vector128<float>>(ref a), y = Unsafe.As<V, Vector128<float>>(ref b), e, o;
                if (AdvSimd.Arm64.IsSupported)
                {
                    e = AdvSimd.Arm64.UnzipEven(x, y);
                    o = AdvSimd.Arm64.UnzipOdd(x, y);
                }
                else if (Sse.IsSupported)
                {
                    e = Sse.Shuffle(x, y, 0b10_00_10_00);
                    o = Sse.Shuffle(x, y, 0b11_01_11_01);
                }
                else
                {
                    Vector128<float> lowHalf = Vector128.Create(-1, -1, 0, 0).AsSingle();
                    Vector128<int> evens = Vector128.Create(0, 2, 0, 2), odds = Vector128.Create(1, 3, 1, 3);
                    e = Vector128.ConditionalSelect(lowHalf, Vector128.Shuffle(x, evens), Vector128.Shuffle(y, evens));
                    o = Vector128.ConditionalSelect(lowHalf, Vector128.Shuffle(x, odds), Vector128.Shuffle(y, odds));
                }
                even = Unsafe.As<Vector128<float>, V>(ref e); odd = Unsafe.As<Vector128<float>, V>(ref o);
            }
        }

        /// <summary>
        /// M[xi][f][t] = sum over u of U[xi][f][u] * V[xi][u][t] for t &lt; columns (a multiple of W.Count): per xi and
        /// 8-filter panel, 3 vectors of tiles at a time, then single vectors.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void WinogradProducts<W, V>(ReadOnlySpan<float> packedFilters, float[] transformed, float[] products, int used, int panels, int ldv, int vStride, int mStride, int columns,
            int[] offsets, Span<float> zeroBias)
            where W : struct, IVectorWidth<V> where V : struct
        {
            bool eightRows = typeof(W) == typeof(Width512) || (typeof(W) == typeof(Width128) && AdvSimd.IsSupported);
            int n = W.Count, triple = 3 * n;
            ref float a0 = ref MemoryMarshal.GetReference(packedFilters);
            ref float v0 = ref MemoryMarshal.GetArrayDataReference(transformed);
            ref float m0 = ref MemoryMarshal.GetArrayDataReference(products);
            ref int offsets0 = ref MemoryMarshal.GetArrayDataReference(offsets);
            ref float bias0 = ref MemoryMarshal.GetReference(zeroBias);
            V none = W.Zero;
            for (int xi = 0; xi < WinogradPositions; xi++)
            {
                ref float b = ref Unsafe.Add(ref v0, (nint)xi * vStride);
                for (int panel = 0; panel < panels; panel++)
                {
                    ref float a = ref Unsafe.Add(ref a0, ((nint)xi * panels + panel) * used * ImplicitGemmPanelRows);
                    ref float c = ref Unsafe.Add(ref m0, (nint)xi * mStride + (nint)panel * ImplicitGemmPanelRows * ldv);
                    int col = 0;
                    for (; col + triple <= columns; col += triple)
                    {
                        if (eightRows)
                            ImplicitTile8x3<W, V>(ref a, used, ref b, ref offsets0, col, ref bias0, ref Unsafe.Add(ref c, col), ldv, false, none, none);
                        else
                        {
                            ImplicitTile4x3<W, V>(ref a, used, ref b, ref offsets0, col, ref bias0, ref Unsafe.Add(ref c, col), ldv, false, none, none);
                            ImplicitTile4x3<W, V>(ref Unsafe.Add(ref a, 4), used, ref b, ref offsets0, col, ref bias0, ref Unsafe.Add(ref c, 4 * (nint)ldv + col), ldv, false, none, none);
                        }
                    }
                    for (; col < columns; col += n)
                    {
                        if (eightRows)
                            WinogradTile8x1<W, V>(ref a, used, ref Unsafe.Add(ref b, col), ldv, ref Unsafe.Add(ref c, col), ldv);
                        else
                        {
                            WinogradTile4x1<W, V>(ref a, used, ref Unsafe.Add(ref b, col), ldv, ref Unsafe.Add(ref c, col), ldv);
                            WinogradTile4x1<W, V>(ref Unsafe.Add(ref a, 4), used, ref Unsafe.Add(ref b, col), ldv, ref Unsafe.Add(ref c, 4 * (nint)ldv + col), ldv);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// 8 filters x 1 vector of tiles (32-register machines), two accumulator sets over even and odd channels: 16 FMA
        /// chains in flight, so that one vector of tiles (8x8 maps: 16 tiles) keeps both FMA pipes busy.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void WinogradTile8x1<W, V>(ref float a, int k, ref float b, nint ldb, ref float c, nint ldc)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V c0 = W.Zero, c1 = W.Zero, c2 = W.Zero, c3 = W.Zero, c4 = W.Zero, c5 = W.Zero, c6 = W.Zero, c7 = W.Zero;
            V d0 = W.Zero, d1 = W.Zero, d2 = W.Zero, d3 = W.Zero, d4 = W.Zero, d5 = W.Zero, d6 = W.Zero, d7 = W.Zero;
            int p = 0;
            for (; p + 2 <= k; p += 2)
            {
                V b0 = W.Load(ref b), b1 = W.Load(ref Unsafe.Add(ref b, ldb));
                c0 = W.MulAdd(W.Broadcast(a), b0, c0); c1 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 1)), b0, c1);
                c2 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 2)), b0, c2); c3 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 3)), b0, c3);
                c4 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 4)), b0, c4); c5 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 5)), b0, c5);
                c6 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 6)), b0, c6); c7 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 7)), b0, c7);
                ref float a1 = ref Unsafe.Add(ref a, ImplicitGemmPanelRows);
                d0 = W.MulAdd(W.Broadcast(a1), b1, d0); d1 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 1)), b1, d1);
                d2 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 2)), b1, d2); d3 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 3)), b1, d3);
                d4 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 4)), b1, d4); d5 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 5)), b1, d5);
                d6 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 6)), b1, d6); d7 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 7)), b1, d7);
                a = ref Unsafe.Add(ref a, 2 * ImplicitGemmPanelRows);
                b = ref Unsafe.Add(ref b, 2 * ldb);
            }
            if (p < k)
            {
                V b0 = W.Load(ref b);
                c0 = W.MulAdd(W.Broadcast(a), b0, c0); c1 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 1)), b0, c1);
                c2 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 2)), b0, c2); c3 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 3)), b0, c3);
                c4 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 4)), b0, c4); c5 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 5)), b0, c5);
                c6 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 6)), b0, c6); c7 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 7)), b0, c7);
            }
            W.Store(W.Add(c0, d0), ref c); W.Store(W.Add(c1, d1), ref Unsafe.Add(ref c, ldc));
            W.Store(W.Add(c2, d2), ref Unsafe.Add(ref c, 2 * ldc)); W.Store(W.Add(c3, d3), ref Unsafe.Add(ref c, 3 * ldc));
            W.Store(W.Add(c4, d4), ref Unsafe.Add(ref c, 4 * ldc)); W.Store(W.Add(c5, d5), ref Unsafe.Add(ref c, 5 * ldc));
            W.Store(W.Add(c6, d6), ref Unsafe.Add(ref c, 6 * ldc)); W.Store(W.Add(c7, d7), ref Unsafe.Add(ref c, 7 * ldc));
        }

        /// <summary>
        /// 4 filters (of an 8-filter panel) x 1 vector of tiles, two independent accumulator sets per filter over even and
        /// odd channels so that 8 FMA chains are in flight.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void WinogradTile4x1<W, V>(ref float a, int k, ref float b, nint ldb, ref float c, nint ldc)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V c0 = W.Zero, c1 = W.Zero, c2 = W.Zero, c3 = W.Zero, d0 = W.Zero, d1 = W.Zero, d2 = W.Zero, d3 = W.Zero;
            int p = 0;
            for (; p + 2 <= k; p += 2)
            {
                V b0 = W.Load(ref b), b1 = W.Load(ref Unsafe.Add(ref b, ldb));
                c0 = W.MulAdd(W.Broadcast(a), b0, c0); c1 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 1)), b0, c1);
                c2 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 2)), b0, c2); c3 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 3)), b0, c3);
                ref float a1 = ref Unsafe.Add(ref a, ImplicitGemmPanelRows);
                d0 = W.MulAdd(W.Broadcast(a1), b1, d0); d1 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 1)), b1, d1);
                d2 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 2)), b1, d2); d3 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a1, 3)), b1, d3);
                a = ref Unsafe.Add(ref a, 2 * ImplicitGemmPanelRows);
                b = ref Unsafe.Add(ref b, 2 * ldb);
            }
            if (p < k)
            {
                V b0 = W.Load(ref b);
                c0 = W.MulAdd(W.Broadcast(a), b0, c0); c1 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 1)), b0, c1);
                c2 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 2)), b0, c2); c3 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, 3)), b0, c3);
            }
            W.Store(W.Add(c0, d0), ref c); W.Store(W.Add(c1, d1), ref Unsafe.Add(ref c, ldc));
            W.Store(W.Add(c2, d2), ref Unsafe.Add(ref c, 2 * ldc)); W.Store(W.Add(c3, d3), ref Unsafe.Add(ref c, 3 * ldc));
        }

        /// <summary>The output transform of tile rows th0 .. th0 + rows - 1 at the widest width that fits a row of tiles.</summary>
        private static void WinogradOutputTransform(float[] products, Span<float> output, ReadOnlySpan<float> bias, int filters, int ldv, int mStride,
            int tileColumns, int th0, int rows, int outH, int outW, bool clamp, float low, float high, float[] row)
        {
            if (Vector512.IsHardwareAccelerated && tileColumns >= Vector512<float>.Count)
                WinogradOutputTransform<Width512, Vector512<float>>(products, output, bias, filters, ldv, mStride, tileColumns, th0, rows, outH, outW, clamp, low, high, row);
            else if (Vector256.IsHardwareAccelerated && tileColumns >= Vector256<float>.Count)
                WinogradOutputTransform<Width256, Vector256<float>>(products, output, bias, filters, ldv, mStride, tileColumns, th0, rows, outH, outW, clamp, low, high, row);
            else if (Vector128.IsHardwareAccelerated && tileColumns >= Vector128<float>.Count)
                WinogradOutputTransform<Width128, Vector128<float>>(products, output, bias, filters, ldv, mStride, tileColumns, th0, rows, outH, outW, clamp, low, high, row);
            else
                WinogradOutputTransform<ScalarWidth, float>(products, output, bias, filters, ldv, mStride, tileColumns, th0, rows, outH, outW, clamp, low, high, row);
        }

        /// <summary>
        /// Output rows 2th and 2th + 1 of every filter from M: per vector of tiles, A^T m A over the 16 products, plus bias,
        /// clamped, the two columns of each tile interleaved into the row. An odd width goes through a row scratch (the
        /// last tile's second column dropped), an odd height drops the last tile row's second row.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void WinogradOutputTransform<W, V>(float[] products, Span<float> output, ReadOnlySpan<float> bias, int filters, int ldv, int mStride,
            int tileColumns, int th0, int rows, int outH, int outW, bool clamp, float low, float high, float[] row)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int n = W.Count;
            bool oddWidth = (outW & 1) != 0;
            ref float m0 = ref MemoryMarshal.GetArrayDataReference(products);
            ref float y0 = ref MemoryMarshal.GetReference(output);
            ref float row0 = ref MemoryMarshal.GetArrayDataReference(row);
            ref float row1 = ref Unsafe.Add(ref row0, 2 * tileColumns);
            nint xiStride = mStride;
            V lo = W.Broadcast(low), hi = W.Broadcast(high);
            for (int f = 0; f < filters; f++)
            {
                V beta = W.Broadcast(bias.IsEmpty ? 0f : bias[f]);
                for (int th = th0; th < th0 + rows; th++)
                {
                    ref float source = ref Unsafe.Add(ref m0, (nint)f * ldv + (th - th0) * tileColumns);
                    int oh = 2 * th;
                    bool second = oh + 1 < outH;
                    ref float out0 = ref oddWidth ? ref row0 : ref Unsafe.Add(ref y0, ((nint)f * outH + oh) * outW);
                    ref float out1 = ref oddWidth ? ref row1 : ref Unsafe.Add(ref out0, second ? outW : 0);
                    for (int k = 0; ; k += n)
                    {
                        if (k > tileColumns - n) k = tileColumns - n;
                        ref float p = ref Unsafe.Add(ref source, k);
                        // Over the rows of m by A^T: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3, per column b of m.
                        V s00, s01, s02, s03, s10, s11, s12, s13;
                        {
                            V r0 = W.Load(ref p), r1 = W.Load(ref Unsafe.Add(ref p, 4 * xiStride)), r2 = W.Load(ref Unsafe.Add(ref p, 8 * xiStride)), r3 = W.Load(ref Unsafe.Add(ref p, 12 * xiStride));
                            s00 = W.Add(W.Add(r0, r1), r2); s10 = W.Subtract(W.Subtract(r1, r2), r3);
                        }
                        p = ref Unsafe.Add(ref p, xiStride);
                        {
                            V r0 = W.Load(ref p), r1 = W.Load(ref Unsafe.Add(ref p, 4 * xiStride)), r2 = W.Load(ref Unsafe.Add(ref p, 8 * xiStride)), r3 = W.Load(ref Unsafe.Add(ref p, 12 * xiStride));
                            s01 = W.Add(W.Add(r0, r1), r2); s11 = W.Subtract(W.Subtract(r1, r2), r3);
                        }
                        p = ref Unsafe.Add(ref p, xiStride);
                        {
                            V r0 = W.Load(ref p), r1 = W.Load(ref Unsafe.Add(ref p, 4 * xiStride)), r2 = W.Load(ref Unsafe.Add(ref p, 8 * xiStride)), r3 = W.Load(ref Unsafe.Add(ref p, 12 * xiStride));
                            s02 = W.Add(W.Add(r0, r1), r2); s12 = W.Subtract(W.Subtract(r1, r2), r3);
                        }
                        p = ref Unsafe.Add(ref p, xiStride);
                        {
                            V r0 = W.Load(ref p), r1 = W.Load(ref Unsafe.Add(ref p, 4 * xiStride)), r2 = W.Load(ref Unsafe.Add(ref p, 8 * xiStride)), r3 = W.Load(ref Unsafe.Add(ref p, 12 * xiStride));
                            s03 = W.Add(W.Add(r0, r1), r2); s13 = W.Subtract(W.Subtract(r1, r2), r3);
                        }
                        // Then over the columns by A: y[i][0] = s_i0 + s_i1 + s_i2, y[i][1] = s_i1 - s_i2 - s_i3.
                        V y00 = W.Add(W.Add(W.Add(s00, s01), s02), beta), y01 = W.Add(W.Subtract(W.Subtract(s01, s02), s03), beta);
                        V y10 = W.Add(W.Add(W.Add(s10, s11), s12), beta), y11 = W.Add(W.Subtract(W.Subtract(s11, s12), s13), beta);
                        if (clamp) { y00 = W.Clamp(y00, lo, hi); y01 = W.Clamp(y01, lo, hi); y10 = W.Clamp(y10, lo, hi); y11 = W.Clamp(y11, lo, hi); }
                        StoreInterleaved<W, V>(y10, y11, ref Unsafe.Add(ref out1, 2 * k));
                        StoreInterleaved<W, V>(y00, y01, ref Unsafe.Add(ref out0, 2 * k));   // after the second row: an odd height aliases it to the first
                        if (k + n >= tileColumns) break;
                    }
                    if (oddWidth)
                    {
                        ref float target = ref Unsafe.Add(ref y0, ((nint)f * outH + oh) * outW);
                        MemoryMarshal.CreateReadOnlySpan(ref row0, outW).CopyTo(MemoryMarshal.CreateSpan(ref target, outW));
                        if (second) MemoryMarshal.CreateReadOnlySpan(ref row1, outW).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, outW), outW));
                    }
                }
            }
        }

        /// <summary>d[2j] = even[j], d[2j + 1] = odd[j] for j &lt; W.Count.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreInterleaved<W, V>(V even, V odd, ref float d) where W : struct, IVectorWidth<V> where V : struct
        {
            if (typeof(W) == typeof(Width512))
            {
                Vector512<float> e = Unsafe.As<V, Vector512<float>>(ref even), o = Unsafe.As<V, Vector512<float>>(ref odd);
                if (Avx512F.IsSupported)
                {
                    Avx512F.PermuteVar16x32x2(e, Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), o).StoreUnsafe(ref d);
                    Avx512F.PermuteVar16x32x2(e, Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), o).StoreUnsafe(ref d, 16);
                }
                else
                {
                    Vector512<float> evenLanes = Vector512.Create(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
                    Vector512<int> low = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7), high = Vector512.Create(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
                    Vector512.ConditionalSelect(evenLanes, Vector512.Shuffle(e, low), Vector512.Shuffle(o, low)).StoreUnsafe(ref d);
                    Vector512.ConditionalSelect(evenLanes, Vector512.Shuffle(e, high), Vector512.Shuffle(o, high)).StoreUnsafe(ref d, 16);
                }
            }
            else if (typeof(W) == typeof(Width256))
            {
                Vector256<float> e = Unsafe.As<V, Vector256<float>>(ref even), o = Unsafe.As<V, Vector256<float>>(ref odd);
                if (Avx.IsSupported)
                {
                    // In-lane unpacks give [e0 o0 e1 o1 | e4 o4 e5 o5] and [e2 o2 e3 o3 | e6 o6 e7 o7]; the lane swaps order them.
                    Vector256<float> l = Avx.UnpackLow(e, o), h = Avx.UnpackHigh(e, o);
                    Avx.Permute2x128(l, h, 0x20).StoreUnsafe(ref d);
                    Avx.Permute2x128(l, h, 0x31).StoreUnsafe(ref d, 8);
                }
                else
                {
                    Vector256<float> evenLanes = Vector256.Create(-1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
                    Vector256<int> low = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3), high = Vector256.Create(4, 4, 5, 5, 6, 6, 7, 7);
                    Vector256.ConditionalSelect(evenLanes, Vector256.Shuffle(e, low), Vector256.Shuffle(o, low)).StoreUnsafe(ref d);
                    Vector256.ConditionalSelect(evenLanes, Vector256.Shuffle(e, high), Vector256.Shuffle(o, high)).StoreUnsafe(ref d, 8);
                }
            }
            else if (typeof(W) == typeof(Width128))
            {
                Vector128<float> e = Unsafe.As<V, Vector128<float>>(ref even), o = Unsafe.As<V, Vector128<float>>(ref odd);
                if (AdvSimd.Arm64.IsSupported)
                {
                    AdvSimd.Arm64.ZipLow(e, o).StoreUnsafe(ref d);
                    AdvSimd.Arm64.ZipHigh(e, o).StoreUnsafe(ref d, 4);
                }
                else if (Sse.IsSupported)
                {
                    Sse.UnpackLow(e, o).StoreUnsafe(ref d);
                    Sse.UnpackHigh(e, o).StoreUnsafe(ref d, 4);
                }
                else
                {
                    Vector128<float> evenLanes = Vector128.Create(-1, 0, -1, 0).AsSingle();
                    Vector128<int> low = Vector128.Create(0, 0, 1, 1), high = Vector128.Create(2, 2, 3, 3);
                    Vector128.ConditionalSelect(evenLanes, Vector128.Shuffle(e, low), Vector128.Shuffle(o, low)).StoreUnsafe(ref d);
                    Vector128.ConditionalSelect(evenLanes, Vector128.Shuffle(e, high), Vector128.Shuffle(o, high)).StoreUnsafe(ref d, 4);
                }
            }
            else
            {
                d = Unsafe.As<V, float>(ref even);
                Unsafe.Add(ref d, 1) = Unsafe.As<V, float>(ref odd);
            }
        }
    }
}
