// PrunedCodegen runtime kernel: pointwise (1x1) convolution over a channels-last (NHWC) input, vectorised across filters
// (appended to Kernels.cs in the emitted source): the partner of ConvDepthwiseChannels inside a depthwise-separable chain
// kept channels-last between its convolutions.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>The per-thread channels-last output of <see cref="ConvPointwiseChannelsLast"/> when it writes NCHW.</summary>
        [ThreadStatic] private static float[]? t_pointwiseChannelsLastOut;

        /// <summary>
        /// y[n][p][f] = act(bias[f] + sum over c of x[n][p][c] * weights[c][f]) for every image n, position p &lt;
        /// <paramref name="positions"/>, filter f &lt; <paramref name="filters"/>: x is channels-last [images][positions][channels];
        /// <paramref name="weights"/> is [channels][filters] (zeros included). Register tiles of 6 positions x 2 vectors of
        /// filters (12 accumulators: fits the 16 registers of AVX2 and SSE, half of AVX-512's 32): per input channel 2 loads
        /// of weights and 6 broadcasts of inputs for 12 FMAs. The last tile of positions and the last vector of filters
        /// overlap the ones before (computed twice, identically); fewer filters than a vector: the next narrower width.
        /// act = min(max(y, low), high) with NaN kept, when clamp. <paramref name="outputChannelsLast"/>: y is
        /// [images][positions][filters], else NCHW [images][filters][positions] (transposed from the per-thread output).
        /// </summary>
        public static void ConvPointwiseChannelsLast(ReadOnlySpan<float> x, Span<float> y, int images, int positions, int channels, int filters,
            ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, bool clamp, float low, float high, bool outputChannelsLast)
        {
            if (images < 0 || positions < 0 || channels < 1 || filters < 1 || weights.Length != channels * filters || (!bias.IsEmpty && bias.Length != filters)
                || x.Length < (long)images * positions * channels || y.Length < (long)images * positions * filters)
                throw new ArgumentException("pointwise channels-last conv data and shape disagree");
            if (images == 0 || positions == 0) return;
            float[]? hwc = null;
            if (!outputChannelsLast)
                hwc = t_pointwiseChannelsLastOut is { } o && o.Length >= positions * filters ? o : (t_pointwiseChannelsLastOut = new float[positions * filters]);
            for (int n = 0; n < images; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * positions * channels, positions * channels);
                Span<float> dst = outputChannelsLast ? y.Slice(n * positions * filters, positions * filters) : hwc.AsSpan(0, positions * filters);
                if (Vector512.IsHardwareAccelerated && filters >= Vector512<float>.Count)
                    PointwiseChannelsLast<Width512, Vector512<float>>(image, dst, positions, channels, filters, weights, bias, clamp, low, high);
                else if (Vector256.IsHardwareAccelerated && filters >= Vector256<float>.Count)
                    PointwiseChannelsLast<Width256, Vector256<float>>(image, dst, positions, channels, filters, weights, bias, clamp, low, high);
                else if (Vector128.IsHardwareAccelerated && filters >= Vector128<float>.Count)
                    PointwiseChannelsLast<Width128, Vector128<float>>(image, dst, positions, channels, filters, weights, bias, clamp, low, high);
                else
                    PointwiseChannelsLast<ScalarWidth, float>(image, dst, positions, channels, filters, weights, bias, clamp, low, high);
                if (!outputChannelsLast) ChannelsLastToPlanes(dst, y.Slice(n * positions * filters, positions * filters), filters, positions);
            }
        }

        /// <summary><see cref="ConvPointwiseChannelsLast"/> for one image at one width W, channels-last out (tests run every width on any machine).</summary>
        internal static void ConvPointwiseChannelsLastAt<W, V>(ReadOnlySpan<float> x, Span<float> y, int positions, int channels, int filters,
            ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, bool clamp, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            if (filters < W.Count || weights.Length != channels * filters || x.Length < positions * channels || y.Length < positions * filters)
                throw new ArgumentException("pointwise channels-last operand sizes disagree");
            PointwiseChannelsLast<W, V>(x, y, positions, channels, filters, weights, bias, clamp, low, high);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PointwiseChannelsLast<W, V>(ReadOnlySpan<float> x, Span<float> y, int positions, int channels, int filters,
            ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, bool clamp, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int n = W.Count;
            V lo = W.Broadcast(low), hi = W.Broadcast(high);
            ref float x0 = ref MemoryMarshal.GetReference(x);
            ref float y0 = ref MemoryMarshal.GetReference(y);
            ref float w0 = ref MemoryMarshal.GetReference(weights);
            ref float b0 = ref MemoryMarshal.GetReference(bias);
            nint cs = channels, fs = filters;
            for (int f = 0; f < filters; f += 2 * n)
            {
                // Two vectors of filters where they fit (the second overlapping the first when fewer than 2n remain), else one.
                bool two = filters >= 2 * n;
                int fa = two ? Math.Min(f, filters - 2 * n) : Math.Min(f, filters - n), fb = fa + n;
                V ba = bias.IsEmpty ? W.Zero : W.Load(ref b0, (nuint)fa);
                V bb = two && !bias.IsEmpty ? W.Load(ref b0, (nuint)fb) : W.Zero;
                ref float wa = ref Unsafe.Add(ref w0, fa);
                if (!two && f + n < filters) f -= n;   // one vector per step: advance by n, not 2n
                for (int p = 0; p < positions; p += 6)
                {
                    if (positions >= 6)
                    {
                        int q = Math.Min(p, positions - 6);   // the last tile overlaps the one before
                        ref float xr = ref Unsafe.Add(ref x0, q * cs);
                        V a0 = ba, a1 = ba, a2 = ba, a3 = ba, a4 = ba, a5 = ba;
                        V c0 = bb, c1 = bb, c2 = bb, c3 = bb, c4 = bb, c5 = bb;
                        if (two)
                        {
                            for (int c = 0; c < channels; c++)
                            {
                                ref float wc = ref Unsafe.Add(ref wa, c * fs);
                                V wv = W.Load(ref wc), wu = W.Load(ref wc, (nuint)n);
                                ref float xc = ref Unsafe.Add(ref xr, c);
                                V v = W.Broadcast(xc); a0 = W.MulAdd(v, wv, a0); c0 = W.MulAdd(v, wu, c0);
                                v = W.Broadcast(Unsafe.Add(ref xc, cs)); a1 = W.MulAdd(v, wv, a1); c1 = W.MulAdd(v, wu, c1);
                                v = W.Broadcast(Unsafe.Add(ref xc, 2 * cs)); a2 = W.MulAdd(v, wv, a2); c2 = W.MulAdd(v, wu, c2);
                                v = W.Broadcast(Unsafe.Add(ref xc, 3 * cs)); a3 = W.MulAdd(v, wv, a3); c3 = W.MulAdd(v, wu, c3);
                                v = W.Broadcast(Unsafe.Add(ref xc, 4 * cs)); a4 = W.MulAdd(v, wv, a4); c4 = W.MulAdd(v, wu, c4);
                                v = W.Broadcast(Unsafe.Add(ref xc, 5 * cs)); a5 = W.MulAdd(v, wv, a5); c5 = W.MulAdd(v, wu, c5);
                            }
                        }
                        else
                        {
                            for (int c = 0; c < channels; c++)
                            {
                                V wv = W.Load(ref Unsafe.Add(ref wa, c * fs));
                                ref float xc = ref Unsafe.Add(ref xr, c);
                                a0 = W.MulAdd(W.Broadcast(xc), wv, a0);
                                a1 = W.MulAdd(W.Broadcast(Unsafe.Add(ref xc, cs)), wv, a1);
                                a2 = W.MulAdd(W.Broadcast(Unsafe.Add(ref xc, 2 * cs)), wv, a2);
                                a3 = W.MulAdd(W.Broadcast(Unsafe.Add(ref xc, 3 * cs)), wv, a3);
                                a4 = W.MulAdd(W.Broadcast(Unsafe.Add(ref xc, 4 * cs)), wv, a4);
                                a5 = W.MulAdd(W.Broadcast(Unsafe.Add(ref xc, 5 * cs)), wv, a5);
                            }
                        }
                        if (clamp)
                        {
                            a0 = W.Clamp(a0, lo, hi); a1 = W.Clamp(a1, lo, hi); a2 = W.Clamp(a2, lo, hi); a3 = W.Clamp(a3, lo, hi); a4 = W.Clamp(a4, lo, hi); a5 = W.Clamp(a5, lo, hi);
                            c0 = W.Clamp(c0, lo, hi); c1 = W.Clamp(c1, lo, hi); c2 = W.Clamp(c2, lo, hi); c3 = W.Clamp(c3, lo, hi); c4 = W.Clamp(c4, lo, hi); c5 = W.Clamp(c5, lo, hi);
                        }
                        ref float yr = ref Unsafe.Add(ref y0, q * fs + fa);
                        W.Store(a0, ref yr); W.Store(a1, ref yr, (nuint)fs); W.Store(a2, ref yr, (nuint)(2 * fs));
                        W.Store(a3, ref yr, (nuint)(3 * fs)); W.Store(a4, ref yr, (nuint)(4 * fs)); W.Store(a5, ref yr, (nuint)(5 * fs));
                        if (two)
                        {
                            W.Store(c0, ref yr, (nuint)n); W.Store(c1, ref yr, (nuint)(fs + n)); W.Store(c2, ref yr, (nuint)(2 * fs + n));
                            W.Store(c3, ref yr, (nuint)(3 * fs + n)); W.Store(c4, ref yr, (nuint)(4 * fs + n)); W.Store(c5, ref yr, (nuint)(5 * fs + n));
                        }
                    }
                    else
                    {
                        // Fewer than 6 positions: one at a time.
                        for (int q = p; q < positions; q++)
                        {
                            ref float xr = ref Unsafe.Add(ref x0, q * cs);
                            V a = ba, b = bb;
                            for (int c = 0; c < channels; c++)
                            {
                                ref float wc = ref Unsafe.Add(ref wa, c * fs);
                                V v = W.Broadcast(Unsafe.Add(ref xr, c));
                                a = W.MulAdd(v, W.Load(ref wc), a);
                                if (two) b = W.MulAdd(v, W.Load(ref wc, (nuint)n), b);
                            }
                            if (clamp) { a = W.Clamp(a, lo, hi); b = W.Clamp(b, lo, hi); }
                            ref float yr = ref Unsafe.Add(ref y0, q * fs + fa);
                            W.Store(a, ref yr);
                            if (two) W.Store(b, ref yr, (nuint)n);
                        }
                        break;
                    }
                }
            }
        }
    }
}
