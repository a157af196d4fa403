// PrunedCodegen runtime kernels: the SELL-16 sparse single-sample dense layer, inputs held in registers (appended to Kernels.cs).
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;
    using X86 = System.Runtime.Intrinsics.X86;

    internal static partial class Kernels
    {
        /// <summary>Output rows per SELL group: one Vector512, two Vector256 halves, sixteen scalars.</summary>
        public const int SellGroupRows = 16;

        /// <summary>Inputs per SELL column tile: two Vector512 (four Vector256) registers, the permute's table.</summary>
        public const int SellTileInputs = 32;

        /// <summary>
        /// SELL-16 sparse dense layer (SELL-C-sigma with C = 16, sigma = the whole layer), laid out at build time by
        /// Planning/SellLayout.cs. The output rows are sorted by nonzero count and taken 16 at a time (a group); the inputs
        /// are cut into tiles of 32. For each group, only the tiles where one of its rows has a nonzero are listed
        /// (<paramref name="tiles"/>: tile index &lt;&lt; 6 | slots; a group's entries run from groupStarts[g] to groupStarts[g + 1]).
        /// A tile has as many slots as the group's busiest row has nonzeros in it; slot j holds, for each of the 16 rows,
        /// the row's j-th nonzero weight of the tile (0 where the row has fewer) and its input's lane 0-31 in the tile as a
        /// byte (<paramref name="lanes"/>, 16 bytes per slot packed little-endian into 4 ints). The kernel holds a tile's 32
        /// inputs in registers and fetches each slot's 16 inputs with one permute (Avx512F.PermuteVar16x32x2; on AVX2 four
        /// Avx2.PermuteVar8x32 and three blends per 8 rows), then one FMA per slot and group. Padding lanes point at an
        /// input the row does not read (weight 0 there in the model), or past the layer's inputs in the last, partial tile
        /// (read as 0): a NaN or infinity there reaches the row as 0 x NaN, as in ONNX Runtime's dense product. Each group's
        /// 16 results are clamped to [low, high] as one vector (the fused ReLU/Clip; NaN kept) and stored: to y in sorted
        /// order when <paramref name="rows"/> is empty (the generator reordered the layer's neurons at build time, and the
        /// next layer's inputs with them), else to y[rows[i]] for sorted position i, one group behind the stores so that
        /// the scalar loads of the scatter never wait on the vector store.
        /// </summary>
        public static void Sell(ReadOnlySpan<float> weights, ReadOnlySpan<int> lanes, ReadOnlySpan<int> tiles, ReadOnlySpan<int> groupStarts,
            ReadOnlySpan<int> rows, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, float low, float high)
        {
            int n = y.Length, k = x.Length, groups = groupStarts.Length - 1;
            if (groups != (n + SellGroupRows - 1) / SellGroupRows || (!rows.IsEmpty && rows.Length != n) || bias.Length != groups * SellGroupRows
                || lanes.Length * 4 != weights.Length || groupStarts[groups] != tiles.Length)
                throw new ArgumentException("SELL layout and span lengths disagree");
            // The last tile, when partial, is read from a copy padded with zeros (its padding lanes point there). Both buffers
            // are vector locals, not stackalloc: a stackalloc buffer costs a stack-cookie check per call (~5% of a small layer).
            SellFloats32 tailBuffer = default;
            Span<float> tail = MemoryMarshal.CreateSpan(ref Unsafe.As<SellFloats32, float>(ref tailBuffer), SellTileInputs);
            int tailTile = -1;
            if (k % SellTileInputs != 0)
            {
                tailTile = k / SellTileInputs;
                x.Slice(tailTile * SellTileInputs).CopyTo(tail);
            }
            // Two groups' results: the group being stored and the one being scattered.
            SellFloats32 resultBuffer;
            Unsafe.SkipInit(out resultBuffer);   // every group's 16 results are written before they are read
            Span<float> result = MemoryMarshal.CreateSpan(ref Unsafe.As<SellFloats32, float>(ref resultBuffer), 2 * SellGroupRows);
            ref float w = ref MemoryMarshal.GetReference(weights);
            ref byte l = ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(lanes));
            ref int t = ref MemoryMarshal.GetReference(tiles);
            ref int gs = ref MemoryMarshal.GetReference(groupStarts);
            ref int r = ref MemoryMarshal.GetReference(rows);
            ref float b = ref MemoryMarshal.GetReference(bias);
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref float ts = ref MemoryMarshal.GetReference(tail);
            ref float ys = ref MemoryMarshal.GetReference(y);
            ref float res = ref MemoryMarshal.GetReference(result);
            bool sorted = rows.IsEmpty;
            if (X86.Avx512F.IsSupported) SellGroups<Sell512>(ref w, ref l, ref t, ref gs, groups, sorted, ref r, ref b, ref xs, ref ts, tailTile, ref ys, n, ref res, low, high);
            else if (X86.Avx2.IsSupported) SellGroups<Sell256>(ref w, ref l, ref t, ref gs, groups, sorted, ref r, ref b, ref xs, ref ts, tailTile, ref ys, n, ref res, low, high);
            else SellGroups<SellScalar>(ref w, ref l, ref t, ref gs, groups, sorted, ref r, ref b, ref xs, ref ts, tailTile, ref ys, n, ref res, low, high);
        }

        /// <summary>32 floats of stack (a tile's inputs; two groups' results), reached through Unsafe.As: no fields to assign.</summary>
        [StructLayout(LayoutKind.Sequential, Size = 32 * sizeof(float))]
        private struct SellFloats32
        {
        }

        /// <summary>One group of 16 rows over its busy tiles at one instruction set: bias + the group's slots, clamped, into 16 floats.</summary>
        internal interface ISellGroup
        {
            /// <summary>
            /// w and lanes point at the group's first slot, tiles at its first busy-tile entry; the 16 clamped results go to
            /// destination[0..16). Returns the slots consumed.
            /// </summary>
            static abstract int Accumulate(ref float w, ref byte lanes, ref int tiles, int count, ref float bias, ref float x, ref float tail, int tailTile,
                ref float destination, float low, float high);
        }

        /// <summary>
        /// The driver: every group, stored in place (sorted layers, whole groups) or into the two-group result buffer, which
        /// is copied (a sorted layer's last, partial group) or scattered to the rows' original positions a group later.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void SellGroups<G>(ref float w, ref byte lanes, ref int tiles, ref int groupStarts, int groups, bool sorted, ref int rows, ref float bias,
            ref float x, ref float tail, int tailTile, ref float y, int n, ref float result, float low, float high)
            where G : struct, ISellGroup
        {
            nuint slot = 0;
            for (int g = 0; g < groups; g++)
            {
                int first = Unsafe.Add(ref groupStarts, g), count = Unsafe.Add(ref groupStarts, g + 1) - first;
                int start = g * SellGroupRows;
                bool inPlace = sorted && n - start >= SellGroupRows;
                ref float destination = ref inPlace ? ref Unsafe.Add(ref y, start) : ref Unsafe.Add(ref result, (g & 1) * SellGroupRows);
                slot += (nuint)G.Accumulate(ref Unsafe.Add(ref w, slot * SellGroupRows), ref Unsafe.Add(ref lanes, slot * SellGroupRows),
                    ref Unsafe.Add(ref tiles, first), count, ref Unsafe.Add(ref bias, start), ref x, ref tail, tailTile, ref destination, low, high);
                if (sorted)
                {
                    if (!inPlace)
                        for (int i = start; i < n; i++) Unsafe.Add(ref y, i) = Unsafe.Add(ref destination, i - start);
                }
                else if (g > 0) SellScatter(ref Unsafe.Add(ref result, ((g - 1) & 1) * SellGroupRows), ref rows, ref y, start - SellGroupRows, SellGroupRows);
            }
            if (!sorted && groups > 0)
            {
                int start = (groups - 1) * SellGroupRows;
                SellScatter(ref Unsafe.Add(ref result, ((groups - 1) & 1) * SellGroupRows), ref rows, ref y, start, n - start);
            }
        }

        /// <summary>y[rows[start + i]] = results[i] for i below count.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void SellScatter(ref float results, ref int rows, ref float y, int start, int count)
        {
            ref int order = ref Unsafe.Add(ref rows, start);
            for (int i = 0; i < count; i++)
                Unsafe.Add(ref y, Unsafe.Add(ref order, i)) = Unsafe.Add(ref results, i);
        }

        /// <summary>The 32 inputs of a tile: in place, or the zero-padded copy for the last, partial tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ref float SellTile(int tile, ref float x, ref float tail, int tailTile) =>
            ref (tile == tailTile ? ref tail : ref Unsafe.Add(ref x, tile * SellTileInputs));

        /// <summary>AVX-512: the group is one vector; the tile two zmm registers, one vpermt2ps per slot; four accumulators.</summary>
        internal readonly struct Sell512 : ISellGroup
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static Vector512<float> Slot(ref float w, ref byte lanes, nuint s, Vector512<float> lo, Vector512<float> hi, Vector512<float> a) =>
                X86.Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, s * 16),
                    X86.Avx512F.PermuteVar16x32x2(lo, X86.Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref lanes, s * 16)), hi), a);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static int Accumulate(ref float w, ref byte lanes, ref int tiles, int count, ref float bias, ref float x, ref float tail, int tailTile,
                ref float destination, float low, float high)
            {
                Vector512<float> a0 = Vector512.LoadUnsafe(ref bias), a1 = Vector512<float>.Zero, a2 = Vector512<float>.Zero, a3 = Vector512<float>.Zero;
                nuint s = 0;
                for (int i = 0; i < count; i++)
                {
                    int entry = Unsafe.Add(ref tiles, i);
                    nuint end = s + (nuint)(entry & 63);
                    ref float t = ref SellTile(entry >> 6, ref x, ref tail, tailTile);
                    Vector512<float> lo = Vector512.LoadUnsafe(ref t), hi = Vector512.LoadUnsafe(ref t, 16);
                    for (; s + 4 <= end; s += 4)
                    {
                        a0 = Slot(ref w, ref lanes, s, lo, hi, a0);
                        a1 = Slot(ref w, ref lanes, s + 1, lo, hi, a1);
                        a2 = Slot(ref w, ref lanes, s + 2, lo, hi, a2);
                        a3 = Slot(ref w, ref lanes, s + 3, lo, hi, a3);
                    }
                    if (s + 2 <= end)
                    {
                        a0 = Slot(ref w, ref lanes, s, lo, hi, a0);
                        a1 = Slot(ref w, ref lanes, s + 1, lo, hi, a1);
                        s += 2;
                    }
                    if (s < end)
                    {
                        a2 = Slot(ref w, ref lanes, s, lo, hi, a2);
                        s++;
                    }
                }
                Kernels.Clamp((a0 + a1) + (a2 + a3), Vector512.Create(low), Vector512.Create(high)).StoreUnsafe(ref destination);
                return (int)s;
            }
        }

        /// <summary>
        /// AVX2: the group is two Vector256 halves (two accumulators); the tile four ymm registers. Per half and slot, each
        /// table is permuted by the low 3 index bits and the four results blended on bits 3 and 4.
        /// </summary>
        internal readonly struct Sell256 : ISellGroup
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static Vector256<float> Pick(Vector256<float> t0, Vector256<float> t1, Vector256<float> t2, Vector256<float> t3, Vector256<int> index)
            {
                var bit3 = X86.Avx2.ShiftLeftLogical(index, 28).AsSingle();
                var bit4 = X86.Avx2.ShiftLeftLogical(index, 27).AsSingle();
                var low = X86.Avx.BlendVariable(X86.Avx2.PermuteVar8x32(t0, index), X86.Avx2.PermuteVar8x32(t1, index), bit3);
                var high = X86.Avx.BlendVariable(X86.Avx2.PermuteVar8x32(t2, index), X86.Avx2.PermuteVar8x32(t3, index), bit3);
                return X86.Avx.BlendVariable(low, high, bit4);
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static int Accumulate(ref float w, ref byte lanes, ref int tiles, int count, ref float bias, ref float x, ref float tail, int tailTile,
                ref float destination, float low, float high)
            {
                Vector256<float> a0 = Vector256.LoadUnsafe(ref bias), a1 = Vector256.LoadUnsafe(ref bias, 8);
                nuint s = 0;
                for (int i = 0; i < count; i++)
                {
                    int entry = Unsafe.Add(ref tiles, i);
                    nuint end = s + (nuint)(entry & 63);
                    ref float t = ref SellTile(entry >> 6, ref x, ref tail, tailTile);
                    Vector256<float> t0 = Vector256.LoadUnsafe(ref t), t1 = Vector256.LoadUnsafe(ref t, 8);
                    Vector256<float> t2 = Vector256.LoadUnsafe(ref t, 16), t3 = Vector256.LoadUnsafe(ref t, 24);
                    for (; s < end; s++)
                    {
                        var bytes = Vector128.LoadUnsafe(ref lanes, s * 16);
                        var i0 = X86.Avx2.ConvertToVector256Int32(bytes);
                        var i1 = X86.Avx2.ConvertToVector256Int32(X86.Sse2.ShiftRightLogical128BitLane(bytes, 8));
                        a0 = MulAdd(Vector256.LoadUnsafe(ref w, s * 16), Pick(t0, t1, t2, t3, i0), a0);
                        a1 = MulAdd(Vector256.LoadUnsafe(ref w, s * 16 + 8), Pick(t0, t1, t2, t3, i1), a1);
                    }
                }
                Vector256<float> lowV = Vector256.Create(low), highV = Vector256.Create(high);
                Kernels.Clamp(a0, lowV, highV).StoreUnsafe(ref destination);
                Kernels.Clamp(a1, lowV, highV).StoreUnsafe(ref destination, 8);
                return (int)s;
            }
        }

        /// <summary>
        /// Scalar fallback (no AVX2; ARM64 for now): the same slots, one row at a time, multiply and add unfused. The same
        /// products in the same order per row as the vector paths, up to their FMA rounding and the AVX-512 path's four
        /// accumulators.
        /// </summary>
        internal readonly struct SellScalar : ISellGroup
        {
            public static int Accumulate(ref float w, ref byte lanes, ref int tiles, int count, ref float bias, ref float x, ref float tail, int tailTile,
                ref float destination, float low, float high)
            {
                ref float result = ref destination;
                for (int r = 0; r < SellGroupRows; r++) Unsafe.Add(ref result, r) = Unsafe.Add(ref bias, r);
                nuint s = 0;
                for (int i = 0; i < count; i++)
                {
                    int entry = Unsafe.Add(ref tiles, i);
                    nuint end = s + (nuint)(entry & 63);
                    ref float t = ref SellTile(entry >> 6, ref x, ref tail, tailTile);
                    for (; s < end; s++)
                        for (nuint r = 0; r < SellGroupRows; r++)
                            Unsafe.Add(ref result, r) += Unsafe.Add(ref w, s * 16 + r) * Unsafe.Add(ref t, Unsafe.Add(ref lanes, s * 16 + r));
                }
                for (int r = 0; r < SellGroupRows; r++) Unsafe.Add(ref result, r) = ScalarWidth.Clamp(Unsafe.Add(ref result, r), low, high);
                return (int)s;
            }
        }
    }
}
