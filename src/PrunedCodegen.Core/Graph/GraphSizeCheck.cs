using System;
using System.Collections.Generic;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    /// <summary>
    /// Checks an ONNX graph against <see cref="ModelLimits"/> before anything is lowered: node count, depth, and the
    /// weight bytes its initializers and Constant nodes declare. One pass over the nodes, no tensor data touched, so a
    /// hostile file is refused in time proportional to its size.
    /// </summary>
    internal static class GraphSizeCheck
    {
        public static void Run(OnnxGraph graph)
        {
            CheckInputsAndOutputs(graph);
            if (graph.Nodes.Count > ModelLimits.MaxNodes)
                throw new ModelCompileException(DiagnosticIds.GraphTooLarge, $"the graph has {graph.Nodes.Count} nodes; the limit is {ModelLimits.MaxNodes}");

            long weightBytes = 0;
            foreach (var init in graph.Initializers)
                weightBytes = AddWeights(weightBytes, init);

            // Depth of every value: 0 for graph inputs and initializers, 1 + the deepest input for a node's outputs.
            var depth = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int index = 0; index < graph.Nodes.Count; index++)
            {
                var node = graph.Nodes[index];
                int d = 0;
                foreach (var input in node.Inputs)
                    if (depth.TryGetValue(input, out int inputDepth) && inputDepth > d)
                        d = inputDepth;
                d++;
                if (d > ModelLimits.MaxGraphDepth)
                    throw new ModelCompileException(DiagnosticIds.GraphTooLarge,
                        $"the graph is deeper than {ModelLimits.MaxGraphDepth} nodes ({GraphBuilder.Describe(node, index)} is at depth {d})");
                foreach (var output in node.Outputs)
                    depth[output] = d;
                foreach (var attribute in node.Attributes)
                    if (attribute.T != null)
                        weightBytes = AddWeights(weightBytes, attribute.T);
                    else if (attribute.Floats.Count > 0)
                        weightBytes = Add(weightBytes, 4L * attribute.Floats.Count);
            }
        }

        /// <summary>
        /// Refuses a graph whose Predict would take more spans than the runtime accepts (see
        /// <see cref="ModelLimits.MaxInputsAndOutputs"/>). Inputs that are also initializers (older exporters list
        /// every weight as an input) are not parameters and do not count.
        /// </summary>
        private static void CheckInputsAndOutputs(OnnxGraph graph)
        {
            int outputs = graph.Outputs.Count;
            if (outputs > ModelLimits.MaxInputsAndOutputs)
                throw TooManyParameters(graph.Inputs.Count + outputs, outputs);
            var initializers = new HashSet<string>(StringComparer.Ordinal);
            foreach (var init in graph.Initializers) initializers.Add(init.Name);
            int inputs = 0;
            foreach (var input in graph.Inputs)
                if (!initializers.Contains(input.Name)) inputs++;
            if (inputs + outputs > ModelLimits.MaxInputsAndOutputs)
                throw TooManyParameters(inputs + outputs, outputs);
        }

        private static ModelCompileException TooManyParameters(int total, int outputs) =>
            new ModelCompileException(DiagnosticIds.GraphTooLarge,
                $"the graph has {total} inputs and outputs ({outputs} outputs); the limit is {ModelLimits.MaxInputsAndOutputs}, " +
                "because Predict takes one span per input and output and the .NET runtime refuses methods with thousands of parameters; " +
                "concatenate outputs in the model (Concat) so that it returns a few larger tensors");

        /// <summary>Adds a tensor's declared size; tensors with invalid or oversized dims are left to the builder's PCG0008.</summary>
        private static long AddWeights(long total, OnnxTensor tensor)
        {
            long count = 1;
            foreach (long d in tensor.Dims)
            {
                if (d < 0 || d > ModelLimits.MaxTensorElements)
                    return total;
                count *= d;
                if (count > ModelLimits.MaxTensorElements)
                    return total;
            }
            return Add(total, 4 * count);
        }

        private static long Add(long total, long bytes)
        {
            total += bytes;
            if (total > ModelLimits.MaxWeightBytes)
                throw WeightsTooLarge(total);
            return total;
        }

        public static ModelCompileException WeightsTooLarge(long bytes) =>
            new ModelCompileException(DiagnosticIds.WeightsTooLarge,
                $"the model's weights take {bytes} bytes or more (initializers, Constant nodes and constants folded at build time); the limit is {ModelLimits.MaxWeightBytes} bytes");
    }
}
