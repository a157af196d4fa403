using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace PrunedCodegen.Training.Tensors;

/// <summary>
/// Row-major matrix products, the engine's hot loops. Each walks contiguous rows so that TensorPrimitives can
/// vectorise the inner loop (a multiply-add over a row, or a dot product of two rows).
/// </summary>
internal static class MatrixMath
{
    /// <summary>c[m,n] (+)= a[m,k] · b[k,n].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
    {
        if (!accumulate)
            c.Slice(0, m * n).Clear();
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * n, n);
            ReadOnlySpan<float> aRow = a.Slice(i * k, k);
            for (int p = 0; p < k; p++)
            {
                float s = aRow[p];
                if (s != 0f)
                    TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), s, row, row);
            }
        }
    }

    /// <summary>c[m,n] (+)= a[m,k] · b[n,k]ᵀ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> aRow = a.Slice(i * k, k);
            for (int j = 0; j < n; j++)
            {
                float dot = TensorPrimitives.Dot(aRow, b.Slice(j * k, k));
                c[i * n + j] = accumulate ? c[i * n + j] + dot : dot;
            }
        }
    }

    /// <summary>c[k,n] (+)= a[m,k]ᵀ · b[m,n].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
    {
        if (!accumulate)
            c.Slice(0, k * n).Clear();
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> bRow = b.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                float s = a[i * k + p];
                if (s != 0f)
                {
                    Span<float> row = c.Slice(p * n, n);
                    TensorPrimitives.MultiplyAdd(bRow, s, row, row);
                }
            }
        }
    }

    /// <summary>The transpose of a row-major [rows, cols] matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    public static float[] Transpose(ReadOnlySpan<float> a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                t[j * rows + i] = a[i * cols + j];
        return t;
    }
}
