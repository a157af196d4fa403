using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// The fraction of a dense layer's inputs expected to be exactly 0, which prices the skip-zeros kernel
    /// (<see cref="KernelKind.DenseSkipZeros"/>). Documented defaults, no measurement: a ReLU (or a Clip whose lower
    /// bound is 0, as ReLU6) zeroes about half of its outputs in trained networks, so a layer fed by one (fused into
    /// the layer or convolution before it, or as its own op, through reshapes) expects <see cref="AfterRelu"/>; a model
    /// input expects <see cref="ModelInput"/>, although image inputs often have a zero background (the digits test
    /// images: 49% zeros, MNIST about 80%): calibration data in the model's metadata would say so, which pcg does not
    /// write yet. Anything else (a max pool after a ReLU included): none.
    /// </summary>
    internal static class InputZeros
    {
        public const double AfterRelu = 0.5;
        public const double ModelInput = 0.0;

        public static double Expected(IrGraph graph, IrValue input)
        {
            var root = input.Root;
            var producer = graph.Ops.LastOrDefault(op => op.Output.Root == root);
            var activation = producer switch
            {
                DenseOp d => d.Activation,
                ConvOp c => c.Activation,
                UnaryOp u => u.Activation,
                _ => Activation.None,
            };
            if (producer == null) return ModelInput;
            bool zeroes = activation.Kind == ActivationKind.Relu || (activation.Kind == ActivationKind.Clip && activation.Min == 0f && activation.Max > 0f);
            return zeroes ? AfterRelu : 0.0;
        }
    }
}
