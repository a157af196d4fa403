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
        /// Convolution vectorised over output channels: weights stored tap-major, [tap row][filter], one row per
        /// (input channel, kd, kh, kw) with any nonzero weight (all-zero tap rows are left out, so an input channel no
        /// filter reads is never loaded). For each output position the tap rows' inputs are gathered into a small
        /// stack column (zero where the window hangs over the padding), then <see cref="DenseColumns"/> broadcasts
        /// each into register tiles of filters, and the filters' results are stored to their channel planes.
        /// </summary>
        public static void ConvChannels(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> weights, ReadOnlySpan<int> taps)
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], inChannels = g[GeoInChannels], outChannels = g[GeoOutChannels], rows = taps.Length / 4;
            int inD = g[GeoIn], inH = g[GeoIn + 1], inW = g[GeoIn + 2], outD = g[GeoOut], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int inPlane = inD * inH * inW, outPlane = outD * outH * outW;
            if (taps.Length != 4 * rows || weights.Length != rows * outChannels || rows > MaxConvColumn || outChannels > MaxConvColumn || (!bias.IsEmpty && bias.Length != outChannels))
                throw new ArgumentException("conv channel data and geometry disagree");
            // The input with its zero padding made explicit, so that every window lies inside it: one load per tap
            // row and position, no bounds tests. On the stack when small, else the padding is tested per tap.
            int pD = inD + g[GeoPadBegin] + g[GeoPadEnd], pH = inH + g[GeoPadBegin + 1] + g[GeoPadEnd + 1], pW = inW + g[GeoPadBegin + 2] + g[GeoPadEnd + 2];
            bool unpadded = pD == inD && pH == inH && pW == inW;
            long paddedSize = (long)inChannels * pD * pH * pW;
            if (!unpadded && paddedSize > MaxPaddedInput)
            {
                ConvChannelsChecked(x, y, g, bias, weights, taps);
                return;
            }
            Span<float> padded = stackalloc float[unpadded ? 0 : (int)paddedSize];
            padded.Clear();   // the padding border stays zero: only the interior is copied in below ([SkipLocalsInit] leaves it unset)
            int dD = g[GeoDilation], dH = g[GeoDilation + 1], dW = g[GeoDilation + 2];
            int sD = g[GeoStride], sH = g[GeoStride + 1], sW = g[GeoStride + 2];
            Span<int> offsets = stackalloc int[rows];
            for (int t = 0; t < rows; t++)
            {
                int c = taps[4 * t];
                if ((uint)c >= (uint)inChannels) throw new ArgumentException("conv tap names a channel the input does not have");
                offsets[t] = ((c * pD + taps[4 * t + 1] * dD) * pH + taps[4 * t + 2] * dH) * pW + taps[4 * t + 3] * dW;
            }
            Span<float> column = stackalloc float[rows];
            Span<float> result = stackalloc float[outChannels];
            for (int n = 0; n < images; n++)
            {
                scoped ReadOnlySpan<float> image = x.Slice(n * inChannels * inPlane, inChannels * inPlane);
                if (!unpadded)
                {
                    for (int c = 0; c < inChannels; c++)
                        for (int d = 0; d < inD; d++)
                            for (int h = 0; h < inH; h++)
                                image.Slice(((c * inD + d) * inH + h) * inW, inW).CopyTo(
                                    padded.Slice(((c * pD + d + g[GeoPadBegin]) * pH + h + g[GeoPadBegin + 1]) * pW + g[GeoPadBegin + 2], inW));
                    image = padded;
                }
                ref float source = ref MemoryMarshal.GetReference(image);
                Span<float> output = y.Slice(n * outChannels * outPlane, outChannels * outPlane);
                int p = 0;
                for (int od = 0; od < outD; od++)
                    for (int oh = 0; oh < outH; oh++)
                        for (int ow = 0; ow < outW; ow++, p++)
                        {
                            ref float origin = ref Unsafe.Add(ref source, (od * sD * pH + oh * sH) * pW + ow * sW);
                            for (int t = 0; t < rows; t++) column[t] = Unsafe.Add(ref origin, offsets[t]);
                            DenseColumns(weights, bias, column, result);
                            for (int m = 0; m < outChannels; m++) output[m * outPlane + p] = result[m];
                        }
            }
        }

        /// <summary>Floats of padded input <see cref="ConvChannels"/> keeps on the stack (32 KB).</summary>
        public const int MaxPaddedInput = 8 * 1024;

        /// <summary><see cref="ConvChannels"/> for inputs too large to pad on the stack: the padding is tested per tap.</summary>
        private static void ConvChannelsChecked(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> weights, ReadOnlySpan<int> taps)
        {
            int images = g[GeoImages], inChannels = g[GeoInChannels], outChannels = g[GeoOutChannels], rows = taps.Length / 4;
            int inD = g[GeoIn], inH = g[GeoIn + 1], inW = g[GeoIn + 2], outD = g[GeoOut], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int inPlane = inD * inH * inW, outPlane = outD * outH * outW;
            int dD = g[GeoDilation], dH = g[GeoDilation + 1], dW = g[GeoDilation + 2];
            Span<float> column = stackalloc float[rows];
            Span<float> result = stackalloc float[outChannels];
            for (int n = 0; n < images; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * inChannels * inPlane, inChannels * inPlane);
                Span<float> output = y.Slice(n * outChannels * outPlane, outChannels * outPlane);
                int p = 0;
                for (int od = 0; od < outD; od++)
                    for (int oh = 0; oh < outH; oh++)
                        for (int ow = 0; ow < outW; ow++, p++)
                        {
                            int d0 = od * g[GeoStride] - g[GeoPadBegin], h0 = oh * g[GeoStride + 1] - g[GeoPadBegin + 1], w0 = ow * g[GeoStride + 2] - g[GeoPadBegin + 2];
                            for (int t = 0; t < rows; t++)
                            {
                                int c = taps[4 * t], id = d0 + taps[4 * t + 1] * dD, ih = h0 + taps[4 * t + 2] * dH, iw = w0 + taps[4 * t + 3] * dW;
                                if ((uint)c >= (uint)inChannels) throw new ArgumentException("conv tap names a channel the input does not have");
                                column[t] = (uint)id < (uint)inD && (uint)ih < (uint)inH && (uint)iw < (uint)inW ? image[c * inPlane + (id * inH + ih) * inW + iw] : 0f;
                            }
                            DenseColumns(weights, bias, column, result);
                            for (int m = 0; m < outChannels; m++) output[m * outPlane + p] = result[m];
                        }
            }
        }

        /// <summary>The largest tap-row or filter count <see cref="ConvChannels"/> keeps on the stack.</summary>
        public const int MaxConvColumn = 4096;

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
            int dD = g[GeoDilation], dH = g[GeoDilation + 1], dW = g[GeoDilation + 2];
            if (g[GeoOutChannels] != g[GeoInChannels]) throw new ArgumentException("a pool keeps the channel count");
            if (outD + outH + outW > 3 * 4096) throw new ArgumentException("pool output too large for the window tables");
            if (outD == 1 && inD == 1 && g[GeoPadBegin + 1] == 0 && g[GeoPadBegin + 2] == 0 && g[GeoPadEnd + 1] == 0 && g[GeoPadEnd + 2] == 0 && dH == 1 && dW == 1
                && (outH - 1) * g[GeoStride + 1] + g[GeoKernel + 1] <= inH && (outW - 1) * g[GeoStride + 2] + g[GeoKernel + 2] <= inW)
            {
                PoolUnpadded2D(x, y, planes, inH, inW, outH, outW, g[GeoKernel + 1], g[GeoKernel + 2], g[GeoStride + 1], g[GeoStride + 2], max);
                return;
            }
            // Per output coordinate and dim: the first input coordinate, and the kernel taps inside the input
            // [first, end) and inside the padded input (for count_include_pad). Computed once per call.
            Span<int> table = stackalloc int[4 * (outD + outH + outW)];
            table.Clear();   // WindowTable writes every entry; cleared anyway, as the zeroing was before [SkipLocalsInit]
            Span<int> tD = table.Slice(0, 4 * outD), tH = table.Slice(4 * outD, 4 * outH), tW = table.Slice(4 * (outD + outH), 4 * outW);
            WindowTable(tD, outD, g[GeoStride], g[GeoPadBegin], g[GeoKernel], dD, inD, g[GeoPadEnd]);
            WindowTable(tH, outH, g[GeoStride + 1], g[GeoPadBegin + 1], g[GeoKernel + 1], dH, inH, g[GeoPadEnd + 1]);
            WindowTable(tW, outW, g[GeoStride + 2], g[GeoPadBegin + 2], g[GeoKernel + 2], dW, inW, g[GeoPadEnd + 2]);
            for (int p = 0; p < planes; p++)
            {
                ReadOnlySpan<float> input = x.Slice(p * inPlane, inPlane);
                Span<float> output = y.Slice(p * outPlane, outPlane);
                int o = 0;
                for (int od = 0; od < outD; od++)
                    for (int oh = 0; oh < outH; oh++)
                        for (int ow = 0; ow < outW; ow++, o++)
                        {
                            float result = max ? float.NegativeInfinity : 0f;
                            for (int kd = tD[4 * od + 1]; kd < tD[4 * od + 2]; kd++)
                                for (int kh = tH[4 * oh + 1]; kh < tH[4 * oh + 2]; kh++)
                                {
                                    int row = ((tD[4 * od] + kd * dD) * inH + tH[4 * oh] + kh * dH) * inW + tW[4 * ow];
                                    for (int kw = tW[4 * ow + 1]; kw < tW[4 * ow + 2]; kw++)
                                    {
                                        float v = input[row + kw * dW];
                                        if (!max) result += v;
                                        else if (v > result || float.IsNaN(v)) result = v;
                                    }
                                }
                            if (!max)
                            {
                                int divisor = countIncludePad
                                    ? tD[4 * od + 3] * tH[4 * oh + 3] * tW[4 * ow + 3]
                                    : (tD[4 * od + 2] - tD[4 * od + 1]) * (tH[4 * oh + 2] - tH[4 * oh + 1]) * (tW[4 * ow + 2] - tW[4 * ow + 1]);
                                result = divisor == 0 ? 0f : result / divisor;
                            }
                            output[o] = result;
                        }
            }
        }

        /// <summary>
        /// 2-D max or average pooling whose windows all lie inside the input (no padding, no dilation), as planned at build
        /// time (PoolPlanner.UnpaddedPossible): plain loops over locals, 2x2 stride-2 max pooling in vectors.
        /// </summary>
        public static void PoolUnpadded(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, bool max)
        {
            CheckWindow(x, y, g);
            int inH = g[GeoIn + 1], inW = g[GeoIn + 2], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            if (g[GeoOutChannels] != g[GeoInChannels] || g[GeoIn] != 1 || g[GeoOut] != 1 || g[GeoPadBegin + 1] != 0 || g[GeoPadBegin + 2] != 0
                || g[GeoPadEnd + 1] != 0 || g[GeoPadEnd + 2] != 0 || g[GeoDilation + 1] != 1 || g[GeoDilation + 2] != 1
                || (outH - 1) * g[GeoStride + 1] + g[GeoKernel + 1] > inH || (outW - 1) * g[GeoStride + 2] + g[GeoKernel + 2] > inW)
                throw new ArgumentException("the pool's windows are not all inside an unpadded 2-D input");
            PoolUnpadded2D(x, y, g[GeoImages] * g[GeoInChannels], inH, inW, outH, outW, g[GeoKernel + 1], g[GeoKernel + 2], g[GeoStride + 1], g[GeoStride + 2], max);
        }

        /// <summary>The common 2-D case: every window inside the input, no dilation; plain loops over locals.</summary>
        private static void PoolUnpadded2D(ReadOnlySpan<float> x, Span<float> y, int planes, int inH, int inW, int outH, int outW, int kH, int kW, int sH, int sW, bool max)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref float ys = ref MemoryMarshal.GetReference(y);
            if (max && kH == 2 && kW == 2 && sH == 2 && sW == 2)
            {
                MaxPool2x2(ref xs, ref ys, planes, inH, inW, outH, outW);
                return;
            }
            float scale = 1f / (kH * kW);
            for (int p = 0; p < planes; p++)
            {
                ref float input = ref Unsafe.Add(ref xs, p * inH * inW);
                ref float output = ref Unsafe.Add(ref ys, p * outH * outW);
                for (int oh = 0; oh < outH; oh++)
                    for (int ow = 0; ow < outW; ow++)
                    {
                        ref float window = ref Unsafe.Add(ref input, oh * sH * inW + ow * sW);
                        float result = max ? float.NegativeInfinity : 0f;
                        for (int kh = 0; kh < kH; kh++)
                            for (int kw = 0; kw < kW; kw++)
                            {
                                float v = Unsafe.Add(ref window, kh * inW + kw);
                                if (!max) result += v;
                                else if (v > result || float.IsNaN(v)) result = v;
                            }
                        Unsafe.Add(ref output, oh * outW + ow) = max ? result : result * scale;
                    }
            }
        }

        /// <summary>
        /// Max over 2x2 windows with stride 2 inside the input: per output row, the two input rows' elementwise max,
        /// then the max of each even/odd pair of lanes (a shuffle), four outputs per Vector256 and two per Vector128,
        /// the last vector overlapping the one before. NaN wins, as in the general pool.
        /// </summary>
        private static void MaxPool2x2(ref float x, ref float y, int planes, int inH, int inW, int outH, int outW)
        {
            for (int p = 0; p < planes; p++)
                for (int oh = 0; oh < outH; oh++)
                {
                    ref float r0 = ref Unsafe.Add(ref x, (p * inH + 2 * oh) * inW);
                    ref float r1 = ref Unsafe.Add(ref r0, inW);
                    ref float o = ref Unsafe.Add(ref y, (p * outH + oh) * outW);
                    if (Vector256.IsHardwareAccelerated && outW >= 4)
                    {
                        for (int j = 0; ; j += 4)
                        {
                            if (j > outW - 4) j = outW - 4;
                            var m = MaxOrNaN(Vector256.LoadUnsafe(ref r0, (nuint)(2 * j)), Vector256.LoadUnsafe(ref r1, (nuint)(2 * j)));
                            var even = Vector256.Shuffle(m, Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6));
                            var odd = Vector256.Shuffle(m, Vector256.Create(1, 3, 5, 7, 1, 3, 5, 7));
                            MaxOrNaN(even, odd).GetLower().StoreUnsafe(ref o, (nuint)j);
                            if (j == outW - 4) break;
                        }
                    }
                    else if (Vector128.IsHardwareAccelerated && outW >= 2)
                    {
                        for (int j = 0; ; j += 2)
                        {
                            if (j > outW - 2) j = outW - 2;
                            var m = MaxOrNaN(Vector128.LoadUnsafe(ref r0, (nuint)(2 * j)), Vector128.LoadUnsafe(ref r1, (nuint)(2 * j)));
                            var pair = MaxOrNaN(Vector128.Shuffle(m, Vector128.Create(0, 2, 0, 2)), Vector128.Shuffle(m, Vector128.Create(1, 3, 1, 3)));
                            Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref o, j)), pair.AsUInt64().ToScalar());
                            if (j == outW - 2) break;
                        }
                    }
                    else
                    {
                        for (int j = 0; j < outW; j++)
                        {
                            float a = MaxOrNaN(Unsafe.Add(ref r0, 2 * j), Unsafe.Add(ref r0, 2 * j + 1));
                            Unsafe.Add(ref o, j) = MaxOrNaN(a, MaxOrNaN(Unsafe.Add(ref r1, 2 * j), Unsafe.Add(ref r1, 2 * j + 1)));
                        }
                    }
                }
        }

        /// <summary>a where a &gt; b or a is NaN, else b: NaN in either gives NaN (Vector Max differs across .NET versions).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> MaxOrNaN(Vector256<float> a, Vector256<float> b) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(a, b) | ~Vector256.Equals(a, a), a, b);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> MaxOrNaN(Vector128<float> a, Vector128<float> b) =>
            Vector128.ConditionalSelect(Vector128.GreaterThan(a, b) | ~Vector128.Equals(a, a), a, b);

        private static float MaxOrNaN(float a, float b) => a > b || float.IsNaN(a) ? a : b;

        private static void WindowTable(Span<int> table, int outSize, int stride, int padBegin, int kernel, int dilation, int size, int padEnd)
        {
            for (int o = 0; o < outSize; o++)
            {
                int start = o * stride - padBegin;
                WindowRange(start, kernel, dilation, size, padBegin, padEnd, out int first, out int end, out int padded);
                table[4 * o] = start;
                table[4 * o + 1] = first;
                table[4 * o + 2] = end;
                table[4 * o + 3] = padded;
            }
        }

        /// <summary>Taps k in [first, end) with start + k * dilation inside [0, size); padded: taps inside [-padBegin, size + padEnd).</summary>
        private static void WindowRange(int start, int kernel, int dilation, int size, int padBegin, int padEnd, out int first, out int end, out int padded)
        {
            first = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
            end = start > size - 1 ? 0 : Math.Min(kernel, (size - 1 - start) / dilation + 1);
            int pFirst = start >= -padBegin ? 0 : (-padBegin - start + dilation - 1) / dilation;
            int pEnd = start > size + padEnd - 1 ? 0 : Math.Min(kernel, (size + padEnd - 1 - start) / dilation + 1);
            padded = Math.Max(0, pEnd - pFirst);
            if (end < first) end = first;
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
