// PrunedCodegen runtime kernel: pointwise (1x1, stride 1, unpadded, ungrouped) convolution as a GEMM (appended to
// Kernels.cs in the emitted source). Same geometry table as ConvKernels.cs.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>Output channels per register tile of <see cref="ConvPointwise"/>; its weights are stored [input channel][4 filters].</summary>
        public const int PointwiseFilters = 4;

        /// <summary>
        /// Pointwise convolution, Y[m][q] = bias[m] + sum over c of W[m][c] * X[c][q] per image (a GEMM over the
        /// positions q of the plane). Filters go in groups of four; a group's weights are [input channel][4 filters]
        /// for just the input channels any of the four reads (a channel zero in all four is left out at build time, so
        /// a channel no filter reads is never loaded), with each channel's offset c * plane. Per group, two vectors of
        /// positions are held for four filters in 8 accumulators: per input channel, two loads, four broadcast weights,
        /// eight FMAs; the last vector overlaps the one before instead of a scalar tail. The fused activation is
        /// applied in the store as y = min(max(y, low), high) with NaN kept (ReLU: low 0, high +inf; none: both infinite).
        /// Widest vector that fits the plane: Vector512, 256, 128, else scalar.
        /// </summary>
        public static void ConvPointwise(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> groupWeights, ReadOnlySpan<int> channelOffsets, ReadOnlySpan<int> groupStarts, float low, float high)
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], inChannels = g[GeoInChannels], outChannels = g[GeoOutChannels];
            int plane = g[GeoIn] * g[GeoIn + 1] * g[GeoIn + 2];
            bool oneByOne = true;
            for (int d = 0; d < 3; d++)
                oneByOne &= g[GeoKernel + d] == 1 && g[GeoStride + d] == 1 && g[GeoPadBegin + d] == 0 && g[GeoPadEnd + d] == 0 && g[GeoOut + d] == g[GeoIn + d];
            int groups = (outChannels + PointwiseFilters - 1) / PointwiseFilters;
            if (!oneByOne || groupStarts.Length != groups + 1 || groupStarts[0] != 0 || groupStarts[groups] != channelOffsets.Length
                || groupWeights.Length != PointwiseFilters * channelOffsets.Length || (!bias.IsEmpty && bias.Length != outChannels))
                throw new ArgumentException("pointwise conv data and geometry disagree");
            for (int k = 0; k < groups; k++)
                if (groupStarts[k + 1] < groupStarts[k]) throw new ArgumentException("pointwise conv data and geometry disagree");
            for (int t = 0; t < channelOffsets.Length; t++)
                if (channelOffsets[t] < 0 || channelOffsets[t] > (inChannels - 1) * plane) throw new ArgumentException("pointwise conv channel outside the input");
            if (plane == 0) return;
            bool clamp = !float.IsNegativeInfinity(low) || !float.IsPositiveInfinity(high);
            Span<float> b = stackalloc float[PointwiseFilters];
            for (int n = 0; n < images; n++)
            {
                ref float input = ref MemoryMarshal.GetReference(x.Slice(n * inChannels * plane, inChannels * plane));
                for (int k = 0; k < groups; k++)
                {
                    int first = k * PointwiseFilters, count = Math.Min(PointwiseFilters, outChannels - first);
                    for (int f = 0; f < PointwiseFilters; f++) b[f] = f < count && !bias.IsEmpty ? bias[first + f] : 0f;
                    int t0 = groupStarts[k], taps = groupStarts[k + 1] - t0;
                    ReadOnlySpan<int> offsets = channelOffsets.Slice(t0, taps);
                    ReadOnlySpan<float> weights = groupWeights.Slice(PointwiseFilters * t0, PointwiseFilters * taps);
                    ref float output = ref MemoryMarshal.GetReference(y.Slice((n * outChannels + first) * plane, count * plane));
                    if (Vector512.IsHardwareAccelerated && plane >= Vector512<float>.Count)
                        PointwiseTile512(ref input, offsets, weights, b, ref output, plane, count, clamp, low, high);
                    else if (Vector256.IsHardwareAccelerated && plane >= Vector256<float>.Count)
                        PointwiseTile256(ref input, offsets, weights, b, ref output, plane, count, clamp, low, high);
                    else if (Vector128.IsHardwareAccelerated && plane >= Vector128<float>.Count)
                        PointwiseTile128(ref input, offsets, weights, b, ref output, plane, count, clamp, low, high);
                    else
                        PointwiseTileScalar(ref input, offsets, weights, b, ref output, plane, count, clamp, low, high);
                }
            }
        }

        private static void PointwiseTile512(ref float input, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            ref float y, int plane, int count, bool clamp, float low, float high)
        {
            const int V = 16;
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref float w = ref MemoryMarshal.GetReference(weights);
            int taps = offsets.Length;
            Vector512<float> b0 = Vector512.Create(bias[0]), b1 = Vector512.Create(bias[1]), b2 = Vector512.Create(bias[2]), b3 = Vector512.Create(bias[3]);
            Vector512<float> lo = Vector512.Create(low), hi = Vector512.Create(high);
            int j = 0;
            for (; j + 2 * V <= plane; j += 2 * V)
            {
                Vector512<float> a00 = b0, a01 = b0, a10 = b1, a11 = b1, a20 = b2, a21 = b2, a30 = b3, a31 = b3;
                for (int t = 0; t < taps; t++)
                {
                    ref float s = ref Unsafe.Add(ref input, Unsafe.Add(ref o, t) + j);
                    Vector512<float> x0 = Vector512.LoadUnsafe(ref s), x1 = Vector512.LoadUnsafe(ref s, V);
                    ref float wt = ref Unsafe.Add(ref w, PointwiseFilters * t);
                    var w0 = Vector512.Create(wt);
                    a00 = MulAdd(x0, w0, a00); a01 = MulAdd(x1, w0, a01);
                    var w1 = Vector512.Create(Unsafe.Add(ref wt, 1));
                    a10 = MulAdd(x0, w1, a10); a11 = MulAdd(x1, w1, a11);
                    var w2 = Vector512.Create(Unsafe.Add(ref wt, 2));
                    a20 = MulAdd(x0, w2, a20); a21 = MulAdd(x1, w2, a21);
                    var w3 = Vector512.Create(Unsafe.Add(ref wt, 3));
                    a30 = MulAdd(x0, w3, a30); a31 = MulAdd(x1, w3, a31);
                }
                PointwiseStore(a00, a01, ref y, j, clamp, lo, hi);
                if (count > 1) PointwiseStore(a10, a11, ref Unsafe.Add(ref y, plane), j, clamp, lo, hi);
                if (count > 2) PointwiseStore(a20, a21, ref Unsafe.Add(ref y, 2 * plane), j, clamp, lo, hi);
                if (count > 3) PointwiseStore(a30, a31, ref Unsafe.Add(ref y, 3 * plane), j, clamp, lo, hi);
            }
            for (; j < plane; j += V)
            {
                int at = Math.Min(j, plane - V);   // the last vector overlaps the one before
                Vector512<float> a0 = b0, a1 = b1, a2 = b2, a3 = b3;
                for (int t = 0; t < taps; t++)
                {
                    var xv = Vector512.LoadUnsafe(ref Unsafe.Add(ref input, Unsafe.Add(ref o, t) + at));
                    ref float wt = ref Unsafe.Add(ref w, PointwiseFilters * t);
                    a0 = MulAdd(xv, Vector512.Create(wt), a0);
                    a1 = MulAdd(xv, Vector512.Create(Unsafe.Add(ref wt, 1)), a1);
                    a2 = MulAdd(xv, Vector512.Create(Unsafe.Add(ref wt, 2)), a2);
                    a3 = MulAdd(xv, Vector512.Create(Unsafe.Add(ref wt, 3)), a3);
                }
                if (clamp) { a0 = Clamp(a0, lo, hi); a1 = Clamp(a1, lo, hi); a2 = Clamp(a2, lo, hi); a3 = Clamp(a3, lo, hi); }
                a0.StoreUnsafe(ref y, (nuint)at);
                if (count > 1) a1.StoreUnsafe(ref y, (nuint)(plane + at));
                if (count > 2) a2.StoreUnsafe(ref y, (nuint)(2 * plane + at));
                if (count > 3) a3.StoreUnsafe(ref y, (nuint)(3 * plane + at));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PointwiseStore(Vector512<float> a0, Vector512<float> a1, ref float y, int j, bool clamp, Vector512<float> lo, Vector512<float> hi)
        {
            if (clamp) { a0 = Clamp(a0, lo, hi); a1 = Clamp(a1, lo, hi); }
            a0.StoreUnsafe(ref y, (nuint)j);
            a1.StoreUnsafe(ref y, (nuint)(j + Vector512<float>.Count));
        }

        private static void PointwiseTile256(ref float input, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            ref float y, int plane, int count, bool clamp, float low, float high)
        {
            const int V = 8;
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref float w = ref MemoryMarshal.GetReference(weights);
            int taps = offsets.Length;
            Vector256<float> b0 = Vector256.Create(bias[0]), b1 = Vector256.Create(bias[1]), b2 = Vector256.Create(bias[2]), b3 = Vector256.Create(bias[3]);
            Vector256<float> lo = Vector256.Create(low), hi = Vector256.Create(high);
            int j = 0;
            for (; j + 2 * V <= plane; j += 2 * V)
            {
                Vector256<float> a00 = b0, a01 = b0, a10 = b1, a11 = b1, a20 = b2, a21 = b2, a30 = b3, a31 = b3;
                for (int t = 0; t < taps; t++)
                {
                    ref float s = ref Unsafe.Add(ref input, Unsafe.Add(ref o, t) + j);
                    Vector256<float> x0 = Vector256.LoadUnsafe(ref s), x1 = Vector256.LoadUnsafe(ref s, V);
                    ref float wt = ref Unsafe.Add(ref w, PointwiseFilters * t);
                    var w0 = Vector256.Create(wt);
                    a00 = MulAdd(x0, w0, a00); a01 = MulAdd(x1, w0, a01);
                    var w1 = Vector256.Create(Unsafe.Add(ref wt, 1));
                    a10 = MulAdd(x0, w1, a10); a11 = MulAdd(x1, w1, a11);
                    var w2 = Vector256.Create(Unsafe.Add(ref wt, 2));
                    a20 = MulAdd(x0, w2, a20); a21 = MulAdd(x1, w2, a21);
                    var w3 = Vector256.Create(Unsafe.Add(ref wt, 3));
                    a30 = MulAdd(x0, w3, a30); a31 = MulAdd(x1, w3, a31);
                }
                PointwiseStore(a00, a01, ref y, j, clamp, lo, hi);
                if (count > 1) PointwiseStore(a10, a11, ref Unsafe.Add(ref y, plane), j, clamp, lo, hi);
                if (count > 2) PointwiseStore(a20, a21, ref Unsafe.Add(ref y, 2 * plane), j, clamp, lo, hi);
                if (count > 3) PointwiseStore(a30, a31, ref Unsafe.Add(ref y, 3 * plane), j, clamp, lo, hi);
            }
            for (; j < plane; j += V)
            {
                int at = Math.Min(j, plane - V);   // the last vector overlaps the one before
                Vector256<float> a0 = b0, a1 = b1, a2 = b2, a3 = b3;
                for (int t = 0; t < taps; t++)
                {
                    var xv = Vector256.LoadUnsafe(ref Unsafe.Add(ref input, Unsafe.Add(ref o, t) + at));
                    ref float wt = ref Unsafe.Add(ref w, PointwiseFilters * t);
                    a0 = MulAdd(xv, Vector256.Create(wt), a0);
                    a1 = MulAdd(xv, Vector256.Create(Unsafe.Add(ref wt, 1)), a1);
                    a2 = MulAdd(xv, Vector256.Create(Unsafe.Add(ref wt, 2)), a2);
                    a3 = MulAdd(xv, Vector256.Create(Unsafe.Add(ref wt, 3)), a3);
                }
                if (clamp) { a0 = Clamp(a0, lo, hi); a1 = Clamp(a1, lo, hi); a2 = Clamp(a2, lo, hi); a3 = Clamp(a3, lo, hi); }
                a0.StoreUnsafe(ref y, (nuint)at);
                if (count > 1) a1.StoreUnsafe(ref y, (nuint)(plane + at));
                if (count > 2) a2.StoreUnsafe(ref y, (nuint)(2 * plane + at));
                if (count > 3) a3.StoreUnsafe(ref y, (nuint)(3 * plane + at));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PointwiseStore(Vector256<float> a0, Vector256<float> a1, ref float y, int j, bool clamp, Vector256<float> lo, Vector256<float> hi)
        {
            if (clamp) { a0 = Clamp(a0, lo, hi); a1 = Clamp(a1, lo, hi); }
            a0.StoreUnsafe(ref y, (nuint)j);
            a1.StoreUnsafe(ref y, (nuint)(j + Vector256<float>.Count));
        }

        private static void PointwiseTile128(ref float input, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            ref float y, int plane, int count, bool clamp, float low, float high)
        {
            const int V = 4;
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref float w = ref MemoryMarshal.GetReference(weights);
            int taps = offsets.Length;
            Vector128<float> b0 = Vector128.Create(bias[0]), b1 = Vector128.Create(bias[1]), b2 = Vector128.Create(bias[2]), b3 = Vector128.Create(bias[3]);
            Vector128<float> lo = Vector128.Create(low), hi = Vector128.Create(high);
            int j = 0;
            for (; j + 2 * V <= plane; j += 2 * V)
            {
                Vector128<float> a00 = b0, a01 = b0, a10 = b1, a11 = b1, a20 = b2, a21 = b2, a30 = b3, a31 = b3;
                for (int t = 0; t < taps; t++)
                {
                    ref float s = ref Unsafe.Add(ref input, Unsafe.Add(ref o, t) + j);
                    Vector128<float> x0 = Vector128.LoadUnsafe(ref s), x1 = Vector128.LoadUnsafe(ref s, V);
                    ref float wt = ref Unsafe.Add(ref w, PointwiseFilters * t);
                    var w0 = Vector128.Create(wt);
                    a00 = MulAdd(x0, w0, a00); a01 = MulAdd(x1, w0, a01);
                    var w1 = Vector128.Create(Unsafe.Add(ref wt, 1));
                    a10 = MulAdd(x0, w1, a10); a11 = MulAdd(x1, w1, a11);
                    var w2 = Vector128.Create(Unsafe.Add(ref wt, 2));
                    a20 = MulAdd(x0, w2, a20); a21 = MulAdd(x1, w2, a21);
                    var w3 = Vector128.Create(Unsafe.Add(ref wt, 3));
                    a30 = MulAdd(x0, w3, a30); a31 = MulAdd(x1, w3, a31);
                }
                PointwiseStore(a00, a01, ref y, j, clamp, lo, hi);
                if (count > 1) PointwiseStore(a10, a11, ref Unsafe.Add(ref y, plane), j, clamp, lo, hi);
                if (count > 2) PointwiseStore(a20, a21, ref Unsafe.Add(ref y, 2 * plane), j, clamp, lo, hi);
                if (count > 3) PointwiseStore(a30, a31, ref Unsafe.Add(ref y, 3 * plane), j, clamp, lo, hi);
            }
            for (; j < plane; j += V)
            {
                int at = Math.Min(j, plane - V);   // the last vector overlaps the one before
                Vector128<float> a0 = b0, a1 = b1, a2 = b2, a3 = b3;
                for (int t = 0; t < taps; t++)
                {
                    var xv = Vector128.LoadUnsafe(ref Unsafe.Add(ref input, Unsafe.Add(ref o, t) + at));
                    ref float wt = ref Unsafe.Add(ref w, PointwiseFilters * t);
                    a0 = MulAdd(xv, Vector128.Create(wt), a0);
                    a1 = MulAdd(xv, Vector128.Create(Unsafe.Add(ref wt, 1)), a1);
                    a2 = MulAdd(xv, Vector128.Create(Unsafe.Add(ref wt, 2)), a2);
                    a3 = MulAdd(xv, Vector128.Create(Unsafe.Add(ref wt, 3)), a3);
                }
                if (clamp) { a0 = Clamp(a0, lo, hi); a1 = Clamp(a1, lo, hi); a2 = Clamp(a2, lo, hi); a3 = Clamp(a3, lo, hi); }
                a0.StoreUnsafe(ref y, (nuint)at);
                if (count > 1) a1.StoreUnsafe(ref y, (nuint)(plane + at));
                if (count > 2) a2.StoreUnsafe(ref y, (nuint)(2 * plane + at));
                if (count > 3) a3.StoreUnsafe(ref y, (nuint)(3 * plane + at));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PointwiseStore(Vector128<float> a0, Vector128<float> a1, ref float y, int j, bool clamp, Vector128<float> lo, Vector128<float> hi)
        {
            if (clamp) { a0 = Clamp(a0, lo, hi); a1 = Clamp(a1, lo, hi); }
            a0.StoreUnsafe(ref y, (nuint)j);
            a1.StoreUnsafe(ref y, (nuint)(j + Vector128<float>.Count));
        }

        /// <summary>No SIMD, or a plane narrower than four positions.</summary>
        private static void PointwiseTileScalar(ref float input, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            ref float y, int plane, int count, bool clamp, float low, float high)
        {
            for (int f = 0; f < count; f++)
                for (int q = 0; q < plane; q++)
                {
                    float a = bias[f];
                    for (int t = 0; t < offsets.Length; t++) a += weights[PointwiseFilters * t + f] * Unsafe.Add(ref input, offsets[t] + q);
                    if (clamp)
                    {
                        if (a < low) a = low;
                        if (a > high) a = high;
                    }
                    Unsafe.Add(ref y, f * plane + q) = a;
                }
        }
    }
}
