// PrunedCodegen runtime kernel: direct convolution of any map size in register tiles of 8 filters x 2 vectors of
// output positions (appended to Kernels.cs in the emitted source). Same geometry table as ConvKernels.cs.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>Filters per register tile of <see cref="ConvDirect"/>; its weights are stored [tile][tap][8 filters].</summary>
        public const int DirectFilters = 8;

        /// <summary>Output columns of a staged row are rounded up to this (two Vector512), so a vector never leaves its row.</summary>
        public const int DirectColumnRound = 32;

        /// <summary>Output rows per band: the filter tiles run over a band before the next, so its input rows stay in L1/L2.</summary>
        private const int DirectBandRows = 2;

        /// <summary>Activation fused into <see cref="ConvDirect"/>'s store: none, clamp to [p0, p1] (ReLU, Clip), LeakyRelu (alpha p0), HardSwish.</summary>
        public const int DirectNone = 0, DirectClamp = 1, DirectLeakyRelu = 2, DirectHardSwish = 3;

        /// <summary>The per-thread staged input of <see cref="ConvDirect"/>: grown once to the largest layer, never per call.</summary>
        [ThreadStatic] private static float[]? t_directStage;

        /// <summary>
        /// Floats per staged row part (one stride phase) of <see cref="ConvDirect"/>: enough for every padded input column of
        /// the phase and for the output columns rounded up to <see cref="DirectColumnRound"/> plus the widest tap shift.
        /// The generator computes the same number to place the taps (ConvPlanner.DirectPhaseLength).
        /// </summary>
        public static int DirectPhaseLength(int paddedW, int outW, int kW, int dW, int sW) =>
            Math.Max((paddedW + sW - 1) / sW, (outW + DirectColumnRound - 1) / DirectColumnRound * DirectColumnRound + (kW - 1) * dW / sW);

        /// <summary>
        /// Ungrouped convolution of any size, stride, dilation and padding, vectorised over output positions along a row.
        /// The input is staged once per image in the per-thread buffer with its zero padding explicit, each padded row split
        /// into its W-stride phases (column j goes to phase j % sW at j / sW), so the inputs of consecutive output columns
        /// for a tap are consecutive floats whatever the stride: output (row r, column ow) reads, for tap (c, kd, kh, kw),
        /// stage[rowBase(r) + offset(tap) + ow], with the offsets placed at build time. Filters go in tiles of 8 whose
        /// weights are [tap][8 filters] for just the taps any of the 8 uses (zero taps, dead input channels cost nothing);
        /// per tap, two vectors of positions are loaded and 8 weights broadcast into 16 independent accumulators. Bias
        /// (with any folded BatchNorm) seeds the accumulators; the activation is applied in the store. Bands of output rows
        /// run every filter tile before the next band, so the band's input rows are read from cache.
        /// </summary>
        public static void ConvDirect(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> tileWeights, ReadOnlySpan<int> tapOffsets, ReadOnlySpan<int> tileStarts, int activation, float p0, float p1)
        {
            CheckWindow(x, y, g);
            int outW = g[GeoOut + 2];
            if (Vector512.IsHardwareAccelerated && outW > Vector256<float>.Count)
                ConvDirect<Width512, Vector512<float>>(x, y, g, bias, tileWeights, tapOffsets, tileStarts, activation, p0, p1);
            else if (Vector256.IsHardwareAccelerated && outW > Vector128<float>.Count)
                ConvDirect<Width256, Vector256<float>>(x, y, g, bias, tileWeights, tapOffsets, tileStarts, activation, p0, p1);
            else if (Vector128.IsHardwareAccelerated)
                ConvDirect<Width128, Vector128<float>>(x, y, g, bias, tileWeights, tapOffsets, tileStarts, activation, p0, p1);
            else
                ConvDirect<ScalarWidth, float>(x, y, g, bias, tileWeights, tapOffsets, tileStarts, activation, p0, p1);
        }

        /// <summary><see cref="ConvDirect"/> at one vector width (tests call each width directly).</summary>
        internal static void ConvDirect<W, V>(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> g, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> tileWeights, ReadOnlySpan<int> tapOffsets, ReadOnlySpan<int> tileStarts, int activation, float p0, float p1)
            where W : struct, IVectorWidth<V> where V : struct
        {
            CheckWindow(x, y, g);
            int images = g[GeoImages], inChannels = g[GeoInChannels], outChannels = g[GeoOutChannels];
            int inD = g[GeoIn], inH = g[GeoIn + 1], inW = g[GeoIn + 2], outD = g[GeoOut], outH = g[GeoOut + 1], outW = g[GeoOut + 2];
            int sD = g[GeoStride], sH = g[GeoStride + 1], sW = g[GeoStride + 2];
            int padD = g[GeoPadBegin], padH = g[GeoPadBegin + 1], padW = g[GeoPadBegin + 2];
            int pD = inD + padD + g[GeoPadEnd], pH = inH + padH + g[GeoPadEnd + 1], pW = inW + padW + g[GeoPadEnd + 2];
            int phase = DirectPhaseLength(pW, outW, g[GeoKernel + 2], g[GeoDilation + 2], sW), rowLength = sW * phase;
            int inPlane = inD * inH * inW, outPlane = outD * outH * outW, outRows = outD * outH;
            int tiles = (outChannels + DirectFilters - 1) / DirectFilters;
            long channelLength = (long)pD * pH * rowLength, staged = inChannels * channelLength;
            if (staged > int.MaxValue / 2 || tileStarts.Length != tiles + 1 || tileStarts[0] != 0 || tileStarts[tiles] != tapOffsets.Length
                || tileWeights.Length != DirectFilters * tapOffsets.Length || (!bias.IsEmpty && bias.Length != outChannels)
                || (activation != DirectNone && activation != DirectClamp && activation != DirectLeakyRelu && activation != DirectHardSwish))
                throw new ArgumentException("direct conv data and geometry disagree");
            if (outPlane == 0 || outChannels == 0) return;
            // Every read is stage[rowBase + offset + column] with column < outW rounded up to DirectColumnRound: an offset in
            // [0, limit] keeps the last row's reads inside the staged input.
            long lastRow = ((long)(outD - 1) * sD * pH + (long)(outH - 1) * sH) * rowLength;
            long limit = staged - lastRow - (outW + DirectColumnRound - 1) / DirectColumnRound * DirectColumnRound;
            for (int t = 0; t < tapOffsets.Length; t++)
                if ((uint)tapOffsets[t] > limit) throw new ArgumentException("direct conv tap offset outside the staged input");
            for (int k = 0; k < tiles; k++)
                if (tileStarts[k + 1] < tileStarts[k]) throw new ArgumentException("direct conv data and geometry disagree");

            float[] stage = t_directStage is { } s && s.Length >= staged ? s : (t_directStage = new float[staged]);
            ref float source = ref MemoryMarshal.GetArrayDataReference(stage);
            var epilogue = new DirectEpilogue<W, V>(activation, p0, p1);
            Span<float> b = stackalloc float[DirectFilters];
            Span<float> lanes = stackalloc float[16];
            int perRow = (outW + W.Count - 1) / W.Count;
            for (int n = 0; n < images; n++)
            {
                StageDirectInput(x.Slice(n * inChannels * inPlane, inChannels * inPlane), stage, inChannels, inD, inH, inW, pD, pH, padD, padH, padW, sW, phase);
                Span<float> output = y.Slice(n * outChannels * outPlane, outChannels * outPlane);
                for (int band = 0; band < outRows; band += DirectBandRows)
                {
                    int bandRows = Math.Min(DirectBandRows, outRows - band), vectors = bandRows * perRow;
                    for (int tile = 0; tile < tiles; tile++)
                    {
                        int first = tile * DirectFilters, count = Math.Min(DirectFilters, outChannels - first);
                        for (int f = 0; f < DirectFilters; f++) b[f] = f < count && !bias.IsEmpty ? bias[first + f] : 0f;
                        int t0 = tileStarts[tile], taps = tileStarts[tile + 1] - t0;
                        ref int offsets = ref Unsafe.Add(ref MemoryMarshal.GetReference(tapOffsets), t0);
                        ref float weights = ref Unsafe.Add(ref MemoryMarshal.GetReference(tileWeights), DirectFilters * t0);
                        ref float plane = ref MemoryMarshal.GetReference(output.Slice(first * outPlane, count * outPlane));
                        // Vectors of positions in row-major order over the band, two at a time (from the same row or the next).
                        for (int v = 0; v < vectors; v += 2)
                        {
                            int r0 = band + v / perRow, c0 = v % perRow * W.Count;
                            nuint in0 = (nuint)DirectRowBase(r0, outH, sD, sH, pH, rowLength) + (nuint)c0;
                            int out0 = r0 * outW + c0, n0 = Math.Min(W.Count, outW - c0);
                            if (v + 1 < vectors)
                            {
                                int r1 = band + (v + 1) / perRow, c1 = (v + 1) % perRow * W.Count;
                                nuint in1 = (nuint)DirectRowBase(r1, outH, sD, sH, pH, rowLength) + (nuint)c1;
                                int out1 = r1 * outW + c1, n1 = Math.Min(W.Count, outW - c1);
                                DirectTile8x2<W, V>(ref source, in0, in1, ref offsets, ref weights, taps, b, ref plane, outPlane, count, out0, n0, out1, n1, in epilogue, lanes);
                            }
                            else
                                DirectTile8x1<W, V>(ref source, in0, ref offsets, ref weights, taps, b, ref plane, outPlane, count, out0, n0, in epilogue, lanes);
                        }
                    }
                }
            }
        }

        /// <summary>Where output row r (over D x H) starts in the staged input: its top-left window corner.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static long DirectRowBase(int r, int outH, int sD, int sH, int pH, int rowLength) =>
            ((long)(r / outH) * sD * pH + (long)(r % outH) * sH) * rowLength;

        /// <summary>
        /// Copies one image into the stage: per channel, pD x pH rows of sW phases of <paramref name="phase"/> floats; padded
        /// rows and columns, and the slack past each phase, are zero (rewritten per call: the buffer is shared by layers).
        /// </summary>
        private static void StageDirectInput(ReadOnlySpan<float> image, Span<float> stage, int channels, int inD, int inH, int inW,
            int pD, int pH, int padD, int padH, int padW, int sW, int phase)
        {
            int rowLength = sW * phase;
            for (int c = 0; c < channels; c++)
                for (int d = 0; d < pD; d++)
                    for (int h = 0; h < pH; h++)
                    {
                        Span<float> row = stage.Slice(((c * pD + d) * pH + h) * rowLength, rowLength);
                        int id = d - padD, ih = h - padH;
                        if ((uint)id >= (uint)inD || (uint)ih >= (uint)inH) { row.Clear(); continue; }
                        ReadOnlySpan<float> input = image.Slice(((c * inD + id) * inH + ih) * inW, inW);
                        if (sW == 1)
                        {
                            ref float row0 = ref MemoryMarshal.GetReference(row);
                            ZeroRun(ref row0, padW);
                            input.CopyTo(row.Slice(padW));
                            ZeroRun(ref Unsafe.Add(ref row0, padW + inW), row.Length - padW - inW);
                            continue;
                        }
                        // Padded column j = padW + i goes to phase j % sW, position j / sW: slot k of phase ph is input column
                        // ph - padW + k * sW.
                        for (int ph = 0; ph < sW; ph++)
                            StageDirectPhase(input, row.Slice(ph * phase, phase), ph - padW, sW);
                    }
        }

        /// <summary>
        /// part[k] = input[first + k * stride] for the slots whose column lies inside the input (one run of slots), 0 for the
        /// rest. A per-slot bounds test here was most of a stride-2 first layer's time (MobileNet's 3x96x96: 65 us of the
        /// layer's 70, its FMAs ~7 us); the run is copied without tests, stride 2 as a vector deinterleave. This is called
        /// once per padded row and phase (ResNet-8's 16x32x32 stride-2 conv: 1,088 times per call), so the zero runs are
        /// vector stores rather than Span.Clear calls and the deinterleave has no scalar tail: staging that layer took 14.8
        /// of its 27.4 us before (Zen 5).
        /// </summary>
        private static void StageDirectPhase(ReadOnlySpan<float> input, Span<float> part, int first, int stride)
        {
            int k0 = first >= 0 ? 0 : (int)Math.Min(part.Length, (-(long)first + stride - 1) / stride);
            int last = input.Length - 1 - first;   // slot k is inside while k * stride <= last
            int k1 = last < 0 ? 0 : Math.Min(part.Length, last / stride + 1);
            if (k1 < k0) k1 = k0;
            ref float part0 = ref MemoryMarshal.GetReference(part);
            ZeroRun(ref part0, k0);
            ZeroRun(ref Unsafe.Add(ref part0, k1), part.Length - k1);
            int count = k1 - k0;
            if (count == 0) return;
            ref float src = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), first + k0 * stride);
            ref float dst = ref Unsafe.Add(ref part0, k0);
            if (stride == 2) CopyEveryOther(ref src, ref dst, count);
            else for (int k = 0; k < count; k++) Unsafe.Add(ref dst, k) = Unsafe.Add(ref src, k * stride);
        }

        /// <summary>Zeroes d[0, n): whole vectors, the last one overlapping, at the widest width n fills.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ZeroRun(ref float d, int n)
        {
            if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
            {
                for (int i = 0; i < n - Vector512<float>.Count; i += Vector512<float>.Count) Vector512<float>.Zero.StoreUnsafe(ref d, (nuint)i);
                Vector512<float>.Zero.StoreUnsafe(ref d, (nuint)(n - Vector512<float>.Count));
            }
            else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
            {
                for (int i = 0; i < n - Vector256<float>.Count; i += Vector256<float>.Count) Vector256<float>.Zero.StoreUnsafe(ref d, (nuint)i);
                Vector256<float>.Zero.StoreUnsafe(ref d, (nuint)(n - Vector256<float>.Count));
            }
            else
                for (int i = 0; i < n; i++) Unsafe.Add(ref d, i) = 0f;
        }

        /// <summary>
        /// dst[k] = src[2k] for k &lt; count, reading src[0 .. 2 * count - 2] only: whole vectors at the widest width count
        /// fills, the last one overlapping the one before, one float at a time below one vector.
        /// </summary>
        internal static void CopyEveryOther(ref float src, ref float dst, int count)
        {
            if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count) CopyEveryOther512(ref src, ref dst, count);
            else if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count) CopyEveryOther256(ref src, ref dst, count);
            else if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count) CopyEveryOther128(ref src, ref dst, count);
            else for (int k = 0; k < count; k++) Unsafe.Add(ref dst, k) = Unsafe.Add(ref src, 2 * k);
        }

        // Each vector of evens comes from two loads: the lower lanes are the evens of src[2k ..], the upper lanes the odd
        // elements of a load one float short of the next vector (src[2k + W - 1 ..]), so nothing past src[2k + 2W - 2] is read.

        internal static void CopyEveryOther512(ref float src, ref float dst, int count)
        {
            int k = 0;
            for (; k + 16 <= count; k += 16) Evens512(ref src, (nuint)(2 * k)).StoreUnsafe(ref dst, (nuint)k);
            if (k < count) Evens512(ref src, (nuint)(2 * (count - 16))).StoreUnsafe(ref dst, (nuint)(count - 16));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Evens512(ref float src, nuint at)
        {
            Vector512<float> lo = Vector512.Shuffle(Vector512.LoadUnsafe(ref src, at), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0));
            Vector512<float> hi = Vector512.Shuffle(Vector512.LoadUnsafe(ref src, at + 15), Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 7, 9, 11, 13, 15));
            return Vector512.ConditionalSelect(Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0).AsSingle(), lo, hi);
        }

        internal static void CopyEveryOther256(ref float src, ref float dst, int count)
        {
            int k = 0;
            for (; k + 8 <= count; k += 8) Evens256(ref src, (nuint)(2 * k)).StoreUnsafe(ref dst, (nuint)k);
            if (k < count) Evens256(ref src, (nuint)(2 * (count - 8))).StoreUnsafe(ref dst, (nuint)(count - 8));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Evens256(ref float src, nuint at)
        {
            Vector256<float> lo = Vector256.Shuffle(Vector256.LoadUnsafe(ref src, at), Vector256.Create(0, 2, 4, 6, 0, 0, 0, 0));
            Vector256<float> hi = Vector256.Shuffle(Vector256.LoadUnsafe(ref src, at + 7), Vector256.Create(0, 0, 0, 0, 1, 3, 5, 7));
            return Vector256.ConditionalSelect(Vector256.Create(-1, -1, -1, -1, 0, 0, 0, 0).AsSingle(), lo, hi);
        }

        internal static void CopyEveryOther128(ref float src, ref float dst, int count)
        {
            int k = 0;
            for (; k + 4 <= count; k += 4) Evens128(ref src, (nuint)(2 * k)).StoreUnsafe(ref dst, (nuint)k);
            if (k < count) Evens128(ref src, (nuint)(2 * (count - 4))).StoreUnsafe(ref dst, (nuint)(count - 4));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Evens128(ref float src, nuint at)
        {
            Vector128<float> lo = Vector128.Shuffle(Vector128.LoadUnsafe(ref src, at), Vector128.Create(0, 2, 0, 0));
            Vector128<float> hi = Vector128.Shuffle(Vector128.LoadUnsafe(ref src, at + 3), Vector128.Create(0, 0, 1, 3));
            return Vector128.ConditionalSelect(Vector128.Create(-1, -1, 0, 0).AsSingle(), lo, hi);
        }

        /// <summary>The fused activation of <see cref="ConvDirect"/>'s store, its constants broadcast once per call.</summary>
        private readonly struct DirectEpilogue<W, V> where W : struct, IVectorWidth<V> where V : struct
        {
            private readonly int _kind;
            private readonly V _low, _high, _alpha;

            public DirectEpilogue(int kind, float p0, float p1)
            {
                _kind = kind;
                (_low, _high, _alpha) = kind switch
                {
                    DirectClamp => (W.Broadcast(p0), W.Broadcast(p1), W.Zero),
                    DirectLeakyRelu => (W.Zero, W.Zero, W.Broadcast(p0)),
                    DirectHardSwish => (W.Zero, W.Broadcast(1f), W.Broadcast(1f / 6f)),
                    _ => (W.Zero, W.Zero, W.Zero),
                };
            }

            /// <summary>NaN stays NaN in every kind (Clamp keeps NaN); LeakyRelu as max(v, 0) + alpha * min(v, 0), alpha nonzero.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public V Apply(V v) => _kind switch
            {
                DirectNone => v,
                DirectClamp => W.Clamp(v, _low, _high),
                DirectLeakyRelu => W.Add(W.Clamp(v, W.Zero, W.Broadcast(float.PositiveInfinity)), W.Multiply(W.Clamp(v, W.Broadcast(float.NegativeInfinity), W.Zero), _alpha)),
                _ => W.Multiply(v, W.Clamp(W.MulAdd(v, _alpha, W.Broadcast(0.5f)), _low, _high)),
            };
        }

        /// <summary>Stores the first <paramref name="n"/> lanes of v at dst (all of them with one store when n is the full width).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void DirectStore<W, V>(V v, ref float dst, int n, Span<float> lanes) where W : struct, IVectorWidth<V> where V : struct
        {
            if (n == W.Count) { W.Store(v, ref dst); return; }
            W.Store(v, ref MemoryMarshal.GetReference(lanes));
            for (int i = 0; i < n; i++) Unsafe.Add(ref dst, i) = lanes[i];
        }

        /// <summary>8 filters x 2 vectors of positions (staged at in0 and in1): 16 accumulators, per tap 2 loads, 8 broadcasts, 16 FMAs.</summary>
        private static void DirectTile8x2<W, V>(ref float source, nuint in0, nuint in1, ref int offsets, ref float weights, int taps,
            ReadOnlySpan<float> b, ref float y, int plane, int count, int out0, int n0, int out1, int n1, in DirectEpilogue<W, V> epilogue, Span<float> lanes)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V a0 = W.Broadcast(b[0]), a1 = W.Broadcast(b[1]), a2 = W.Broadcast(b[2]), a3 = W.Broadcast(b[3]);
            V a4 = W.Broadcast(b[4]), a5 = W.Broadcast(b[5]), a6 = W.Broadcast(b[6]), a7 = W.Broadcast(b[7]);
            V c0 = a0, c1 = a1, c2 = a2, c3 = a3, c4 = a4, c5 = a5, c6 = a6, c7 = a7;
            for (int t = 0; t < taps; t++)
            {
                ref float s = ref Unsafe.Add(ref source, Unsafe.Add(ref offsets, t));
                V x0 = W.Load(ref s, in0), x1 = W.Load(ref s, in1);
                ref float w = ref Unsafe.Add(ref weights, DirectFilters * t);
                V wv = W.Broadcast(w);
                a0 = W.MulAdd(x0, wv, a0); c0 = W.MulAdd(x1, wv, c0);
                wv = W.Broadcast(Unsafe.Add(ref w, 1));
                a1 = W.MulAdd(x0, wv, a1); c1 = W.MulAdd(x1, wv, c1);
                wv = W.Broadcast(Unsafe.Add(ref w, 2));
                a2 = W.MulAdd(x0, wv, a2); c2 = W.MulAdd(x1, wv, c2);
                wv = W.Broadcast(Unsafe.Add(ref w, 3));
                a3 = W.MulAdd(x0, wv, a3); c3 = W.MulAdd(x1, wv, c3);
                wv = W.Broadcast(Unsafe.Add(ref w, 4));
                a4 = W.MulAdd(x0, wv, a4); c4 = W.MulAdd(x1, wv, c4);
                wv = W.Broadcast(Unsafe.Add(ref w, 5));
                a5 = W.MulAdd(x0, wv, a5); c5 = W.MulAdd(x1, wv, c5);
                wv = W.Broadcast(Unsafe.Add(ref w, 6));
                a6 = W.MulAdd(x0, wv, a6); c6 = W.MulAdd(x1, wv, c6);
                wv = W.Broadcast(Unsafe.Add(ref w, 7));
                a7 = W.MulAdd(x0, wv, a7); c7 = W.MulAdd(x1, wv, c7);
            }
            DirectStore2<W, V>(a0, c0, ref y, out0, n0, out1, n1, in epilogue, lanes);
            if (count > 1) DirectStore2<W, V>(a1, c1, ref Unsafe.Add(ref y, plane), out0, n0, out1, n1, in epilogue, lanes);
            if (count > 2) DirectStore2<W, V>(a2, c2, ref Unsafe.Add(ref y, 2 * plane), out0, n0, out1, n1, in epilogue, lanes);
            if (count > 3) DirectStore2<W, V>(a3, c3, ref Unsafe.Add(ref y, 3 * plane), out0, n0, out1, n1, in epilogue, lanes);
            if (count > 4) DirectStore2<W, V>(a4, c4, ref Unsafe.Add(ref y, 4 * plane), out0, n0, out1, n1, in epilogue, lanes);
            if (count > 5) DirectStore2<W, V>(a5, c5, ref Unsafe.Add(ref y, 5 * plane), out0, n0, out1, n1, in epilogue, lanes);
            if (count > 6) DirectStore2<W, V>(a6, c6, ref Unsafe.Add(ref y, 6 * plane), out0, n0, out1, n1, in epilogue, lanes);
            if (count > 7) DirectStore2<W, V>(a7, c7, ref Unsafe.Add(ref y, 7 * plane), out0, n0, out1, n1, in epilogue, lanes);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void DirectStore2<W, V>(V first, V second, ref float y, int out0, int n0, int out1, int n1, in DirectEpilogue<W, V> epilogue, Span<float> lanes)
            where W : struct, IVectorWidth<V> where V : struct
        {
            DirectStore<W, V>(epilogue.Apply(first), ref Unsafe.Add(ref y, out0), n0, lanes);
            DirectStore<W, V>(epilogue.Apply(second), ref Unsafe.Add(ref y, out1), n1, lanes);
        }

        /// <summary>8 filters x 1 vector of positions: the last vector of a band when their count is odd.</summary>
        private static void DirectTile8x1<W, V>(ref float source, nuint in0, ref int offsets, ref float weights, int taps,
            ReadOnlySpan<float> b, ref float y, int plane, int count, int out0, int n0, in DirectEpilogue<W, V> epilogue, Span<float> lanes)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V a0 = W.Broadcast(b[0]), a1 = W.Broadcast(b[1]), a2 = W.Broadcast(b[2]), a3 = W.Broadcast(b[3]);
            V a4 = W.Broadcast(b[4]), a5 = W.Broadcast(b[5]), a6 = W.Broadcast(b[6]), a7 = W.Broadcast(b[7]);
            for (int t = 0; t < taps; t++)
            {
                V x0 = W.Load(ref Unsafe.Add(ref source, Unsafe.Add(ref offsets, t)), in0);
                ref float w = ref Unsafe.Add(ref weights, DirectFilters * t);
                a0 = W.MulAdd(x0, W.Broadcast(w), a0);
                a1 = W.MulAdd(x0, W.Broadcast(Unsafe.Add(ref w, 1)), a1);
                a2 = W.MulAdd(x0, W.Broadcast(Unsafe.Add(ref w, 2)), a2);
                a3 = W.MulAdd(x0, W.Broadcast(Unsafe.Add(ref w, 3)), a3);
                a4 = W.MulAdd(x0, W.Broadcast(Unsafe.Add(ref w, 4)), a4);
                a5 = W.MulAdd(x0, W.Broadcast(Unsafe.Add(ref w, 5)), a5);
                a6 = W.MulAdd(x0, W.Broadcast(Unsafe.Add(ref w, 6)), a6);
                a7 = W.MulAdd(x0, W.Broadcast(Unsafe.Add(ref w, 7)), a7);
            }
            DirectStore<W, V>(epilogue.Apply(a0), ref Unsafe.Add(ref y, out0), n0, lanes);
            if (count > 1) DirectStore<W, V>(epilogue.Apply(a1), ref Unsafe.Add(ref y, plane + out0), n0, lanes);
            if (count > 2) DirectStore<W, V>(epilogue.Apply(a2), ref Unsafe.Add(ref y, 2 * plane + out0), n0, lanes);
            if (count > 3) DirectStore<W, V>(epilogue.Apply(a3), ref Unsafe.Add(ref y, 3 * plane + out0), n0, lanes);
            if (count > 4) DirectStore<W, V>(epilogue.Apply(a4), ref Unsafe.Add(ref y, 4 * plane + out0), n0, lanes);
            if (count > 5) DirectStore<W, V>(epilogue.Apply(a5), ref Unsafe.Add(ref y, 5 * plane + out0), n0, lanes);
            if (count > 6) DirectStore<W, V>(epilogue.Apply(a6), ref Unsafe.Add(ref y, 6 * plane + out0), n0, lanes);
            if (count > 7) DirectStore<W, V>(epilogue.Apply(a7), ref Unsafe.Add(ref y, 7 * plane + out0), n0, lanes);
        }
    }
}
