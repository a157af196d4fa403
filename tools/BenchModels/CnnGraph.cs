using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Onnx;

namespace BenchModels
{
    /// <summary>A [C, H, W] activation shape of one sample.</summary>
    internal readonly record struct Chw(int C, int H, int W)
    {
        public int Length => C * H * W;
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{C}x{H}x{W}");
    }

    /// <summary>One node of a <see cref="CnnGraph"/>: reads named tensors, writes one.</summary>
    internal abstract class CnnOp
    {
        protected CnnOp(string name, string output, params string[] inputs)
        {
            Name = name; Output = output; Inputs = inputs;
        }

        public string Name { get; }
        public string Output { get; }
        public string[] Inputs { get; }
        public Chw OutShape { get; set; }
    }

    /// <summary>Conv2D with groups (depthwise when group = channels), W [OutC, InC/group, KH, KW], bias optional.</summary>
    internal sealed class ConvOp : CnnOp
    {
        public ConvOp(string name, string output, string input) : base(name, output, input) { }
        public Chw InShape { get; init; }
        public int OutC { get; init; }
        public int KH { get; init; }
        public int KW { get; init; }
        public int Stride { get; init; }
        /// <summary>ONNX order: top, left, bottom, right.</summary>
        public int[] Pads { get; init; } = new int[4];
        public int Group { get; init; } = 1;
        public float[] W { get; set; } = Array.Empty<float>();
        public float[]? B { get; set; }
        public int FilterLength => InShape.C / Group * KH * KW;
        public bool Depthwise => Group > 1 && Group == InShape.C && Group == OutC;
    }

    /// <summary>BatchNormalization (inference): y = (x - mean) / sqrt(var + eps) * gamma + beta.</summary>
    internal sealed class BatchNormOp : CnnOp
    {
        public BatchNormOp(string name, string output, string input, int channels) : base(name, output, input)
        {
            Gamma = new float[channels]; Beta = new float[channels]; Mean = new float[channels]; Var = new float[channels];
        }
        public float[] Gamma { get; }
        public float[] Beta { get; }
        public float[] Mean { get; }
        public float[] Var { get; }
        public float Epsilon => 1e-5f;
    }

    /// <summary>Relu, or ReLU6 (PyTorch exports it as Clip(0, 6) with constant min/max inputs).</summary>
    internal sealed class ActivationOp : CnnOp
    {
        public ActivationOp(string name, string output, string input, bool relu6) : base(name, output, input) { Relu6 = relu6; }
        public bool Relu6 { get; }
    }

    internal sealed class MaxPoolOp : CnnOp
    {
        public MaxPoolOp(string name, string output, string input, int kernel, int stride) : base(name, output, input) { Kernel = kernel; Stride = stride; }
        public int Kernel { get; }
        public int Stride { get; }
    }

    internal sealed class GlobalAveragePoolOp : CnnOp
    {
        public GlobalAveragePoolOp(string name, string output, string input) : base(name, output, input) { }
    }

    /// <summary>A residual Add of two tensors of the same shape.</summary>
    internal sealed class AddOp : CnnOp
    {
        public AddOp(string name, string output, string a, string b) : base(name, output, a, b) { }
    }

    internal sealed class FlattenOp : CnnOp
    {
        public FlattenOp(string name, string output, string input) : base(name, output, input) { }
    }

    /// <summary>Gemm(transB=1) on the flattened features, W [N, K] (PyTorch's nn.Linear layout).</summary>
    internal sealed class GemmOp : CnnOp
    {
        public GemmOp(string name, string output, string input) : base(name, output, input) { }
        public int N { get; init; }
        public int K { get; init; }
        public float[] W { get; set; } = Array.Empty<float>();
        public float[] B { get; set; } = Array.Empty<float>();
    }

    /// <summary>
    /// A CNN as PyTorch would define it, built op by op with fixed-seed weights at realistic scales: conv weights He
    /// (Kaiming normal, std sqrt(2 / fan_in)), nn.Linear and conv biases PyTorch's default uniform ±1/sqrt(fan_in),
    /// BatchNormalization with gamma ≈ 1 ± 0.25 and beta ≈ N(0, 0.1), and running statistics measured on data
    /// (<see cref="CalibrateBatchNorm"/>) as training would leave them. Then pruned (<see cref="PruneFilters"/>,
    /// <see cref="PruneUnstructured"/>) and written as ONNX with BatchNormalization folded into the conv (what
    /// torch.onnx.export does in eval mode) or kept as nodes. Not product code: the benchmark's model maker.
    /// </summary>
    internal sealed class CnnGraph
    {
        private readonly Dictionary<string, Chw> _shapes = new(StringComparer.Ordinal);
        private readonly SplitMix64 _rng;
        private int _next;

        public CnnGraph(Chw input, ulong seed)
        {
            Input = input;
            _rng = new SplitMix64(seed);
            _shapes["input"] = input;
        }

        public Chw Input { get; }
        public List<CnnOp> Ops { get; } = new();
        public string OutputName => Ops[Ops.Count - 1].Output;
        public Chw OutputShape => Ops[Ops.Count - 1].OutShape;

        public Chw Shape(string tensor) => _shapes[tensor];

        private string Add(CnnOp op, Chw shape)
        {
            op.OutShape = shape;
            _shapes[op.Output] = shape;
            Ops.Add(op);
            return op.Output;
        }

        private string NextName(string op) => $"/{op}_{++_next}";

        /// <summary>A conv; "same" padding (k / 2 each side) unless <paramref name="pads"/> is given (top, left, bottom, right).</summary>
        public string Conv(string x, int outC, int k, int stride = 1, int group = 1, bool bias = false, int kw = 0, int[]? pads = null)
        {
            var s = _shapes[x];
            kw = kw == 0 ? k : kw;
            pads ??= new[] { k / 2, kw / 2, k / 2, kw / 2 };
            int oh = (s.H + pads[0] + pads[2] - k) / stride + 1, ow = (s.W + pads[1] + pads[3] - kw) / stride + 1;
            string name = NextName("Conv");
            var op = new ConvOp(name, name + "_output_0", x) { InShape = s, OutC = outC, KH = k, KW = kw, Stride = stride, Pads = pads, Group = group };
            int fanIn = op.FilterLength;
            float std = MathF.Sqrt(2f / fanIn);
            op.W = new float[outC * fanIn];
            for (int i = 0; i < op.W.Length; i++) op.W[i] = _rng.NextGaussian() * std;
            if (bias)
            {
                op.B = new float[outC];
                float bound = 1f / MathF.Sqrt(fanIn);
                for (int i = 0; i < outC; i++) op.B[i] = _rng.NextSymmetric(bound);
            }
            return Add(op, new Chw(outC, oh, ow));
        }

        public string BatchNorm(string x)
        {
            var s = _shapes[x];
            string name = NextName("BatchNormalization");
            var op = new BatchNormOp(name, name + "_output_0", x, s.C);
            for (int c = 0; c < s.C; c++)
            {
                op.Gamma[c] = MathF.Max(0.1f, 1f + 0.25f * _rng.NextGaussian());
                op.Beta[c] = 0.1f * _rng.NextGaussian();
                op.Var[c] = 1f;
            }
            return Add(op, s);
        }

        public string Relu(string x) { string n = NextName("Relu"); return Add(new ActivationOp(n, n + "_output_0", x, relu6: false), _shapes[x]); }

        public string Relu6(string x) { string n = NextName("Clip"); return Add(new ActivationOp(n, n + "_output_0", x, relu6: true), _shapes[x]); }

        /// <summary>Conv (no bias), BatchNormalization, then ReLU or ReLU6 (or none): the usual conv_bn block.</summary>
        public string ConvBn(string x, int outC, int k, int stride = 1, int group = 1, bool relu = true, bool relu6 = false, int kw = 0, int[]? pads = null)
        {
            string y = BatchNorm(Conv(x, outC, k, stride, group, bias: false, kw, pads));
            return relu6 ? Relu6(y) : relu ? Relu(y) : y;
        }

        /// <summary>Depthwise 3x3 (stride s) - BN - act, then pointwise 1x1 - BN - act (MobileNet v1's separable block).</summary>
        public string Separable(string x, int outC, int stride, bool relu6 = false)
        {
            int c = _shapes[x].C;
            string dw = ConvBn(x, c, 3, stride, group: c, relu6: relu6);
            return ConvBn(dw, outC, 1, relu6: relu6);
        }

        public string MaxPool(string x, int kernel, int stride)
        {
            var s = _shapes[x];
            string n = NextName("MaxPool");
            return Add(new MaxPoolOp(n, n + "_output_0", x, kernel, stride), new Chw(s.C, (s.H - kernel) / stride + 1, (s.W - kernel) / stride + 1));
        }

        public string GlobalAveragePool(string x)
        {
            string n = NextName("GlobalAveragePool");
            return Add(new GlobalAveragePoolOp(n, n + "_output_0", x), new Chw(_shapes[x].C, 1, 1));
        }

        public string Residual(string a, string b)
        {
            if (_shapes[a] != _shapes[b]) throw new ArgumentException($"Add of {_shapes[a]} and {_shapes[b]}");
            string n = NextName("Add");
            return Add(new AddOp(n, n + "_output_0", a, b), _shapes[a]);
        }

        /// <summary>Flatten, then nn.Linear (PyTorch's default initialisation, uniform ±1/sqrt(fan_in)).</summary>
        public string FlattenLinear(string x, int n)
        {
            var s = _shapes[x];
            string fn = NextName("Flatten");
            string flat = Add(new FlattenOp(fn, fn + "_output_0", x), new Chw(s.Length, 1, 1));
            string gn = NextName("Gemm");
            var op = new GemmOp(gn, gn + "_output_0", flat) { N = n, K = s.Length };
            float bound = 1f / MathF.Sqrt(s.Length);
            op.W = new float[n * s.Length];
            for (int i = 0; i < op.W.Length; i++) op.W[i] = _rng.NextSymmetric(bound);
            op.B = new float[n];
            for (int i = 0; i < n; i++) op.B[i] = _rng.NextSymmetric(bound);
            return Add(op, new Chw(n, 1, 1));
        }

        /// <summary>A deep copy of the weights (the pruned variants start from the same calibrated dense model).</summary>
        public CnnGraph Clone()
        {
            var g = new CnnGraph(Input, 0) { _next = _next };
            foreach (var kv in _shapes) g._shapes[kv.Key] = kv.Value;
            g.Ops.AddRange(Ops.Select(CloneOp));
            return g;
        }

        private static CnnOp CloneOp(CnnOp op)
        {
            switch (op)
            {
                case ConvOp c:
                    var cc = new ConvOp(c.Name, c.Output, c.Inputs[0]) { InShape = c.InShape, OutC = c.OutC, KH = c.KH, KW = c.KW, Stride = c.Stride, Pads = c.Pads, Group = c.Group, W = (float[])c.W.Clone(), B = (float[]?)c.B?.Clone(), OutShape = c.OutShape };
                    return cc;
                case BatchNormOp b:
                    var bb = new BatchNormOp(b.Name, b.Output, b.Inputs[0], b.Gamma.Length) { OutShape = b.OutShape };
                    b.Gamma.CopyTo(bb.Gamma, 0); b.Beta.CopyTo(bb.Beta, 0); b.Mean.CopyTo(bb.Mean, 0); b.Var.CopyTo(bb.Var, 0);
                    return bb;
                case GemmOp g:
                    return new GemmOp(g.Name, g.Output, g.Inputs[0]) { N = g.N, K = g.K, W = (float[])g.W.Clone(), B = (float[])g.B.Clone(), OutShape = g.OutShape };
                default:
                    return op;   // no parameters: shared
            }
        }

        // ---------------------------------------------------------------- calibration (a plain reference forward pass)

        /// <summary>
        /// Runs <paramref name="samples"/> through the network and sets every BatchNormalization's running mean and
        /// variance to the per-channel mean and variance of its input over those samples and positions, in graph
        /// order (so each BN sees the already calibrated layers before it): the statistics a trained model has for
        /// data like this. Returns the fraction of exact zeros in each ReLU's output (for the manifest).
        /// </summary>
        public double CalibrateBatchNorm(IReadOnlyList<float[]> samples)
        {
            var values = new Dictionary<string, float[][]>(StringComparer.Ordinal) { ["input"] = samples.ToArray() };
            long zeros = 0, total = 0;
            foreach (var op in Ops)
            {
                var x = values[op.Inputs[0]];
                var y = new float[x.Length][];
                if (op is BatchNormOp bn) SetStatistics(bn, x);
                for (int s = 0; s < x.Length; s++)
                {
                    y[s] = new float[op.OutShape.Length];
                    Forward(op, x[s], op is AddOp ? values[op.Inputs[1]][s] : null, y[s]);
                    if (op is ActivationOp)
                    {
                        zeros += y[s].Count(v => v == 0f);
                        total += y[s].Length;
                    }
                }
                values[op.Output] = y;
            }
            return total == 0 ? 0 : (double)zeros / total;
        }

        private void SetStatistics(BatchNormOp bn, float[][] x)
        {
            var s = _shapes[bn.Inputs[0]];
            int plane = s.H * s.W;
            for (int c = 0; c < s.C; c++)
            {
                double sum = 0, sq = 0;
                foreach (var v in x)
                    for (int i = c * plane; i < (c + 1) * plane; i++) { sum += v[i]; sq += (double)v[i] * v[i]; }
                double n = (double)plane * x.Length, mean = sum / n;
                bn.Mean[c] = (float)mean;
                bn.Var[c] = (float)Math.Max(1e-4, sq / n - mean * mean);
            }
        }

        private void Forward(CnnOp op, float[] x, float[]? x2, float[] y)
        {
            switch (op)
            {
                case ConvOp c: ForwardConv(c, x, y); break;
                case BatchNormOp bn:
                {
                    int plane = op.OutShape.H * op.OutShape.W;
                    for (int ch = 0; ch < op.OutShape.C; ch++)
                    {
                        float scale = bn.Gamma[ch] / MathF.Sqrt(bn.Var[ch] + bn.Epsilon), shift = bn.Beta[ch] - bn.Mean[ch] * scale;
                        for (int i = ch * plane; i < (ch + 1) * plane; i++) y[i] = x[i] * scale + shift;
                    }
                    break;
                }
                case ActivationOp a:
                    for (int i = 0; i < y.Length; i++) y[i] = x[i] > 0f ? (a.Relu6 && x[i] > 6f ? 6f : x[i]) : 0f;
                    break;
                case MaxPoolOp p:
                {
                    var s = _shapes[p.Inputs[0]];
                    var o = p.OutShape;
                    for (int ch = 0; ch < o.C; ch++)
                        for (int oy = 0; oy < o.H; oy++)
                            for (int ox = 0; ox < o.W; ox++)
                            {
                                float m = float.NegativeInfinity;
                                for (int ky = 0; ky < p.Kernel; ky++)
                                    for (int kx = 0; kx < p.Kernel; kx++)
                                        m = MathF.Max(m, x[(ch * s.H + oy * p.Stride + ky) * s.W + ox * p.Stride + kx]);
                                y[(ch * o.H + oy) * o.W + ox] = m;
                            }
                    break;
                }
                case GlobalAveragePoolOp:
                {
                    var s = _shapes[op.Inputs[0]];
                    int plane = s.H * s.W;
                    for (int ch = 0; ch < s.C; ch++)
                    {
                        double sum = 0;
                        for (int i = ch * plane; i < (ch + 1) * plane; i++) sum += x[i];
                        y[ch] = (float)(sum / plane);
                    }
                    break;
                }
                case AddOp:
                    for (int i = 0; i < y.Length; i++) y[i] = x[i] + x2![i];
                    break;
                case FlattenOp:
                    x.CopyTo(y, 0);
                    break;
                case GemmOp g:
                    for (int r = 0; r < g.N; r++)
                    {
                        float acc = g.B[r];
                        for (int k = 0; k < g.K; k++) acc += g.W[r * g.K + k] * x[k];
                        y[r] = acc;
                    }
                    break;
                default:
                    throw new NotSupportedException(op.GetType().Name);
            }
        }

        private static void ForwardConv(ConvOp c, float[] x, float[] y)
        {
            var s = c.InShape;
            var o = c.OutShape;
            int inPerGroup = s.C / c.Group, outPerGroup = c.OutC / c.Group;
            for (int m = 0; m < c.OutC; m++)
            {
                var plane = y.AsSpan(m * o.H * o.W, o.H * o.W);
                plane.Fill(c.B?[m] ?? 0f);
                int g = m / outPerGroup;
                for (int ci = 0; ci < inPerGroup; ci++)
                {
                    int ch = g * inPerGroup + ci;
                    for (int ky = 0; ky < c.KH; ky++)
                        for (int kx = 0; kx < c.KW; kx++)
                        {
                            float w = c.W[((m * inPerGroup + ci) * c.KH + ky) * c.KW + kx];
                            if (w == 0f) continue;
                            // Output columns whose input column ox * stride - padLeft + kx lies inside the row.
                            int lo = Math.Max(0, (c.Pads[1] - kx + c.Stride - 1) / c.Stride);
                            int hi = Math.Min(o.W - 1, (s.W - 1 + c.Pads[1] - kx) / c.Stride);
                            for (int oy = 0; oy < o.H; oy++)
                            {
                                int iy = oy * c.Stride - c.Pads[0] + ky;
                                if (iy < 0 || iy >= s.H) continue;
                                int row = (ch * s.H + iy) * s.W - c.Pads[1] + kx;
                                for (int ox = lo; ox <= hi; ox++)
                                    plane[oy * o.W + ox] += w * x[row + ox * c.Stride];
                            }
                        }
                }
            }
        }

        // ---------------------------------------------------------------- pruning

        /// <summary>
        /// Structured pruning: in every conv (except, with <paramref name="keepOutputConv"/>, the one that produces the
        /// model's output: a super-resolution model's pixels), the
        /// <paramref name="fraction"/> of filters with the smallest L1 norm become whole zero filters, with their conv
        /// bias and the following BatchNormalization's gamma and beta (so the channel is exactly 0, as a channel-pruning
        /// tool leaves it). A depthwise conv is not ranked by itself: its channels fed by a removed filter are removed
        /// with it (channel pruning removes the pair). The classifier (Gemm) is kept.
        /// </summary>
        public void PruneFilters(double fraction, bool keepOutputConv)
        {
            var dead = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);   // tensor -> channels that are exactly 0
            foreach (var op in Ops)
            {
                HashSet<int> Dead(string t) => dead.TryGetValue(t, out var d) ? d : new HashSet<int>();
                switch (op)
                {
                    case ConvOp c when c.Depthwise:
                    {
                        var d = Dead(c.Inputs[0]);
                        foreach (int m in d) ZeroFilter(c, m);
                        dead[c.Output] = d;
                        break;
                    }
                    case ConvOp c when !(keepOutputConv && FeedsOutputOnly(c)):
                    {
                        int n = (int)Math.Floor(c.OutC * fraction);
                        var order = Enumerable.Range(0, c.OutC).OrderBy(m => FilterL1(c, m)).ThenBy(m => m).Take(n);
                        var d = new HashSet<int>(order);
                        foreach (int m in d) ZeroFilter(c, m);
                        dead[c.Output] = d;
                        break;
                    }
                    case BatchNormOp bn:
                    {
                        var d = Dead(bn.Inputs[0]);
                        foreach (int m in d) { bn.Gamma[m] = 0f; bn.Beta[m] = 0f; }
                        dead[bn.Output] = d;
                        break;
                    }
                    case ActivationOp or MaxPoolOp or GlobalAveragePoolOp:
                        dead[op.Output] = Dead(op.Inputs[0]);
                        break;
                    case AddOp:
                        dead[op.Output] = new HashSet<int>(Dead(op.Inputs[0]).Intersect(Dead(op.Inputs[1])));
                        break;
                }
            }
        }

        /// <summary>The conv whose result reaches the model output through activations only (the last conv of a fully convolutional model).</summary>
        private bool FeedsOutputOnly(ConvOp c)
        {
            string t = c.Output;
            for (int i = Ops.IndexOf(c) + 1; i < Ops.Count; i++)
            {
                var op = Ops[i];
                if (!op.Inputs.Contains(t)) continue;
                if (op is not (BatchNormOp or ActivationOp)) return false;
                t = op.Output;
            }
            return t == OutputName;
        }

        private static double FilterL1(ConvOp c, int m)
        {
            double s = 0;
            for (int i = m * c.FilterLength; i < (m + 1) * c.FilterLength; i++) s += Math.Abs(c.W[i]);
            return s;
        }

        private static void ZeroFilter(ConvOp c, int m)
        {
            Array.Clear(c.W, m * c.FilterLength, c.FilterLength);
            if (c.B != null) c.B[m] = 0f;
        }

        /// <summary>
        /// Unstructured magnitude pruning of every conv and Gemm weight tensor to <paramref name="sparsity"/> (per
        /// layer, like torch.nn.utils.prune.l1_unstructured on each module; biases and BatchNormalization kept).
        /// </summary>
        public void PruneUnstructured(double sparsity)
        {
            foreach (var op in Ops)
            {
                float[]? w = op switch { ConvOp c => c.W, GemmOp g => g.W, _ => null };
                if (w == null) continue;
                int n = (int)Math.Round(w.Length * sparsity);
                var order = Enumerable.Range(0, w.Length).OrderBy(i => MathF.Abs(w[i])).ThenBy(i => i).Take(n).ToList();
                foreach (int i in order) w[i] = 0f;
            }
        }

        // ---------------------------------------------------------------- statistics and export

        /// <summary>Per layer with weights: op, outputs, weights, nonzeros (as stored) and output positions per sample.</summary>
        public IEnumerable<CnnWeightLayer> WeightLayers()
        {
            foreach (var op in Ops)
            {
                if (op is ConvOp c) yield return new CnnWeightLayer(c.Depthwise ? "DwConv" : "Conv", c.OutC, c.W.Length, c.W.Count(v => v != 0f), (long)c.OutShape.H * c.OutShape.W);
                else if (op is GemmOp g) yield return new CnnWeightLayer("Gemm", g.N, g.W.Length, g.W.Count(v => v != 0f), 1);
            }
        }

        /// <summary>
        /// The ONNX graph: input [batch, C, H, W] ("batch" symbolic), opset 13. <paramref name="foldBatchNorm"/>: each
        /// BatchNormalization folded into the conv before it (its weights scaled per filter, the shift as the conv's
        /// bias), as torch.onnx.export writes an eval-mode model; otherwise BatchNormalization nodes.
        /// </summary>
        public OnnxModel ToOnnx(string graphName, bool foldBatchNorm)
        {
            var model = new OnnxModel { IrVersion = 8, ProducerName = "pcg-bench-models", ProducerVersion = "1" };
            model.OpsetImports.Add(new OnnxOpsetImport { Domain = "", Version = 13 });
            var g = new OnnxGraph { Name = graphName };
            model.Graph = g;
            g.Inputs.Add(ValueInfo("input", Input));
            var rename = new Dictionary<string, string>(StringComparer.Ordinal) { ["input"] = "input" };
            string R(string t) => rename[t];
            bool hasRelu6 = false;
            for (int i = 0; i < Ops.Count; i++)
            {
                var op = Ops[i];
                bool last = i == Ops.Count - 1;
                string Out(string t) => rename[t] = last ? "output" : t;
                switch (op)
                {
                    case ConvOp c:
                    {
                        var w = (float[])c.W.Clone();
                        var b = (float[]?)c.B?.Clone();
                        string output = c.Output;
                        if (foldBatchNorm && i + 1 < Ops.Count && Ops[i + 1] is BatchNormOp bn && bn.Inputs[0] == c.Output)
                        {
                            b ??= new float[c.OutC];
                            for (int m = 0; m < c.OutC; m++)
                            {
                                float scale = bn.Gamma[m] / MathF.Sqrt(bn.Var[m] + bn.Epsilon);
                                for (int j = m * c.FilterLength; j < (m + 1) * c.FilterLength; j++) w[j] *= scale;
                                b[m] = (b[m] - bn.Mean[m]) * scale + bn.Beta[m];
                            }
                            output = bn.Output;
                            last = i + 1 == Ops.Count - 1;
                            i++;
                        }
                        string wn = c.Name.Substring(1) + ".weight", bname = c.Name.Substring(1) + ".bias";
                        g.Initializers.Add(Tensor(wn, new long[] { c.OutC, c.InShape.C / c.Group, c.KH, c.KW }, w));
                        var node = Node("Conv", c.Name, new[] { R(c.Inputs[0]), wn }, Out(output));
                        if (b != null) { g.Initializers.Add(Tensor(bname, new long[] { c.OutC }, b)); node.Inputs.Add(bname); }
                        node.Attributes.Add(Ints("dilations", 1, 1));
                        node.Attributes.Add(new OnnxAttribute { Name = "group", Type = OnnxAttributeType.Int, I = c.Group });
                        node.Attributes.Add(Ints("kernel_shape", c.KH, c.KW));
                        node.Attributes.Add(Ints("pads", c.Pads));
                        node.Attributes.Add(Ints("strides", c.Stride, c.Stride));
                        g.Nodes.Add(node);
                        break;
                    }
                    case BatchNormOp bn:
                    {
                        string p = bn.Name.Substring(1);
                        g.Initializers.Add(Tensor(p + ".weight", new long[] { bn.Gamma.Length }, bn.Gamma));
                        g.Initializers.Add(Tensor(p + ".bias", new long[] { bn.Gamma.Length }, bn.Beta));
                        g.Initializers.Add(Tensor(p + ".running_mean", new long[] { bn.Gamma.Length }, bn.Mean));
                        g.Initializers.Add(Tensor(p + ".running_var", new long[] { bn.Gamma.Length }, bn.Var));
                        var node = Node("BatchNormalization", bn.Name, new[] { R(bn.Inputs[0]), p + ".weight", p + ".bias", p + ".running_mean", p + ".running_var" }, Out(bn.Output));
                        node.Attributes.Add(new OnnxAttribute { Name = "epsilon", Type = OnnxAttributeType.Float, F = bn.Epsilon });
                        node.Attributes.Add(new OnnxAttribute { Name = "momentum", Type = OnnxAttributeType.Float, F = 0.9f });
                        g.Nodes.Add(node);
                        break;
                    }
                    case ActivationOp a when a.Relu6:
                        if (!hasRelu6)
                        {
                            g.Initializers.Add(Tensor("relu6.min", Array.Empty<long>(), new[] { 0f }));
                            g.Initializers.Add(Tensor("relu6.max", Array.Empty<long>(), new[] { 6f }));
                            hasRelu6 = true;
                        }
                        g.Nodes.Add(Node("Clip", a.Name, new[] { R(a.Inputs[0]), "relu6.min", "relu6.max" }, Out(a.Output)));
                        break;
                    case ActivationOp a:
                        g.Nodes.Add(Node("Relu", a.Name, new[] { R(a.Inputs[0]) }, Out(a.Output)));
                        break;
                    case MaxPoolOp p:
                    {
                        var node = Node("MaxPool", p.Name, new[] { R(p.Inputs[0]) }, Out(p.Output));
                        node.Attributes.Add(new OnnxAttribute { Name = "ceil_mode", Type = OnnxAttributeType.Int, I = 0 });
                        node.Attributes.Add(Ints("kernel_shape", p.Kernel, p.Kernel));
                        node.Attributes.Add(Ints("pads", 0, 0, 0, 0));
                        node.Attributes.Add(Ints("strides", p.Stride, p.Stride));
                        g.Nodes.Add(node);
                        break;
                    }
                    case GlobalAveragePoolOp:
                        g.Nodes.Add(Node("GlobalAveragePool", op.Name, new[] { R(op.Inputs[0]) }, Out(op.Output)));
                        break;
                    case AddOp:
                        g.Nodes.Add(Node("Add", op.Name, new[] { R(op.Inputs[0]), R(op.Inputs[1]) }, Out(op.Output)));
                        break;
                    case FlattenOp:
                    {
                        var node = Node("Flatten", op.Name, new[] { R(op.Inputs[0]) }, Out(op.Output));
                        node.Attributes.Add(new OnnxAttribute { Name = "axis", Type = OnnxAttributeType.Int, I = 1 });
                        g.Nodes.Add(node);
                        break;
                    }
                    case GemmOp gm:
                    {
                        string p = gm.Name.Substring(1);
                        g.Initializers.Add(Tensor(p + ".weight", new long[] { gm.N, gm.K }, gm.W));
                        g.Initializers.Add(Tensor(p + ".bias", new long[] { gm.N }, gm.B));
                        var node = Node("Gemm", gm.Name, new[] { R(gm.Inputs[0]), p + ".weight", p + ".bias" }, Out(gm.Output));
                        node.Attributes.Add(new OnnxAttribute { Name = "alpha", Type = OnnxAttributeType.Float, F = 1f });
                        node.Attributes.Add(new OnnxAttribute { Name = "beta", Type = OnnxAttributeType.Float, F = 1f });
                        node.Attributes.Add(new OnnxAttribute { Name = "transB", Type = OnnxAttributeType.Int, I = 1 });
                        g.Nodes.Add(node);
                        break;
                    }
                    default:
                        throw new NotSupportedException(op.GetType().Name);
                }
            }
            var outShape = OutputShape;
            g.Outputs.Add(outShape.H == 1 && outShape.W == 1 && Ops[Ops.Count - 1] is GemmOp
                ? new OnnxValueInfo { Name = "output", TypeKind = "tensor", ElementType = OnnxDataType.Float, Shape = new List<OnnxDim> { new() { Param = "batch" }, new() { Value = outShape.C } } }
                : ValueInfo("output", outShape));
            return model;
        }

        private static OnnxNode Node(string opType, string name, string[] inputs, string output)
        {
            var n = new OnnxNode { OpType = opType, Name = name };
            n.Inputs.AddRange(inputs);
            n.Outputs.Add(output);
            return n;
        }

        private static OnnxAttribute Ints(string name, params int[] values)
        {
            var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
            a.Ints.AddRange(values.Select(v => (long)v));
            return a;
        }

        private static OnnxValueInfo ValueInfo(string name, Chw s) => new()
        {
            Name = name,
            TypeKind = "tensor",
            ElementType = OnnxDataType.Float,
            Shape = new List<OnnxDim> { new() { Param = "batch" }, new() { Value = s.C }, new() { Value = s.H }, new() { Value = s.W } },
        };

        private static OnnxTensor Tensor(string name, long[] dims, float[] values)
        {
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian host");
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.Float };
            t.Dims.AddRange(dims);
            var raw = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
            t.RawData = raw;
            return t;
        }
    }
}
