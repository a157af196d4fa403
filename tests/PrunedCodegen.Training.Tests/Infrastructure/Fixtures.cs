using System;
using System.IO;
using PrunedCodegen.Training.Data;

namespace PrunedCodegen.Training.Tests.Infrastructure;

/// <summary>The committed fixtures (tests/fixtures, copied beside the test assembly).</summary>
internal static class Fixtures
{
    public static string PathOf(params string[] parts) => Path.Combine(AppContext.BaseDirectory, "fixtures", Path.Combine(parts));

    public static byte[] Bytes(params string[] parts) => File.ReadAllBytes(PathOf(parts));

    public static byte[] DigitsDense => Bytes("digits", "digits_dense.onnx");

    public static byte[] DigitsPruned => Bytes("digits", "digits_pruned.onnx");

    public static LabeledData DigitsTrain => LabeledData.ReadCsv(PathOf("digits", "digits_train.csv"));

    public static LabeledData DigitsTest => LabeledData.ReadCsv(PathOf("digits", "digits_test.csv"));
}
