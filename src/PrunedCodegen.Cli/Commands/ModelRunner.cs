using System.IO;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Evaluation;

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
                throw new UserErrorException(ExitCodes.BadData, $"wrong width: the data has {data.Width} values per sample, but {modelPath} takes {model.InputLength}");
            return model.Run(data);
        }
    }
}
