using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // Lowering of the convolutional ops: Conv, MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool and
    // BatchNormalization (inference). Tensors are [N, C, spatial...] with 1 to 3 spatial dims.
    internal sealed partial class GraphBuilder
    {
        /// <summary>The convolutional ops this builder lowers (listed with <see cref="SupportedOps"/>).</summary>
        public static readonly IReadOnlyList<string> ConvolutionalOps = new[]
        {
            "Conv", "MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool", "BatchNormalization",
        }.Concat(UpsamplingOps).ToArray();

        private bool TryLowerConvolutional(OnnxNode node, string where)
        {
            switch (node.OpType)
            {
                case "Conv": LowerConv(node, where); return true;
                case "MaxPool": LowerPool(node, PoolKind.Max, where); return true;
                case "AveragePool": LowerPool(node, PoolKind.Average, where); return true;
                case "GlobalMaxPool": LowerGlobalPool(node, PoolKind.Max, where); return true;
                case "GlobalAveragePool": LowerGlobalPool(node, PoolKind.Average, where); return true;
                case "BatchNormalization": LowerBatchNorm(node, where); return true;
                default: return TryLowerUpsampling(node, where); // Resize, Upsample, ConvTranspose (GraphBuilder.Upsampling.cs)
            }
        }

        private void LowerConv(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
            var x = Input(node, 0, where);
            var w = Input(node, 1, where);
            var b = OptionalInput(node, 2, where);
            RequireFloat(x, where); RequireFloat(w, where);
            if (b != null) RequireFloat(b, where);
            int rank = SpatialRank(x, where);
            if (w.Shape.Length != rank + 2)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: W has shape {Shapes.Format(w.Shape)}; expected rank {rank + 2} for input {Shapes.Format(x.Shape)}");
            if (w.IsBatched || (b != null && b.IsBatched)) throw BatchMix(where, "the weights depend on the batch");
            int group = checked((int)attrs.Int("group", 1));
            int channels = x.Shape[1], filters = w.Shape[0];
            if (group < 1 || channels % group != 0 || filters % group != 0 || w.Shape[1] * group != channels)
                throw new ModelCompileException(DiagnosticIds.InvalidNode,
                    $"{where}: group {group} does not fit {channels} input channels, W {Shapes.Format(w.Shape)}");
            if (b != null && b.Count != filters)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: B has {b.Count} values for {filters} filters");
            var kernel = w.Shape.Skip(2).ToArray();
            var declared = attrs.Ints("kernel_shape");
            if (declared != null && !declared.Select(v => (int)v).SequenceEqual(kernel))
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: kernel_shape [{string.Join(",", declared)}] disagrees with W {Shapes.Format(w.Shape)}");

            var geometry = Window(attrs, x, kernel, ceilMode: false, where);
            geometry.OutChannels = filters;
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", OutputShape(x, filters, geometry), x.IsBatched);
            var conv = new ConvOp(x, y, geometry, group, Source(node));
            if (w.Kind == ValueKind.Constant && (b == null || b.Kind == ValueKind.Constant))
            {
                conv.Weights = w.Data!.ToArray();
                conv.Bias = b?.Data!.ToArray();
            }
            else
            {
                conv.WeightInput = w;
                conv.BiasInput = b;
            }
            _graph.Ops.Add(conv);
            DefineOutput(node, 0, y, where);
        }

        private void LowerPool(OnnxNode node, PoolKind kind, string where)
        {
            var attrs = new NodeAttributes(node, where);
            if (kind == PoolKind.Max) attrs.OnlyKnown("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides");
            else attrs.OnlyKnown("auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides");
            if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType, $"{where}: the Indices output (int64) of MaxPool is not supported");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = SpatialRank(x, where);
            var kernel = attrs.Ints("kernel_shape")
                ?? throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: kernel_shape is required");
            CheckCount(kernel, "kernel_shape", rank, where);
            for (int i = 0; i < rank; i++)
                CheckRange(kernel[i], "kernel_shape", i, 1, x.Shape.Max() + 1024L, where);
            var geometry = Window(attrs, x, kernel.Select(k => (int)k).ToArray(), attrs.Int("ceil_mode", 0) != 0, where);
            geometry.OutChannels = x.Shape[1];
            bool includePad = attrs.Int("count_include_pad", 0) != 0;
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", OutputShape(x, x.Shape[1], geometry), x.IsBatched);
            _graph.Ops.Add(new PoolOp(kind, includePad, global: false, x, y, geometry, Source(node)));
            DefineOutput(node, 0, y, where);
        }

        private void LowerGlobalPool(OnnxNode node, PoolKind kind, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            int rank = SpatialRank(x, where);
            var geometry = Geometry(x, rank);
            geometry.Kernel = geometry.In.ToArray();
            geometry.OutChannels = x.Shape[1];
            var shape = x.Shape.Select((d, i) => i < 2 ? d : 1).ToArray();
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", shape, x.IsBatched);
            _graph.Ops.Add(new PoolOp(kind, countIncludePad: false, global: true, x, y, geometry, Source(node)));
            DefineOutput(node, 0, y, where);
        }

        private void LowerBatchNorm(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs");
            if (attrs.Int("training_mode", 0) != 0 || node.Outputs.Skip(1).Any(o => o.Length > 0))
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: BatchNormalization in training mode (batch statistics, running-mean outputs) is not supported; export the model in eval mode");
            if (attrs.Int("spatial", 1) != 1)
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: BatchNormalization with spatial=0 is not supported");
            if (_opset < 9 && attrs.Int("is_test", 1) == 0 && attrs.Has("is_test"))
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: BatchNormalization with is_test=0 (training) is not supported");
            float epsilon = attrs.Float("epsilon", 1e-5f);
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            if (x.Shape.Length < 2)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: X must be [N, C, ...], got {Shapes.Format(x.Shape)}");
            int channels = x.Shape[1];
            var parameters = new IrValue[4];
            for (int i = 0; i < 4; i++)
            {
                parameters[i] = Input(node, i + 1, where);
                RequireFloat(parameters[i], where);
                if (parameters[i].Count != channels || parameters[i].IsBatched)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: input {i + 1} has {parameters[i].Count} values for {channels} channels");
            }
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", x.Shape, x.IsBatched);
            var op = new BatchNormOp(x, y, x.Shape[0], channels, Shapes.Product(x.Shape, 2, x.Shape.Length), epsilon, Source(node));
            if (parameters.All(p => p.Kind == ValueKind.Constant))
            {
                // Per channel: y = x * s / sqrt(var + eps) + (B - mean * s / sqrt(var + eps)), in double like the fold.
                var (multiplier, shift) = BatchNormAffine(parameters[0].Data!, parameters[1].Data!, parameters[2].Data!, parameters[3].Data!, epsilon);
                op.Multiplier = multiplier;
                op.Shift = shift;
            }
            else
            {
                op.Parameters = parameters;
            }
            _graph.Ops.Add(op);
            DefineOutput(node, 0, y, where);
        }

        /// <summary>Inference BatchNorm as a per-channel affine map.</summary>
        public static (float[] Multiplier, float[] Shift) BatchNormAffine(float[] scale, float[] bias, float[] mean, float[] variance, float epsilon)
        {
            var multiplier = new float[scale.Length];
            var shift = new float[scale.Length];
            for (int c = 0; c < scale.Length; c++)
            {
                double m = scale[c] / Math.Sqrt((double)variance[c] + epsilon);
                multiplier[c] = (float)m;
                shift[c] = (float)(bias[c] - mean[c] * m);
            }
            return (multiplier, shift);
        }

        private static int SpatialRank(IrValue x, string where)
        {
            int rank = x.Shape.Length - 2;
            if (rank < 1 || rank > WindowGeometry.SpatialDims)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: input {Shapes.Format(x.Shape)} must be [N, C, spatial] with 1 to 3 spatial dims");
            return rank;
        }

        private static WindowGeometry Geometry(IrValue x, int rank)
        {
            var g = new WindowGeometry { Images = x.Shape[0], InChannels = x.Shape[1], Rank = rank };
            g.In = new int[WindowGeometry.SpatialDims];
            for (int d = 0; d < WindowGeometry.SpatialDims; d++)
                g.In[d] = d < WindowGeometry.SpatialDims - rank ? 1 : x.Shape[2 + d - (WindowGeometry.SpatialDims - rank)];
            g.Out = g.In.ToArray();
            return g;
        }

        private static int[] OutputShape(IrValue x, int channels, WindowGeometry g) =>
            new[] { x.Shape[0], channels }.Concat(g.Out.Skip(WindowGeometry.SpatialDims - g.Rank)).ToArray();

        /// <summary>A window attribute (kernel_shape, strides, dilations, pads, output_padding) given with the wrong number of values.</summary>
        private static void CheckCount(IReadOnlyList<long>? values, string name, int expected, string where)
        {
            if (values != null && values.Count != expected)
            {
                string per = name == "pads" ? "a begin and an end per spatial dim" : "one per spatial dim";
                throw new ModelCompileException(DiagnosticIds.InvalidNode,
                    $"{where}: {name} has {values.Count} values, expected {expected} ({per} of the {expected / (name == "pads" ? 2 : 1)}-D input)");
            }
        }

        /// <summary>One value of a window attribute outside what it may be, named with its index.</summary>
        private static void CheckRange(long value, string name, int index, long min, long max, string where)
        {
            if (value < min || value > max)
            {
                string range = max == int.MaxValue ? $"at least {min}" : $"{min} to {max}";
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: {name}[{index}] is {value}; it must be {range}");
            }
        }

        /// <summary>Strides, dilations and pads (explicit or auto_pad) resolved to begin/end pads and output dims.</summary>
        private static WindowGeometry Window(NodeAttributes attrs, IrValue x, int[] kernel, bool ceilMode, string where)
        {
            int rank = x.Shape.Length - 2;
            var g = Geometry(x, rank);
            int lead = WindowGeometry.SpatialDims - rank;
            var strides = attrs.Ints("strides");
            var dilations = attrs.Ints("dilations");
            var pads = attrs.Ints("pads");
            string autoPad = attrs.Find("auto_pad") is OnnxAttribute a
                ? (a.Type == OnnxAttributeType.String ? System.Text.Encoding.UTF8.GetString(a.S) : throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: auto_pad must be a string"))
                : "NOTSET";
            CheckCount(strides, "strides", rank, where);
            CheckCount(dilations, "dilations", rank, where);
            CheckCount(pads, "pads", 2 * rank, where);
            if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: auto_pad '{Text.Quote(autoPad)}' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER");
            if (autoPad != "NOTSET" && pads != null && pads.Any(p => p != 0))
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: explicit pads and auto_pad {autoPad} are both given");

            for (int i = 0; i < rank; i++)
            {
                int d = lead + i;
                long k = kernel[i];
                long s = strides?[i] ?? 1, dil = dilations?[i] ?? 1;
                long pb = pads?[i] ?? 0, pe = pads?[i + rank] ?? 0;
                CheckRange(k, "kernel_shape", i, 1, int.MaxValue, where);
                CheckRange(s, "strides", i, 1, int.MaxValue, where);
                CheckRange(dil, "dilations", i, 1, 65536, where);
                CheckRange(pb, "pads", i, 0, 65536, where);
                CheckRange(pe, "pads", i + rank, 0, 65536, where);
                long input = g.In[d], span = (k - 1) * dil + 1, output;
                switch (autoPad)
                {
                    case "SAME_UPPER":
                    case "SAME_LOWER":
                    {
                        output = (input + s - 1) / s;
                        long total = Math.Max(0, (output - 1) * s + span - input);
                        pb = autoPad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
                        pe = total - pb;
                        break;
                    }
                    default:
                    {
                        if (autoPad == "VALID") { pb = 0; pe = 0; }
                        long room = input + pb + pe - span;
                        if (room < 0)
                            throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: the window ({span} wide) is larger than the padded input ({input + pb + pe}) at spatial dim {i}");
                        output = (ceilMode ? (room + s - 1) / s : room / s) + 1;
                        // A window that would start in the end padding is dropped (ONNX and PyTorch agree).
                        if (ceilMode && (output - 1) * s >= input + pb) output--;
                        break;
                    }
                }
                g.Kernel[d] = (int)k;
                g.Stride[d] = (int)s;
                g.Dilation[d] = (int)dil;
                g.PadBegin[d] = (int)pb;
                g.PadEnd[d] = (int)pe;
                g.Out[d] = (int)output;
            }
            Shapes.Count(OutputShape(x, x.Shape[1], g));
            return g;
        }
    }
}
