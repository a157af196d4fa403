using System;
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
                Dataset data = IsNpy(dataPath)
                    ? NpyReader.LoadFeatures(dataPath)
                    : labelsPath != null
                        ? CsvDataset.Load(dataPath, labelColumn)
                        : CsvDataset.Load(dataPath, labelColumn ?? "label", labelOptional: labelColumn == null);
                if (labelsPath != null)
                {
                    int[] labels = IsNpy(labelsPath) ? NpyReader.LoadLabels(labelsPath) : CsvDataset.LoadLabels(labelsPath);
                    if (labels.Length != data.Rows)
                        throw new DataFormatException($"{labelsPath}: {labels.Length} labels for {data.Rows} samples in {dataPath}");
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

        private static bool IsNpy(string path) => path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
    }
}
