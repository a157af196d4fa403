using System;
using System.Globalization;
using System.IO;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Cli.Infrastructure
{
    /// <summary>Reads the tool's inputs, turning every problem with them into a <see cref="UserErrorException"/>.</summary>
    public static class Inputs
    {
        public static byte[] ReadModelBytes(string path)
        {
            if (!File.Exists(path))
                throw new UserErrorException(ExitCodes.BadModel, $"{path}: no such file");
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UserErrorException(ExitCodes.BadModel, $"{path}: cannot be read: {e.Message}");
            }
        }

        public static OnnxModel ReadModel(string path) => ParseModel(path, ReadModelBytes(path));

        public static OnnxModel ParseModel(string path, byte[] bytes)
        {
            try
            {
                var model = OnnxReader.Read(bytes);
                if (model.Graph!.HasSparseInitializers)
                    throw new UserErrorException(ExitCodes.BadModel, $"{path}: the model has sparse initializers, which pcg does not read");
                return model;
            }
            catch (OnnxFormatException e)
            {
                throw new UserErrorException(ExitCodes.BadModel, $"{path}: not a valid ONNX model: {e.Message.Replace("not an ONNX model: ", "")}");
            }
        }

        /// <summary>Features (and labels) from .csv or .npy; labels from a separate file or a CSV label column.</summary>
        public static Dataset ReadData(string dataPath, string? labelsPath, string? labelColumn)
        {
            if (!File.Exists(dataPath)) throw new UserErrorException(ExitCodes.BadData, $"{dataPath}: no such file");
            if (labelsPath != null && !File.Exists(labelsPath)) throw new UserErrorException(ExitCodes.BadData, $"{labelsPath}: no such file");
            try
            {
                // A CSV column named 'label' is the label column unless --label-column names another, also when the
                // labels come from their own file: it is never read as a feature.
                Dataset data = IsNpy(dataPath)
                    ? NpyReader.LoadFeatures(dataPath)
                    : CsvDataset.Load(dataPath, labelColumn ?? "label", labelOptional: labelColumn == null);
                if (labelsPath != null)
                {
                    int[] labels = IsNpy(labelsPath) ? NpyReader.LoadLabels(labelsPath) : CsvDataset.LoadLabels(labelsPath);
                    if (labels.Length != data.Rows)
                        throw new DataFormatException($"{labelsPath}: {labels.Length} labels for {data.Rows} samples in {dataPath}");
                    if (data.Labels is int[] inData && FirstDifference(inData, labels) is int row)
                    {
                        throw new DataFormatException(string.Format(CultureInfo.InvariantCulture,
                            "{0} has a label column ('{1}') and --labels {2} gives other labels (row {3}: {4} in the data, {5} in the labels file); " +
                            "drop one of them, or name the data's label column with --label-column",
                            dataPath, labelColumn ?? "label", labelsPath, row + 1, inData[row], labels[row]));
                    }
                    data = data.WithLabels(labels);
                }
                return data;
            }
            catch (DataFormatException e)
            {
                throw new UserErrorException(ExitCodes.BadData, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UserErrorException(ExitCodes.BadData, $"cannot read the data: {e.Message}");
            }
        }

        private static int? FirstDifference(int[] a, int[] b)
        {
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i]) return i;
            return null;
        }

        private static bool IsNpy(string path) => path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
    }
}
