using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace PrunedCodegen.Training.Data;

/// <summary>
/// A data set in memory: one row of features per sample, and either a class label (classification) or a row of
/// target values (regression) per sample.
/// </summary>
public sealed class LabeledData
{
    private LabeledData(float[] features, int width, int[]? labels, float[]? targets, int targetWidth)
    {
        Features = features;
        Width = width;
        Labels = labels;
        Targets = targets;
        TargetWidth = targetWidth;
        Count = width == 0 ? 0 : features.Length / width;
    }

    /// <summary>Row-major [Count, Width].</summary>
    public float[] Features { get; }

    public int Width { get; }

    public int Count { get; }

    /// <summary>Class indices, for classification; null for regression.</summary>
    public int[]? Labels { get; }

    /// <summary>Row-major [Count, TargetWidth] targets, for regression; null for classification.</summary>
    public float[]? Targets { get; }

    public int TargetWidth { get; }

    public bool IsClassification => Labels != null;

    public static LabeledData Classification(float[] features, int width, int[] labels)
    {
        Check(features, width, labels.Length);
        foreach (int label in labels)
        {
            if (label < 0)
                throw new TrainingException($"Label {label} is negative; class labels are 0, 1, 2, ...");
        }
        return new LabeledData(features, width, labels, null, 0);
    }

    public static LabeledData Regression(float[] features, int width, float[] targets, int targetWidth)
    {
        if (targetWidth <= 0 || targets.Length % targetWidth != 0)
            throw new TrainingException($"{targets.Length} target values do not form rows of {targetWidth}.");
        Check(features, width, targets.Length / targetWidth);
        return new LabeledData(features, width, null, targets, targetWidth);
    }

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public LabeledData Subset(IReadOnlyList<int> indices)
    {
        var features = new float[indices.Count * Width];
        for (int i = 0; i < indices.Count; i++)
            Features.AsSpan(indices[i] * Width, Width).CopyTo(features.AsSpan(i * Width));
        if (Labels != null)
        {
            var labels = new int[indices.Count];
            for (int i = 0; i < labels.Length; i++) labels[i] = Labels[indices[i]];
            return new LabeledData(features, Width, labels, null, 0);
        }
        var targets = new float[indices.Count * TargetWidth];
        for (int i = 0; i < indices.Count; i++)
            Targets!.AsSpan(indices[i] * TargetWidth, TargetWidth).CopyTo(targets.AsSpan(i * TargetWidth));
        return new LabeledData(features, Width, null, targets, TargetWidth);
    }

    /// <summary>
    /// Reads a CSV file with a header row. For classification the first column is the integer class label; for
    /// regression the first <paramref name="targetColumns"/> columns are the targets. The remaining columns are
    /// the features.
    /// </summary>
    /// <exception cref="TrainingException">A row of the wrong width, a value that is not a finite number, or a label that is not a non-negative integer; the message names the line and column.</exception>
    public static LabeledData ReadCsv(string path, bool classification = true, int targetColumns = 1)
    {
        if (!File.Exists(path))
            throw new TrainingException($"Data file '{path}' does not exist.");
        using var reader = new StreamReader(path);
        return ReadCsv(reader, path, classification, targetColumns);
    }

    public static LabeledData ReadCsv(TextReader reader, string source, bool classification = true, int targetColumns = 1)
    {
        if (classification && targetColumns != 1)
            throw new TrainingException("A classification data set has exactly one label column.");
        string? header = reader.ReadLine();
        if (header == null)
            throw new TrainingException($"{source}: the file is empty (a header row is expected).");
        int columns = header.Split(',').Length;
        int width = columns - targetColumns;
        if (width <= 0)
            throw new TrainingException($"{source}: the header has {columns} column(s); expected {targetColumns} target column(s) and at least one feature.");
        var features = new List<float>();
        var labels = new List<int>();
        var targets = new List<float>();
        int line = 1;
        for (string? text = reader.ReadLine(); text != null; text = reader.ReadLine())
        {
            line++;
            if (text.Length == 0)
                continue;
            string[] cells = text.Split(',');
            if (cells.Length != columns)
                throw new TrainingException($"{source}, line {line}: {cells.Length} values, but the header has {columns} columns.");
            for (int c = 0; c < columns; c++)
            {
                if (!float.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new TrainingException($"{source}, line {line}, column {c + 1}: '{cells[c]}' is not a finite number.");
                if (c >= targetColumns)
                    features.Add(v);
                else if (!classification)
                    targets.Add(v);
                else if (v < 0 || v != MathF.Floor(v) || v > int.MaxValue)
                    throw new TrainingException($"{source}, line {line}: label '{cells[c]}' is not a class index (0, 1, 2, ...).");
                else
                    labels.Add((int)v);
            }
        }
        if (features.Count == 0)
            throw new TrainingException($"{source}: no data rows.");
        return classification
            ? Classification(features.ToArray(), width, labels.ToArray())
            : Regression(features.ToArray(), width, targets.ToArray(), targetColumns);
    }

    private static void Check(float[] features, int width, int rows)
    {
        if (width <= 0 || features.Length != rows * width)
            throw new TrainingException($"{features.Length} feature values do not form {rows} rows of {width}.");
        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
                throw new TrainingException($"Row {i / width}, feature {i % width} is {features[i].ToString(CultureInfo.InvariantCulture)}; features must be finite.");
        }
    }
}
