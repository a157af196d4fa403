using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>One tensor of a node test's data set. Data is decoded for float and int64 only (else both are null).</summary>
    public sealed class NodeTensor
    {
        public NodeTensor(string name, long[] dims, OnnxDataType elementType, float[]? floats, long[]? int64s)
        {
            Name = name;
            Dims = dims;
            ElementType = elementType;
            Floats = floats;
            Int64s = int64s;
        }

        public string Name { get; }
        public long[] Dims { get; }
        public OnnxDataType ElementType { get; }
        public float[]? Floats { get; }
        public long[]? Int64s { get; }

        public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

        public override string ToString() => $"{Name}:{ElementType}[{string.Join(", ", Dims)}]";
    }

    /// <summary>A value column entry of INDEX.tsv, e.g. "x:float[3, 4, 5]".</summary>
    public sealed record NodeIndexValue(string Name, string Type, string Shape);

    /// <summary>One row of onnx-node-tests/INDEX.tsv (generated from the files; describes the graph's signature).</summary>
    public sealed record NodeIndexEntry(
        string Name, string Opset, string IrVersion, IReadOnlyList<string> Ops,
        IReadOnlyList<NodeIndexValue> Inputs, IReadOnlyList<NodeIndexValue> Outputs);

    /// <summary>
    /// One folder of the ONNX backend node tests (shared/onnx-node-tests/NAME): the model and data set 0
    /// (input_N.pb / output_N.pb, N in numeric order, which is graph order).
    /// </summary>
    public sealed class NodeTestCase
    {
        /// <summary>Folders whose .pb files are not TensorProtos (a SequenceProto and an OptionalProto).</summary>
        private static readonly HashSet<string> s_nonTensorData = new HashSet<string>(StringComparer.Ordinal)
        {
            "test_identity_sequence",
            "test_identity_opt",
        };

        private static readonly Lazy<IReadOnlyDictionary<string, NodeIndexEntry>> s_index =
            new Lazy<IReadOnlyDictionary<string, NodeIndexEntry>>(ReadIndex);

        private NodeTestCase(string name, string directory, byte[] model, IReadOnlyList<NodeTensor> inputs,
            IReadOnlyList<NodeTensor> outputs, string? unreadableReason)
        {
            Name = name;
            Directory = directory;
            Model = model;
            Inputs = inputs;
            Outputs = outputs;
            UnreadableReason = unreadableReason;
        }

        /// <summary>shared/onnx-node-tests: the folders of the ops the gate started with.</summary>
        public static string Root => Path.Combine(TestPaths.SharedDir, "onnx-node-tests");

        /// <summary>
        /// shared/onnx-node-tests-more: 489 further folders from the same upstream (shape ops, Resize, ConvTranspose, norms,
        /// recurrent layers, ArgMax/TopK, integer and quantized ops). The gate reads both roots: a folder there whose ops
        /// are all supported must pass like any other, and the rest must end in a precise diagnostic.
        /// </summary>
        public static string MoreRoot => Path.Combine(TestPaths.SharedDir, "onnx-node-tests-more");

        /// <summary>Both roots, the original first (a name found in both is taken from the first).</summary>
        public static IReadOnlyList<string> Roots => new[] { Root, MoreRoot };

        /// <summary>The folder of a test by name, in whichever root holds it.</summary>
        public static string FolderOf(string name)
        {
            foreach (string root in Roots)
            {
                string directory = Path.Combine(root, name);
                if (System.IO.Directory.Exists(directory)) return directory;
            }
            throw new DirectoryNotFoundException($"No node test folder {name} under {Root} or {MoreRoot}.");
        }

        public string Name { get; }
        public string Directory { get; }

        /// <summary>model.onnx as stored.</summary>
        public byte[] Model { get; }

        /// <summary>Data set 0 inputs in graph-input order (empty when the data is unreadable).</summary>
        public IReadOnlyList<NodeTensor> Inputs { get; }

        /// <summary>Data set 0 expected outputs in graph-output order (empty when the data is unreadable).</summary>
        public IReadOnlyList<NodeTensor> Outputs { get; }

        /// <summary>Why the .pb files could not be read as TensorProtos ("unreadable data"), or null.</summary>
        public string? UnreadableReason { get; }

        public bool IsDataReadable => UnreadableReason is null;

        /// <summary>This folder's INDEX.tsv row, or null when the index has none.</summary>
        public NodeIndexEntry? Index => s_index.Value.TryGetValue(Name, out var entry) ? entry : null;

        /// <summary>The inputs that remain graph inputs after <see cref="ModelWithInt64InputsAsInitializers"/>.</summary>
        public IReadOnlyList<NodeTensor> NonInt64Inputs => Inputs.Where(t => t.ElementType != OnnxDataType.Int64).ToList();

        public bool HasInt64Inputs => Inputs.Any(t => t.ElementType == OnnxDataType.Int64);

        /// <summary>Every folder name under <see cref="Roots"/> (directories only), in ordinal order.</summary>
        public static IReadOnlyList<string> AllNames()
        {
            foreach (string root in Roots)
            {
                if (!System.IO.Directory.Exists(root))
                    throw new DirectoryNotFoundException($"The ONNX node tests are not at {root} (set PCG_SHARED_DIR to the shared folder).");
            }
            return Roots.SelectMany(System.IO.Directory.GetDirectories)
                .Select(Path.GetFileName)
                .Select(n => n!)
                .Distinct(StringComparer.Ordinal)
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>Every INDEX.tsv row by folder name.</summary>
        public static IReadOnlyDictionary<string, NodeIndexEntry> IndexEntries => s_index.Value;

        public static NodeTestCase Load(string name)
        {
            string directory = FolderOf(name);
            byte[] model = File.ReadAllBytes(Path.Combine(directory, "model.onnx"));
            string dataSet = Path.Combine(directory, "test_data_set_0");

            if (s_nonTensorData.Contains(name))
            {
                return new NodeTestCase(name, directory, model, Array.Empty<NodeTensor>(), Array.Empty<NodeTensor>(),
                    "unreadable data: the .pb files are not TensorProtos (sequence/optional values)");
            }
            try
            {
                var inputs = ReadTensors(dataSet, "input_");
                var outputs = ReadTensors(dataSet, "output_");
                return new NodeTestCase(name, directory, model, inputs, outputs, null);
            }
            catch (Exception e) when (e is OnnxFormatException || e is NotSupportedException || e is InvalidDataException)
            {
                return new NodeTestCase(name, directory, model, Array.Empty<NodeTensor>(), Array.Empty<NodeTensor>(),
                    "unreadable data: " + e.Message);
            }
        }

        /// <summary>
        /// The model with every int64 graph input turned into an initializer holding this data set's value: in these
        /// tests int64 inputs are shape parameters (Reshape's shape, axes, pads) that the generator needs as constants.
        /// Returns <see cref="Model"/> itself when there is no int64 input.
        /// </summary>
        /// <remarks>The float inputs named in <paramref name="floatParameters"/> (Resize's scales, roi) become initializers too.</remarks>
        public byte[] ModelWithInt64InputsAsInitializers(IReadOnlyCollection<string>? floatParameters = null)
        {
            var int64Inputs = Inputs.Where(t => t.ElementType == OnnxDataType.Int64 || (floatParameters != null && t.ElementType == OnnxDataType.Float && floatParameters.Contains(t.Name))).ToList();
            if (int64Inputs.Count == 0) return Model;

            OnnxModel model = OnnxReader.Read(Model);
            OnnxGraph graph = model.Graph ?? throw new InvalidOperationException($"{Name}: the model has no graph.");
            foreach (NodeTensor input in int64Inputs)
            {
                int position = graph.Inputs.FindIndex(v => v.Name == input.Name);
                if (position < 0) throw new InvalidOperationException($"{Name}: no graph input named '{input.Name}'.");
                graph.Inputs.RemoveAt(position);

                var initializer = new OnnxTensor { Name = input.Name, DataType = input.ElementType };
                initializer.Dims.AddRange(input.Dims);
                if (input.ElementType == OnnxDataType.Float) initializer.FloatData.AddRange(input.Floats!);
                else initializer.Int64Data.AddRange(input.Int64s!);
                graph.Initializers.Add(initializer);
            }
            return OnnxWriter.Write(model);
        }

        public override string ToString() => Name;

        private static List<NodeTensor> ReadTensors(string dataSet, string prefix)
        {
            var files = System.IO.Directory.GetFiles(dataSet, prefix + "*.pb")
                .Select(path => (path, number: ParseNumber(Path.GetFileNameWithoutExtension(path).Substring(prefix.Length), path)))
                .OrderBy(f => f.number)
                .ToList();
            for (int i = 0; i < files.Count; i++)
            {
                if (files[i].number != i) throw new InvalidDataException($"{dataSet}: {prefix}{i}.pb is missing.");
            }

            var tensors = new List<NodeTensor>(files.Count);
            foreach (var (path, number) in files)
            {
                OnnxTensor tensor = OnnxReader.ReadTensor(File.ReadAllBytes(path));
                float[]? floats = tensor.DataType == OnnxDataType.Float ? OnnxTensorData.ToFloats(tensor) : null;
                long[]? int64s = tensor.DataType == OnnxDataType.Int64 ? OnnxTensorData.ToInt64s(tensor) : null;
                var t = new NodeTensor(
                    tensor.Name.Length > 0 ? tensor.Name : prefix + number.ToString(CultureInfo.InvariantCulture),
                    tensor.Dims.ToArray(), tensor.DataType, floats, int64s);
                long length = floats?.Length ?? int64s?.Length ?? t.ElementCount;
                if (length != t.ElementCount)
                {
                    throw new InvalidDataException($"{path}: dims [{string.Join(", ", t.Dims)}] hold {t.ElementCount} elements, the data {length}.");
                }
                tensors.Add(t);
            }
            return tensors;
        }

        private static int ParseNumber(string text, string path) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                ? n
                : throw new InvalidDataException($"Unexpected data file name {path}.");

        private static readonly Regex s_value = new Regex(@"(?<name>[^\s:]+):(?<type>\w+)\[(?<shape>[^\]]*)\]", RegexOptions.CultureInvariant);

        private static IReadOnlyDictionary<string, NodeIndexEntry> ReadIndex()
        {
            var entries = new Dictionary<string, NodeIndexEntry>(StringComparer.Ordinal);
            foreach (string root in Roots.Reverse())
                ReadIndex(Path.Combine(root, "INDEX.tsv"), entries);
            return entries;
        }

        private static void ReadIndex(string path, Dictionary<string, NodeIndexEntry> entries)
        {
            if (!File.Exists(path)) return;
            string[] lines = File.ReadAllLines(path);
            if (lines.Length == 0) return;
            string[] header = lines[0].Split('\t');
            int Column(string name) => Array.IndexOf(header, name) is var i and >= 0
                ? i
                : throw new InvalidDataException($"{path}: no column '{name}'.");
            int test = Column("test"), opset = Column("opset"), ir = Column("ir_version"), ops = Column("ops"),
                inputs = Column("inputs"), outputs = Column("outputs");
            IReadOnlyList<NodeIndexValue> Values(string text) =>
                s_value.Matches(text).Select(m => new NodeIndexValue(m.Groups["name"].Value, m.Groups["type"].Value, m.Groups["shape"].Value)).ToList();
            foreach (string line in lines.Skip(1))
            {
                if (line.Length == 0) continue;
                string[] f = line.Split('\t');
                entries[f[test]] = new NodeIndexEntry(
                    f[test], f[opset], f[ir],
                    f[ops].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    Values(f[inputs]), Values(f[outputs]));
            }
        }
    }
}
