using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Emitting
{
    // Emission of a pointwise (1x1, stride 1, unpadded, group 1) convolution through the GEMM micro-kernel
    // (Runtime/GemmKernels.cs): per image, C[filters][positions] = W[filters][channels] x X[channels][positions], the input
    // read in place, the weights packed at build time in the micro-kernel's 12-row panels, bias and ReLU/Clip in its store.
    internal sealed partial class ModelEmitter
    {
        private void EmitConvGemmLayer(string layer, ConvOp c)
        {
            var g = c.Geometry;
            int filters = g.OutChannels, channels = g.InChannels, plane = g.OutPlane;
            var (low, high) = FusedBounds(c.Activation);
            bool clamp = FusedInDepthwise(c.Activation);
            string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
            _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
            _w.Line($"// Per image: y[{I(filters)} filters][{I(plane)} positions] = W x x[{I(channels)} channels][{I(plane)} positions].");
            _w.Open($"for (int n = 0; n < {I(g.Images)}; n++)");
            _w.Line($"{K}.Gemm({layer}_GemmWeights, {K}.GemmPanelRows, {I(filters)}, {I(channels)}, x.Slice(n * {I(channels * plane)}, {I(channels * plane)}), {I(plane)}, {I(plane)}, "
                + $"y.Slice(n * {I(filters * plane)}, {I(filters * plane)}), {I(plane)}, {bias}, {(clamp ? "true" : "false")}, {CSharpLiterals.Float(low)}, {CSharpLiterals.Float(high)});");
            _w.Close();
            if (!clamp) EmitActivation(c.Activation, "y");
            _w.Close();
            _w.Line();
            int rows = KernelPlanner.GemmPanelRows, panels = (filters + rows - 1) / rows;
            var packed = new float[panels * channels * rows];
            for (int m = 0; m < filters; m++)
                for (int ch = 0; ch < channels; ch++)
                    packed[(m / rows) * channels * rows + ch * rows + m % rows] = c.Weights![m * c.FilterLength + ch];
            _w.Line($"// All {I(filters * channels)} weights packed for the GEMM micro-kernel: [{I(panels)} panels][{I(channels)} input channels][{I(rows)} filters], zero-padded.");
            EmitFloatData($"{layer}_GemmWeights", packed);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        private string DescribeGemmKernel(ConvOp c) =>
            $"pointwise as a GEMM over the {I(c.Geometry.OutPlane)} positions through the micro-kernel: {I(KernelPlanner.GemmPanelRows)}-filter panels packed at build time x 2 vectors of positions, the input read in place, every weight multiplied (Vector512/256/128, scalar fallback), bias{(FusedInDepthwise(c.Activation) ? " and " + c.Activation.Kind : "")} fused into the store";
    }
}
