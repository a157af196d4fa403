using System;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The vectorised elementwise kernels (Binary Add/Mul, Relu) at every width through <see cref="KernelHarness"/>, on
    /// lengths around each vector size (the last vector overlaps the one before) and in place. Reference: the scalar IEEE
    /// operation per element, so results must be bit-identical, infinities and NaN included.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class ElementwiseKernelTests
    {
        private static readonly Lazy<Type> s_shim = new Lazy<Type>(() => KernelHarness.Compile(@"
public static class ElementwiseShim
{
    public static void Add(string width, float[] a, float[] b, float[] y)
    {
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.BinaryVectors<Kernels.AddOp, {w}, {vt}>(a, b, y)") + @"
    }
    public static void Mul(string width, float[] a, float[] b, float[] y)
    {
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.BinaryVectors<Kernels.MulOp, {w}, {vt}>(a, b, y)") + @"
    }
    public static void Relu(string width, float[] y)
    {
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.ReluVectors<{w}, {vt}>(y)") + @"
    }
    public static void DispatchAdd(float[] a, float[] b, float[] y) => Kernels.Binary<Kernels.AddOp>(a, b, y);
    public static void DispatchSub(float[] a, float[] b, float[] y) => Kernels.Binary<Kernels.SubOp>(a, b, y);
    public static void DispatchInPlaceAdd(float[] a, float[] b) => Kernels.Binary<Kernels.AddOp>(a, b, a);
    public static void DispatchRelu(float[] y) => Kernels.Relu(y);
}", "ElementwiseShim"));

        private static int Lanes(string width) => width switch { "512" => 16, "256" => 8, "128" => 4, _ => 1 };

        private static float[] Values(Random random, int n)
        {
            var specials = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, float.Epsilon, float.MaxValue };
            return Enumerable.Range(0, n).Select(i => i % 11 == 5 ? specials[random.Next(specials.Length)] : (float)(random.NextDouble() * 200 - 100)).ToArray();
        }

        public static TheoryData<string, int> Cases()
        {
            var data = new TheoryData<string, int>();
            foreach (string width in KernelHarness.Widths)
                foreach (int n in new[] { 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000 })
                    if (n >= Lanes(width)) data.Add(width, n);
            return data;
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Add_mul_and_relu_vectors_are_bit_exact_at_every_width(string width, int n)
        {
            var random = new Random(n * 7 + Lanes(width));
            var a = Values(random, n);
            var b = Values(random, n);
            foreach (string op in new[] { "Add", "Mul" })
            {
                var y = Enumerable.Repeat(12345f, n).ToArray();
                KernelHarness.Invoke(s_shim.Value, op, width, a, b, y);
                for (int i = 0; i < n; i++)
                {
                    float expected = op == "Add" ? a[i] + b[i] : a[i] * b[i];
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[i]) || (float.IsNaN(expected) && float.IsNaN(y[i])),
                        $"{op} width {width}, n {n}: y[{i}] = {y[i]}, expected {expected}");
                }

                // In place (y is a): the overlapping last vector must not apply the op twice.
                var inPlace = (float[])a.Clone();
                KernelHarness.Invoke(s_shim.Value, op, width, inPlace, b, inPlace);
                Assert.Equal(y, inPlace);
            }

            var r = (float[])a.Clone();
            KernelHarness.Invoke(s_shim.Value, "Relu", width, r);
            for (int i = 0; i < n; i++)
            {
                float expected = a[i] < 0f ? 0f : a[i];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(r[i]) || (float.IsNaN(expected) && float.IsNaN(r[i])),
                    $"Relu width {width}, n {n}: y[{i}] = {r[i]}, expected {expected}");
            }
        }

        [Theory]
        [InlineData(0)]
        [InlineData(5)]
        [InlineData(16)]
        [InlineData(67)]
        public void Dispatch_matches_the_scalar_op_on_this_machine(int n)
        {
            var random = new Random(n);
            var a = Values(random, n);
            var b = Values(random, n);
            var sum = new float[n];
            var difference = new float[n];
            KernelHarness.Invoke(s_shim.Value, "DispatchAdd", a, b, sum);
            KernelHarness.Invoke(s_shim.Value, "DispatchSub", a, b, difference);
            Assert.Equal(a.Zip(b, (x, z) => x + z).ToArray(), sum);
            Assert.Equal(a.Zip(b, (x, z) => x - z).ToArray(), difference);
            var inPlace = (float[])a.Clone();
            KernelHarness.Invoke(s_shim.Value, "DispatchInPlaceAdd", inPlace, b);
            Assert.Equal(sum, inPlace);
            var relu = (float[])a.Clone();
            KernelHarness.Invoke(s_shim.Value, "DispatchRelu", relu);
            Assert.Equal(a.Select(x => x < 0f ? 0f : x).ToArray(), relu);
        }

        [Fact]
        public void Short_operands_are_rejected_not_read_past()
        {
            var error = Assert.ThrowsAny<Exception>(() => KernelHarness.Invoke(s_shim.Value, "DispatchAdd", new float[20], new float[19], new float[20]));
            Assert.Contains("operands of 20 and 19 floats", (error.InnerException ?? error).Message);
        }
    }
}
