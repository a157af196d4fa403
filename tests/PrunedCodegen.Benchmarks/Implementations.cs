using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace PrunedCodegen.Benchmarks
{
    /// <summary>
    /// One implementation of one model at one batch size, with its input and output buffers allocated up front:
    /// <see cref="Run"/> is the timed call (one inference at batch 1, one whole batch otherwise).
    /// </summary>
    public abstract class Inference : IDisposable
    {
        protected Inference(string name, BenchModel model, int batch)
        {
            Name = name;
            Model = model;
            Batch = batch;
            // Batches beyond the model's samples (16 for the largest CNNs) repeat them.
            X = new float[batch * model.InputLength];
            for (int s = 0; s < batch; s++)
                model.Inputs.AsSpan(s % model.Samples * model.InputLength, model.InputLength).CopyTo(X.AsSpan(s * model.InputLength));
            Y = new float[batch * model.OutputLength];
        }

        public string Name { get; }
        public BenchModel Model { get; }
        public int Batch { get; }
        public float[] X { get; }
        public float[] Y { get; }
        /// <summary>Threads this implementation computes on (for the reader; the timing is wall-clock).</summary>
        public virtual int Threads => 1;

        public abstract void Run();

        public virtual void Dispose() { }
    }

    public static class Implementations
    {
        public const string Ort = "ort-1t";
        public const string OrtDefault = "ort-default";
        public const string TensorPrimitivesName = "tensorprimitives";
        public const string Naive = "naive";
        public const string PcgAuto = "pcg-auto";

        /// <summary>Every implementation available for a model, generated variants first (auto, then forced kernels).</summary>
        /// <summary>
        /// Every implementation available for a model, generated variants first (auto, then forced kernels; a variant the
        /// generator refused is listed too, and reports its diagnostic), then ONNX Runtime, then the C# baselines where
        /// they exist (not for the real CNNs: residual, depthwise and large models are beyond them).
        /// </summary>
        public static IReadOnlyList<string> Names(BenchModel model) =>
            model.Variants.Select(v => "pcg-" + v.Kernel).Concat(model.Refused.Select(v => "pcg-" + v.Kernel))
                .Concat(model.HasCSharpBaselines ? new[] { Ort, OrtDefault, TensorPrimitivesName, Naive } : new[] { Ort, OrtDefault }).ToList();

        public static Inference Create(BenchModel model, string name, int batch)
        {
            if (name.StartsWith("pcg-", StringComparison.Ordinal))
            {
                if (model.Refused.FirstOrDefault(x => "pcg-" + x.Kernel == name) is { } refused)
                    throw new InvalidOperationException($"the generator refused {refused.ClassName} at build time: {refused.Diagnostic}");
                var v = model.Variants.FirstOrDefault(x => "pcg-" + x.Kernel == name) ?? throw new ArgumentException($"{model.Name} has no generated variant '{name}'");
                return new GeneratedInference(name, model, batch, v);
            }
            return name switch
            {
                Ort => new OrtInference(name, model, batch, defaultThreads: false),
                OrtDefault => new OrtInference(name, model, batch, defaultThreads: true),
                TensorPrimitivesName when model.Cnn != null => new CnnTensorPrimitivesInference(name, model, batch),
                Naive when model.Cnn != null => new CnnNaiveInference(name, model, batch),
                TensorPrimitivesName => new TensorPrimitivesInference(name, model, batch),
                Naive => new NaiveInference(name, model, batch),
                _ => throw new ArgumentException($"unknown implementation '{name}'"),
            };
        }
    }

    /// <summary>
    /// The oracle every implementation is checked against before it is timed (quick mode and BenchmarkDotNet): ONNX
    /// Runtime, one thread, on the same inputs. Tolerance: max |diff| ≤ 1e-3 x max |y_ort| over the whole batch.
    /// </summary>
    public static class Oracle
    {
        public const string Name = Implementations.Ort;

        /// <summary>ONNX Runtime's output for the case's inputs.</summary>
        public static float[] Reference(BenchModel model, int batch)
        {
            using var ort = Implementations.Create(model, Implementations.Ort, batch);
            ort.Run();
            return ort.Y.ToArray();
        }

        /// <summary>Runs <paramref name="impl"/> once and throws when its output differs from <paramref name="reference"/>.</summary>
        public static void Check(Inference impl, float[] reference)
        {
            impl.Run();
            // Relative to the output's own scale (small logits get a tight bound); 1e-30 keeps an all-zero output exact.
            float scale = Math.Max(1e-30f, reference.Max(MathF.Abs));
            float err = 0;
            for (int i = 0; i < reference.Length; i++)
            {
                float d = MathF.Abs(impl.Y[i] - reference[i]);
                if (!(d <= err)) err = d;   // NaN propagates
            }
            if (!(err <= 1e-3f * scale))
                throw new InvalidOperationException($"wrong output: max |diff| vs ONNX Runtime = {err:G3} (scale {scale:G3})");
        }
    }

    /// <summary>The generated code, through its public API: Predict at batch 1, PredictBatch otherwise.</summary>
    internal sealed class GeneratedInference : Inference
    {
        private readonly PredictFn _fn;

        public GeneratedInference(string name, BenchModel model, int batch, GeneratedVariant variant) : base(name, model, batch)
        {
            _fn = batch == 1 ? variant.Predict : variant.PredictBatch;
        }

        public override void Run() => _fn(X, Y);
    }

    /// <summary>
    /// ONNX Runtime as a careful user tunes it: session created once, all graph optimisations, input and output
    /// OrtValues over pre-allocated (pinned) arrays bound once with IoBinding, so a call is one RunWithBinding.
    /// <c>defaultThreads</c>: the session's default threading (an intra-op pool with one thread per core);
    /// otherwise exactly one intra-op thread, sequential execution.
    /// </summary>
    internal sealed class OrtInference : Inference
    {
        private readonly SessionOptions _options;
        private readonly InferenceSession _session;
        private readonly OrtValue _x, _y;
        private readonly OrtIoBinding _binding;
        private readonly RunOptions _run;
        private readonly bool _defaultThreads;

        public OrtInference(string name, BenchModel model, int batch, bool defaultThreads) : base(name, model, batch)
        {
            _defaultThreads = defaultThreads;
            _options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            if (!defaultThreads)
            {
                _options.IntraOpNumThreads = 1;
                _options.InterOpNumThreads = 1;
                _options.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
            }
            _session = new InferenceSession(model.OnnxPath, _options);
            _x = OrtValue.CreateTensorValueFromMemory(X, Shape(_session.InputMetadata[_session.InputNames[0]], batch, model.InputLength));
            _y = OrtValue.CreateTensorValueFromMemory(Y, Shape(_session.OutputMetadata[_session.OutputNames[0]], batch, model.OutputLength));
            _binding = _session.CreateIoBinding();
            _binding.BindInput(_session.InputNames[0], _x);
            _binding.BindOutput(_session.OutputNames[0], _y);
            _binding.SynchronizeBoundInputs();
            _run = new RunOptions();
        }

        public override int Threads => _defaultThreads ? Environment.ProcessorCount : 1;

        /// <summary>The model's own shape ([batch, 64] for an MLP, [batch, 1, 8, 8] for the CNN) with the batch dim filled in.</summary>
        private static long[] Shape(NodeMetadata meta, int batch, int sampleLength)
        {
            var dims = meta.Dimensions.Select(d => (long)d).ToArray();
            if (dims.Length == 0 || dims.Skip(1).Any(d => d <= 0) || dims.Skip(1).Aggregate(1L, (a, d) => a * d) != sampleLength)
                throw new InvalidOperationException($"ONNX Runtime reports shape [{string.Join(", ", dims)}], expected [batch, ...] with {sampleLength} values per sample");
            dims[0] = batch;
            return dims;
        }

        public override void Run() => _session.RunWithBinding(_run, _binding);

        public override void Dispose()
        {
            _run.Dispose();
            _binding.Dispose();
            _x.Dispose();
            _y.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }

    /// <summary>
    /// The hand-written MLP baselines (the CNN ones are in CnnBaselines.cs): per sample, layer by layer through two ping-pong buffers, the last layer straight
    /// into the output. Subclasses supply only the layer itself.
    /// </summary>
    internal abstract class LayerByLayerInference : Inference
    {
        private readonly float[] _a, _b;

        protected LayerByLayerInference(string name, BenchModel model, int batch) : base(name, model, batch)
        {
            _a = new float[model.MaxLayerWidth];
            _b = new float[model.MaxLayerWidth];
        }

        /// <summary>y = act(W x + b) for one layer and one sample.</summary>
        protected abstract void Layer(DenseLayer layer, ReadOnlySpan<float> x, Span<float> y);

        public override void Run()
        {
            var layers = Model.Layers;
            int inLen = Model.InputLength, outLen = Model.OutputLength;
            for (int s = 0; s < Batch; s++)
            {
                ReadOnlySpan<float> x = X.AsSpan(s * inLen, inLen);
                for (int li = 0; li < layers.Count; li++)
                {
                    var l = layers[li];
                    Span<float> y = li == layers.Count - 1 ? Y.AsSpan(s * outLen, outLen) : (li % 2 == 0 ? _a : _b).AsSpan(0, l.N);
                    Layer(l, x, y);
                    x = y;
                }
            }
        }
    }

    /// <summary>
    /// The dense C# baseline a developer would write with System.Numerics.Tensors: one TensorPrimitives.Dot per
    /// output row (SIMD inside), bias added, ReLU as TensorPrimitives.Max with 0.
    /// </summary>
    internal sealed class TensorPrimitivesInference : LayerByLayerInference
    {
        public TensorPrimitivesInference(string name, BenchModel model, int batch) : base(name, model, batch) { }

        protected override void Layer(DenseLayer l, ReadOnlySpan<float> x, Span<float> y)
        {
            ReadOnlySpan<float> w = l.W;
            for (int r = 0; r < l.N; r++)
                y[r] = TensorPrimitives.Dot(w.Slice(r * l.K, l.K), x) + l.B[r];
            if (l.Relu) TensorPrimitives.Max(y, 0f, y);
        }
    }

    /// <summary>The naive scalar loop: for each output, a running sum over the row, then ReLU.</summary>
    internal sealed class NaiveInference : LayerByLayerInference
    {
        public NaiveInference(string name, BenchModel model, int batch) : base(name, model, batch) { }

        protected override void Layer(DenseLayer l, ReadOnlySpan<float> x, Span<float> y)
        {
            float[] w = l.W;
            for (int r = 0; r < l.N; r++)
            {
                float acc = l.B[r];
                for (int c = 0; c < l.K; c++)
                    acc += w[r * l.K + c] * x[c];
                y[r] = l.Relu && acc < 0f ? 0f : acc;
            }
        }
    }
}
