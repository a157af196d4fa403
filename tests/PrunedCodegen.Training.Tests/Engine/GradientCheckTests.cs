using System.Linq;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Tensors;
using PrunedCodegen.Training.Tests.Infrastructure;

namespace PrunedCodegen.Training.Tests.Engine;

/// <summary>Every op's backward pass against central finite differences, for each parameter and for the input.</summary>
public sealed class GradientCheckTests
{
    // Inputs are ≥ 0.025 from any kink and ≥ 0.05 apart, so a step of 0.01 never crosses one.
    private const float Step = 1e-2f;

    public static TheoryData<string> OpNames() => new(OpModels.All().Select(m => m.Name));

    [Theory]
    [MemberData(nameof(OpNames))]
    public void Op_gradients_match_finite_differences(string name)
    {
        OpModel m = OpModels.Get(name);
        TrainableGraph graph = TrainableGraph.Load(m.Onnx);
        var input = new FloatTensor(m.InputShape.Select(d => (int)d).ToArray(), (float[])m.Input.Clone());
        FloatTensor y = graph.Forward(input);
        float[] projection = TestData.Uniform(y.Length, 99);

        graph.ComputeInputGradient = true;
        graph.ZeroGradients();
        graph.Forward(input);
        graph.Backward(new FloatTensor((int[])y.Shape.Clone(), projection));
        float[] inputGradient = graph.InputGradient!.Data;

        double Objective() => FiniteDifferences.Projected(graph, input, projection);
        FiniteDifferences.AssertClose("d/dx", inputGradient, FiniteDifferences.Gradient(input.Data, Objective, Step), 2e-3, 2e-2);
        foreach (Parameter p in graph.Parameters)
        {
            float[] analytic = (float[])p.Gradient.Clone();
            FiniteDifferences.AssertClose("d/d" + p.Name, analytic, FiniteDifferences.Gradient(p.Value.Data, Objective, Step), 2e-3, 2e-2);
        }
        Assert.NotEmpty(inputGradient);
    }
}
