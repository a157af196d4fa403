// The NEON check's runner: for fixed seeded inputs, prints every (model, kernel) class's outputs through Predict (64 samples,
// one call each) and PredictBatch (batches of 1, 2, 7 and 64), floats in round-trip format. tools/neon-check/run.sh runs it
// on linux-x64 and on linux-arm64 (qemu) and compares. Lines: "model <tab> kernel <tab> path <tab> sample <tab> v,v,...".
// On arm64 it refuses to run without AdvSimd: the point is to exercise the NEON paths.
using System;
using System.Globalization;
using System.IO;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using NeonCheck;

var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false, NewLine = "\n" };
string arch = RuntimeInformation.ProcessArchitecture.ToString();
output.WriteLine($"# arch {arch}");
output.WriteLine($"# simd AdvSimd={System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported} Avx2={System.Runtime.Intrinsics.X86.Avx2.IsSupported} " +
    $"Vector128={Vector128.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated} Vector512={Vector512.IsHardwareAccelerated} " +
    $"Vector<float>.Count={System.Numerics.Vector<float>.Count}");
if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64 &&
    !(System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported && Vector128.IsHardwareAccelerated))
{
    Console.Error.WriteLine("NeonCheck: arm64 without AdvSimd/Vector128 acceleration: the NEON paths would not run");
    return 1;
}

const int Samples = 64;
int[] batchSizes = { 1, 2, 7, 64 };
foreach (var m in ModelTable.All)
{
    var inputs = Inputs(m.Model, Samples * m.InputLength);
    var y = new float[Samples * m.OutputLength];
    for (int s = 0; s < Samples; s++)
    {
        m.Predict(inputs.AsSpan(s * m.InputLength, m.InputLength), y.AsSpan(s * m.OutputLength, m.OutputLength));
        Print(output, m, "predict", s, y.AsSpan(s * m.OutputLength, m.OutputLength));
    }
    foreach (int b in batchSizes)
    {
        Array.Clear(y);
        m.PredictBatch(inputs.AsSpan(0, b * m.InputLength), y.AsSpan(0, b * m.OutputLength));
        for (int s = 0; s < b; s++) Print(output, m, "batch" + b.ToString(CultureInfo.InvariantCulture), s, y.AsSpan(s * m.OutputLength, m.OutputLength));
    }
}
output.WriteLine($"# done {ModelTable.All.Length} classes");
output.Flush();
return 0;

// Inputs in [-1, 1) from a SplitMix64 seeded by the model name: the same on every machine and for every kernel of a model.
static float[] Inputs(string model, int count)
{
    ulong state = 17;
    foreach (char c in model) state = state * 31 + c;
    var x = new float[count];
    for (int i = 0; i < x.Length; i++)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        x[i] = (z >> 40) * (2f / (1 << 24)) - 1f;
    }
    return x;
}

static void Print(TextWriter output, ModelEntry m, string path, int sample, ReadOnlySpan<float> values)
{
    var text = new string[values.Length];
    for (int i = 0; i < values.Length; i++) text[i] = values[i].ToString("R", CultureInfo.InvariantCulture);
    output.Write(m.Model); output.Write('\t'); output.Write(m.Kernel); output.Write('\t'); output.Write(path); output.Write('\t');
    output.Write(sample.ToString(CultureInfo.InvariantCulture)); output.Write('\t'); output.WriteLine(string.Join(",", text));
}
