// The digits sample: two ONNX models (dense and 90%-pruned) compiled to C# at build time by PrunedCodegen,
// evaluated on the held-out test split of scikit-learn's digits, and compared with PyTorch's own figures.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using EdgeApp;

string dataDir = Path.Combine(AppContext.BaseDirectory, "data");
var (pixels, labels) = DigitsData.LoadTestSplit(Path.Combine(dataDir, "digits_test.csv"));
using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "digits_metrics.json")));
int n = labels.Length;
Console.WriteLine($"PrunedCodegen digits sample: {n} test images of 8x8 pixels, 10 classes.");
Console.WriteLine($"Vector512: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector256: {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}, Vector128: {System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated}");
Console.WriteLine();

var dense = new float[n * DigitsDense.OutputLength];
var pruned = new float[n * DigitsPruned.OutputLength];
DigitsDense.PredictBatch(pixels, dense);
DigitsPruned.PredictBatch(pixels, pruned);

int[] densePred = DigitsData.ArgMax(dense, DigitsDense.OutputLength);
int[] prunedPred = DigitsData.ArgMax(pruned, DigitsPruned.OutputLength);
int denseCorrect = densePred.Zip(labels).Count(p => p.First == p.Second);
int prunedCorrect = prunedPred.Zip(labels).Count(p => p.First == p.Second);
int agree = densePred.Zip(prunedPred).Count(p => p.First == p.Second);

float denseDiff = DigitsData.MaxAbsDiff(dense, DigitsData.LoadLogits(Path.Combine(dataDir, "digits_test_logits_dense.csv")));
float prunedDiff = DigitsData.MaxAbsDiff(pruned, DigitsData.LoadLogits(Path.Combine(dataDir, "digits_test_logits_pruned.csv")));

double torchDense = metrics.RootElement.GetProperty("dense_test_accuracy").GetDouble();
double torchPruned = metrics.RootElement.GetProperty("pruned_finetuned_test_accuracy").GetDouble();

var (nsDense, nsPruned) = DigitsData.MedianNsPerPrediction(pixels, DigitsDense.InputLength, DigitsDense.OutputLength,
    (x, y) => DigitsDense.Predict(x, y), (x, y) => DigitsPruned.Predict(x, y));

var (nsDenseBatch, nsPrunedBatch) = DigitsData.MedianNsPerSampleBatch(pixels, DigitsDense.OutputLength,
    (x, y) => DigitsDense.PredictBatch(x, y), (x, y) => DigitsPruned.PredictBatch(x, y));

var inv = CultureInfo.InvariantCulture;
Console.WriteLine("model          accuracy  (PyTorch)  max |logit - PyTorch|  ns per sample: Predict  PredictBatch(450)");
Console.WriteLine(string.Format(inv, "dense          {0,8:0.0000}  ({1:0.0000})   {2,20:0.0e+00}  {3,22:0}  {4,17:0}", (double)denseCorrect / n, torchDense, denseDiff, nsDense, nsDenseBatch));
Console.WriteLine(string.Format(inv, "pruned (90%)   {0,8:0.0000}  ({1:0.0000})   {2,20:0.0e+00}  {3,22:0}  {4,17:0}", (double)prunedCorrect / n, torchPruned, prunedDiff, nsPruned, nsPrunedBatch));
Console.WriteLine("(medians of interleaved rounds on one thread; Predict is one sample per call)");
Console.WriteLine();
Console.WriteLine(string.Format(inv, "dense and pruned agree on {0} of {1} images ({2:0.0%}); pruned vs dense speed: {3:0.00}x with Predict, {4:0.00}x with PredictBatch.",
    agree, n, (double)agree / n, nsDense / nsPruned, nsDenseBatch / nsPrunedBatch));
Console.WriteLine($"parameters: dense {metrics.RootElement.GetProperty("total_params").GetInt32()}, pruned nonzero {metrics.RootElement.GetProperty("pruned_nonzero_params").GetInt32()} (the generated pruned code only stores and multiplies the nonzeros).");

// The CNN (Conv-BatchNorm-ReLU-MaxPool twice, Linear head), dense and with half of its filters pruned: BatchNorm is
// folded into the convs and the pruned filters, with the next layers' matching inputs, are removed at build time.
using var cnnMetrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "digits_cnn_metrics.json")));
var cnnDense = new float[n * DigitsCnnDense.OutputLength];
var cnnPruned = new float[n * DigitsCnnPruned.OutputLength];
DigitsCnnDense.PredictBatch(pixels, cnnDense);
DigitsCnnPruned.PredictBatch(pixels, cnnPruned);
int cnnDenseCorrect = DigitsData.ArgMax(cnnDense, 10).Zip(labels).Count(p => p.First == p.Second);
int cnnPrunedCorrect = DigitsData.ArgMax(cnnPruned, 10).Zip(labels).Count(p => p.First == p.Second);
float cnnDenseDiff = DigitsData.MaxAbsDiff(cnnDense, DigitsData.LoadLogits(Path.Combine(dataDir, "digits_cnn_test_logits_dense.csv")));
float cnnPrunedDiff = DigitsData.MaxAbsDiff(cnnPruned, DigitsData.LoadLogits(Path.Combine(dataDir, "digits_cnn_test_logits_pruned.csv")));
double torchCnnDense = cnnMetrics.RootElement.GetProperty("dense_test_accuracy").GetDouble();
double torchCnnPruned = cnnMetrics.RootElement.GetProperty("pruned_finetuned_test_accuracy").GetDouble();
int filtersPruned = cnnMetrics.RootElement.GetProperty("pruned_filters_per_conv").EnumerateArray().Sum(a => a.GetArrayLength());
var (nsCnnDense, nsCnnPruned) = DigitsData.MedianNsPerPrediction(pixels, DigitsCnnDense.InputLength, DigitsCnnDense.OutputLength,
    (x, y) => DigitsCnnDense.Predict(x, y), (x, y) => DigitsCnnPruned.Predict(x, y));
Console.WriteLine();
Console.WriteLine("CNN            accuracy  (PyTorch)  max |logit - PyTorch|  ns per sample: Predict");
Console.WriteLine(string.Format(inv, "dense          {0,8:0.0000}  ({1:0.0000})   {2,20:0.0e+00}  {3,22:0}", (double)cnnDenseCorrect / n, torchCnnDense, cnnDenseDiff, nsCnnDense));
Console.WriteLine(string.Format(inv, "pruned (50%)   {0,8:0.0000}  ({1:0.0000})   {2,20:0.0e+00}  {3,22:0}", (double)cnnPrunedCorrect / n, torchCnnPruned, cnnPrunedDiff, nsCnnPruned));
Console.WriteLine($"({filtersPruned} of the CNN's filters are all zero after pruning; the generator removed them and the inputs that read them.)");

bool ok = Math.Abs((double)denseCorrect / n - torchDense) < 1e-9 && Math.Abs((double)prunedCorrect / n - torchPruned) < 1e-9
    && Math.Abs((double)cnnDenseCorrect / n - torchCnnDense) < 1e-9 && Math.Abs((double)cnnPrunedCorrect / n - torchCnnPruned) < 1e-9;
Console.WriteLine(ok ? "OK: accuracies match PyTorch exactly." : "MISMATCH: accuracies differ from PyTorch's.");
return ok ? 0 : 1;
