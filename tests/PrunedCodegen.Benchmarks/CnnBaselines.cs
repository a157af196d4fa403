using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace PrunedCodegen.Benchmarks
{
    /// <summary>
    /// The CNN baselines: per sample, stage by stage through two ping-pong buffers (C x H x W layout), the last stage's
    /// result copied into the output. The network comes from the model's ONNX file (<see cref="CnnNetwork"/>).
    /// </summary>
    internal abstract class CnnInference : Inference
    {
        private readonly float[] _a, _b;

        protected CnnInference(string name, BenchModel model, int batch) : base(name, model, batch)
        {
            Network = model.Cnn ?? throw new ArgumentException($"{model.Name} is not a CNN");
            _a = new float[Network.MaxActivationLength];
            _b = new float[Network.MaxActivationLength];
        }

        protected CnnNetwork Network { get; }

        /// <summary>The stages this implementation runs (the network's own, or a rewritten list).</summary>
        protected abstract IReadOnlyList<CnnStage> Plan { get; }

        protected abstract void RunStage(CnnStage stage, ReadOnlySpan<float> x, Span<float> y);

        public override void Run()
        {
            var plan = Plan;
            int inLen = Model.InputLength, outLen = Model.OutputLength;
            for (int s = 0; s < Batch; s++)
            {
                ReadOnlySpan<float> x = X.AsSpan(s * inLen, inLen);
                for (int i = 0; i < plan.Count; i++)
                {
                    Span<float> y = (i % 2 == 0 ? _a : _b).AsSpan(0, plan[i].OutLength);
                    RunStage(plan[i], x, y);
                    x = y;
                }
                x.CopyTo(Y.AsSpan(s * outLen, outLen));
            }
        }
    }

    /// <summary>Straight scalar loops, one per ONNX node: convolution with bounds checks for padding, BN, ReLU, max pool, Gemm.</summary>
    internal sealed class CnnNaiveInference : CnnInference
    {
        public CnnNaiveInference(string name, BenchModel model, int batch) : base(name, model, batch) { }

        protected override IReadOnlyList<CnnStage> Plan => Network.Stages;

        protected override void RunStage(CnnStage stage, ReadOnlySpan<float> x, Span<float> y)
        {
            switch (stage)
            {
                case ConvStage c:
                    for (int m = 0; m < c.OutC; m++)
                        for (int oy = 0; oy < c.OutH; oy++)
                            for (int ox = 0; ox < c.OutW; ox++)
                            {
                                float acc = c.B[m];
                                for (int ch = 0; ch < c.InC; ch++)
                                    for (int ky = 0; ky < c.KH; ky++)
                                    {
                                        int iy = oy * c.StrideH - c.PadTop + ky;
                                        if (iy < 0 || iy >= c.InH) continue;
                                        for (int kx = 0; kx < c.KW; kx++)
                                        {
                                            int ix = ox * c.StrideW - c.PadLeft + kx;
                                            if (ix < 0 || ix >= c.InW) continue;
                                            acc += c.W[((m * c.InC + ch) * c.KH + ky) * c.KW + kx] * x[(ch * c.InH + iy) * c.InW + ix];
                                        }
                                    }
                                y[(m * c.OutH + oy) * c.OutW + ox] = acc;
                            }
                    break;
                case BatchNormStage bn:
                    for (int ch = 0; ch < bn.C; ch++)
                    {
                        float inv = 1f / MathF.Sqrt(bn.Var[ch] + bn.Epsilon);
                        for (int i = ch * bn.H * bn.W; i < (ch + 1) * bn.H * bn.W; i++)
                            y[i] = (x[i] - bn.Mean[ch]) * inv * bn.Scale[ch] + bn.Bias[ch];
                    }
                    break;
                case ReluStage:
                    for (int i = 0; i < y.Length; i++) y[i] = x[i] > 0f ? x[i] : 0f;
                    break;
                case MaxPoolStage p:
                    for (int ch = 0; ch < p.C; ch++)
                        for (int oy = 0; oy < p.OutH; oy++)
                            for (int ox = 0; ox < p.OutW; ox++)
                            {
                                float max = float.NegativeInfinity;
                                for (int ky = 0; ky < p.KH; ky++)
                                    for (int kx = 0; kx < p.KW; kx++)
                                    {
                                        int iy = oy * p.StrideH - p.PadTop + ky, ix = ox * p.StrideW - p.PadLeft + kx;
                                        if (iy >= 0 && iy < p.InH && ix >= 0 && ix < p.InW) max = MathF.Max(max, x[(ch * p.InH + iy) * p.InW + ix]);
                                    }
                                y[(ch * p.OutH + oy) * p.OutW + ox] = max;
                            }
                    break;
                case GemmStage g:
                    for (int r = 0; r < g.N; r++)
                    {
                        float acc = g.B[r];
                        for (int k = 0; k < g.K; k++) acc += g.W[r * g.K + k] * x[k];
                        y[r] = acc;
                    }
                    break;
                default:
                    throw new NotSupportedException(stage.GetType().Name);
            }
        }
    }

    /// <summary>
    /// The dense CNN baseline a careful developer would write with System.Numerics.Tensors. At start-up every
    /// BatchNormalization that follows a Conv is folded into its weights and bias, and a ReLU after it into the conv
    /// step. A convolution is im2col (patches gathered once per sample, zero padding written explicitly) and then a
    /// dense product along the longer axis: when a patch (InC x KH x KW) is at least as long as the output plane, one
    /// <c>TensorPrimitives.Dot</c> per filter and position over [position][patch] columns; otherwise, per filter, one
    /// <c>TensorPrimitives.MultiplyAdd</c> of a [patch][position] row per patch element across the whole output plane.
    /// ReLU is <c>TensorPrimitives.Max(y, 0)</c>; max pooling a scalar loop; Gemm a <c>Dot</c> per output row. Zero weights
    /// are multiplied like any other (a dense baseline).
    /// </summary>
    internal sealed class CnnTensorPrimitivesInference : CnnInference
    {
        /// <summary>A Conv with BN folded in, its ReLU fused, and which product layout it uses.</summary>
        private sealed record FusedConv(ConvStage Conv, float[] W, float[] B, bool Relu, bool DotPerPosition) : CnnStage(Conv.OutC, Conv.OutH, Conv.OutW);

        private readonly List<CnnStage> _plan = new();
        private readonly float[] _columns;

        public CnnTensorPrimitivesInference(string name, BenchModel model, int batch) : base(name, model, batch)
        {
            var stages = Network.Stages;
            int columns = 0;
            for (int i = 0; i < stages.Count; i++)
            {
                if (stages[i] is not ConvStage c) { _plan.Add(stages[i]); continue; }
                var w = (float[])c.W.Clone();
                var b = (float[])c.B.Clone();
                if (i + 1 < stages.Count && stages[i + 1] is BatchNormStage bn)
                {
                    int filter = c.PatchLength;
                    for (int m = 0; m < c.OutC; m++)
                    {
                        float scale = bn.Scale[m] / MathF.Sqrt(bn.Var[m] + bn.Epsilon);
                        TensorPrimitives.Multiply(w.AsSpan(m * filter, filter), scale, w.AsSpan(m * filter, filter));
                        b[m] = (b[m] - bn.Mean[m]) * scale + bn.Bias[m];
                    }
                    i++;
                }
                bool relu = i + 1 < stages.Count && stages[i + 1] is ReluStage;
                if (relu) i++;
                _plan.Add(new FusedConv(c, w, b, relu, DotPerPosition: c.PatchLength >= c.OutH * c.OutW));
                columns = Math.Max(columns, c.PatchLength * c.OutH * c.OutW);
            }
            _columns = new float[columns];
        }

        protected override IReadOnlyList<CnnStage> Plan => _plan;

        protected override void RunStage(CnnStage stage, ReadOnlySpan<float> x, Span<float> y)
        {
            switch (stage)
            {
                case FusedConv f:
                    Convolve(f, x, y);
                    if (f.Relu) TensorPrimitives.Max(y, 0f, y);
                    break;
                case ReluStage:
                    TensorPrimitives.Max(x, 0f, y);
                    break;
                case BatchNormStage bn:
                    for (int ch = 0; ch < bn.C; ch++)
                    {
                        float scale = bn.Scale[ch] / MathF.Sqrt(bn.Var[ch] + bn.Epsilon);
                        int plane = bn.H * bn.W;
                        TensorPrimitives.Multiply(x.Slice(ch * plane, plane), scale, y.Slice(ch * plane, plane));
                        TensorPrimitives.Add(y.Slice(ch * plane, plane), bn.Bias[ch] - bn.Mean[ch] * scale, y.Slice(ch * plane, plane));
                    }
                    break;
                case MaxPoolStage p:
                    for (int ch = 0; ch < p.C; ch++)
                        for (int oy = 0; oy < p.OutH; oy++)
                            for (int ox = 0; ox < p.OutW; ox++)
                            {
                                float max = float.NegativeInfinity;
                                for (int ky = 0; ky < p.KH; ky++)
                                {
                                    int iy = oy * p.StrideH - p.PadTop + ky;
                                    if (iy < 0 || iy >= p.InH) continue;
                                    for (int kx = 0; kx < p.KW; kx++)
                                    {
                                        int ix = ox * p.StrideW - p.PadLeft + kx;
                                        if (ix >= 0 && ix < p.InW) max = MathF.Max(max, x[(ch * p.InH + iy) * p.InW + ix]);
                                    }
                                }
                                y[(ch * p.OutH + oy) * p.OutW + ox] = max;
                            }
                    break;
                case GemmStage g:
                {
                    ReadOnlySpan<float> w = g.W;
                    for (int r = 0; r < g.N; r++)
                        y[r] = TensorPrimitives.Dot(w.Slice(r * g.K, g.K), x) + g.B[r];
                    break;
                }
                default:
                    throw new NotSupportedException(stage.GetType().Name);
            }
        }

        private void Convolve(FusedConv f, ReadOnlySpan<float> x, Span<float> y)
        {
            var c = f.Conv;
            int patch = c.PatchLength, positions = c.OutH * c.OutW;
            Span<float> cols = _columns.AsSpan(0, patch * positions);
            // im2col: element (patch index r, position p) at [p * patch + r] for Dot, at [r * positions + p] otherwise.
            for (int ch = 0; ch < c.InC; ch++)
                for (int ky = 0; ky < c.KH; ky++)
                    for (int kx = 0; kx < c.KW; kx++)
                    {
                        int r = (ch * c.KH + ky) * c.KW + kx;
                        for (int oy = 0; oy < c.OutH; oy++)
                        {
                            int iy = oy * c.StrideH - c.PadTop + ky;
                            for (int ox = 0; ox < c.OutW; ox++)
                            {
                                int ix = ox * c.StrideW - c.PadLeft + kx, p = oy * c.OutW + ox;
                                float v = iy >= 0 && iy < c.InH && ix >= 0 && ix < c.InW ? x[(ch * c.InH + iy) * c.InW + ix] : 0f;
                                cols[f.DotPerPosition ? p * patch + r : r * positions + p] = v;
                            }
                        }
                    }
            ReadOnlySpan<float> w = f.W;
            for (int m = 0; m < c.OutC; m++)
            {
                var filter = w.Slice(m * patch, patch);
                var plane = y.Slice(m * positions, positions);
                if (f.DotPerPosition)
                {
                    for (int p = 0; p < positions; p++)
                        plane[p] = TensorPrimitives.Dot(filter, cols.Slice(p * patch, patch)) + f.B[m];
                }
                else
                {
                    plane.Fill(f.B[m]);
                    for (int r = 0; r < patch; r++)
                        TensorPrimitives.MultiplyAdd(cols.Slice(r * positions, positions), filter[r], plane, plane);
                }
            }
        }
    }
}
