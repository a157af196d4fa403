// PrunedCodegen runtime kernels: ArgMax, ArgMin and TopK, whose results are int64 indices written straight into the
// caller's Span<long> (appended to Kernels.cs in the emitted source). Scalar loops: a classifier head reduces a few
// logits per sample, never the hot part of a model.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.InteropServices;

    internal static partial class Kernels
    {
        /// <summary>
        /// ArgMax (<paramref name="max"/>) or ArgMin along the middle axis of X viewed as [outer, length, inner]: y[o, i] is
        /// the index of the first (with <paramref name="last"/>, the last) extreme element of the line x[o, :, i]. As
        /// ONNX Runtime 1.31 computes it (probed, including NaN): the scan starts from element 0 and moves on only to a
        /// value that compares greater (less; or equal too, with <paramref name="last"/>), so a NaN at index 0 wins
        /// and a NaN elsewhere is passed over; -0 and +0 are equal.
        /// </summary>
        public static void ArgReduce(ReadOnlySpan<float> x, Span<long> y, int outer, int length, int inner, bool max, bool last)
        {
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int line = o * length * inner + i, at = 0;
                    float best = x[line];
                    for (int j = 1; j < length; j++)
                    {
                        float v = x[line + j * inner];
                        bool take = max ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
                        if (take)
                        {
                            best = v;
                            at = j;
                        }
                    }
                    y[o * inner + i] = at;
                }
            }
        }

        /// <summary>
        /// <see cref="ArgReduce"/> of each sample of a batch group in the [features][lanes] layout: y[s] for s &lt; y.Length
        /// (the group's samples) is the index of the extreme of xT[0..length-1][s], by the same rule.
        /// </summary>
        public static void ArgReduceBatch(ReadOnlySpan<float> xT, Span<long> y, int length, int lanes, bool max, bool last)
        {
            if (y.Length > lanes || xT.Length < length * lanes) throw new ArgumentException("batch group sizes disagree");
            for (int s = 0; s < y.Length; s++)
            {
                int at = 0;
                float best = xT[s];
                for (int j = 1; j < length; j++)
                {
                    float v = xT[j * lanes + s];
                    bool take = max ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
                    if (take)
                    {
                        best = v;
                        at = j;
                    }
                }
                y[s] = at;
            }
        }

        /// <summary>
        /// TopK's values: the <paramref name="k"/> largest (or smallest) elements of each line x[o, :, i] in order, equal
        /// values in index order, NaN after every number. The selection keeps its indices in y itself (as ints) and then
        /// replaces each by its value.
        /// </summary>
        public static void TopKValues(ReadOnlySpan<float> x, Span<float> y, int outer, int length, int inner, int k, bool largest)
        {
            Span<int> slots = MemoryMarshal.Cast<float, int>(y);
            TopKSelect(x, slots, outer, length, inner, k, largest);
            for (int o = 0; o < outer; o++)
                for (int p = 0; p < k; p++)
                    for (int i = 0; i < inner; i++)
                    {
                        int q = (o * k + p) * inner + i;
                        y[q] = x[(o * length + slots[q]) * inner + i];
                    }
        }

        /// <summary>TopK's indices (int64), in the order of <see cref="TopKValues"/>.</summary>
        public static void TopKIndices(ReadOnlySpan<float> x, Span<long> y, int outer, int length, int inner, int k, bool largest)
        {
            // The selection writes ints into the first half of y's bytes; widening them from the end backwards never
            // overwrites an int not yet read (long q covers ints 2q and 2q + 1, both >= q).
            Span<int> slots = MemoryMarshal.Cast<long, int>(y);
            TopKSelect(x, slots, outer, length, inner, k, largest);
            for (int q = outer * k * inner - 1; q >= 0; q--) y[q] = slots[q];
        }

        /// <summary>
        /// Per line, the indices of its k first elements in TopK order into slots[(o * k + p) * inner + i], p = 0..k-1:
        /// insertion into the sorted run of the best so far (a value moves ahead of another only when strictly better,
        /// which keeps equal values in index order), then the line's NaNs in index order if fewer than k numbers.
        /// </summary>
        private static void TopKSelect(ReadOnlySpan<float> x, Span<int> slots, int outer, int length, int inner, int k, bool largest)
        {
            if (k == 0) return;
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int src = o * length * inner + i, dst = o * k * inner + i, count = 0;
                    for (int j = 0; j < length; j++)
                    {
                        float v = x[src + j * inner];
                        if (float.IsNaN(v)) continue;
                        if (count == k && !TopKBefore(v, x[src + slots[dst + (k - 1) * inner] * inner], largest)) continue;
                        int p = count < k ? count++ : k - 1;
                        while (p > 0)
                        {
                            int above = slots[dst + (p - 1) * inner];
                            if (!TopKBefore(v, x[src + above * inner], largest)) break;
                            slots[dst + p * inner] = above;
                            p--;
                        }
                        slots[dst + p * inner] = j;
                    }
                    for (int j = 0; j < length && count < k; j++)
                        if (float.IsNaN(x[src + j * inner])) slots[dst + count++ * inner] = j;
                }
            }
        }

        private static bool TopKBefore(float a, float b, bool largest) => largest ? a > b : a < b;
    }
}
