// PrunedCodegen runtime kernels: the GEMM micro-kernel (appended to Kernels.cs in the emitted source).
//
// Contract (also for callers other than the dense batch path, e.g. convolutions as implicit GEMM):
//
//     C[r][j] = act(bias[r] + sum_p A[r][p] * B[p][j])      r < m, j < cols, p < k
//
// - A, the weights, in one of two layouts, told apart by aStride:
//     aStride == GemmPanelRows (12): packed panels, [ceil(m / 12)][k][12], rows past m zero (GemmPack, or the emitter at
//       build time, writes this order): a panel of 12 rows reads one sequential run, 12 floats per k;
//     aStride == m (m >= 12): input-major [k][m] (the single-sample dense kernel's array), read in place, 12 rows at a
//       stride of m; the last panel then starts at m - 12 and overlaps the one before (the overlapping rows are computed
//       twice, identically).
// - B, the activations, [k][ldb]: row p holds the k-th input of every column; columns j < cols are read, ldb >= cols.
// - C, the output, [m][ldc]: row r holds output r of every column; only columns j < cols and rows r < m are written.
//   C must not overlap A or B.
// - bias: empty (zero) or at least m floats. act: identity, or min(max(x, low), high) when clamp (ReLU = clamp to
//   [0, +inf], ReLU6 = [0, 6]); NaN stays NaN as in ONNX.
// Any m, k, cols >= 0 are correct; the fast case is cols a multiple of the vector width (16 floats on AVX-512), where
// every column goes through the register tiles; leftover columns go through the next narrower accelerated width and
// finally one column at a time.
//
// How it reaches the peak: a register tile of 12 rows x 2 vectors of columns (AVX-512: 12 x 32 = 24 zmm accumulators of
// the 32 registers; NEON 12 x 8) keeps 24 independent FMA chains in flight, more than latency (4 cycles) x pipes (2)
// needs, and per k issues 2 vector loads of B and 12 broadcasts of A for 24 FMAs, which the load ports sustain (the old
// 8 x 1-vector tile needed a broadcast per FMA and ran at about half the peak on L3-sized layers). x86 without AVX-512
// has 16 vector registers: there the 12-row panel runs as two 6 x 2 tiles (12 accumulators each). A last single vector
// of columns uses a 12 x 1 tile. The FMAs are fused where the hardware has them (MulAdd in Kernels.cs).
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>Rows per packed weight panel of <see cref="Gemm"/> (the register tile's height).</summary>
        public const int GemmPanelRows = 12;

        /// <summary>Floats of the packed panels of an <paramref name="m"/> x <paramref name="k"/> weight matrix.</summary>
        public static int GemmPackedLength(int m, int k) => (m + GemmPanelRows - 1) / GemmPanelRows * GemmPanelRows * k;

        /// <summary>
        /// Packs a row-major m x k matrix (<c>a[r * k + p]</c>) into Gemm's panels, [ceil(m / 12)][k][12] with rows past m
        /// zero. For weights known only at run time; the emitter writes the same order into the generated source.
        /// </summary>
        public static void GemmPack(ReadOnlySpan<float> a, int m, int k, Span<float> packed)
        {
            if (m < 0 || k < 0 || a.Length < m * k || packed.Length < GemmPackedLength(m, k)) throw new ArgumentException("GEMM pack sizes disagree");
            packed.Slice(0, GemmPackedLength(m, k)).Clear();
            for (int r = 0; r < m; r++)
                for (int p = 0; p < k; p++)
                    packed[(r / GemmPanelRows) * k * GemmPanelRows + p * GemmPanelRows + r % GemmPanelRows] = a[r * k + p];
        }

        /// <summary>
        /// C = act(bias + A * B) at the widest accelerated vector width: see the contract at the top of GemmKernels.cs.
        /// <paramref name="aStride"/> is <see cref="GemmPanelRows"/> for packed panels or <paramref name="m"/> for [k][m].
        /// </summary>
        public static void Gemm(ReadOnlySpan<float> a, int aStride, int m, int k, ReadOnlySpan<float> b, int ldb, int cols,
            Span<float> c, int ldc, ReadOnlySpan<float> bias, bool clamp, float low, float high)
        {
            CheckGemm(a, aStride, m, k, b, ldb, cols, c, ldc, bias);
            int done = 0;
            if (Vector512.IsHardwareAccelerated) done = GemmColumns<Width512, Vector512<float>>(a, aStride, m, k, b, ldb, c, ldc, bias, clamp, low, high, done, cols);
            if (Vector256.IsHardwareAccelerated) done = GemmColumns<Width256, Vector256<float>>(a, aStride, m, k, b, ldb, c, ldc, bias, clamp, low, high, done, cols);
            if (Vector128.IsHardwareAccelerated) done = GemmColumns<Width128, Vector128<float>>(a, aStride, m, k, b, ldb, c, ldc, bias, clamp, low, high, done, cols);
            GemmColumns<ScalarWidth, float>(a, aStride, m, k, b, ldb, c, ldc, bias, clamp, low, high, done, cols);
        }

        /// <summary>
        /// <see cref="Gemm"/> at one width W, then one column at a time for the columns left over: how the tests run every
        /// width's tiles, Vector512 included, on any machine.
        /// </summary>
        internal static void GemmAt<W, V>(ReadOnlySpan<float> a, int aStride, int m, int k, ReadOnlySpan<float> b, int ldb, int cols,
            Span<float> c, int ldc, ReadOnlySpan<float> bias, bool clamp, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            CheckGemm(a, aStride, m, k, b, ldb, cols, c, ldc, bias);
            int done = GemmColumns<W, V>(a, aStride, m, k, b, ldb, c, ldc, bias, clamp, low, high, 0, cols);
            GemmColumns<ScalarWidth, float>(a, aStride, m, k, b, ldb, c, ldc, bias, clamp, low, high, done, cols);
        }

        private static void CheckGemm(ReadOnlySpan<float> a, int aStride, int m, int k, ReadOnlySpan<float> b, int ldb, int cols, Span<float> c, int ldc, ReadOnlySpan<float> bias)
        {
            bool layout = aStride == GemmPanelRows ? a.Length >= GemmPackedLength(m, k) : aStride == m && m >= GemmPanelRows && a.Length >= (long)k * m;
            if (m < 0 || k < 0 || cols < 0 || !layout || ldb < cols || ldc < cols || (!bias.IsEmpty && bias.Length < m) ||
                (m > 0 && cols > 0 && c.Length < (long)(m - 1) * ldc + cols) || (k > 0 && cols > 0 && b.Length < (long)(k - 1) * ldb + cols))
                throw new ArgumentException("GEMM operand sizes disagree");
        }

        /// <summary>
        /// Inputs per block of k. A block's slice of B (512 x 64 floats, 128 KB) stays in L2 while every panel passes over it.
        /// Measured on 512x784 at 64 columns: blocks of 256 and no blocking ran within noise of each other; the blocks keep
        /// very long k (convolutions as GEMM) from streaming B from L3 once per panel.
        /// </summary>
        private const int GemmBlockK = 512;

        /// <summary>Columns per chunk: one batch group (64), so that a panel's weights are read once per chunk.</summary>
        private const int GemmChunkColumns = 64;

        /// <summary>
        /// Columns [from, end) through the register tiles of width W, end = from + the whole vectors that fit before
        /// <paramref name="to"/>; returns end. Blocked for the caches: chunks of columns, within a chunk blocks of k, within
        /// a block every 12-row panel over the chunk's column tiles; the first block of k starts from the bias, later blocks
        /// continue the partial sums in C (the same additions in the same order as one pass), the last applies the clamp.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int GemmColumns<W, V>(ReadOnlySpan<float> a, int aStride, int m, int k, ReadOnlySpan<float> b, int ldb,
            Span<float> c, int ldc, ReadOnlySpan<float> bias, bool clamp, float low, float high, int from, int to)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int n = W.Count, end = from + (to - from) / n * n;
            if (end == from || m == 0) return end;
            // 32 vector registers (AVX-512, NEON) hold the 24 accumulators of a 12 x 2 tile; 16 (AVX2, SSE) hold 6 x 2.
            bool twelveByTwo = typeof(W) == typeof(Width512) || (typeof(W) == typeof(Width128) && System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported);
            bool packed = aStride == GemmPanelRows;
            int panels = (m + GemmPanelRows - 1) / GemmPanelRows;
            int blockK = GemmBlockK, chunk = Math.Max(2 * n, GemmChunkColumns / (2 * n) * (2 * n));
            // In place, a last partial panel starts at m - 12 and overlaps the panel before. Between blocks of k its partial
            // sums must not mix with that panel's, so it accumulates in a tile of its own, copied out after the last block.
            int overlapRows = packed ? 0 : (GemmPanelRows - m % GemmPanelRows) % GemmPanelRows;
            Span<float> overlapTile = overlapRows > 0 ? stackalloc float[GemmPanelRows * chunk] : default;
            Span<float> biasPadded = stackalloc float[GemmPanelRows];   // written whole per panel before it is read
            overlapTile.Clear();   // explicit, as the stack's zeroing was before [SkipLocalsInit]
            ref float a0 = ref MemoryMarshal.GetReference(a);
            ref float b0 = ref MemoryMarshal.GetReference(b);
            ref float c0 = ref MemoryMarshal.GetReference(c);
            ref float t0 = ref MemoryMarshal.GetReference(overlapTile);
            V lo = W.Broadcast(low), hi = W.Broadcast(high);
            for (int j0 = from; j0 < end; j0 += chunk)
            {
                int j1 = Math.Min(end, j0 + chunk);
                for (int p0 = 0; p0 < k || p0 == 0; p0 += blockK)
                {
                    int kb = Math.Min(blockK, k - p0);
                    bool accumulate = p0 > 0, last = p0 + kb >= k, clampHere = clamp && last;
                    for (int panel = 0; panel < panels; panel++)
                    {
                        int row = panel * GemmPanelRows, rows = Math.Min(GemmPanelRows, m - row), first = row;
                        bool overlap = overlapRows > 0 && panel == panels - 1;
                        if (overlap) { first = m - GemmPanelRows; rows = GemmPanelRows; }
                        for (int i = 0; i < GemmPanelRows; i++) biasPadded[i] = !bias.IsEmpty && first + i < m ? bias[first + i] : 0f;
                        ref float pb = ref MemoryMarshal.GetReference(biasPadded);
                        ref float ap = ref Unsafe.Add(ref a0, packed ? (nint)row * k + (nint)p0 * GemmPanelRows : first + (nint)p0 * m);
                        ref float bp = ref Unsafe.Add(ref b0, (nint)p0 * ldb);
                        // Column j of this panel's output: C[first][j], or column j - j0 of the overlap tile.
                        ref float cp = ref overlap ? ref t0 : ref Unsafe.Add(ref c0, (nint)first * ldc);
                        int cpOffset = overlap ? -j0 : 0;
                        nint ldcHere = overlap ? chunk : ldc;
                        int col = j0;
                        if (n > 1)
                        {
                            for (; col + 2 * n <= j1; col += 2 * n)
                            {
                                ref float cj = ref Unsafe.Add(ref cp, col + cpOffset);
                                if (twelveByTwo)
                                    GemmTile12x2<W, V>(ref ap, aStride, kb, ref Unsafe.Add(ref bp, col), ldb, ref pb, ref cj, ldcHere, rows, accumulate, clampHere, lo, hi);
                                else
                                {
                                    GemmTile6x2<W, V>(ref ap, aStride, kb, ref Unsafe.Add(ref bp, col), ldb, ref pb, ref cj, ldcHere, Math.Min(rows, 6), accumulate, clampHere, lo, hi);
                                    if (rows > 6)
                                        GemmTile6x2<W, V>(ref Unsafe.Add(ref ap, 6), aStride, kb, ref Unsafe.Add(ref bp, col), ldb, ref Unsafe.Add(ref pb, 6), ref Unsafe.Add(ref cj, 6 * ldcHere), ldcHere, rows - 6, accumulate, clampHere, lo, hi);
                                }
                            }
                        }
                        for (; col < j1; col += n)
                            GemmTile12x1<W, V>(ref ap, aStride, kb, ref Unsafe.Add(ref bp, col), ldb, ref pb, ref Unsafe.Add(ref cp, col + cpOffset), ldcHere, rows, accumulate, clampHere, lo, hi);
                        if (overlap && last)
                            for (int r = overlapRows; r < GemmPanelRows; r++)
                                overlapTile.Slice(r * chunk, j1 - j0).CopyTo(c.Slice((first + r) * ldc + j0, j1 - j0));
                    }
                    if (k == 0) break;
                }
            }
            return end;
        }

        // ---- register tiles (unrolled by hand: one named accumulator per row and vector) ----

        /// <summary>12 rows x 2 vectors of columns: 24 accumulators in registers, per k 2 loads of B and 12 broadcasts of A.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GemmTile12x2<W, V>(ref float a, nint aStride, int k, ref float b, nint ldb, ref float bias, ref float c, nint ldc, int rows, bool accumulate, bool clamp, V low, V high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V c0_0 = W.Broadcast(Unsafe.Add(ref bias, 0)), c0_1 = c0_0;
            V c1_0 = W.Broadcast(Unsafe.Add(ref bias, 1)), c1_1 = c1_0;
            V c2_0 = W.Broadcast(Unsafe.Add(ref bias, 2)), c2_1 = c2_0;
            V c3_0 = W.Broadcast(Unsafe.Add(ref bias, 3)), c3_1 = c3_0;
            V c4_0 = W.Broadcast(Unsafe.Add(ref bias, 4)), c4_1 = c4_0;
            V c5_0 = W.Broadcast(Unsafe.Add(ref bias, 5)), c5_1 = c5_0;
            V c6_0 = W.Broadcast(Unsafe.Add(ref bias, 6)), c6_1 = c6_0;
            V c7_0 = W.Broadcast(Unsafe.Add(ref bias, 7)), c7_1 = c7_0;
            V c8_0 = W.Broadcast(Unsafe.Add(ref bias, 8)), c8_1 = c8_0;
            V c9_0 = W.Broadcast(Unsafe.Add(ref bias, 9)), c9_1 = c9_0;
            V c10_0 = W.Broadcast(Unsafe.Add(ref bias, 10)), c10_1 = c10_0;
            V c11_0 = W.Broadcast(Unsafe.Add(ref bias, 11)), c11_1 = c11_0;
            if (accumulate)
            {
                // A later block of k: continue the partial sums this tile stored (only its rows exist in C).
                ref float cr = ref c;
                c0_0 = W.Load(ref cr); c0_1 = W.Load(ref cr, (nuint)W.Count);
                if (rows > 1) { cr = ref Unsafe.Add(ref cr, ldc); c1_0 = W.Load(ref cr); c1_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 2) { cr = ref Unsafe.Add(ref cr, ldc); c2_0 = W.Load(ref cr); c2_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 3) { cr = ref Unsafe.Add(ref cr, ldc); c3_0 = W.Load(ref cr); c3_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 4) { cr = ref Unsafe.Add(ref cr, ldc); c4_0 = W.Load(ref cr); c4_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 5) { cr = ref Unsafe.Add(ref cr, ldc); c5_0 = W.Load(ref cr); c5_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 6) { cr = ref Unsafe.Add(ref cr, ldc); c6_0 = W.Load(ref cr); c6_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 7) { cr = ref Unsafe.Add(ref cr, ldc); c7_0 = W.Load(ref cr); c7_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 8) { cr = ref Unsafe.Add(ref cr, ldc); c8_0 = W.Load(ref cr); c8_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 9) { cr = ref Unsafe.Add(ref cr, ldc); c9_0 = W.Load(ref cr); c9_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 10) { cr = ref Unsafe.Add(ref cr, ldc); c10_0 = W.Load(ref cr); c10_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 11) { cr = ref Unsafe.Add(ref cr, ldc); c11_0 = W.Load(ref cr); c11_1 = W.Load(ref cr, (nuint)W.Count); }
            }
            for (int p = 0; p < k; p++)
            {
                V b0 = W.Load(ref b), b1 = W.Load(ref b, (nuint)W.Count);
                V a0 = W.Broadcast(Unsafe.Add(ref a, 0)); c0_0 = W.MulAdd(a0, b0, c0_0); c0_1 = W.MulAdd(a0, b1, c0_1);
                V a1 = W.Broadcast(Unsafe.Add(ref a, 1)); c1_0 = W.MulAdd(a1, b0, c1_0); c1_1 = W.MulAdd(a1, b1, c1_1);
                V a2 = W.Broadcast(Unsafe.Add(ref a, 2)); c2_0 = W.MulAdd(a2, b0, c2_0); c2_1 = W.MulAdd(a2, b1, c2_1);
                V a3 = W.Broadcast(Unsafe.Add(ref a, 3)); c3_0 = W.MulAdd(a3, b0, c3_0); c3_1 = W.MulAdd(a3, b1, c3_1);
                V a4 = W.Broadcast(Unsafe.Add(ref a, 4)); c4_0 = W.MulAdd(a4, b0, c4_0); c4_1 = W.MulAdd(a4, b1, c4_1);
                V a5 = W.Broadcast(Unsafe.Add(ref a, 5)); c5_0 = W.MulAdd(a5, b0, c5_0); c5_1 = W.MulAdd(a5, b1, c5_1);
                V a6 = W.Broadcast(Unsafe.Add(ref a, 6)); c6_0 = W.MulAdd(a6, b0, c6_0); c6_1 = W.MulAdd(a6, b1, c6_1);
                V a7 = W.Broadcast(Unsafe.Add(ref a, 7)); c7_0 = W.MulAdd(a7, b0, c7_0); c7_1 = W.MulAdd(a7, b1, c7_1);
                V a8 = W.Broadcast(Unsafe.Add(ref a, 8)); c8_0 = W.MulAdd(a8, b0, c8_0); c8_1 = W.MulAdd(a8, b1, c8_1);
                V a9 = W.Broadcast(Unsafe.Add(ref a, 9)); c9_0 = W.MulAdd(a9, b0, c9_0); c9_1 = W.MulAdd(a9, b1, c9_1);
                V a10 = W.Broadcast(Unsafe.Add(ref a, 10)); c10_0 = W.MulAdd(a10, b0, c10_0); c10_1 = W.MulAdd(a10, b1, c10_1);
                V a11 = W.Broadcast(Unsafe.Add(ref a, 11)); c11_0 = W.MulAdd(a11, b0, c11_0); c11_1 = W.MulAdd(a11, b1, c11_1);
                a = ref Unsafe.Add(ref a, aStride);
                b = ref Unsafe.Add(ref b, ldb);
            }
            if (clamp)
            {
                c0_0 = W.Clamp(c0_0, low, high); c0_1 = W.Clamp(c0_1, low, high);
                c1_0 = W.Clamp(c1_0, low, high); c1_1 = W.Clamp(c1_1, low, high);
                c2_0 = W.Clamp(c2_0, low, high); c2_1 = W.Clamp(c2_1, low, high);
                c3_0 = W.Clamp(c3_0, low, high); c3_1 = W.Clamp(c3_1, low, high);
                c4_0 = W.Clamp(c4_0, low, high); c4_1 = W.Clamp(c4_1, low, high);
                c5_0 = W.Clamp(c5_0, low, high); c5_1 = W.Clamp(c5_1, low, high);
                c6_0 = W.Clamp(c6_0, low, high); c6_1 = W.Clamp(c6_1, low, high);
                c7_0 = W.Clamp(c7_0, low, high); c7_1 = W.Clamp(c7_1, low, high);
                c8_0 = W.Clamp(c8_0, low, high); c8_1 = W.Clamp(c8_1, low, high);
                c9_0 = W.Clamp(c9_0, low, high); c9_1 = W.Clamp(c9_1, low, high);
                c10_0 = W.Clamp(c10_0, low, high); c10_1 = W.Clamp(c10_1, low, high);
                c11_0 = W.Clamp(c11_0, low, high); c11_1 = W.Clamp(c11_1, low, high);
            }
            W.Store(c0_0, ref c); W.Store(c0_1, ref c, (nuint)W.Count);
            if (rows <= 1) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c1_0, ref c); W.Store(c1_1, ref c, (nuint)W.Count);
            if (rows <= 2) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c2_0, ref c); W.Store(c2_1, ref c, (nuint)W.Count);
            if (rows <= 3) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c3_0, ref c); W.Store(c3_1, ref c, (nuint)W.Count);
            if (rows <= 4) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c4_0, ref c); W.Store(c4_1, ref c, (nuint)W.Count);
            if (rows <= 5) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c5_0, ref c); W.Store(c5_1, ref c, (nuint)W.Count);
            if (rows <= 6) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c6_0, ref c); W.Store(c6_1, ref c, (nuint)W.Count);
            if (rows <= 7) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c7_0, ref c); W.Store(c7_1, ref c, (nuint)W.Count);
            if (rows <= 8) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c8_0, ref c); W.Store(c8_1, ref c, (nuint)W.Count);
            if (rows <= 9) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c9_0, ref c); W.Store(c9_1, ref c, (nuint)W.Count);
            if (rows <= 10) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c10_0, ref c); W.Store(c10_1, ref c, (nuint)W.Count);
            if (rows <= 11) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c11_0, ref c); W.Store(c11_1, ref c, (nuint)W.Count);
        }

        /// <summary>6 rows x 2 vectors of columns: 12 accumulators in registers, per k 2 loads of B and 6 broadcasts of A.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GemmTile6x2<W, V>(ref float a, nint aStride, int k, ref float b, nint ldb, ref float bias, ref float c, nint ldc, int rows, bool accumulate, bool clamp, V low, V high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V c0_0 = W.Broadcast(Unsafe.Add(ref bias, 0)), c0_1 = c0_0;
            V c1_0 = W.Broadcast(Unsafe.Add(ref bias, 1)), c1_1 = c1_0;
            V c2_0 = W.Broadcast(Unsafe.Add(ref bias, 2)), c2_1 = c2_0;
            V c3_0 = W.Broadcast(Unsafe.Add(ref bias, 3)), c3_1 = c3_0;
            V c4_0 = W.Broadcast(Unsafe.Add(ref bias, 4)), c4_1 = c4_0;
            V c5_0 = W.Broadcast(Unsafe.Add(ref bias, 5)), c5_1 = c5_0;
            if (accumulate)
            {
                // A later block of k: continue the partial sums this tile stored (only its rows exist in C).
                ref float cr = ref c;
                c0_0 = W.Load(ref cr); c0_1 = W.Load(ref cr, (nuint)W.Count);
                if (rows > 1) { cr = ref Unsafe.Add(ref cr, ldc); c1_0 = W.Load(ref cr); c1_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 2) { cr = ref Unsafe.Add(ref cr, ldc); c2_0 = W.Load(ref cr); c2_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 3) { cr = ref Unsafe.Add(ref cr, ldc); c3_0 = W.Load(ref cr); c3_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 4) { cr = ref Unsafe.Add(ref cr, ldc); c4_0 = W.Load(ref cr); c4_1 = W.Load(ref cr, (nuint)W.Count); }
                if (rows > 5) { cr = ref Unsafe.Add(ref cr, ldc); c5_0 = W.Load(ref cr); c5_1 = W.Load(ref cr, (nuint)W.Count); }
            }
            for (int p = 0; p < k; p++)
            {
                V b0 = W.Load(ref b), b1 = W.Load(ref b, (nuint)W.Count);
                V a0 = W.Broadcast(Unsafe.Add(ref a, 0)); c0_0 = W.MulAdd(a0, b0, c0_0); c0_1 = W.MulAdd(a0, b1, c0_1);
                V a1 = W.Broadcast(Unsafe.Add(ref a, 1)); c1_0 = W.MulAdd(a1, b0, c1_0); c1_1 = W.MulAdd(a1, b1, c1_1);
                V a2 = W.Broadcast(Unsafe.Add(ref a, 2)); c2_0 = W.MulAdd(a2, b0, c2_0); c2_1 = W.MulAdd(a2, b1, c2_1);
                V a3 = W.Broadcast(Unsafe.Add(ref a, 3)); c3_0 = W.MulAdd(a3, b0, c3_0); c3_1 = W.MulAdd(a3, b1, c3_1);
                V a4 = W.Broadcast(Unsafe.Add(ref a, 4)); c4_0 = W.MulAdd(a4, b0, c4_0); c4_1 = W.MulAdd(a4, b1, c4_1);
                V a5 = W.Broadcast(Unsafe.Add(ref a, 5)); c5_0 = W.MulAdd(a5, b0, c5_0); c5_1 = W.MulAdd(a5, b1, c5_1);
                a = ref Unsafe.Add(ref a, aStride);
                b = ref Unsafe.Add(ref b, ldb);
            }
            if (clamp)
            {
                c0_0 = W.Clamp(c0_0, low, high); c0_1 = W.Clamp(c0_1, low, high);
                c1_0 = W.Clamp(c1_0, low, high); c1_1 = W.Clamp(c1_1, low, high);
                c2_0 = W.Clamp(c2_0, low, high); c2_1 = W.Clamp(c2_1, low, high);
                c3_0 = W.Clamp(c3_0, low, high); c3_1 = W.Clamp(c3_1, low, high);
                c4_0 = W.Clamp(c4_0, low, high); c4_1 = W.Clamp(c4_1, low, high);
                c5_0 = W.Clamp(c5_0, low, high); c5_1 = W.Clamp(c5_1, low, high);
            }
            W.Store(c0_0, ref c); W.Store(c0_1, ref c, (nuint)W.Count);
            if (rows <= 1) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c1_0, ref c); W.Store(c1_1, ref c, (nuint)W.Count);
            if (rows <= 2) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c2_0, ref c); W.Store(c2_1, ref c, (nuint)W.Count);
            if (rows <= 3) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c3_0, ref c); W.Store(c3_1, ref c, (nuint)W.Count);
            if (rows <= 4) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c4_0, ref c); W.Store(c4_1, ref c, (nuint)W.Count);
            if (rows <= 5) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c5_0, ref c); W.Store(c5_1, ref c, (nuint)W.Count);
        }

        /// <summary>12 rows x 1 vector of columns: 12 accumulators in registers, per k 1 load of B and 12 broadcasts of A.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GemmTile12x1<W, V>(ref float a, nint aStride, int k, ref float b, nint ldb, ref float bias, ref float c, nint ldc, int rows, bool accumulate, bool clamp, V low, V high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V c0_0 = W.Broadcast(Unsafe.Add(ref bias, 0));
            V c1_0 = W.Broadcast(Unsafe.Add(ref bias, 1));
            V c2_0 = W.Broadcast(Unsafe.Add(ref bias, 2));
            V c3_0 = W.Broadcast(Unsafe.Add(ref bias, 3));
            V c4_0 = W.Broadcast(Unsafe.Add(ref bias, 4));
            V c5_0 = W.Broadcast(Unsafe.Add(ref bias, 5));
            V c6_0 = W.Broadcast(Unsafe.Add(ref bias, 6));
            V c7_0 = W.Broadcast(Unsafe.Add(ref bias, 7));
            V c8_0 = W.Broadcast(Unsafe.Add(ref bias, 8));
            V c9_0 = W.Broadcast(Unsafe.Add(ref bias, 9));
            V c10_0 = W.Broadcast(Unsafe.Add(ref bias, 10));
            V c11_0 = W.Broadcast(Unsafe.Add(ref bias, 11));
            if (accumulate)
            {
                // A later block of k: continue the partial sums this tile stored (only its rows exist in C).
                ref float cr = ref c;
                c0_0 = W.Load(ref cr);
                if (rows > 1) { cr = ref Unsafe.Add(ref cr, ldc); c1_0 = W.Load(ref cr); }
                if (rows > 2) { cr = ref Unsafe.Add(ref cr, ldc); c2_0 = W.Load(ref cr); }
                if (rows > 3) { cr = ref Unsafe.Add(ref cr, ldc); c3_0 = W.Load(ref cr); }
                if (rows > 4) { cr = ref Unsafe.Add(ref cr, ldc); c4_0 = W.Load(ref cr); }
                if (rows > 5) { cr = ref Unsafe.Add(ref cr, ldc); c5_0 = W.Load(ref cr); }
                if (rows > 6) { cr = ref Unsafe.Add(ref cr, ldc); c6_0 = W.Load(ref cr); }
                if (rows > 7) { cr = ref Unsafe.Add(ref cr, ldc); c7_0 = W.Load(ref cr); }
                if (rows > 8) { cr = ref Unsafe.Add(ref cr, ldc); c8_0 = W.Load(ref cr); }
                if (rows > 9) { cr = ref Unsafe.Add(ref cr, ldc); c9_0 = W.Load(ref cr); }
                if (rows > 10) { cr = ref Unsafe.Add(ref cr, ldc); c10_0 = W.Load(ref cr); }
                if (rows > 11) { cr = ref Unsafe.Add(ref cr, ldc); c11_0 = W.Load(ref cr); }
            }
            for (int p = 0; p < k; p++)
            {
                V b0 = W.Load(ref b);
                V a0 = W.Broadcast(Unsafe.Add(ref a, 0)); c0_0 = W.MulAdd(a0, b0, c0_0);
                V a1 = W.Broadcast(Unsafe.Add(ref a, 1)); c1_0 = W.MulAdd(a1, b0, c1_0);
                V a2 = W.Broadcast(Unsafe.Add(ref a, 2)); c2_0 = W.MulAdd(a2, b0, c2_0);
                V a3 = W.Broadcast(Unsafe.Add(ref a, 3)); c3_0 = W.MulAdd(a3, b0, c3_0);
                V a4 = W.Broadcast(Unsafe.Add(ref a, 4)); c4_0 = W.MulAdd(a4, b0, c4_0);
                V a5 = W.Broadcast(Unsafe.Add(ref a, 5)); c5_0 = W.MulAdd(a5, b0, c5_0);
                V a6 = W.Broadcast(Unsafe.Add(ref a, 6)); c6_0 = W.MulAdd(a6, b0, c6_0);
                V a7 = W.Broadcast(Unsafe.Add(ref a, 7)); c7_0 = W.MulAdd(a7, b0, c7_0);
                V a8 = W.Broadcast(Unsafe.Add(ref a, 8)); c8_0 = W.MulAdd(a8, b0, c8_0);
                V a9 = W.Broadcast(Unsafe.Add(ref a, 9)); c9_0 = W.MulAdd(a9, b0, c9_0);
                V a10 = W.Broadcast(Unsafe.Add(ref a, 10)); c10_0 = W.MulAdd(a10, b0, c10_0);
                V a11 = W.Broadcast(Unsafe.Add(ref a, 11)); c11_0 = W.MulAdd(a11, b0, c11_0);
                a = ref Unsafe.Add(ref a, aStride);
                b = ref Unsafe.Add(ref b, ldb);
            }
            if (clamp)
            {
                c0_0 = W.Clamp(c0_0, low, high);
                c1_0 = W.Clamp(c1_0, low, high);
                c2_0 = W.Clamp(c2_0, low, high);
                c3_0 = W.Clamp(c3_0, low, high);
                c4_0 = W.Clamp(c4_0, low, high);
                c5_0 = W.Clamp(c5_0, low, high);
                c6_0 = W.Clamp(c6_0, low, high);
                c7_0 = W.Clamp(c7_0, low, high);
                c8_0 = W.Clamp(c8_0, low, high);
                c9_0 = W.Clamp(c9_0, low, high);
                c10_0 = W.Clamp(c10_0, low, high);
                c11_0 = W.Clamp(c11_0, low, high);
            }
            W.Store(c0_0, ref c);
            if (rows <= 1) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c1_0, ref c);
            if (rows <= 2) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c2_0, ref c);
            if (rows <= 3) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c3_0, ref c);
            if (rows <= 4) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c4_0, ref c);
            if (rows <= 5) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c5_0, ref c);
            if (rows <= 6) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c6_0, ref c);
            if (rows <= 7) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c7_0, ref c);
            if (rows <= 8) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c8_0, ref c);
            if (rows <= 9) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c9_0, ref c);
            if (rows <= 10) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c10_0, ref c);
            if (rows <= 11) return;
            c = ref Unsafe.Add(ref c, ldc); W.Store(c11_0, ref c);
        }
    }
}
