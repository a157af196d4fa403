using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Graph;
using PrunedCodegen.Onnx;
using PrunedCodegen.Passes;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Model
{
    /// <summary>One layer's figures as <c>pcg inspect</c> shows them.</summary>
    public sealed record LayerInspection(
        string Name, string OpType, int Outputs, int Inputs, int Parameters, int Weights, int Zeros,
        double BlockOccupancy, int DeadOutputs, int DeadInputs, long DenseMacs, long NonzeroMacs,
        string? Kernel, double? EstimatedNs)
    {
        public double Sparsity => Weights == 0 ? 0 : (double)Zeros / Weights;
    }

    /// <summary>A model's layers, and the generator's plan for them when the model compiles.</summary>
    public sealed record ModelInspection(IReadOnlyList<LayerInspection> Layers, double? EstimatedNsPerSample, string? PlanError)
    {
        public int Weights => Layers.Sum(l => l.Weights);
        public int Zeros => Layers.Sum(l => l.Zeros);
        public int Parameters => Layers.Sum(l => l.Parameters);
        public double Sparsity => Weights == 0 ? 0 : (double)Zeros / Weights;
        public long DenseMacs => Layers.Sum(l => l.DenseMacs);
        public long NonzeroMacs => Layers.Sum(l => l.NonzeroMacs);
    }

    public static class ModelInspector
    {
        /// <summary>Block height of the occupancy figure: the block-sparse kernel's 8 outputs x 1 input.</summary>
        public const int OccupancyBlock = 8;

        public static ModelInspection Inspect(OnnxModel model)
        {
            var layers = LayerFinder.Find(model);
            var (plans, total, error) = Plan(model);
            bool matched = plans != null && plans.Count == layers.Count;
            var result = layers.Select((l, i) =>
            {
                var m = l.ReadMatrix();
                int zeros = m.Count(w => w == 0f);
                int dead = Enumerable.Range(0, l.Outputs).Count(r => Enumerable.Range(0, l.Inputs).All(c => m[r * l.Inputs + c] == 0f));
                int deadIn = Enumerable.Range(0, l.Inputs).Count(c => Enumerable.Range(0, l.Outputs).All(r => m[r * l.Inputs + c] == 0f));
                int bias = l.Bias == null ? 0 : (int)OnnxTensorData.ElementCount(l.Bias);
                (string Kernel, double Ns)? plan = matched ? plans![i] : null;
                return new LayerInspection(l.Name, l.Node.OpType, l.Outputs, l.Inputs, l.WeightCount + bias, l.WeightCount, zeros,
                    Occupancy(m, l.Outputs, l.Inputs), dead, deadIn, l.WeightCount, l.WeightCount - zeros,
                    plan?.Kernel, plan?.Ns);
            }).ToList();
            return new ModelInspection(result, total, error);
        }

        /// <summary>
        /// The planner's estimate of one single-sample inference, in ns (what the generator's cost model predicts,
        /// after the same passes the generator runs); null with a reason when the model does not compile.
        /// </summary>
        public static (List<(string Kernel, double Ns)>? Plans, double? TotalNs, string? Error) Plan(OnnxModel model)
        {
            try
            {
                // The generator's own pipeline up to the planning stage, so that inspect shows what the generator emits.
                var (graph, modelPlan) = ModelCompiler.Prepare(model, new CompileOptions("Inspected", "", "model.onnx"), CancellationToken.None);
                // One entry per layer with constant weights, in graph order, as LayerFinder lists the Gemm/MatMul/Conv nodes
                // (convolutions too: before, a CNN's dense-only list never matched its layers and inspect showed no kernel).
                var list = new List<(string Kernel, double Ns)>();
                foreach (var op in graph.Ops)
                {
                    if (op is DenseOp d) list.Add((Describe(modelPlan.Dense[d]), modelPlan.Dense[d].ChosenCostNs));
                    else if (op is ConvOp c && c.Weights != null && modelPlan.Conv.TryGetValue(c, out var cp)) list.Add((Describe(c, cp), cp.ChosenCostNs));
                }
                return (list, list.Sum(p => p.Ns), null);
            }
            catch (ModelCompileException e)
            {
                return (null, null, $"{e.Id}: {e.Message}");
            }
            catch (OnnxFormatException e)
            {
                return (null, null, $"{DiagnosticIds.MalformedModel}: {e.Message}");
            }
        }

        private static string Describe(ConvOp c, ConvPlan p) => p.KernelName
            + (c.RemovedOutputs + c.RemovedInputs > 0 ? $" ({c.Geometry.InChannels}->{c.Geometry.OutChannels} channels after dead-filter removal)" : "");

        private static string Describe(LayerPlan p) => p.KernelName + (p.Op.RemovedOutputs + p.Op.RemovedInputs > 0 ? $" ({p.Op.N}x{p.Op.K} after dead-neuron removal)" : "");

        private static double Occupancy(float[] m, int outputs, int inputs)
        {
            int blocks = 0, occupied = 0;
            for (int r0 = 0; r0 < outputs; r0 += OccupancyBlock)
                for (int c = 0; c < inputs; c++)
                {
                    blocks++;
                    for (int r = r0; r < Math.Min(outputs, r0 + OccupancyBlock); r++)
                        if (m[r * inputs + c] != 0f) { occupied++; break; }
                }
            return blocks == 0 ? 0 : (double)occupied / blocks;
        }
    }
}
