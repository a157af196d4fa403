using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>
    /// [SkipLocalsInit] on generated code (CompileOptions.SkipLocalsInit): the generator emits it only where the project
    /// allows unsafe code (CS0227 otherwise), and with it no stack buffer of Predict, PredictBatch or the kernels is read
    /// before it is written: models run on a stack poisoned with NaN still match ONNX Runtime.
    /// </summary>
    public class SkipLocalsInitTests
    {
        private const string Attribute = "[global::System.Runtime.CompilerServices.SkipLocalsInit]";

        [Fact]
        public void Generator_emits_SkipLocalsInit_only_when_the_project_allows_unsafe_code()
        {
            var path = GeneratorHarness.WriteTemp(Mlp(6, 5, 3, seed: 64, zeroFraction: 0.5).Build(), "m.onnx");
            var allowed = GeneratorHarness.NewCompilation();
            var refused = allowed.WithOptions(allowed.Options.WithAllowUnsafe(false));

            var on = GeneratorHarness.Run(new[] { new GeneratorHarness.ModelItem(path) }, compilation: allowed);
            Assert.Contains("[global::System.Runtime.CompilerServices.SkipLocalsInit]\n    public static partial class M", on.Source("TestApp.M.g.cs"));
            Assert.Contains("[global::System.Runtime.CompilerServices.SkipLocalsInit]\n    internal static partial class Kernels", on.Source(ModelCompiler.KernelsHintName));
            Assert.Empty(on.CompileErrors);

            var off = GeneratorHarness.Run(new[] { new GeneratorHarness.ModelItem(path) }, compilation: refused);
            Assert.DoesNotContain(Attribute, off.Source("TestApp.M.g.cs"));
            Assert.DoesNotContain(Attribute, off.Source(ModelCompiler.KernelsHintName));
            Assert.Equal(ModelCompiler.KernelsSource, off.Source(ModelCompiler.KernelsHintName));
            Assert.Empty(off.CompileErrors);

            // The gate matters: the attribute without unsafe code is CS0227.
            var forced = refused.AddSyntaxTrees(on.Sources.Select(s => CSharpSyntaxTree.ParseText(s.Source, GeneratorHarness.ParseOptions)));
            Assert.Contains(forced.GetDiagnostics(), d => d.Id == "CS0227");
        }

        /// <summary>Calls Predict and PredictBatch right after a frame that filled 128 KB of stack with NaN.</summary>
        private const string PoisonSource = @"
using System;
using System.Runtime.CompilerServices;

[SkipLocalsInit]
public static class StackPoison
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Poison()
    {
        Span<float> stack = stackalloc float[32 * 1024];
        stack.Fill(float.NaN);
        return stack[stack.Length - 1];
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ReadUnwritten()
    {
        Span<float> fresh = stackalloc float[64];
        return fresh[17];
    }

    /// <summary>The poison reaches a later frame's stackalloc (the self-check of this test).</summary>
    public static float PoisonThenReadUnwritten() { Poison(); return ReadUnwritten(); }

    public static void Predict(float[] x, float[] y) { Poison(); global::Tests.Model.Predict(x, y); }

    public static void PredictBatch(float[] x, float[] y) { Poison(); global::Tests.Model.PredictBatch(x, y); }
}
";

        public static TheoryData<string, string, int> Models => new TheoryData<string, string, int>
        {
            { "digits", "digits_dense.onnx", 64 },
            { "digits", "digits_pruned.onnx", 64 },
            { "digits_cnn", "digits_cnn_dense.onnx", 64 },
            { "digits_cnn", "digits_cnn_pruned.onnx", 64 },
            { "builder", "where_broadcast", 6 },
        };

        [Theory]
        [MemberData(nameof(Models))]
        public void Models_with_SkipLocalsInit_on_a_NaN_poisoned_stack_match_onnx_runtime(string folder, string file, int features)
        {
            byte[] onnx = folder == "builder" ? WhereBroadcast() : File.ReadAllBytes(CompiledModel.Fixture(folder, file));
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { SkipLocalsInit = true });
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            Assert.Contains("[global::System.Runtime.CompilerServices.SkipLocalsInit]", result.Source);
            var compiled = InMemoryCompiler.Compile(result.Source!, ModelCompiler.KernelsSourceFor(skipLocalsInit: true), PoisonSource);
            var poison = compiled.GetRequiredType("StackPoison");
            // Frame layouts differ between tiers and calls: the poison must be seen to reach a later frame's stackalloc.
            var check = poison.GetMethod("PoisonThenReadUnwritten")!;
            Assert.True(Enumerable.Range(0, 50).Any(_ => float.IsNaN((float)check.Invoke(null, null)!)), "the poison does not reach a later frame");

            int outputs = (int)compiled.GetRequiredType("Tests.Model").GetField("OutputLength")!.GetValue(null)!;
            const int samples = 9;
            float[] x = CompiledModel.RandomInput(samples * features, seed: 77, scale: folder == "builder" ? 2f : 8f);
            long[] dims = folder == "digits_cnn" ? new long[] { samples, 1, 8, 8 } : new long[] { samples, features };
            float[] expected = OrtOracle.Run(onnx, OracleInput.Float(x, dims))[0].Data;

            // Rounds, so that first calls (Tier0) and later ones, with their own frame layouts, all run on poison.
            for (int round = 0; round < 20; round++)
            {
                var single = new float[samples * outputs];
                for (int s = 0; s < samples; s++)
                {
                    var y = new float[outputs];
                    Invoke(poison, "Predict", x.AsSpan(s * features, features).ToArray(), y);
                    y.CopyTo(single, s * outputs);
                }
                Tolerance.AssertClose(expected, single, 1e-4f, 1e-4f, $"{file} Predict, SkipLocalsInit, poisoned stack, round {round}");
                var batch = new float[samples * outputs];
                Invoke(poison, "PredictBatch", x, batch);
                Tolerance.AssertClose(expected, batch, 1e-4f, 1e-4f, $"{file} PredictBatch, SkipLocalsInit, poisoned stack, round {round}");
            }
        }

        private static void Invoke(Type type, string method, float[] x, float[] y)
        {
            try { type.GetMethod(method)!.Invoke(null, new object[] { x, y }); }
            catch (TargetInvocationException e) when (e.InnerException != null) { throw e.InnerException; }
        }

        /// <summary>Where and a broadcast Add (the kernels' odometers start from a cleared stack index), then a dense layer.</summary>
        private static byte[] WhereBroadcast() =>
            new ModelBuilder().Input("x", null, 6).Output("y", null, 5)
                .Initializer("t", new long[] { 6 }, new[] { 0.5f, -0.5f, 0f, 1f, -1f, 0.25f })
                .Initializer("row", new long[] { 1, 6 }, new[] { 1f, 2f, 3f, 4f, 5f, 6f })
                .Initializer("W", new long[] { 5, 6 }, RandomWeights(30, 78, 0.2))
                .Node("Less", new[] { "x", "t" }, new[] { "less" })
                .Node("Where", new[] { "less", "x", "t" }, new[] { "where" })
                .Node("Add", new[] { "where", "row" }, new[] { "sum" })
                .Node("Gemm", new[] { "sum", "W" }, new[] { "y" }, "", Int("transB", 1))
                .Build();
    }
}
