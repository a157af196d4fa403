using System.Linq;
using Microsoft.CodeAnalysis;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>PCG0022: a warning when a model's embedded constants are estimated to add more than 10 s to every build.</summary>
    public class BuildCostDiagnosticTests
    {
        private static readonly CompileOptions Options = new CompileOptions("Model", "Tests", "model.onnx");

        /// <summary>A chain of <paramref name="layers"/> width x width Gemm+Relu layers: many arrays under the blob threshold.</summary>
        private static byte[] DeepMlp(int layers, int width, int seed)
        {
            var builder = new ModelBuilder().Input("x", null, width).Output("y", null, width);
            string input = "x";
            for (int i = 0; i < layers; i++)
            {
                string gemm = i == layers - 1 ? "y" : $"g{i}";
                builder.Initializer($"W{i}", new long[] { width, width }, RandomWeights(width * width, seed + i))
                    .Initializer($"b{i}", new long[] { width }, RandomWeights(width, seed + 1000 + i))
                    .Node("Gemm", new[] { input, $"W{i}", $"b{i}" }, new[] { gemm }, $"fc{i}", Int("transB", 1));
                if (i == layers - 1) break;
                builder.Node("Relu", new[] { gemm }, new[] { $"r{i}" }, $"relu{i}");
                input = $"r{i}";
            }
            return builder.Build();
        }

        private static PcgDiagnostic? SlowBuild(CompileResult result)
        {
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            return result.Diagnostics.SingleOrDefault(d => d.Id == DiagnosticIds.SlowBuild);
        }

        [Fact]
        public void A_million_dense_weights_in_blobs_do_not_warn_but_as_literals_they_would()
        {
            byte[] onnx = Mlp(1000, 1000, 10, seed: 601).Build();
            Assert.Null(SlowBuild(ModelCompiler.Compile(onnx, Options)));
            var literals = SlowBuild(ModelCompiler.Compile(onnx, Options with { BlobMinElements = int.MaxValue }));
            Assert.NotNull(literals);
            Assert.Equal(PcgSeverity.Warning, literals!.Severity);
            // 1,011,010 weights and biases, the output layer's rows and bias padded from 10 to 16 columns (+6,006), plus its
            // second copy for the batch path's GEMM micro-kernel: 10 x 1,000 packed into one panel of 12 rows (12,000
            // elements; the 1,000 x 1,000 layer is read in place).
            Assert.Contains("1,029,016 constants (1,029,016 array elements as C# literals, 0 in unrolled code, 0 in data blobs)", literals.Message);
            Assert.Contains("an estimated 45 s", literals.Message);
        }

        [Fact]
        public void Many_small_layers_warn_with_the_size_the_estimate_and_what_to_do()
        {
            // 70 layers of 60 x 60: every array is under the blob threshold, ~256k literals or unrolled statements.
            var warning = SlowBuild(ModelCompiler.Compile(DeepMlp(70, 60, seed: 611), Options));
            Assert.NotNull(warning);
            Assert.StartsWith("model.onnx: the generated code holds 256,200 constants (", warning!.Message);
            Assert.Contains("warning above 10 s", warning.Message);
            Assert.Contains("after an edit to any of its .cs files, not only when the model changes", warning.Message);
            Assert.Contains("structured pruning", warning.Message);
            Assert.DoesNotContain("LangVersion", warning.Message);

            // 20 such layers (~73k constants, an estimate of 3-8 s) are below it.
            Assert.Null(SlowBuild(ModelCompiler.Compile(DeepMlp(20, 60, seed: 611), Options)));
        }

        [Fact]
        public void Without_utf8_literals_the_warning_says_to_raise_the_language_version()
        {
            // 2 x 700 x 700: the second layer no longer fits the string-literal budget and becomes 490,000 literals (~22 s).
            var w = RandomWeights(700 * 700, 621);
            byte[] onnx = new ModelBuilder().Input("x", null, 700).Output("y", null, 700)
                .Initializer("W1", new long[] { 700, 700 }, w).Initializer("W2", new long[] { 700, 700 }, w)
                .Node("Gemm", new[] { "x", "W1" }, new[] { "h" }, "fc1", Int("transB", 1))
                .Node("Gemm", new[] { "h", "W2" }, new[] { "y" }, "fc2", Int("transB", 1)).Build();
            Assert.Null(SlowBuild(ModelCompiler.Compile(onnx, Options with { Kernel = KernelChoice.DenseSimd })));
            var warning = SlowBuild(ModelCompiler.Compile(onnx, Options with { Kernel = KernelChoice.DenseSimd, Utf8StringLiterals = false }));
            Assert.NotNull(warning);
            Assert.Contains("use C# 11 or newer (LangVersion)", warning!.Message);
        }

        [Fact]
        public void The_generator_reports_it_as_a_compiler_warning_on_the_model_file()
        {
            string path = GeneratorHarness.WriteTemp(DeepMlp(70, 60, seed: 611), "deep.onnx");
            var result = GeneratorHarness.Run(new GeneratorHarness.ModelItem(path, "Deep", "Tests"));
            var warning = Assert.Single(result.Diagnostics, d => d.Id == "PCG0022");
            Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
            Assert.Equal(path, warning.Location.GetLineSpan().Path);
            Assert.StartsWith("deep.onnx: the generated code holds", warning.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains(result.Sources, s => s.HintName == "Tests.Deep.g.cs");   // a warning: the code is still generated
        }
    }
}
