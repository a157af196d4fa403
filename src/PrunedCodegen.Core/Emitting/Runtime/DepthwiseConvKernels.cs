// PrunedCodegen runtime kernel: depthwise convolution, one input channel per filter (appended to Kernels.cs in the
// emitted source). Same geometry table and tap lists as ConvKernels.cs.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>
        /// Depthwise convolution (group = input channels; filter m reads channel m / multiplier, where multiplier =
        /// out channels / in channels). Filters are tap lists as for <see cref="ConvTaps"/>: zero taps are absent, and a
        /// channel none of whose filters has a tap is never loaded. Per channel, the input plane is staged once with its
        /// W padding made explicit and, for stride sW &gt; 1, split into sW phases (phase p holds padded columns p, p+sW, ...),
        /// so every tap of every output row is one contiguous unaligned load per vector of outputs. Per output row, the
        /// taps whose input row lies inside the input (D/H padding is skipped, not multiplied) are used: interior rows
        /// (every tap inside) take the filter's tap offsets from the window origin as they are, border rows a list of the
        /// taps inside; the row is then computed in registers (bias, one broadcast-weight FMA per tap, the fused clamp) and
        /// stored once: two accumulators per step of two vectors, the last vector overlapping the one before instead of
        /// a scalar tail. Widest vector that fits the row: Vector512, 256, 128, else scalar. The fused activation is
        /// y = min(max(y, low), high) with NaN kept (ReLU: low 0, high +inf; Clip: its bounds; none: both infinite).
        /// </summary>
        public static void ConvDepthwise(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> tapWeights, ReadOnlySpan<int> taps, ReadOnlySpan<int> filterStarts, float low, float high)
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], inChannels = g[GeoInChannels], outChannels = g[GeoOutChannels];
            int inD = g[GeoIn], inH = g[GeoIn + 1], inW = g[GeoIn + 2], outD = g[GeoOut], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int kD = g[GeoKernel], kH = g[GeoKernel + 1], kW = g[GeoKernel + 2];
            int sD = g[GeoStride], sH = g[GeoStride + 1], sW = g[GeoStride + 2];
            int dD = g[GeoDilation], dH = g[GeoDilation + 1], dW = g[GeoDilation + 2];
            int padD = g[GeoPadBegin], padH = g[GeoPadBegin + 1], padW = g[GeoPadBegin + 2];
            int inPlane = inD * inH * inW, outPlane = outD * outH * outW, volume = kD * kH * kW;
            int pW = inW + padW + g[GeoPadEnd + 2];
            if (inChannels < 1 || outChannels % inChannels != 0 || filterStarts.Length != outChannels + 1 || filterStarts[0] != 0 || filterStarts[outChannels] != tapWeights.Length
                || taps.Length != 4 * tapWeights.Length || (!bias.IsEmpty && bias.Length != outChannels) || volume > MaxConvColumn
                || sW * (outW - 1) + (kW - 1) * dW >= pW)
                throw new ArgumentException("depthwise conv data and geometry disagree");
            int multiplier = outChannels / inChannels;
            for (int m = 0; m < outChannels; m++)
            {
                int t0 = filterStarts[m], t1 = filterStarts[m + 1];
                if (t1 < t0 || t1 - t0 > volume) throw new ArgumentException("depthwise conv data and geometry disagree");
                for (int t = t0; t < t1; t++)
                    if (taps[4 * t] != m / multiplier || (uint)taps[4 * t + 1] >= (uint)kD || (uint)taps[4 * t + 2] >= (uint)kH || (uint)taps[4 * t + 3] >= (uint)kW)
                        throw new ArgumentException("depthwise conv tap outside its channel's window");
            }
            // Rows are read straight from x when there is no W padding and stride 1; else from the staged plane.
            bool direct = sW == 1 && pW == inW;
            int phaseLength = (pW + sW - 1) / sW, rowLength = direct ? inW : sW * phaseLength;
            long staged = direct ? 0 : (long)inD * inH * rowLength;
            if (staged > MaxPaddedInput) throw new ArgumentException("depthwise conv input plane too large to stage");
            Span<float> stage = stackalloc float[(int)staged];
            stage.Clear();   // the padding columns stay zero: only real columns are ever written
            Span<int> offsets = stackalloc int[volume];
            Span<int> tapOffsets = stackalloc int[volume];
            Span<float> weights = stackalloc float[volume];
            offsets.Clear(); tapOffsets.Clear(); weights.Clear();   // explicit, as the stack's zeroing was before [SkipLocalsInit]
            bool clamp = !float.IsNegativeInfinity(low) || !float.IsPositiveInfinity(high);
            for (int n = 0; n < images; n++)
                for (int c = 0; c < inChannels; c++)
                {
                    int first = c * multiplier;
                    ReadOnlySpan<float> plane = x.Slice((n * inChannels + c) * inPlane, inPlane);
                    if (!direct && filterStarts[first + multiplier] != filterStarts[first])
                        StageDepthwisePlane(plane, stage, inD * inH, inW, padW, sW, phaseLength, rowLength);
                    ref float source = ref direct ? ref MemoryMarshal.GetReference(plane) : ref MemoryMarshal.GetReference(stage);
                    for (int m = first; m < first + multiplier; m++)
                    {
                        float b = bias.IsEmpty ? 0f : bias[m];
                        ref float output = ref MemoryMarshal.GetReference(y.Slice((n * outChannels + m) * outPlane, outPlane));
                        // Each tap's offset from its output row's window origin, and the tap rows' reach (D and H), which tells
                        // interior output rows (every tap inside the input: no per-tap test) from border ones.
                        int t0 = filterStarts[m], taps0 = filterStarts[m + 1] - t0;
                        int reachD0 = int.MaxValue, reachD1 = int.MinValue, reachH0 = int.MaxValue, reachH1 = int.MinValue;
                        for (int t = 0; t < taps0; t++)
                        {
                            int kd = taps[4 * (t0 + t) + 1] * dD, kh = taps[4 * (t0 + t) + 2] * dH, shift = taps[4 * (t0 + t) + 3] * dW;
                            tapOffsets[t] = (kd * inH + kh) * rowLength + shift % sW * phaseLength + shift / sW;
                            reachD0 = Math.Min(reachD0, kd); reachD1 = Math.Max(reachD1, kd); reachH0 = Math.Min(reachH0, kh); reachH1 = Math.Max(reachH1, kh);
                        }
                        ReadOnlySpan<int> filterOffsets = tapOffsets.Slice(0, taps0);
                        ReadOnlySpan<float> filterWeights = tapWeights.Slice(t0, taps0);
                        for (int od = 0; od < outD; od++)
                            for (int oh = 0; oh < outH; oh++)
                            {
                                int d0 = od * sD - padD, h0 = oh * sH - padH;
                                ref float row = ref Unsafe.Add(ref output, (od * outH + oh) * outW);
                                if (taps0 == 0 || (d0 + reachD0 >= 0 && d0 + reachD1 < inD && h0 + reachH0 >= 0 && h0 + reachH1 < inH))
                                {
                                    // Interior row: every tap, offsets relative to the window origin (d0, h0), which may lie in the padding.
                                    DepthwiseRow(ref source, (d0 * inH + h0) * rowLength, filterOffsets, filterWeights, b, ref row, outW, clamp, low, high);
                                    continue;
                                }
                                // Border row: only the taps whose input row is inside the input, as absolute offsets.
                                int count = 0;
                                for (int t = 0; t < taps0; t++)
                                {
                                    int id = d0 + taps[4 * (t0 + t) + 1] * dD, ih = h0 + taps[4 * (t0 + t) + 2] * dH;
                                    if ((uint)id >= (uint)inD || (uint)ih >= (uint)inH) continue;
                                    int shift = taps[4 * (t0 + t) + 3] * dW;
                                    offsets[count] = (id * inH + ih) * rowLength + shift % sW * phaseLength + shift / sW;
                                    weights[count++] = filterWeights[t];
                                }
                                DepthwiseRow(ref source, 0, offsets.Slice(0, count), weights.Slice(0, count), b, ref row, outW, clamp, low, high);
                            }
                    }
                }
        }

        /// <summary>Copies each input row into the stage at its padded position, padded column q going to phase q % sW, slot q / sW.</summary>
        private static void StageDepthwisePlane(ReadOnlySpan<float> plane, Span<float> stage, int rows, int inW, int padW, int sW, int phaseLength, int rowLength)
        {
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> source = plane.Slice(r * inW, inW);
                Span<float> row = stage.Slice(r * rowLength, rowLength);
                if (sW == 1)
                {
                    source.CopyTo(row.Slice(padW));
                    continue;
                }
                // Phase p holds padded columns p, p + sW, ...: input columns p - padW + i * sW.
                for (int p = 0; p < sW; p++)
                {
                    Span<float> phase = row.Slice(p * phaseLength, phaseLength);
                    int iw = p - padW, i = 0;
                    for (; iw < 0; iw += sW) i++;
                    for (; iw < inW && i < phaseLength; iw += sW, i++) phase[i] = source[iw];
                }
            }
        }

        /// <summary>One output row: y[ow] = clamp(bias + sum over taps t of weights[t] * source[origin + offsets[t] + ow]) for ow in [0, count).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void DepthwiseRow(ref float source, int origin, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, float bias,
            ref float y, int count, bool clamp, float low, float high)
        {
            if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
                DepthwiseRow512(ref source, origin, offsets, weights, bias, ref y, count, clamp, low, high);
            else if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
                DepthwiseRow256(ref source, origin, offsets, weights, bias, ref y, count, clamp, low, high);
            else if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
                DepthwiseRow128(ref source, origin, offsets, weights, bias, ref y, count, clamp, low, high);
            else
                DepthwiseRowScalar(ref source, origin, offsets, weights, bias, ref y, count, clamp, low, high);
        }

        private static void DepthwiseRow512(ref float source, int origin, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, float bias,
            ref float y, int count, bool clamp, float low, float high)
        {
            const int V = 16;
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref float w = ref MemoryMarshal.GetReference(weights);
            int taps = offsets.Length;
            Vector512<float> b = Vector512.Create(bias), lo = Vector512.Create(low), hi = Vector512.Create(high);
            int j = 0;
            for (; j + 2 * V <= count; j += 2 * V)
            {
                Vector512<float> a0 = b, a1 = b;
                for (int t = 0; t < taps; t++)
                {
                    ref float s = ref Unsafe.Add(ref source, origin + Unsafe.Add(ref o, t) + j);
                    var wv = Vector512.Create(Unsafe.Add(ref w, t));
                    a0 = MulAdd(Vector512.LoadUnsafe(ref s), wv, a0);
                    a1 = MulAdd(Vector512.LoadUnsafe(ref s, V), wv, a1);
                }
                if (clamp) { a0 = Clamp(a0, lo, hi); a1 = Clamp(a1, lo, hi); }
                a0.StoreUnsafe(ref y, (nuint)j);
                a1.StoreUnsafe(ref y, (nuint)(j + V));
            }
            for (; j < count; j += V)
            {
                int at = Math.Min(j, count - V);   // the last vector overlaps the one before
                Vector512<float> a = b;
                for (int t = 0; t < taps; t++)
                    a = MulAdd(Vector512.LoadUnsafe(ref Unsafe.Add(ref source, origin + Unsafe.Add(ref o, t) + at)), Vector512.Create(Unsafe.Add(ref w, t)), a);
                if (clamp) a = Clamp(a, lo, hi);
                a.StoreUnsafe(ref y, (nuint)at);
            }
        }

        private static void DepthwiseRow256(ref float source, int origin, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, float bias,
            ref float y, int count, bool clamp, float low, float high)
        {
            const int V = 8;
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref float w = ref MemoryMarshal.GetReference(weights);
            int taps = offsets.Length;
            Vector256<float> b = Vector256.Create(bias), lo = Vector256.Create(low), hi = Vector256.Create(high);
            int j = 0;
            for (; j + 2 * V <= count; j += 2 * V)
            {
                Vector256<float> a0 = b, a1 = b;
                for (int t = 0; t < taps; t++)
                {
                    ref float s = ref Unsafe.Add(ref source, origin + Unsafe.Add(ref o, t) + j);
                    var wv = Vector256.Create(Unsafe.Add(ref w, t));
                    a0 = MulAdd(Vector256.LoadUnsafe(ref s), wv, a0);
                    a1 = MulAdd(Vector256.LoadUnsafe(ref s, V), wv, a1);
                }
                if (clamp) { a0 = Clamp(a0, lo, hi); a1 = Clamp(a1, lo, hi); }
                a0.StoreUnsafe(ref y, (nuint)j);
                a1.StoreUnsafe(ref y, (nuint)(j + V));
            }
            for (; j < count; j += V)
            {
                int at = Math.Min(j, count - V);
                Vector256<float> a = b;
                for (int t = 0; t < taps; t++)
                    a = MulAdd(Vector256.LoadUnsafe(ref Unsafe.Add(ref source, origin + Unsafe.Add(ref o, t) + at)), Vector256.Create(Unsafe.Add(ref w, t)), a);
                if (clamp) a = Clamp(a, lo, hi);
                a.StoreUnsafe(ref y, (nuint)at);
            }
        }

        private static void DepthwiseRow128(ref float source, int origin, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, float bias,
            ref float y, int count, bool clamp, float low, float high)
        {
            const int V = 4;
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref float w = ref MemoryMarshal.GetReference(weights);
            int taps = offsets.Length;
            Vector128<float> b = Vector128.Create(bias), lo = Vector128.Create(low), hi = Vector128.Create(high);
            int j = 0;
            for (; j + 2 * V <= count; j += 2 * V)
            {
                Vector128<float> a0 = b, a1 = b;
                for (int t = 0; t < taps; t++)
                {
                    ref float s = ref Unsafe.Add(ref source, origin + Unsafe.Add(ref o, t) + j);
                    var wv = Vector128.Create(Unsafe.Add(ref w, t));
                    a0 = MulAdd(Vector128.LoadUnsafe(ref s), wv, a0);
                    a1 = MulAdd(Vector128.LoadUnsafe(ref s, V), wv, a1);
                }
                if (clamp) { a0 = Clamp(a0, lo, hi); a1 = Clamp(a1, lo, hi); }
                a0.StoreUnsafe(ref y, (nuint)j);
                a1.StoreUnsafe(ref y, (nuint)(j + V));
            }
            for (; j < count; j += V)
            {
                int at = Math.Min(j, count - V);
                Vector128<float> a = b;
                for (int t = 0; t < taps; t++)
                    a = MulAdd(Vector128.LoadUnsafe(ref Unsafe.Add(ref source, origin + Unsafe.Add(ref o, t) + at)), Vector128.Create(Unsafe.Add(ref w, t)), a);
                if (clamp) a = Clamp(a, lo, hi);
                a.StoreUnsafe(ref y, (nuint)at);
            }
        }

        /// <summary>No SIMD, or a row narrower than four outputs.</summary>
        private static void DepthwiseRowScalar(ref float source, int origin, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, float bias,
            ref float y, int count, bool clamp, float low, float high)
        {
            for (int ow = 0; ow < count; ow++)
            {
                float a = bias;
                for (int t = 0; t < offsets.Length; t++) a += weights[t] * Unsafe.Add(ref source, origin + offsets[t] + ow);
                if (clamp)
                {
                    if (a < low) a = low;
                    if (a > high) a = high;
                }
                Unsafe.Add(ref y, ow) = a;
            }
        }

        // Clamps that keep NaN (comparisons with NaN are false), as min(max(v, low), high) does in ONNX.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Clamp(Vector512<float> v, Vector512<float> low, Vector512<float> high)
        {
            v = Vector512.ConditionalSelect(Vector512.LessThan(v, low), low, v);
            return Vector512.ConditionalSelect(Vector512.GreaterThan(v, high), high, v);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Clamp(Vector256<float> v, Vector256<float> low, Vector256<float> high)
        {
            v = Vector256.ConditionalSelect(Vector256.LessThan(v, low), low, v);
            return Vector256.ConditionalSelect(Vector256.GreaterThan(v, high), high, v);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Clamp(Vector128<float> v, Vector128<float> low, Vector128<float> high)
        {
            v = Vector128.ConditionalSelect(Vector128.LessThan(v, low), low, v);
            return Vector128.ConditionalSelect(Vector128.GreaterThan(v, high), high, v);
        }
    }
}
