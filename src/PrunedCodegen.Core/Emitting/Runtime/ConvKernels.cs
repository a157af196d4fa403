// PrunedCodegen runtime kernels for convolutional layers (appended to Kernels.cs in the emitted source).
// Tensors are [N, C, D, H, W] (1-D and 2-D layers have D = H = 1 or D = 1). A window geometry is an int table:
// images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        private const int GeoImages = 0, GeoInChannels = 1, GeoIn = 2, GeoOutChannels = 5, GeoOut = 6, GeoKernel = 9,
            GeoStride = 12, GeoPadBegin = 15, GeoDilation = 18, GeoPadEnd = 21, GeoLength = 24;

        private static void CheckWindow(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g)
        {
            if (g.Length != GeoLength) throw new ArgumentException("window geometry table has the wrong length");
            long inSize = (long)g[GeoImages] * g[GeoInChannels] * g[GeoIn] * g[GeoIn + 1] * g[GeoIn + 2];
            long outSize = (long)g[GeoImages] * g[GeoOutChannels] * g[GeoOut] * g[GeoOut + 1] * g[GeoOut + 2];
            if (x.Length != inSize || y.Length != outSize) throw new ArgumentException("span lengths disagree with the window geometry");
            for (int d = 0; d < 3; d++)
                if (g[GeoStride + d] < 1 || g[GeoDilation + d] < 1 || g[GeoKernel + d] < 1 || g[GeoPadBegin + d] < 0)
                    throw new ArgumentException("invalid window geometry");
        }

        /// <summary>
        /// Convolution from a list of nonzero taps per filter: for filter m, taps filterStarts[m]..filterStarts[m+1]-1,
        /// each (input channel, kd, kh, kw) with its weight. Zero taps are simply absent, and an input channel no tap
        /// names is never read. Each tap is one multiply-add of a whole output row by the matching (shifted) input row:
        /// a vector FMA across the row when the stride along W is 1.
        /// </summary>
        public static void ConvTaps(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> tapWeights, ReadOnlySpan<int> taps, ReadOnlySpan<int> filterStarts)
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], inChannels = g[GeoInChannels], outChannels = g[GeoOutChannels];
            int inPlane = g[GeoIn] * g[GeoIn + 1] * g[GeoIn + 2], outPlane = g[GeoOut] * g[GeoOut + 1] * g[GeoOut + 2];
            if (filterStarts.Length != outChannels + 1 || taps.Length != 4 * tapWeights.Length || filterStarts[outChannels] != tapWeights.Length ||
                (!bias.IsEmpty && bias.Length != outChannels))
                throw new ArgumentException("conv tap data and geometry disagree");
            for (int n = 0; n < images; n++)
            {
                for (int m = 0; m < outChannels; m++)
                {
                    Span<float> plane = y.Slice((n * outChannels + m) * outPlane, outPlane);
                    plane.Fill(bias.IsEmpty ? 0f : bias[m]);
                    for (int t = filterStarts[m]; t < filterStarts[m + 1]; t++)
                    {
                        int c = taps[4 * t];
                        if ((uint)c >= (uint)inChannels) throw new ArgumentException("conv tap names a channel the input does not have");
                        AccumulateTap(x.Slice((n * inChannels + c) * inPlane, inPlane), plane, g, taps[4 * t + 1], taps[4 * t + 2], taps[4 * t + 3], tapWeights[t]);
                    }
                }
            }
        }

        /// <summary>
        /// Convolution with weights known only at run time ([M][C/group][kD][kH][kW], as ONNX stores them): the same
        /// row multiply-adds as <see cref="ConvTaps"/>, skipping zero weights as it meets them.
        /// </summary>
        public static void ConvDense(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, ReadOnlySpan<int> g, int group)
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], inChannels = g[GeoInChannels], outChannels = g[GeoOutChannels];
            int kD = g[GeoKernel], kH = g[GeoKernel + 1], kW = g[GeoKernel + 2];
            int inPlane = g[GeoIn] * g[GeoIn + 1] * g[GeoIn + 2], outPlane = g[GeoOut] * g[GeoOut + 1] * g[GeoOut + 2];
            if (group < 1 || inChannels % group != 0 || outChannels % group != 0) throw new ArgumentException("invalid group");
            int inPerGroup = inChannels / group, outPerGroup = outChannels / group;
            if (w.Length != outChannels * inPerGroup * kD * kH * kW || (!bias.IsEmpty && bias.Length != outChannels))
                throw new ArgumentException("conv weight and bias lengths disagree with the geometry");
            for (int n = 0; n < images; n++)
            {
                for (int m = 0; m < outChannels; m++)
                {
                    Span<float> plane = y.Slice((n * outChannels + m) * outPlane, outPlane);
                    plane.Fill(bias.IsEmpty ? 0f : bias[m]);
                    int firstChannel = m / outPerGroup * inPerGroup, t = m * inPerGroup * kD * kH * kW;
                    for (int ic = 0; ic < inPerGroup; ic++)
                    {
                        ReadOnlySpan<float> input = x.Slice((n * inChannels + firstChannel + ic) * inPlane, inPlane);
                        for (int kd = 0; kd < kD; kd++)
                            for (int kh = 0; kh < kH; kh++)
                                for (int kw = 0; kw < kW; kw++, t++)
                                    if (w[t] != 0f) AccumulateTap(input, plane, g, kd, kh, kw, w[t]);
                    }
                }
            }
        }

        /// <summary>y[od, oh, ow] += w * x[od*sD + kd*dD - pD, oh*sH + kh*dH - pH, ow*sW + kw*dW - pW] where that is inside x.</summary>
        private static void AccumulateTap(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, int kd, int kh, int kw, float w)
        {
            int inD = g[GeoIn], inH = g[GeoIn + 1], inW = g[GeoIn + 2];
            int outD = g[GeoOut], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int sW = g[GeoStride + 2];
            int shiftD = kd * g[GeoDilation] - g[GeoPadBegin], shiftH = kh * g[GeoDilation + 1] - g[GeoPadBegin + 1], shiftW = kw * g[GeoDilation + 2] - g[GeoPadBegin + 2];
            // Output columns whose input column ow*sW + shiftW lies in [0, inW).
            int owFirst = shiftW >= 0 ? 0 : (-shiftW + sW - 1) / sW;
            int owEnd = inW - 1 - shiftW < 0 ? 0 : Math.Min(outW, (inW - 1 - shiftW) / sW + 1);
            if (owEnd <= owFirst) return;
            int count = owEnd - owFirst;
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref float ys = ref MemoryMarshal.GetReference(y);
            for (int od = 0; od < outD; od++)
            {
                int id = od * g[GeoStride] + shiftD;
                if ((uint)id >= (uint)inD) continue;
                for (int oh = 0; oh < outH; oh++)
                {
                    int ih = oh * g[GeoStride + 1] + shiftH;
                    if ((uint)ih >= (uint)inH) continue;
                    int xStart = (id * inH + ih) * inW + owFirst * sW + shiftW;
                    int yStart = (od * outH + oh) * outW + owFirst;
                    MultiplyAddRow(w, ref Unsafe.Add(ref xs, xStart), sW, ref Unsafe.Add(ref ys, yStart), count);
                }
            }
        }

        /// <summary>y[i] += w * x[i * stride] for i in [0, count): vector FMAs (widest first) when the stride is 1.</summary>
        private static void MultiplyAddRow(float w, ref float x, int stride, ref float y, int count)
        {
            int i = 0;
            if (stride == 1)
            {
                if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
                {
                    var wv = Vector512.Create(w);
                    for (; i + Vector512<float>.Count <= count; i += Vector512<float>.Count)
                        MulAdd(Vector512.LoadUnsafe(ref x, (nuint)i), wv, Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
                }
                if (Vector256.IsHardwareAccelerated && count - i >= Vector256<float>.Count)
                {
                    var wv = Vector256.Create(w);
                    for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count)
                        MulAdd(Vector256.LoadUnsafe(ref x, (nuint)i), wv, Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
                }
                if (Vector128.IsHardwareAccelerated && count - i >= Vector128<float>.Count)
                {
                    var wv = Vector128.Create(w);
                    for (; i + Vector128<float>.Count <= count; i += Vector128<float>.Count)
                        MulAdd(Vector128.LoadUnsafe(ref x, (nuint)i), wv, Vector128.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
                }
            }
            for (; i < count; i++) Unsafe.Add(ref y, i) += w * Unsafe.Add(ref x, (nint)i * stride);
        }

        /// <summary>
        /// Max or average pooling over windows (strides, pads, dilations). Padding never wins a max; an average divides
        /// by the window's positions inside the input, or, with countIncludePad, inside the padded input.
        /// </summary>
        public static void Pool(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, bool max, bool countIncludePad)
        {
            CheckWindow(x, y, g);
            int planes = g[GeoImages] * g[GeoInChannels];
            int inD = g[GeoIn], inH = g[GeoIn + 1], inW = g[GeoIn + 2], outD = g[GeoOut], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int inPlane = inD * inH * inW, outPlane = outD * outH * outW;
            if (g[GeoOutChannels] != g[GeoInChannels]) throw new ArgumentException("a pool keeps the channel count");
            for (int p = 0; p < planes; p++)
            {
                ReadOnlySpan<float> input = x.Slice(p * inPlane, inPlane);
                Span<float> output = y.Slice(p * outPlane, outPlane);
                int o = 0;
                for (int od = 0; od < outD; od++)
                    for (int oh = 0; oh < outH; oh++)
                        for (int ow = 0; ow < outW; ow++, o++)
                            output[o] = PoolWindow(input, g, od, oh, ow, max, countIncludePad);
            }
        }

        private static float PoolWindow(ReadOnlySpan<float> x, ReadOnlySpan<int> g, int od, int oh, int ow, bool max, bool countIncludePad)
        {
            int inD = g[GeoIn], inH = g[GeoIn + 1], inW = g[GeoIn + 2];
            int d0 = od * g[GeoStride] - g[GeoPadBegin], h0 = oh * g[GeoStride + 1] - g[GeoPadBegin + 1], w0 = ow * g[GeoStride + 2] - g[GeoPadBegin + 2];
            float result = max ? float.NegativeInfinity : 0f;
            int inside = 0, padded = 0;
            for (int kd = 0; kd < g[GeoKernel]; kd++)
            {
                int id = d0 + kd * g[GeoDilation];
                bool dIn = (uint)id < (uint)inD, dPadded = id >= -g[GeoPadBegin] && id < inD + g[GeoPadEnd];
                for (int kh = 0; kh < g[GeoKernel + 1]; kh++)
                {
                    int ih = h0 + kh * g[GeoDilation + 1];
                    bool hIn = (uint)ih < (uint)inH, hPadded = ih >= -g[GeoPadBegin + 1] && ih < inH + g[GeoPadEnd + 1];
                    for (int kw = 0; kw < g[GeoKernel + 2]; kw++)
                    {
                        int iw = w0 + kw * g[GeoDilation + 2];
                        bool wIn = (uint)iw < (uint)inW, wPadded = iw >= -g[GeoPadBegin + 2] && iw < inW + g[GeoPadEnd + 2];
                        if (dPadded && hPadded && wPadded) padded++;
                        if (!(dIn && hIn && wIn)) continue;
                        inside++;
                        float v = x[(id * inH + ih) * inW + iw];
                        if (!max) result += v;
                        else if (v > result || float.IsNaN(v)) result = v;
                    }
                }
            }
            if (max) return result;
            int divisor = countIncludePad ? padded : inside;
            return divisor == 0 ? 0f : result / divisor;
        }

        /// <summary>Global max or average over each [D, H, W] plane: a vector reduction per channel.</summary>
        public static void GlobalPool(ReadOnlySpan<float> x, Span<float> y, int plane, bool max)
        {
            if (plane <= 0 || x.Length != y.Length * plane) throw new ArgumentException("global pool spans disagree");
            for (int p = 0; p < y.Length; p++)
            {
                ReadOnlySpan<float> v = x.Slice(p * plane, plane);
                ref float r = ref MemoryMarshal.GetReference(v);
                int i = 0;
                float result;
                if (Vector256.IsHardwareAccelerated && plane >= Vector256<float>.Count)
                {
                    var acc = Vector256.LoadUnsafe(ref r);
                    for (i = Vector256<float>.Count; i + Vector256<float>.Count <= plane; i += Vector256<float>.Count)
                        acc = max ? Vector256.Max(acc, Vector256.LoadUnsafe(ref r, (nuint)i)) : acc + Vector256.LoadUnsafe(ref r, (nuint)i);
                    result = acc.GetElement(0);
                    for (int e = 1; e < Vector256<float>.Count; e++) result = max ? MathF.Max(result, acc.GetElement(e)) : result + acc.GetElement(e);
                }
                else
                {
                    result = max ? float.NegativeInfinity : 0f;
                }
                for (; i < plane; i++) result = max ? MathF.Max(result, v[i]) : result + v[i];
                y[p] = max ? result : result / plane;
            }
        }

        /// <summary>y[n, c, i] = x[n, c, i] * multiplier[c] + shift[c]: an inference BatchNorm that could not be folded.</summary>
        public static void ChannelAffine(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> multiplier, ReadOnlySpan<float> shift, int images, int inner)
        {
            int channels = multiplier.Length;
            if (shift.Length != channels || x.Length != images * channels * inner || y.Length != x.Length) throw new ArgumentException("affine spans disagree");
            for (int n = 0; n < images; n++)
                for (int c = 0; c < channels; c++)
                    AffineRow(x.Slice((n * channels + c) * inner, inner), y.Slice((n * channels + c) * inner, inner), multiplier[c], shift[c]);
        }

        /// <summary>Inference BatchNorm whose parameters are runtime inputs.</summary>
        public static void BatchNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> b, ReadOnlySpan<float> mean,
            ReadOnlySpan<float> variance, Span<float> y, int images, int inner, float epsilon)
        {
            int channels = scale.Length;
            if (b.Length != channels || mean.Length != channels || variance.Length != channels || x.Length != images * channels * inner || y.Length != x.Length)
                throw new ArgumentException("batch norm spans disagree");
            for (int c = 0; c < channels; c++)
            {
                double m = scale[c] / Math.Sqrt((double)variance[c] + epsilon);
                float multiplier = (float)m, shift = (float)(b[c] - mean[c] * m);
                for (int n = 0; n < images; n++)
                    AffineRow(x.Slice((n * channels + c) * inner, inner), y.Slice((n * channels + c) * inner, inner), multiplier, shift);
            }
        }

        private static void AffineRow(ReadOnlySpan<float> x, Span<float> y, float multiplier, float shift)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref float ys = ref MemoryMarshal.GetReference(y);
            int i = 0;
            if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
            {
                var mv = Vector256.Create(multiplier);
                var sv = Vector256.Create(shift);
                for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
                    MulAdd(Vector256.LoadUnsafe(ref xs, (nuint)i), mv, sv).StoreUnsafe(ref ys, (nuint)i);
            }
            for (; i < x.Length; i++) Unsafe.Add(ref ys, i) = Unsafe.Add(ref xs, i) * multiplier + shift;
        }
    }
}
