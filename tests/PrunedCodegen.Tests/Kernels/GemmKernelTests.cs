using System;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The GEMM micro-kernel (Emitting/Runtime/GemmKernels.cs) called directly at every vector width through
    /// <see cref="KernelHarness"/> (Vector512 runs in software where it is not accelerated), and through its public
    /// dispatching entry point, against a plain reference loop in double precision: awkward m/k/cols, both weight layouts
    /// (packed panels and input-major [k][m] read in place), strides wider than the columns, bias or none, clamps, NaN and
    /// infinities, and C outside the written rows and columns left untouched.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class GemmKernelTests
    {
        private static readonly Lazy<Type> s_shim = new Lazy<Type>(() => KernelHarness.Compile(@"
public static class GemmShim
{
    public static void Run(string width, float[] a, int aStride, int m, int k, float[] b, int ldb, int cols, float[] c, int ldc, float[] bias, bool clamp, float low, float high)
    {
        if (width == ""dispatch"") { Kernels.Gemm(a, aStride, m, k, b, ldb, cols, c, ldc, bias, clamp, low, high); return; }
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.GemmAt<{w}, {vt}>(a, aStride, m, k, b, ldb, cols, c, ldc, bias, clamp, low, high)") + @"
    }

    public static int PackedLength(int m, int k) => Kernels.GemmPackedLength(m, k);
    public static void Pack(float[] a, int m, int k, float[] packed) => Kernels.GemmPack(a, m, k, packed);
    public static int PanelRows => Kernels.GemmPanelRows;
}", "GemmShim"));

        private static readonly string[] AllWidths = KernelHarness.Widths.Concat(new[] { "dispatch" }).ToArray();

        public static TheoryData<string, int, int, int> Cases()
        {
            var data = new TheoryData<string, int, int, int>();
            var shapes = new (int M, int K)[] { (1, 1), (3, 7), (7, 3), (12, 17), (13, 1), (17, 63), (63, 17), (100, 100), (24, 1000), (17, 1000), (13, 600), (1000, 3) };
            var columns = new[] { 1, 2, 7, 16, 17, 64, 100 };
            int i = 0;
            foreach (string width in AllWidths)
                foreach (var (m, k) in shapes)
                    foreach (int cols in columns)
                    {
                        // Every width sees every shape and every column count, but not every pair of them (the run stays short).
                        if ((i++ % 3) == 0 || cols == 64 || cols == 17) data.Add(width, m, k, cols);
                    }
            return data;
        }

        private static float[] Random(int n, int seed, float scale = 1f)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
        }

        /// <summary>C = act(bias + A B) in double, then rounded; A row-major m x k, B [k][ldb], C [m][ldc].</summary>
        private static double Reference(float[] a, int k, float[] b, int ldb, float[] bias, int r, int j, bool clamp, float low, float high)
        {
            double sum = bias.Length > 0 ? bias[r] : 0;
            for (int p = 0; p < k; p++) sum += (double)a[r * k + p] * b[p * ldb + j];
            if (clamp && !double.IsNaN(sum)) sum = Math.Min(Math.Max(sum, low), high);
            return sum;
        }

        private static float[] Layout(float[] a, int m, int k, bool packed)
        {
            if (packed)
            {
                var p = new float[(int)KernelHarness.Invoke(s_shim.Value, "PackedLength", m, k)!];
                KernelHarness.Invoke(s_shim.Value, "Pack", a, m, k, p);
                return p;
            }
            var t = new float[k * m];
            for (int r = 0; r < m; r++)
                for (int q = 0; q < k; q++)
                    t[q * m + r] = a[r * k + q];
            return t;
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Gemm_at_every_width_matches_a_reference_loop(string width, int m, int k, int cols)
        {
            var a = Random(m * k, m * 1000 + k);
            int ldb = cols + 3, ldc = cols + 5;
            var b = Random(k * ldb, k * 7 + cols);
            int panelRows = (int)KernelHarness.Invoke(s_shim.Value, "get_PanelRows")!;
            foreach (bool packed in m >= panelRows ? new[] { true, false } : new[] { true })
                foreach (var (hasBias, clamp, low, high) in new[] { (false, false, 0f, 0f), (true, true, 0f, float.PositiveInfinity), (true, true, -0.25f, 0.5f) })
                {
                    var bias = hasBias ? Random(m, m + 11) : Array.Empty<float>();
                    var c = Enumerable.Repeat(-7f, m * ldc + 4).ToArray();   // 4 floats past the last row: must stay -7
                    KernelHarness.Invoke(s_shim.Value, "Run", width, Layout(a, m, k, packed), packed ? panelRows : m, m, k, b, ldb, cols, c, ldc, bias, clamp, low, high);
                    for (int r = 0; r < m; r++)
                        for (int j = 0; j < ldc; j++)
                        {
                            float actual = c[r * ldc + j];
                            if (j >= cols) { Assert.True(actual == -7f, $"{width} {m}x{k}x{cols}: C[{r}][{j}] past cols was written ({actual})"); continue; }
                            double expected = Reference(a, k, b, ldb, bias, r, j, clamp, low, high);
                            // Float sums of k products of magnitude <= 1: the summation order and FMA move them by ~k ulps.
                            double tolerance = 1e-5 * (1 + Math.Sqrt(k) * 4) * (1 + Math.Abs(expected));
                            Assert.True(Math.Abs(actual - expected) <= tolerance,
                                $"{width} {m}x{k}x{cols}, packed {packed}, bias {hasBias}, clamp {clamp} [{low}, {high}]: C[{r}][{j}] = {actual}, expected {expected}");
                        }
                    Assert.True(c.Skip(m * ldc).All(v => v == -7f), $"{width} {m}x{k}x{cols}: written past C");
                }
        }

        [Theory]
        [MemberData(nameof(WidthData))]
        public void Special_values_propagate_as_IEEE_says_and_clamps_keep_NaN(string width)
        {
            // 14 rows (one full panel, one partial), 40 columns (two vectors of 16, then 8 left over), 5 inputs.
            int m = 14, k = 5, cols = 40;
            var a = Random(m * k, 3);
            var b = Random(k * cols, 4);
            // Column 0: a NaN input; column 1: +inf in one input (rows with a positive weight go to +inf, negative to -inf);
            // column 2: +inf and -inf in two inputs (inf - inf = NaN); column 33 (the second vector): -inf.
            b[2 * cols + 0] = float.NaN;
            b[1 * cols + 1] = float.PositiveInfinity;
            b[0 * cols + 2] = float.PositiveInfinity; b[3 * cols + 2] = float.NegativeInfinity;
            b[4 * cols + 33] = float.NegativeInfinity;
            a[0 * k + 1] = 0f;   // row 0 times the +inf of column 1: 0 * inf = NaN, as ONNX Runtime multiplies it too
            foreach (var (clamp, low, high) in new[] { (false, 0f, 0f), (true, 0f, float.PositiveInfinity), (true, -1f, 1f) })
            {
                var c = new float[m * cols];
                KernelHarness.Invoke(s_shim.Value, "Run", width, Layout(a, m, k, packed: true), 12, m, k, b, cols, cols, c, cols, Array.Empty<float>(), clamp, low, high);
                for (int r = 0; r < m; r++)
                    foreach (int j in new[] { 0, 1, 2, 3, 33, 39 })
                    {
                        double expected = Reference(a, k, b, cols, Array.Empty<float>(), r, j, clamp, low, high);
                        float actual = c[r * cols + j];
                        if (double.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"{width} clamp {clamp}: C[{r}][{j}] = {actual}, expected NaN");
                        else if (double.IsInfinity(expected)) Assert.Equal(expected, (double)actual);
                        else Assert.True(Math.Abs(actual - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{width} clamp {clamp}: C[{r}][{j}] = {actual}, expected {expected}");
                    }
            }
        }

        public static TheoryData<string> WidthData()
        {
            var data = new TheoryData<string>();
            foreach (string width in AllWidths) data.Add(width);
            return data;
        }

        [Fact]
        public void Operand_sizes_that_disagree_are_refused()
        {
            var a = new float[12 * 4];
            Assert.Throws<ArgumentException>(() => KernelHarness.Invoke(s_shim.Value, "Run", "dispatch", a, 12, 12, 5, new float[4 * 16], 16, 16, new float[12 * 16], 16, Array.Empty<float>(), false, 0f, 0f));
            Assert.Throws<ArgumentException>(() => KernelHarness.Invoke(s_shim.Value, "Run", "dispatch", a, 12, 12, 4, new float[4 * 16], 16, 16, new float[12 * 16 - 1], 16, Array.Empty<float>(), false, 0f, 0f));
            Assert.Throws<ArgumentException>(() => KernelHarness.Invoke(s_shim.Value, "Run", "dispatch", a, 7, 7, 4, new float[4 * 16], 16, 16, new float[7 * 16], 16, Array.Empty<float>(), false, 0f, 0f));
        }
    }
}
