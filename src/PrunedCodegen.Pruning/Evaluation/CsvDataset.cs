using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PrunedCodegen.Evaluation
{
    /// <summary>
    /// Reads numeric CSV: comma-separated, invariant culture, an optional header row (detected when a cell of the
    /// first row is not a number). A label column is picked by header name or 0-based index.
    /// </summary>
    public static class CsvDataset
    {
        /// <param name="labelColumn">Header name or 0-based index of the label column; null for none.</param>
        /// <param name="labelOptional">When true, a missing <paramref name="labelColumn"/> means no labels instead of an error.</param>
        public static Dataset Load(string path, string? labelColumn, bool labelOptional = false)
        {
            var rows = new List<float[]>();
            string[]? header = null;
            int width = -1, lineNumber = 0;
            foreach (string rawLine in File.ReadLines(path))
            {
                lineNumber++;
                string line = rawLine.TrimEnd('\r');
                if (line.Trim().Length == 0) continue;
                var cells = line.Split(',');
                if (header == null && rows.Count == 0 && cells.Any(c => !TryNumber(c, out _)))
                {
                    if (cells.All(c => !TryNumber(c, out _)))
                    {
                        header = cells.Select(c => c.Trim().Trim('"')).ToArray();
                        width = cells.Length;
                        continue;
                    }
                }
                if (width < 0) width = cells.Length;
                if (cells.Length != width)
                    throw new DataFormatException($"{path}:{lineNumber}: ragged row: {cells.Length} cells where the {(header != null ? "header has" : "first row has")} {width}");
                var values = new float[width];
                for (int c = 0; c < width; c++)
                    if (!TryNumber(cells[c], out values[c]))
                        throw new DataFormatException($"{path}:{lineNumber}: column {c + 1}{(header != null ? " ('" + header[c] + "')" : "")}: '{Clip(cells[c])}' is not a number");
                rows.Add(values);
            }
            if (rows.Count == 0)
                throw new DataFormatException($"{path}: no data rows");

            int label = -1;
            if (labelColumn != null)
            {
                if (header != null && Array.IndexOf(header, labelColumn) is int named && named >= 0) label = named;
                else if (int.TryParse(labelColumn, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < width) label = index;
                else if (labelOptional) label = -1;
                else throw new DataFormatException($"{path}: no label column '{labelColumn}'" + (header != null ? $"; the columns are {string.Join(", ", header.Take(8))}{(header.Length > 8 ? ", ..." : "")}" : " (the file has no header: give a 0-based column index)"));
            }

            int featureWidth = label >= 0 ? width - 1 : width;
            var features = new float[rows.Count * featureWidth];
            int[]? labels = label >= 0 ? new int[rows.Count] : null;
            for (int r = 0; r < rows.Count; r++)
            {
                int o = r * featureWidth;
                for (int c = 0; c < width; c++)
                {
                    if (c == label) continue;
                    features[o++] = rows[r][c];
                }
                if (labels != null) labels[r] = ToLabel(rows[r][label], $"{path}: row {r + 1}");
            }
            return new Dataset(features, rows.Count, featureWidth, labels);
        }

        /// <summary>Labels from a CSV with one integer per row (a header row is skipped).</summary>
        public static int[] LoadLabels(string path)
        {
            var data = Load(path, null);
            if (data.Width != 1)
                throw new DataFormatException($"{path}: a labels file has one column; this one has {data.Width}");
            return data.Features.Select((v, i) => ToLabel(v, $"{path}: row {i + 1}")).ToArray();
        }

        internal static int ToLabel(float value, string where)
        {
            if (value < 0 || value != MathF.Floor(value) || value > 1_000_000)
                throw new DataFormatException($"{where}: label {value.ToString(CultureInfo.InvariantCulture)} is not a class index (0, 1, 2, ...)");
            return (int)value;
        }

        private static bool TryNumber(string cell, out float value) =>
            float.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);

        private static string Clip(string s) => s.Length > 40 ? s.Substring(0, 40) + "..." : s;
    }
}
