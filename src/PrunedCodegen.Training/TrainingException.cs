using System;

namespace PrunedCodegen.Training;

/// <summary>
/// A model or data set that training cannot use: an unsupported operator or attribute, a shape mismatch, bad
/// data (wrong width, NaN, a label out of range). The message names the node, row or column at fault.
/// </summary>
public sealed class TrainingException : Exception
{
    public TrainingException(string message) : base(message) { }

    public TrainingException(string message, Exception inner) : base(message, inner) { }
}
