using System.Collections.Generic;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Emitting
{
    // Emission of an ungrouped convolution as an implicit GEMM (Runtime/ImplicitGemmConvKernels.cs): the layer method, the
    // taps some filter uses, and the weights of those taps packed in the GEMM micro-kernel's 12-filter panels.
    internal sealed partial class ModelEmitter
    {
        private void EmitConvImplicitGemmLayer(string layer, ConvOp c)
        {
            var g = c.Geometry;
            var (low, high) = FusedBounds(c.Activation);
            bool clamp = FusedInDepthwise(c.Activation);
            string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
            _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
            _w.Line($"{K}.ConvImplicitGemm(x, y, {layer}_Geometry, {bias}, {layer}_ImplicitGemmWeights, {layer}_ImplicitGemmOffsets, {I(ConvPlanner.ImplicitGemmPhaseMask(g, ConvPlanner.ImplicitGemmTaps(c)))}, {(clamp ? "true" : "false")}, {CSharpLiterals.Float(low)}, {CSharpLiterals.Float(high)});");
            if (!clamp) EmitActivation(c.Activation, "y");
            _w.Close();
            _w.Line();

            var used = ConvPlanner.ImplicitGemmTaps(c);
            int filters = g.OutChannels, rows = ConvPlanner.ImplicitGemmPanelRows, panels = (filters + rows - 1) / rows, volume = g.KernelVolume, count = used.Count;
            var offsets = new List<int>(count);
            foreach (int row in used)
            {
                int k = row % volume;
                offsets.Add(ConvPlanner.ImplicitGemmTapOffset(g, row / volume, k / (g.Kernel[1] * g.Kernel[2]), k / g.Kernel[2] % g.Kernel[1], k % g.Kernel[2]));
            }
            var packed = new float[panels * count * rows];
            for (int m = 0; m < filters; m++)
                for (int t = 0; t < count; t++)
                    packed[(m / rows) * count * rows + t * rows + m % rows] = c.Weights![m * c.FilterLength + used[t]];
            _w.Line("// Window: images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.");
            EmitIntData($"{layer}_Geometry", g.ToTable());
            _w.Line($"// {I(count)} of {I(c.FilterLength)} taps (taps zero in every filter left out): each one's offset into the staged input; their weights packed for the register tiles: [{I(panels)} panels][{I(count)} taps][{I(rows)} filters], zero-padded.");
            EmitIntData($"{layer}_ImplicitGemmOffsets", offsets);
            EmitFloatData($"{layer}_ImplicitGemmWeights", packed);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        private string DescribeImplicitGemmKernel(ConvOp c, ConvPlan plan) =>
            $"implicit GEMM over any map size: register tiles of {I(ConvPlanner.ImplicitGemmPanelRows)} filters (panels packed at build time) x 3 vectors of positions as in the GEMM micro-kernel, each of the {I(plan.ImplicitGemmTaps)} used taps (taps zero in every filter left out) read at its offset in a per-thread staged input (padding explicit{(c.Geometry.Stride[2] > 1 || c.Geometry.Stride[1] > 1 ? ", stride phases split" : "")}), chunks of {I(ConvPlanner.ImplicitGemmChunk)} positions copied out, every weight of a used tap multiplied (Vector512/256/128, scalar fallback), bias{(FusedInDepthwise(c.Activation) ? " and " + c.Activation.Kind : "")} fused into the store";
    }
}
