// PrunedCodegen runtime kernel: depthwise convolution (one filter per channel) of any map size over whole padded planes
// (appended to Kernels.cs in the emitted source). Same geometry table as ConvKernels.cs.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>The per-thread staged planes and flat output of <see cref="ConvDepthwisePlanes"/>: grown once to the largest layer.</summary>
        [ThreadStatic] private static float[]? t_depthwiseStage;
        [ThreadStatic] private static float[]? t_depthwiseFlat;

        /// <summary>
        /// Depthwise convolution with one filter per channel (group = in = out channels), 1-D or 2-D, any map size, stride,
        /// dilation and padding; <paramref name="weights"/> is [channel][kH x kW] (zeros included: they are skipped here).
        /// Per channel, the input is staged into the per-thread buffer as sH x sW stride-phase planes of its zero-padded
        /// plane (padded (r, c) goes to plane (r % sH, c % sW) at row r / sH, column c / sW, each plane row
        /// <c>phase</c> = outW + (kW - 1) dW / sW floats), so that output (oh, ow) reads, for tap (kh, kw), one float at
        /// flat position oh * phase + ow plus a constant offset: the whole output plane, with its phase - outW garbage
        /// columns per row, is one run of vectors with no border test anywhere (the padding is zeros in the stage, written
        /// once per call). Per vector pair: 2 loads and 2 FMAs per nonzero tap with the taps' weights broadcast once per
        /// channel (3x3: the 9 weights held in registers); bias seeds the accumulators; y = min(max(y, low), high) with NaN
        /// kept is applied in the store (ReLU: 0, +inf; Clip: its bounds; none: both infinite). The flat output is then
        /// copied row by row into y (or written in place when phase = outW). A channel with no nonzero tap is its clamped
        /// bias. Widest vector that fits the flat plane: Vector512, 256, 128, else scalar.
        /// </summary>
        public static void ConvDepthwisePlanes(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> weights, float low, float high)
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], channels = g[GeoInChannels];
            int inH = g[GeoIn + 1], inW = g[GeoIn + 2], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int kH = g[GeoKernel + 1], kW = g[GeoKernel + 2], sH = g[GeoStride + 1], sW = g[GeoStride + 2];
            int dH = g[GeoDilation + 1], dW = g[GeoDilation + 2], padH = g[GeoPadBegin + 1], padW = g[GeoPadBegin + 2];
            int volume = kH * kW;
            if (g[GeoOutChannels] != channels || g[GeoIn] != 1 || g[GeoOut] != 1 || g[GeoKernel] != 1 || weights.Length != channels * volume
                || (!bias.IsEmpty && bias.Length != channels) || sH < 1 || sW < 1 || dH < 1 || dW < 1 || padH < 0 || padW < 0 || volume > MaxConvColumn)
                throw new ArgumentException("depthwise plane conv data and geometry disagree");
            int inPlane = inH * inW, outPlane = outH * outW;
            if (outPlane == 0 || images == 0) return;
            int phase = outW + (kW - 1) * dW / sW, rows = outH + (kH - 1) * dH / sH;
            long planeLength = (long)rows * phase, stagedLong = sH * sW * planeLength + phase + 64, flatLong = (long)outH * phase + 64;
            if (stagedLong > int.MaxValue / 2) throw new ArgumentException("depthwise plane conv input plane too large to stage");
            int staged = (int)stagedLong, total = outH * phase;
            float[] stage = t_depthwiseStage is { } s && s.Length >= staged ? s : (t_depthwiseStage = new float[staged]);
            bool inPlace = phase == outW;
            float[] flat = inPlace ? stage : t_depthwiseFlat is { } f && f.Length >= flatLong ? f : (t_depthwiseFlat = new float[flatLong]);
            stage.AsSpan(0, staged).Clear();   // the padding stays zero: only real input positions are written below
            Span<int> offsets = stackalloc int[volume];
            Span<float> tapWeights = stackalloc float[volume];
            offsets.Clear(); tapWeights.Clear();   // explicit, as the stack's zeroing was before [SkipLocalsInit]
            bool clamp = !float.IsNegativeInfinity(low) || !float.IsPositiveInfinity(high);
            for (int n = 0; n < images; n++)
                for (int c = 0; c < channels; c++)
                {
                    float b = bias.IsEmpty ? 0f : bias[c];
                    Span<float> output = y.Slice((n * channels + c) * outPlane, outPlane);
                    int count = 0;
                    for (int kh = 0; kh < kH; kh++)
                        for (int kw = 0; kw < kW; kw++)
                        {
                            float w = weights[c * volume + kh * kW + kw];
                            if (w == 0f) continue;
                            int shiftH = kh * dH, shiftW = kw * dW;
                            offsets[count] = checked((int)((shiftH % sH * sW + shiftW % sW) * planeLength + shiftH / sH * phase + shiftW / sW));
                            tapWeights[count++] = w;
                        }
                    if (count == 0)
                    {
                        float v = clamp ? ClampScalar(b, low, high) : b;
                        output.Fill(v);
                        continue;
                    }
                    StageDepthwisePlanes(x.Slice((n * channels + c) * inPlane, inPlane), stage, inH, inW, padH, padW, sH, sW, rows, phase, planeLength);
                    ref float src = ref MemoryMarshal.GetArrayDataReference(stage);
                    ref float dst = ref inPlace ? ref MemoryMarshal.GetReference(output) : ref MemoryMarshal.GetArrayDataReference(flat);
                    ReadOnlySpan<int> o = offsets.Slice(0, count);
                    ReadOnlySpan<float> w9 = tapWeights.Slice(0, count);
                    if (Vector512.IsHardwareAccelerated && total >= Vector512<float>.Count)
                        DepthwisePlane<Width512, Vector512<float>>(ref src, o, w9, b, ref dst, total, clamp, low, high);
                    else if (Vector256.IsHardwareAccelerated && total >= Vector256<float>.Count)
                        DepthwisePlane<Width256, Vector256<float>>(ref src, o, w9, b, ref dst, total, clamp, low, high);
                    else if (Vector128.IsHardwareAccelerated && total >= Vector128<float>.Count)
                        DepthwisePlane<Width128, Vector128<float>>(ref src, o, w9, b, ref dst, total, clamp, low, high);
                    else
                        DepthwisePlane<ScalarWidth, float>(ref src, o, w9, b, ref dst, total, clamp, low, high);
                    if (!inPlace)
                    {
                        // Short rows by a plain loop: a Memmove call per row of a few floats costs more than the row.
                        ref float o0 = ref MemoryMarshal.GetReference(output);
                        for (int oh = 0; oh < outH; oh++)
                            if (outW >= 32) flat.AsSpan(oh * phase, outW).CopyTo(output.Slice(oh * outW, outW));
                            else for (int ow = 0; ow < outW; ow++) Unsafe.Add(ref o0, oh * outW + ow) = flat[oh * phase + ow];
                    }
                }
        }

        private static float ClampScalar(float v, float low, float high) => float.IsNaN(v) ? v : Math.Min(Math.Max(v, low), high);

        /// <summary>Copies the channel's input rows into the stride-phase planes at their padded positions (the padding is left as it is: zero).</summary>
        private static void StageDepthwisePlanes(ReadOnlySpan<float> plane, float[] stage, int inH, int inW, int padH, int padW, int sH, int sW, int rows, int phase, long planeLength)
        {
            for (int ih = 0; ih < inH; ih++)
            {
                int r = ih + padH, slot = r / sH;
                if (slot >= rows) break;
                ReadOnlySpan<float> source = plane.Slice(ih * inW, inW);
                long rowBase = r % sH * sW * planeLength + (long)slot * phase;
                if (sW == 1)
                {
                    int n = Math.Min(inW, phase - padW);
                    if (n >= 32) source.Slice(0, n).CopyTo(stage.AsSpan((int)(rowBase + padW), n));
                    else for (int i = 0; i < n; i++) stage[rowBase + padW + i] = source[i];
                    continue;
                }
                // Phase p holds padded columns p, p + sW, ...: input column cs * sW + p - padW at slot cs.
                for (int p = 0; p < sW; p++)
                {
                    ref float dst = ref stage[rowBase + p * planeLength];
                    for (int cs = 0, iw = p - padW; cs < phase && iw < inW; cs++, iw += sW)
                        if (iw >= 0) Unsafe.Add(ref dst, cs) = source[iw];
                }
            }
        }

        /// <summary>
        /// flat[q] = clamp(bias + sum over t of weights[t] * source[q + offsets[t]]) for q in [0, total), two vectors per step,
        /// the last vector overlapping the one before (total &gt;= W.Count, or W scalar). 9 taps (3x3): weights in registers.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DepthwisePlane<W, V>(ref float source, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, float bias,
            ref float flat, int total, bool clamp, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int n = W.Count, taps = offsets.Length;
            V b = W.Broadcast(bias), lo = W.Broadcast(low), hi = W.Broadcast(high);
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref float w = ref MemoryMarshal.GetReference(weights);
            int q = 0;
            if (taps == 9)
            {
                int o0 = o, o1 = Unsafe.Add(ref o, 1), o2 = Unsafe.Add(ref o, 2), o3 = Unsafe.Add(ref o, 3), o4 = Unsafe.Add(ref o, 4),
                    o5 = Unsafe.Add(ref o, 5), o6 = Unsafe.Add(ref o, 6), o7 = Unsafe.Add(ref o, 7), o8 = Unsafe.Add(ref o, 8);
                V w0 = W.Broadcast(w), w1 = W.Broadcast(Unsafe.Add(ref w, 1)), w2 = W.Broadcast(Unsafe.Add(ref w, 2)), w3 = W.Broadcast(Unsafe.Add(ref w, 3)),
                    w4 = W.Broadcast(Unsafe.Add(ref w, 4)), w5 = W.Broadcast(Unsafe.Add(ref w, 5)), w6 = W.Broadcast(Unsafe.Add(ref w, 6)),
                    w7 = W.Broadcast(Unsafe.Add(ref w, 7)), w8 = W.Broadcast(Unsafe.Add(ref w, 8));
                for (; q + 2 * n <= total; q += 2 * n)
                {
                    ref float s = ref Unsafe.Add(ref source, q);
                    V a0 = W.MulAdd(W.Load(ref s, (nuint)o0), w0, b), a1 = W.MulAdd(W.Load(ref s, (nuint)(o0 + n)), w0, b);
                    a0 = W.MulAdd(W.Load(ref s, (nuint)o1), w1, a0); a1 = W.MulAdd(W.Load(ref s, (nuint)(o1 + n)), w1, a1);
                    a0 = W.MulAdd(W.Load(ref s, (nuint)o2), w2, a0); a1 = W.MulAdd(W.Load(ref s, (nuint)(o2 + n)), w2, a1);
                    a0 = W.MulAdd(W.Load(ref s, (nuint)o3), w3, a0); a1 = W.MulAdd(W.Load(ref s, (nuint)(o3 + n)), w3, a1);
                    a0 = W.MulAdd(W.Load(ref s, (nuint)o4), w4, a0); a1 = W.MulAdd(W.Load(ref s, (nuint)(o4 + n)), w4, a1);
                    a0 = W.MulAdd(W.Load(ref s, (nuint)o5), w5, a0); a1 = W.MulAdd(W.Load(ref s, (nuint)(o5 + n)), w5, a1);
                    a0 = W.MulAdd(W.Load(ref s, (nuint)o6), w6, a0); a1 = W.MulAdd(W.Load(ref s, (nuint)(o6 + n)), w6, a1);
                    a0 = W.MulAdd(W.Load(ref s, (nuint)o7), w7, a0); a1 = W.MulAdd(W.Load(ref s, (nuint)(o7 + n)), w7, a1);
                    a0 = W.MulAdd(W.Load(ref s, (nuint)o8), w8, a0); a1 = W.MulAdd(W.Load(ref s, (nuint)(o8 + n)), w8, a1);
                    if (clamp) { a0 = W.Clamp(a0, lo, hi); a1 = W.Clamp(a1, lo, hi); }
                    W.Store(a0, ref flat, (nuint)q);
                    W.Store(a1, ref flat, (nuint)(q + n));
                }
            }
            else
            {
                for (; q + 2 * n <= total; q += 2 * n)
                {
                    V a0 = b, a1 = b;
                    ref float s = ref Unsafe.Add(ref source, q);
                    for (int t = 0; t < taps; t++)
                    {
                        int off = Unsafe.Add(ref o, t);
                        V wv = W.Broadcast(Unsafe.Add(ref w, t));
                        a0 = W.MulAdd(W.Load(ref s, (nuint)off), wv, a0);
                        a1 = W.MulAdd(W.Load(ref s, (nuint)(off + n)), wv, a1);
                    }
                    if (clamp) { a0 = W.Clamp(a0, lo, hi); a1 = W.Clamp(a1, lo, hi); }
                    W.Store(a0, ref flat, (nuint)q);
                    W.Store(a1, ref flat, (nuint)(q + n));
                }
            }
            for (; q < total; q += n)
            {
                int at = Math.Min(q, total - n);   // the last vector overlaps the one before
                V a = b;
                ref float s = ref Unsafe.Add(ref source, at);
                for (int t = 0; t < taps; t++)
                    a = W.MulAdd(W.Load(ref s, (nuint)Unsafe.Add(ref o, t)), W.Broadcast(Unsafe.Add(ref w, t)), a);
                if (clamp) a = W.Clamp(a, lo, hi);
                W.Store(a, ref flat, (nuint)at);
            }
        }
    }
}
