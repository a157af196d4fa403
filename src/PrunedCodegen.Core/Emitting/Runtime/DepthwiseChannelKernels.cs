// PrunedCodegen runtime kernel: depthwise convolution (one filter per channel) vectorised ACROSS channels over a
// channels-last (HWC) staging of the input (appended to Kernels.cs in the emitted source). Same geometry table as
// ConvKernels.cs.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>The per-thread channels-last stage and output of <see cref="ConvDepthwiseChannels"/>: grown once to the largest layer.</summary>
        [ThreadStatic] private static float[]? t_channelsStage;
        [ThreadStatic] private static float[]? t_channelsOut;

        /// <summary>
        /// Depthwise convolution with one filter per channel (group = in = out channels), 1-D or 2-D, any map size, stride,
        /// dilation and padding, vectorised across channels as MLAS and XNNPACK do: the zero-padded input is staged
        /// channels-last (HWC: the C channels of a position side by side) in the per-thread buffer, a band of output rows'
        /// input rows at a time (an unpadded channels-last input is read in place), so that a vector of
        /// channels at one output position is, per tap, one vector load times one vector of the taps' weights, with no
        /// per-channel setup, no border tests and no garbage columns whatever the map size (a 6x6 or 25x5 map costs what
        /// its FMAs cost). <paramref name="weights"/> is tap-major, [kH x kW][channels] (zeros included: every channel of a
        /// vector is multiplied); <paramref name="taps"/> lists the taps (kh * kW + kw) that are nonzero in some channel.
        /// Register tiles: 4 output positions along a row x 1 vector of channels, the tap's weight vector loaded once per
        /// tile. Bias seeds the accumulators; y = min(max(y, low), high) with NaN kept in the store (ReLU: 0, +inf; Clip:
        /// its bounds; none: both infinite). <paramref name="inputChannelsLast"/>: x is [N][inH][inW][C] (else NCHW);
        /// <paramref name="outputChannelsLast"/>: y is written [N][outH][outW][C] (else NCHW, transposed from the
        /// per-thread output). Channels not a multiple of the vector: the last vector overlaps the one before (computed
        /// twice, identically); fewer channels than a vector: the next narrower width. Vector512, 256, 128, else scalar.
        /// </summary>
        public static void ConvDepthwiseChannels(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> weights, ReadOnlySpan<int> taps, float low, float high, bool inputChannelsLast, bool outputChannelsLast)
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], channels = g[GeoInChannels];
            int inH = g[GeoIn + 1], inW = g[GeoIn + 2], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int kH = g[GeoKernel + 1], kW = g[GeoKernel + 2], sH = g[GeoStride + 1], sW = g[GeoStride + 2];
            int dH = g[GeoDilation + 1], dW = g[GeoDilation + 2], padH = g[GeoPadBegin + 1], padW = g[GeoPadBegin + 2];
            int volume = kH * kW;
            if (g[GeoOutChannels] != channels || g[GeoIn] != 1 || g[GeoOut] != 1 || g[GeoKernel] != 1 || weights.Length != channels * volume
                || (!bias.IsEmpty && bias.Length != channels) || sH < 1 || sW < 1 || dH < 1 || dW < 1 || padH < 0 || padW < 0 || taps.Length > volume)
                throw new ArgumentException("depthwise channels conv data and geometry disagree");
            for (int i = 0; i < taps.Length; i++)
                if ((uint)taps[i] >= (uint)volume) throw new ArgumentException("depthwise channels conv tap out of range");
            int inPlane = inH * inW, outPlane = outH * outW;
            if (outPlane == 0 || images == 0 || channels == 0) return;
            // The padded rows and columns the output reaches (a bottom or right pad past them is never read).
            long stageHLong = (long)(outH - 1) * sH + (long)(kH - 1) * dH + 1, stageWLong = (long)(outW - 1) * sW + (long)(kW - 1) * dW + 1;
            long rowFloatsLong = stageWLong * channels;
            if (stageHLong * rowFloatsLong > int.MaxValue / 2 || (long)outPlane * channels > int.MaxValue / 2) throw new ArgumentException("depthwise channels conv plane too large to stage");
            int stageW = (int)stageWLong, rowFloats = (int)rowFloatsLong, windowRows = (kH - 1) * dH + 1;
            bool padded = stageHLong != inH || stageW != inW || padH != 0 || padW != 0;
            bool direct = !padded && inputChannelsLast;   // x is the stage: read in place
            // Otherwise the stage holds a band of output rows' input rows at a time, sized to stay in L1 while the band is
            // computed (a whole 48x48x16 image staged was 150 KB written, zeroed first, and read back from L2: the staging
            // cost 10x the FMAs). Bands overlap by windowRows - sH input rows, copied twice.
            int bandRows = direct ? outH : Math.Min(outH, Math.Max(1, (DepthwiseBandFloats / rowFloats - windowRows) / sH + 1));
            int bandInRows = (bandRows - 1) * sH + windowRows;
            float[]? stage = null;
            if (!direct) stage = t_channelsStage is { } s && s.Length >= bandInRows * rowFloats ? s : (t_channelsStage = new float[bandInRows * rowFloats]);
            float[]? outHwc = null;
            if (!outputChannelsLast) outHwc = t_channelsOut is { } o && o.Length >= outPlane * channels ? o : (t_channelsOut = new float[outPlane * channels]);
            bool clamp = !float.IsNegativeInfinity(low) || !float.IsPositiveInfinity(high);
            Span<int> offsets = stackalloc int[taps.Length];
            for (int i = 0; i < taps.Length; i++)
                offsets[i] = checked((taps[i] / kW * dH * stageW + taps[i] % kW * dW) * channels);
            int rowStride = sH * rowFloats, columnStride = sW * channels;
            for (int n = 0; n < images; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * channels * inPlane, channels * inPlane);
                Span<float> dst = outputChannelsLast ? y.Slice(n * channels * outPlane, channels * outPlane) : outHwc.AsSpan(0, channels * outPlane);
                for (int oh0 = 0; oh0 < outH; oh0 += bandRows)
                {
                    int rows = Math.Min(bandRows, outH - oh0);
                    ReadOnlySpan<float> source = image;
                    if (!direct)
                    {
                        int inRows = (rows - 1) * sH + windowRows;
                        for (int r = 0; r < inRows; r++)
                            StageRowChannelsLast(image, stage.AsSpan(r * rowFloats, rowFloats), oh0 * sH - padH + r, channels, inH, inW, padW, stageW, inputChannelsLast);
                        source = stage.AsSpan(0, inRows * rowFloats);
                    }
                    ref float src = ref MemoryMarshal.GetReference(source);
                    ref float d0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), (nint)oh0 * outW * channels);
                    if (Vector512.IsHardwareAccelerated && channels >= Vector512<float>.Count)
                        DepthwiseChannels<Width512, Vector512<float>>(ref src, ref d0, offsets, weights, taps, bias, channels, rows, outW, rowStride, columnStride, clamp, low, high);
                    else if (Vector256.IsHardwareAccelerated && channels >= Vector256<float>.Count)
                        DepthwiseChannels<Width256, Vector256<float>>(ref src, ref d0, offsets, weights, taps, bias, channels, rows, outW, rowStride, columnStride, clamp, low, high);
                    else if (Vector128.IsHardwareAccelerated && channels >= Vector128<float>.Count)
                        DepthwiseChannels<Width128, Vector128<float>>(ref src, ref d0, offsets, weights, taps, bias, channels, rows, outW, rowStride, columnStride, clamp, low, high);
                    else
                        DepthwiseChannels<ScalarWidth, float>(ref src, ref d0, offsets, weights, taps, bias, channels, rows, outW, rowStride, columnStride, clamp, low, high);
                }
                if (!outputChannelsLast) ChannelsLastToPlanes(dst, y.Slice(n * channels * outPlane, channels * outPlane), channels, outPlane);
            }
        }

        /// <summary>
        /// Floats of channels-last stage per band of output rows (16 KB: with the band's outputs and the weights it stays in
        /// a 32 KB L1D). A row wider than that is a band of one output row.
        /// </summary>
        private const int DepthwiseBandFloats = 4096;

        /// <summary><see cref="ConvDepthwiseChannels"/> at one width W (the tests run every width's tiles, Vector512 included, on any machine).</summary>
        internal static void ConvDepthwiseChannelsAt<W, V>(ReadOnlySpan<float> source, Span<float> y, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights,
            ReadOnlySpan<int> taps, ReadOnlySpan<float> bias, int channels, int outH, int outW, int rowStride, int columnStride, bool clamp, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            if (channels < W.Count || y.Length < outH * outW * channels) throw new ArgumentException("depthwise channels operand sizes disagree");
            DepthwiseChannels<W, V>(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(y), offsets, weights, taps, bias, channels, outH, outW,
                rowStride, columnStride, clamp, low, high);
        }

        /// <summary>
        /// Writes padded input row <paramref name="ih"/> (which may lie in the padding above or below the image) channels-last
        /// into <paramref name="stageRow"/> (stageW positions x C): position padW + iw holds (ih, iw, c) for the columns
        /// inside the row, every other float is zero (the padding, rewritten per band: the buffer is shared by all layers).
        /// From NCHW a transpose (per position the C channel planes' values side by side), from NHWC a copy.
        /// </summary>
        private static void StageRowChannelsLast(ReadOnlySpan<float> image, Span<float> stageRow, int ih, int channels, int inH, int inW, int padW,
            int stageW, bool inputChannelsLast)
        {
            int left = Math.Min(padW, stageW), cols = (uint)ih < (uint)inH ? Math.Max(0, Math.Min(inW, stageW - padW)) : 0;
            if (cols == 0) { stageRow.Clear(); return; }
            stageRow.Slice(0, left * channels).Clear();
            stageRow.Slice((left + cols) * channels).Clear();
            if (inputChannelsLast)
            {
                image.Slice(ih * inW * channels, cols * channels).CopyTo(stageRow.Slice(left * channels));
                return;
            }
            int inPlane = inH * inW;
            ref float src0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(image), ih * inW);
            ref float dst0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(stageRow), left * channels);
            // Blocks of 8 channels: each position reads 8 planes (sequential streams) and writes 8 adjacent floats.
            int c = 0;
            for (; c + 8 <= channels; c += 8)
            {
                ref float src = ref Unsafe.Add(ref src0, c * inPlane);
                ref float dst = ref Unsafe.Add(ref dst0, c);
                for (int iw = 0; iw < cols; iw++)
                {
                    ref float sp = ref Unsafe.Add(ref src, iw);
                    ref float dp = ref Unsafe.Add(ref dst, iw * channels);
                    dp = sp;
                    Unsafe.Add(ref dp, 1) = Unsafe.Add(ref sp, inPlane);
                    Unsafe.Add(ref dp, 2) = Unsafe.Add(ref sp, 2 * inPlane);
                    Unsafe.Add(ref dp, 3) = Unsafe.Add(ref sp, 3 * inPlane);
                    Unsafe.Add(ref dp, 4) = Unsafe.Add(ref sp, 4 * inPlane);
                    Unsafe.Add(ref dp, 5) = Unsafe.Add(ref sp, 5 * inPlane);
                    Unsafe.Add(ref dp, 6) = Unsafe.Add(ref sp, 6 * inPlane);
                    Unsafe.Add(ref dp, 7) = Unsafe.Add(ref sp, 7 * inPlane);
                }
            }
            for (; c < channels; c++)
            {
                ref float src = ref Unsafe.Add(ref src0, c * inPlane);
                ref float dst = ref Unsafe.Add(ref dst0, c);
                for (int iw = 0; iw < cols; iw++) Unsafe.Add(ref dst, iw * channels) = Unsafe.Add(ref src, iw);
            }
        }

        /// <summary>y[c][p] = hwc[p][c] for p &lt; positions, c &lt; channels (NHWC to NCHW for one image), blocks of 8 channels.</summary>
        private static void ChannelsLastToPlanes(ReadOnlySpan<float> hwc, Span<float> y, int channels, int positions)
        {
            ref float s0 = ref MemoryMarshal.GetReference(hwc);
            ref float d0 = ref MemoryMarshal.GetReference(y);
            int c = 0;
            for (; c + 8 <= channels; c += 8)
            {
                ref float dst = ref Unsafe.Add(ref d0, c * positions);
                for (int p = 0; p < positions; p++)
                {
                    ref float sp = ref Unsafe.Add(ref s0, p * channels + c);
                    ref float dp = ref Unsafe.Add(ref dst, p);
                    dp = sp;
                    Unsafe.Add(ref dp, positions) = Unsafe.Add(ref sp, 1);
                    Unsafe.Add(ref dp, 2 * positions) = Unsafe.Add(ref sp, 2);
                    Unsafe.Add(ref dp, 3 * positions) = Unsafe.Add(ref sp, 3);
                    Unsafe.Add(ref dp, 4 * positions) = Unsafe.Add(ref sp, 4);
                    Unsafe.Add(ref dp, 5 * positions) = Unsafe.Add(ref sp, 5);
                    Unsafe.Add(ref dp, 6 * positions) = Unsafe.Add(ref sp, 6);
                    Unsafe.Add(ref dp, 7 * positions) = Unsafe.Add(ref sp, 7);
                }
            }
            for (; c < channels; c++)
                for (int p = 0; p < positions; p++) Unsafe.Add(ref d0, c * positions + p) = Unsafe.Add(ref s0, p * channels + c);
        }

        /// <summary>
        /// out[oh][ow][c] = clamp(bias[c] + sum over t of weights[taps[t]][c] * source[oh * rowStride + ow * columnStride + offsets[t] + c]),
        /// channels-last in and out, per vector of channels (the last one overlapping the one before; channels &gt;= W.Count),
        /// tiles of 4 output positions along a row, then single positions.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DepthwiseChannels<W, V>(ref float source, ref float output, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights,
            ReadOnlySpan<int> taps, ReadOnlySpan<float> bias, int channels, int outH, int outW, int rowStride, int columnStride, bool clamp, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int n = W.Count, count = offsets.Length;
            V lo = W.Broadcast(low), hi = W.Broadcast(high);
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref int tp = ref MemoryMarshal.GetReference(taps);
            ref float w0 = ref MemoryMarshal.GetReference(weights);
            ref float b0 = ref MemoryMarshal.GetReference(bias);
            nint cs = columnStride;
            for (int c = 0; c < channels; c += n)
            {
                int cv = Math.Min(c, channels - n);   // the last vector overlaps the one before
                V b = bias.IsEmpty ? W.Zero : W.Load(ref b0, (nuint)cv);
                for (int oh = 0; oh < outH; oh++)
                {
                    ref float row = ref Unsafe.Add(ref source, (nint)oh * rowStride + cv);
                    ref float dst = ref Unsafe.Add(ref output, ((nint)oh * outW) * channels + cv);
                    int ow = 0;
                    for (; ow + 4 <= outW; ow += 4)
                    {
                        V a0 = b, a1 = b, a2 = b, a3 = b;
                        ref float s = ref Unsafe.Add(ref row, ow * cs);
                        for (int t = 0; t < count; t++)
                        {
                            V wv = W.Load(ref w0, (nuint)(Unsafe.Add(ref tp, t) * channels + cv));
                            ref float st = ref Unsafe.Add(ref s, Unsafe.Add(ref o, t));
                            a0 = W.MulAdd(W.Load(ref st), wv, a0);
                            a1 = W.MulAdd(W.Load(ref st, (nuint)cs), wv, a1);
                            a2 = W.MulAdd(W.Load(ref st, (nuint)(2 * cs)), wv, a2);
                            a3 = W.MulAdd(W.Load(ref st, (nuint)(3 * cs)), wv, a3);
                        }
                        if (clamp) { a0 = W.Clamp(a0, lo, hi); a1 = W.Clamp(a1, lo, hi); a2 = W.Clamp(a2, lo, hi); a3 = W.Clamp(a3, lo, hi); }
                        ref float d = ref Unsafe.Add(ref dst, (nint)ow * channels);
                        W.Store(a0, ref d);
                        W.Store(a1, ref d, (nuint)channels);
                        W.Store(a2, ref d, (nuint)(2 * channels));
                        W.Store(a3, ref d, (nuint)(3 * channels));
                    }
                    for (; ow < outW; ow++)
                    {
                        V a = b;
                        ref float s = ref Unsafe.Add(ref row, ow * cs);
                        for (int t = 0; t < count; t++)
                            a = W.MulAdd(W.Load(ref s, (nuint)Unsafe.Add(ref o, t)), W.Load(ref w0, (nuint)(Unsafe.Add(ref tp, t) * channels + cv)), a);
                        if (clamp) a = W.Clamp(a, lo, hi);
                        W.Store(a, ref dst, (nuint)((nint)ow * channels));
                    }
                }
            }
        }
    }
}
