using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Benchmarks
{
    /// <summary>One step of an image CNN on one sample in C x H x W layout; Out* is the shape it produces.</summary>
    public abstract record CnnStage(int OutC, int OutH, int OutW)
    {
        public int OutLength => OutC * OutH * OutW;
    }

    /// <summary>Conv2D, ungrouped, undilated: W [OutC, InC, KH, KW], bias [OutC].</summary>
    public sealed record ConvStage(int InC, int InH, int InW, int OutC, int OutH, int OutW, int KH, int KW, int StrideH, int StrideW, int PadTop, int PadLeft, float[] W, float[] B)
        : CnnStage(OutC, OutH, OutW)
    {
        public int PatchLength => InC * KH * KW;
    }

    /// <summary>BatchNormalization in inference mode: y = (x - mean) / sqrt(var + eps) * scale + bias, per channel.</summary>
    public sealed record BatchNormStage(int C, int H, int W, float[] Scale, float[] Bias, float[] Mean, float[] Var, float Epsilon) : CnnStage(C, H, W);

    public sealed record ReluStage(int C, int H, int W) : CnnStage(C, H, W);

    /// <summary>MaxPool 2-D; padded positions never win (ONNX semantics).</summary>
    public sealed record MaxPoolStage(int C, int InH, int InW, int OutH, int OutW, int KH, int KW, int StrideH, int StrideW, int PadTop, int PadLeft)
        : CnnStage(C, OutH, OutW);

    /// <summary>Gemm on the flattened C x H x W features: W [N, K] row-major (PyTorch layout), y = W x + b.</summary>
    public sealed record GemmStage(int N, int K, float[] W, float[] B) : CnnStage(N, 1, 1);

    /// <summary>
    /// An image CNN read from its ONNX file with the project's OnnxReader, for the C# baselines of the benchmark
    /// (not product code): Conv, BatchNormalization, Relu, MaxPool, Flatten and Gemm over one [batch, C, H, W] input,
    /// a chain of nodes. Anything else is refused with an error naming the node.
    /// </summary>
    public sealed class CnnNetwork
    {
        private CnnNetwork(int c, int h, int w, IReadOnlyList<CnnStage> stages)
        {
            InC = c; InH = h; InW = w; Stages = stages;
        }

        public int InC { get; }
        public int InH { get; }
        public int InW { get; }
        public int InputLength => InC * InH * InW;
        public int OutputLength => Stages[Stages.Count - 1].OutLength;
        public IReadOnlyList<CnnStage> Stages { get; }
        public int MaxActivationLength => Math.Max(InputLength, Stages.Max(s => s.OutLength));

        public static CnnNetwork Read(string onnxPath)
        {
            var g = OnnxReader.Read(File.ReadAllBytes(onnxPath)).Graph ?? throw new InvalidDataException($"{onnxPath}: no graph");
            var inits = g.Initializers.ToDictionary(t => t.Name);
            var input = g.Inputs.First(i => !inits.ContainsKey(i.Name));
            if (input.Shape is not { Count: 4 } shape || shape.Skip(1).Any(d => d.Value is null))
                throw new InvalidDataException($"{onnxPath}: input [batch, C, H, W] with fixed C, H, W expected");
            int c = (int)shape[1].Value!.Value, h = (int)shape[2].Value!.Value, w = (int)shape[3].Value!.Value;
            var (inC, inH, inW) = (c, h, w);
            float[] F(string name) => OnnxTensorData.ToFloats(inits[name]);
            var stages = new List<CnnStage>();
            string current = input.Name;
            foreach (var node in g.Nodes)
            {
                if (node.Inputs.Count == 0 || node.Inputs[0] != current)
                    throw new InvalidDataException($"{onnxPath}: node {node.Name} ({node.OpType}) is not a chain step");
                current = node.Outputs[0];
                switch (node.OpType)
                {
                    case "Conv":
                    {
                        var wt = inits[node.Inputs[1]];
                        int outC = (int)wt.Dims[0], kh = (int)wt.Dims[2], kw = (int)wt.Dims[3];
                        if ((int)wt.Dims[1] != c || Int(node, "group", 1) != 1 || (Ints(node, "dilations") ?? new[] { 1, 1 }).Any(d => d != 1) || Str(node, "auto_pad", "NOTSET") != "NOTSET")
                            throw new InvalidDataException($"{onnxPath}: node {node.Name}: only ungrouped, undilated Conv with explicit pads");
                        var pads = Ints(node, "pads") ?? new int[4];
                        var strides = Ints(node, "strides") ?? new[] { 1, 1 };
                        int oh = (h + pads[0] + pads[2] - kh) / strides[0] + 1, ow = (w + pads[1] + pads[3] - kw) / strides[1] + 1;
                        var bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? F(node.Inputs[2]) : new float[outC];
                        stages.Add(new ConvStage(c, h, w, outC, oh, ow, kh, kw, strides[0], strides[1], pads[0], pads[1], F(node.Inputs[1]), bias));
                        (c, h, w) = (outC, oh, ow);
                        break;
                    }
                    case "BatchNormalization":
                        stages.Add(new BatchNormStage(c, h, w, F(node.Inputs[1]), F(node.Inputs[2]), F(node.Inputs[3]), F(node.Inputs[4]),
                            node.Attributes.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f));
                        break;
                    case "Relu":
                        stages.Add(new ReluStage(c, h, w));
                        break;
                    case "MaxPool":
                    {
                        var k = Ints(node, "kernel_shape") ?? throw new InvalidDataException($"{onnxPath}: node {node.Name}: MaxPool without kernel_shape");
                        var pads = Ints(node, "pads") ?? new int[4];
                        var strides = Ints(node, "strides") ?? new[] { 1, 1 };
                        if (Int(node, "ceil_mode", 0) != 0 || (Ints(node, "dilations") ?? new[] { 1, 1 }).Any(d => d != 1) || Str(node, "auto_pad", "NOTSET") != "NOTSET")
                            throw new InvalidDataException($"{onnxPath}: node {node.Name}: only floor-mode, undilated MaxPool with explicit pads");
                        int oh = (h + pads[0] + pads[2] - k[0]) / strides[0] + 1, ow = (w + pads[1] + pads[3] - k[1]) / strides[1] + 1;
                        stages.Add(new MaxPoolStage(c, h, w, oh, ow, k[0], k[1], strides[0], strides[1], pads[0], pads[1]));
                        h = oh; w = ow;
                        break;
                    }
                    case "Flatten":
                        if (Int(node, "axis", 1) != 1) throw new InvalidDataException($"{onnxPath}: node {node.Name}: Flatten(axis=1) only");
                        (c, h, w) = (c * h * w, 1, 1);   // C x H x W order is already the flattened order
                        break;
                    case "Gemm":
                    {
                        if (h != 1 || w != 1) throw new InvalidDataException($"{onnxPath}: node {node.Name}: Gemm needs a flattened input");
                        if (Int(node, "transA", 0) != 0 || (node.Attributes.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1f) != 1f || (node.Attributes.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f) != 1f)
                            throw new InvalidDataException($"{onnxPath}: node {node.Name}: Gemm with transA/alpha/beta is not supported here");
                        var wt = inits[node.Inputs[1]];
                        var wv = F(node.Inputs[1]);
                        bool transB = Int(node, "transB", 0) == 1;
                        int n = (int)(transB ? wt.Dims[0] : wt.Dims[1]), k = (int)(transB ? wt.Dims[1] : wt.Dims[0]);
                        if (k != c) throw new InvalidDataException($"{onnxPath}: node {node.Name}: Gemm expects {k} features, gets {c}");
                        var wr = new float[n * k];
                        for (int r = 0; r < n; r++)
                            for (int j = 0; j < k; j++)
                                wr[r * k + j] = transB ? wv[r * k + j] : wv[j * n + r];
                        var bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? F(node.Inputs[2]) : new float[n];
                        if (bias.Length != n) throw new InvalidDataException($"{onnxPath}: node {node.Name}: bias of {bias.Length}, {n} expected");
                        stages.Add(new GemmStage(n, k, wr, bias));
                        (c, h, w) = (n, 1, 1);
                        break;
                    }
                    default:
                        throw new InvalidDataException($"{onnxPath}: node {node.Name}: {node.OpType} is not supported by the CNN baselines");
                }
            }
            if (stages.Count == 0) throw new InvalidDataException($"{onnxPath}: empty graph");
            return new CnnNetwork(inC, inH, inW, stages);
        }

        private static int[]? Ints(OnnxNode node, string name) => node.Attributes.FirstOrDefault(a => a.Name == name)?.Ints.Select(v => (int)v).ToArray();

        private static long Int(OnnxNode node, string name, long fallback) => node.Attributes.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

        private static string Str(OnnxNode node, string name, string fallback) =>
            node.Attributes.FirstOrDefault(a => a.Name == name) is { } a ? System.Text.Encoding.UTF8.GetString(a.S) : fallback;
    }
}
