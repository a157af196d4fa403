// PrunedCodegen runtime kernel: GlobalAveragePool over a channels-last (NHWC) input (appended to Kernels.cs in the
// emitted source): the exit of a depthwise-separable chain kept channels-last (LayoutPlanner) reads it without a transpose.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>
        /// y[n][c] = (sum over p of x[n][p][c]) / positions for x channels-last [images][positions][channels]: per vector of
        /// channels, the positions' rows added in order (the last vector overlapping the one before; fewer channels than a
        /// vector: the next narrower width). NaN and infinities propagate as in a sum.
        /// </summary>
        public static void GlobalAveragePoolChannelsLast(ReadOnlySpan<float> x, Span<float> y, int images, int positions, int channels)
        {
            if (images < 0 || positions < 1 || channels < 1 || x.Length != (long)images * positions * channels || y.Length != (long)images * channels)
                throw new ArgumentException("channels-last global pool spans disagree");
            for (int n = 0; n < images; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * positions * channels, positions * channels);
                Span<float> output = y.Slice(n * channels, channels);
                if (Vector512.IsHardwareAccelerated && channels >= Vector512<float>.Count) AveragePositions<Width512, Vector512<float>>(image, output, positions, channels);
                else if (Vector256.IsHardwareAccelerated && channels >= Vector256<float>.Count) AveragePositions<Width256, Vector256<float>>(image, output, positions, channels);
                else if (Vector128.IsHardwareAccelerated && channels >= Vector128<float>.Count) AveragePositions<Width128, Vector128<float>>(image, output, positions, channels);
                else AveragePositions<ScalarWidth, float>(image, output, positions, channels);
            }
        }

        private static void AveragePositions<W, V>(ReadOnlySpan<float> x, Span<float> y, int positions, int channels)
            where W : struct, IVectorWidth<V> where V : struct
        {
            int n = W.Count;
            ref float x0 = ref MemoryMarshal.GetReference(x);
            ref float y0 = ref MemoryMarshal.GetReference(y);
            V scale = W.Broadcast(1f / positions);
            for (int c = 0; c < channels; c += n)
            {
                int cv = Math.Min(c, channels - n);
                V sum = W.Zero;
                for (int p = 0; p < positions; p++) sum = W.Add(sum, W.Load(ref x0, (nuint)((nint)p * channels + cv)));
                W.Store(W.Multiply(sum, scale), ref y0, (nuint)cv);
            }
        }
    }
}
