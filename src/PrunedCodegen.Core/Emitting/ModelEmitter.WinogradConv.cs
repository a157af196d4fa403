using System.Linq;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Emitting
{
    // Emission of a 3x3 stride-1 convolution by Winograd F(2x2, 3x3) (Runtime/WinogradConvKernels.cs): the layer method, the
    // input channels some filter reads, and the filters transformed at build time (U = G g G^T), packed for the kernel's GEMMs.
    internal sealed partial class ModelEmitter
    {
        private void EmitConvWinogradLayer(string layer, ConvOp c)
        {
            var g = c.Geometry;
            var (low, high) = FusedBounds(c.Activation);
            bool clamp = FusedInDepthwise(c.Activation);
            string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
            var channels = ConvPlanner.WinogradChannels(c);
            _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
            _w.Line($"{K}.ConvWinograd(x, y, {layer}_Geometry, {bias}, {layer}_WinogradFilters, {layer}_WinogradChannels, {layer}_Weights, {(clamp ? "true" : "false")}, {CSharpLiterals.Float(low)}, {CSharpLiterals.Float(high)});");
            if (!clamp) EmitActivation(c.Activation, "y");
            _w.Close();
            _w.Line();

            int panels = (g.OutChannels + ConvPlanner.ImplicitGemmPanelRows - 1) / ConvPlanner.ImplicitGemmPanelRows;
            _w.Line("// Window: images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.");
            EmitIntData($"{layer}_Geometry", g.ToTable());
            _w.Line($"// The {I(channels.Count)} of {I(g.InChannels)} input channels some filter reads (the others are never staged).");
            EmitIntData($"{layer}_WinogradChannels", channels);
            _w.Line($"// The filters transformed, U = G g G^T per filter and channel (computed in double at build time): [16 positions][{I(panels)} panels][{I(channels.Count)} channels][{I(ConvPlanner.ImplicitGemmPanelRows)} filters], zero-padded.");
            EmitFloatData($"{layer}_WinogradFilters", ConvPlanner.WinogradTransformFilters(c, channels));
            _w.Line($"// The weights as the model has them, [{I(g.OutChannels)}][{I(g.InChannels)}][3][3]: for an image with an infinity or NaN, which the transforms would spread past its window (convolved directly).");
            EmitFloatData($"{layer}_Weights", c.Weights!);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        private string DescribeWinogradKernel(ConvOp c, ConvPlan plan)
        {
            var g = c.Geometry;
            int tiles = (g.Out[1] + 1) / 2 * ((g.Out[2] + 1) / 2);
            return $"Winograd F(2x2,3x3): the {I(tiles)} 2x2 output tiles from 4x4 input patches, 16 GEMMs of [{I(g.OutChannels)} filters x {I(plan.WinogradChannels)} channels] x [channels x tiles] "
                + $"over the filters transformed at build time (16 multiply-adds per tile, filter and channel instead of 36; zero weights are not skipped), in the implicit GEMM's register tiles of {I(ConvPlanner.ImplicitGemmPanelRows)} filters x 3 vectors of tiles, "
                + $"input and output transforms vectorised across a row of tiles (Vector512/256/128, scalar fallback), bias{(FusedInDepthwise(c.Activation) ? " and " + c.Activation.Kind : "")} fused into the output transform";
        }
    }
}
