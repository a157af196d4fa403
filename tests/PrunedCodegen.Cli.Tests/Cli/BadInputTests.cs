using System.Linq;
using System.IO;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tests.Infrastructure;

namespace PrunedCodegen.Cli.Tests.Cli
{
    /// <summary>Every user error ends in one clear line on stderr, its own exit code, and no stack trace.</summary>
    public class BadInputTests
    {
        private static void AssertFails(int exitCode, string expectedMessage, params string[] args)
        {
            var r = PcgRunner.Run(args);
            Assert.True(exitCode == r.ExitCode, $"exit {r.ExitCode}, stderr: {r.Error}");
            Assert.Contains(expectedMessage, r.Error);
            Assert.DoesNotContain("   at ", r.Error);
            Assert.DoesNotContain("Exception", r.Error);
        }

        private static string Csv(string text)
        {
            string path = Path.Combine(Fixtures.TempDir(), "data.csv");
            File.WriteAllText(path, text);
            return path;
        }

        private static string Out() => Path.Combine(Fixtures.TempDir(), "out.onnx");

        [Fact]
        public void Missing_model() => AssertFails(ExitCodes.BadModel, "no such file", "inspect", "nope.onnx");

        [Fact]
        public void Not_an_onnx_file() => AssertFails(ExitCodes.BadModel, "not a valid ONNX model", "prune", Fixtures.TestCsv, "-o", Out(), "--sparsity", "0.5");

        [Fact]
        public void Truncated_model()
        {
            string path = Path.Combine(Fixtures.TempDir(), "cut.onnx");
            File.WriteAllBytes(path, File.ReadAllBytes(Fixtures.DenseModel)[..5000]);
            AssertFails(ExitCodes.BadModel, "not a valid ONNX model", "evaluate", path, "--data", Fixtures.TestCsv);
        }

        [Fact]
        public void Ragged_csv() => AssertFails(ExitCodes.BadData, "ragged row", "evaluate", Fixtures.DenseModel, "--data", Csv("label,a,b\n1,2,3\n1,2\n"));

        [Fact]
        public void Non_numeric_cell() => AssertFails(ExitCodes.BadData, "'abc' is not a number", "evaluate", Fixtures.DenseModel, "--data", Csv("label,a,b\n1,abc,3\n"));

        [Fact]
        public void Wrong_width() => AssertFails(ExitCodes.BadData, "wrong width: the data has 2 values per sample", "evaluate", Fixtures.DenseModel, "--data", Csv("label,a,b\n1,2,3\n"));

        [Fact]
        public void Missing_data_file() => AssertFails(ExitCodes.BadData, "no such file", "evaluate", Fixtures.DenseModel, "--data", "nope.csv");

        [Fact]
        public void Labels_count_mismatch() => AssertFails(ExitCodes.BadData, "1 labels for 450 samples", "evaluate", Fixtures.DenseModel, "--data", Fixtures.TestCsv, "--labels", Csv("3\n"));

        [Fact]
        public void A_labels_file_that_disagrees_with_the_label_column_is_bad_data()
        {
            // digits_test.csv has a 'label' column; row 1's label is 2.
            var (_, labels) = Fixtures.TestSet();
            string other = Csv(string.Join("\n", labels.Select((l, i) => (i == 0 ? (l + 1) % 10 : l).ToString())) + "\n");
            AssertFails(ExitCodes.BadData, "has a label column ('label') and --labels", "evaluate", Fixtures.DenseModel, "--data", Fixtures.TestCsv, "--labels", other);
        }

        [Fact]
        public void A_labels_file_next_to_a_label_column_does_not_make_the_column_a_feature()
        {
            // Was: with --labels, the data's 'label' column was read as a 65th feature (a width error on the 64-input model).
            var (_, labels) = Fixtures.TestSet();
            string same = Csv(string.Join("\n", labels) + "\n");
            var r = PcgRunner.Run("evaluate", Fixtures.DenseModel, "--data", Fixtures.TestCsv, "--labels", same, "--json");
            Assert.True(r.ExitCode == 0, r.Error);
            var plain = PcgRunner.Run("evaluate", Fixtures.DenseModel, "--data", Fixtures.TestCsv, "--json");
            Assert.Equal(System.Text.Json.JsonDocument.Parse(plain.Output).RootElement.GetProperty("correct").GetInt32(),
                System.Text.Json.JsonDocument.Parse(r.Output).RootElement.GetProperty("correct").GetInt32());
        }

        [Fact]
        public void Unknown_layer() => AssertFails(ExitCodes.UnknownLayer, "no layer named 'fc7'", "prune", Fixtures.DenseModel, "-o", Out(), "--sparsity", "0.5", "--exclude", "fc7");

        [Theory]
        [InlineData("1")]
        [InlineData("1.5")]
        [InlineData("-0.2")]
        public void Impossible_sparsity(string sparsity) => AssertFails(ExitCodes.ImpossibleSparsity, "impossible", "prune", Fixtures.DenseModel, "-o", Out(), "--sparsity", sparsity);

        [Fact]
        public void Sparsity_that_contradicts_the_n_of_m_pattern() =>
            AssertFails(ExitCodes.ImpossibleSparsity, "is impossible with it", "prune", Fixtures.DenseModel, "-o", Out(), "--pattern", "2:4", "--sparsity", "0.9");

        [Fact]
        public void Impossible_sweep_level() => AssertFails(ExitCodes.ImpossibleSparsity, "impossible", "sweep", Fixtures.DenseModel, "--data", Fixtures.TestCsv, "-o", Out(), "--sparsity", "0.5:1.2:0.1");

        [Fact]
        public void Unknown_option() => AssertFails(ExitCodes.Usage, "--bogus", "prune", Fixtures.DenseModel, "-o", Out(), "--bogus");

        [Fact]
        public void Bad_pattern() => AssertFails(ExitCodes.Usage, "block:RxC", "prune", Fixtures.DenseModel, "-o", Out(), "--sparsity", "0.5", "--pattern", "block:8");

        [Fact]
        public void Bad_method() => AssertFails(ExitCodes.Usage, "is not one of magnitude, random, structured", "prune", Fixtures.DenseModel, "-o", Out(), "--sparsity", "0.5", "--method", "lottery");

        [Fact]
        public void Missing_sparsity() => AssertFails(ExitCodes.Usage, "--sparsity is required", "prune", Fixtures.DenseModel, "-o", Out());

        [Fact]
        public void Output_folder_missing() => AssertFails(ExitCodes.OutputRefused, "does not exist", "prune", Fixtures.DenseModel, "-o", "/nonexistent-dir/x.onnx", "--sparsity", "0.5");

        [Fact]
        public void Bad_class_name_for_generate() => AssertFails(ExitCodes.Usage, "not a valid C# identifier", "generate", Fixtures.DenseModel, "-o", Path.Combine(Fixtures.TempDir(), "M.g.cs"), "--class", "1bad");
    }
}
