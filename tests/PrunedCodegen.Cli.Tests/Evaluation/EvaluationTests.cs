using System;
using System.IO;
using System.Linq;
using System.Text;
using PrunedCodegen.Cli.Tests.Infrastructure;
using PrunedCodegen.Evaluation;

namespace PrunedCodegen.Cli.Tests.Evaluation
{
    public class EvaluationTests
    {
        [Theory]
        [InlineData("digits_dense.onnx", "dense_test_correct")]
        [InlineData("digits_pruned.onnx", "pruned_test_correct")]
        public void Compiled_generated_code_matches_onnx_runtime_and_pytorch_accuracy(string file, string metric)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(Fixtures.Dir, file));
            var (pixels, labels) = Fixtures.TestSet();
            using var model = CompiledModel.Compile(bytes, file);
            var data = new Dataset(pixels, labels.Length, 64, labels);
            float[] batch = model.Run(data);
            float[] single = model.RunOneByOne(data);
            float[] ort = Ort.Run(bytes, pixels, labels.Length, 64);
            Assert.True(Ort.MaxAbsDifference(ort, batch) < 1e-4, $"PredictBatch vs ORT: {Ort.MaxAbsDifference(ort, batch)}");
            Assert.True(Ort.MaxAbsDifference(ort, single) < 1e-4, $"Predict vs ORT: {Ort.MaxAbsDifference(ort, single)}");
            var report = Metrics.Compute(batch, labels.Length, 10, labels, ort);
            Assert.Equal(Fixtures.Metrics.GetProperty(metric).GetInt32(), report.Correct);
            Assert.Equal(labels.Length, report.Agreeing);
            var (baselineNs, candidateNs, speedUp) = CompiledModel.MeasureAgainst(model, model, data, samples: 64, rounds: 5);
            Assert.True(baselineNs > 0 && candidateNs > 0);
            Assert.InRange(speedUp, 0.2, 5); // the same model against itself: about 1 on a quiet machine
        }

        [Fact]
        public void Model_ending_in_class_indices_is_refused_with_a_clear_message()
        {
            // The generator compiles an ArgMax head (its output is a Span<long>); evaluation scores float outputs.
            var model = PrunedCodegen.Onnx.OnnxReader.Read(File.ReadAllBytes(Fixtures.DenseModel));
            var graph = model.Graph!;
            var head = new PrunedCodegen.Onnx.OnnxNode { OpType = "ArgMax", Name = "head" };
            head.Inputs.Add(graph.Outputs[0].Name);
            head.Outputs.Add("label");
            head.Attributes.Add(new PrunedCodegen.Onnx.OnnxAttribute { Name = "axis", Type = PrunedCodegen.Onnx.OnnxAttributeType.Int, I = 1 });
            graph.Nodes.Add(head);
            graph.Outputs.Clear();
            graph.Outputs.Add(new PrunedCodegen.Onnx.OnnxValueInfo { Name = "label", TypeKind = "tensor", ElementType = PrunedCodegen.Onnx.OnnxDataType.Int64 });
            var e = Assert.Throws<ModelCompileFailedException>(() => CompiledModel.Compile(PrunedCodegen.Onnx.OnnxWriter.Write(model), "digits_head.onnx"));
            Assert.Contains("output 'label' is int64 class indices", e.Message);
        }

        [Fact]
        public void Metrics_of_a_small_hand_worked_example()
        {
            // 3 classes, 5 samples. Predictions (argmax): 0, 1, 1, 2, 0; labels: 0, 1, 2, 2, 1.
            float[] outputs = { 9, 1, 1, 1, 9, 1, 0, 5, 4, 0, 0, 3, 2, 1, 1 };
            float[] reference = { 9, 1, 1, 1, 9, 1, 0, 4, 5, 0, 0, 3, 1, 2, 1 };
            var report = Metrics.Compute(outputs, 5, 3, new[] { 0, 1, 2, 2, 1 }, reference);
            Assert.Equal(3, report.Correct);
            Assert.Equal(0.6, report.Accuracy);
            Assert.Equal(new[] { new[] { 1, 0, 0 }, new[] { 1, 1, 0 }, new[] { 0, 1, 1 } }, report.ConfusionMatrix);
            Assert.Equal(0.5, report.PerClass![0].Precision);  // predicted 0 twice, right once
            Assert.Equal(0.5, report.PerClass[1].Recall);      // two 1s, one found
            Assert.Equal(1.0, report.PerClass[2].Precision);
            Assert.Equal(3, report.Agreeing);                  // samples 2 and 4 differ from the reference
            Assert.Equal(1.0, report.MaxAbsDifference);
            Assert.Equal(4.0 / 15, report.MeanAbsDifference!.Value, 12);
        }

        private static string Write(string dir, string name, string text)
        {
            string path = Path.Combine(dir, name);
            File.WriteAllText(path, text);
            return path;
        }

        [Fact]
        public void Csv_with_header_label_column_and_without_header()
        {
            string dir = Fixtures.TempDir();
            var withHeader = CsvDataset.Load(Write(dir, "a.csv", "a,label,b\n1.5,2,3\n-4,0,5e-1\n"), "label");
            Assert.Equal(new[] { 1.5f, 3f, -4f, 0.5f }, withHeader.Features);
            Assert.Equal(new[] { 2, 0 }, withHeader.Labels);
            var noHeader = CsvDataset.Load(Write(dir, "b.csv", "1,2\n3,4\n"), "0");
            Assert.Equal(new[] { 2f, 4f }, noHeader.Features);
            Assert.Equal(new[] { 1, 3 }, noHeader.Labels);
            Assert.Null(CsvDataset.Load(Write(dir, "c.csv", "x,y\n1,2\n"), "label", labelOptional: true).Labels);
        }

        [Theory]
        [InlineData("1,2,3\n4,5\n", "ragged row")]
        [InlineData("1,2,3\n4,x,6\n", "'x' is not a number")]
        [InlineData("1,2,3\n4,NaN,6\n", "is not a number")]
        [InlineData("\n\n", "no data rows")]
        public void Bad_csv_is_a_clear_data_error(string text, string message)
        {
            string path = Write(Fixtures.TempDir(), "bad.csv", text);
            var e = Assert.Throws<DataFormatException>(() => CsvDataset.Load(path, null));
            Assert.Contains(message, e.Message);
            Assert.Contains("bad.csv", e.Message);
        }

        [Fact]
        public void Label_that_is_not_a_class_index_is_refused()
        {
            string path = Write(Fixtures.TempDir(), "l.csv", "label,a\n1.5,2\n");
            Assert.Contains("not a class index", Assert.Throws<DataFormatException>(() => CsvDataset.Load(path, "label")).Message);
        }

        /// <summary>A .npy file written byte by byte as NumPy's format specification describes (version 1.0).</summary>
        internal static byte[] Npy(string descr, string shape, byte[] data)
        {
            string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
            int total = 10 + header.Length + 1;
            header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
            var bytes = new System.Collections.Generic.List<byte> { 0x93 };
            bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
            bytes.Add(1); bytes.Add(0);
            bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
            bytes.AddRange(Encoding.ASCII.GetBytes(header));
            bytes.AddRange(data);
            return bytes.ToArray();
        }

        [Fact]
        public void Npy_float32_features_and_int64_labels()
        {
            string dir = Fixtures.TempDir();
            string x = Path.Combine(dir, "x.npy"), y = Path.Combine(dir, "y.npy");
            File.WriteAllBytes(x, Npy("<f4", "(2, 3)", new[] { 1f, 2f, 3f, 4f, 5f, 6.5f }.SelectMany(BitConverter.GetBytes).ToArray()));
            File.WriteAllBytes(y, Npy("<i8", "(2,)", new[] { 7L, 0L }.SelectMany(BitConverter.GetBytes).ToArray()));
            var data = NpyReader.LoadFeatures(x);
            Assert.Equal((2, 3), (data.Rows, data.Width));
            Assert.Equal(6.5f, data.Features[5]);
            Assert.Equal(new[] { 7, 0 }, NpyReader.LoadLabels(y));
        }

        [Fact]
        public void Npy_with_too_little_data_or_another_format_is_refused()
        {
            string dir = Fixtures.TempDir();
            string shortFile = Path.Combine(dir, "short.npy"), csv = Path.Combine(dir, "fake.npy");
            File.WriteAllBytes(shortFile, Npy("<f4", "(2, 3)", new byte[8]));
            File.WriteAllText(csv, "1,2,3\n");
            Assert.Contains("needs 24 bytes", Assert.Throws<DataFormatException>(() => NpyReader.LoadFeatures(shortFile)).Message);
            Assert.Contains("not a .npy file", Assert.Throws<DataFormatException>(() => NpyReader.LoadFeatures(csv)).Message);
        }
    }
}
