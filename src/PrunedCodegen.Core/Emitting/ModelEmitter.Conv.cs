using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Emitting
{
    // Emission of the convolutional layers: Conv (nonzero taps as static data, or runtime weights), pooling and
    // standalone BatchNorm. The window geometry of each layer is a small static int table the kernels read.
    internal sealed partial class ModelEmitter
    {
        /// <summary>Largest tap-row or filter count the channel kernel keeps on the stack (mirrors the runtime constant).</summary>
        public const int MaxConvColumn = 4096;

        /// <summary>Floats of padded input plus staged rows the tile kernel keeps on the stack (mirrors Kernels.MaxPaddedInput).</summary>
        public const int MaxTileStack = 8 * 1024;

        private ConvPlan ConvPlanOf(ConvOp c) => _plan.Conv[c];

        private bool TryEmitConvolutional(int index, IrOp op)
        {
            string layer = $"Layer{I(index)}";
            switch (op)
            {
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.Direct:
                    EmitConvDirectLayer(layer, c);
                    return true;
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.Gemm:
                    EmitConvGemmLayer(layer, c);
                    return true;
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.ImplicitGemm:
                    EmitConvImplicitGemmLayer(layer, c);
                    return true;
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.Winograd:
                    EmitConvWinogradLayer(layer, c);
                    return true;
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.DepthwisePlanes:
                    EmitConvDepthwisePlanesLayer(layer, c);
                    return true;
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.DepthwiseChannels:
                    EmitConvDepthwiseChannelsLayer(layer, c);
                    return true;
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.PointwiseChannelsLast:
                    EmitConvPointwiseChannelsLastLayer(layer, c);
                    return true;
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.Tiles:
                {
                    bool relu = c.Activation.Kind == ActivationKind.Relu;
                    string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
                    _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
                    _w.Line($"{K}.ConvTiles(x, y, {layer}_Geometry, {bias}, {layer}_TileWeights, {layer}_TapOffsets, {layer}_TileStarts, relu: {(relu ? "true" : "false")});");
                    if (!relu) EmitActivation(c.Activation, "y");
                    _w.Close();
                    _w.Line();
                    EmitConvTiles(layer, c);
                    return true;
                }
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.Pointwise:
                {
                    // ReLU and Clip are applied in the kernel's store; other activations in a pass after it.
                    var (low, high) = FusedBounds(c.Activation);
                    string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
                    _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
                    _w.Line($"{K}.ConvPointwise(x, y, {layer}_Geometry, {bias}, {layer}_GroupWeights, {layer}_ChannelOffsets, {layer}_GroupStarts, {CSharpLiterals.Float(low)}, {CSharpLiterals.Float(high)});");
                    if (!FusedInDepthwise(c.Activation)) EmitActivation(c.Activation, "y");
                    _w.Close();
                    _w.Line();
                    EmitConvPointwise(layer, c);
                    return true;
                }
                case ConvOp c when c.Weights != null && ConvPlanOf(c).Kernel == ConvKernelKind.Depthwise:
                {
                    // ReLU and Clip are applied in the kernel's store; other activations in a pass after it.
                    var (low, high) = c.Activation.Kind switch
                    {
                        ActivationKind.Relu => (0f, float.PositiveInfinity),
                        ActivationKind.Clip => (c.Activation.Min, c.Activation.Max),
                        _ => (float.NegativeInfinity, float.PositiveInfinity),
                    };
                    string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
                    _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
                    _w.Line($"{K}.ConvDepthwise(x, y, {layer}_Geometry, {bias}, {layer}_TapWeights, {layer}_Taps, {layer}_FilterStarts, {CSharpLiterals.Float(low)}, {CSharpLiterals.Float(high)});");
                    if (!FusedInDepthwise(c.Activation)) EmitActivation(c.Activation, "y");
                    _w.Close();
                    _w.Line();
                    EmitConvTaps(layer, c);
                    return true;
                }
                case ConvOp c when c.Weights != null:
                {
                    bool channels = ConvPlanOf(c).Kernel == ConvKernelKind.Channels;
                    string bias = c.Bias != null ? layer + "_Bias" : "ReadOnlySpan<float>.Empty";
                    _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
                    _w.Line(channels
                        ? $"{K}.ConvChannels(x, y, {layer}_Geometry, {bias}, {layer}_TapRowWeights, {layer}_TapRows);"
                        : $"{K}.ConvTaps(x, y, {layer}_Geometry, {bias}, {layer}_TapWeights, {layer}_Taps, {layer}_FilterStarts);");
                    EmitActivation(c.Activation, "y");
                    _w.Close();
                    _w.Line();
                    if (channels) EmitConvTapRows(layer, c);
                    else EmitConvTaps(layer, c);
                    return true;
                }
                case ConvOp c:
                {
                    string bias = c.BiasInput != null ? "b" : "ReadOnlySpan<float>.Empty";
                    _w.Open($"private static void {layer}(ReadOnlySpan<float> x, ReadOnlySpan<float> w, {(c.BiasInput != null ? "ReadOnlySpan<float> b, " : "")}Span<float> y)");
                    _w.Line($"{K}.ConvDense(x, w, {bias}, y, {layer}_Geometry, {I(c.Group)});");
                    EmitActivation(c.Activation, "y");
                    _w.Close();
                    _w.Line();
                    EmitIntData($"{layer}_Geometry", c.Geometry.ToTable());
                    return true;
                }
                case PoolOp p:
                {
                    bool max = p.Kind == PoolKind.Max;
                    _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
                    var kernel = _plan.Pools[p].Kernel;
                    if (kernel == PoolKernelKind.Global && _plan.IsChannelsLast(p.Input))
                        _w.Line($"{K}.GlobalAveragePoolChannelsLast(x, y, {I(p.Geometry.Images)}, {I(p.Geometry.InPlane)}, {I(p.Geometry.InChannels)});   // x channels-last (the depthwise-separable chain before it)");
                    else if (kernel == PoolKernelKind.Global)
                        _w.Line($"{K}.GlobalPool(x, y, {I(p.Geometry.InPlane)}, max: {(max ? "true" : "false")});");
                    else if (kernel == PoolKernelKind.Unpadded2D)
                        _w.Line($"{K}.PoolUnpadded(x, y, {layer}_Geometry, max: {(max ? "true" : "false")});");
                    else
                        _w.Line($"{K}.Pool(x, y, {layer}_Geometry, max: {(max ? "true" : "false")}, countIncludePad: {(p.CountIncludePad ? "true" : "false")});");
                    _w.Close();
                    if (!p.Global)
                    {
                        _w.Line();
                        EmitIntData($"{layer}_Geometry", p.Geometry.ToTable());
                    }
                    return true;
                }
                case BatchNormOp bn when bn.Multiplier != null:
                    _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
                    _w.Line($"{K}.ChannelAffine(x, y, {layer}_Multiplier, {layer}_Shift, {I(bn.Images)}, {I(bn.Inner)});");
                    _w.Close();
                    _w.Line();
                    _w.Line("// Per channel: scale / sqrt(var + eps), then B - mean * that.");
                    EmitFloatData($"{layer}_Multiplier", bn.Multiplier);
                    EmitFloatData($"{layer}_Shift", bn.Shift!);
                    return true;
                case BatchNormOp bn:
                    _w.Open($"private static void {layer}(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> b, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, Span<float> y)");
                    _w.Line($"{K}.BatchNorm(x, scale, b, mean, variance, y, {I(bn.Images)}, {I(bn.Inner)}, {CSharpLiterals.Float(bn.Epsilon)});");
                    _w.Close();
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Per filter, its nonzero taps (input channel, kd, kh, kw) and their weights; zero taps are left out.</summary>
        private void EmitConvTaps(string layer, ConvOp c)
        {
            var g = c.Geometry;
            var weights = new List<float>();
            var taps = new List<int>();
            var starts = new int[g.OutChannels + 1];
            int outPerGroup = g.OutChannels / c.Group;
            for (int m = 0; m < g.OutChannels; m++)
            {
                int t = m * c.FilterLength, firstChannel = m / outPerGroup * c.InPerGroup;
                for (int ic = 0; ic < c.InPerGroup; ic++)
                    for (int kd = 0; kd < g.Kernel[0]; kd++)
                        for (int kh = 0; kh < g.Kernel[1]; kh++)
                            for (int kw = 0; kw < g.Kernel[2]; kw++, t++)
                            {
                                float w = c.Weights![t];
                                if (w == 0f) continue;
                                weights.Add(w);
                                taps.Add(firstChannel + ic); taps.Add(kd); taps.Add(kh); taps.Add(kw);
                            }
                starts[m + 1] = weights.Count;
            }
            _w.Line("// Window: images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.");
            EmitIntData($"{layer}_Geometry", g.ToTable());
            _w.Line($"// {I(weights.Count)} nonzero taps of {I(c.Weights!.Length)}, filter by filter: weights; (input channel, kd, kh, kw) of each; where each filter starts.");
            EmitFloatData($"{layer}_TapWeights", weights);
            EmitIntData($"{layer}_Taps", taps);
            EmitIntData($"{layer}_FilterStarts", starts);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        /// <summary>Tap rows (input channel, kd, kh, kw) with any nonzero weight, each with its weights for every filter.</summary>
        private void EmitConvTapRows(string layer, ConvOp c)
        {
            var g = c.Geometry;
            int volume = g.KernelVolume;
            var weights = new List<float>();
            var taps = new List<int>();
            for (int ch = 0; ch < g.InChannels; ch++)
                for (int k = 0; k < volume; k++)
                {
                    if (!Enumerable.Range(0, g.OutChannels).Any(m => c.Weights![m * c.FilterLength + ch * volume + k] != 0f)) continue;
                    taps.Add(ch); taps.Add(k / (g.Kernel[1] * g.Kernel[2])); taps.Add(k / g.Kernel[2] % g.Kernel[1]); taps.Add(k % g.Kernel[2]);
                    for (int m = 0; m < g.OutChannels; m++) weights.Add(c.Weights![m * c.FilterLength + ch * volume + k]);
                }
            _w.Line("// Window: images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.");
            EmitIntData($"{layer}_Geometry", g.ToTable());
            _w.Line($"// {I(taps.Count / 4)} tap rows with a nonzero weight (of {I(g.InChannels * volume)}), tap-major: [tap row][{I(g.OutChannels)} filters]; (input channel, kd, kh, kw) of each row.");
            EmitFloatData($"{layer}_TapRowWeights", weights);
            EmitIntData($"{layer}_TapRows", taps);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        /// <summary>
        /// Per tile of 4 filters, the tap rows any of them uses: the row's offset into the flattened padded input, and
        /// the four filters' weights (zero past the last filter).
        /// </summary>
        private void EmitConvTiles(string layer, ConvOp c)
        {
            var g = c.Geometry;
            int volume = g.KernelVolume, filters = ConvPlanner.TileFilters;
            int pD = g.In[0] + g.PadBegin[0] + g.PadEnd[0], pH = g.In[1] + g.PadBegin[1] + g.PadEnd[1], pW = g.In[2] + g.PadBegin[2] + g.PadEnd[2];
            var (weights, offsets, starts) = FilterTileRows(c, g.InChannels * volume, row =>
            {
                int ch = row / volume, k = row % volume;
                int kd = k / (g.Kernel[1] * g.Kernel[2]), kh = k / g.Kernel[2] % g.Kernel[1], kw = k % g.Kernel[2];
                return ((ch * pD + kd * g.Dilation[0]) * pH + kh * g.Dilation[1]) * pW + kw * g.Dilation[2];
            });
            _w.Line("// Window: images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.");
            EmitIntData($"{layer}_Geometry", g.ToTable());
            _w.Line($"// {I(offsets.Count)} tap rows over {I(starts.Count - 1)} tiles of {I(filters)} filters (rows zero in all of a tile's filters left out): [tap][{I(filters)} filters] weights; each tap's offset into the flattened input padded to {I(pD)}x{I(pH)}x{I(pW)}; where each tile starts.");
            EmitFloatData($"{layer}_TileWeights", weights);
            EmitIntData($"{layer}_TapOffsets", offsets);
            EmitIntData($"{layer}_TileStarts", starts);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        /// <summary>
        /// Per group of 4 filters, the input channels any of them reads: the channel's offset c * plane into an image, and
        /// the four filters' weights (zero past the last filter).
        /// </summary>
        private void EmitConvPointwise(string layer, ConvOp c)
        {
            var g = c.Geometry;
            int filters = ConvPlanner.TileFilters, plane = g.In[0] * g.In[1] * g.In[2];
            // A 1x1 filter has one weight per input channel: a row is a channel, at offset channel x plane.
            var (weights, offsets, starts) = FilterTileRows(c, g.InChannels, ch => ch * plane);
            _w.Line("// Window: images, in channels, in D/H/W, out channels, out D/H/W, kernel D/H/W, strides, begin pads, dilations, end pads.");
            EmitIntData($"{layer}_Geometry", g.ToTable());
            _w.Line($"// {I(offsets.Count)} input channels read over {I(starts.Count - 1)} groups of {I(filters)} filters (channels zero in all of a group's filters left out): [channel][{I(filters)} filters] weights; each channel's offset (channel x {I(plane)} positions); where each group starts.");
            EmitFloatData($"{layer}_GroupWeights", weights);
            EmitIntData($"{layer}_ChannelOffsets", offsets);
            EmitIntData($"{layer}_GroupStarts", starts);
            if (c.Bias != null) EmitFloatData($"{layer}_Bias", c.Bias);
        }

        /// <summary>
        /// Filters in tiles of <see cref="ConvPlanner.TileFilters"/>: per tile, every row of the filters' weights (input
        /// channel x kernel position) that any of them uses, with its offset into the input and the tile's weights for
        /// it (zero past the last filter); and where each tile starts. Shared by the tile and the pointwise kernels.
        /// </summary>
        private static (List<float> Weights, List<int> Offsets, List<int> Starts) FilterTileRows(ConvOp c, int rows, Func<int, int> offsetOfRow)
        {
            int filters = ConvPlanner.TileFilters, outChannels = c.Geometry.OutChannels;
            var weights = new List<float>();
            var offsets = new List<int>();
            var starts = new List<int> { 0 };
            for (int first = 0; first < outChannels; first += filters)
            {
                int count = System.Math.Min(filters, outChannels - first);
                for (int row = 0; row < rows; row++)
                {
                    if (!Enumerable.Range(first, count).Any(m => c.Weights![m * c.FilterLength + row] != 0f)) continue;
                    offsets.Add(offsetOfRow(row));
                    for (int f = 0; f < filters; f++) weights.Add(f < count ? c.Weights![(first + f) * c.FilterLength + row] : 0f);
                }
                starts.Add(offsets.Count);
            }
            return (weights, offsets, starts);
        }

        private static (float Low, float High) FusedBounds(Activation a) => a.Kind switch
        {
            ActivationKind.Relu => (0f, float.PositiveInfinity),
            ActivationKind.Clip => (a.Min, a.Max),
            _ => (float.NegativeInfinity, float.PositiveInfinity),
        };

        private static bool FusedInDepthwise(Activation a) => a.Kind == ActivationKind.Relu || a.Kind == ActivationKind.Clip;

        private static int ConvNonzeros(ConvOp c) => c.Weights?.Count(w => w != 0f) ?? 0;

        /// <summary>Input channels that no remaining tap reads (never loaded).</summary>
        private static int UnreadChannels(ConvOp c)
        {
            if (c.Weights == null) return 0;
            var read = new bool[c.Geometry.InChannels];
            int outPerGroup = c.Geometry.OutChannels / c.Group, volume = c.Geometry.KernelVolume;
            for (int m = 0; m < c.Geometry.OutChannels; m++)
                for (int ic = 0; ic < c.InPerGroup; ic++)
                    for (int k = 0; k < volume; k++)
                        if (c.Weights[m * c.FilterLength + ic * volume + k] != 0f) read[m / outPerGroup * c.InPerGroup + ic] = true;
            return read.Count(r => !r);
        }

        private (long Parameters, long Nonzeros, long DenseMacs, long SparseMacs, int Layers) ConvStatistics()
        {
            long parameters = 0, nonzeros = 0, denseMacs = 0, sparseMacs = 0;
            int layers = 0;
            foreach (var c in _graph.Ops.OfType<ConvOp>().Where(c => c.Weights != null))
            {
                layers++;
                int nz = ConvNonzeros(c);
                parameters += c.Weights!.Length + (c.Bias?.Length ?? 0);
                nonzeros += nz + (c.Bias?.Count(v => v != 0f) ?? 0);
                long positions = (long)c.Geometry.Images * c.Geometry.OutPlane;
                denseMacs += positions * c.Weights.Length;
                sparseMacs += positions * nz;
            }
            return (parameters, nonzeros, denseMacs, sparseMacs, layers);
        }

        private string DescribeConvolutional(IrOp op)
        {
            switch (op)
            {
                case ConvOp c:
                {
                    var g = c.Geometry;
                    string act = c.Activation.Kind == ActivationKind.None ? "" : c.Activation.Describe() + " of ";
                    string window = $"{g.Spatial(g.Kernel)} kernel, stride {g.Spatial(g.Stride)}, pads {g.Spatial(g.PadBegin)} begin {g.Spatial(g.PadEnd)} end, dilation {g.Spatial(g.Dilation)}, group {I(c.Group)}";
                    string shapes = $"{Shapes.Format(c.Input.Shape)} -> {Shapes.Format(c.Output.Shape)}";
                    if (c.Weights == null)
                        return $"y = {act}conv(x, W){(c.BiasInput != null ? " + b" : "")}: {shapes}; {window}; W is a runtime input; kernel: row multiply-adds over every tap, zeros skipped as met.";
                    int nz = ConvNonzeros(c), unread = UnreadChannels(c);
                    string sparsity = $"W [{I(g.OutChannels)},{I(c.InPerGroup)},{string.Join(",", g.Kernel.Skip(WindowGeometry.SpatialDims - g.Rank).Select(k => I(k)))}] has {I(nz)} nonzero taps of {I(c.Weights.Length)} ({Percent(c.Weights.Length == 0 ? 0 : 1 - (double)nz / c.Weights.Length)} sparse)";
                    string structural = c.RemovedInputs + c.RemovedOutputs == 0 ? ""
                        : $" Filter pruning: was {I(g.InChannels + c.RemovedInputs)} -> {I(g.OutChannels + c.RemovedOutputs)} channels, now {I(g.InChannels)} -> {I(g.OutChannels)}: {I(c.RemovedOutputs)} all-zero filter(s) removed here, {I(c.RemovedInputs)} input channel(s) dropped because the layer before lost those filters.";
                    string unreadText = unread == 0 ? "" : $" {I(unread)} input channel(s) are read by no remaining tap and never loaded.";
                    var plan = ConvPlanOf(c);
                    string costs = $"cost model: taps {Ns(plan.TapsCostNs)} ns, channels {(double.IsInfinity(plan.ChannelsCostNs) ? "n/a" : Ns(plan.ChannelsCostNs) + " ns")}, tiles {(double.IsInfinity(plan.TilesCostNs) ? "n/a" : Ns(plan.TilesCostNs) + " ns")}"
                        + (double.IsInfinity(plan.DepthwiseCostNs) ? "" : $", depthwise {Ns(plan.DepthwiseCostNs)} ns")
                        + (double.IsInfinity(plan.PointwiseCostNs) ? "" : $", pointwise {Ns(plan.PointwiseCostNs)} ns")
                        + (double.IsInfinity(plan.DirectCostNs) ? "" : $", direct {Ns(plan.DirectCostNs)} ns")
                        + (double.IsInfinity(plan.GemmCostNs) ? "" : $", GEMM {Ns(plan.GemmCostNs)} ns")
                        + (double.IsInfinity(plan.DepthwisePlanesCostNs) ? "" : $", depthwise planes {Ns(plan.DepthwisePlanesCostNs)} ns")
                        + (double.IsInfinity(plan.DepthwiseChannelsCostNs) ? "" : $", depthwise channels {Ns(plan.DepthwiseChannelsCostNs)} ns")
                        + (double.IsInfinity(plan.ImplicitGemmCostNs) ? "" : $", implicit GEMM {Ns(plan.ImplicitGemmCostNs)} ns")
                        + (double.IsInfinity(plan.PointwiseChannelsLastCostNs) ? "" : $", pointwise channels-last {Ns(plan.PointwiseChannelsLastCostNs)} ns")
                        + (double.IsInfinity(plan.WinogradCostNs) ? "" : $", Winograd {Ns(plan.WinogradCostNs)} ns");
                    string kernel = plan.Kernel switch
                    {
                        ConvKernelKind.Taps => "nonzero taps only, each a SIMD multiply-add across an output row (Vector512/256/128, scalar fallback)",
                        ConvKernelKind.Depthwise => $"depthwise, {I(g.OutChannels / g.InChannels)} filter(s) per input channel: per filter and output row, the row in vector registers with one broadcast-weight FMA per nonzero tap, D/H padding skipped, W padding{(g.Stride[2] > 1 ? " and the stride" : "")} staged per channel (Vector512/256/128, scalar fallback){(FusedInDepthwise(c.Activation) ? ", " + c.Activation.Kind + " fused into the store" : "")}",
                        ConvKernelKind.Pointwise => $"pointwise (1x1 as a GEMM over the {I(g.OutPlane)} positions): register tiles of 4 filters x 2 vectors of positions read in place, {I(plan.TileTaps)} group input channels (channels zero in all 4 filters skipped) (Vector512/256/128, scalar fallback){(FusedInDepthwise(c.Activation) ? ", " + c.Activation.Kind + " fused into the store" : "")}",
                        ConvKernelKind.Direct => DescribeDirectKernel(c, plan),
                        ConvKernelKind.Gemm => DescribeGemmKernel(c),
                        ConvKernelKind.ImplicitGemm => DescribeImplicitGemmKernel(c, plan),
                        ConvKernelKind.DepthwisePlanes => DescribeDepthwisePlanesKernel(c),
                        ConvKernelKind.DepthwiseChannels => DescribeDepthwiseChannelsKernel(c),
                        ConvKernelKind.PointwiseChannelsLast => DescribePointwiseChannelsLastKernel(c),
                        ConvKernelKind.Winograd => DescribeWinogradKernel(c, plan),
                        ConvKernelKind.Channels => $"per output position, the {I(plan.TapRows)} nonzero tap rows broadcast into register tiles of filters (dense SIMD over filters)",
                        _ => $"register tiles of 4 filters x 2 vectors of positions over the flattened padded input, {I(plan.TileTaps)} tile tap rows (Vector512/256/128, scalar fallback){(c.Activation.Kind == ActivationKind.Relu ? ", ReLU fused into the store" : "")}",
                    };
                    return $"y = {act}conv(x, W){(c.Bias != null ? " + b" : "")}: {shapes}; {window}; {sparsity}; kernel: {kernel} ({costs}).{structural}{unreadText}";
                }
                case PoolOp p:
                {
                    var g = p.Geometry;
                    string what = p.Kind == PoolKind.Max ? "max" : "average";
                    if (p.Global) return $"y = global {what} over each channel's {I(g.InPlane)} values: {Shapes.Format(p.Input.Shape)} -> {Shapes.Format(p.Output.Shape)}.";
                    return $"y = {what} pool: {Shapes.Format(p.Input.Shape)} -> {Shapes.Format(p.Output.Shape)}; {g.Spatial(g.Kernel)} window, stride {g.Spatial(g.Stride)}, pads {g.Spatial(g.PadBegin)} begin {g.Spatial(g.PadEnd)} end, dilation {g.Spatial(g.Dilation)}"
                        + (p.Kind == PoolKind.Average ? $", padding {(p.CountIncludePad ? "counted" : "not counted")} in the divisor." : ".");
                }
                case BatchNormOp bn:
                    return bn.Multiplier != null
                        ? $"y = BatchNorm(x) as a per-channel affine map over {I(bn.Channels)} channels (nothing before it to fold it into): shape {Shapes.Format(bn.Output.Shape)}."
                        : $"y = BatchNorm(x) with runtime scale, B, mean, var over {I(bn.Channels)} channels, epsilon {CSharpLiterals.Float(bn.Epsilon)}: shape {Shapes.Format(bn.Output.Shape)}.";
                default:
                    return op.GetType().Name;
            }
        }

        private string ConvolutionalTitle(IrOp op) => op switch
        {
            ConvOp c => "Conv" + (c.Activation.Kind == ActivationKind.None ? "" : "+" + c.Activation.Kind)
                + (c.RemovedOutputs + c.RemovedInputs == 0 ? "" : $" (-{I(c.RemovedInputs)} in, -{I(c.RemovedOutputs)} out)"),
            PoolOp p => (p.Global ? "Global" : "") + (p.Kind == PoolKind.Max ? "MaxPool" : "AveragePool"),
            _ => "BatchNorm",
        };

        private string ConvolutionalKernelName(IrOp op) => op switch
        {
            ConvOp c when c.Weights != null => $"{ConvPlanOf(c).KernelName} (~{Ns(ConvPlanOf(c).ChosenCostNs)} ns)",
            ConvOp _ => "conv runtime weights",
            PoolOp p => $"{_plan.Pools[p].KernelName} (~{Ns(_plan.Pools[p].CostNs)} ns)",
            _ => "channel affine",
        };
    }
}
