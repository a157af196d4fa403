using System;
using PrunedCodegen.Onnx;
using PrunedCodegen.Training.Graph;

namespace PrunedCodegen.Training.Ops;

/// <summary>
/// The sliding-window geometry shared by Conv, MaxPool and AveragePool over NCHW inputs: kernel, strides,
/// dilations and pads (explicit or auto_pad), and the output size they give.
/// </summary>
internal sealed class Window2D
{
    private readonly int[] _pads;          // top, left, bottom, right (explicit pads)
    private readonly string _autoPad;

    public Window2D(OnnxNode node, int[]? kernel, bool ceilMode)
    {
        string where = NodeAttributes.Describe(node);
        Kernel = NodeAttributes.Ints(node, "kernel_shape") ?? kernel
            ?? throw new TrainingException($"{where}: kernel_shape is missing.");
        if (Kernel.Length != 2)
            throw new TrainingException($"{where}: only 2-D windows (NCHW inputs) are supported for training, kernel_shape has {Kernel.Length} dims.");
        if (kernel != null && (kernel[0] != Kernel[0] || kernel[1] != Kernel[1]))
            throw new TrainingException($"{where}: kernel_shape [{Kernel[0]}, {Kernel[1]}] differs from the weight's [{kernel[0]}, {kernel[1]}].");
        Strides = NodeAttributes.Ints(node, "strides") ?? new[] { 1, 1 };
        Dilations = NodeAttributes.Ints(node, "dilations") ?? new[] { 1, 1 };
        _pads = NodeAttributes.Ints(node, "pads") ?? new[] { 0, 0, 0, 0 };
        _autoPad = NodeAttributes.String(node, "auto_pad", "NOTSET");
        CeilMode = ceilMode;
        if (Strides.Length != 2 || Dilations.Length != 2 || _pads.Length != 4)
            throw new TrainingException($"{where}: strides, dilations and pads must have 2, 2 and 4 entries.");
        if (Strides[0] < 1 || Strides[1] < 1 || Dilations[0] < 1 || Dilations[1] < 1 || Array.Exists(_pads, p => p < 0))
            throw new TrainingException($"{where}: strides and dilations must be positive and pads non-negative.");
        if (_autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
            throw new TrainingException($"{where}: auto_pad '{_autoPad}' is not supported.");
    }

    public int[] Kernel { get; }

    public int[] Strides { get; }

    public int[] Dilations { get; }

    public bool CeilMode { get; }

    /// <summary>Output size, and the padding before and after, for input size <paramref name="size"/> along <paramref name="dim"/> (0 = H, 1 = W).</summary>
    public (int Output, int PadBegin, int PadEnd) Along(int dim, int size, string where)
    {
        int k = Kernel[dim], s = Strides[dim], d = Dilations[dim];
        int span = d * (k - 1) + 1;
        int begin, end;
        switch (_autoPad)
        {
            case "VALID":
                begin = end = 0;
                break;
            case "SAME_UPPER":
            case "SAME_LOWER":
            {
                int output = (size + s - 1) / s;
                int total = Math.Max((output - 1) * s + span - size, 0);
                begin = _autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                end = total - begin;
                break;
            }
            default:
                begin = _pads[dim];
                end = _pads[dim + 2];
                break;
        }
        int extent = size + begin + end - span;
        if (extent < 0)
            throw new TrainingException($"{where}: the window ({span}) is larger than the padded input ({size + begin + end}).");
        int count = CeilMode ? (extent + s - 1) / s + 1 : extent / s + 1;
        if (CeilMode && (count - 1) * s >= size + begin)
            count--;                                         // the last window must start inside the input or the left padding
        return (count, begin, end);
    }
}
