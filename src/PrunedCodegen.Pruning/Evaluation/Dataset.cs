using System;

namespace PrunedCodegen.Evaluation
{
    /// <summary>Samples as one row-major float array ([Rows][Width]) and, when known, one class label per row.</summary>
    public sealed class Dataset
    {
        public Dataset(float[] features, int rows, int width, int[]? labels)
        {
            if (features.Length != (long)rows * width) throw new ArgumentException("features do not hold rows x width values", nameof(features));
            if (labels != null && labels.Length != rows) throw new ArgumentException("one label per row is needed", nameof(labels));
            Features = features; Rows = rows; Width = width; Labels = labels;
        }

        public float[] Features { get; }
        public int Rows { get; }
        public int Width { get; }
        public int[]? Labels { get; }

        public Dataset WithLabels(int[] labels) => new Dataset(Features, Rows, Width, labels);
    }

    /// <summary>A data file that cannot be used: the message names the file, and the line and column where it can.</summary>
    public sealed class DataFormatException : Exception
    {
        public DataFormatException(string message) : base(message) { }
    }
}
