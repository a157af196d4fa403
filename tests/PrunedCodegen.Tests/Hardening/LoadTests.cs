using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Hardening
{
    /// <summary>
    /// The generated code under load: 16 threads calling Predict and PredictBatch on one model at once get exactly
    /// (bit for bit) the single-threaded results and allocate nothing per call, and no generated class has static
    /// state that threads could share by accident.
    /// </summary>
    public class LoadTests
    {
        private const int Threads = 16;
        private const int CallsPerThread = 100_000;
        private const int Samples = 97;

        private readonly ITestOutputHelper _output;

        public LoadTests(ITestOutputHelper output) => _output = output;

        /// <summary>Each model variant with the kernel it forces: the planner's choices, and each kernel on its own.</summary>
        private static readonly (string Class, string Folder, string File, KernelChoice Kernel)[] Variants =
        {
            ("DenseAuto", "digits", "digits_dense.onnx", KernelChoice.Auto),
            ("PrunedAuto", "digits", "digits_pruned.onnx", KernelChoice.Auto),          // batch path for PredictBatch
            ("PrunedDense", "digits", "digits_pruned.onnx", KernelChoice.DenseSimd),
            ("PrunedSparse", "digits", "digits_pruned.onnx", KernelChoice.SparseRows),
            ("PrunedBlock", "digits", "digits_pruned.onnx", KernelChoice.BlockSparse),
            ("PrunedUnrolled", "digits", "digits_pruned.onnx", KernelChoice.Unrolled),
            ("Activations", "activations", "mlp_activations.onnx", KernelChoice.Auto),
        };

        // Calls one model's Predict/PredictBatch straight from C#: the reference single-threaded, then the same work from
        // many threads at once, comparing bits and counting each thread's allocations after its first (warm-up) call.
        private const string HammerTemplate = @"
using System;
namespace Stress
{
    public static class Run_CLASS
    {
        public static float[] Reference(float[] x, int samples)
        {
            var y = new float[samples * Models.CLASS.OutputLength];
            for (int s = 0; s < samples; s++)
                Models.CLASS.Predict(x.AsSpan(s * Models.CLASS.InputLength, Models.CLASS.InputLength), y.AsSpan(s * Models.CLASS.OutputLength, Models.CLASS.OutputLength));
            return y;
        }

        // PredictBatch single-threaded for every (first sample, count) the hammer uses: the batch kernels sum in another
        // order than Predict, so a batch is compared with the same batch, not with single samples.
        public static float[][] ReferenceBatches(float[] x, int samples)
        {
            var batches = new float[samples * 41][];
            for (int s = 0; s < samples; s++)
                for (int count = 1; count <= System.Math.Min(40, samples - s); count++)
                {
                    var y = new float[count * Models.CLASS.OutputLength];
                    Models.CLASS.PredictBatch(x.AsSpan(s * Models.CLASS.InputLength, count * Models.CLASS.InputLength), y);
                    batches[s * 41 + count] = y;
                }
            return batches;
        }

        public static long[] Hammer(float[] x, int samples, float[] expected, float[][] expectedBatches, int threads, int calls)
        {
            int input = Models.CLASS.InputLength, output = Models.CLASS.OutputLength;
            long mismatches = 0, allocated = 0, done = 0;
            var start = new System.Threading.Barrier(threads);
            var workers = new System.Threading.Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                int seed = t;
                workers[t] = new System.Threading.Thread(() =>
                {
                    var y = new float[samples * output];
                    // Warm-up: per-thread scratch, and one full pass of the same calls so that the runtime's one-off
                    // work (tiered recompilation, on-stack replacement) is done before allocations are counted; an
                    // allocation per call would show in the measured pass as megabytes.
                    Models.CLASS.Predict(x.AsSpan(0, input), y.AsSpan(0, output));
                    Models.CLASS.PredictBatch(x.AsSpan(0, 32 * input), y.AsSpan(0, 32 * output));
                    Pass(seed, y, out _);
                    start.SignalAndWait();
                    long before = System.GC.GetAllocatedBytesForCurrentThread();
                    long n = Pass(seed, y, out long bad);
                    long bytes = System.GC.GetAllocatedBytesForCurrentThread() - before;
                    System.Threading.Interlocked.Add(ref mismatches, bad);
                    System.Threading.Interlocked.Add(ref allocated, bytes);
                    System.Threading.Interlocked.Add(ref done, n);
                });
                workers[t].Start();
            }
            foreach (var w in workers) w.Join();
            return new[] { mismatches, allocated, done };

            // The thread's calls: Predict, with a PredictBatch of 1 to 40 samples every 16th call; counts mismatching bits.
            long Pass(int seed, float[] y, out long bad)
            {
                bad = 0;
                long n = 0;
                int s = seed * 7 % samples;
                for (int c = 0; c < calls; c++)
                {
                    if (c % 16 == 15)
                    {
                        // A batch of 1 to 40 samples from s on: the batch kernels' full groups and remainders.
                        int count = System.Math.Min(1 + (c / 16 + seed) % 40, samples - s);
                        Models.CLASS.PredictBatch(x.AsSpan(s * input, count * input), y.AsSpan(0, count * output));
                        var reference = expectedBatches[s * 41 + count];
                        for (int i = 0; i < count * output; i++)
                            if (System.BitConverter.SingleToInt32Bits(y[i]) != System.BitConverter.SingleToInt32Bits(reference[i])) bad++;
                    }
                    else
                    {
                        Models.CLASS.Predict(x.AsSpan(s * input, input), y.AsSpan(0, output));
                        for (int i = 0; i < output; i++)
                            if (System.BitConverter.SingleToInt32Bits(y[i]) != System.BitConverter.SingleToInt32Bits(expected[s * output + i])) bad++;
                    }
                    n++;
                    s = (s + 1 + seed) % samples;
                }
                return n;
            }
        }
    }
}";

        private static readonly Lazy<CompiledAssembly> Assembly = new Lazy<CompiledAssembly>(() =>
        {
            var sources = new List<string> { ModelCompiler.KernelsSource };
            foreach (var v in Variants)
            {
                var onnx = File.ReadAllBytes(CompiledModel.Fixture(v.Folder, v.File));
                var result = ModelCompiler.Compile(onnx, new CompileOptions(v.Class, "Models", v.File) { Kernel = v.Kernel });
                Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
                sources.Add(result.Source!);
                sources.Add(HammerTemplate.Replace("CLASS", v.Class));
            }
            return InMemoryCompiler.Compile(sources.ToArray());
        });

        public static TheoryData<string> Classes => new TheoryData<string>(Variants.Select(v => v.Class));

        [Theory]
        [MemberData(nameof(Classes))]
        [Trait("Category", "Hardening")]
        public void Sixteen_threads_get_the_single_threaded_bits_and_allocate_nothing(string className)
        {
            var runner = Assembly.Value.GetRequiredType("Stress.Run_" + className);
            var model = Assembly.Value.GetRequiredType("Models." + className);
            int inputLength = (int)model.GetField("InputLength")!.GetValue(null)!;
            var x = CompiledModel.RandomInput(Samples * inputLength, 1234, scale: 8f);
            var expected = (float[])runner.GetMethod("Reference")!.Invoke(null, new object[] { x, Samples })!;
            Assert.Contains(expected, v => v != 0);

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var expectedBatches = runner.GetMethod("ReferenceBatches")!.Invoke(null, new object[] { x, Samples })!;
            var r = (long[])runner.GetMethod("Hammer")!.Invoke(null, new object[] { x, Samples, expected, expectedBatches, Threads, CallsPerThread })!;
            _output.WriteLine($"{className}: {r[2]} calls on {Threads} threads in {clock.Elapsed.TotalSeconds:0.00} s, {r[0]} mismatching floats, {r[1]} bytes allocated");
            Assert.Equal((long)Threads * CallsPerThread, r[2]);
            Assert.Equal(0, r[0]);
            Assert.Equal(0, r[1]);
        }

        [Fact]
        public void Generated_classes_have_no_static_mutable_state()
        {
            var types = Assembly.Value.Assembly.GetTypes()
                .Where(t => t.Namespace == "Models" || t.FullName!.StartsWith("PrunedCodegen.Generated", StringComparison.Ordinal)).ToList();
            Assert.Contains(types, t => t.FullName == "PrunedCodegen.Generated.Kernels");
            Assert.True(types.Count >= Variants.Length + 1);
            const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            int fields = 0;
            foreach (var type in types)
            {
                foreach (var field in type.GetFields(all))
                {
                    fields++;
                    // const, readonly, or a per-thread scratch buffer (each thread owns its own; nothing is shared).
                    bool safe = field.IsLiteral || field.IsInitOnly || field.IsDefined(typeof(ThreadStaticAttribute));
                    Assert.True(safe, $"{type.FullName}.{field.Name} is static, mutable and shared between threads");
                }
                foreach (var property in type.GetProperties(all))
                    Assert.True(property.SetMethod == null, $"{type.FullName}.{property.Name} has a static setter");
            }
            _output.WriteLine($"{types.Count} generated types, {fields} static fields, all const, readonly or [ThreadStatic]");
        }
    }
}
