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
            _w.Line($"{K}.ConvDepthwiseChannels(x, y, {layer}_Geometry, {bias}, {layer}_ChannelWeights, {layer}_ChannelTaps, {CSharpLiterals.Float(low)}, {CSharpLiterals.Float(high)}, inputChannelsLast: {Bool(_plan.IsChannelsLast(c.Input))}, outputChannelsLast: {Bool(_plan.IsChannelsLast(c.Output))});");
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

        private static string Bool(bool value) => value ? "true" : "false";

        private string DescribeDepthwiseChannelsKernel(ConvOp c)
        {
            var g = c.Geometry;
            bool inLast = _plan.IsChannelsLast(c.Input), outLast = _plan.IsChannelsLast(c.Output);
            string stage = inLast ? "the channels-last input (from the conv before) copied row by row into a zero-padded stage per thread" : "per image the zero-padded NCHW input transposed into a channels-last stage per thread";
            string output = outLast ? "the output left channels-last for the pointwise conv after it" : "the output transposed back to NCHW";
            return $"depthwise vectorised across the {I(g.InChannels)} channels: {stage}, tiles of 4 output positions x 1 vector of channels, one weight-vector load and FMA per tap nonzero in some channel, {output} (Vector512/256/128, scalar fallback){(FusedInDepthwise(c.Activation) ? ", " + c.Activation.Kind + " fused into the store" : "")}";
        }

        /// <summary>A 1x1 conv reading a channels-last input (<see cref="LayoutPlanner"/>): y[p][f] = x[p][:] . W^T[:][f], the weights [channels][filters].</summary>
        private void EmitConvPointwiseChannelsLastLayer(string layer, ConvOp c)
        {
            var g = c.Geometry;
            int filters = g.OutChannels, channels = g.InChannels, plane = g.OutPlane;
            var (low, high) = FusedBounds(c.Activation);
            bool clamp = FusedInDepthwise(c.Activation), outLast = _plan.IsChannelsLast(c.Output);
            string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
            _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
            _w.Line($"// x channels-last [{I(g.Images)}][{I(plane)} positions][{I(channels)} channels] -> y {(outLast ? "channels-last [" + I(g.Images) + "][" + I(plane) + " positions][" + I(filters) + " filters]" : "NCHW [" + I(g.Images) + "][" + I(filters) + " filters][" + I(plane) + " positions]")}.");
            _w.Line($"{K}.ConvPointwiseChannelsLast(x, y, {I(g.Images)}, {I(plane)}, {I(channels)}, {I(filters)}, {layer}_ChannelsLastWeights, {bias}, {Bool(clamp)}, {CSharpLiterals.Float(low)}, {CSharpLiterals.Float(high)}, outputChannelsLast: {Bool(outLast)});");
            if (!clamp) EmitActivation(c.Activation, "y");
            _w.Close();
            _w.Line();
            var transposed = new float[channels * filters];
            for (int m = 0; m < filters; m++)
                for (int ch = 0; ch < channels; ch++)
                    transposed[ch * filters + m] = c.Weights![m * c.FilterLength + ch];
            _w.Line($"// All {I(filters * channels)} weights as [{I(channels)} input channels][{I(filters)} filters] ({I(c.Weights!.Count(w => w == 0f))} zeros, multiplied).");
            EmitFloatData($"{layer}_ChannelsLastWeights", transposed);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        private string DescribePointwiseChannelsLastKernel(ConvOp c)
        {
            var g = c.Geometry;
            string output = _plan.IsChannelsLast(c.Output) ? "written channels-last for the op after it" : "transposed to NCHW for the op after it";
            return $"pointwise over the channels-last output of the depthwise conv before it, vectorised across the {I(g.OutChannels)} filters: tiles of 6 positions x 2 vectors of filters, per input channel 2 weight loads, 6 broadcasts, 12 FMAs, every weight multiplied, the output {output} (Vector512/256/128, scalar fallback), bias{(FusedInDepthwise(c.Activation) ? " and " + c.Activation.Kind : "")} fused into the store";
        }
    }
}
