using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Emitting
{
    // Emission of a convolution through the direct kernel (Runtime/DirectConvKernels.cs): the layer method, and the
    // weights packed per tile of 8 filters in the order the kernel reads them.
    internal sealed partial class ModelEmitter
    {
        private void EmitConvDirectLayer(string layer, ConvOp c)
        {
            var (kind, p0, p1) = DirectActivation(c.Activation);
            string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
            _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
            _w.Line($"{K}.ConvDirect(x, y, {layer}_Geometry, {bias}, {layer}_DirectWeights, {layer}_DirectOffsets, {layer}_DirectStarts, {K}.{kind}, {CSharpLiterals.Float(p0)}, {CSharpLiterals.Float(p1)});");
            if (kind == "DirectNone") EmitActivation(c.Activation, "y");
            _w.Close();
            _w.Line();
            EmitConvDirectData(layer, c);
        }

        /// <summary>The activation the direct kernel applies in its store, or DirectNone (then a pass after it applies it).</summary>
        private static (string Kind, float P0, float P1) DirectActivation(Activation a) => a.Kind switch
        {
            ActivationKind.Relu => ("DirectClamp", 0f, float.PositiveInfinity),
            ActivationKind.Clip => ("DirectClamp", a.Min, a.Max),
            // max(v, 0) + alpha * min(v, 0) is LeakyRelu only for a finite nonzero alpha (0 * -inf would be NaN).
            ActivationKind.LeakyRelu when a.Alpha != 0f && !float.IsNaN(a.Alpha) && !float.IsInfinity(a.Alpha) => ("DirectLeakyRelu", a.Alpha, 0f),
            ActivationKind.HardSwish => ("DirectHardSwish", 0f, 0f),
            _ => ("DirectNone", 0f, 0f),
        };

        private static bool FusedInDirect(Activation a) => DirectActivation(a).Kind != "DirectNone";

        /// <summary>
        /// Per tile of 8 filters, the taps (input channel, kd, kh, kw) any of them uses: the tap's offset into the staged
        /// input, and the 8 filters' weights (zero past the last filter); and where each tile starts.
        /// </summary>
        private void EmitConvDirectData(string layer, ConvOp c)
        {
            var g = c.Geometry;
            int volume = g.KernelVolume, filters = ConvPlanner.DirectFilters, rows = c.FilterLength;
            var weights = new List<float>();
            var offsets = new List<int>();
            var starts = new List<int> { 0 };
            for (int first = 0; first < g.OutChannels; first += filters)
            {
                int count = System.Math.Min(filters, g.OutChannels - first);
                for (int row = 0; row < rows; row++)
                {
                    if (!Enumerable.Range(first, count).Any(m => c.Weights![m * rows + row] != 0f)) continue;
                    int ch = row / volume, k = row % volume;
                    offsets.Add(ConvPlanner.DirectTapOffset(g, ch, k / (g.Kernel[1] * g.Kernel[2]), k / g.Kernel[2] % g.Kernel[1], k % g.Kernel[2]));
                    for (int f = 0; f < filters; f++) weights.Add(f < count ? c.Weights![(first + f) * rows + row] : 0f);
                }
                starts.Add(offsets.Count);
            }
            _w.Line("// Window: images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.");
            EmitIntData($"{layer}_Geometry", g.ToTable());
            _w.Line($"// {I(offsets.Count)} taps over {I(starts.Count - 1)} tiles of {I(filters)} filters (taps zero in all of a tile's filters left out): [tap][{I(filters)} filters] weights; each tap's offset into the staged input ({I(ConvPlanner.DirectPhaseLength(g))} floats per row and stride phase); where each tile starts.");
            EmitFloatData($"{layer}_DirectWeights", weights);
            EmitIntData($"{layer}_DirectOffsets", offsets);
            EmitIntData($"{layer}_DirectStarts", starts);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        private string DescribeDirectKernel(ConvOp c, ConvPlan plan) =>
            $"direct over any map size: register tiles of {I(ConvPlanner.DirectFilters)} filters x 2 vectors of output positions along rows, input staged per thread with its padding{(c.Geometry.Stride[2] > 1 ? " and W-stride phases" : "")}, {I(plan.DirectTileTaps)} tile taps (taps zero in all 8 filters skipped) (Vector512/256/128, scalar fallback){(FusedInDirect(c.Activation) ? ", " + c.Activation.Kind + " fused into the store" : "")}";
    }
}
