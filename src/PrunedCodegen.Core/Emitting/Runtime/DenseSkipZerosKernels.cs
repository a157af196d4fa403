// PrunedCodegen runtime kernels: the dense layer that skips zero inputs, written once over the vector width (appended to Kernels.cs).
namespace PrunedCodegen.Generated
{
    using System;
    using System.Numerics;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>The nonzero inputs of the last skip-zeros layer on this thread: each one's value and row offset (p * n).</summary>
        [ThreadStatic] private static float[]? t_nonzeroValues;
        [ThreadStatic] private static int[]? t_nonzeroOffsets;

        /// <summary>
        /// Dense layer that skips zero inputs: y[c] = clamp(bias[c] + sum over p with x[p] != 0 of x[p] * W[p, c], low, high),
        /// weights input-major [x.Length][y.Length] as <see cref="DenseColumns(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, float, float)"/>.
        /// After a ReLU half or more of a layer's inputs are exactly 0, and image inputs have a zero background: their
        /// weight rows are neither loaded nor multiplied. First the nonzero inputs are listed (value and row offset; one
        /// vector compare and compress per 16 inputs with AVX-512, a compare, movemask and bit scan otherwise), then register
        /// tiles of outputs accumulate x[p] times row p for the listed inputs only. NaN and infinite inputs are not zero and
        /// propagate; a skipped input contributes exactly 0, which equals x[p] * W[p, c] for finite weights (the planner
        /// chooses this kernel only for layers whose weights are all finite). Allocates one pair of lists per thread, once.
        /// </summary>
        public static void DenseSkipZeros(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, float low, float high)
        {
            int k = x.Length, n = y.Length;
            if (weights.Length != k * n || (!bias.IsEmpty && bias.Length != n)) throw new ArgumentException("weight, bias and span lengths disagree");
            float[] values = t_nonzeroValues is { } v && v.Length >= k + 16 ? v : (t_nonzeroValues = new float[k + 16]);
            int[] offsets = t_nonzeroOffsets is { } o && o.Length >= k + 16 ? o : (t_nonzeroOffsets = new int[k + 16]);
            int count = ListNonzeroInputs(x, n, values, offsets);
            ref float w = ref MemoryMarshal.GetReference(weights);
            ref float b = ref MemoryMarshal.GetReference(bias);
            ref float vs = ref MemoryMarshal.GetArrayDataReference(values);
            ref int os = ref MemoryMarshal.GetArrayDataReference(offsets);
            ref float ys = ref MemoryMarshal.GetReference(y);
            bool hasBias = !bias.IsEmpty;
            if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count) DenseSkipZeros<Width512, Vector512<float>>(ref w, ref b, hasBias, ref vs, ref os, count, ref ys, n, low, high);
            else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count) DenseSkipZeros<Width256, Vector256<float>>(ref w, ref b, hasBias, ref vs, ref os, count, ref ys, n, low, high);
            else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count) DenseSkipZeros<Width128, Vector128<float>>(ref w, ref b, hasBias, ref vs, ref os, count, ref ys, n, low, high);
            else DenseSkipZeros<ScalarWidth, float>(ref w, ref b, hasBias, ref vs, ref os, count, ref ys, n, low, high);
        }

        /// <summary>
        /// Lists the inputs that are not exactly 0 (NaN included): their values and row offsets p * n, in order. Both lists
        /// need 16 entries to spare (whole vectors are stored past the count). Returns how many there are.
        /// </summary>
        internal static int ListNonzeroInputs(ReadOnlySpan<float> x, int n, float[] values, int[] offsets)
        {
            int k = x.Length, count = 0, p = 0;
            ref float xs = ref MemoryMarshal.GetReference(x);
#if NET9_0_OR_GREATER
            if (Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            {
                // One compare and two compresses per 16 inputs; the stores write whole vectors, count advances by the nonzeros.
                ref float vs = ref MemoryMarshal.GetArrayDataReference(values);
                ref int os = ref MemoryMarshal.GetArrayDataReference(offsets);
                Vector512<int> offset = Vector512<int>.Indices * n, step = Vector512.Create(16 * n);
                for (; p + 16 <= k; p += 16, offset += step)
                {
                    var v = Vector512.LoadUnsafe(ref xs, (nuint)p);
                    var zero = Vector512.Equals(v, Vector512<float>.Zero);
                    var keep = ~zero.AsInt32();
                    System.Runtime.Intrinsics.X86.Avx512F.Compress(Vector512<float>.Zero, keep.AsSingle(), v).StoreUnsafe(ref vs, (nuint)count);
                    System.Runtime.Intrinsics.X86.Avx512F.Compress(Vector512<int>.Zero, keep, offset).StoreUnsafe(ref os, (nuint)count);
                    count += 16 - BitOperations.PopCount(zero.ExtractMostSignificantBits());
                }
            }
#endif
            // Elsewhere (and for the last inputs): a compare and movemask per vector, then one bit per nonzero input.
            for (; p < k; p += 64)
            {
                int chunk = Math.Min(64, k - p);
                ulong bits = NonzeroBits(ref Unsafe.Add(ref xs, p), chunk);
                while (bits != 0)
                {
                    int i = p + BitOperations.TrailingZeroCount(bits);
                    values[count] = Unsafe.Add(ref xs, i);
                    offsets[count] = i * n;
                    count++;
                    bits &= bits - 1;
                }
            }
            return count;
        }

        /// <summary>Bit i set where x[i] is not exactly 0 (NaN counts as nonzero), for count &lt;= 64 inputs.</summary>
        private static ulong NonzeroBits(ref float x, int count)
        {
            ulong zeros = 0;
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; i + 8 <= count; i += 8)
                    zeros |= (ulong)Vector256.Equals(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256<float>.Zero).ExtractMostSignificantBits() << i;
            else if (Vector128.IsHardwareAccelerated)
                for (; i + 4 <= count; i += 4)
                    zeros |= (ulong)Vector128.Equals(Vector128.LoadUnsafe(ref x, (nuint)i), Vector128<float>.Zero).ExtractMostSignificantBits() << i;
            for (; i < count; i++)
                if (Unsafe.Add(ref x, i) == 0f) zeros |= 1UL << i;
            ulong all = count == 64 ? ulong.MaxValue : (1UL << count) - 1;
            return ~zeros & all;
        }

        /// <summary>
        /// The listed inputs into every output, at one vector width (n >= W.Count): the tiles of
        /// <see cref="DenseColumns{W, V}"/> (8 vectors x 2 inputs per step, then 4 x 2, 2 x 4, 1 x 4, the last vector moved
        /// back to end at n), each input's row found at its listed offset and its value broadcast from the list.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void DenseSkipZeros<W, V>(ref float w, ref float bias, bool hasBias, ref float values, ref int offsets, int count, ref float y, int n, float low, float high)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int lanes = W.Count;
            V lo = W.Broadcast(low), hi = W.Broadcast(high);
            int j = 0;
            for (; n - j > 7 * lanes; j += 8 * lanes)
            {
                int last = Math.Min(7 * lanes, n - lanes - j);
                if (Has32VectorRegisters) SkipTile8x2<W, V>(ref Unsafe.Add(ref w, j), ref values, ref offsets, count, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), last, lo, hi);
                else SkipTile8<W, V>(ref Unsafe.Add(ref w, j), ref values, ref offsets, count, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), last, lo, hi);
            }
            if (j >= n) return;
            int vectors = (n - j + lanes - 1) / lanes;
            if (vectors >= 4)
            {
                int last = vectors == 4 ? n - lanes - j : 3 * lanes;
                SkipTile4x2<W, V>(ref Unsafe.Add(ref w, j), ref values, ref offsets, count, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), last, lo, hi);
                j += 4 * lanes;
                vectors -= 4;
            }
            if (vectors >= 2)
            {
                int last = vectors == 2 ? n - lanes - j : lanes;
                SkipTile2x4<W, V>(ref Unsafe.Add(ref w, j), ref values, ref offsets, count, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), last, lo, hi);
                j += 2 * lanes;
                vectors -= 2;
            }
            if (vectors == 1)
            {
                j = n - lanes;
                SkipTile1x4<W, V>(ref Unsafe.Add(ref w, j), ref values, ref offsets, count, hasBias, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref y, j), lo, hi);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SkipTile8x2<W, V>(ref float w, ref float values, ref int offsets, int count, bool hasBias, ref float bias, ref float y, int last, V lo, V hi)
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
            int i = 0;
            for (; i + 2 <= count; i += 2)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref values, i)), x1 = W.Broadcast(Unsafe.Add(ref values, i + 1));
                ref float r0 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i));
                ref float r1 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i + 1));
                a0 = W.MulAdd(W.Load(ref r0), x0, a0);
                b0 = W.MulAdd(W.Load(ref r1), x1, b0);
                a1 = W.MulAdd(W.Load(ref r0, c), x0, a1);
                b1 = W.MulAdd(W.Load(ref r1, c), x1, b1);
                a2 = W.MulAdd(W.Load(ref r0, 2 * c), x0, a2);
                b2 = W.MulAdd(W.Load(ref r1, 2 * c), x1, b2);
                a3 = W.MulAdd(W.Load(ref r0, 3 * c), x0, a3);
                b3 = W.MulAdd(W.Load(ref r1, 3 * c), x1, b3);
                a4 = W.MulAdd(W.Load(ref r0, 4 * c), x0, a4);
                b4 = W.MulAdd(W.Load(ref r1, 4 * c), x1, b4);
                a5 = W.MulAdd(W.Load(ref r0, 5 * c), x0, a5);
                b5 = W.MulAdd(W.Load(ref r1, 5 * c), x1, b5);
                a6 = W.MulAdd(W.Load(ref r0, 6 * c), x0, a6);
                b6 = W.MulAdd(W.Load(ref r1, 6 * c), x1, b6);
                a7 = W.MulAdd(W.Load(ref r0, l), x0, a7);
                b7 = W.MulAdd(W.Load(ref r1, l), x1, b7);
            }
            if (i < count)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref values, i));
                ref float r0 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i));
                a0 = W.MulAdd(W.Load(ref r0), x0, a0); a1 = W.MulAdd(W.Load(ref r0, c), x0, a1);
                a2 = W.MulAdd(W.Load(ref r0, 2 * c), x0, a2); a3 = W.MulAdd(W.Load(ref r0, 3 * c), x0, a3);
                a4 = W.MulAdd(W.Load(ref r0, 4 * c), x0, a4); a5 = W.MulAdd(W.Load(ref r0, 5 * c), x0, a5);
                a6 = W.MulAdd(W.Load(ref r0, 6 * c), x0, a6); a7 = W.MulAdd(W.Load(ref r0, l), x0, a7);
            }
            W.Store(W.Clamp(W.Add(a0, b0), lo, hi), ref y); W.Store(W.Clamp(W.Add(a1, b1), lo, hi), ref y, c);
            W.Store(W.Clamp(W.Add(a2, b2), lo, hi), ref y, 2 * c); W.Store(W.Clamp(W.Add(a3, b3), lo, hi), ref y, 3 * c);
            W.Store(W.Clamp(W.Add(a4, b4), lo, hi), ref y, 4 * c); W.Store(W.Clamp(W.Add(a5, b5), lo, hi), ref y, 5 * c);
            W.Store(W.Clamp(W.Add(a6, b6), lo, hi), ref y, 6 * c); W.Store(W.Clamp(W.Add(a7, b7), lo, hi), ref y, l);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SkipTile8<W, V>(ref float w, ref float values, ref int offsets, int count, bool hasBias, ref float bias, ref float y, int last, V lo, V hi)
            where W : struct, IVectorWidth<V> where V : struct
        {
            nuint c = (nuint)W.Count, l = (nuint)last;
            V a0 = W.Zero, a1 = W.Zero, a2 = W.Zero, a3 = W.Zero, a4 = W.Zero, a5 = W.Zero, a6 = W.Zero, a7 = W.Zero;
            if (hasBias)
            {
                a0 = W.Load(ref bias); a1 = W.Load(ref bias, c); a2 = W.Load(ref bias, 2 * c); a3 = W.Load(ref bias, 3 * c);
                a4 = W.Load(ref bias, 4 * c); a5 = W.Load(ref bias, 5 * c); a6 = W.Load(ref bias, 6 * c); a7 = W.Load(ref bias, l);
            }
            for (int i = 0; i < count; i++)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref values, i));
                ref float r0 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i));
                a0 = W.MulAdd(W.Load(ref r0), x0, a0); a1 = W.MulAdd(W.Load(ref r0, c), x0, a1);
                a2 = W.MulAdd(W.Load(ref r0, 2 * c), x0, a2); a3 = W.MulAdd(W.Load(ref r0, 3 * c), x0, a3);
                a4 = W.MulAdd(W.Load(ref r0, 4 * c), x0, a4); a5 = W.MulAdd(W.Load(ref r0, 5 * c), x0, a5);
                a6 = W.MulAdd(W.Load(ref r0, 6 * c), x0, a6); a7 = W.MulAdd(W.Load(ref r0, l), x0, a7);
            }
            W.Store(W.Clamp(a0, lo, hi), ref y); W.Store(W.Clamp(a1, lo, hi), ref y, c);
            W.Store(W.Clamp(a2, lo, hi), ref y, 2 * c); W.Store(W.Clamp(a3, lo, hi), ref y, 3 * c);
            W.Store(W.Clamp(a4, lo, hi), ref y, 4 * c); W.Store(W.Clamp(a5, lo, hi), ref y, 5 * c);
            W.Store(W.Clamp(a6, lo, hi), ref y, 6 * c); W.Store(W.Clamp(a7, lo, hi), ref y, l);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SkipTile4x2<W, V>(ref float w, ref float values, ref int offsets, int count, bool hasBias, ref float bias, ref float y, int last, V lo, V hi)
            where W : struct, IVectorWidth<V> where V : struct
        {
            nuint c = (nuint)W.Count, l = (nuint)last;
            V a0 = W.Zero, a1 = W.Zero, a2 = W.Zero, a3 = W.Zero;
            if (hasBias) { a0 = W.Load(ref bias); a1 = W.Load(ref bias, c); a2 = W.Load(ref bias, 2 * c); a3 = W.Load(ref bias, l); }
            V b0 = W.Zero, b1 = W.Zero, b2 = W.Zero, b3 = W.Zero;
            int i = 0;
            for (; i + 2 <= count; i += 2)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref values, i)), x1 = W.Broadcast(Unsafe.Add(ref values, i + 1));
                ref float r0 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i));
                ref float r1 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i + 1));
                a0 = W.MulAdd(W.Load(ref r0), x0, a0);
                b0 = W.MulAdd(W.Load(ref r1), x1, b0);
                a1 = W.MulAdd(W.Load(ref r0, c), x0, a1);
                b1 = W.MulAdd(W.Load(ref r1, c), x1, b1);
                a2 = W.MulAdd(W.Load(ref r0, 2 * c), x0, a2);
                b2 = W.MulAdd(W.Load(ref r1, 2 * c), x1, b2);
                a3 = W.MulAdd(W.Load(ref r0, l), x0, a3);
                b3 = W.MulAdd(W.Load(ref r1, l), x1, b3);
            }
            if (i < count)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref values, i));
                ref float r0 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i));
                a0 = W.MulAdd(W.Load(ref r0), x0, a0); a1 = W.MulAdd(W.Load(ref r0, c), x0, a1);
                a2 = W.MulAdd(W.Load(ref r0, 2 * c), x0, a2); a3 = W.MulAdd(W.Load(ref r0, l), x0, a3);
            }
            W.Store(W.Clamp(W.Add(a0, b0), lo, hi), ref y); W.Store(W.Clamp(W.Add(a1, b1), lo, hi), ref y, c);
            W.Store(W.Clamp(W.Add(a2, b2), lo, hi), ref y, 2 * c); W.Store(W.Clamp(W.Add(a3, b3), lo, hi), ref y, l);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SkipTile2x4<W, V>(ref float w, ref float values, ref int offsets, int count, bool hasBias, ref float bias, ref float y, int last, V lo, V hi)
            where W : struct, IVectorWidth<V> where V : struct
        {
            nuint l = (nuint)last;
            V a0 = hasBias ? W.Load(ref bias) : W.Zero, a1 = hasBias ? W.Load(ref bias, l) : W.Zero;
            V b0 = W.Zero, b1 = W.Zero, d0 = W.Zero, d1 = W.Zero, e0 = W.Zero, e1 = W.Zero;
            int i = 0;
            for (; i + 4 <= count; i += 4)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref values, i)), x1 = W.Broadcast(Unsafe.Add(ref values, i + 1));
                V x2 = W.Broadcast(Unsafe.Add(ref values, i + 2)), x3 = W.Broadcast(Unsafe.Add(ref values, i + 3));
                ref float r0 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i));
                ref float r1 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i + 1));
                ref float r2 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i + 2));
                ref float r3 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i + 3));
                a0 = W.MulAdd(W.Load(ref r0), x0, a0);
                a1 = W.MulAdd(W.Load(ref r0, l), x0, a1);
                b0 = W.MulAdd(W.Load(ref r1), x1, b0);
                b1 = W.MulAdd(W.Load(ref r1, l), x1, b1);
                d0 = W.MulAdd(W.Load(ref r2), x2, d0);
                d1 = W.MulAdd(W.Load(ref r2, l), x2, d1);
                e0 = W.MulAdd(W.Load(ref r3), x3, e0);
                e1 = W.MulAdd(W.Load(ref r3, l), x3, e1);
            }
            for (; i < count; i++)
            {
                V x0 = W.Broadcast(Unsafe.Add(ref values, i));
                ref float r0 = ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i));
                a0 = W.MulAdd(W.Load(ref r0), x0, a0);
                a1 = W.MulAdd(W.Load(ref r0, l), x0, a1);
            }
            W.Store(W.Clamp(W.Add(W.Add(a0, b0), W.Add(d0, e0)), lo, hi), ref y);
            W.Store(W.Clamp(W.Add(W.Add(a1, b1), W.Add(d1, e1)), lo, hi), ref y, l);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SkipTile1x4<W, V>(ref float w, ref float values, ref int offsets, int count, bool hasBias, ref float bias, ref float y, V lo, V hi)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V a0 = hasBias ? W.Load(ref bias) : W.Zero, a1 = W.Zero, a2 = W.Zero, a3 = W.Zero;
            int i = 0;
            for (; i + 4 <= count; i += 4)
            {
                a0 = W.MulAdd(W.Load(ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i))), W.Broadcast(Unsafe.Add(ref values, i)), a0);
                a1 = W.MulAdd(W.Load(ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i + 1))), W.Broadcast(Unsafe.Add(ref values, i + 1)), a1);
                a2 = W.MulAdd(W.Load(ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i + 2))), W.Broadcast(Unsafe.Add(ref values, i + 2)), a2);
                a3 = W.MulAdd(W.Load(ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i + 3))), W.Broadcast(Unsafe.Add(ref values, i + 3)), a3);
            }
            for (; i < count; i++)
                a0 = W.MulAdd(W.Load(ref Unsafe.Add(ref w, Unsafe.Add(ref offsets, i))), W.Broadcast(Unsafe.Add(ref values, i)), a0);
            W.Store(W.Clamp(W.Add(W.Add(a0, a1), W.Add(a2, a3)), lo, hi), ref y);
        }
    }
}
