using System;
using System.Linq;
using PrunedCodegen.Diagnostics;

namespace PrunedCodegen.Graph
{
    /// <summary>Static shape arithmetic: element counts, strides and ONNX multidirectional broadcasting.</summary>
    internal static class Shapes
    {
        /// <summary>The largest tensor (in elements) a model may hold: <see cref="ModelLimits.MaxTensorElements"/>.</summary>
        public const long MaxElements = ModelLimits.MaxTensorElements;

        public static int Count(int[] dims)
        {
            long n = 1;
            foreach (int d in dims)
            {
                n *= d;
                if (n > MaxElements)
                    throw new ModelCompileException(DiagnosticIds.TensorTooLarge,
                        $"a tensor of shape {Format(dims)} has more than {MaxElements} elements");
            }
            return (int)n;
        }

        public static int Product(int[] dims, int from, int to)
        {
            int n = 1;
            for (int i = from; i < to; i++) n *= dims[i];
            return n;
        }

        public static string Format(int[] dims) => "[" + string.Join(",", dims.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

        /// <summary>ONNX multidirectional (numpy) broadcasting of two shapes, or null if they do not broadcast.</summary>
        public static int[]? Broadcast(int[] a, int[] b)
        {
            int rank = Math.Max(a.Length, b.Length);
            var result = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
                int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
                if (da == db || db == 1) result[i] = da;
                else if (da == 1) result[i] = db;
                else return null;
            }
            return result;
        }

        /// <summary>
        /// Strides (in elements) with which an operand of shape <paramref name="operand"/> is read when it is
        /// broadcast to <paramref name="output"/>: 0 along broadcast dimensions.
        /// </summary>
        public static int[] BroadcastStrides(int[] operand, int[] output)
        {
            var strides = new int[output.Length];
            int offset = output.Length - operand.Length;
            int stride = 1;
            for (int i = operand.Length - 1; i >= 0; i--)
            {
                strides[i + offset] = operand[i] == 1 && output[i + offset] != 1 ? 0 : stride;
                stride *= operand[i];
            }
            return strides;
        }

        public static int NormalizeAxis(int axis, int rank, string what)
        {
            int a = axis < 0 ? axis + rank : axis;
            if (a < 0 || a > rank)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{what}: axis {axis} is out of range for rank {rank}");
            return a;
        }
    }
}
