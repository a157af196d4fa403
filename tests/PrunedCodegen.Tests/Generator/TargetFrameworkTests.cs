using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Emitting;
using PrunedCodegen.Generator;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>
    /// What consumers on other target frameworks get: net8.0 (the oldest supported) compiles the generated code
    /// without a single warning; netstandard2.0 gets PCG0011 per model and no code.
    /// </summary>
    public class TargetFrameworkTests
    {
        private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

        /// <summary>A consumer's compilation as the .NET 8 SDK makes it: C# 12 (net8.0's default), Release, nullable, no unsafe.</summary>
        private static CSharpCompilation ConsumerCompilation(IEnumerable<MetadataReference> references, string userCode) =>
            CSharpCompilation.Create("Consumer",
                new[] { CSharpSyntaxTree.ParseText(userCode, GeneratorHarness.ParseOptions) },
                references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                    optimizationLevel: OptimizationLevel.Release,
                    nullableContextOptions: NullableContextOptions.Enable,
                    allowUnsafe: false,
                    // Every warning the compiler knows, not only those of net8.0's default warning level.
                    warningLevel: 9999));

        /// <summary>Models that exercise every emitted construct: fixtures under each forced kernel, ops, a large scratch buffer.</summary>
        private static List<GeneratorHarness.ModelItem> ManyModels()
        {
            var items = new List<GeneratorHarness.ModelItem>();
            var fixtures = new[]
            {
                ("digits/digits_pruned.onnx", "DigitsPruned", new[] { "auto", "dense", "sparse", "block", "unrolled" }),
                ("digits/digits_dense.onnx", "DigitsDense", new[] { "auto" }),
                ("activations/mlp_activations.onnx", "Activations", new[] { "auto", "dense", "sparse", "block", "unrolled" }),
                ("matmul_add/mlp_matmul_add.onnx", "MatMulAdd", new[] { "auto", "dense", "sparse", "block", "unrolled" }),
            };
            foreach (var (file, name, kernels) in fixtures)
                foreach (var kernel in kernels)
                    // A copy per kernel: options are per file, as MSBuild gives them.
                    items.Add(new GeneratorHarness.ModelItem(GeneratorHarness.WriteTemp(File.ReadAllBytes(Path.Combine(Fixtures, file)), Path.GetFileName(file)),
                        name + "_" + kernel, "Net8Consumer", Kernel: kernel));

            void Add(string name, ModelBuilder model) =>
                items.Add(new GeneratorHarness.ModelItem(GeneratorHarness.WriteTemp(model.Build(), name + ".onnx"), name, "Net8Consumer"));
            Add("RuntimeGemm", new ModelBuilder().Input("a", 6, 3).Input("b", 4, 6).Input("c", 1, 4).Output("y", 3, 4)
                .Node("Gemm", new[] { "a", "b", "c" }, new[] { "y" }, "", Int("transA", 1), Int("transB", 1), Float("alpha", 0.25f), Float("beta", 0.35f)));
            Add("Activations13", new ModelBuilder(opset: 13).Input("x", null, 33).Output("y", null, 33)
                .Node("LeakyRelu", new[] { "x" }, new[] { "a" }, "", Float("alpha", 0.2f))
                .Node("Tanh", new[] { "a" }, new[] { "b" })
                .Node("Sigmoid", new[] { "b" }, new[] { "c" })
                .Node("Clip", new[] { "c", "lo", "hi" }, new[] { "d" })
                .Initializer("lo", new long[0], new[] { 0.1f })
                .Initializer("hi", new long[0], new[] { 0.6f })
                .Node("LogSoftmax", new[] { "d" }, new[] { "y" }));
            Add("Broadcast", new ModelBuilder().Input("x", null, 2, 3, 4).Output("y", null, 24)
                .Node("Flatten", new[] { "x" }, new[] { "f" })
                .Initializer("scale", new long[] { 24 }, RandomWeights(24, 7))
                .Node("Mul", new[] { "f", "scale" }, new[] { "m" })
                .Node("Sub", new[] { "m", "scale" }, new[] { "s" })
                .Node("Div", new[] { "s", "scale" }, new[] { "y" }));
            // Intermediate results larger than the stack budget live in a [ThreadStatic] buffer.
            Add("Wide", Mlp(2, ModelEmitter.MaxStackScratch + 8, 2, seed: 3, zeroFraction: 0.95));
            return items;
        }

        [Fact]
        public void Generated_code_compiles_for_net8_consumers_without_warnings()
        {
            var models = ManyModels();
            string user = "namespace Net8Consumer { internal static class Use { internal static void Run() { " +
                          "var y = new float[DigitsPruned_auto.OutputLength]; DigitsPruned_auto.Predict(new float[DigitsPruned_auto.InputLength], y); } } }";
            var result = GeneratorHarness.Run(models, rootNamespace: "Net8Consumer", compilation: ConsumerCompilation(Net80.References.All, user));

            Assert.Empty(result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
            Assert.Equal(models.Count + 1, result.Sources.Count); // one class per model, plus the shared kernels
            Assert.Contains("[ThreadStatic]", result.Source("Net8Consumer.Wide.g.cs")); // the large-scratch path is covered
            var emit = result.Output.Emit(Stream.Null);
            var problems = emit.Diagnostics.Concat(result.Output.GetDiagnostics())
                .Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed)
                .Select(d => d.ToString()).Distinct().ToList();
            Assert.True(problems.Count == 0 && emit.Success,
                "Generated code does not compile cleanly against the net8.0 reference assemblies with C# 12:\n" + string.Join("\n", problems.Take(40)));
        }

        [Fact]
        public void Older_target_frameworks_get_PCG0011_per_model_and_no_code()
        {
            var netstandard = MetadataReference.CreateFromFile(Path.Combine(AppContext.BaseDirectory, "refs", "netstandard2.0", "netstandard.dll"));
            var compilation = ConsumerCompilation(new[] { netstandard }, "namespace Lib { internal static class Nothing { } }");
            Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)); // a sound netstandard2.0 compilation

            var models = new[]
            {
                new GeneratorHarness.ModelItem(Path.Combine(Fixtures, "digits", "digits_pruned.onnx")),
                new GeneratorHarness.ModelItem(Path.Combine(Fixtures, "digits", "digits_dense.onnx")),
            };
            var result = GeneratorHarness.Run(models, rootNamespace: "Lib", compilation: compilation);

            Assert.Empty(result.Sources);
            // PCG0011 per model, and nothing else: not even the per-model summary, which would describe code that is not there.
            Assert.All(result.Diagnostics, d =>
            {
                Assert.Equal(DiagnosticIds.UnsupportedTargetFramework, d.Id);
                Assert.Equal(DiagnosticSeverity.Error, d.Severity);
                Assert.Contains(".NET 8 or newer", d.GetMessage());
            });
            Assert.Equal(new[] { "digits_dense.onnx", "digits_pruned.onnx" },
                result.Diagnostics.Select(d => Path.GetFileName(d.Location.GetLineSpan().Path)).OrderBy(f => f, StringComparer.Ordinal));
            Assert.StartsWith("digits_dense.onnx: no code was generated", result.Diagnostics.Select(d => d.GetMessage()).OrderBy(m => m, StringComparer.Ordinal).First());
            // The compilation goes on with only the user's code: nothing generated to fail on.
            Assert.Empty(result.CompileErrors);
        }

        [Fact]
        public void The_check_looks_for_the_type_the_kernels_need()
        {
            Assert.Contains("Vector512<", ModelCompiler.KernelsSource);
            Assert.Equal("System.Runtime.Intrinsics.Vector512`1", PrunedModelGenerator.RequiredTypeMetadataName);
        }
    }
}
