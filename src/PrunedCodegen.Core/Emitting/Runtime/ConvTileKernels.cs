// PrunedCodegen runtime kernel: direct convolution in register tiles of filters x output positions (appended to
// Kernels.cs in the emitted source). Same geometry table as ConvKernels.cs.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>Filters per register tile of <see cref="ConvTiles"/>; its weights are stored [tap][4 filters].</summary>
        public const int ConvTileFilters = 4;

        /// <summary>Zero floats after the padded input and each staged row: the last vectors of positions run past the last output (two Vector512).</summary>
        public const int ConvTileSlack = 32;

        /// <summary>
        /// Stride-1 ungrouped convolution as a 1-D convolution over the flattened zero-padded input: the output at
        /// position q = (od*pH + oh)*pW + ow of the padded grid is the sum over taps of w * xPadded[q + offset(tap)],
        /// so one unaligned vector load serves a whole vector of positions (the pW - outW columns past each output row
        /// are computed and dropped). Filters go in tiles of four, weights [tap][4 filters] with the taps that are zero
        /// in all four left out at build time; per tap, two vectors of positions are loaded and four weights broadcast
        /// into 8 independent accumulators. Results are staged per tile, then copied to the output rows (ReLU applied
        /// there when fused). Offsets are (c*pD + kd*dD)*pH*pW + kh*dH*pW + kw*dW, computed at build time.
        /// </summary>
        public static void ConvTiles(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> tileWeights, ReadOnlySpan<int> tapOffsets, ReadOnlySpan<int> tileStarts, bool relu)
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], inChannels = g[GeoInChannels], outChannels = g[GeoOutChannels];
            int inD = g[GeoIn], inH = g[GeoIn + 1], inW = g[GeoIn + 2], outD = g[GeoOut], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int pD = inD + g[GeoPadBegin] + g[GeoPadEnd], pH = inH + g[GeoPadBegin + 1] + g[GeoPadEnd + 1], pW = inW + g[GeoPadBegin + 2] + g[GeoPadEnd + 2];
            int inPlane = inD * inH * inW, outPlane = outD * outH * outW, pPlane = pD * pH * pW;
            int tiles = (outChannels + ConvTileFilters - 1) / ConvTileFilters;
            long padded = (long)inChannels * pPlane;
            int qEnd = ((outD - 1) * pH + outH - 1) * pW + outW, row = qEnd + ConvTileSlack;
            if (g[GeoStride] != 1 || g[GeoStride + 1] != 1 || g[GeoStride + 2] != 1 || padded + ConvTileSlack + ConvTileFilters * (long)row > MaxPaddedInput
                || tileStarts.Length != tiles + 1 || tileStarts[0] != 0 || tileStarts[tiles] != tapOffsets.Length
                || tileWeights.Length != ConvTileFilters * tapOffsets.Length || (!bias.IsEmpty && bias.Length != outChannels))
                throw new ArgumentException("conv tile data and geometry disagree");
            // Any offset in [0, limit] keeps every read of a real output inside the input, and the rest inside the slack.
            int limit = (int)padded - qEnd;
            Span<float> input = stackalloc float[(int)padded + ConvTileSlack];
            Span<float> stage = stackalloc float[ConvTileFilters * row];
            Span<float> b = stackalloc float[ConvTileFilters];
            input.Clear();
            stage.Clear();   // explicit, as the stack's zeroing was before [SkipLocalsInit]
            ref float source = ref MemoryMarshal.GetReference(input);
            ref float staged = ref MemoryMarshal.GetReference(stage);
            for (int n = 0; n < images; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * inChannels * inPlane, inChannels * inPlane);
                if (pPlane == inPlane)
                    image.CopyTo(input);
                else
                    for (int c = 0; c < inChannels; c++)
                        for (int d = 0; d < inD; d++)
                            for (int h = 0; h < inH; h++)
                                image.Slice(((c * inD + d) * inH + h) * inW, inW).CopyTo(
                                    input.Slice(((c * pD + d + g[GeoPadBegin]) * pH + h + g[GeoPadBegin + 1]) * pW + g[GeoPadBegin + 2], inW));
                for (int tile = 0; tile < tiles; tile++)
                {
                    int first = tile * ConvTileFilters, count = Math.Min(ConvTileFilters, outChannels - first);
                    b.Clear();
                    for (int f = 0; f < count; f++) b[f] = bias.IsEmpty ? 0f : bias[first + f];
                    int t0 = tileStarts[tile], t1 = tileStarts[tile + 1];
                    if (t0 < 0 || t1 < t0 || t1 > tapOffsets.Length) throw new ArgumentException("conv tile data and geometry disagree");
                    if (Vector512.IsHardwareAccelerated)
                        TileRows512(ref source, ref staged, row, qEnd, b, tileWeights, tapOffsets, t0, t1, limit);
                    else if (Vector256.IsHardwareAccelerated)
                        TileRows256(ref source, ref staged, row, qEnd, b, tileWeights, tapOffsets, t0, t1, limit);
                    else if (Vector128.IsHardwareAccelerated)
                        TileRows128(ref source, ref staged, row, qEnd, b, tileWeights, tapOffsets, t0, t1, limit);
                    else
                        TileRowsScalar(ref source, ref staged, row, qEnd, b, tileWeights, tapOffsets, t0, t1, limit);
                    for (int f = 0; f < count; f++)
                    {
                        ref float plane = ref MemoryMarshal.GetReference(y.Slice(((n * outChannels) + first + f) * outPlane, outPlane));
                        for (int od = 0; od < outD; od++)
                            for (int oh = 0; oh < outH; oh++)
                                CopyOutputRow(ref Unsafe.Add(ref staged, f * row + (od * pH + oh) * pW), ref Unsafe.Add(ref plane, (od * outH + oh) * outW), outW, relu);
                    }
                }
            }
        }

        private static void BadTapOffset() => throw new ArgumentException("conv tap offset outside the padded input");

        /// <summary>Four filters x two Vector512 of positions per step; stage[f*row + q] = bias[f] + sum over taps.</summary>
        private static void TileRows512(ref float source, ref float stage, int row, int qEnd, ReadOnlySpan<float> b,
            ReadOnlySpan<float> weights, ReadOnlySpan<int> offsets, int t0, int t1, int limit)
        {
            ref float w = ref MemoryMarshal.GetReference(weights);
            ref int o = ref MemoryMarshal.GetReference(offsets);
            const int V = 16;
            for (int q = 0; q < qEnd; q += 2 * V)
            {
                Vector512<float> a0 = Vector512.Create(b[0]), a1 = a0, c0 = Vector512.Create(b[1]), c1 = c0;
                Vector512<float> d0 = Vector512.Create(b[2]), d1 = d0, e0 = Vector512.Create(b[3]), e1 = e0;
                for (int t = t0; t < t1; t++)
                {
                    int offset = Unsafe.Add(ref o, t);
                    if ((uint)offset > (uint)limit) BadTapOffset();
                    ref float xq = ref Unsafe.Add(ref source, offset + q);
                    var x0 = Vector512.LoadUnsafe(ref xq);
                    var x1 = Vector512.LoadUnsafe(ref xq, V);
                    ref float wt = ref Unsafe.Add(ref w, ConvTileFilters * t);
                    var wv = Vector512.Create(wt);
                    a0 = MulAdd(x0, wv, a0); a1 = MulAdd(x1, wv, a1);
                    wv = Vector512.Create(Unsafe.Add(ref wt, 1));
                    c0 = MulAdd(x0, wv, c0); c1 = MulAdd(x1, wv, c1);
                    wv = Vector512.Create(Unsafe.Add(ref wt, 2));
                    d0 = MulAdd(x0, wv, d0); d1 = MulAdd(x1, wv, d1);
                    wv = Vector512.Create(Unsafe.Add(ref wt, 3));
                    e0 = MulAdd(x0, wv, e0); e1 = MulAdd(x1, wv, e1);
                }
                ref float s = ref Unsafe.Add(ref stage, q);
                a0.StoreUnsafe(ref s); a1.StoreUnsafe(ref s, V);
                c0.StoreUnsafe(ref s, (nuint)row); c1.StoreUnsafe(ref s, (nuint)(row + V));
                d0.StoreUnsafe(ref s, (nuint)(2 * row)); d1.StoreUnsafe(ref s, (nuint)(2 * row + V));
                e0.StoreUnsafe(ref s, (nuint)(3 * row)); e1.StoreUnsafe(ref s, (nuint)(3 * row + V));
            }
        }

        /// <summary><see cref="TileRows512"/> with Vector256.</summary>
        private static void TileRows256(ref float source, ref float stage, int row, int qEnd, ReadOnlySpan<float> b,
            ReadOnlySpan<float> weights, ReadOnlySpan<int> offsets, int t0, int t1, int limit)
        {
            ref float w = ref MemoryMarshal.GetReference(weights);
            ref int o = ref MemoryMarshal.GetReference(offsets);
            const int V = 8;
            for (int q = 0; q < qEnd; q += 2 * V)
            {
                Vector256<float> a0 = Vector256.Create(b[0]), a1 = a0, c0 = Vector256.Create(b[1]), c1 = c0;
                Vector256<float> d0 = Vector256.Create(b[2]), d1 = d0, e0 = Vector256.Create(b[3]), e1 = e0;
                for (int t = t0; t < t1; t++)
                {
                    int offset = Unsafe.Add(ref o, t);
                    if ((uint)offset > (uint)limit) BadTapOffset();
                    ref float xq = ref Unsafe.Add(ref source, offset + q);
                    var x0 = Vector256.LoadUnsafe(ref xq);
                    var x1 = Vector256.LoadUnsafe(ref xq, V);
                    ref float wt = ref Unsafe.Add(ref w, ConvTileFilters * t);
                    var wv = Vector256.Create(wt);
                    a0 = MulAdd(x0, wv, a0); a1 = MulAdd(x1, wv, a1);
                    wv = Vector256.Create(Unsafe.Add(ref wt, 1));
                    c0 = MulAdd(x0, wv, c0); c1 = MulAdd(x1, wv, c1);
                    wv = Vector256.Create(Unsafe.Add(ref wt, 2));
                    d0 = MulAdd(x0, wv, d0); d1 = MulAdd(x1, wv, d1);
                    wv = Vector256.Create(Unsafe.Add(ref wt, 3));
                    e0 = MulAdd(x0, wv, e0); e1 = MulAdd(x1, wv, e1);
                }
                ref float s = ref Unsafe.Add(ref stage, q);
                a0.StoreUnsafe(ref s); a1.StoreUnsafe(ref s, V);
                c0.StoreUnsafe(ref s, (nuint)row); c1.StoreUnsafe(ref s, (nuint)(row + V));
                d0.StoreUnsafe(ref s, (nuint)(2 * row)); d1.StoreUnsafe(ref s, (nuint)(2 * row + V));
                e0.StoreUnsafe(ref s, (nuint)(3 * row)); e1.StoreUnsafe(ref s, (nuint)(3 * row + V));
            }
        }

        /// <summary><see cref="TileRows512"/> with Vector128 (SSE, NEON).</summary>
        private static void TileRows128(ref float source, ref float stage, int row, int qEnd, ReadOnlySpan<float> b,
            ReadOnlySpan<float> weights, ReadOnlySpan<int> offsets, int t0, int t1, int limit)
        {
            ref float w = ref MemoryMarshal.GetReference(weights);
            ref int o = ref MemoryMarshal.GetReference(offsets);
            const int V = 4;
            for (int q = 0; q < qEnd; q += 2 * V)
            {
                Vector128<float> a0 = Vector128.Create(b[0]), a1 = a0, c0 = Vector128.Create(b[1]), c1 = c0;
                Vector128<float> d0 = Vector128.Create(b[2]), d1 = d0, e0 = Vector128.Create(b[3]), e1 = e0;
                for (int t = t0; t < t1; t++)
                {
                    int offset = Unsafe.Add(ref o, t);
                    if ((uint)offset > (uint)limit) BadTapOffset();
                    ref float xq = ref Unsafe.Add(ref source, offset + q);
                    var x0 = Vector128.LoadUnsafe(ref xq);
                    var x1 = Vector128.LoadUnsafe(ref xq, V);
                    ref float wt = ref Unsafe.Add(ref w, ConvTileFilters * t);
                    var wv = Vector128.Create(wt);
                    a0 = MulAdd(x0, wv, a0); a1 = MulAdd(x1, wv, a1);
                    wv = Vector128.Create(Unsafe.Add(ref wt, 1));
                    c0 = MulAdd(x0, wv, c0); c1 = MulAdd(x1, wv, c1);
                    wv = Vector128.Create(Unsafe.Add(ref wt, 2));
                    d0 = MulAdd(x0, wv, d0); d1 = MulAdd(x1, wv, d1);
                    wv = Vector128.Create(Unsafe.Add(ref wt, 3));
                    e0 = MulAdd(x0, wv, e0); e1 = MulAdd(x1, wv, e1);
                }
                ref float s = ref Unsafe.Add(ref stage, q);
                a0.StoreUnsafe(ref s); a1.StoreUnsafe(ref s, V);
                c0.StoreUnsafe(ref s, (nuint)row); c1.StoreUnsafe(ref s, (nuint)(row + V));
                d0.StoreUnsafe(ref s, (nuint)(2 * row)); d1.StoreUnsafe(ref s, (nuint)(2 * row + V));
                e0.StoreUnsafe(ref s, (nuint)(3 * row)); e1.StoreUnsafe(ref s, (nuint)(3 * row + V));
            }
        }

        /// <summary>No SIMD: per position, the four filters' sums in four scalar accumulators.</summary>
        private static void TileRowsScalar(ref float source, ref float stage, int row, int qEnd, ReadOnlySpan<float> b,
            ReadOnlySpan<float> weights, ReadOnlySpan<int> offsets, int t0, int t1, int limit)
        {
            for (int q = 0; q < qEnd; q++)
            {
                float a = b[0], c = b[1], d = b[2], e = b[3];
                for (int t = t0; t < t1; t++)
                {
                    int offset = offsets[t];
                    if ((uint)offset > (uint)limit) BadTapOffset();
                    float v = Unsafe.Add(ref source, offset + q);
                    a += v * weights[4 * t]; c += v * weights[4 * t + 1]; d += v * weights[4 * t + 2]; e += v * weights[4 * t + 3];
                }
                Unsafe.Add(ref stage, q) = a; Unsafe.Add(ref stage, row + q) = c;
                Unsafe.Add(ref stage, 2 * row + q) = d; Unsafe.Add(ref stage, 3 * row + q) = e;
            }
        }

        /// <summary>
        /// dst[i] = src[i] (or ReLU of it) for i in [0, count): the widest vector that fits, with the last vector
        /// overlapping the one before instead of a scalar tail.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyOutputRow(ref float src, ref float dst, int count, bool relu)
        {
            if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
            {
                for (int i = 0; ; i += Vector256<float>.Count)
                {
                    if (i > count - Vector256<float>.Count) i = count - Vector256<float>.Count;
                    var v = Vector256.LoadUnsafe(ref src, (nuint)i);
                    // Select, not Max: NaN stays NaN as in ONNX.
                    if (relu) v = Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), Vector256<float>.Zero, v);
                    v.StoreUnsafe(ref dst, (nuint)i);
                    if (i == count - Vector256<float>.Count) return;
                }
            }
            if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
            {
                for (int i = 0; ; i += Vector128<float>.Count)
                {
                    if (i > count - Vector128<float>.Count) i = count - Vector128<float>.Count;
                    var v = Vector128.LoadUnsafe(ref src, (nuint)i);
                    if (relu) v = Vector128.ConditionalSelect(Vector128.LessThan(v, Vector128<float>.Zero), Vector128<float>.Zero, v);
                    v.StoreUnsafe(ref dst, (nuint)i);
                    if (i == count - Vector128<float>.Count) return;
                }
            }
            for (int i = 0; i < count; i++)
            {
                float v = Unsafe.Add(ref src, i);
                Unsafe.Add(ref dst, i) = relu && v < 0f ? 0f : v;
            }
        }
    }
}
