using System.Linq;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Emitting
{
    // Emission of a depthwise convolution (one filter per channel) through the plane kernel (Runtime/DepthwisePlaneKernels.cs).
    internal sealed partial class ModelEmitter
    {
        private void EmitConvDepthwisePlanesLayer(string layer, ConvOp c)
        {
            var (low, high) = FusedBounds(c.Activation);
            string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
            _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
            _w.Line($"{K}.ConvDepthwisePlanes(x, y, {layer}_Geometry, {bias}, {layer}_PlaneWeights, {CSharpLiterals.Float(low)}, {CSharpLiterals.Float(high)});");
            if (!FusedInDepthwise(c.Activation)) EmitActivation(c.Activation, "y");
            _w.Close();
            _w.Line();
            var g = c.Geometry;
            _w.Line("// Window: images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.");
            EmitIntData($"{layer}_Geometry", g.ToTable());
            _w.Line($"// [{I(g.InChannels)} channels][{I(g.KernelVolume)} taps] weights, zeros included ({I(c.Weights!.Count(w => w == 0f))}; the kernel skips them).");
            EmitFloatData($"{layer}_PlaneWeights", c.Weights!);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        private string DescribeDepthwisePlanesKernel(ConvOp c)
        {
            var g = c.Geometry;
            bool strided = g.Stride[1] > 1 || g.Stride[2] > 1;
            return $"depthwise over whole planes: per channel the zero-padded input staged per thread{(strided ? " as stride-phase planes" : "")}, the {I(g.Out[1])}x{I(g.Out[2])} output one run of vectors with the nonzero taps as broadcast constants and no border tests (Vector512/256/128, scalar fallback){(FusedInDepthwise(c.Activation) ? ", " + c.Activation.Kind + " fused into the store" : "")}";
        }
    }
}
