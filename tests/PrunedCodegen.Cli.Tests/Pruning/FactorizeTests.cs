using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tests.Cli;
using PrunedCodegen.Cli.Tests.Infrastructure;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Factorization;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Cli.Tests.Pruning
{
    /// <summary>
    /// pcg factorize and LowRankFactorizer. The truncated SVD is checked by what it must satisfy (Eckart-Young: the
    /// squared Frobenius error of the thin pair is the dropped energy; the rank is the one asked for), the written
    /// models by ONNX Runtime (the generated code's count equals ORT's), never by our own earlier output.
    /// </summary>
    public class FactorizeTests
    {
        private static double[] Row(float[] m, int rows, int cols, int r) => Enumerable.Range(0, cols).Select(c => (double)m[r * cols + c]).ToArray();

        /// <summary>B A of a factorised layer: the thin MatMul before it (x A^T) and the layer's own [out x r] weight.</summary>
        private static double[,] Product(OnnxModel model, PrunableLayer layer)
        {
            var graph = model.Graph!;
            var thin = graph.Nodes.Single(n => n.OpType == "MatMul" && n.Outputs[0] == layer.Node.Inputs[0]);
            var aT = graph.Initializers.Single(t => t.Name == thin.Inputs[1]);
            int inputs = (int)aT.Dims[0], rank = (int)aT.Dims[1];
            float[] a = OnnxTensorData.ToFloats(aT), b = layer.ReadMatrix();
            Assert.Equal(rank, layer.Inputs);
            var p = new double[layer.Outputs, inputs];
            for (int o = 0; o < layer.Outputs; o++)
                for (int j = 0; j < inputs; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < rank; k++) sum += (double)b[o * rank + k] * a[j * rank + k];
                    p[o, j] = sum;
                }
            return p;
        }

        private static double RelativeSquaredError(float[] w, double[,] p)
        {
            double err = 0, norm = 0;
            int rows = p.GetLength(0), cols = p.GetLength(1);
            for (int o = 0; o < rows; o++)
                for (int j = 0; j < cols; j++)
                {
                    double d = w[o * cols + j] - p[o, j];
                    err += d * d;
                    norm += (double)w[o * cols + j] * w[o * cols + j];
                }
            return err / norm;
        }

        private static int OrtCorrect(string model)
        {
            var (pixels, labels) = Fixtures.TestSet();
            float[] logits = Ort.Run(File.ReadAllBytes(model), pixels, labels.Length, 64);
            return labels.Where((label, i) => Metrics.ArgMax(logits.AsSpan(i * 10, 10)) == label).Count();
        }

        [Fact]
        public void Energy_095_factorises_the_hidden_layers_with_the_Eckart_Young_error_and_keeps_the_accuracy()
        {
            // Measured on the digits MLP: ranks 40/64 and 33/64 (95.3% energy each), the 10 x 64 output layer left alone
            // (rank 9 needs 666 weights > 640); accuracy 0.9689 before and after, top-1 agreement 1.0.
            string output = Path.Combine(Fixtures.TempDir(), "thin.onnx");
            var r = PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--energy", "0.95", "--data", Fixtures.TestCsv, "--json");
            Assert.True(r.ExitCode == 0, r.Error);
            var json = JsonDocument.Parse(r.Output).RootElement;
            var layers = json.GetProperty("layers").EnumerateArray().ToArray();
            Assert.Equal(3, layers.Length);
            Assert.False(layers[2].GetProperty("factorized").GetBoolean());

            var original = OnnxReader.Read(File.ReadAllBytes(Fixtures.DenseModel));
            var thin = OnnxReader.Read(File.ReadAllBytes(output));
            var before = LayerFinder.Find(original);
            var after = LayerFinder.Find(thin).Where(l => l.Node.OpType == "Gemm").ToArray();
            for (int i = 0; i < 2; i++)
            {
                double kept = layers[i].GetProperty("energyKept").GetDouble();
                Assert.InRange(kept, 0.95, 1.0);
                int rank = layers[i].GetProperty("rank").GetInt32();
                Assert.Equal(rank, after[i].Inputs);
                Assert.True(rank * (before[i].Inputs + before[i].Outputs) < before[i].WeightCount);
                // Eckart-Young: the rank-r truncation misses by exactly the dropped energy (float32 factors: 1e-5 slack).
                double error = RelativeSquaredError(before[i].ReadMatrix(), Product(thin, after[i]));
                Assert.InRange(error, 1 - kept - 1e-5, 1 - kept + 1e-5);
            }
            // Still a 3-Gemm classifier, now with two thin MatMuls: ONNX Runtime and the generated code agree on it.
            Assert.Equal(2, thin.Graph!.Nodes.Count(n => n.OpType == "MatMul"));
            var evaluation = json.GetProperty("evaluation");
            int samples = evaluation.GetProperty("samples").GetInt32();
            Assert.Equal(OrtCorrect(output), (int)Math.Round(evaluation.GetProperty("accuracyAfter").GetDouble() * samples));
            Assert.InRange(evaluation.GetProperty("accuracyBefore").GetDouble() - evaluation.GetProperty("accuracyAfter").GetDouble(), -0.02, 0.01);
            // The timing itself is not asserted (a test machine's load moves it); the report must be one measurement, told
            // consistently: both medians positive and finite, and the speed-up (the median of the per-round ratios) within a
            // factor of 1.5 of their ratio, so a zero, missing or unrelated figure fails.
            double originalNs = evaluation.GetProperty("originalNs").GetDouble(), factorizedNs = evaluation.GetProperty("factorizedNs").GetDouble();
            double speedUp = evaluation.GetProperty("speedUp").GetDouble();
            Assert.True(double.IsFinite(originalNs) && originalNs > 0 && double.IsFinite(factorizedNs) && factorizedNs > 0, evaluation.ToString());
            Assert.InRange(speedUp / (originalNs / factorizedNs), 1 / 1.5, 1.5);
        }

        [Fact]
        public void A_fixed_rank_gives_thin_layers_of_that_rank_and_fine_tuning_wins_the_accuracy_back()
        {
            // Measured: rank 8 everywhere, 3,664 weights (of 17,024); 0.9378 without fine-tuning, 0.9644 after 3 epochs;
            // Predict 2.3-2.5x faster than the dense original (load 11-14, 2 cores).
            string dir = Fixtures.TempDir();
            string plain = Path.Combine(dir, "r8.onnx"), tuned = Path.Combine(dir, "r8_tuned.onnx");
            var r = PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", plain, "--rank", "8");
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("rank 8", r.Output);
            var layers = LayerFinder.Find(OnnxReader.Read(File.ReadAllBytes(plain)));
            Assert.Equal(new[] { (8, 64), (128, 8), (8, 128), (64, 8), (8, 64), (10, 8) }, layers.Select(l => (l.Outputs, l.Inputs)).ToArray());

            var t = PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", tuned, "--rank", "8", "--finetune-epochs", "3", "--train-data", Fixtures.TrainCsv,
                "--data", Fixtures.TestCsv, "--json");
            Assert.True(t.ExitCode == 0, t.Error);
            var evaluation = JsonDocument.Parse(t.Output).RootElement.GetProperty("evaluation");
            double accuracy = evaluation.GetProperty("accuracyAfter").GetDouble();
            Assert.Equal(OrtCorrect(tuned), (int)Math.Round(accuracy * 450));
            double untuned = OrtCorrect(plain) / 450.0;
            Assert.InRange(accuracy, 0.95, 1.0);
            Assert.True(accuracy > untuned, $"fine-tuned {accuracy}, not above {untuned}");
        }

        [Fact]
        public void A_MatMul_layer_is_factorised_in_its_own_layout()
        {
            // y = x W + b with W [6 x 5] of rank 2 exactly: rank 2 reproduces it (to float rounding), ORT as the judge.
            var random = new Random(5);
            float[] u = Enumerable.Range(0, 12).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            float[] v = Enumerable.Range(0, 10).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var w = new float[30];
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 5; j++)
                    w[i * 5 + j] = u[i * 2] * v[j * 2] + u[i * 2 + 1] * v[j * 2 + 1];
            var model = new OnnxModel { IrVersion = 8 };
            model.OpsetImports.Add(new OnnxOpsetImport { Domain = "", Version = 13 });
            var graph = new OnnxGraph { Name = "g" };
            model.Graph = graph;
            graph.Inputs.Add(new OnnxValueInfo { Name = "x", TypeKind = "tensor", ElementType = OnnxDataType.Float, Shape = new() { new OnnxDim { Param = "N" }, new OnnxDim { Value = 6 } } });
            graph.Outputs.Add(new OnnxValueInfo { Name = "y", TypeKind = "tensor", ElementType = OnnxDataType.Float, Shape = new() { new OnnxDim { Param = "N" }, new OnnxDim { Value = 5 } } });
            var wt = new OnnxTensor { Name = "W", DataType = OnnxDataType.Float };
            wt.Dims.AddRange(new long[] { 6, 5 });
            wt.FloatData.AddRange(w);
            var bt = new OnnxTensor { Name = "b", DataType = OnnxDataType.Float };
            bt.Dims.Add(5);
            bt.FloatData.AddRange(new[] { 0.1f, -0.2f, 0.3f, 0f, 1f });
            graph.Initializers.Add(wt);
            graph.Initializers.Add(bt);
            var mm = new OnnxNode { OpType = "MatMul", Name = "fc" };
            mm.Inputs.AddRange(new[] { "x", "W" });
            mm.Outputs.Add("xw");
            var add = new OnnxNode { OpType = "Add", Name = "bias" };
            add.Inputs.AddRange(new[] { "xw", "b" });
            add.Outputs.Add("y");
            graph.Nodes.Add(mm);
            graph.Nodes.Add(add);

            var result = LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = 2, Layers = new[] { "fc" } });
            var layer = Assert.Single(result.Layers);
            Assert.True(layer.Factorized, layer.Skipped);
            Assert.Equal(2, layer.Rank);
            Assert.InRange(layer.EnergyKept!.Value, 1 - 1e-9, 1.0);
            byte[] before = OnnxWriter.Write(model), after = OnnxWriter.Write(result.Model);
            float[] x = Enumerable.Range(0, 18).Select(i => (float)Math.Sin(i)).ToArray();
            Assert.True(Ort.MaxAbsDifference(Ort.Run(before, x, 3, 6), Ort.Run(after, x, 3, 6)) < 1e-5);
            Assert.Equal(new long[] { 6, 2 }, result.Model.Graph!.Initializers.Single(t => t.Name == "W_lowrank").Dims.ToArray());
            Assert.Equal(new long[] { 2, 5 }, result.Model.Graph!.Initializers.Single(t => t.Name == "W").Dims.ToArray());
            Assert.Equal(new[] { "MatMul", "MatMul", "Add" }, result.Model.Graph!.Nodes.Select(n => n.OpType).ToArray());
            Assert.Equal(30, w.Length); // the caller's model is untouched
            Assert.Equal(new long[] { 6, 5 }, wt.Dims.ToArray());
        }

        /// <summary>Singular values of <see cref="KnownSpectrumModel"/>: 8, 4, 2, ..., 1/64 (halving), so each rank's share is known in advance.</summary>
        private static readonly double[] KnownSpectrum = Enumerable.Range(0, 10).Select(k => 8.0 / (1 << k)).ToArray();

        /// <summary>Orthonormal columns by modified Gram-Schmidt on seeded random vectors (computed here, not by the SVD under test).</summary>
        private static double[][] Orthonormal(int count, int length, int seed)
        {
            var random = new Random(seed);
            var basis = new double[count][];
            for (int k = 0; k < count; k++)
            {
                var v = Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5).ToArray();
                for (int j = 0; j < k; j++)
                {
                    double dot = v.Zip(basis[j], (a, b) => a * b).Sum();
                    for (int i = 0; i < length; i++) v[i] -= dot * basis[j][i];
                }
                double norm = Math.Sqrt(v.Sum(x => x * x));
                basis[k] = v.Select(x => x / norm).ToArray();
            }
            return basis;
        }

        /// <summary>
        /// y = x W^T + b, Gemm(transB=1), W [12 out x 10 in] = sum_k s_k u_k v_k^T with <see cref="KnownSpectrum"/> and
        /// orthonormal u, v: its SVD is known by construction.
        /// </summary>
        private static (OnnxModel Model, float[] W) KnownSpectrumModel()
        {
            var u = Orthonormal(10, 12, 1);
            var v = Orthonormal(10, 10, 2);
            var w = new float[120];
            for (int o = 0; o < 12; o++)
                for (int i = 0; i < 10; i++)
                    w[o * 10 + i] = (float)Enumerable.Range(0, 10).Sum(k => KnownSpectrum[k] * u[k][o] * v[k][i]);
            float[] b = Enumerable.Range(0, 12).Select(i => 0.1f * (i - 6)).ToArray();
            var model = new ModelBuilder().Input("x", null, 10).Output("y", null, 12)
                .Initializer("W", new long[] { 12, 10 }, w).Initializer("b", new long[] { 12 }, b)
                .Node("Gemm", new[] { "x", "W", "b" }, new[] { "y" }, "fc", ModelBuilder.Int("transB", 1)).Model;
            return (model, w);
        }

        [Fact]
        public void The_reconstruction_error_is_the_dropped_energy_at_every_rank_and_full_rank_reproduces_the_layer()
        {
            var (model, w) = KnownSpectrumModel();
            double total = KnownSpectrum.Sum(x => x * x);
            double previous = double.PositiveInfinity;
            for (int rank = 1; rank <= 10; rank++)
            {
                // OnlyWherePays off: ranks 6-10 do not save MACs on 12 x 10, but must still be exact truncations.
                var result = LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = rank, OnlyWherePays = false });
                var layer = LayerFinder.Find(result.Model).Single(l => l.Node.OpType == "Gemm");
                double error = RelativeSquaredError(w, Product(result.Model, layer));
                double dropped = KnownSpectrum.Skip(rank).Sum(x => x * x) / total;
                Assert.True(Math.Abs(error - dropped) <= 1e-3 * dropped + 1e-10, $"rank {rank}: error {error}, dropped energy {dropped}");
                Assert.True(error < previous, $"rank {rank}: error {error} not below rank {rank - 1}'s {previous}");
                previous = error;
            }
            Assert.True(previous < 1e-10, $"full rank: relative squared error {previous}");

            // Independently of our own product: ONNX Runtime gives the same outputs for the full-rank pair as for the layer.
            var full = LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = 10, OnlyWherePays = false });
            Assert.Equal(new[] { "MatMul", "Gemm" }, full.Model.Graph!.Nodes.Select(n => n.OpType).ToArray());
            var random = new Random(3);
            float[] x = Enumerable.Range(0, 7 * 10).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] before = Ort.Run(OnnxWriter.Write(model), x, 7, 10), after = Ort.Run(OnnxWriter.Write(full.Model), x, 7, 10);
            Assert.True(Ort.MaxAbsDifference(before, after) < 1e-5, $"max difference {Ort.MaxAbsDifference(before, after)}");
            // And at rank 3 they differ by about what the dropped 1 + 1/4 + ... of the spectrum allows, not by nothing.
            var thin = LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = 3 });
            double rank3 = Ort.MaxAbsDifference(before, Ort.Run(OnnxWriter.Write(thin.Model), x, 7, 10));
            Assert.InRange(rank3, 0.05, 1.2 * Math.Sqrt(10) * Math.Sqrt(KnownSpectrum.Skip(3).Sum(s => s * s)));
        }

        [Theory]
        // Shares of the energy held by ranks 1..5: 64/85.33 = 0.750, 80/85.33 = 0.9375, 84/85.33 = 0.9844, 85/85.33 = 0.9961,
        // 85.25/85.33 = 0.99903 (total 64 + 16 + 4 + 1 + 1/4 + ... + 1/4096 = 85.333).
        [InlineData("0.7", 1)]
        [InlineData("0.9", 2)]
        [InlineData("0.95", 3)]
        [InlineData("0.99", 4)]
        [InlineData("0.999", 5)]
        public void Energy_picks_the_fewest_singular_values_holding_the_share(string energy, int expectedRank)
        {
            string dir = Fixtures.TempDir();
            string input = Path.Combine(dir, "known.onnx"), output = Path.Combine(dir, "thin.onnx");
            File.WriteAllBytes(input, OnnxWriter.Write(KnownSpectrumModel().Model));
            var r = PcgRunner.Run("factorize", input, "-o", output, "--energy", energy, "--json");
            Assert.True(r.ExitCode == 0, r.Error);
            var layer = Assert.Single(JsonDocument.Parse(r.Output).RootElement.GetProperty("layers").EnumerateArray());
            Assert.Equal(expectedRank, layer.GetProperty("rank").GetInt32());
            Assert.True(layer.GetProperty("factorized").GetBoolean());
            // 12 x 10 with a 12-value bias: 132 params and 120 MACs before; r (10 + 12) weights and MACs after, plus the bias.
            Assert.Equal(132, layer.GetProperty("paramsBefore").GetInt64());
            Assert.Equal(120, layer.GetProperty("macsBefore").GetInt64());
            Assert.Equal(expectedRank * 22 + 12, layer.GetProperty("paramsAfter").GetInt64());
            Assert.Equal(expectedRank * 22, layer.GetProperty("macsAfter").GetInt64());
            Assert.Equal(expectedRank, LayerFinder.Find(OnnxReader.Read(File.ReadAllBytes(output))).Single(l => l.Node.OpType == "Gemm").Inputs);
        }

        [Fact]
        public void A_rank_multiple_rounds_the_energy_rank_down()
        {
            Assert.Equal(32, LowRankFactorizer.RoundDown(33, 16));
            Assert.Equal(32, LowRankFactorizer.RoundDown(47, 16));
            Assert.Equal(16, LowRankFactorizer.RoundDown(16, 16));
            Assert.Equal(15, LowRankFactorizer.RoundDown(15, 16)); // under one vector: kept
            Assert.Equal(40, LowRankFactorizer.RoundDown(47, 8));

            // The known spectrum: energy 0.999 needs rank 5; rounded down to a multiple of 4 it is rank 4, which holds
            // 85 of the 85.333 (0.99609).
            string dir = Fixtures.TempDir();
            string input = Path.Combine(dir, "known.onnx");
            File.WriteAllBytes(input, OnnxWriter.Write(KnownSpectrumModel().Model));
            var r = PcgRunner.Run("factorize", input, "-o", Path.Combine(dir, "thin.onnx"), "--energy", "0.999", "--rank-multiple", "4", "--json");
            Assert.True(r.ExitCode == 0, r.Error);
            var layer = Assert.Single(JsonDocument.Parse(r.Output).RootElement.GetProperty("layers").EnumerateArray());
            Assert.Equal(4, layer.GetProperty("rank").GetInt32());
            Assert.Equal(5, layer.GetProperty("energyRank").GetInt32());
            double total = KnownSpectrum.Sum(x => x * x);
            Assert.InRange(layer.GetProperty("energyKept").GetDouble(), 85 / total - 1e-6, 85 / total + 1e-6);

            // The digits MLP at 0.95: every factorised rank is a multiple of 16, at most the energy's rank and within 16 of it.
            var digits = PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", Path.Combine(dir, "digits.onnx"), "--energy", "0.95", "--rank-multiple", "16", "--json");
            Assert.True(digits.ExitCode == 0, digits.Error);
            var factorised = JsonDocument.Parse(digits.Output).RootElement.GetProperty("layers").EnumerateArray().Where(l => l.GetProperty("factorized").GetBoolean()).ToArray();
            Assert.NotEmpty(factorised);
            foreach (var l in factorised)
            {
                int rank = l.GetProperty("rank").GetInt32(), asked = l.GetProperty("energyRank").GetInt32();
                Assert.True(rank % 16 == 0 && rank <= asked && asked < rank + 16, $"rank {rank} for energy rank {asked}");
            }

            Assert.Equal(ExitCodes.Usage, PcgRunner.Run("factorize", input, "-o", Path.Combine(dir, "a.onnx"), "--energy", "0.9", "--rank-multiple", "0").ExitCode);
            Assert.Equal(ExitCodes.Usage, PcgRunner.Run("factorize", input, "-o", Path.Combine(dir, "b.onnx"), "--rank", "3", "--rank-multiple", "4").ExitCode);
        }

        [Fact]
        public void A_layer_is_factorised_only_below_its_break_even_rank()
        {
            // 12 x 10: rank 5 costs 5 x 22 = 110 MACs (< 120), rank 6 costs 132 (>= 120): nothing to factorise.
            string dir = Fixtures.TempDir();
            string input = Path.Combine(dir, "known.onnx");
            File.WriteAllBytes(input, OnnxWriter.Write(KnownSpectrumModel().Model));
            var five = PcgRunner.Run("factorize", input, "-o", Path.Combine(dir, "r5.onnx"), "--rank", "5");
            Assert.True(five.ExitCode == 0, five.Error);
            Assert.Contains("110", five.Output);
            var six = PcgRunner.Run("factorize", input, "-o", Path.Combine(dir, "r6.onnx"), "--rank", "6");
            Assert.Equal(ExitCodes.NothingToPrune, six.ExitCode);
            Assert.Contains("skipped", six.Error + six.Output, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("rank 6 does not reduce MACs", six.Error);
            Assert.False(File.Exists(Path.Combine(dir, "r6.onnx")));
        }

        [Fact]
        public void The_generated_code_of_the_factorised_digits_MLP_matches_ONNX_Runtime_and_plans_the_pairs_as_dense_layers()
        {
            string output = Path.Combine(Fixtures.TempDir(), "thin.onnx");
            var r = PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--energy", "0.95", "--json");
            Assert.True(r.ExitCode == 0, r.Error);
            int[] ranks = JsonDocument.Parse(r.Output).RootElement.GetProperty("layers").EnumerateArray()
                .Where(l => l.GetProperty("factorized").GetBoolean()).Select(l => l.GetProperty("rank").GetInt32()).ToArray();
            Assert.Equal(2, ranks.Length);

            // The generator's code, Predict and PredictBatch, against ONNX Runtime on the whole test split.
            byte[] bytes = File.ReadAllBytes(output);
            var (pixels, labels) = Fixtures.TestSet();
            var data = new Dataset(pixels, labels.Length, 64, labels);
            using var compiled = CompiledModel.Compile(bytes, "thin.onnx");
            float[] ort = Ort.Run(bytes, pixels, labels.Length, 64);
            Assert.True(Ort.MaxAbsDifference(ort, compiled.Run(data)) < 1e-4, $"PredictBatch vs ORT: {Ort.MaxAbsDifference(ort, compiled.Run(data))}");
            Assert.True(Ort.MaxAbsDifference(ort, compiled.RunOneByOne(data)) < 1e-4, $"Predict vs ORT: {Ort.MaxAbsDifference(ort, compiled.RunOneByOne(data))}");

            // inspect: each pair is two dense layers (r x in, then out x r), each with a kernel of the generator's plan.
            var inspect = PcgRunner.Run("inspect", output, "--json");
            Assert.True(inspect.ExitCode == 0, inspect.Error);
            var root = JsonDocument.Parse(inspect.Output).RootElement;
            Assert.Equal(JsonValueKind.Null, root.GetProperty("planError").ValueKind);
            var layers = root.GetProperty("layers").EnumerateArray()
                .Select(l => (l.GetProperty("outputs").GetInt32(), l.GetProperty("inputs").GetInt32(), l.GetProperty("kernel").GetString())).ToArray();
            Assert.Equal(new[] { (ranks[0], 64), (128, ranks[0]), (ranks[1], 128), (64, ranks[1]), (10, 64) }, layers.Select(l => (l.Item1, l.Item2)).ToArray());
            Assert.All(layers, l => Assert.StartsWith("dense", l.Item3));
        }

        [Fact]
        public void Gemm_without_transB_and_with_alpha_beta_keeps_its_outputs_at_full_rank()
        {
            // y = 0.5 x W + 2 b, W stored [in 10 x out 12] (transB=0): the pair must keep alpha and beta where they act.
            var (known, w) = KnownSpectrumModel();
            var stored = new float[120];
            for (int o = 0; o < 12; o++)
                for (int i = 0; i < 10; i++)
                    stored[i * 12 + o] = w[o * 10 + i];
            var b = OnnxTensorData.ToFloats(known.Graph!.Initializers.Single(t => t.Name == "b"));
            var model = new ModelBuilder().Input("x", null, 10).Output("y", null, 12)
                .Initializer("W", new long[] { 10, 12 }, stored).Initializer("b", new long[] { 12 }, b)
                .Node("Gemm", new[] { "x", "W", "b" }, new[] { "y" }, "fc", ModelBuilder.Float("alpha", 0.5f), ModelBuilder.Float("beta", 2f)).Model;
            var random = new Random(4);
            float[] x = Enumerable.Range(0, 5 * 10).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] before = Ort.Run(OnnxWriter.Write(model), x, 5, 10);
            var full = LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = 10, OnlyWherePays = false });
            Assert.True(Ort.MaxAbsDifference(before, Ort.Run(OnnxWriter.Write(full.Model), x, 5, 10)) < 1e-5);
            // Rank 4 misses by the dropped 1/2 + 1/4 + ... of the spectrum: a difference, but a bounded one.
            var thin = LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = 4 });
            Assert.True(Assert.Single(thin.Layers).Factorized);
            double diff = Ort.MaxAbsDifference(before, Ort.Run(OnnxWriter.Write(thin.Model), x, 5, 10));
            Assert.InRange(diff, 1e-3, 0.5 * Math.Sqrt(10) * Math.Sqrt(KnownSpectrum.Skip(4).Sum(v => v * v)) * 1.01);
        }

        [Fact]
        public void An_IR3_model_that_lists_its_weights_as_graph_inputs_still_loads_in_ONNX_Runtime()
        {
            // Older exporters (IR 3) list every initializer among the graph inputs; the new thin weight must be listed too.
            var (model, _) = KnownSpectrumModel();
            model.IrVersion = 3;
            model.OpsetImports[0].Version = 8;
            foreach (var t in model.Graph!.Initializers)
            {
                var info = new OnnxValueInfo { Name = t.Name, TypeKind = "tensor", ElementType = OnnxDataType.Float, Shape = new() };
                foreach (long d in t.Dims) info.Shape.Add(new OnnxDim { Value = d });
                model.Graph.Inputs.Add(info);
            }
            var random = new Random(6);
            float[] x = Enumerable.Range(0, 3 * 10).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var full = LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = 10, OnlyWherePays = false });
            byte[] bytes = OnnxWriter.Write(full.Model);
            Assert.True(Ort.MaxAbsDifference(Ort.Run(OnnxWriter.Write(model), x, 3, 10), Ort.Run(bytes, x, 3, 10)) < 1e-5);
            var listed = full.Model.Graph!.Inputs.Select(v => v.Name).ToHashSet();
            Assert.All(full.Model.Graph.Initializers, t => Assert.Contains(t.Name, listed));
            // And every listed shape is the initializer's.
            foreach (var t in full.Model.Graph.Initializers)
                Assert.Equal(t.Dims.ToArray(), full.Model.Graph.Inputs.Single(v => v.Name == t.Name).Shape!.Select(d => d.Value ?? -1).ToArray());
            // The generator still sees one input (the listed weights are constants) and agrees with ONNX Runtime.
            using var compiled = CompiledModel.Compile(bytes, "ir3.onnx");
            Assert.True(Ort.MaxAbsDifference(Ort.Run(bytes, x, 3, 10), compiled.Run(new Dataset(x, 3, 10, null))) < 1e-4);
        }

        /// <summary>
        /// Conv x [N, 2, 7, 7] -> [N, 12, 4, 4] (3x3 window, stride 2, pad 1, bias), W [12, 2, 3, 3] = sum_k s_k u_k v_k^T over
        /// its [12 x 18] matrix with singular values 8, 4, ..., 8/2^11 (known by construction, as for the dense layer).
        /// </summary>
        private static (OnnxModel Model, float[] W, double[] Spectrum) KnownSpectrumConv(long group = 1)
        {
            double[] spectrum = Enumerable.Range(0, 12).Select(k => 8.0 / (1 << k)).ToArray();
            var u = Orthonormal(12, 12, 7);
            var v = Orthonormal(12, 18, 8);
            var w = new float[12 * 18];
            for (int o = 0; o < 12; o++)
                for (int i = 0; i < 18; i++)
                    w[o * 18 + i] = (float)Enumerable.Range(0, 12).Sum(k => spectrum[k] * u[k][o] * v[k][i]);
            float[] b = Enumerable.Range(0, 12).Select(i => 0.05f * i).ToArray();
            long inChannels = 2 / group;
            var model = new ModelBuilder().Input("x", null, 2, 7, 7).Output("y", null, 12, 4, 4)
                .Initializer("W", new long[] { 12, inChannels, 3, 3 }, group == 1 ? w : w.Take(12 * 9).ToArray()).Initializer("b", new long[] { 12 }, b)
                .Node("Conv", new[] { "x", "W", "b" }, new[] { "y" }, "conv", ModelBuilder.Ints("kernel_shape", 3, 3), ModelBuilder.Ints("strides", 2, 2),
                    ModelBuilder.Ints("pads", 1, 1, 1, 1), ModelBuilder.Int("group", group)).Model;
            return (model, w, spectrum);
        }

        [Fact]
        public void A_conv_is_factorised_across_channels_with_the_dropped_energy_as_its_error_and_exact_at_full_rank()
        {
            var (model, w, spectrum) = KnownSpectrumConv();
            var random = new Random(9);
            float[] x = Enumerable.Range(0, 3 * 2 * 7 * 7).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] before = Ort.RunShaped(OnnxWriter.Write(model), x, 3, 2, 7, 7);

            var full = LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = 12, Convolutions = true, OnlyWherePays = false });
            var nodes = full.Model.Graph!.Nodes;
            Assert.Equal(new[] { "Conv", "Conv" }, nodes.Select(n => n.OpType).ToArray());
            Assert.Contains(nodes[0].Attributes, a => a.Name == "strides");
            Assert.Empty(nodes[1].Attributes);
            Assert.True(Ort.MaxAbsDifference(before, Ort.RunShaped(OnnxWriter.Write(full.Model), x, 3, 2, 7, 7)) < 1e-5);

            double total = spectrum.Sum(v => v * v);
            foreach (int rank in new[] { 1, 3, 6 })
            {
                var result = LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = rank, Convolutions = true });
                Assert.True(Assert.Single(result.Layers).Factorized);
                var graph = result.Model.Graph!;
                float[] a = OnnxTensorData.ToFloats(graph.Initializers.Single(t => t.Name == graph.Nodes[0].Inputs[1]));
                var bTensor = graph.Initializers.Single(t => t.Name == graph.Nodes[1].Inputs[1]);
                Assert.Equal(new long[] { rank, 2, 3, 3 }, graph.Initializers.Single(t => t.Name == graph.Nodes[0].Inputs[1]).Dims.ToArray());
                Assert.Equal(new long[] { 12, rank, 1, 1 }, bTensor.Dims.ToArray());
                float[] b = OnnxTensorData.ToFloats(bTensor);
                var product = new double[12, 18];
                for (int o = 0; o < 12; o++)
                    for (int i = 0; i < 18; i++)
                        for (int k = 0; k < rank; k++)
                            product[o, i] += (double)b[o * rank + k] * a[k * 18 + i];
                double error = RelativeSquaredError(w, product), dropped = spectrum.Skip(rank).Sum(v => v * v) / total;
                Assert.True(Math.Abs(error - dropped) <= 1e-3 * dropped + 1e-10, $"rank {rank}: error {error}, dropped {dropped}");
                // The generated code of the factorised conv agrees with ONNX Runtime on it.
                byte[] bytes = OnnxWriter.Write(result.Model);
                using var compiled = CompiledModel.Compile(bytes, "conv.onnx");
                Assert.True(Ort.MaxAbsDifference(Ort.RunShaped(bytes, x, 3, 2, 7, 7), compiled.Run(new Dataset(x, 3, 2 * 7 * 7, null))) < 1e-4);
            }

            // Without Convolutions (pcg factorize without --conv) and for a grouped conv, the layer is left alone.
            Assert.Contains("--conv", Assert.Single(LowRankFactorizer.Factorize(model, new FactorizeOptions { Rank = 3 }).Layers).Skipped);
            var grouped = LowRankFactorizer.Factorize(KnownSpectrumConv(group: 2).Model, new FactorizeOptions { Rank = 3, Convolutions = true });
            Assert.Contains("grouped", Assert.Single(grouped.Layers).Skipped);
        }

        [Fact]
        public void The_factorised_digits_CNN_runs_in_the_generated_code_as_ONNX_Runtime_runs_it()
        {
            string output = Path.Combine(Fixtures.TempDir(), "cnn.onnx");
            var r = PcgRunner.Run("factorize", Fixtures.CnnDenseModel, "-o", output, "--rank", "8", "--conv", "--json");
            Assert.True(r.ExitCode == 0, r.Error);
            var layers = JsonDocument.Parse(r.Output).RootElement.GetProperty("layers").EnumerateArray().ToArray();
            // 16 x 9 at rank 8 needs 200 > 144 weights: skipped; 32 x 144 at rank 8: 1,408 of 4,608 per output position.
            Assert.False(layers[0].GetProperty("factorized").GetBoolean());
            Assert.True(layers[1].GetProperty("factorized").GetBoolean());
            Assert.Equal(1408, layers[1].GetProperty("macsAfter").GetInt64());
            Assert.Equal("output position", layers[1].GetProperty("macsPer").GetString());
            byte[] bytes = File.ReadAllBytes(output);
            var (pixels, labels) = Fixtures.TestSet();
            using var compiled = CompiledModel.Compile(bytes, "cnn.onnx");
            var data = new Dataset(pixels, labels.Length, 64, labels);
            float[] ort = Ort.RunShaped(bytes, pixels, labels.Length, 1, 8, 8);
            Assert.True(Ort.MaxAbsDifference(ort, compiled.Run(data)) < 1e-4, $"PredictBatch vs ORT: {Ort.MaxAbsDifference(ort, compiled.Run(data))}");
            Assert.True(Ort.MaxAbsDifference(ort, compiled.RunOneByOne(data)) < 1e-4, $"Predict vs ORT: {Ort.MaxAbsDifference(ort, compiled.RunOneByOne(data))}");
        }

        [Fact]
        public void RankForEnergy_takes_the_fewest_values_reaching_the_share()
        {
            // 64 equal values: each holds 1/64 of the energy, so a share e needs ceil(64 e) of them.
            double[] flat = Enumerable.Repeat(1.0, 64).ToArray();
            Assert.Equal(64, LowRankFactorizer.RankForEnergy(flat, 1.0));
            Assert.Equal(32, LowRankFactorizer.RankForEnergy(flat, 0.5));
            Assert.Equal(33, LowRankFactorizer.RankForEnergy(flat, 0.51));
            // One value of 10 and 63 of 0.1: the first holds 100 of 100.63.
            double[] dominant = new[] { 10.0 }.Concat(Enumerable.Repeat(0.1, 63)).ToArray();
            Assert.Equal(1, LowRankFactorizer.RankForEnergy(dominant, 0.99));
            Assert.Equal(64, LowRankFactorizer.RankForEnergy(dominant, 1.0));
        }

        [Fact]
        public void Bad_requests_are_refused_with_their_exit_codes_and_write_nothing()
        {
            string output = Path.Combine(Fixtures.TempDir(), "out.onnx");
            Assert.Equal(ExitCodes.Usage, PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output).ExitCode);
            Assert.Equal(ExitCodes.Usage, PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--rank", "4", "--energy", "0.9").ExitCode);
            Assert.Equal(ExitCodes.Usage, PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--rank", "4", "--finetune-epochs", "2").ExitCode);
            Assert.Equal(ExitCodes.ImpossibleSparsity, PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--energy", "1.5").ExitCode);
            Assert.Equal(ExitCodes.ImpossibleSparsity, PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--rank", "0").ExitCode);
            var unknown = PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--rank", "4", "--layers", "fc9");
            Assert.Equal(ExitCodes.UnknownLayer, unknown.ExitCode);
            Assert.Contains("no layer named 'fc9'", unknown.Error);
            foreach (string energy in new[] { "0", "-0.5", "1.0001", "NaN" })
                Assert.Equal(ExitCodes.ImpossibleSparsity, PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--energy", energy).ExitCode);
            Assert.Equal(ExitCodes.ImpossibleSparsity, PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--rank", "-3").ExitCode);
            Assert.Equal(ExitCodes.Usage, PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--rank", "two").ExitCode);
            // Rank 64 saves nothing anywhere: every layer is left alone, which is "nothing to factorise" (9), not a copy of the input.
            var nothing = PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--rank", "64");
            Assert.Equal(ExitCodes.NothingToPrune, nothing.ExitCode);
            Assert.Contains("no layer was factorised", nothing.Error);
            Assert.Contains("rank 64 does not reduce MACs", nothing.Error);
            // Only convolutions asked for: nothing this command factorises.
            var conv = PcgRunner.Run("factorize", Fixtures.CnnDenseModel, "-o", output, "--rank", "2", "--layers", "/0/Conv,/4/Conv");
            Assert.Equal(ExitCodes.NothingToPrune, conv.ExitCode);
            Assert.Contains("a convolution", conv.Error);
            // No Gemm or MatMul at all.
            string relu = Path.Combine(Fixtures.TempDir(), "relu.onnx");
            File.WriteAllBytes(relu, new ModelBuilder().Input("x", null, 4).Output("y", null, 4).Node("Relu", new[] { "x" }, new[] { "y" }, "r").Build());
            var none = PcgRunner.Run("factorize", relu, "-o", output, "--energy", "0.9");
            Assert.Equal(ExitCodes.NothingToPrune, none.ExitCode);
            Assert.Contains("no Gemm or MatMul layer", none.Error);
            Assert.False(File.Exists(output));
            // An existing output is kept without --force.
            File.WriteAllText(output, "keep me");
            Assert.Equal(ExitCodes.OutputRefused, PcgRunner.Run("factorize", Fixtures.DenseModel, "-o", output, "--rank", "4").ExitCode);
            Assert.Equal("keep me", File.ReadAllText(output));
            string input = Path.Combine(Fixtures.TempDir(), "model.onnx");
            File.Copy(Fixtures.DenseModel, input);
            Assert.NotEqual(0, PcgRunner.Run("factorize", input, "-o", input, "--rank", "4", "--force").ExitCode);
            Assert.Equal(File.ReadAllBytes(Fixtures.DenseModel), File.ReadAllBytes(input));
        }

        [Fact]
        public void Inspect_reports_the_rank_at_each_energy_level()
        {
            var r = PcgRunner.Run("inspect", Fixtures.DenseModel, "--json");
            Assert.True(r.ExitCode == 0, r.Error);
            var lowRank = JsonDocument.Parse(r.Output).RootElement.GetProperty("lowRank").EnumerateArray().ToArray();
            Assert.Equal(3, lowRank.Length);
            foreach (var layer in lowRank)
            {
                int full = layer.GetProperty("fullRank").GetInt32();
                int[] ranks = layer.GetProperty("ranks").EnumerateArray().Select(x => x.GetProperty("rank").GetInt32()).ToArray();
                Assert.Equal(3, ranks.Length);
                Assert.True(ranks[0] <= ranks[1] && ranks[1] <= ranks[2] && ranks[2] <= full, string.Join(",", ranks));
            }
            Assert.Contains("low-rank", PcgRunner.Run("inspect", Fixtures.DenseModel).Output);
        }
    }
}
