// PrunedCodegen runtime kernels: the single-sample dense layer, written once over the vector width (appended to Kernels.cs).
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>Dense layer without an activation: <see cref="DenseColumns(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, float, float)"/> with no clamp.</summary>
        public static void DenseColumns(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y) =>
            DenseColumns(weights, bias, x, y, float.NegativeInfinity, float.PositiveInfinity);

        /// <summary>
        /// Dense layer: y[c] = clamp(bias[c] + sum_p x[p] * W[p, c], low, high) for weights stored input-major,
        /// [x.Length][y.Length]. The clamp is the fused activation: (0, +inf) is ReLU, (min, max) is Clip, (-inf, +inf) is
        /// none; it keeps NaN, as ONNX's Relu and Clip do. Vectorised across outputs: each x[p] is broadcast and multiplied
        /// into a register tile of output accumulators, so there are no horizontal sums and no scalar tails (the last vector
        /// of a layer overlaps the one before it and recomputes those outputs to the same values).
        /// </summary>
        public static void DenseColumns(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, float low, float high)
        {
            int k = x.Length, n = y.Length;
            if (weights.Length != k * n || (!bias.IsEmpty && bias.Length != n)) throw new ArgumentException("weight, bias and span lengths disagree");
            ref float w = ref MemoryMarshal.GetReference(weights);
            ref float b = ref MemoryMarshal.GetReference(bias);
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref float ys = ref MemoryMarshal.GetReference(y);
            bool hasBias = !bias.IsEmpty;
            // The widest accelerated width whose vector fits the layer's outputs (the overlapping last vector needs n >= Count).
            if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count) DenseColumns<Width512, Vector512<float>>(ref w, ref b, hasBias, ref xs, k, ref ys, n, low, high);
            else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count) DenseColumns<Width256, Vector256<float>>(ref w, ref b, hasBias, ref xs, k, ref ys, n, low, high);
            else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count) DenseColumns<Width128, Vector128<float>>(ref w, ref b, hasBias, ref xs, k, ref ys, n, low, high);
            else DenseColumns<ScalarWidth, float>(ref w, ref b, hasBias, ref xs, k, ref ys, n, low, high);
        }

        /// <summary>Columns of a narrow dense layer's padded weights and bias (<see cref="DenseColumnsPadded"/>): one Vector512.</summary>
        public const int DensePaddedColumns = 16;

        /// <summary>
        /// A narrow dense layer (2-15 outputs) whose weights the generator padded with zero columns to
        /// <see cref="DensePaddedColumns"/>: weights input-major [x.Length][16], bias empty or 16 long (zero past y.Length).
        /// Otherwise as <see cref="DenseColumns(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, float, float)"/>.
        /// The 16 padded outputs are whole vectors at every width, one Vector512, two Vector256 or four Vector128 per input
        /// (unpadded, 10 outputs take two overlapping Vector256 even where Vector512 runs, 3 outputs run scalar): one register
        /// tile (1 x 8, 2 x 4 or 4 x 2 phases, 8 accumulators), called directly rather than through the generic driver,
        /// stores them to a 16-float local and the first y.Length are copied out. The scalar path reads the padded rows at
        /// their stride and computes only the real outputs. Single-kernel loop on Zen 5 (AVX-512, loaded machine), against
        /// the unpadded kernel: 55x10 1.07-1.19x, 64x10 1.07x, 512x10 1.18x, 55x12 1.34x, 55x3 2.2x, 55x6 1.04x.
        /// </summary>
        public static void DenseColumnsPadded(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, float low, float high)
        {
            const int stride = DensePaddedColumns;
            int k = x.Length, n = y.Length;
            if (n > stride || weights.Length != k * stride || (!bias.IsEmpty && bias.Length != stride)) throw new ArgumentException("padded weight, bias and span lengths disagree");
            ref float w = ref MemoryMarshal.GetReference(weights);
            ref float b = ref MemoryMarshal.GetReference(bias);
            ref float xs = ref MemoryMarshal.GetReference(x);
            bool hasBias = !bias.IsEmpty;
            if (!Vector128.IsHardwareAccelerated)
            {
                DenseColumns<ScalarWidth, float>(ref w, stride, ref b, hasBias, ref xs, k, ref MemoryMarshal.GetReference(y), n, low, high);
                return;
            }
            // The 16 outputs go to a Vector512-sized local (no stackalloc: no stack cookie), then the real ones to y.
            Vector512<float> padded = default;
            ref float ps = ref Unsafe.As<Vector512<float>, float>(ref padded);
            if (Vector512.IsHardwareAccelerated)
                DenseTile1x8<Width512, Vector512<float>>(ref w, stride, k, ref xs, hasBias, ref b, ref ps, Vector512.Create(low), Vector512.Create(high));
            else if (Vector256.IsHardwareAccelerated)
                DenseTile2x4<Width256, Vector256<float>>(ref w, stride, k, ref xs, hasBias, ref b, ref ps, 8, Vector256.Create(low), Vector256.Create(high));
            else
                DenseTile4x2<Width128, Vector128<float>>(ref w, stride, k, ref xs, hasBias, ref b, ref ps, 12, Vector128.Create(low), Vector128.Create(high));
            ref float ys = ref MemoryMarshal.GetReference(y);
            for (int c = 0; c < n; c++) Unsafe.Add(ref ys, c) = Unsafe.Add(ref ps, c);
        }

        // The width-generic bodies below are compiled fully optimised at once ([AggressiveOptimization]): unoptimised
        // (Tier0) code makes every W.* member a real call, and on a busy machine the tier-up to optimised code was seen
        // to take longer than a benchmark's 3 s warm-up (the digits model measured 7x slower than after tier-up).

        /// <summary>
        /// Machines with 32 vector registers (AVX-512, also for its 256- and 128-bit forms; ARM64) hold a 16-accumulator
        /// tile; with 16 (AVX2, SSE) the widest tile keeps 8 accumulators so that nothing spills. JIT-time constant.
        /// </summary>
        private static bool Has32VectorRegisters => System.Runtime.Intrinsics.X86.Avx512F.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;

        /// <summary>
        /// One dense layer at one vector width (n >= W.Count). Outputs go in tiles of 8 vectors, then at most one tile each
        /// of 4, 2 and 1 vectors; every tile keeps at least 8 independent accumulators (Zen 4/5: two FMA pipes, 4 cycles of
        /// latency) by splitting K into phases, 8 vectors x 2 phases on 32-register machines, 4 x 2, 2 x 4, 1 x 8. The last
        /// tile's last vector starts at n - W.Count. Weights are read as the FMA's memory operand, each exactly once; the K
        /// loop runs two or more inputs per iteration so that loads and FMAs interleave.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void DenseColumns<W, V>(ref float w, ref float bias, bool hasBias, ref float x, int k, ref float y, int n, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct =>
            DenseColumns<W, V>(ref w, n, ref bias, hasBias, ref x, k, ref y, n, low, high);

        /// <summary>The same over weight rows <paramref name="stride"/> floats apart (n &lt;= stride; padded layers).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void DenseColumns<W, V>(ref float w, int stride, ref float bias, bool hasBias, ref float x, int k, ref float y, int n, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int count = W.Count;
            V lo = W.Broadcast(low), hi = W.Broadcast(high);
            int j = 0;
            // Tiles of 8 vectors while more than 7 are left (the last of them may overlap the one before).
            for (; n - j > 7 * count; j += 8 * count)
            {
                int last = Math.Min(7 * count, n - count - j);
                if (Has32VectorRegisters) DenseTile8x2<W, V>(ref Unsafe.Add(ref w, j), stride, k, ref x, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), last, lo, hi);
                else DenseTile8<W, V>(ref Unsafe.Add(ref w, j), stride, k, ref x, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), last, lo, hi);
            }
            if (j >= n) return;
            // At most 7 vectors are left, the last one possibly partial: 4 + 2 + 1 of them as needed, the last tile's last
            // vector moved back to end at n.
            int vectors = (n - j + count - 1) / count;
            if (vectors >= 4)
            {
                int last = vectors == 4 ? n - count - j : 3 * count;
                DenseTile4x2<W, V>(ref Unsafe.Add(ref w, j), stride, k, ref x, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), last, lo, hi);
                j += 4 * count;
                vectors -= 4;
            }
            if (vectors >= 2)
            {
                int last = vectors == 2 ? n - count - j : count;
                DenseTile2x4<W, V>(ref Unsafe.Add(ref w, j), stride, k, ref x, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), last, lo, hi);
                j += 2 * count;
                vectors -= 2;
            }
            if (vectors == 1)
            {
                j = n - count;
                DenseTile1x8<W, V>(ref Unsafe.Add(ref w, j), stride, k, ref x, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), lo, hi);
            }
        }

        // The tiles: w, bias and y point at the tile's first output; vector t of the tile is at t * W.Count, except the
        // last, which is at `last` (normally (T - 1) * W.Count; less for the layer's overlapping last vector).

        /// <summary>8 vectors x 2 phases (even and odd inputs): 16 accumulators, for 32-register machines.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DenseTile8x2<W, V>(ref float w, int n, int k, ref float x, bool hasBias, ref float bias, ref float y, int last, V lo, V hi)
            where W : struct, IVectorWidth<V> where V : struct
        {
            nuint c = (nuint)W.Count, l = (nuint)last;
            V a0 = W.Zero, a1 = W.Zero, a2 = W.Zero, a3 = W.Zero, a4 = W.Zero, a5 = W.Zero, a6 = W.Zero, a7 = W.Zero;
            if (hasBias)
            {
                a0 = W.Load(ref bias); a1 = W.Load(ref bias, c); a2 = W.Load(ref bias, 2 * c); a3 = W.Load(ref bias, 3 * c);
                a4 = W.Load(ref bias, 4 * c); a5 = W.Load(ref bias, 5 * c); a6 = W.Load(ref bias, 6 * c); a7 = W.Load(ref bias, l);
            }
            V b0 = W.Zero, b1 = W.Zero, b2 = W.Zero, b3 = W.Zero, b4 = W.Zero, b5 = W.Zero, b6 = W.Zero, b7 = W.Zero;
            ref float row = ref w;
            int p = 0;
            for (; p + 2 <= k; p += 2)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref x, p));
                V x1 = W.Broadcast(Unsafe.Add(ref x, p + 1));
                ref float next = ref Unsafe.Add(ref row, n);
                a0 = W.MulAdd(W.Load(ref row), x0, a0);
                a1 = W.MulAdd(W.Load(ref row, c), x0, a1);
                a2 = W.MulAdd(W.Load(ref row, 2 * c), x0, a2);
                a3 = W.MulAdd(W.Load(ref row, 3 * c), x0, a3);
                a4 = W.MulAdd(W.Load(ref row, 4 * c), x0, a4);
                a5 = W.MulAdd(W.Load(ref row, 5 * c), x0, a5);
                a6 = W.MulAdd(W.Load(ref row, 6 * c), x0, a6);
                a7 = W.MulAdd(W.Load(ref row, l), x0, a7);
                b0 = W.MulAdd(W.Load(ref next), x1, b0);
                b1 = W.MulAdd(W.Load(ref next, c), x1, b1);
                b2 = W.MulAdd(W.Load(ref next, 2 * c), x1, b2);
                b3 = W.MulAdd(W.Load(ref next, 3 * c), x1, b3);
                b4 = W.MulAdd(W.Load(ref next, 4 * c), x1, b4);
                b5 = W.MulAdd(W.Load(ref next, 5 * c), x1, b5);
                b6 = W.MulAdd(W.Load(ref next, 6 * c), x1, b6);
                b7 = W.MulAdd(W.Load(ref next, l), x1, b7);
                row = ref Unsafe.Add(ref next, n);
            }
            if (p < k)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref x, p));
                a0 = W.MulAdd(W.Load(ref row), x0, a0); a1 = W.MulAdd(W.Load(ref row, c), x0, a1);
                a2 = W.MulAdd(W.Load(ref row, 2 * c), x0, a2); a3 = W.MulAdd(W.Load(ref row, 3 * c), x0, a3);
                a4 = W.MulAdd(W.Load(ref row, 4 * c), x0, a4); a5 = W.MulAdd(W.Load(ref row, 5 * c), x0, a5);
                a6 = W.MulAdd(W.Load(ref row, 6 * c), x0, a6); a7 = W.MulAdd(W.Load(ref row, l), x0, a7);
            }
            W.Store(W.Clamp(W.Add(a0, b0), lo, hi), ref y); W.Store(W.Clamp(W.Add(a1, b1), lo, hi), ref y, c);
            W.Store(W.Clamp(W.Add(a2, b2), lo, hi), ref y, 2 * c); W.Store(W.Clamp(W.Add(a3, b3), lo, hi), ref y, 3 * c);
            W.Store(W.Clamp(W.Add(a4, b4), lo, hi), ref y, 4 * c); W.Store(W.Clamp(W.Add(a5, b5), lo, hi), ref y, 5 * c);
            W.Store(W.Clamp(W.Add(a6, b6), lo, hi), ref y, 6 * c); W.Store(W.Clamp(W.Add(a7, b7), lo, hi), ref y, l);
        }

        /// <summary>8 vectors x 1 phase: 8 accumulators, for 16-register machines (AVX2, SSE).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DenseTile8<W, V>(ref float w, int n, int k, ref float x, bool hasBias, ref float bias, ref float y, int last, V lo, V hi)
            where W : struct, IVectorWidth<V> where V : struct
        {
            nuint c = (nuint)W.Count, l = (nuint)last;
            V a0 = W.Zero, a1 = W.Zero, a2 = W.Zero, a3 = W.Zero, a4 = W.Zero, a5 = W.Zero, a6 = W.Zero, a7 = W.Zero;
            if (hasBias)
            {
                a0 = W.Load(ref bias); a1 = W.Load(ref bias, c); a2 = W.Load(ref bias, 2 * c); a3 = W.Load(ref bias, 3 * c);
                a4 = W.Load(ref bias, 4 * c); a5 = W.Load(ref bias, 5 * c); a6 = W.Load(ref bias, 6 * c); a7 = W.Load(ref bias, l);
            }
            ref float row = ref w;
            for (int p = 0; p < k; p++, row = ref Unsafe.Add(ref row, n))
            {
                V x0 = W.Broadcast(Unsafe.Add(ref x, p));
                a0 = W.MulAdd(W.Load(ref row), x0, a0); a1 = W.MulAdd(W.Load(ref row, c), x0, a1);
                a2 = W.MulAdd(W.Load(ref row, 2 * c), x0, a2); a3 = W.MulAdd(W.Load(ref row, 3 * c), x0, a3);
                a4 = W.MulAdd(W.Load(ref row, 4 * c), x0, a4); a5 = W.MulAdd(W.Load(ref row, 5 * c), x0, a5);
                a6 = W.MulAdd(W.Load(ref row, 6 * c), x0, a6); a7 = W.MulAdd(W.Load(ref row, l), x0, a7);
            }
            W.Store(W.Clamp(a0, lo, hi), ref y); W.Store(W.Clamp(a1, lo, hi), ref y, c);
            W.Store(W.Clamp(a2, lo, hi), ref y, 2 * c); W.Store(W.Clamp(a3, lo, hi), ref y, 3 * c);
            W.Store(W.Clamp(a4, lo, hi), ref y, 4 * c); W.Store(W.Clamp(a5, lo, hi), ref y, 5 * c);
            W.Store(W.Clamp(a6, lo, hi), ref y, 6 * c); W.Store(W.Clamp(a7, lo, hi), ref y, l);
        }

        /// <summary>4 vectors x 2 phases: 8 accumulators.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DenseTile4x2<W, V>(ref float w, int n, int k, ref float x, bool hasBias, ref float bias, ref float y, int last, V lo, V hi)
            where W : struct, IVectorWidth<V> where V : struct
        {
            nuint c = (nuint)W.Count, l = (nuint)last;
            V a0 = W.Zero, a1 = W.Zero, a2 = W.Zero, a3 = W.Zero;
            if (hasBias) { a0 = W.Load(ref bias); a1 = W.Load(ref bias, c); a2 = W.Load(ref bias, 2 * c); a3 = W.Load(ref bias, l); }
            V b0 = W.Zero, b1 = W.Zero, b2 = W.Zero, b3 = W.Zero;
            ref float row = ref w;
            int p = 0;
            for (; p + 2 <= k; p += 2)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref x, p));
                V x1 = W.Broadcast(Unsafe.Add(ref x, p + 1));
                ref float next = ref Unsafe.Add(ref row, n);
                a0 = W.MulAdd(W.Load(ref row), x0, a0);
                a1 = W.MulAdd(W.Load(ref row, c), x0, a1);
                a2 = W.MulAdd(W.Load(ref row, 2 * c), x0, a2);
                a3 = W.MulAdd(W.Load(ref row, l), x0, a3);
                b0 = W.MulAdd(W.Load(ref next), x1, b0);
                b1 = W.MulAdd(W.Load(ref next, c), x1, b1);
                b2 = W.MulAdd(W.Load(ref next, 2 * c), x1, b2);
                b3 = W.MulAdd(W.Load(ref next, l), x1, b3);
                row = ref Unsafe.Add(ref next, n);
            }
            if (p < k)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref x, p));
                a0 = W.MulAdd(W.Load(ref row), x0, a0); a1 = W.MulAdd(W.Load(ref row, c), x0, a1);
                a2 = W.MulAdd(W.Load(ref row, 2 * c), x0, a2); a3 = W.MulAdd(W.Load(ref row, l), x0, a3);
            }
            W.Store(W.Clamp(W.Add(a0, b0), lo, hi), ref y); W.Store(W.Clamp(W.Add(a1, b1), lo, hi), ref y, c);
            W.Store(W.Clamp(W.Add(a2, b2), lo, hi), ref y, 2 * c); W.Store(W.Clamp(W.Add(a3, b3), lo, hi), ref y, l);
        }

        /// <summary>2 vectors x 4 phases (inputs p, p + 1, p + 2, p + 3): 8 accumulators.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DenseTile2x4<W, V>(ref float w, int n, int k, ref float x, bool hasBias, ref float bias, ref float y, int last, V lo, V hi)
            where W : struct, IVectorWidth<V> where V : struct
        {
            nuint c = (nuint)W.Count, l = (nuint)last, s = (nuint)n;
            V a0 = hasBias ? W.Load(ref bias) : W.Zero, a1 = hasBias ? W.Load(ref bias, l) : W.Zero;
            V b0 = W.Zero, b1 = W.Zero, d0 = W.Zero, d1 = W.Zero, e0 = W.Zero, e1 = W.Zero;
            ref float row = ref w;
            int p = 0;
            for (; p + 4 <= k; p += 4, row = ref Unsafe.Add(ref row, 4 * n))
            {
                V x0 = W.Broadcast(Unsafe.Add(ref x, p)), x1 = W.Broadcast(Unsafe.Add(ref x, p + 1));
                V x2 = W.Broadcast(Unsafe.Add(ref x, p + 2)), x3 = W.Broadcast(Unsafe.Add(ref x, p + 3));
                a0 = W.MulAdd(W.Load(ref row), x0, a0);
                a1 = W.MulAdd(W.Load(ref row, l), x0, a1);
                b0 = W.MulAdd(W.Load(ref row, s), x1, b0);
                b1 = W.MulAdd(W.Load(ref row, s + l), x1, b1);
                d0 = W.MulAdd(W.Load(ref row, 2 * s), x2, d0);
                d1 = W.MulAdd(W.Load(ref row, 2 * s + l), x2, d1);
                e0 = W.MulAdd(W.Load(ref row, 3 * s), x3, e0);
                e1 = W.MulAdd(W.Load(ref row, 3 * s + l), x3, e1);
            }
            for (; p < k; p++, row = ref Unsafe.Add(ref row, n))
            {
                V x0 = W.Broadcast(Unsafe.Add(ref x, p));
                a0 = W.MulAdd(W.Load(ref row), x0, a0);
                a1 = W.MulAdd(W.Load(ref row, l), x0, a1);
            }
            W.Store(W.Clamp(W.Add(W.Add(a0, b0), W.Add(d0, e0)), lo, hi), ref y);
            W.Store(W.Clamp(W.Add(W.Add(a1, b1), W.Add(d1, e1)), lo, hi), ref y, l);
        }

        /// <summary>1 vector x 8 phases (inputs p .. p + 7): 8 accumulators.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DenseTile1x8<W, V>(ref float w, int n, int k, ref float x, bool hasBias, ref float bias, ref float y, V lo, V hi)
            where W : struct, IVectorWidth<V> where V : struct
        {
            nuint s = (nuint)n;
            V a0 = hasBias ? W.Load(ref bias) : W.Zero, a1 = W.Zero, a2 = W.Zero, a3 = W.Zero, a4 = W.Zero, a5 = W.Zero, a6 = W.Zero, a7 = W.Zero;
            ref float row = ref w;
            int p = 0;
            for (; p + 8 <= k; p += 8, row = ref Unsafe.Add(ref row, 8 * n))
            {
                a0 = W.MulAdd(W.Load(ref row), W.Broadcast(Unsafe.Add(ref x, p)), a0);
                a1 = W.MulAdd(W.Load(ref row, s), W.Broadcast(Unsafe.Add(ref x, p + 1)), a1);
                a2 = W.MulAdd(W.Load(ref row, 2 * s), W.Broadcast(Unsafe.Add(ref x, p + 2)), a2);
                a3 = W.MulAdd(W.Load(ref row, 3 * s), W.Broadcast(Unsafe.Add(ref x, p + 3)), a3);
                a4 = W.MulAdd(W.Load(ref row, 4 * s), W.Broadcast(Unsafe.Add(ref x, p + 4)), a4);
                a5 = W.MulAdd(W.Load(ref row, 5 * s), W.Broadcast(Unsafe.Add(ref x, p + 5)), a5);
                a6 = W.MulAdd(W.Load(ref row, 6 * s), W.Broadcast(Unsafe.Add(ref x, p + 6)), a6);
                a7 = W.MulAdd(W.Load(ref row, 7 * s), W.Broadcast(Unsafe.Add(ref x, p + 7)), a7);
            }
            for (; p < k; p++, row = ref Unsafe.Add(ref row, n))
                a0 = W.MulAdd(W.Load(ref row), W.Broadcast(Unsafe.Add(ref x, p)), a0);
            W.Store(W.Clamp(W.Add(W.Add(W.Add(a0, a1), W.Add(a2, a3)), W.Add(W.Add(a4, a5), W.Add(a6, a7))), lo, hi), ref y);
        }
    }
}
