using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // Ops that enlarge (or shrink) the spatial dims of segmentation, autoencoder and super-resolution models:
    // Resize (opset 10-19), Upsample (7-9) and ConvTranspose.
    //
    // Resize is separable. Along each resized axis, output coordinate o reads a few input coordinates with build-time
    // weights: one for nearest, two for linear, four for cubic, more for antialiased shrinking. The coordinates and
    // weights follow the ONNX reference implementation (onnx/reference/ops/op_resize.py): the output coordinate maps to
    // an input coordinate by the coordinate_transformation_mode, the taps are the nearest input coordinates (edge
    // values repeated past the border), tf_crop_and_resize outside the input gives extrapolation_value. Axes where
    // every output reads one input with weight 1 (all of nearest, and linear/cubic at integer positions) become one
    // GatherOp together; each other axis becomes, per tap, a GatherOp times a constant weight column, summed.
    //
    // ConvTranspose is a Conv over the input with stride - 1 zeros inserted between its samples and padded (or cropped)
    // by dilation * (kernel - 1) - pads at each end: one GatherOp builds that input, another flips W spatially and
    // swaps its channel axes (folded now when W is a constant, so the Conv skips the zeros of a pruned W), and the Conv
    // fuses the bias.
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops lowered in this file.</summary>
        private static string[] UpsamplingOps => new[] { "Resize", "Upsample", "ConvTranspose" };

        private bool TryLowerUpsampling(OnnxNode node, string where)
        {
            switch (node.OpType)
            {
                case "Resize":
                case "Upsample": LowerResize(node, where); return true;
                case "ConvTranspose": LowerConvTranspose(node, where); return true;
                default: return false;
            }
        }

        /// <summary>Float values of a build-time constant operand (scales, roi), or a precise refusal.</summary>
        private float[] ConstantFloats(IrValue value, string what, string where)
        {
            if (value.Kind != ValueKind.Constant || value.Data == null)
                throw new ModelCompileException(DiagnosticIds.UnknownShape,
                    $"{where}: {what} '{Text.Quote(value.Name)}' must be a build-time float constant (an initializer or a Constant node); computed at run time, the output shape is unknown");
            return value.Data;
        }

        // ---- Resize, Upsample ----

        /// <summary>The settings of one Resize node that decide its taps.</summary>
        private sealed class ResizeSettings
        {
            public string Mode = "nearest";
            public string Coordinates = "half_pixel";
            public string NearestMode = "round_prefer_floor";
            public double CubicA = -0.75;
            public bool ExcludeOutside;
            public bool Antialias;
            public float Extrapolation;
        }

        private void LowerResize(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            bool upsample = node.OpType == "Upsample";
            // Upsample and Resize-10 have no coordinate or rounding attributes: asymmetric coordinates, nearest rounds
            // down (up when shrinking), as ONNX Runtime computes them.
            bool legacy = upsample || _opset < 11;
            if (upsample) attrs.OnlyKnown("mode", "scales");
            else if (legacy) attrs.OnlyKnown("mode");
            else attrs.OnlyKnown("mode", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value",
                "nearest_mode", "antialias", "axes", "keep_aspect_ratio_policy");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            if (rank == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: {node.OpType} of a scalar");

            var s = new ResizeSettings
            {
                Mode = StringAttribute(attrs, "mode", "nearest"),
                Coordinates = legacy ? "asymmetric" : StringAttribute(attrs, "coordinate_transformation_mode", "half_pixel"),
                NearestMode = legacy ? "simple" : StringAttribute(attrs, "nearest_mode", "round_prefer_floor"),
                CubicA = attrs.Float("cubic_coeff_a", -0.75f),
                ExcludeOutside = attrs.Int("exclude_outside", 0) != 0,
                Extrapolation = attrs.Float("extrapolation_value", 0f),
            };
            if (s.Mode != "nearest" && s.Mode != "linear" && !(s.Mode == "cubic" && !legacy))
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: mode '{Text.Quote(s.Mode)}' is not nearest, linear{(legacy ? "" : " or cubic")}");
            var coordinateModes = new[] { "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize" };
            if (!coordinateModes.Contains(s.Coordinates))
                throw new ModelCompileException(DiagnosticIds.InvalidNode,
                    $"{where}: coordinate_transformation_mode '{Text.Quote(s.Coordinates)}' is not one of {string.Join(", ", coordinateModes)}");
            if (!legacy && !new[] { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" }.Contains(s.NearestMode))
                throw new ModelCompileException(DiagnosticIds.InvalidNode,
                    $"{where}: nearest_mode '{Text.Quote(s.NearestMode)}' is not round_prefer_floor, round_prefer_ceil, floor or ceil");
            s.Antialias = attrs.Int("antialias", 0) != 0 && s.Mode != "nearest";
            string policy = StringAttribute(attrs, "keep_aspect_ratio_policy", "stretch");
            if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: keep_aspect_ratio_policy '{Text.Quote(policy)}' is not stretch, not_larger or not_smaller");
            int[] axes = attrs.Ints("axes") is { } axesSpec ? NormalizeAxes(axesSpec, rank, where) : Enumerable.Range(0, rank).ToArray();
            if (axes.Distinct().Count() != axes.Length) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: axes repeat an axis");

            // The scales, sizes and roi operands (as this opset places them); empty tensors mean "not given".
            float[]? scales = null, roi = null;
            long[]? sizes = null;
            if (upsample && _opset < 9)
                scales = attrs.Find("scales")?.Floats.ToArray() ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Upsample needs 'scales'");
            else if (legacy)
                scales = ConstantFloats(Input(node, 1, where), "scales", where);
            else
            {
                if (OptionalInput(node, 2, where) is IrValue sc && sc.Count > 0) scales = ConstantFloats(sc, "scales", where);
                if (OptionalInput(node, 3, where) is IrValue sz && sz.Count > 0) sizes = ConstantInts(sz, "sizes", where);
                if (s.Coordinates == "tf_crop_and_resize")
                    roi = OptionalInput(node, 1, where) is IrValue r && r.Count > 0 ? ConstantFloats(r, "roi", where)
                        : throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: tf_crop_and_resize needs roi");
            }
            if ((scales == null) == (sizes == null))
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: exactly one of scales and sizes must be given");

            // Per axis of the input: the scale, the output size and the roi (start, end as fractions of the input).
            var scale = Enumerable.Repeat(1.0, rank).ToArray();
            var outSize = (int[])x.Shape.Clone();
            var roiStart = new double[rank];
            var roiEnd = Enumerable.Repeat(1.0, rank).ToArray();
            if (scales != null)
            {
                if (scales.Length != axes.Length)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: scales has {scales.Length} values for {axes.Length} axes");
                for (int i = 0; i < axes.Length; i++)
                {
                    int d = axes[i];
                    double size = (double)scales[i] * x.Shape[d];
                    if (!(scales[i] > 0) || size > Shapes.MaxElements)
                        throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: scale {scales[i]} on axis {d} is not a positive size factor");
                    scale[d] = scales[i];
                    outSize[d] = (int)Math.Floor(size);
                }
            }
            else
            {
                if (sizes!.Length != axes.Length)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: sizes has {sizes.Length} values for {axes.Length} axes");
                if (sizes.Any(v => v <= 0 || v > Shapes.MaxElements))
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: sizes [{InvariantList(sizes)}] must be positive");
                if (axes.Any(d => x.Shape[d] == 0)) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: an empty axis cannot be resized to a size");
                if (policy == "stretch")
                {
                    for (int i = 0; i < axes.Length; i++)
                    {
                        outSize[axes[i]] = (int)sizes[i];
                        scale[axes[i]] = (double)sizes[i] / x.Shape[axes[i]];
                    }
                }
                else
                {
                    // One scale for every listed axis, the smallest (not_larger) or largest (not_smaller) of the ratios.
                    var ratios = axes.Select((d, i) => (double)sizes[i] / x.Shape[d]).ToArray();
                    double common = policy == "not_larger" ? ratios.Min() : ratios.Max();
                    foreach (int d in axes)
                    {
                        scale[d] = common;
                        outSize[d] = (int)(common * x.Shape[d] + 0.5);
                    }
                }
            }
            if (s.Antialias && Enumerable.Range(0, rank).Any(d => scale[d] < 1.0 / 1024))
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: antialiased shrinking by more than 1024x is not supported (the filter would read over 2048 taps per output)");
            if (roi != null)
            {
                if (roi.Any(v => float.IsNaN(v) || float.IsInfinity(v))) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: roi [{string.Join(",", roi)}] must be finite");
                if (roi.Length != 2 * axes.Length)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: roi has {roi.Length} values for {axes.Length} axes (starts, then ends)");
                for (int i = 0; i < axes.Length; i++)
                {
                    roiStart[axes[i]] = roi[i];
                    roiEnd[axes[i]] = roi[axes.Length + i];
                }
            }
            Shapes.Count(outSize);

            // The taps of every axis; null where the axis is left as it is.
            var taps = new List<(int Index, double Weight)[]?>?[rank];
            for (int d = 0; d < rank; d++)
            {
                if (x.Shape[d] == 0 && outSize[d] > 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: axis {d} is empty");
                var axisTaps = Enumerable.Range(0, outSize[d]).Select(o => ResizeTaps(o, x.Shape[d], outSize[d], scale[d], roiStart[d], roiEnd[d], s)).ToList();
                bool identity = outSize[d] == x.Shape[d] && axisTaps.Select((t, o) => t != null && t.Length == 1 && t[0].Index == o && t[0].Weight == 1).All(ok => ok);
                if (identity) continue;
                if (d == 0 && x.IsBatched) throw BatchMix(where, "it resizes the batch dim");
                taps[d] = axisTaps;
            }
            string label = $"{node.OpType} {s.Mode}{(s.Mode == "nearest" && !legacy ? " " + s.NearestMode : "")} {s.Coordinates}{(s.Antialias ? " antialias" : "")}";
            if (taps.All(t => t == null))
            {
                DefineOutput(node, 0, View(x, x.Shape, node), where);
                return;
            }

            // Layer 1: one GatherOp for the axes where each output reads one input (or the extrapolation value).
            string current = node.Inputs[0];
            var value = x;
            var picked = Enumerable.Range(0, rank).Where(d => taps[d] != null && taps[d]!.All(t => t == null || (t.Length == 1 && t[0].Weight == 1))).ToList();
            if (picked.Count > 0)
            {
                var shape = value.Shape.Select((n, d) => picked.Contains(d) ? outSize[d] : n).ToArray();
                var strides = Strides(value.Shape);
                var offsets = Enumerable.Range(0, rank).Select(d => picked.Contains(d)
                    ? taps[d]!.Select(t => t == null ? -1 : t[0].Index * strides[d]).ToArray()
                    : Identity(value.Shape[d], strides[d])).ToArray();
                current = PartName(node, "pick");
                value = Gather(value, shape, offsets, s.Extrapolation, $"{label}: pick along axes [{string.Join(",", picked)}]", node, outputName: current);
                Define(current, value, "part");
            }

            // Layer 2: per remaining axis, the sum over taps of (input at the tap's index) * (the tap's weight).
            foreach (int d in Enumerable.Range(0, rank).Where(d => taps[d] != null && !picked.Contains(d)))
            {
                var axisTaps = taps[d]!;
                int count = axisTaps.Max(t => t?.Length ?? 1);
                var shape = value.Shape.Select((n, i) => i == d ? outSize[d] : n).ToArray();
                var strides = Strides(value.Shape);
                var weightShape = new[] { outSize[d] }.Concat(Enumerable.Repeat(1, rank - 1 - d)).ToArray();
                string? sum = null;
                for (int t = 0; t < count; t++)
                {
                    // An extrapolated output reads the fill value with weight 1 in tap 0; a missing tap reads index 0 with weight 0.
                    int[] axisOffsets = axisTaps.Select(a => a == null ? (t == 0 ? -1 : 0) : t < a.Length ? a[t].Index * strides[d] : 0).ToArray();
                    float[] weights = axisTaps.Select(a => a == null ? (t == 0 ? 1f : 0f) : t < a.Length ? (float)a[t].Weight : 0f).ToArray();
                    var offsets = Enumerable.Range(0, rank).Select(i => i == d ? axisOffsets : Identity(value.Shape[i], strides[i])).ToArray();
                    string tapName = PartName(node, $"axis{d}_tap{t}");
                    Define(tapName, Gather(value, shape, offsets, s.Extrapolation, $"{label}: axis {d} tap {t} of {count}", node, outputName: tapName), "part");
                    string weighted = Part(node, "Mul", $"axis{d}_tap{t}_weighted", new[] { tapName, FloatConstantPart(node, $"axis{d}_weight{t}", weightShape, weights) });
                    sum = sum == null ? weighted : Part(node, "Add", $"axis{d}_sum{t}", new[] { sum, weighted });
                }
                current = sum!;
                value = Lookup(current, where);
            }
            Part(node, "Identity", "out", new[] { current }, node.Outputs[0]);
        }

        /// <summary>
        /// The input coordinates and weights that output coordinate <paramref name="o"/> of one axis reads (indices
        /// clamped into the axis, equal indices merged, zero weights dropped), or null for tf_crop_and_resize outside
        /// the input (the output is extrapolation_value).
        /// </summary>
        private static (int Index, double Weight)[]? ResizeTaps(int o, int inSize, int outSize, double scale, double roiStart, double roiEnd, ResizeSettings s)
        {
            // The input coordinate of output o. The reference uses the fractional output width scale * inSize here.
            double outWidth = scale * inSize;
            double x;
            switch (s.Coordinates)
            {
                case "align_corners": x = outWidth == 1 ? 0 : o * (inSize - 1) / (outWidth - 1); break;
                case "asymmetric": x = o / scale; break;
                case "pytorch_half_pixel": x = outSize > 1 ? (o + 0.5) / scale - 0.5 : -0.5; break;
                case "half_pixel_symmetric":
                {
                    double adjustment = outSize / outWidth;
                    double offset = inSize / 2.0 * (1 - adjustment);
                    x = offset + (o + 0.5) / scale - 0.5;
                    break;
                }
                case "tf_crop_and_resize":
                    x = outSize == 1 ? (roiEnd - roiStart) * (inSize - 1) / 2 : o * (roiEnd - roiStart) * (inSize - 1) / (outWidth - 1);
                    x += roiStart * (inSize - 1);
                    if (x < 0 || x > inSize - 1) return null;
                    break;
                default: x = (o + 0.5) / scale - 0.5; break; // half_pixel
            }
            int Clamp(long i) => (int)Math.Max(0, Math.Min(inSize - 1, i));

            if (s.Mode == "nearest")
            {
                long pick;
                double floor = Math.Floor(x), ratio = x - floor;
                if (s.NearestMode == "simple") pick = (long)(scale < 1 ? Math.Ceiling(x) : floor);
                else if (ratio == 0) pick = (long)floor;
                else pick = s.NearestMode switch
                {
                    "round_prefer_ceil" => ratio < 0.5 ? (long)floor : (long)floor + 1,
                    "floor" => (long)floor,
                    "ceil" => (long)floor + 1,
                    _ => ratio <= 0.5 ? (long)floor : (long)floor + 1,
                };
                return new[] { (Clamp(pick), 1.0) };
            }

            // The pixel left of x (x itself excluded: ratio is in (0, 1]) and the coefficients of the taps around it.
            bool integer = x == Math.Floor(x);
            long left = integer ? (long)x - 1 : (long)Math.Floor(x);
            double r = integer ? 1 : x - Math.Floor(x);
            double[] coeffs = s.Mode == "linear"
                ? (s.Antialias ? LinearAntialias(r, scale) : new[] { 1 - r, r })
                : (s.Antialias ? CubicAntialias(r, scale, s.CubicA) : Cubic(r, s.CubicA));
            int n = coeffs.Length;
            // The n coordinates nearest to x among the input extended by ceil(n/2) edge copies at each end.
            long first = left - n / 2 + 1, pad = (n + 1) / 2;
            if (first < -pad) first = -pad;
            if (first + n - 1 > inSize + pad - 1) first = inSize + pad - n;
            if (s.ExcludeOutside)
            {
                for (int i = 0; i < n; i++) if (first + i < 0 || first + i >= inSize) coeffs[i] = 0;
                double total = coeffs.Sum();
                for (int i = 0; i < n; i++) coeffs[i] /= total;
            }
            var merged = new SortedDictionary<int, double>();
            for (int i = 0; i < n; i++)
            {
                if (coeffs[i] == 0) continue;
                int at = Clamp(first + i);
                merged[at] = merged.TryGetValue(at, out double w) ? w + coeffs[i] : coeffs[i];
            }
            return merged.Where(p => p.Value != 0).Select(p => (p.Key, p.Value)).ToArray();
        }

        /// <summary>Keys' cubic convolution weights of the 4 taps at distances 1 + r, r, 1 - r, 2 - r.</summary>
        private static double[] Cubic(double r, double a) => new[]
        {
            ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
            ((a * (2 - r) - 5 * a) * (2 - r) + 8 * a) * (2 - r) - 4 * a,
        };

        /// <summary>The triangle filter stretched by 1 / scale when shrinking, normalised.</summary>
        private static double[] LinearAntialias(double r, double scale)
        {
            scale = Math.Min(scale, 1);
            int start = (int)Math.Floor(-1 / scale) + 1, footprint = 2 - 2 * start;
            var c = Enumerable.Range(start, footprint).Select(i => Math.Max(0, Math.Min(1, 1 - Math.Abs((i - r) * scale)))).ToArray();
            double total = c.Sum();
            return c.Select(v => v / total).ToArray();
        }

        /// <summary>The cubic filter stretched by 1 / scale when shrinking, normalised.</summary>
        private static double[] CubicAntialias(double r, double scale, double a)
        {
            scale = Math.Min(scale, 1);
            int start = (int)Math.Floor(-2 / scale) + 1, end = 2 - start;
            double Weight(double v)
            {
                v = Math.Abs(v);
                if (v <= 1) return (a + 2) * v * v * v - (a + 3) * v * v + 1;
                if (v < 2) return a * v * v * v - 5 * a * v * v + 8 * a * v - 4 * a;
                return 0;
            }
            var c = Enumerable.Range(start, end - start).Select(i => Weight(scale * (i - r))).ToArray();
            double total = c.Sum();
            return c.Select(v => v / total).ToArray();
        }

        // ---- ConvTranspose ----

        private void LowerConvTranspose(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides");
            var x = Input(node, 0, where);
            var w = Input(node, 1, where);
            var b = OptionalInput(node, 2, where);
            RequireFloat(x, where); RequireFloat(w, where);
            if (b != null) RequireFloat(b, where);
            int rank = SpatialRank(x, where);
            if (w.Shape.Length != rank + 2)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: W has shape {Shapes.Format(w.Shape)}; expected rank {rank + 2} for input {Shapes.Format(x.Shape)}");
            if (w.IsBatched) throw BatchMix(where, "the weights depend on the batch");
            long groupValue = attrs.Int("group", 1);
            int channels = x.Shape[1];
            if (groupValue < 1 || groupValue > channels || channels % groupValue != 0 || w.Shape[0] != channels)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: group {groupValue} does not fit {channels} input channels, W {Shapes.Format(w.Shape)} (W is [C, M/group, k...])");
            int group = (int)groupValue, inPerGroup = channels / group, outPerGroup = w.Shape[1], filters = outPerGroup * group;
            var kernel = w.Shape.Skip(2).ToArray();
            if (kernel.Any(k => k < 1) || outPerGroup < 1)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: W {Shapes.Format(w.Shape)} has an empty kernel or no output channels");
            if (attrs.Ints("kernel_shape") is { } declared && !declared.Select(v => (long)v).SequenceEqual(kernel.Select(k => (long)k)))
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: kernel_shape [{InvariantList(declared)}] disagrees with W {Shapes.Format(w.Shape)}");

            long[] Per(string name, long fallback, int count)
            {
                var v = attrs.Ints(name);
                if (v == null) return Enumerable.Repeat(fallback, count).ToArray();
                CheckCount(v, name, count, where);
                return v.ToArray();
            }
            long[] strides = Per("strides", 1, rank), dilations = Per("dilations", 1, rank), outputPadding = Per("output_padding", 0, rank);
            long[] pads = Per("pads", 0, 2 * rank);
            string autoPad = StringAttribute(attrs, "auto_pad", "NOTSET");
            if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: auto_pad '{Text.Quote(autoPad)}' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER");
            for (int i = 0; i < rank; i++)
            {
                CheckRange(strides[i], "strides", i, 1, 65536, where);
                CheckRange(dilations[i], "dilations", i, 1, 65536, where);
                CheckRange(outputPadding[i], "output_padding", i, 0, 65536, where);
                CheckRange(pads[i], "pads", i, 0, 65536, where);
                CheckRange(pads[i + rank], "pads", i + rank, 0, 65536, where);
            }
            // output_shape (or SAME auto_pad) fixes the total padding; the odd unit goes to the end for SAME_UPPER, as
            // the ONNX reference does. A negative total is extra output at the end.
            long[]? outputShape = attrs.Ints("output_shape")?.ToArray();
            if (outputShape != null && outputShape.Length == rank + 2) outputShape = outputShape.Skip(2).ToArray();
            if (outputShape != null && outputShape.Length != rank)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: output_shape has {outputShape.Length} values; expected {rank}");
            if (outputShape == null && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER"))
                outputShape = Enumerable.Range(0, rank).Select(i => x.Shape[2 + i] * strides[i]).ToArray();
            if (autoPad == "VALID") pads = new long[2 * rank];
            if (outputShape != null)
            {
                for (int i = 0; i < rank; i++)
                {
                    if (outputShape[i] < 1 || outputShape[i] > Shapes.MaxElements)
                        throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: output_shape {outputShape[i]} at spatial dim {i} is not a positive size");
                    long total = strides[i] * (x.Shape[2 + i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - outputShape[i];
                    long half = (long)Math.Floor(total / 2.0);
                    pads[i] = autoPad == "SAME_UPPER" ? half : total - half;
                    pads[i + rank] = autoPad == "SAME_UPPER" ? total - half : half;
                }
            }

            int phaseCount = strides.Aggregate(1L, (a, v) => a * v) is long p && p <= MaxConvTransposePhases ? (int)p : 0;
            if (phaseCount > 0)
            {
                LowerConvTransposePhases(node, x, w, b, kernel, strides, dilations, outputPadding, pads, group, inPerGroup, outPerGroup, where);
                return;
            }

            // Strides whose product exceeds MaxConvTransposePhases: one Conv over the input spread with zeros.
            // Layer 1: the input with stride - 1 zeros between samples, padded by dilation * (k - 1) - pad_begin in
            // front and dilation * (k - 1) - pad_end + output_padding behind (negative: cropped).
            var shape = (int[])x.Shape.Clone();
            var xStrides = Strides(x.Shape);
            var offsets = new int[rank + 2][];
            offsets[0] = Identity(x.Shape[0], xStrides[0]);
            offsets[1] = Identity(x.Shape[1], xStrides[1]);
            for (int i = 0; i < rank; i++)
            {
                long span = (kernel[i] - 1) * dilations[i];
                long before = span - pads[i], after = span - pads[i + rank] + outputPadding[i];
                long size = (x.Shape[2 + i] - 1) * strides[i] + 1 + before + after;
                if (size < span + 1 || size > Shapes.MaxElements)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: pads {pads[i]},{pads[i + rank]} leave no output at spatial dim {i}");
                shape[2 + i] = (int)size;
                long stride = strides[i];
                int axisStride = xStrides[2 + i], input = x.Shape[2 + i];
                offsets[2 + i] = Enumerable.Range(0, (int)size).Select(j =>
                {
                    long at = j - before;
                    return at >= 0 && at % stride == 0 && at / stride < input ? (int)(at / stride) * axisStride : -1;
                }).ToArray();
            }
            string spread = PartName(node, "spread");
            Define(spread, Gather(x, shape, offsets, 0f,
                $"ConvTranspose input spread with zeros (strides [{InvariantList(strides)}]) and padded for the transposed window", node, outputName: spread), "part");

            // Layer 2: W [C, M/group, k...] -> [M, C/group, k...], flipped along the spatial axes.
            var wStrides = Strides(w.Shape);
            var wOffsets = new int[rank + 2][];
            wOffsets[0] = Enumerable.Range(0, filters).Select(m => m / outPerGroup * inPerGroup * wStrides[0] + m % outPerGroup * wStrides[1]).ToArray();
            wOffsets[1] = Identity(inPerGroup, wStrides[0]);
            for (int i = 0; i < rank; i++)
                wOffsets[2 + i] = Enumerable.Range(0, kernel[i]).Select(k => (kernel[i] - 1 - k) * wStrides[2 + i]).ToArray();
            string flipped = PartName(node, "weights");
            var wShape = new[] { filters, inPerGroup }.Concat(kernel).ToArray();
            Define(flipped, Gather(w, wShape, wOffsets, 0f, "ConvTranspose W flipped and its channel axes swapped", node, outputName: flipped), "part");

            // Layer 3: a stride-1 Conv with the dilations and groups of the node; the bias is fused into it.
            var inputs = b != null ? new[] { spread, flipped, node.Inputs[2] } : new[] { spread, flipped };
            Part(node, "Conv", "conv", inputs, node.Outputs[0],
                IntsAttribute("dilations", dilations), IntAttribute("group", group), IntsAttribute("kernel_shape", kernel.Select(k => (long)k)));
        }

        /// <summary>Above this many phases (the product of the strides) ConvTranspose is one Conv over the zero-spread input.</summary>
        private const long MaxConvTransposePhases = 64;

        /// <summary>
        /// ConvTranspose as one small Conv per output phase (polyphase): output o of a spatial dim with stride s is
        /// o = j * s + r; for phase r only the taps k with k * dilation = r + pad_begin (mod s) reach it, each from input
        /// j - q with q = (k * dilation - r - pad_begin) / s. So phase r is a stride-1 Conv of the input with those taps
        /// (in order of q, zeros where no tap falls) and no multiply-add on an inserted zero; the phases' outputs are
        /// concatenated along the channels and interleaved by one GatherOp. A 2x2 stride-2 ConvTranspose becomes four
        /// 1x1 Convs. W is picked per phase by a GatherOp (folded when W is constant, so each phase skips its zero weights).
        /// </summary>
        private void LowerConvTransposePhases(OnnxNode node, IrValue x, IrValue w, IrValue? b, int[] kernel, long[] strides, long[] dilations,
            long[] outputPadding, long[] pads, int group, int inPerGroup, int outPerGroup, string where)
        {
            int rank = kernel.Length, filters = outPerGroup * group;
            var outDims = new int[rank];
            var rows = new int[rank]; // outputs per phase along each dim: ceil(out / stride), the last phases' extra ones dropped
            for (int i = 0; i < rank; i++)
            {
                long o = strides[i] * (x.Shape[2 + i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + rank];
                if (o < 1 || o > Shapes.MaxElements)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: pads {pads[i]},{pads[i + rank]} leave no output at spatial dim {i}");
                outDims[i] = (int)o;
                rows[i] = (int)((o + strides[i] - 1) / strides[i]);
            }
            int phases = (int)strides.Aggregate(1L, (a, v) => a * v);
            var phaseStride = new int[rank];
            for (int i = rank - 1, stride = 1; i >= 0; stride *= (int)strides[i], i--) phaseStride[i] = stride;

            var xStrides = Strides(x.Shape);
            var wStrides = Strides(w.Shape);
            var phaseOutputs = new List<string>();
            for (int phase = 0; phase < phases; phase++)
            {
                // Per dim: the taps of this phase, indexed by qmax - q (W offset, or -1 where no tap falls).
                var tapOffsets = new int[rank][];
                var qmax = new long[rank];
                var label = new List<string>();
                for (int i = 0; i < rank; i++)
                {
                    long r = phase / phaseStride[i] % strides[i];
                    var taps = Enumerable.Range(0, kernel[i])
                        .Select(k => (K: k, Num: k * dilations[i] - r - pads[i]))
                        .Where(t => (t.Num % strides[i] + strides[i]) % strides[i] == 0)
                        .Select(t => (t.K, Q: t.Num / strides[i]))
                        .ToList();
                    if (taps.Count == 0)
                    {
                        tapOffsets[i] = new[] { -1 };
                        qmax[i] = 0;
                    }
                    else
                    {
                        long hi = taps.Max(t => t.Q), lo = taps.Min(t => t.Q);
                        qmax[i] = hi;
                        var byQ = taps.ToDictionary(t => t.Q, t => t.K); // k * dilation = q * s + r + pad_begin: one k per q
                        tapOffsets[i] = Enumerable.Range(0, (int)(hi - lo + 1))
                            .Select(t => byQ.TryGetValue(hi - t, out int k) ? k * wStrides[2 + i] : -1).ToArray();
                    }
                    label.Add(r.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                string phaseText = $"phase ({string.Join(",", label)})", phaseName = "phase" + string.Join("_", label);

                // Layer: this phase's W [M, C/group, taps...] (W is [C, M/group, k...]).
                var vOffsets = new int[rank + 2][];
                vOffsets[0] = Enumerable.Range(0, filters).Select(m => m / outPerGroup * inPerGroup * wStrides[0] + m % outPerGroup * wStrides[1]).ToArray();
                vOffsets[1] = Identity(inPerGroup, wStrides[0]);
                for (int i = 0; i < rank; i++) vOffsets[2 + i] = tapOffsets[i];
                var vShape = new[] { filters, inPerGroup }.Concat(tapOffsets.Select(t => t.Length)).ToArray();
                string weights = PartName(node, phaseName + "_weights");
                Define(weights, Gather(w, vShape, vOffsets, 0f, $"ConvTranspose W of {phaseText}", node, outputName: weights), "part");

                // The input window: qmax in front, enough behind for rows[i] outputs. Negative pads need a GatherOp.
                var padBegin = new long[rank];
                var padEnd = new long[rank];
                for (int i = 0; i < rank; i++)
                {
                    padBegin[i] = qmax[i];
                    padEnd[i] = rows[i] + tapOffsets[i].Length - 1 - x.Shape[2 + i] - qmax[i];
                }
                string input = node.Inputs[0];
                if (padBegin.Concat(padEnd).Any(v => v < 0))
                {
                    var shape = x.Shape.Take(2).Concat(Enumerable.Range(0, rank).Select(i => rows[i] + tapOffsets[i].Length - 1)).ToArray();
                    var offsets = new int[rank + 2][];
                    offsets[0] = Identity(x.Shape[0], xStrides[0]);
                    offsets[1] = Identity(x.Shape[1], xStrides[1]);
                    for (int i = 0; i < rank; i++)
                    {
                        long front = padBegin[i];
                        int size = x.Shape[2 + i], stride = xStrides[2 + i];
                        offsets[2 + i] = Enumerable.Range(0, shape[2 + i]).Select(u => u - front >= 0 && u - front < size ? (int)(u - front) * stride : -1).ToArray();
                    }
                    input = PartName(node, phaseName + "_window");
                    Define(input, Gather(x, shape, offsets, 0f, $"ConvTranspose input window of {phaseText}", node, outputName: input), "part");
                    padBegin = new long[rank];
                    padEnd = new long[rank];
                }

                // Layer: the phase's stride-1 Conv (bias fused).
                var convInputs = b != null ? new[] { input, weights, node.Inputs[2] } : new[] { input, weights };
                phaseOutputs.Add(Part(node, "Conv", phaseName, convInputs, phases == 1 ? node.Outputs[0] : null,
                    IntAttribute("group", group), IntsAttribute("kernel_shape", tapOffsets.Select(t => (long)t.Length)), IntsAttribute("pads", padBegin.Concat(padEnd))));
            }
            if (phases == 1) return;

            // Layer: the phases side by side along the channels, then interleaved (output o of a dim is row o / s of phase o % s).
            string all = Part(node, "Concat", "phases", phaseOutputs.ToArray(), null, IntAttribute("axis", 1));
            var catShape = Lookup(all, where).Shape;
            var catStrides = Strides(catShape);
            var outShape = new[] { x.Shape[0], filters }.Concat(outDims).ToArray();
            var interleave = new int[rank + 2][];
            interleave[0] = Identity(x.Shape[0], catStrides[0]);
            interleave[1] = Identity(filters, catStrides[1]);
            for (int i = 0; i < rank; i++)
            {
                long s = strides[i];
                int perPhase = filters * catStrides[1] * phaseStride[i], rowStride = catStrides[2 + i];
                interleave[2 + i] = Enumerable.Range(0, outDims[i]).Select(o => (int)(o % s) * perPhase + (int)(o / s) * rowStride).ToArray();
            }
            DefineOutput(node, 0, Gather(Lookup(all, where), outShape, interleave, 0f,
                $"ConvTranspose interleave of {phases} phases (strides [{InvariantList(strides)}])", node), where);
        }
    }
}
