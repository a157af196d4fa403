using System.Linq;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Emitting
{
    // Emission of a depthwise convolution (one filter per channel) through the channels-vectorised kernel
    // (Runtime/DepthwiseChannelKernels.cs): the weights tap-major, [taps][channels], so that a tap's weights for a vector of
    // channels are one vector load.
    internal sealed partial class ModelEmitter
    {
        private void EmitConvDepthwiseChannelsLayer(string layer, ConvOp c)
        {
            var (low, high) = FusedBounds(c.Activation);
            string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
            _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
            _w.Line($"{K}.ConvDepthwiseChannels(x, y, {layer}_Geometry, {bias}, {layer}_ChannelWeights, {layer}_ChannelTaps, {CSharpLiterals.Float(low)}, {CSharpLiterals.Float(high)}, inputChannelsLast: false, outputChannelsLast: false);");
            if (!FusedInDepthwise(c.Activation)) EmitActivation(c.Activation, "y");
            _w.Close();
            _w.Line();
            var g = c.Geometry;
            int channels = g.InChannels, volume = g.KernelVolume;
            var tapMajor = new float[channels * volume];
            for (int ch = 0; ch < channels; ch++)
                for (int t = 0; t < volume; t++)
                    tapMajor[t * channels + ch] = c.Weights![ch * volume + t];
            int[] taps = ConvPlanner.DepthwiseChannelTaps(c);
            _w.Line("// Window: images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.");
            EmitIntData($"{layer}_Geometry", g.ToTable());
            _w.Line($"// [{I(volume)} taps][{I(channels)} channels] weights, tap-major, zeros included ({I(c.Weights!.Count(w => w == 0f))}; multiplied with their vector of channels).");
            EmitFloatData($"{layer}_ChannelWeights", tapMajor);
            _w.Line($"// The {I(taps.Length)} taps (kh * {I(g.Kernel[2])} + kw) nonzero in some channel; the other {I(volume - taps.Length)} are skipped.");
            EmitIntData($"{layer}_ChannelTaps", taps);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        private string DescribeDepthwiseChannelsKernel(ConvOp c)
        {
            var g = c.Geometry;
            return $"depthwise vectorised across the {I(g.InChannels)} channels: per image the zero-padded input transposed into a channels-last stage per thread, tiles of 4 output positions x 1 vector of channels, one weight-vector load and FMA per tap nonzero in some channel, the output transposed back to NCHW (Vector512/256/128, scalar fallback){(FusedInDepthwise(c.Activation) ? ", " + c.Activation.Kind + " fused into the store" : "")}";
        }
    }
}
