using System;
using System.Runtime.CompilerServices;

namespace PrunedCodegen.Training.Tensors;

/// <summary>Numpy-style (multidirectional) broadcasting, as ONNX's Add, Sub and Mul use it.</summary>
internal static class Broadcasting
{
    public static int[] Shape(int[] a, int[] b, string node)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new TrainingException($"Node '{node}': shapes {FloatTensor.Format(a)} and {FloatTensor.Format(b)} do not broadcast.");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>
    /// For each element of a tensor of shape <paramref name="outShape"/>, the flat index of the element of the
    /// (broadcast) input of shape <paramref name="inShape"/> that it reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    public static int[] IndexMap(int[] outShape, int[] inShape)
    {
        int rank = outShape.Length;
        var inStrides = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int j = i - (rank - inShape.Length);
            int dim = j >= 0 ? inShape[j] : 1;
            inStrides[i] = dim == 1 ? 0 : stride;
            stride *= dim;
        }
        int size = FloatTensor.SizeOf(outShape);
        var map = new int[size];
        var counter = new int[rank];
        int offset = 0;
        for (int flat = 0; flat < size; flat++)
        {
            map[flat] = offset;
            for (int d = rank - 1; d >= 0; d--)
            {
                counter[d]++;
                offset += inStrides[d];
                if (counter[d] < outShape[d])
                    break;
                offset -= inStrides[d] * counter[d];
                counter[d] = 0;
            }
        }
        return map;
    }

    public static bool SameShape(int[] a, int[] b) => a.AsSpan().SequenceEqual(b);

    /// <summary>Sums a gradient of the broadcast shape back down to the input's shape.</summary>
    public static FloatTensor Reduce(FloatTensor gradient, int[] inShape)
    {
        if (SameShape(gradient.Shape, inShape))
            return gradient;
        var result = new FloatTensor((int[])inShape.Clone());
        int[] map = IndexMap(gradient.Shape, inShape);
        float[] g = gradient.Data, r = result.Data;
        for (int i = 0; i < map.Length; i++)
            r[map[i]] += g[i];
        return result;
    }
}
