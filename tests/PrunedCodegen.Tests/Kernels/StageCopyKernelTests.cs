using System;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The stride-2 deinterleave that stages conv inputs (Kernels.CopyEveryOther and its per-width bodies) on every count
    /// around the vector sizes: dst[k] = src[2k] exactly, nothing written past dst[count - 1]. Every source float is
    /// distinct (a NaN right after src[2 * count - 2]), so a lane taken from a wrong index shows; that the bodies read
    /// nothing past src[2 * count - 2] is by construction (see the kernel), not observable here.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class StageCopyKernelTests
    {
        private static readonly Lazy<Type> s_shim = new Lazy<Type>(() => KernelHarness.Compile(@"
public static class StageCopyShim
{
    public static void Copy(string width, float[] src, int offset, float[] dst, int count)
    {
        ref float s = ref src[offset];
        ref float d = ref MemoryMarshal.GetArrayDataReference(dst);
        switch (width)
        {
            case ""512"": Kernels.CopyEveryOther512(ref s, ref d, count); break;
            case ""256"": Kernels.CopyEveryOther256(ref s, ref d, count); break;
            case ""128"": Kernels.CopyEveryOther128(ref s, ref d, count); break;
            default: Kernels.CopyEveryOther(ref s, ref d, count); break;
        }
    }
}", "StageCopyShim"));

        public static TheoryData<string, int> Cases()
        {
            var data = new TheoryData<string, int>();
            foreach (var (width, lanes) in new[] { ("512", 16), ("256", 8), ("128", 4), ("dispatch", 1) })
                foreach (int count in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 48, 49, 100 })
                    if (count >= lanes) data.Add(width, count);
            return data;
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Copies_every_other_float_and_reads_nothing_past_the_last(string width, int count)
        {
            int offset = 3, used = 2 * count - 1;
            var src = Enumerable.Range(0, offset + used + 1).Select(i => (float)(i * 10 + 1)).ToArray();
            src[offset + used] = float.NaN;
            var dst = Enumerable.Repeat(-7f, count + 5).ToArray();
            KernelHarness.Invoke(s_shim.Value, "Copy", width, src, offset, dst, count);
            for (int k = 0; k < count; k++) Assert.Equal(src[offset + 2 * k], dst[k]);
            for (int k = count; k < dst.Length; k++) Assert.Equal(-7f, dst[k]);
        }
    }
}
