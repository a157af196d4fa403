using System.Collections.Generic;
using System.Linq;

namespace PrunedCodegen.Graph
{
    /// <summary>
    /// Where a sliding window (convolution or pooling) reads: NC + up to three spatial dims, always stored as
    /// three (D, H, W) with leading 1s for 1-D and 2-D, so one kernel serves every rank. Pads are resolved
    /// (auto_pad applied) at build time; the end pads only shape the output and the average pool's divisor.
    /// </summary>
    internal sealed class WindowGeometry
    {
        public const int SpatialDims = 3;

        public int Images { get; set; }
        public int InChannels { get; set; }
        public int OutChannels { get; set; }
        public int[] In { get; set; } = { 1, 1, 1 };
        public int[] Out { get; set; } = { 1, 1, 1 };
        public int[] Kernel { get; set; } = { 1, 1, 1 };
        public int[] Stride { get; set; } = { 1, 1, 1 };
        public int[] PadBegin { get; set; } = { 0, 0, 0 };
        public int[] PadEnd { get; set; } = { 0, 0, 0 };
        public int[] Dilation { get; set; } = { 1, 1, 1 };

        /// <summary>The ONNX spatial rank (1, 2 or 3) the op was written with, for comments.</summary>
        public int Rank { get; set; }

        public int InPlane => In[0] * In[1] * In[2];
        public int OutPlane => Out[0] * Out[1] * Out[2];
        public int KernelVolume => Kernel[0] * Kernel[1] * Kernel[2];

        public WindowGeometry WithChannels(int inChannels, int outChannels) => new WindowGeometry
        {
            Images = Images, InChannels = inChannels, OutChannels = outChannels, In = In, Out = Out, Kernel = Kernel,
            Stride = Stride, PadBegin = PadBegin, PadEnd = PadEnd, Dilation = Dilation, Rank = Rank,
        };

        /// <summary>
        /// The int table the runtime kernels read: images, in channels, in D/H/W, out channels, out D/H/W,
        /// kernel D/H/W, strides, begin pads, dilations, end pads.
        /// </summary>
        public int[] ToTable() => new[] { Images, InChannels }.Concat(In).Concat(new[] { OutChannels }).Concat(Out)
            .Concat(Kernel).Concat(Stride).Concat(PadBegin).Concat(Dilation).Concat(PadEnd).ToArray();

        public string Spatial(int[] dims) => "[" + string.Join("x", dims.Skip(SpatialDims - Rank).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
    }

    /// <summary>
    /// y = act(bias + W * x): ONNX Conv (1-D, 2-D, 3-D; strides, pads, dilations, groups), possibly with a
    /// BatchNormalization folded in. Weights are [M][C/group][kD][kH][kW] as in ONNX; when the node's W (or B) is a
    /// graph input rather than a constant, the weights are read at run time instead.
    /// </summary>
    internal sealed class ConvOp : IrOp
    {
        public ConvOp(IrValue input, IrValue output, WindowGeometry geometry, int group, string sourceNodes) : base(output, sourceNodes)
        {
            Input = input; Geometry = geometry; Group = group;
        }

        public IrValue Input { get; }
        public WindowGeometry Geometry { get; }
        public int Group { get; }

        /// <summary>Constant weights [M][C/group][kD][kH][kW], or null when <see cref="WeightInput"/> supplies them.</summary>
        public float[]? Weights { get; set; }
        public float[]? Bias { get; set; }
        public IrValue? WeightInput { get; set; }
        public IrValue? BiasInput { get; set; }
        public Activation Activation { get; set; } = Activation.None;

        /// <summary>Filters removed at build time because pruning left them all zero.</summary>
        public int RemovedOutputs { get; set; }

        /// <summary>Input channels removed because the layer before lost those filters.</summary>
        public int RemovedInputs { get; set; }

        public bool HasConstantWeights => WeightInput == null && BiasInput == null;
        public int InPerGroup => Geometry.InChannels / Group;
        public int FilterLength => InPerGroup * Geometry.KernelVolume;

        public override IEnumerable<IrValue> Inputs
        {
            get
            {
                yield return Input;
                if (WeightInput != null) yield return WeightInput;
                if (BiasInput != null) yield return BiasInput;
            }
        }

        public ConvOp Copy(IrValue input, IrValue output, WindowGeometry geometry, int group, float[] weights, float[]? bias) =>
            new ConvOp(input, output, geometry, group, SourceNodes)
            {
                Weights = weights, Bias = bias, Activation = Activation, RemovedOutputs = RemovedOutputs, RemovedInputs = RemovedInputs,
            };
    }

    internal enum PoolKind { Max, Average }

    /// <summary>MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool (a global pool is a window over the whole plane).</summary>
    internal sealed class PoolOp : IrOp
    {
        public PoolOp(PoolKind kind, bool countIncludePad, bool global, IrValue input, IrValue output, WindowGeometry geometry, string sourceNodes)
            : base(output, sourceNodes)
        {
            Kind = kind; CountIncludePad = countIncludePad; Global = global; Input = input; Geometry = geometry;
        }

        public PoolKind Kind { get; }
        public bool CountIncludePad { get; }
        public bool Global { get; }
        public IrValue Input { get; }
        public WindowGeometry Geometry { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return Input; } }

        public PoolOp Copy(IrValue input, IrValue output, WindowGeometry geometry) =>
            new PoolOp(Kind, CountIncludePad, Global, input, output, geometry, SourceNodes);
    }

    /// <summary>
    /// BatchNormalization (inference) over [N, C, spatial...]: y = scale * (x - mean) / sqrt(var + eps) + B. With
    /// constant parameters it is a per-channel affine map (and usually folded into the layer before it); with
    /// runtime parameters the kernel computes the same formula.
    /// </summary>
    internal sealed class BatchNormOp : IrOp
    {
        public BatchNormOp(IrValue input, IrValue output, int images, int channels, int inner, float epsilon, string sourceNodes)
            : base(output, sourceNodes)
        {
            Input = input; Images = images; Channels = channels; Inner = inner; Epsilon = epsilon;
        }

        public IrValue Input { get; }
        public int Images { get; }
        public int Channels { get; }
        public int Inner { get; }
        public float Epsilon { get; }

        /// <summary>Per-channel y = x * Multiplier + Shift when the parameters are constants.</summary>
        public float[]? Multiplier { get; set; }
        public float[]? Shift { get; set; }

        /// <summary>Scale, B, mean, var when they are runtime inputs (then Multiplier and Shift are null).</summary>
        public IrValue[]? Parameters { get; set; }

        public override IEnumerable<IrValue> Inputs
        {
            get
            {
                yield return Input;
                if (Parameters != null) foreach (var p in Parameters) yield return p;
            }
        }
    }
}
