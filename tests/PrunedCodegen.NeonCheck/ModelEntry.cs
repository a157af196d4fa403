using System;

namespace NeonCheck
{
    internal delegate void PredictFn(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>One generated class: its model, the Kernel it was compiled with, its sizes and its two entry points.</summary>
    internal sealed record ModelEntry(string Model, string Kernel, int InputLength, int OutputLength, PredictFn Predict, PredictFn PredictBatch);
}
