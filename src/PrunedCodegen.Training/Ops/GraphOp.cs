using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

/// <summary>
/// One ONNX node as the engine runs it: a forward function and its vector-Jacobian product. Ops are stateless;
/// the graph keeps each forward pass's values and hands them back to <see cref="Backward"/>.
/// </summary>
internal abstract class GraphOp
{
    protected GraphOp(string description, string[] inputs, string output)
    {
        Description = description;
        Inputs = inputs;
        Output = output;
    }

    /// <summary>Op type and node name, for error messages.</summary>
    public string Description { get; }

    /// <summary>The values read at run time (activations and parameters); constant operands are baked in.</summary>
    public string[] Inputs { get; }

    public string Output { get; }

    public abstract FloatTensor Forward(FloatTensor[] inputs);

    /// <summary>
    /// The gradients of the loss with respect to each input, given the gradient with respect to the output.
    /// Entries whose <paramref name="needed"/> flag is false may be null.
    /// </summary>
    public abstract FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor outputGradient, bool[] needed);

    protected TrainingException Error(string message) => new TrainingException($"{Description}: {message}");
}
