using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tests.Infrastructure;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Cli.Tests.Cli
{
    public class VerbTests
    {
        [Theory]
        [InlineData("inspect")]
        [InlineData("prune")]
        [InlineData("finetune")]
        [InlineData("evaluate")]
        [InlineData("sweep")]
        [InlineData("generate")]
        [InlineData("factorize")]
        [InlineData("optimize")]
        public void Every_verb_has_help_with_examples(string verb)
        {
            var r = PcgRunner.Run(verb, "--help");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("Examples:", r.Output);
            Assert.Contains("pcg " + verb, r.Output);
        }

        [Fact]
        public void Inspect_json_reports_the_zeros_pytorch_recorded_for_the_pruned_fixture()
        {
            var r = PcgRunner.Run("inspect", Fixtures.PrunedModel, "--json");
            Assert.Equal(0, r.ExitCode);
            var json = JsonDocument.Parse(r.Output).RootElement;
            var expected = Fixtures.Metrics.GetProperty("sparsity_per_layer").EnumerateArray().Select(l => l.GetProperty("zeros").GetInt32());
            Assert.Equal(expected, json.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("zeros").GetInt32()));
            Assert.Equal(Fixtures.Metrics.GetProperty("total_params").GetInt32(), json.GetProperty("totals").GetProperty("parameters").GetInt32());
            Assert.All(json.GetProperty("layers").EnumerateArray(), l => Assert.False(string.IsNullOrEmpty(l.GetProperty("kernel").GetString())));
        }

        /// <summary>
        /// A CNN's layers get the generator's kernel too, convolutions and the dense layer after them (before, the plan list
        /// held dense layers only, never matched a CNN's layers, and every kernel showed as "-").
        /// </summary>
        [Fact]
        public void Inspect_json_gives_a_CNNs_conv_and_dense_layers_their_kernels()
        {
            var r = PcgRunner.Run("inspect", Fixtures.CnnDenseModel, "--json");
            Assert.Equal(0, r.ExitCode);
            var layers = JsonDocument.Parse(r.Output).RootElement.GetProperty("layers").EnumerateArray().ToList();
            Assert.Contains(layers, l => l.GetProperty("opType").GetString() == "Conv");
            Assert.All(layers, l => Assert.False(string.IsNullOrEmpty(l.GetProperty("kernel").GetString()), l.ToString()));
            Assert.All(layers.Where(l => l.GetProperty("opType").GetString() == "Conv"), l => Assert.StartsWith("conv ", l.GetProperty("kernel").GetString()));
        }

        [Fact]
        public void Inspect_table_names_every_layer_and_the_totals()
        {
            var r = PcgRunner.Run("inspect", Fixtures.PrunedModel);
            Assert.Equal(0, r.ExitCode);
            foreach (string s in new[] { "/0/Gemm", "/2/Gemm", "/4/Gemm", "17,226", "90.0%", "ns/sample" })
                Assert.Contains(s, r.Output);
        }

        [Fact]
        public void Prune_then_evaluate_reproduces_pytorchs_one_shot_accuracy()
        {
            // PyTorch's global L1 one-shot pruning of the same model at 90% scored 261/450 (digits_metrics.json).
            string dir = Fixtures.TempDir();
            string pruned = Path.Combine(dir, "p90.onnx");
            byte[] inputBefore = SHA256.HashData(File.ReadAllBytes(Fixtures.DenseModel));
            var p = PcgRunner.Run("prune", Fixtures.DenseModel, "-o", pruned, "--sparsity", "0.9");
            Assert.True(p.ExitCode == 0, p.Error);
            Assert.Equal(inputBefore, SHA256.HashData(File.ReadAllBytes(Fixtures.DenseModel)));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp*"));

            var e = PcgRunner.Run("evaluate", pruned, "--data", Fixtures.TestCsv, "--against", Fixtures.DenseModel, "--json");
            Assert.True(e.ExitCode == 0, e.Error);
            var json = JsonDocument.Parse(e.Output).RootElement;
            Assert.Equal(Fixtures.Metrics.GetProperty("pruned_oneshot_test_correct").GetInt32(), json.GetProperty("correct").GetInt32());
            Assert.Equal(450, json.GetProperty("samples").GetInt32());
            Assert.Equal(10, json.GetProperty("confusionMatrix").GetArrayLength());
            Assert.InRange(json.GetProperty("agreement").GetDouble(), 0.3, 0.99);
        }

        [Fact]
        public void Evaluate_table_of_the_dense_model_shows_pytorchs_accuracy()
        {
            var r = PcgRunner.Run("evaluate", Fixtures.DenseModel, "--data", Fixtures.TestCsv, "--label-column", "label");
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("accuracy: 0.9689 (436/450)", r.Output);
            Assert.Contains("confusion matrix", r.Output);
        }

        [Theory]
        [InlineData("--method", "structured", "--sparsity", "0.5")]
        [InlineData("--pattern", "2:4")]
        [InlineData("--pattern", "block:8x1", "--sparsity", "0.75", "--scope", "layer")]
        [InlineData("--method", "random", "--sparsity", "0.5", "--seed", "2", "--exclude", "/4/Gemm")]
        public void Pruned_outputs_load_in_onnx_runtime(params string[] options)
        {
            string output = Path.Combine(Fixtures.TempDir(), "out.onnx");
            var r = PcgRunner.Run(new[] { "prune", Fixtures.DenseModel, "-o", output }.Concat(options).ToArray());
            Assert.True(r.ExitCode == 0, r.Error);
            var (pixels, labels) = Fixtures.TestSet();
            var logits = Ort.Run(File.ReadAllBytes(output), pixels, labels.Length, 64);
            Assert.Equal(labels.Length * 10, logits.Length);
        }

        [Fact]
        public void Existing_outputs_are_refused_without_force_and_the_input_never_overwritten()
        {
            string dir = Fixtures.TempDir();
            string output = Path.Combine(dir, "out.onnx");
            File.WriteAllText(output, "keep me");
            var refused = PcgRunner.Run("prune", Fixtures.DenseModel, "-o", output, "--sparsity", "0.5");
            Assert.Equal(ExitCodes.OutputRefused, refused.ExitCode);
            Assert.Equal("keep me", File.ReadAllText(output));
            Assert.Contains("--force", refused.Error);

            Assert.Equal(0, PcgRunner.Run("prune", Fixtures.DenseModel, "-o", output, "--sparsity", "0.5", "--force").ExitCode);
            Assert.NotNull(OnnxReader.Read(File.ReadAllBytes(output)));

            string input = Path.Combine(dir, "model.onnx");
            File.Copy(Fixtures.DenseModel, input);
            var self = PcgRunner.Run("prune", input, "-o", input, "--sparsity", "0.5", "--force");
            Assert.Equal(ExitCodes.OutputRefused, self.ExitCode);
            Assert.Equal(File.ReadAllBytes(Fixtures.DenseModel), File.ReadAllBytes(input));
        }

        [Fact]
        public void Generate_writes_the_generators_code_and_the_kernels()
        {
            string dir = Fixtures.TempDir();
            string output = Path.Combine(dir, "Digits.g.cs");
            var r = PcgRunner.Run("generate", Fixtures.PrunedModel, "-o", output, "--class", "DigitsModel", "--namespace", "Demo.App");
            Assert.True(r.ExitCode == 0, r.Error);
            string source = File.ReadAllText(output);
            var expected = ModelCompiler.Compile(File.ReadAllBytes(Fixtures.PrunedModel), new CompileOptions("DigitsModel", "Demo.App", "digits_pruned.onnx"));
            Assert.Equal(expected.Source, source);
            Assert.Equal(ModelCompiler.KernelsSource, File.ReadAllText(Path.Combine(dir, ModelCompiler.KernelsHintName)));

            var again = PcgRunner.Run("generate", Fixtures.PrunedModel, "-o", Path.Combine(dir, "Other.g.cs"));
            Assert.True(again.ExitCode == 0, again.Error); // the kernels file is already current: shared, not refused
            Assert.Contains("class DigitsPruned", File.ReadAllText(Path.Combine(dir, "Other.g.cs")));
        }

        [Fact]
        public void Generate_with_skip_locals_init_puts_the_attribute_on_the_model_and_the_kernels()
        {
            string dir = Fixtures.TempDir();
            string output = Path.Combine(dir, "Digits.g.cs");
            var r = PcgRunner.Run("generate", Fixtures.PrunedModel, "-o", output, "--class", "DigitsModel", "--skip-locals-init");
            Assert.True(r.ExitCode == 0, r.Error);
            var expected = ModelCompiler.Compile(File.ReadAllBytes(Fixtures.PrunedModel), new CompileOptions("DigitsModel", "", "digits_pruned.onnx") { SkipLocalsInit = true });
            Assert.Equal(expected.Source, File.ReadAllText(output));
            Assert.Contains("[global::System.Runtime.CompilerServices.SkipLocalsInit]", expected.Source);
            Assert.Equal(ModelCompiler.KernelsSourceFor(skipLocalsInit: true), File.ReadAllText(Path.Combine(dir, ModelCompiler.KernelsHintName)));
        }

        [Fact]
        public void Generate_refuses_a_different_kernels_file_before_writing_anything()
        {
            string dir = Fixtures.TempDir();
            File.WriteAllText(Path.Combine(dir, ModelCompiler.KernelsHintName), "// an older version");
            var r = PcgRunner.Run("generate", Fixtures.PrunedModel, "-o", Path.Combine(dir, "M.g.cs"));
            Assert.Equal(ExitCodes.OutputRefused, r.ExitCode);
            Assert.False(File.Exists(Path.Combine(dir, "M.g.cs")));
        }

        [Fact]
        public void Generate_shows_warnings_on_stderr()
        {
            // An opset newer than the generator knows compiles, with warning PCG0023 (the compiler would show it too).
            var model = OnnxReader.Read(File.ReadAllBytes(Fixtures.DenseModel));
            model.OpsetImports.Single(o => o.Domain.Length == 0 || o.Domain == "ai.onnx").Version = 99;
            string dir = Fixtures.TempDir(), path = Path.Combine(dir, "future.onnx");
            File.WriteAllBytes(path, OnnxWriter.Write(model));
            var r = PcgRunner.Run("generate", path, "-o", Path.Combine(dir, "Future.g.cs"));
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("warning PCG0023: future.onnx: the model imports ONNX opset 99", r.Error);
            Assert.True(File.Exists(Path.Combine(dir, "Future.g.cs")));
        }

        [Fact]
        public void Sweep_writes_table_csv_and_charts()
        {
            string prefix = Path.Combine(Fixtures.TempDir(), "sweep");
            var r = PcgRunner.Run("sweep", Fixtures.DenseModel, "--data", Fixtures.TestCsv, "-o", prefix, "--sparsity", "0.5,0.9",
                "--method", "magnitude,structured", "--no-timing");
            Assert.True(r.ExitCode == 0, r.Error);
            var csv = File.ReadAllLines(prefix + ".csv");
            Assert.Equal(1 + 1 + 4, csv.Length);
            // The 90% magnitude row scores PyTorch's one-shot accuracy (261/450).
            Assert.Contains(csv, l => l.StartsWith("magnitude global,magnitude,global,0.9,0.9,", System.StringComparison.Ordinal) && l.Contains(",0.58,"));
            Assert.Contains("<svg", File.ReadAllText(prefix + ".svg"));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(prefix + ".png").Take(4));
            Assert.Contains("| structured global | 0.50 |", File.ReadAllText(prefix + ".md"));
        }

        [Theory]
        [InlineData("0.5:0.98:0.04", 13, 0.98)]
        [InlineData("0.5,0.9", 2, 0.9)]
        public void Sweep_sparsity_ranges_are_inclusive(string text, int count, double last)
        {
            var levels = PrunedCodegen.Cli.Commands.SweepCommand.ParseLevels(text);
            Assert.Equal(count, levels.Count);
            Assert.Equal(last, levels[^1], 9);
        }
    }
}
