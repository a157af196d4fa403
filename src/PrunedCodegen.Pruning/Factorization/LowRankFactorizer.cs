using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MathNet.Numerics.LinearAlgebra;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;

namespace PrunedCodegen.Factorization
{
    /// <summary>What to factorise: a fixed rank or the share of the spectrum's energy to keep, and which layers.</summary>
    public sealed record FactorizeOptions
    {
        /// <summary>Keep this many singular values per layer (capped at the layer's full rank). Exactly one of Rank and Energy.</summary>
        public int? Rank { get; init; }

        /// <summary>Keep the fewest singular values whose squares sum to at least this fraction of the total, in (0, 1].</summary>
        public double? Energy { get; init; }

        /// <summary>
        /// With Energy: round each layer's rank down to a multiple of this (a rank below one multiple is kept).
        /// The generated dense kernel runs a layer's outputs in vectors (16 floats with AVX-512, 8 with AVX2), and the thin
        /// first layer has r outputs: on the digits MLP rank 17 ran 1.60x the dense model's speed and rank 16 1.97x, rank 33
        /// 0.92x and rank 32 1.15x (docs/pcg-factorize-digits.md). 1 (the default): the energy's rank as it is.
        /// </summary>
        public int RankMultiple { get; init; } = 1;

        /// <summary>
        /// Also factorise convolutions (group 1) across channels: W [out, in, kh, kw] seen as [out x in kh kw] becomes a conv of
        /// r filters with the original window, strides, pads and dilations, then a 1x1 conv of the out filters (with the bias).
        /// Off by default, so that a model's convolutions change only when asked.
        /// </summary>
        public bool Convolutions { get; init; }

        /// <summary>Layer names (node or weight initializer); empty: every Gemm and MatMul layer where it pays.</summary>
        public IReadOnlyList<string> Layers { get; init; } = Array.Empty<string>();

        /// <summary>
        /// Factorise only where r (in + out) is below the layer's nonzero weights (the default). Off, every eligible layer
        /// is factorised at the rank chosen, even full rank: for tests, where full rank must reproduce the layer.
        /// </summary>
        internal bool OnlyWherePays { get; init; } = true;
    }

    /// <summary>
    /// One layer's outcome: the rank kept, the energy it holds, and the weights before and after (or why it was left alone).
    /// MACs are per sample (one row of a 2-D input), as <c>pcg inspect</c> counts them: before, one per nonzero weight
    /// (what a sparse kernel runs; a dense layer's out x in); after, r (in + out) for the thin pair. A convolution's are
    /// per output position (<see cref="MacsPer"/>): multiply by its output's height x width for a sample. Rank and
    /// EnergyKept are null for a layer that cannot be factorised at all (a grouped convolution, a shared weight...).
    /// </summary>
    public sealed record LayerFactorization(string Name, string OpType, int Outputs, int Inputs, int FullRank, int? Rank, double? EnergyKept,
        long NonzerosBefore, long WeightsAfter, long Bias, string? Skipped)
    {
        public bool Factorized => Skipped == null;

        /// <summary>With --energy: the rank the energy asked for, before rounding to <see cref="FactorizeOptions.RankMultiple"/>.</summary>
        public int? EnergyRank { get; init; }

        /// <summary>Weights and bias before: every stored value, zeros included.</summary>
        public long ParamsBefore => (long)Outputs * Inputs + Bias;

        /// <summary>Weights and bias after: the two thin weights and the unchanged bias (the layer's own count if skipped).</summary>
        public long ParamsAfter => Factorized ? WeightsAfter + Bias : ParamsBefore;

        public long MacsBefore => NonzerosBefore;

        public long MacsAfter => Factorized ? WeightsAfter : NonzerosBefore;

        /// <summary>What the MACs count: "sample" (Gemm, MatMul) or "output position" (Conv).</summary>
        public string MacsPer => OpType == "Conv" ? "output position" : "sample";
    }

    public sealed record FactorizeResult(OnnxModel Model, IReadOnlyList<LayerFactorization> Layers)
    {
        public long NonzerosBefore => Layers.Sum(l => l.NonzerosBefore);
        public long WeightsAfter => Layers.Sum(l => l.Factorized ? l.WeightsAfter : l.NonzerosBefore);
    }

    /// <summary>
    /// Low-rank factorisation of dense layers by truncated SVD: W [out x in] = U S V^T is replaced by the two thin layers
    /// A = sqrt(S_r) V_r^T [r x in] and B = U_r sqrt(S_r) [out x r] (the square root splits the scale evenly, which
    /// keeps both factors well conditioned for fine-tuning). The model gains a MatMul (x times A^T) before the layer, and
    /// the layer keeps its op, attributes, bias and output with B as its weight, so everything after it is untouched.
    /// A convolution (with <see cref="FactorizeOptions.Convolutions"/>) is factorised across channels the same way: a conv
    /// of r filters A with the original window, then the layer as a 1x1 conv with B, its bias and its output.
    /// By Eckart-Young, ||W - BA||_F^2 is the sum of the dropped singular values squared: the least any rank-r matrix
    /// can miss by. A layer is factorised only where it pays: r (in + out) below its nonzero weights (a pruned layer
    /// counts its nonzeros, so sparsity is never traded for more weights).
    /// </summary>
    public static class LowRankFactorizer
    {
        public static FactorizeResult Factorize(OnnxModel model, FactorizeOptions options)
        {
            Validate(options);
            var copy = Pruner.Clone(model);
            var layers = LayerFinder.Find(copy);
            foreach (string name in options.Layers)
                if (!layers.Any(l => l.IsNamed(name)))
                    throw new PruningException(PruningError.UnknownLayer, $"no layer named '{name}'; the layers are: {string.Join(", ", layers.Select(l => l.Name))}");
            var graph = copy.Graph!;
            var consumers = LayerFinder.Consumers(graph);
            var names = new HashSet<string>(graph.Initializers.Select(t => t.Name)
                .Concat(graph.Inputs.Select(v => v.Name)).Concat(graph.Nodes.SelectMany(n => n.Outputs)), StringComparer.Ordinal);

            var reports = new List<LayerFactorization>();
            foreach (var layer in layers)
            {
                bool chosen = options.Layers.Count == 0 || options.Layers.Any(layer.IsNamed);
                if (!chosen) continue;
                float[] w = layer.ReadMatrix();
                long nonzeros = w.LongCount(v => v != 0f);
                long bias = layer.Bias == null ? 0 : OnnxTensorData.ElementCount(layer.Bias);
                int full = Math.Min(layer.Outputs, layer.Inputs);
                string? reason = Ineligible(layer, consumers, options);
                if (reason != null)
                {
                    reports.Add(new LayerFactorization(layer.Name, layer.Node.OpType, layer.Outputs, layer.Inputs, full, null, null, nonzeros, nonzeros, bias, reason));
                    continue;
                }
                var svd = Matrix<double>.Build.Dense(layer.Outputs, layer.Inputs, (r, c) => w[r * layer.Inputs + c]).Svd(computeVectors: true);
                double[] s = svd.S.ToArray();
                int? energyRank = options.Energy is double share ? RankForEnergy(s, share) : null;
                int rank = options.Rank is int asked ? Math.Min(asked, s.Length) : RoundDown(energyRank!.Value, options.RankMultiple);
                double energy = EnergyKept(s, rank);
                long after = (long)rank * (layer.Inputs + layer.Outputs);
                if (after >= nonzeros && options.OnlyWherePays)
                {
                    reports.Add(new LayerFactorization(layer.Name, layer.Node.OpType, layer.Outputs, layer.Inputs, full, rank, energy, nonzeros, after, bias,
                        string.Format(CultureInfo.InvariantCulture, "rank {0} does not reduce MACs ({0} x ({1} + {2}) = {3}, not below the layer's {4} nonzero weights)",
                            rank, layer.Outputs, layer.Inputs, after, nonzeros)) { EnergyRank = energyRank });
                    continue;
                }
                Replace(graph, layer, svd.U, s, svd.VT, rank, names);
                reports.Add(new LayerFactorization(layer.Name, layer.Node.OpType, layer.Outputs, layer.Inputs, full, rank, energy, nonzeros, after, bias, null) { EnergyRank = energyRank });
            }
            return new FactorizeResult(copy, reports);
        }

        /// <summary>The singular values of a layer's [outputs x inputs] matrix, largest first.</summary>
        public static double[] Spectrum(PrunableLayer layer)
        {
            float[] w = layer.ReadMatrix();
            return Matrix<double>.Build.Dense(layer.Outputs, layer.Inputs, (r, c) => w[r * layer.Inputs + c]).Svd(computeVectors: false).S.ToArray();
        }

        /// <summary>The fewest singular values (at least 1) whose squares reach <paramref name="energy"/> of the total.</summary>
        public static int RankForEnergy(double[] singularValues, double energy)
        {
            double total = singularValues.Sum(v => v * v);
            if (total == 0) return 1;
            double sum = 0;
            for (int i = 0; i < singularValues.Length; i++)
            {
                sum += singularValues[i] * singularValues[i];
                // A relative slack of 1e-12 so that energy 1 keeps the numerical rank, not every rounding residue.
                if (sum >= energy * total * (1 - 1e-12)) return i + 1;
            }
            return singularValues.Length;
        }

        /// <summary>The share of the spectrum's energy (sum of squares) held by the first <paramref name="rank"/> values.</summary>
        public static double EnergyKept(double[] singularValues, int rank)
        {
            double total = singularValues.Sum(v => v * v);
            return total == 0 ? 1 : singularValues.Take(rank).Sum(v => v * v) / total;
        }

        /// <summary><paramref name="rank"/> rounded down to a multiple of <paramref name="multiple"/>; a rank below one multiple is kept (it fills less than one vector either way).</summary>
        internal static int RoundDown(int rank, int multiple) => rank < multiple ? rank : rank / multiple * multiple;

        private static void Validate(FactorizeOptions options)
        {
            if ((options.Rank == null) == (options.Energy == null))
                throw new ArgumentException("give exactly one of a rank and an energy");
            if (options.RankMultiple < 1)
                throw new PruningException(PruningError.ImpossibleSparsity, $"rank multiple {options.RankMultiple.ToString(CultureInfo.InvariantCulture)} is impossible: give 1 or more");
            if (options.RankMultiple > 1 && options.Rank != null)
                throw new ArgumentException("a rank multiple rounds the ranks an energy chooses; a fixed rank is used as it is");
            if (options.Rank is int r && r < 1)
                throw new PruningException(PruningError.ImpossibleSparsity, $"rank {r.ToString(CultureInfo.InvariantCulture)} is impossible: keep at least 1 singular value");
            if (options.Energy is double e && !(e > 0 && e <= 1))
                throw new PruningException(PruningError.ImpossibleSparsity, string.Format(CultureInfo.InvariantCulture,
                    "energy {0} is impossible: it is the share of the spectrum kept, above 0 and at most 1 (e.g. 0.95)", e));
        }

        /// <summary>Why a layer cannot be factorised, or null when it can.</summary>
        private static string? Ineligible(PrunableLayer layer, Dictionary<string, List<OnnxNode>> consumers, FactorizeOptions options)
        {
            if (layer.Node.OpType == "Conv" && !options.Convolutions)
                return "a convolution (--conv factorises convolutions across channels)";
            if (layer.Node.OpType == "Conv" && layer.Node.Attributes.FirstOrDefault(a => a.Name == "group") is { } group && group.I != 1)
                return $"a grouped convolution (group {group.I.ToString(CultureInfo.InvariantCulture)}): only group 1 is factorised";
            if (layer.Node.OpType == "Gemm" && layer.Node.Attributes.Any(a => a.Name == "transA" && a.I != 0))
                return "Gemm with transA=1 (its input is transposed)";
            if (consumers.TryGetValue(layer.Weight.Name, out var readers) && readers.Count > 1)
                return "its weight is shared with another node";
            if (Math.Min(layer.Outputs, layer.Inputs) < 2)
                return "rank 1 already";
            return null;
        }

        private static void Replace(OnnxGraph graph, PrunableLayer layer, Matrix<double> u, double[] s, Matrix<double> vt, int rank, HashSet<string> names)
        {
            int outputs = layer.Outputs, inputs = layer.Inputs;
            bool conv = layer.Node.OpType == "Conv";
            // The new first layer A = sqrt(S_r) V_r^T [rank x inputs]. A MatMul reads it transposed, [inputs x rank]; a conv
            // reads it as it is, [rank filters, in channels, kh, kw] (a filter's fan-in is a row of V^T, in the layer's order).
            var first = new float[inputs * rank];
            for (int k = 0; k < rank; k++)
            {
                double scale = Math.Sqrt(s[k]);
                for (int j = 0; j < inputs; j++)
                    first[conv ? k * inputs + j : j * rank + k] = (float)(scale * vt[k, j]);
            }
            // The layer's new weight, row-major [outputs x rank]: B = U_r sqrt(S_r).
            var second = new float[outputs * rank];
            for (int o = 0; o < outputs; o++)
                for (int k = 0; k < rank; k++)
                    second[o * rank + k] = (float)(u[o, k] * Math.Sqrt(s[k]));

            string weightName = Unique(names, layer.Weight.Name + "_lowrank");
            string hidden = Unique(names, layer.Node.Outputs[0] + "_lowrank");
            var tensor = new OnnxTensor { Name = weightName, DataType = OnnxDataType.Float };
            long[] firstDims = conv ? layer.Weight.Dims.Select((d, i) => i == 0 ? rank : d).ToArray() : new long[] { inputs, rank };
            TensorWriting.SetFloats(tensor, first, firstDims);
            graph.Initializers.Add(tensor);
            var node = new OnnxNode
            {
                OpType = layer.Node.OpType == "Conv" ? "Conv" : "MatMul",
                Name = layer.Node.Name.Length > 0 ? Unique(names, layer.Node.Name + "_lowrank") : "",
            };
            node.Inputs.Add(layer.Node.Inputs[0]);
            node.Inputs.Add(weightName);
            node.Outputs.Add(hidden);
            graph.Nodes.Insert(graph.Nodes.IndexOf(layer.Node), node);
            layer.Node.Inputs[0] = hidden;
            if (conv)
            {
                // The first conv takes the window (kernel_shape, strides, pads, dilations, auto_pad); the layer becomes a 1x1
                // conv over the r channels with its bias and output, every attribute at its default.
                node.Attributes.AddRange(layer.Node.Attributes);
                layer.Node.Attributes.Clear();
                TensorWriting.SetFloats(layer.Weight, second, layer.Weight.Dims.Select((d, i) => i == 0 ? outputs : i == 1 ? rank : 1L).ToArray());
            }
            else
            {
                layer.WriteMatrix(second, outputs, rank);
            }
            // Older exporters (IR 3, where initializers must be graph inputs) also list initializers as graph inputs, with
            // their shape: keep that shape true, and list the new weight beside it.
            var listed = graph.Inputs.FirstOrDefault(v => v.Name == layer.Weight.Name);
            if (listed != null)
            {
                if (listed.Shape != null)
                {
                    listed.Shape.Clear();
                    foreach (long d in layer.Weight.Dims) listed.Shape.Add(new OnnxDim { Value = d });
                }
                var thin = new OnnxValueInfo { Name = weightName, TypeKind = "tensor", ElementType = OnnxDataType.Float, Shape = new List<OnnxDim>() };
                foreach (long d in firstDims) thin.Shape.Add(new OnnxDim { Value = d });
                graph.Inputs.Insert(graph.Inputs.IndexOf(listed), thin);
            }
        }

        private static string Unique(HashSet<string> names, string name)
        {
            string candidate = name;
            for (int i = 2; !names.Add(candidate); i++) candidate = name + "_" + i.ToString(CultureInfo.InvariantCulture);
            return candidate;
        }
    }
}
