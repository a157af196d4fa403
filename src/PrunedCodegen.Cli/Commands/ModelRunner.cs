using System;
using System.IO;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>Compiles a model file for evaluation, with the tool's error mapping.</summary>
    internal static class ModelRunner
    {
        public static CompiledModel Load(string path) => Load(path, Inputs.ReadModelBytes(path));

        public static CompiledModel Load(string path, byte[] bytes)
        {
            Inputs.ParseModel(path, bytes); // a clear "not ONNX" error before the generator's
            return CompiledModel.Compile(bytes, Path.GetFileName(path));
        }

        public static float[] Run(CompiledModel model, Dataset data, string modelPath)
        {
            if (data.Width != model.InputLength)
                throw new UserErrorException(ExitCodes.BadData, $"wrong width: the data has {data.Width} values per sample, but {modelPath} takes {model.InputLength}{WidthHint(data.Width, model.InputLength, modelPath)}");
            return model.Run(data);
        }

        /// <summary>What a width mismatch most likely means: a fixed batch dimension, or a label column read as a feature.</summary>
        private static string WidthHint(int width, int inputLength, string modelPath)
        {
            if (width == inputLength + 1)
                return "; if one of the data's columns is the label, name it with --label-column (a column named 'label' is found without it)";
            try
            {
                var input = File.Exists(modelPath) ? OnnxReader.Read(File.ReadAllBytes(modelPath)).Graph?.Inputs.FirstOrDefault() : null;
                if (input?.Shape is { Count: > 1 } shape && shape[0].Value is long batch && batch > 1 && batch * width == inputLength)
                    return $": its input '{input.Name}' has a fixed batch of {batch} ([{string.Join(", ", shape.Select(d => d.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? d.Param))}]), " +
                        "and pcg runs one sample per call; export the model with a dynamic (or size 1) batch dimension";
            }
            catch (OnnxFormatException)
            {
            }
            return "";
        }
    }
}
