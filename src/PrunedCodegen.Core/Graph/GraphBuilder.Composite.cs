using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // Ops that are compositions of supported ones, lowered by writing their ONNX function body as nodes and lowering
    // those: Mean, ReduceL1/L2/LogSum/LogSumExp/SumSquare, LayerNormalization, InstanceNormalization, GroupNormalization,
    // LRN. The parts keep the
    // original node's name (e.g. "ln1/variance") so the generated comments still say where they came from, and every
    // part goes through the same checks as a node of the model would (batch dim, broadcasting, types).
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops lowered in this file.</summary>
        private static string[] CompositeOps => new[]
        {
            "Mean", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "LayerNormalization",
            "InstanceNormalization", "GroupNormalization", "LRN",
        };

        private int _partCounter;
        /// <summary>The index of the graph node being lowered, which names an unnamed composite node's parts in diagnostics.</summary>
        private int _nodeIndex;

        private bool TryLowerComposite(OnnxNode node, string where)
        {
            switch (node.OpType)
            {
                case "Mean": LowerMean(node, where); return true;
                case "ReduceL1": LowerReduceComposite(node, where, pre: "Abs", reduce: "ReduceSum", post: null); return true;
                case "ReduceL2": LowerReduceComposite(node, where, pre: "Square", reduce: "ReduceSum", post: "Sqrt"); return true;
                case "ReduceSumSquare": LowerReduceComposite(node, where, pre: "Square", reduce: "ReduceSum", post: null); return true;
                case "ReduceLogSum": LowerReduceComposite(node, where, pre: null, reduce: "ReduceSum", post: "Log"); return true;
                case "ReduceLogSumExp": LowerReduceLogSumExp(node, where); return true;
                case "LayerNormalization": LowerLayerNormalization(node, where); return true;
                case "InstanceNormalization": LowerInstanceNormalization(node, where); return true;
                case "GroupNormalization": LowerGroupNormalization(node, where); return true;
                case "LRN": LowerLrn(node, where); return true;
                default: return false;
            }
        }

        /// <summary>A name for an intermediate part of <paramref name="parent"/> that no model name can collide with.</summary>
        private string PartName(OnnxNode parent, string part)
        {
            string name;
            do name = $"{parent.Outputs.FirstOrDefault()}\u241Fpcg{++_partCounter}:{part}";
            while (_values.ContainsKey(name));
            return name;
        }

        /// <summary>Lowers one part of a composite node; returns its output name (a fresh one unless <paramref name="output"/>).</summary>
        private string Part(OnnxNode parent, string opType, string part, string[] inputs, string? output = null, params OnnxAttribute[] attributes)
        {
            var node = new OnnxNode { OpType = opType, Name = $"{(parent.Name.Length > 0 ? parent.Name : parent.OpType)}/{part}" };
            node.Inputs.AddRange(inputs);
            node.Outputs.Add(output ?? PartName(parent, part));
            node.Attributes.AddRange(attributes);
            // An unnamed parent is named by its index, as Describe names it, so the diagnostic still says which node it is.
            LowerNode(node, -1, parent.Name.Length > 0 ? null : $"{Describe(parent, _nodeIndex)}, part '{Text.Quote(part)}' ({Text.Quote(opType)})");
            return node.Outputs[0];
        }

        private string FloatConstantPart(OnnxNode parent, string part, int[] shape, float[] data)
        {
            string name = PartName(parent, part);
            Define(name, NewConstant(name, shape, data), "constant");
            return name;
        }

        private string IntConstantPart(OnnxNode parent, string part, long[] data)
        {
            string name = PartName(parent, part);
            Define(name, IntConstant(name, new[] { data.Length }, data), "constant");
            return name;
        }

        private static OnnxAttribute IntAttribute(string name, long value) => new OnnxAttribute { Name = name, Type = OnnxAttributeType.Int, I = value };

        private static OnnxAttribute IntsAttribute(string name, IEnumerable<long> values)
        {
            var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        /// <summary>A reduction part over <paramref name="axes"/> (null: all), with the axes where this opset wants them.</summary>
        private string ReducePart(OnnxNode parent, string op, string part, string input, long[]? axes, bool keepDims, string? output = null)
        {
            bool axesAsInput = _opset >= (op == "ReduceSum" ? 13 : 18);
            var keep = IntAttribute("keepdims", keepDims ? 1 : 0);
            if (axes == null) return Part(parent, op, part, new[] { input }, output, keep);
            return axesAsInput
                ? Part(parent, op, part, new[] { input, IntConstantPart(parent, part + "_axes", axes) }, output, keep)
                : Part(parent, op, part, new[] { input }, output, keep, IntsAttribute("axes", axes));
        }

        // ---- Mean ----

        private void LowerMean(OnnxNode node, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            if (node.Inputs.Count == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Mean needs at least one input");
            if (node.Inputs.Count == 1)
            {
                var x = Input(node, 0, where);
                RequireFloat(x, where);
                DefineOutput(node, 0, View(x, x.Shape, node), where);
                return;
            }
            // The sum, then one division by the count (as ONNX Runtime computes it).
            string sum = Part(node, "Sum", "sum", node.Inputs.ToArray());
            string count = FloatConstantPart(node, "count", Array.Empty<int>(), new[] { (float)node.Inputs.Count });
            Part(node, "Div", "mean", new[] { sum, count }, node.Outputs[0]);
        }

        // ---- reductions composed of a map, ReduceSum and a map ----

        /// <summary>Axes and keepdims of a reduction node, from its attribute or its input 1 (as this opset has them).</summary>
        private (long[]? Axes, bool KeepDims, bool Noop) ReduceArguments(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            bool axesAsInput = _opset >= 18;
            if (axesAsInput) attrs.OnlyKnown("keepdims", "noop_with_empty_axes");
            else attrs.OnlyKnown("keepdims", "axes");
            long[]? axes = axesAsInput
                ? OptionalInput(node, 1, where) is IrValue a ? ConstantInts(a, "axes", where) : null
                : attrs.Ints("axes")?.ToArray();
            if (axes != null && axes.Length == 0) axes = null;
            return (axes, attrs.Int("keepdims", 1) != 0, axes == null && attrs.Int("noop_with_empty_axes", 0) != 0);
        }

        private void LowerReduceComposite(OnnxNode node, string where, string? pre, string reduce, string? post)
        {
            var (axes, keep, noop) = ReduceArguments(node, where);
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            string input = node.Inputs[0];
            if (pre == "Square") input = Part(node, "Mul", "square", new[] { input, input });
            else if (pre != null) input = Part(node, pre, pre.ToLowerInvariant(), new[] { input });
            if (noop)
            {
                // noop_with_empty_axes: the map alone (ONNX's function bodies apply it and skip the reduction).
                if (post == null) Part(node, "Identity", "noop", new[] { input }, node.Outputs[0]);
                else Part(node, post, post.ToLowerInvariant(), new[] { input }, node.Outputs[0]);
                return;
            }
            if (post == null) ReducePart(node, reduce, "sum", input, axes, keep, node.Outputs[0]);
            else Part(node, post, post.ToLowerInvariant(), new[] { ReducePart(node, reduce, "sum", input, axes, keep) }, node.Outputs[0]);
        }

        /// <summary>
        /// log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m the maximum over the same axes, so large inputs
        /// do not overflow (ONNX Runtime does the same); a slice of -inf values gives -inf.
        /// </summary>
        private void LowerReduceLogSumExp(OnnxNode node, string where)
        {
            var (axes, keep, noop) = ReduceArguments(node, where);
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            if (noop)
            {
                Part(node, "Identity", "noop", new[] { node.Inputs[0] }, node.Outputs[0]);
                return;
            }
            string max = ReducePart(node, "ReduceMax", "max", node.Inputs[0], axes, keepDims: true);
            // An infinite maximum would turn x - m into NaN: shift by 0 there instead (the result is then +-inf as it should be).
            string finiteMax = Part(node, "Where", "finite_max", new[]
            {
                Part(node, "Less", "max_is_finite", new[] { Part(node, "Abs", "abs_max", new[] { max }), FloatConstantPart(node, "inf", Array.Empty<int>(), new[] { float.PositiveInfinity }) }),
                max,
                FloatConstantPart(node, "zero", Array.Empty<int>(), new[] { 0f }),
            });
            string shifted = Part(node, "Sub", "shifted", new[] { node.Inputs[0], finiteMax });
            string sum = ReducePart(node, "ReduceSum", "sum", Part(node, "Exp", "exp", new[] { shifted }), axes, keep);
            string log = Part(node, "Log", "log", new[] { sum });
            string m = keep ? finiteMax : ReducePart(node, "ReduceMax", "max_dropped", finiteMax, axes, keepDims: false);
            Part(node, "Add", "logsumexp", new[] { log, m }, node.Outputs[0]);
        }

        // ---- normalisations ----

        /// <summary>
        /// LayerNormalization (opset 17): over the axes from 'axis' to the last, y = (x - mean) / sqrt(var + epsilon) *
        /// scale + bias, computed as ONNX's function body does (mean of the squared deviations); Mean and InvStdDev too when asked.
        /// </summary>
        private void LowerLayerNormalization(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("axis", "epsilon", "stash_type");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            int axis = NormalizeAxes(new[] { attrs.Int("axis", -1) }, rank, where)[0];
            if (axis == 0 && x.IsBatched) throw BatchMix(where, "it normalises over the batch dim");
            var axes = Enumerable.Range(axis, rank - axis).Select(a => (long)a).ToArray();
            float epsilon = attrs.Float("epsilon", 1e-5f);
            string normalised = Normalise(node, node.Inputs[0], axes, epsilon, out string mean, out string std);
            // The optional outputs: Mean and InvStdDev, with the reduced axes kept as size 1.
            if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0) Part(node, "Identity", "mean_out", new[] { mean }, node.Outputs[1]);
            if (node.Outputs.Count > 2 && node.Outputs[2].Length > 0) Part(node, "Reciprocal", "inv_std_dev", new[] { std }, node.Outputs[2]);
            string scaled = Part(node, "Mul", "scale", new[] { normalised, node.Inputs[1] });
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0) Part(node, "Add", "bias", new[] { scaled, node.Inputs[2] }, node.Outputs[0]);
            else Part(node, "Identity", "out", new[] { scaled }, node.Outputs[0]);
        }

        /// <summary>InstanceNormalization: per sample and channel over the spatial axes, then a per-channel scale and bias.</summary>
        private void LowerInstanceNormalization(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("epsilon");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            if (rank < 3) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: InstanceNormalization needs an [N, C, spatial...] input");
            int channels = x.Shape[1];
            var scale = Input(node, 1, where);
            var bias = Input(node, 2, where);
            if (scale.Count != channels || bias.Count != channels)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: scale and bias must have {channels} values (one per channel)");
            var axes = Enumerable.Range(2, rank - 2).Select(a => (long)a).ToArray();
            string normalised = Normalise(node, node.Inputs[0], axes, attrs.Float("epsilon", 1e-5f), out _, out _);
            // [C] -> [C, 1, ...]: broadcast along the spatial axes.
            var perChannel = new long[] { channels }.Concat(Enumerable.Repeat(1L, rank - 2)).ToArray();
            string shapeName = IntConstantPart(node, "channel_shape", perChannel);
            string s = Part(node, "Reshape", "scale_shape", new[] { node.Inputs[1], shapeName });
            string b = Part(node, "Reshape", "bias_shape", new[] { node.Inputs[2], shapeName });
            Part(node, "Add", "bias", new[] { Part(node, "Mul", "scale", new[] { normalised, s }), b }, node.Outputs[0]);
        }

        /// <summary>
        /// GroupNormalization: x [N, C, spatial...] viewed as [N, G, C/G * spatial], normalised over the last axis, viewed
        /// back; then the scale and bias, per channel from opset 21 and per group before it (where they have G values).
        /// </summary>
        private void LowerGroupNormalization(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("epsilon", "num_groups", "stash_type");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            if (rank < 3) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: GroupNormalization needs an [N, C, spatial...] input");
            if (attrs.Int("stash_type", 1) != 1)
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType, $"{where}: stash_type {attrs.Int("stash_type", 1)} asks for statistics in a type other than float32");
            int channels = x.Shape[1];
            long groups = attrs.Int("num_groups", 0);
            if (groups <= 0 || groups > channels || channels % groups != 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: num_groups {groups} does not divide the {channels} channels");
            bool perChannel = _opset >= 21;
            int expected = perChannel ? channels : (int)groups;
            var scale = Input(node, 1, where);
            var bias = Input(node, 2, where);
            if (scale.Count != expected || bias.Count != expected)
                throw new ModelCompileException(DiagnosticIds.InvalidNode,
                    $"{where}: scale and bias must have {expected} values (one per {(perChannel ? "channel" : "group")} at opset {_opset})");
            string grouped = Part(node, "Reshape", "grouped", new[] { node.Inputs[0], IntConstantPart(node, "grouped_shape", new long[] { 0, groups, -1 }) });
            string normalised = Normalise(node, grouped, new long[] { 2 }, attrs.Float("epsilon", 1e-5f), out _, out _);
            var back = new long[] { 0 }.Concat(x.Shape.Skip(1).Select(d => (long)d)).ToArray();
            if (!perChannel)
            {
                string groupShape = IntConstantPart(node, "group_shape", new long[] { groups, 1 });
                string g = Part(node, "Add", "bias", new[]
                {
                    Part(node, "Mul", "scale", new[] { normalised, Part(node, "Reshape", "scale_shape", new[] { node.Inputs[1], groupShape }) }),
                    Part(node, "Reshape", "bias_shape", new[] { node.Inputs[2], groupShape }),
                });
                Part(node, "Reshape", "ungrouped", new[] { g, IntConstantPart(node, "shape", back) }, node.Outputs[0]);
                return;
            }
            string ungrouped = Part(node, "Reshape", "ungrouped", new[] { normalised, IntConstantPart(node, "shape", back) });
            string channelShape = IntConstantPart(node, "channel_shape", new long[] { channels }.Concat(Enumerable.Repeat(1L, rank - 2)).ToArray());
            string s = Part(node, "Reshape", "scale_shape", new[] { node.Inputs[1], channelShape });
            string b = Part(node, "Reshape", "bias_shape", new[] { node.Inputs[2], channelShape });
            Part(node, "Add", "bias", new[] { Part(node, "Mul", "scale", new[] { ungrouped, s }), b }, node.Outputs[0]);
        }

        /// <summary>
        /// LRN across channels: y = x / (bias + alpha / size * sum of x^2 over the channels c - floor((size-1)/2) ..
        /// c + ceil((size-1)/2))^beta. The window sum is an AveragePool over x^2 viewed as [N, 1, C, spatial] with
        /// count_include_pad (a mean over exactly size channels, the missing ones zero), so alpha / size * sum = alpha * mean.
        /// </summary>
        private void LowerLrn(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("alpha", "beta", "bias", "size");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = x.Shape.Length;
            if (rank < 3) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: LRN needs an [N, C, spatial...] input");
            long size = attrs.Int("size", 0);
            if (size <= 0 || size > 4096) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: LRN needs a 'size' of 1 to 4096, got {size}");
            float alpha = attrs.Float("alpha", 1e-4f), beta = attrs.Float("beta", 0.75f), bias = attrs.Float("bias", 1f);
            string squared = Part(node, "Mul", "squared", new[] { node.Inputs[0], node.Inputs[0] });
            string stacked = Part(node, "Reshape", "channels_as_rows", new[] { squared, IntConstantPart(node, "rows_shape", new long[] { 0, 1, x.Shape[1], -1 }) });
            long before = (size - 1) / 2, after = size - 1 - before;
            string mean = Part(node, "AveragePool", "window_mean", new[] { stacked }, null,
                IntsAttribute("kernel_shape", new[] { size, 1L }), IntsAttribute("pads", new[] { before, 0L, after, 0L }), IntAttribute("count_include_pad", 1));
            string back = Part(node, "Reshape", "window_mean_shape", new[] { mean, IntConstantPart(node, "shape", new long[] { 0 }.Concat(x.Shape.Skip(1).Select(d => (long)d)).ToArray()) });
            string scaled = Part(node, "Add", "bias", new[]
            {
                Part(node, "Mul", "alpha", new[] { back, FloatConstantPart(node, "alpha_value", Array.Empty<int>(), new[] { alpha }) }),
                FloatConstantPart(node, "bias_value", Array.Empty<int>(), new[] { bias }),
            });
            string power = Part(node, "Pow", "power", new[] { scaled, FloatConstantPart(node, "beta_value", Array.Empty<int>(), new[] { beta }) });
            Part(node, "Div", "normalised", new[] { node.Inputs[0], power }, node.Outputs[0]);
        }

        /// <summary>(x - mean) / sqrt(mean((x - mean)^2) + epsilon) over <paramref name="axes"/>.</summary>
        private string Normalise(OnnxNode node, string x, long[] axes, float epsilon, out string mean, out string std)
        {
            mean = ReducePart(node, "ReduceMean", "mean", x, axes, keepDims: true);
            string deviation = Part(node, "Sub", "deviation", new[] { x, mean });
            string variance = ReducePart(node, "ReduceMean", "variance", Part(node, "Mul", "squared", new[] { deviation, deviation }), axes, keepDims: true);
            string eps = FloatConstantPart(node, "epsilon", Array.Empty<int>(), new[] { epsilon });
            std = Part(node, "Sqrt", "std", new[] { Part(node, "Add", "variance_eps", new[] { variance, eps }) });
            return Part(node, "Div", "normalised", new[] { deviation, std });
        }
    }
}
