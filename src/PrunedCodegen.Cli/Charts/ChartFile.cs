using System;
using System.IO;
using PrunedCodegen.Cli.Infrastructure;

namespace PrunedCodegen.Cli.Charts
{
    /// <summary>Writes a chart safely (<see cref="OutputFile"/>): .svg with <see cref="SvgChartWriter"/>, .png with <see cref="PngChartRenderer"/>.</summary>
    internal static class ChartFile
    {
        public static void Save(Chart chart, string path, bool force, params string[] inputs)
        {
            if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase))
                OutputFile.WriteAllText(path, SvgChartWriter.Write(chart), force, inputs);
            else
                OutputFile.Write(path, force, inputs, temp => PngChartRenderer.Save(chart, temp));
        }
    }
}
