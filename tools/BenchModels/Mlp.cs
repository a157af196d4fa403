using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PrunedCodegen.Onnx;

namespace BenchModels
{
    /// <summary>One dense layer, PyTorch layout: W is [N, K] row-major (out x in), y = W x + b, optionally ReLU.</summary>
    internal sealed class Layer
    {
        public Layer(int n, int k, float[] weights, float[] bias, bool relu)
        {
            if (weights.Length != n * k || bias.Length != n) throw new ArgumentException("layer sizes disagree");
            N = n; K = k; Weights = weights; Bias = bias; Relu = relu;
        }

        public int N { get; }
        public int K { get; }
        public float[] Weights { get; }
        public float[] Bias { get; }
        public bool Relu { get; }
        public int Nonzeros => Weights.Count(w => w != 0f);
    }

    /// <summary>An MLP of Gemm(transB=1) [+ Relu] layers: what PyTorch exports for nn.Linear stacks with a 2-D input.</summary>
    internal sealed class Mlp
    {
        public Mlp(IReadOnlyList<Layer> layers)
        {
            Layers = layers;
        }

        public IReadOnlyList<Layer> Layers { get; }
        public int InputLength => Layers[0].K;
        public int OutputLength => Layers[Layers.Count - 1].N;
        public long WeightCount => Layers.Sum(l => (long)l.Weights.Length);
        public long ParamCount => Layers.Sum(l => (long)l.Weights.Length + l.Bias.Length);
        public long NonzeroWeights => Layers.Sum(l => (long)l.Nonzeros);

        /// <summary>PyTorch's nn.Linear initialisation: weights and biases uniform in ±1/sqrt(fan_in). ReLU between layers.</summary>
        public static Mlp Random(int[] widths, ulong seed)
        {
            var rng = new SplitMix64(seed);
            var layers = new List<Layer>();
            for (int i = 0; i + 1 < widths.Length; i++)
            {
                int k = widths[i], n = widths[i + 1];
                float bound = 1f / MathF.Sqrt(k);
                var w = new float[n * k];
                for (int j = 0; j < w.Length; j++) w[j] = rng.NextSymmetric(bound);
                var b = new float[n];
                for (int j = 0; j < b.Length; j++) b[j] = rng.NextSymmetric(bound);
                layers.Add(new Layer(n, k, w, b, relu: i + 2 < widths.Length));
            }
            return new Mlp(layers);
        }

        /// <summary>
        /// Magnitude pruning of every weight matrix to the same sparsity (biases are kept), like
        /// torch.nn.utils.prune.l1_unstructured applied to each Linear: in each layer, the <paramref name="sparsity"/>
        /// fraction of weights with the smallest |w| become exact zeros.
        /// With <paramref name="blockRows"/> &gt; 1, the unit is a block of that many consecutive output rows in one
        /// input column (the last block of a layer may be shorter), ranked by its RMS.
        /// </summary>
        /// <remarks>
        /// Per layer rather than global: with uniform ±1/sqrt(fan_in) initial weights, global pruning removes the layer
        /// with the largest fan-in first, and beyond about 93% it empties the first layer of the 784 MLP entirely, which
        /// turns the model into a constant (the generator then folds it away).
        /// </remarks>
        public Mlp PruneLayerwise(double sparsity, int blockRows = 1)
        {
            var layers = new List<Layer>();
            foreach (var l in Layers)
                layers.Add(new Mlp(new[] { l }).PruneGlobal(sparsity, blockRows).Layers[0]);
            return new Mlp(layers);
        }

        /// <summary>
        /// Global magnitude pruning over all weight matrices (biases are kept), like
        /// torch.nn.utils.prune.global_unstructured with L1Unstructured: the <paramref name="sparsity"/> fraction of
        /// weights (or blocks, see <see cref="PruneLayerwise"/>) with the smallest magnitude become exact zeros, so
        /// per-layer sparsity is uneven. Used by the build-cost models (two layers of the same size).
        /// </summary>
        public Mlp PruneGlobal(double sparsity, int blockRows = 1)
        {
            var blocks = new List<(int Layer, int Row0, int Rows, int Col, float Score)>();
            for (int li = 0; li < Layers.Count; li++)
            {
                var l = Layers[li];
                for (int r0 = 0; r0 < l.N; r0 += blockRows)
                {
                    int rows = Math.Min(blockRows, l.N - r0);
                    for (int c = 0; c < l.K; c++)
                    {
                        double s = 0;
                        for (int r = r0; r < r0 + rows; r++) { double w = l.Weights[r * l.K + c]; s += w * w; }
                        // Score per weight so that a short tail block competes fairly with full ones.
                        blocks.Add((li, r0, rows, c, (float)Math.Sqrt(s / rows)));
                    }
                }
            }
            long totalWeights = WeightCount;
            long target = (long)Math.Round(sparsity * totalWeights);
            // Deterministic order: by score, ties by position.
            var order = Enumerable.Range(0, blocks.Count).ToArray();
            var scores = blocks.Select(b => b.Score).ToArray();
            Array.Sort(scores, order);
            var pruned = Layers.Select(l => (float[])l.Weights.Clone()).ToArray();
            long zeroed = 0;
            foreach (int i in order)
            {
                if (zeroed >= target) break;
                var b = blocks[i];
                var w = pruned[b.Layer];
                int k = Layers[b.Layer].K;
                for (int r = b.Row0; r < b.Row0 + b.Rows; r++) w[r * k + b.Col] = 0f;
                zeroed += b.Rows;
            }
            return new Mlp(Layers.Select((l, i) => new Layer(l.N, l.K, pruned[i], l.Bias, l.Relu)).ToList());
        }

        /// <summary>The ONNX graph PyTorch would export: input [batch, K] → (Gemm transB=1, Relu)* → output [batch, N].</summary>
        public OnnxModel ToOnnx(string graphName)
        {
            var model = new OnnxModel { IrVersion = 8, ProducerName = "pcg-bench-models", ProducerVersion = "1" };
            model.OpsetImports.Add(new OnnxOpsetImport { Domain = "", Version = 13 });
            var g = new OnnxGraph { Name = graphName };
            model.Graph = g;
            g.Inputs.Add(ValueInfo("input", InputLength));
            g.Outputs.Add(ValueInfo("output", OutputLength));
            string x = "input";
            for (int i = 0; i < Layers.Count; i++)
            {
                var l = Layers[i];
                string w = $"fc{i + 1}.weight", b = $"fc{i + 1}.bias";
                g.Initializers.Add(Tensor(w, new long[] { l.N, l.K }, l.Weights));
                g.Initializers.Add(Tensor(b, new long[] { l.N }, l.Bias));
                bool last = i == Layers.Count - 1;
                string gemmOut = last && !l.Relu ? "output" : $"/fc{i + 1}/Gemm_output_0";
                var gemm = new OnnxNode { OpType = "Gemm", Name = $"/fc{i + 1}/Gemm" };
                gemm.Inputs.AddRange(new[] { x, w, b });
                gemm.Outputs.Add(gemmOut);
                gemm.Attributes.Add(new OnnxAttribute { Name = "alpha", Type = OnnxAttributeType.Float, F = 1f });
                gemm.Attributes.Add(new OnnxAttribute { Name = "beta", Type = OnnxAttributeType.Float, F = 1f });
                gemm.Attributes.Add(new OnnxAttribute { Name = "transB", Type = OnnxAttributeType.Int, I = 1 });
                g.Nodes.Add(gemm);
                x = gemmOut;
                if (l.Relu)
                {
                    string reluOut = last ? "output" : $"/relu{i + 1}/Relu_output_0";
                    var relu = new OnnxNode { OpType = "Relu", Name = $"/relu{i + 1}/Relu" };
                    relu.Inputs.Add(x);
                    relu.Outputs.Add(reluOut);
                    g.Nodes.Add(relu);
                    x = reluOut;
                }
            }
            return model;
        }

        /// <summary>Reads an MLP of Gemm(transB=1)/Relu nodes, e.g. the committed digits fixtures (PyTorch exports).</summary>
        public static Mlp FromOnnx(byte[] bytes)
        {
            var model = OnnxReader.Read(bytes);
            var g = model.Graph ?? throw new InvalidDataException("no graph");
            var inits = g.Initializers.ToDictionary(t => t.Name);
            var layers = new List<Layer>();
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                var node = g.Nodes[i];
                if (node.OpType == "Relu")
                {
                    if (layers.Count == 0 || layers[layers.Count - 1].Relu) throw new InvalidDataException("Relu without a preceding Gemm");
                    var p = layers[layers.Count - 1];
                    layers[layers.Count - 1] = new Layer(p.N, p.K, p.Weights, p.Bias, true);
                    continue;
                }
                if (node.OpType != "Gemm") throw new InvalidDataException($"only Gemm/Relu MLPs are supported here, found {node.OpType}");
                long transB = node.Attributes.FirstOrDefault(a => a.Name == "transB")?.I ?? 0;
                long transA = node.Attributes.FirstOrDefault(a => a.Name == "transA")?.I ?? 0;
                float alpha = node.Attributes.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1f;
                float beta = node.Attributes.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f;
                if (transA != 0 || alpha != 1f || beta != 1f) throw new InvalidDataException("Gemm with transA/alpha/beta is not supported here");
                var wt = inits[node.Inputs[1]];
                var wv = OnnxTensorData.ToFloats(wt);
                int d0 = (int)wt.Dims[0], d1 = (int)wt.Dims[1];
                int n = transB == 1 ? d0 : d1, k = transB == 1 ? d1 : d0;
                var w = new float[n * k];
                for (int r = 0; r < n; r++)
                    for (int c = 0; c < k; c++)
                        w[r * k + c] = transB == 1 ? wv[r * k + c] : wv[c * n + r];
                var b = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? OnnxTensorData.ToFloats(inits[node.Inputs[2]]) : new float[n];
                if (b.Length != n) throw new InvalidDataException("only a bias of shape [N] is supported here");
                layers.Add(new Layer(n, k, w, b, false));
            }
            return new Mlp(layers);
        }

        private static OnnxValueInfo ValueInfo(string name, int length) => new OnnxValueInfo
        {
            Name = name,
            TypeKind = "tensor",
            ElementType = OnnxDataType.Float,
            Shape = new List<OnnxDim> { new OnnxDim { Param = "batch" }, new OnnxDim { Value = length } },
        };

        private static OnnxTensor Tensor(string name, long[] dims, float[] values)
        {
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.Float };
            t.Dims.AddRange(dims);
            var raw = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, raw, 0, raw.Length);   // little-endian on every platform .NET runs this tool on
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian host");
            t.RawData = raw;
            return t;
        }
    }

    /// <summary>A tiny, portable, seedable PRNG (SplitMix64): the models must not change with the .NET version.</summary>
    internal sealed class SplitMix64
    {
        private ulong _state;

        public SplitMix64(ulong seed) { _state = seed; }

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
        public float NextFloat() => (Next() >> 40) * (1f / (1 << 24));

        public float NextSymmetric(float bound) => (NextFloat() * 2f - 1f) * bound;

        /// <summary>Standard normal (Box-Muller on two uniforms; the second value is discarded to keep the stream simple).</summary>
        public float NextGaussian()
        {
            double u1 = ((Next() >> 11) + 1) * (1.0 / (1UL << 53)), u2 = (Next() >> 11) * (1.0 / (1UL << 53));
            return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }
}
