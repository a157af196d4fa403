using System;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The width-generic kernels (Emitting/Runtime/VectorWidths.cs) at every width, called directly through
    /// <see cref="KernelHarness"/>: the Vector512 instantiation runs here even without AVX-512 hardware, so the code the
    /// JIT keeps on an AVX-512 machine is checked on every machine. Reference: the same sums in double precision.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class VectorWidthTests
    {
        private static readonly Lazy<Type> s_blockShim = new Lazy<Type>(() => KernelHarness.Compile(@"
public static class BlockTileShim
{
    public static void Run(string width, float[] values, int[] inputs, int start, int end, int blockSize, float[] bias, float[] x, float[] dest)
    {
        ref float v = ref MemoryMarshal.GetArrayDataReference(values);
        ref int c = ref MemoryMarshal.GetArrayDataReference(inputs);
        ref float b = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float xs = ref MemoryMarshal.GetArrayDataReference(x);
        ref float d = ref MemoryMarshal.GetArrayDataReference(dest);
        bool hasBias = bias.Length > 0;
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.BlockTile<{w}, {vt}>(ref v, ref c, start, end, blockSize, hasBias, ref b, ref xs, ref d)") + @"
    }
}", "BlockTileShim"));

        public static TheoryData<string, int, int> BlockCases()
        {
            var data = new TheoryData<string, int, int>();
            foreach (string width in KernelHarness.Widths)
                foreach (int blockSize in new[] { 4, 8, 16 })
                    foreach (int blocks in new[] { 0, 1, 3, 4, 5, 17 })
                    {
                        // A width only serves block heights that are a whole number of its vectors (BlockColumns' dispatch).
                        int lanes = width switch { "512" => 16, "256" => 8, "128" => 4, _ => 1 };
                        if (blockSize % lanes == 0) data.Add(width, blockSize, blocks);
                    }
            return data;
        }

        [Theory]
        [MemberData(nameof(BlockCases))]
        public void Block_tile_at_every_width_matches_a_double_reference(string width, int blockSize, int blocks)
        {
            var random = new Random(blockSize * 100 + blocks);
            int k = 40;
            var x = Enumerable.Range(0, k).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            // Tiles start anywhere in the block list: put two unused blocks first.
            int start = 2, end = start + blocks;
            var inputs = Enumerable.Range(0, end).Select(_ => random.Next(k)).ToArray();
            var values = Enumerable.Range(0, end * blockSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            foreach (bool withBias in new[] { false, true })
            {
                var bias = withBias ? Enumerable.Range(0, blockSize).Select(_ => (float)random.NextDouble()).ToArray() : Array.Empty<float>();
                var dest = new float[blockSize];
                KernelHarness.Invoke(s_blockShim.Value, "Run", width, values, inputs, start, end, blockSize, bias, x, dest);
                for (int r = 0; r < blockSize; r++)
                {
                    double expected = withBias ? bias[r] : 0;
                    for (int j = start; j < end; j++) expected += (double)values[j * blockSize + r] * x[inputs[j]];
                    Assert.True(Math.Abs(dest[r] - expected) <= 1e-5 * (1 + Math.Abs(expected)),
                        $"width {width}, {blockSize}x1 blocks, {blocks} blocks, bias {withBias}: row {r} is {dest[r]}, expected {expected}");
                }
            }
        }
    }
}
